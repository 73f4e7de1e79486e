//! What a regeneration changes in an SDK's public API, for the reviewer of a spec change: the
//! `Client` methods, each builder's arguments and answer, and the `types` (struct fields, enum
//! variants) added, removed or changed, and whether any of it breaks a caller (semver-major).
//!
//! Read from the generated `client.rs` before and after, as items keyed by path
//! (`types::Trace.id`) with a signature (the field's type), so the comparison is of maps.

use crate::sdk::{generic_arg, quote_type};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The public items of one generated client: path → signature.
type Surface = BTreeMap<String, String>;

/// The change of one SDK between two versions of its `client.rs`, or `None` when its public
/// API is the same (or either side does not parse).
pub fn report(krate: &str, before: &str, after: &str) -> Option<String> {
    // The usual case, and a client may be megabytes: nothing to parse.
    if before == after {
        return None;
    }
    let before = surface(&syn::parse_file(before).ok()?);
    let after = surface(&syn::parse_file(after).ok()?);
    let mut lines: Vec<(bool, String)> = Vec::new();
    for (path, signature) in &before {
        match after.get(path) {
            None => lines.push((true, format!("- {path}{}", shown(signature)))),
            Some(now) if now != signature => {
                let breaking = !loosened(signature, now);
                lines.push((breaking, format!("~ {path}: {signature} → {now}")));
            }
            Some(_) => {}
        }
    }
    for (path, signature) in &after {
        if !before.contains_key(path) {
            lines.push((
                adds_to_existing(path, &before, signature),
                format!("+ {path}{}", shown(signature)),
            ));
        }
    }
    if lines.is_empty() {
        return None;
    }
    let breaking = lines.iter().filter(|(b, _)| *b).count();
    let verdict = if breaking > 0 {
        format!("breaking, semver-major: {breaking} change(s) marked !")
    } else {
        "additive, semver-minor".to_string()
    };
    let mut out = format!("{krate}: public API changed ({verdict})\n");
    for (b, line) in lines {
        let _ = writeln!(out, "  {}{line}", if b { "! " } else { "  " });
    }
    Some(out)
}

fn shown(signature: &str) -> String {
    if signature.is_empty() {
        String::new()
    } else {
        format!(": {signature}")
    }
}

/// A required argument that became optional breaks no caller.
fn loosened(before: &str, now: &str) -> bool {
    before.strip_prefix("required ") == now.strip_prefix("optional ") && before.starts_with("required ")
}

/// An addition that breaks: a field of a struct callers may build by its literal, a variant of
/// an enum they may match exhaustively, or a required argument of an existing operation.
fn adds_to_existing(path: &str, before: &Surface, signature: &str) -> bool {
    let Some((owner, _)) = path.rsplit_once(['.', ':']) else {
        return false;
    };
    let owner = owner.trim_end_matches(':');
    let existed = before.contains_key(owner);
    if path.starts_with("builder::") {
        existed && signature.starts_with("required ")
    } else {
        existed && path.starts_with("types::")
    }
}

/// The public surface of a generated client file.
fn surface(file: &syn::File) -> Surface {
    let mut out = Surface::new();
    for item in &file.items {
        match item {
            syn::Item::Impl(block) if self_name(block).as_deref() == Some("Client") && block.trait_.is_none() => {
                for f in &block.items {
                    if let syn::ImplItem::Fn(f) = f
                        && matches!(f.vis, syn::Visibility::Public(_))
                    {
                        out.insert(format!("Client::{}", f.sig.ident), String::new());
                    }
                }
            }
            syn::Item::Mod(m) => {
                let Some((_, items)) = &m.content else { continue };
                match m.ident.to_string().as_str() {
                    "types" => types(items, &mut out),
                    "builder" => builders(items, &mut out),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}

fn types(items: &[syn::Item], out: &mut Surface) {
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                let name = format!("types::{}", s.ident);
                out.insert(name.clone(), "struct".into());
                for f in &s.fields {
                    if let (Some(ident), syn::Visibility::Public(_)) = (&f.ident, &f.vis) {
                        out.insert(format!("{name}.{ident}"), quote_type(&f.ty));
                    }
                }
            }
            syn::Item::Enum(e) => {
                let name = format!("types::{}", e.ident);
                out.insert(name.clone(), "enum".into());
                for v in &e.variants {
                    let fields = v
                        .fields
                        .iter()
                        .map(|f| quote_type(&f.ty))
                        .collect::<Vec<_>>()
                        .join(", ");
                    out.insert(format!("{name}::{}", v.ident), fields);
                }
            }
            _ => {}
        }
    }
}

/// Each builder's arguments (`required T` / `optional T`, from its fields) and what `send`
/// answers.
fn builders(items: &[syn::Item], out: &mut Surface) {
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                let name = format!("builder::{}", s.ident);
                out.insert(name.clone(), "builder".into());
                for f in &s.fields {
                    let Some(ident) = &f.ident else { continue };
                    let Some(ty) = generic_arg(&f.ty, "Result") else {
                        continue;
                    };
                    let argument = match generic_arg(ty, "Option") {
                        Some(inner) => format!("optional {}", quote_type(inner)),
                        None => format!("required {}", quote_type(ty)),
                    };
                    out.insert(format!("{name}.{ident}"), argument);
                }
            }
            syn::Item::Impl(block) => {
                let Some(name) = self_name(block) else { continue };
                for f in &block.items {
                    if let syn::ImplItem::Fn(f) = f
                        && f.sig.ident == "send"
                        && let syn::ReturnType::Type(_, ty) = &f.sig.output
                    {
                        out.insert(format!("builder::{name}::send"), quote_type(ty));
                    }
                }
            }
            _ => {}
        }
    }
}

fn self_name(block: &syn::ItemImpl) -> Option<String> {
    let syn::Type::Path(tp) = &*block.self_ty else {
        return None;
    };
    Some(tp.path.segments.last()?.ident.to_string())
}

#[cfg(test)]
mod tests {
    use super::report;

    const BEFORE: &str = r#"
        pub mod types {
            pub struct Trace { pub id: String, pub agent: Option<String> }
            pub enum Status { Ok, Failed }
        }
        pub struct Client { baseurl: String }
        impl Client {
            pub fn list_traces(&self) -> builder::ListTraces<'_> { todo!() }
            pub fn get_trace(&self) -> builder::GetTrace<'_> { todo!() }
        }
        pub mod builder {
            pub struct ListTraces<'a> { client: &'a super::Client, limit: Result<Option<u32>, String>, project: Result<String, String> }
            impl<'a> ListTraces<'a> { pub async fn send(self) -> Result<ResponseValue<Vec<types::Trace>>, Error<()>> { todo!() } }
            pub struct GetTrace<'a> { client: &'a super::Client, id: Result<String, String> }
        }
    "#;

    #[test]
    fn the_same_api_is_no_change() {
        assert_eq!(report("x-sdk", BEFORE, BEFORE), None);
        assert_eq!(
            report("x-sdk", BEFORE, "not rust"),
            None,
            "an unreadable side says nothing"
        );
    }

    #[test]
    fn additions_alone_are_minor() {
        let after = BEFORE
            .replace(
                "pub enum Status",
                "pub struct Page { pub items: Vec<Trace> }\n pub enum Status",
            )
            .replace(
                "pub fn get_trace",
                "pub fn list_spans(&self) -> builder::ListSpans<'_> { todo!() }\n pub fn get_trace",
            )
            .replace(
                "project: Result<String, String> }",
                "project: Result<String, String>, since: Result<Option<String>, String> }",
            )
            .replace("id: Result<String, String> }", "id: Result<Option<String>, String> }");
        assert_eq!(
            report("x-sdk", BEFORE, &after).unwrap(),
            "x-sdk: public API changed (additive, semver-minor)
    ~ builder::GetTrace.id: required String → optional String
    + Client::list_spans
    + builder::ListTraces.since: optional String
    + types::Page: struct
    + types::Page.items: Vec<Trace>
"
        );
    }

    #[test]
    fn removals_changes_new_fields_variants_and_required_arguments_break() {
        let after = BEFORE
            .replace(
                "pub agent: Option<String> }",
                "pub agent: String, pub tags: Vec<String> }",
            )
            .replace("Ok, Failed", "Ok, Failed, Running")
            .replace("pub fn get_trace(&self) -> builder::GetTrace<'_> { todo!() }", "")
            .replace(
                "limit: Result<Option<u32>, String>",
                "limit: Result<Option<u64>, String>, agent: Result<String, String>",
            );
        let text = report("x-sdk", BEFORE, &after).unwrap();
        assert_eq!(
            text,
            "x-sdk: public API changed (breaking, semver-major: 6 change(s) marked !)
  ! - Client::get_trace
  ! ~ builder::ListTraces.limit: optional u32 → optional u64
  ! ~ types::Trace.agent: Option<String> → String
  ! + builder::ListTraces.agent: required String
  ! + types::Status::Running
  ! + types::Trace.tags: Vec<String>
"
        );
    }
}
