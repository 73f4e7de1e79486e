//! Bundling: a spec split over files (`$ref: "models/droplet.yml#/droplet"`) becomes one document.
//!
//! A reference to a schema in another file becomes a schema of `components/schemas` (named after
//! the fragment's last segment or the file, so the SDK type keeps a good name, and a recursive
//! schema stays one type); any other referenced object (a path item, a parameter, a response, even
//! a description) is copied in place. References inside a pulled-in file are taken relative to
//! that file. Remote references (URLs) are left for [`crate::normalize`], which works offline.

use crate::diagnostics::Report;
use crate::error::Error;
use crate::pointer;
use crate::walk::{self, Position};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// More rounds than this means references that keep pulling in references: a cycle outside
/// schemas.
const MAX_ROUNDS: usize = 64;

/// Whether a reference names a remote document.
pub fn is_remote(reference: &str) -> bool {
    reference.contains("://")
}

/// Replaces every relative file reference of `doc` (read from `path`) with what it points at.
pub fn bundle(doc: &mut Value, path: &Path, report: &mut Report) {
    // Absolute, so that references rebased onto pulled-in files resolve from anywhere.
    let main = normalise(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
    let base = main.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut bundler = Bundler {
        main,
        files: BTreeMap::new(),
        hoisted: BTreeMap::new(),
        taken: doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
    };
    for _ in 0..MAX_ROUNDS {
        let external: Vec<walk::Ref> = walk::refs(doc, "", Position::Other)
            .into_iter()
            .filter(|r| !r.target.starts_with('#') && !is_remote(&r.target))
            .collect();
        if external.is_empty() {
            return;
        }
        for r in external {
            let replacement = match bundler.resolve(&base, &r.target) {
                // Back into the main document: a local reference.
                Ok((file, fragment, _)) if file == bundler.main => json!({"$ref": format!("#{fragment}")}),
                Ok((file, fragment, target)) => match r.position {
                    Position::Schema => {
                        let name = bundler.hoist(doc, &file, &fragment, target);
                        json!({"$ref": format!("#/components/schemas/{}", pointer::escape(&name))})
                    }
                    Position::Other => rebase(target, &file, Position::Other),
                },
                Err(reason) => {
                    report.error(Error::Unresolved {
                        path: path.to_path_buf(),
                        pointer: r.pointer.clone(),
                        reference: r.target.clone(),
                        reason,
                    });
                    json!({})
                }
            };
            if let Some(node) = doc.pointer_mut(&r.pointer) {
                *node = replacement;
            }
        }
    }
    report.error(Error::invalid(
        path,
        "",
        format!("file references still unresolved after {MAX_ROUNDS} rounds: a cycle of references outside schemas"),
    ));
}

struct Bundler {
    main: PathBuf,
    /// Files read so far, by normalised path.
    files: BTreeMap<PathBuf, Value>,
    /// (file, fragment) → the name it was given in `components/schemas`.
    hoisted: BTreeMap<(PathBuf, String), String>,
    /// Names in `components/schemas`.
    taken: BTreeSet<String>,
}

impl Bundler {
    /// Reads the referenced file (once) and finds the fragment in it.
    fn resolve(&mut self, base: &Path, reference: &str) -> Result<(PathBuf, String, Value), String> {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let file = normalise(&base.join(decode(file)));
        if file == self.main {
            return Ok((file, fragment.to_string(), Value::Null));
        }
        if !self.files.contains_key(&file) {
            let doc = crate::document::read(&file).map_err(|e| match e {
                Error::Io { .. } => format!(
                    "needs `{}`, which cannot be read; keep the spec's files together, or bundle it into one file \
                     (for example `npx @redocly/cli bundle`)",
                    file.display()
                ),
                other => format!("points into a file that is not valid: {other}"),
            })?;
            self.files.insert(file.clone(), doc);
        }
        let doc = &self.files[&file];
        let target = if fragment.is_empty() || fragment == "/" {
            Some(doc)
        } else {
            doc.pointer(fragment)
        };
        let target = target
            .ok_or_else(|| format!("points at `{fragment}`, which is not in `{}`", file.display()))?
            .clone();
        Ok((file, fragment.to_string(), target))
    }

    /// Puts an external schema into `components/schemas` (once per file and fragment); its name.
    fn hoist(&mut self, doc: &mut Value, file: &Path, fragment: &str, target: Value) -> String {
        let key = (file.to_path_buf(), fragment.to_string());
        if let Some(name) = self.hoisted.get(&key) {
            return name.clone();
        }
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let wanted = pointer::segments(fragment)
            .pop()
            .filter(|s| !s.is_empty())
            .unwrap_or(stem.clone());
        let mut name = wanted.clone();
        if self.taken.contains(&name) {
            name = format!("{stem}_{wanted}");
        }
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        self.hoisted.insert(key, name.clone());
        if let Some(schemas) = walk::component_schemas(doc) {
            schemas.insert(name.clone(), rebase(target, file, Position::Schema));
        }
        name
    }
}

/// Makes the references of a value taken from `file` valid in the main document: a local one
/// (`#/x`) points into `file`, a relative one is taken from `file`'s directory.
fn rebase(mut value: Value, file: &Path, position: Position) -> Value {
    let dir = file.parent().unwrap_or(Path::new(""));
    for r in walk::refs(&value, "", position) {
        if is_remote(&r.target) {
            continue;
        }
        let (f, fragment) = r.target.split_once('#').unwrap_or((&r.target, ""));
        let target_file = if f.is_empty() {
            file.to_path_buf()
        } else {
            normalise(&dir.join(decode(f)))
        };
        let rebased = if fragment.is_empty() {
            target_file.display().to_string()
        } else {
            format!("{}#{fragment}", target_file.display())
        };
        if let Some(Value::Object(node)) = value.pointer_mut(&r.pointer) {
            node.insert("$ref".into(), Value::String(rebased));
        }
    }
    value
}

/// `a/./b/../c` → `a/c`, without touching the file system (a missing file is reported, not an
/// error of normalisation).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Percent-decodes a reference's file part (`my%20file.yaml`).
fn decode(file: &str) -> String {
    let bytes = file.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = file.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}
