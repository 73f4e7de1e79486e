//! The Rust names progenitor and typify give to spec names, computed the way they compute them.
//!
//! Codegen needs them twice: to find the builder method progenitor generated for a parameter
//! (`type` becomes `type_`), and to see in advance that typify cannot name an enum's variants
//! (`.` and `X` both become `X`) instead of letting it panic.

use heck::{ToPascalCase, ToSnakeCase};
use unicode_ident::{is_xid_continue, is_xid_start};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Pascal,
    Snake,
}

fn recase(input: &str, case: Case) -> String {
    match case {
        Case::Pascal => input.to_pascal_case(),
        Case::Snake => input.to_snake_case(),
    }
}

/// What both generators do first: drop `'`, turn every other non-identifier character into a
/// word break, and change case.
fn base(input: &str, case: Case) -> String {
    match input {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => recase(
            &input.replace('\'', "").replace(|c: char| !is_xid_continue(c), "-"),
            case,
        ),
    }
}

fn finish(out: String) -> String {
    if typify::accept_as_ident(&out) {
        out
    } else {
        format!("{out}_")
    }
}

/// ASCII letters and digits lowercased, everything else `_`: the characters of tool names and
/// of argument and toolset identifiers.
pub fn lower_ascii(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// progenitor's `sanitize`: method, builder and parameter names.
pub fn progenitor(input: &str, case: Case) -> String {
    let out = base(input, case);
    let out = match out.chars().next() {
        None => recase("x", case),
        Some(c) if is_xid_start(c) => out,
        Some(_) => format!("_{out}"),
    };
    finish(out)
}

/// typify's `sanitize`: type, field and variant names.
pub fn typify(input: &str, case: Case) -> String {
    let out = base(input, case);
    let prefix = recase("x", case);
    let out = match out.chars().next() {
        None => prefix,
        Some(c) if is_xid_start(c) => out,
        Some(_) => format!("{prefix}{out}"),
    };
    finish(out)
}

/// Whether typify can name the variants of a string enum with these values (it panics when it
/// cannot). It tries plain names, then names with `_` and other elided characters spelled `X`.
pub fn enum_variants_nameable(values: &[&str]) -> bool {
    let unique = |names: Vec<String>| {
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        sorted.len() == names.len()
    };
    unique(values.iter().map(|v| typify(v, Case::Pascal)).collect())
        || unique(
            values
                .iter()
                .map(|v| typify(&v.replace(|c: char| c == '_' || !is_xid_continue(c), "X"), Case::Pascal))
                .collect(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_the_generators_make_them() {
        assert_eq!(progenitor("type", Case::Snake), "type_");
        assert_eq!(progenitor("page[size]", Case::Snake), "page_size");
        assert_eq!(progenitor("listHALORuns", Case::Snake), "list_halo_runs");
        assert_eq!(progenitor("2fa", Case::Snake), "_2fa");
        assert_eq!(progenitor("getUser", Case::Pascal), "GetUser");
        assert_eq!(typify("", Case::Pascal), "X");
        assert!(!enum_variants_nameable(&[".", "X", "O"]));
        assert!(!enum_variants_nameable(&["a_b", "a-b"]));
        assert!(enum_variants_nameable(&["in", "out", "a b"]));
        assert!(enum_variants_nameable(&["asc", "desc"]));
    }
}
