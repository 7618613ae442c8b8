//! Passes the target triple to the tidy tests (for `cargo metadata --filter-platform`).

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=TIDY_TARGET={target}");
}
