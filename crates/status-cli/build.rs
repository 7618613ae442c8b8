//! Packs the code an idle `serve` runs into as few pages as possible, for release builds linked by
//! rust-lld (the default linker of `x86_64-unknown-linux-gnu`).
//!
//! The kernel maps a binary's code in 64 KiB windows around each page it runs. Laid out as the
//! compiler emits it, the ~2 MB of functions that start-up, a collection and the HTTP answers run are
//! spread over ~110 such windows: 7 MiB of resident text. `symbol-order.txt` lists those functions
//! (measured by `scripts/symbol-order.sh`, which runs `serve` under callgrind) and the linker puts
//! them first, so they fill ~35 windows. A name the build no longer has (code changed since the file
//! was made, another compiler) is skipped silently: the binary is correct either way, only less
//! compact; `scripts/symbol-order.sh --check` counts how many names still match.
//!
//! Nothing is passed for other targets, other profiles, or when the build names its own linker or
//! linker flags (GNU ld has no `--symbol-ordering-file`).

use std::env;

fn main() {
    println!("cargo:rerun-if-changed=symbol-order.txt");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let release = env::var("PROFILE").is_ok_and(|profile| profile == "release");
    let default_lld = env::var("TARGET").is_ok_and(|target| target == "x86_64-unknown-linux-gnu");
    let own_linker = env::var_os("RUSTC_LINKER").is_some()
        || env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|flags| flags.contains("link"));
    if release && default_lld && !own_linker {
        let manifest = env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned());
        println!(
            "cargo:rustc-link-arg-bin=status-cli=-Wl,--symbol-ordering-file={manifest}/symbol-order.txt"
        );
        println!("cargo:rustc-link-arg-bin=status-cli=-Wl,--no-warn-symbol-ordering");
    }
}
