//! Integration tests of the server crate: one binary, one module per area.

mod common;
mod confirm;
mod faults;
mod http;
mod inference_e2e;
mod inferior_e2e;
mod listings;
mod protocol;
mod sdk;
