//! Codegen end to end: the committed output is current and formatted the same from anywhere,
//! every error fixture fails with its errors and every normalisation fixture generates with its
//! warnings (snapshotted), the public corpus generates (or is refused, with pointers), the
//! maintainer's loop (new endpoint, scaffolded tool) regenerates, and generated SDKs compile.

mod corpus;
mod fixtures;
mod maintainer;
mod output;
mod sdks;
mod support;
