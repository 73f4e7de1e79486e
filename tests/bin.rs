//! Where the server binaries are, for the tests and the benchmark (which includes this file).

/// A server binary of the workspace. The servers are packages of their own (`servers/*-mcp`), so
/// cargo gives these tests no `CARGO_BIN_EXE_` for them; `cargo test --workspace` builds them
/// first (each package's own test needs its binary) into the directory above this test's.
pub struct Bin {
    name: &'static str,
    path: std::sync::OnceLock<String>,
}

impl Bin {
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            path: std::sync::OnceLock::new(),
        }
    }
}

impl std::ops::Deref for Bin {
    type Target = str;

    fn deref(&self) -> &str {
        self.path.get_or_init(|| {
            let exe = std::env::current_exe().expect("the test binary's path");
            let dir = exe
                .ancestors()
                .nth(2)
                .expect("the test binary is in <target>/<profile>/deps");
            let path = dir.join(format!("{}{}", self.name, std::env::consts::EXE_SUFFIX));
            assert!(
                path.is_file(),
                "{} is not built: `cargo test --workspace` builds it for the tests, `cargo build \
                 --release --bins` for the benchmark",
                path.display()
            );
            path.display().to_string()
        })
    }
}

impl AsRef<std::ffi::OsStr> for Bin {
    fn as_ref(&self) -> &std::ffi::OsStr {
        std::ffi::OsStr::new(&**self)
    }
}
