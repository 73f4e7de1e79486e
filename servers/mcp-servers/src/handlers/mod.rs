//! Hand-written hooks of the generated tools: the tools the manifest serves with a `handler`,
//! the checks it runs `before` a call, and the resolvers of arguments it leaves to run time.
//! Each API's `Hooks` implements its tools crate's `Handlers` here and `Renderers` in
//! `crate::render`.

pub mod inference;
pub mod inferior;
