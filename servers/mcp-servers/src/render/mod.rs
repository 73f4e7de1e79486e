//! Hand-written renderers: each API's `Hooks` implements its tools crate's `Renderers`, for the
//! answers the manifest names a `renderer` for because a `view` cannot say them. Everything else
//! answers through its manifest `view` or the generic renderer in `mcp-runtime`.

mod inference;
mod inferior;
