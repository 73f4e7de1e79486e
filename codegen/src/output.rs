//! Writing generated files, or comparing them with what is on disk (`--check`).

use crate::error::Error;
use crate::generate::Files;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The marker every generated file carries in its first line.
const MARKER: &str = "@generated";

/// Writes what changed and removes generated files that are no longer generated.
pub fn write(files: &Files, out: &Path, specs: &Path) -> Result<String, Error> {
    let mut written = 0;
    for (root, set) in [(out, &files.out), (specs, &files.specs)] {
        for (rel, content) in set {
            let path = root.join(rel);
            if std::fs::read_to_string(&path).ok().as_deref() == Some(content.as_str()) {
                continue;
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
            }
            std::fs::write(&path, content).map_err(|e| io(&path, e))?;
            written += 1;
        }
    }
    let stale = stale_files(files, out);
    for path in &stale {
        std::fs::remove_file(path).map_err(|e| io(path, e))?;
    }
    Ok(format!(
        "{} files generated, {written} changed, {} removed",
        files.out.len() + files.specs.len(),
        stale.len()
    ))
}

/// Compares without writing; a difference is an error carrying a unified diff.
pub fn check(files: &Files, out: &Path, specs: &Path) -> Result<String, Error> {
    let mut diff = String::new();
    let mut differing = 0;
    for (root, set) in [(out, &files.out), (specs, &files.specs)] {
        for (rel, expected) in set {
            let path = root.join(rel);
            let actual = std::fs::read_to_string(&path).unwrap_or_default();
            if actual != *expected {
                differing += 1;
                let name = path.display().to_string();
                let text = similar::TextDiff::from_lines(&actual, expected);
                diff.push_str(
                    &text
                        .unified_diff()
                        .context_radius(3)
                        .header(&format!("a/{name}"), &format!("b/{name}"))
                        .to_string(),
                );
            }
        }
    }
    for path in stale_files(files, out) {
        differing += 1;
        diff.push_str(&format!(
            "--- a/{}\n+++ /dev/null\n(no longer generated)\n",
            path.display()
        ));
    }
    if differing > 0 {
        return Err(Error::Stale { diff, files: differing });
    }
    Ok(format!("{} files up to date", files.out.len() + files.specs.len()))
}

/// Files under `out` that carry the generated marker but are not in the generated set.
fn stale_files(files: &Files, out: &Path) -> Vec<PathBuf> {
    let expected: BTreeSet<PathBuf> = files.out.keys().map(|rel| out.join(rel)).collect();
    let mut stale = Vec::new();
    let mut dirs = vec![out.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != "target" {
                    dirs.push(path);
                }
            } else if !expected.contains(&path) && first_line(&path).is_some_and(|l| l.contains(MARKER)) {
                stale.push(path);
            }
        }
    }
    stale.sort();
    stale
}

fn first_line(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().next().map(String::from)
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}
