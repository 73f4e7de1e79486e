//! Hand-written tools: those the manifest serves with a `handler` (or checks with `before`)
//! instead of a plain API call.

pub mod inference;
pub mod inferior;
