// SPDX-License-Identifier: MIT
// build.rs: names the runtime in the record: the tokio version Cargo.lock resolved to, and the compiler's.
use std::process::Command;

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let lock = std::fs::read_to_string(format!("{}/Cargo.lock", dir)).unwrap_or_default();
    let mut tokio = "?".to_string();
    let mut it = lock.lines();
    while let Some(line) = it.next() {
        if line.trim() == "name = \"tokio\"" {
            if let Some(v) = it.next().and_then(|l| l.split('"').nth(1)) {
                tokio = v.to_string();
            }
        }
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc).arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    let version = out.as_deref().and_then(|s| s.split_whitespace().nth(1)).unwrap_or("?").to_string();
    println!("cargo:rustc-env=SIMUL_TOKIO_VERSION={}", tokio);
    println!("cargo:rustc-env=SIMUL_RUSTC_VERSION={}", version);
    println!("cargo:rerun-if-changed=Cargo.lock");
}
