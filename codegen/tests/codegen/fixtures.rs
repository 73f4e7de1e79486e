//! The fixtures: `errors/` specs and manifests that must be refused, each with its errors
//! (file, pointer, what to change), and `normalize/` specs with shapes the client generator
//! cannot take, which must generate, each rewrite reported as a warning. The texts are
//! snapshotted: they are what a maintainer reads.

use crate::support::{fixtures, shown, subdirs};
use codegen::{Mode, generate, generate_all};
use std::path::Path;

#[test]
fn every_error_fixture_is_refused_with_its_errors() {
    let cases = subdirs(&fixtures().join("errors"));
    assert!(cases.len() >= 10, "fixtures went missing: {cases:?}");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let (files, report) = generate(&case);
        assert!(files.is_none(), "{name}: expected errors");
        assert!(!report.errors.is_empty(), "{name}: expected errors");
        insta::assert_snapshot!(format!("error_{name}"), shown(&report, &case, true));
    }
}

#[test]
fn every_normalisation_generates_and_is_reported() {
    let cases = subdirs(&fixtures().join("normalize"));
    assert!(cases.len() >= 7, "fixtures went missing: {cases:?}");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let (files, report) = generate(&case);
        assert!(files.is_some(), "{name}:\n{}", shown(&report, &case, true));
        insta::assert_snapshot!(format!("normalize_{name}"), shown(&report, &case, true));
    }
}

/// `--strict` refuses a spec that needed rewriting, and writes nothing.
#[test]
fn strict_makes_warnings_errors() {
    let dir = crate::support::scratch("strict");
    let case = dir.join("specs");
    crate::support::copy_tree(&fixtures().join("normalize/responses"), &case);
    let out = dir.join("out");
    let outcome = generate_all(&case, &out, Mode::Write, true);
    assert!(outcome.summary.is_none());
    assert!(!outcome.report.warnings.is_empty());
    assert!(
        outcome
            .report
            .render(false, true, "")
            .lines()
            .all(|l| !l.starts_with("warning"))
    );
    assert!(!out.join("notes-sdk").exists(), "nothing is written");
    let outcome = generate_all(&case, &out, Mode::Write, false);
    assert!(outcome.summary.is_some());
}

fn generated(case: &str, file: &str) -> String {
    let (files, report) = generate(&fixtures().join("normalize").join(case));
    let files = files.unwrap_or_else(|| panic!("{}", report.render(true, false, "")));
    files.out[Path::new(file)].clone()
}

#[test]
fn openapi_31_becomes_the_types_it_describes() {
    let client = generated("openapi31", "notes-sdk/src/client.rs");
    for expected in [
        // `type: [string, "null"]`
        "pub text: ::std::option::Option<::std::string::String>,",
        // `prefixItems: [number, number]` with two items
        "pub position: ::std::option::Option<[f64; 2usize]>,",
        // `$ref: "#/components/schemas/Note/$defs/Author"`
        "pub author: ::std::option::Option<Author>,",
        // FastAPI's `loc: anyOf[string, integer]`
        "pub loc: ::std::vec::Vec<HttpValidationErrorDetailItemLocItem>,",
    ] {
        assert!(client.contains(expected), "missing `{expected}`");
    }
    let wrappers = generated("openapi31", "notes-tools/src/lib.rs");
    let schema = wrappers.lines().find(|l| l.contains("input_schema")).unwrap().trim();
    insta::assert_snapshot!(schema);
}

#[test]
fn unions_and_names_become_distinct_rust_types() {
    let client = generated("unions", "shop-sdk/src/client.rs");
    // The types, not their builders (which share their names in `builder`).
    let types = client.split("pub mod builder {").next().unwrap();
    for expected in [
        "pub enum OrderQuantity {",
        "pub struct OrderPaymentMethod2 {",
        "pub discount: ::std::option::Option<Discount>,",
    ] {
        assert!(types.contains(expected), "missing `{expected}`");
    }
    for name in ["Order", "OrderPaymentMethod", "Discount", "Line"] {
        let defined = types.matches(&format!("pub struct {name} {{")).count()
            + types.matches(&format!("pub enum {name} {{")).count();
        assert_eq!(defined, 1, "`{name}` is defined {defined} times");
    }
}
