//! The SDK crates: progenitor's client for a spec, plus the crate around it.
//!
//! progenitor writes the typed client (builder interface). The crate's `Cargo.toml`, README and
//! the thin hand-designed layer (bearer auth, user agent, timeout) come from templates in
//! `codegen/templates/`. The shape of the generated client (each operation's builder fields and
//! the body struct's fields) is read back with syn so the tool wrappers can call it with exactly
//! the types it takes.

use crate::error::Error;
use crate::spec::Spec;
use std::collections::BTreeMap;
use std::path::Path;

/// progenitor's output for one spec.
pub struct Client {
    /// The generated client source, formatted.
    pub source: String,
    pub shape: Shape,
}

/// What the wrappers need to know of the generated client.
#[derive(Debug, Default)]
pub struct Shape {
    /// operationId → its builder.
    pub operations: BTreeMap<String, Operation>,
    /// Type name in `types` → its fields, for structs.
    pub structs: BTreeMap<String, Vec<Field>>,
}

/// One operation's builder.
#[derive(Debug)]
pub struct Operation {
    /// The `Client` method that starts the builder.
    pub method: String,
    /// Builder fields other than `body`: (field name, type, required).
    pub params: Vec<Field>,
    /// The body type's name in `types`, when the operation takes a body.
    pub body: Option<String>,
}

/// A field of a builder or struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// Rust field name.
    pub name: String,
    /// Serialized name (differs from `name` when the JSON name is not a Rust identifier).
    pub wire: String,
    /// Rust type, with paths qualified for use outside the SDK (`sdk::types::X`).
    pub ty: String,
    /// The field must be given (not `Option`, no serde default).
    pub required: bool,
}

/// Runs progenitor on a validated spec. A panic inside progenitor becomes an error.
pub fn generate(spec: &Spec, path: &Path) -> Result<Client, Error> {
    let mut settings = progenitor_impl::GenerationSettings::default();
    settings
        .with_interface(progenitor_impl::InterfaceStyle::Builder)
        .with_tag(progenitor_impl::TagStyle::Merged)
        .with_inner_type(quote_inner())
        .with_hooks(progenitor_impl::HooksMode::Expected)
        .with_derive("PartialEq");
    let openapi = spec.openapi.clone();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(move || {
        let mut generator = progenitor_impl::Generator::new(&settings);
        generator.generate_tokens(&openapi).map(|t| t.to_string())
    });
    std::panic::set_hook(previous_hook);
    let tokens = match result {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => {
            return Err(Error::Progenitor {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "it panicked".into());
            return Err(Error::Progenitor {
                path: path.to_path_buf(),
                message: format!("it panicked ({message}); please report the spec shape that caused it"),
            });
        }
    };
    let file: syn::File = syn::parse_str(&tokens).map_err(|e| Error::Progenitor {
        path: path.to_path_buf(),
        message: format!("output does not parse: {e}"),
    })?;
    let shape = read_shape(&file, spec);
    Ok(Client {
        source: line_doc_comments(&prettyplease::unparse(&file)),
        shape,
    })
}

/// prettyplease prints a multi-line `#[doc]` as a `/** */` block indented like its item, and
/// rustdoc reads those indented lines as code blocks (doc-tests that fail). Rewrites every block
/// doc comment that starts a line as `///` lines.
pub fn line_doc_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("/**") {
        let line_start = rest[..start].rfind('\n').map_or(0, |i| i + 1);
        let indent = &rest[line_start..start];
        let end = rest[start..].find("*/").map(|e| start + e);
        let (true, Some(end)) = (indent.chars().all(char::is_whitespace), end) else {
            out.push_str(&rest[..start + 3]);
            rest = &rest[start + 3..];
            continue;
        };
        out.push_str(&rest[..line_start]);
        for (i, line) in rest[start + 3..end].split('\n').enumerate() {
            let line = if i == 0 {
                line
            } else {
                line.strip_prefix(indent).unwrap_or_else(|| line.trim_start())
            };
            out.push_str(indent);
            out.push_str("///");
            if !line.is_empty() {
                out.push(' ');
                out.push_str(line);
            }
            out.push('\n');
        }
        rest = &rest[end + 2..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    out.push_str(rest);
    out
}

fn quote_inner() -> proc_macro2::TokenStream {
    "crate::Credentials".parse().unwrap_or_default()
}

/// Reads each operation's builder and each struct's fields from the generated file.
fn read_shape(file: &syn::File, spec: &Spec) -> Shape {
    let mut shape = Shape::default();
    let mut builders: BTreeMap<String, Vec<Field>> = BTreeMap::new();
    let mut bodies: BTreeMap<String, String> = BTreeMap::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        let Some((_, items)) = &m.content else { continue };
        match m.ident.to_string().as_str() {
            "builder" => {
                for item in items {
                    let syn::Item::Struct(s) = item else { continue };
                    let mut fields = Vec::new();
                    for f in &s.fields {
                        let Some(ident) = &f.ident else { continue };
                        let name = ident.to_string();
                        if name == "client" {
                            continue;
                        }
                        // Builder fields are `Result<T, String>`; T is `Option<U>` when optional.
                        let Some(inner) = generic_arg(&f.ty, "Result") else {
                            continue;
                        };
                        if name == "body" {
                            // `Result<types::builder::X, String>`
                            if let syn::Type::Path(tp) = inner
                                && let Some(last) = tp.path.segments.last()
                            {
                                bodies.insert(s.ident.to_string(), last.ident.to_string());
                            }
                            continue;
                        }
                        let (required, ty) = match generic_arg(inner, "Option") {
                            Some(t) => (false, t),
                            None => (true, inner),
                        };
                        fields.push(Field {
                            wire: name.clone(),
                            name,
                            ty: qualify(ty, "builder"),
                            required,
                        });
                    }
                    builders.insert(s.ident.to_string(), fields);
                }
            }
            "types" => {
                for item in items {
                    let syn::Item::Struct(s) = item else { continue };
                    let syn::Fields::Named(named) = &s.fields else { continue };
                    let fields = named.named.iter().filter_map(|f| {
                        let name = f.ident.as_ref()?.to_string();
                        let serde = serde_attrs(&f.attrs);
                        let wire = serde
                            .rename
                            .unwrap_or_else(|| name.trim_start_matches("r#").to_string());
                        let required = !serde.default && generic_arg(&f.ty, "Option").is_none();
                        Some(Field {
                            name,
                            wire,
                            ty: qualify(&f.ty, "types"),
                            required,
                        })
                    });
                    shape.structs.insert(s.ident.to_string(), fields.collect());
                }
            }
            _ => {}
        }
    }
    // Builder struct and method names follow the operationId (PascalCase / snake_case).
    for op in operation_ids(spec) {
        let pascal = progenitor_case(&op, true);
        let Some(params) = builders.remove(&pascal) else {
            continue;
        };
        let body = bodies.remove(&pascal);
        shape.operations.insert(
            op.clone(),
            Operation {
                method: progenitor_case(&op, false),
                params,
                body,
            },
        );
    }
    shape
}

fn operation_ids(spec: &Spec) -> Vec<String> {
    spec.openapi
        .operations()
        .filter_map(|(_, _, op)| op.operation_id.clone())
        .collect()
}

/// The case conversion progenitor applies to operation ids (via `heck`): split on case changes
/// and non-alphanumerics, then join.
pub fn progenitor_case(id: &str, pascal: bool) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = id.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && i > 0
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase()) && chars[i - 1].is_uppercase());
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    if pascal {
        words
            .iter()
            .map(|w| {
                let mut cs = w.chars();
                cs.next()
                    .map(|f| {
                        f.to_uppercase()
                            .chain(cs.flat_map(char::to_lowercase))
                            .collect::<String>()
                    })
                    .unwrap_or_default()
            })
            .collect()
    } else {
        words.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join("_")
    }
}

struct SerdeAttrs {
    rename: Option<String>,
    default: bool,
}

fn serde_attrs(attrs: &[syn::Attribute]) -> SerdeAttrs {
    let mut out = SerdeAttrs {
        rename: None,
        default: false,
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                out.rename = Some(lit.value());
            } else if meta.path.is_ident("default") {
                out.default = true;
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::LitStr = meta.value()?.parse()?;
                }
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    out
}

/// The first generic argument of a type named `outer` (last path segment), if it is one.
fn generic_arg<'a>(ty: &'a syn::Type, outer: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(tp) = ty else { return None };
    let last = tp.path.segments.last()?;
    if last.ident != outer {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// Renders a type from inside the SDK's `module` as a path usable from another crate:
/// `types::X` and bare names of generated types become `sdk::types::X`.
fn qualify(ty: &syn::Type, module: &str) -> String {
    use syn::visit_mut::VisitMut;
    struct Qualify<'a>(&'a str);
    impl VisitMut for Qualify<'_> {
        fn visit_type_path_mut(&mut self, tp: &mut syn::TypePath) {
            syn::visit_mut::visit_type_path_mut(self, tp);
            if tp.qself.is_some() || tp.path.leading_colon.is_some() {
                return;
            }
            let first = tp
                .path
                .segments
                .first()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            let prefix: syn::Path = match (self.0, first.as_str()) {
                (
                    _,
                    "std" | "core" | "alloc" | "chrono" | "serde_json" | "uuid" | "String" | "Vec" | "Option" | "bool"
                    | "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "f32" | "f64" | "usize" | "isize",
                ) => return,
                (_, "types") => syn::parse_quote!(sdk),
                ("types", _) => syn::parse_quote!(sdk::types),
                _ => return,
            };
            let mut segments = prefix.segments;
            segments.extend(tp.path.segments.iter().cloned());
            tp.path.segments = segments;
        }
    }
    let mut ty = ty.clone();
    Qualify(module).visit_type_mut(&mut ty);
    let tokens = quote_type(&ty);
    tokens.replace(" ", "").replace(",", ", ")
}

fn quote_type(ty: &syn::Type) -> String {
    use quote::ToTokens;
    ty.to_token_stream().to_string()
}

#[cfg(test)]
mod tests {
    use super::line_doc_comments;

    #[test]
    fn block_doc_comments_become_line_comments() {
        let source = "    /**Archive it\n\n    Sends a `POST`\n    ```ignore\n    x\n    ```*/\n    pub fn f() {}\n";
        assert_eq!(
            line_doc_comments(source),
            "    /// Archive it\n    ///\n    /// Sends a `POST`\n    /// ```ignore\n    /// x\n    /// ```\n    pub fn f() {}\n"
        );
        assert_eq!(
            line_doc_comments("let s = 1; /** not a doc */"),
            "let s = 1; /** not a doc */"
        );
    }
}
