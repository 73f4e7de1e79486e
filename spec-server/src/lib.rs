//! The server side of an API, as codegen generates it from the OpenAPI spec: each operation's
//! route and the constraints of its parameters and body ([`OperationSpec`]), and an axum router
//! ([`router`]) that serves a backend's handlers behind them.
//!
//! The mirror of the progenitor client: the spec says once what a request may hold, and both the
//! SDK and the backend take it from there. Before a handler runs, every path and query
//! parameter is checked against its type, range, length, pattern and enum, an absent one gets
//! the spec's default (so a handler reads it as a plain value), and the lists of a JSON body are
//! held to their item counts and its numbers to their ranges (the SDK's types check the rest of
//! a body: required fields, string lengths and patterns, enums). A request that
//! fails gets the backend's own error body, with the field and what was expected. An operation
//! the backend does not implement answers 501, so a new operation in the spec never breaks the
//! build.

mod check;
mod pattern;
mod router;

pub use check::Rejection;
pub use pattern::matches as pattern_matches;
pub use router::{Reject, endpoint, router};

/// An operation: its route and what its requests may hold.
#[derive(Debug)]
pub struct OperationSpec {
    pub id: &'static str,
    pub method: Method,
    /// In axum's syntax: `/v1/items/{item_id}`.
    pub path: &'static str,
    pub params: &'static [Param],
    /// The limits of the JSON body the SDK's types do not check.
    pub body: &'static [BodyLimit],
}

/// The HTTP methods an operation may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
}

/// Where a parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    /// Passed through unchecked: headers carry credentials and versions the backend reads.
    Header,
}

/// A path, query or header parameter.
#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub location: Location,
    pub required: bool,
    pub kind: Kind,
    /// The value an absent query parameter takes, as it would be written in the query string.
    pub default: Option<&'static str>,
}

/// A parameter's type and constraints.
#[derive(Debug)]
pub enum Kind {
    String {
        min_length: Option<u64>,
        max_length: Option<u64>,
        pattern: Option<&'static str>,
        /// The allowed values, when the schema is an enum.
        values: &'static [&'static str],
    },
    Integer {
        minimum: Option<i64>,
        maximum: Option<i64>,
    },
    Number {
        minimum: Option<f64>,
        maximum: Option<f64>,
    },
    Boolean,
    /// A shape the checks do not cover (arrays, objects): passed through to the handler.
    Other,
}

/// A limit on the values at one place of a JSON body.
#[derive(Debug)]
pub struct BodyLimit {
    /// Property names from the body's root; `[]` steps into every item of a list.
    pub path: &'static [&'static str],
    pub limit: Limit,
}

/// What the values at a [`BodyLimit`]'s path may be.
#[derive(Debug)]
pub enum Limit {
    /// A list's item count.
    Items { min: Option<u64>, max: Option<u64> },
    /// A number's range.
    Range { minimum: Option<f64>, maximum: Option<f64> },
}
