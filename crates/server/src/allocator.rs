//! Process-wide memory settings, applied once at the start of `main` before any thread exists.

/// glibc raises its mmap threshold to the size of the largest block freed so far (up to 32 MiB),
/// and its trim threshold with it. Argon2 (admin logins) works in a 19 MiB block: after the first
/// admin login every later one took that block from the heap, and it stayed resident when freed
/// (RSS +19 MiB, measured in docs/benchmarks.md). A fixed threshold keeps large blocks in their
/// own mappings, which go back to the system when freed.
///
/// glibc also keeps freed pages inside its heaps for reuse, and only gives back what lies at a
/// heap's top: after a burst (256 connections in flight) the peak stayed resident for good. A
/// thread hands the free pages back once a second (`malloc_trim` walks the free lists and
/// releases whole free pages), which is what Go's scavenger does for Gin.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    // Blocks from 256 KiB up are mapped on their own (glibc's own default starts at 128 KiB).
    const THRESHOLD: libc::c_int = 256 * 1024;
    const TRIM_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);
    // SAFETY: mallopt only sets allocator parameters; it runs first in main, before any other
    // thread exists. On failure (returns 0) glibc keeps its defaults, which is harmless.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
    }
    let spawned = std::thread::Builder::new()
        .name("malloc-trim".into())
        .stack_size(64 * 1024)
        .spawn(|| loop {
            std::thread::sleep(TRIM_INTERVAL);
            // SAFETY: malloc_trim is thread-safe (it locks each arena in turn); 0 keeps no pad.
            unsafe {
                libc::malloc_trim(0);
            }
        });
    if let Err(err) = spawned {
        eprintln!("warning: cannot start the malloc-trim thread: {err}");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}
