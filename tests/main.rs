//! Integration tests of the server crate: one binary, one module per area.

mod common;
mod http;
mod listings;
