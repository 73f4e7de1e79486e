//! The binary reports this crate's version. Building this test also builds the binary, which the
//! workspace's end-to-end tests (tests/ at the root) run.

/// `--version` (and `initialize`) read the MCP manifest's `server.version`: a manifest bump
/// needs the same bump in Cargo.toml.
#[test]
fn version_is_the_crates() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_inferior-mcp"))
        .arg("--version")
        .output()
        .expect("the server binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let version = String::from_utf8_lossy(&out.stdout);
    assert_eq!(version.trim(), concat!("inferior-mcp ", env!("CARGO_PKG_VERSION")));
}
