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

/// Soon after start-up, give back the pages of the program's own code and constants that only
/// start-up used (see [`release_startup_pages`]): half a second after the call, and again at three
/// seconds. Not at once: pages that start-up has just read in are not yet where the kernel can
/// take them from (measured: called at once, 19 MiB of the binary stayed resident; a second
/// later, the same call left 2 MiB). The second pass takes what was still being read at the
/// first. Each pass costs a few milliseconds.
pub fn release_startup_pages_soon() {
    let spawned = std::thread::Builder::new()
        .name("release-startup".into())
        .stack_size(64 * 1024)
        .spawn(|| {
            for wait_ms in [500, 2500] {
                std::thread::sleep(std::time::Duration::from_millis(wait_ms));
                release_startup_pages();
            }
        });
    if let Err(err) = spawned {
        tracing::warn!(error = %err, "cannot start the thread that releases start-up pages");
    }
}

/// Give back the pages of the program's own code and constants that start-up touched.
///
/// Building the node runs code from every feature once (each route's handler, the OpenAPI
/// description, migrations, configuration), scattered over the binary's 28 MB of code; the kernel
/// maps 64 KiB around each page a fault touches, so start-up leaves about 19 MiB of the binary
/// resident, most of which serving never runs again (docs/benchmarks.md). They are clean file
/// pages, which the kernel reclaims anyway under pressure; this hands them back at once, so the
/// node's resident memory is what serving uses. What serving runs faults back in on first use.
/// Pages that another process maps too (a second node started from the same file) stay.
#[cfg(target_os = "linux")]
pub fn release_startup_pages() {
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
        return;
    };
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    let exe = exe.to_string_lossy();
    let mut released = 0usize;
    for line in maps.lines() {
        // start-end perms offset dev inode path
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        // Only read-only mappings of the binary itself (code, constants): never data or heap.
        if fields.nth(3) != Some(exe.as_ref()) || perms.contains('w') {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) else {
            continue;
        };
        // SAFETY: the range is a whole mapping of this process's own read-only file pages, as the
        // kernel listed it; MADV_PAGEOUT only drops their mappings (they fault back in when
        // used) and never changes their contents. A failure (kernels before 5.4) changes nothing.
        let done =
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_PAGEOUT) };
        if done == 0 {
            released += end - start;
        }
    }
    tracing::debug!(mapped_bytes = released, "start-up pages handed back");
}

#[cfg(not(target_os = "linux"))]
pub fn release_startup_pages() {}
