//! Integration tests of the server crate: one binary, one module per area.

mod common;
mod http;
mod inferior_e2e;
mod listings;
