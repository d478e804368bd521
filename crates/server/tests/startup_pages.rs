//! `allocator::release_startup_pages`: the binary's read-only pages that start-up touched leave
//! the process's resident memory. In a test binary of its own, so that no other test runs code
//! (and faults pages back in) while it measures.

#![cfg(target_os = "linux")]

/// Resident KiB of this test binary's own read-only mappings (code, constants).
fn resident_binary_kib() -> u64 {
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    let exe = exe.to_string_lossy();
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
    let mut total = 0;
    let mut ours = false;
    for line in smaps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.first().is_some_and(|f| f.contains('-')) && fields.len() >= 5 {
            ours = fields.get(5) == Some(&exe.as_ref()) && !fields[1].contains('w');
        } else if ours {
            if let Some(kib) = line.strip_prefix("Rss:") {
                total += kib
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .unwrap();
            }
        }
    }
    total
}

#[test]
fn start_up_pages_of_the_binary_are_handed_back() {
    // Building the API description, as start-up does, runs code all over the binary.
    assert!(minibase::app::openapi_json().is_ok());
    let before = resident_binary_kib();
    minibase::allocator::release_startup_pages();
    let after = resident_binary_kib();
    assert!(
        before >= 512 && after < before / 2,
        "the binary's read-only pages left memory: {before} KiB -> {after} KiB"
    );
}
