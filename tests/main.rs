//! End-to-end tests of both servers, run as a host runs them: one binary, one module per area.

mod bin;
mod common;
mod confirm;
mod faults;
mod http;
mod inference_e2e;
mod inferior_e2e;
mod listings;
mod packaging;
mod protocol;
mod sdk;
