//! Hands the linker `link/symbol-order.txt` for release builds of the `minibase` binary: the
//! functions run at start-up and on the hot paths are placed first and together, so a node maps
//! a few MiB of its code instead of most of it (docs/benchmarks.md, item 18; regenerate the list
//! with `bench/symbol-order`).
//!
//! Only where the linker is known to be LLD, which reads such a list: rustc 1.90 and later link
//! x86_64 Linux with its own LLD unless told otherwise. Elsewhere the list is not used, which
//! changes where functions sit, nothing else. `MINIBASE_NO_SYMBOL_ORDER=1` turns it off.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    let order = Path::new(env!("CARGO_MANIFEST_DIR")).join("link/symbol-order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=MINIBASE_NO_SYMBOL_ORDER");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    if env::var_os("MINIBASE_NO_SYMBOL_ORDER").is_some_and(|v| v != "0")
        || env::var("PROFILE").as_deref() != Ok("release")
        || env::var("TARGET").as_deref() != Ok("x86_64-unknown-linux-gnu")
        || env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some()
        || env::var("CARGO_ENCODED_RUSTFLAGS")
            .is_ok_and(|flags| flags.contains("linker") || flags.contains("fuse-ld"))
        || !rustc_links_with_lld()
        || !order.is_file()
    {
        return;
    }
    println!(
        "cargo:rustc-link-arg-bin=minibase=-Wl,--symbol-ordering-file={}",
        order.display()
    );
    // Names the list holds that this build does not define are skipped, silently.
    println!("cargo:rustc-link-arg-bin=minibase=-Wl,--no-warn-symbol-ordering");
}

/// rustc 1.90 or later, whose default linker on this target is its bundled LLD.
fn rustc_links_with_lld() -> bool {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("-V").output() else {
        return false;
    };
    let version = String::from_utf8_lossy(&out.stdout);
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let mut numbers = version
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .split('.')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    let (major, minor) = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    (major, minor) >= (1, 90)
}
