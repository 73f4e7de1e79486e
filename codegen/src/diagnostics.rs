//! What a run found: errors (nothing is written) and warnings (each rewrite of the spec, each
//! operation left out, each operation without a tool), and how they are shown.
//!
//! A large spec can yield thousands of warnings of one kind (Stripe: ~2,000 `anyOf` unions), so
//! beyond [`GROUP_ABOVE`] the same kind in one file is shown as one group: a count, what the kind
//! means, and the first few pointers. `--verbose` lists every one.

use crate::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};

/// More diagnostics than this of one kind in one file are shown as a group.
pub const GROUP_ABOVE: usize = 5;
/// How many members of a group are shown.
const GROUP_SHOWS: usize = 3;

/// What a warning is about. The order is the order groups are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A remote `$ref` (a URL) was not fetched.
    RemoteRef,
    /// An `anyOf` whose members overlap became a `oneOf`.
    Union,
    /// A tuple (`prefixItems`, or `items` as an array) became an array.
    Tuple,
    /// A JSON Schema keyword with no OpenAPI 3.0 form was dropped.
    Keyword,
    /// An enum whose values cannot be Rust variants became a plain value.
    Enum,
    /// An integer bound beyond 64 bits was clamped.
    Bound,
    /// A `default` that is not a value of its schema was dropped.
    Default,
    /// A media type was renamed, chosen among several, or given a schema.
    MediaType,
    /// A parameter the client cannot send was left out.
    Parameter,
    /// An operationId was added or made unique.
    OperationId,
    /// Responses were merged into one success and one error type.
    Responses,
    /// An inline schema was moved to `components/schemas` so its Rust type has a name of its own.
    Name,
    /// A schema the client generator cannot take became an untyped JSON value.
    Schema,
    /// An operation was left out of the SDK.
    Operation,
    /// An operation has no tool and is not in the manifest's `exclude`.
    Untooled,
}

impl Kind {
    /// The short name shown in brackets after each warning.
    pub fn code(self) -> &'static str {
        match self {
            Kind::RemoteRef => "remote-ref",
            Kind::Union => "union",
            Kind::Tuple => "tuple",
            Kind::Keyword => "keyword",
            Kind::Enum => "enum",
            Kind::Bound => "bound",
            Kind::Default => "default",
            Kind::MediaType => "media-type",
            Kind::Parameter => "parameter",
            Kind::OperationId => "operation-id",
            Kind::Responses => "responses",
            Kind::Name => "name",
            Kind::Schema => "schema",
            Kind::Operation => "operation",
            Kind::Untooled => "untooled",
        }
    }

    /// What a group of this kind says after its count.
    fn summary(self) -> &'static str {
        match self {
            Kind::RemoteRef => {
                "remote references were not fetched (codegen runs offline); their values are untyped JSON"
            }
            Kind::Union => {
                "`anyOf` unions with overlapping members became `oneOf` (the first member that matches wins)"
            }
            Kind::Tuple => "tuples became arrays of their members' union",
            Kind::Keyword => {
                "JSON Schema keywords with no OpenAPI 3.0 form were dropped (they validate; types are unchanged)"
            }
            Kind::Enum => "enums that cannot be Rust enums became plain values",
            Kind::Bound => "integer bounds beyond 64 bits were clamped",
            Kind::Default => "defaults that are not values of their schema were dropped",
            Kind::MediaType => "media types were changed to ones the client generator takes",
            Kind::Parameter => "parameters the client generator cannot send were left out",
            Kind::OperationId => "operationIds were added or made unique",
            Kind::Responses => "operations' responses were merged into one success and one error type",
            Kind::Name => "inline schemas were named so that no two Rust types have one name",
            Kind::Schema => "schemas the client generator cannot take became untyped JSON values",
            Kind::Operation => "operations were left out of the SDK",
            Kind::Untooled => "operations have no tool and are not in the manifest's `exclude`",
        }
    }
}

/// One rewrite, omission or gap, at a node of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub kind: Kind,
    pub path: PathBuf,
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}#{}: {} [{}]",
            self.path.display(),
            shown_pointer(&self.pointer),
            self.message,
            self.kind.code()
        )
    }
}

fn shown_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

/// Errors and warnings of a run, in the order they were found.
#[derive(Debug, Default)]
pub struct Report {
    pub errors: Vec<Error>,
    pub warnings: Vec<Warning>,
}

impl Report {
    pub fn warn(&mut self, kind: Kind, path: &Path, pointer: &str, message: impl Into<String>) {
        self.warnings.push(Warning {
            kind,
            path: path.to_path_buf(),
            pointer: pointer.to_string(),
            message: message.into(),
        });
    }

    pub fn error(&mut self, error: Error) {
        self.errors.push(error);
    }

    pub fn extend(&mut self, other: Report) {
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
    }

    /// Every diagnostic as text, one per line: errors, then warnings by kind. Large groups are
    /// summarised unless `verbose`; `strict` shows warnings as errors. `strip` is removed from
    /// paths (to show them relative to a directory).
    pub fn render(&self, verbose: bool, strict: bool, strip: &str) -> String {
        let mut out = String::new();
        let mut members: Vec<Member> = Vec::new();
        for e in &self.errors {
            let full = e.to_string();
            match e.group() {
                Some((name, path)) if !verbose => {
                    let key = (name.to_string(), Error::group_summary(name), path);
                    members.push(Member {
                        label: "error",
                        group: Some(key),
                        short: full.replacen(&path.display().to_string(), "", 1),
                        full,
                    });
                }
                _ => members.push(Member {
                    label: "error",
                    group: None,
                    short: String::new(),
                    full,
                }),
            }
        }
        let mut warnings: Vec<&Warning> = self.warnings.iter().collect();
        warnings.sort_by_key(|w| (w.kind, w.path.clone()));
        for w in warnings {
            let key = (w.kind.code().to_string(), w.kind.summary(), w.path.as_path());
            members.push(Member {
                label: if strict { "error" } else { "warning" },
                group: (!verbose).then_some(key),
                short: format!("#{}: {}", shown_pointer(&w.pointer), w.message),
                full: w.to_string(),
            });
        }
        // In order, each group where its first member is.
        let mut shown: Vec<&(String, &'static str, &Path)> = Vec::new();
        for m in &members {
            let Some(key) = &m.group else {
                out.push_str(&format!("{}: {}\n", m.label, m.full.replace(strip, "")));
                continue;
            };
            if shown.contains(&key) {
                continue;
            }
            shown.push(key);
            let of: Vec<&Member> = members.iter().filter(|o| o.group.as_ref() == Some(key)).collect();
            if of.len() <= GROUP_ABOVE {
                for o in of {
                    out.push_str(&format!("{}: {}\n", o.label, o.full.replace(strip, "")));
                }
                continue;
            }
            let (code, summary, path) = key;
            out.push_str(&format!(
                "{}: {} × {}: {summary} [{code}]; the first {GROUP_SHOWS}:\n",
                m.label,
                of.len(),
                path.display().to_string().replace(strip, ""),
            ));
            for o in &of[..GROUP_SHOWS] {
                out.push_str(&format!("    {}\n", o.short.replace(strip, "")));
            }
            out.push_str(&format!(
                "    ... and {} more (`--verbose` lists them all)\n",
                of.len() - GROUP_SHOWS
            ));
        }
        out
    }
}

/// One diagnostic as shown: alone (`full`) or in its group (`short`, without the file).
struct Member<'a> {
    label: &'static str,
    group: Option<(String, &'static str, &'a Path)>,
    short: String,
    full: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_of_a_kind_are_grouped() {
        let mut report = Report::default();
        let path = Path::new("specs/shop/openapi.yaml");
        for i in 0..8 {
            report.warn(
                Kind::Union,
                path,
                &format!("/components/schemas/S{i}"),
                "`anyOf` became `oneOf`",
            );
        }
        report.warn(
            Kind::Enum,
            path,
            "/components/schemas/E",
            "enum values `.`, `X` became a string",
        );
        let text = report.render(false, false, "specs/");
        insta::assert_snapshot!(text, @r"
        warning: 8 × shop/openapi.yaml: `anyOf` unions with overlapping members became `oneOf` (the first member that matches wins) [union]; the first 3:
            #/components/schemas/S0: `anyOf` became `oneOf`
            #/components/schemas/S1: `anyOf` became `oneOf`
            #/components/schemas/S2: `anyOf` became `oneOf`
            ... and 5 more (`--verbose` lists them all)
        warning: shop/openapi.yaml#/components/schemas/E: enum values `.`, `X` became a string [enum]
        ");
        assert_eq!(report.render(true, false, "").lines().count(), 9);
        assert!(report.render(false, true, "").starts_with("error: "));
    }
}
