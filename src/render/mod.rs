//! Tool answers as text (RESPONSES.md): compact markdown that leads with the answer, bounded,
//! with human units and the ids the next call needs.
//!
//! Every response type renders through [`Render`]. Most use the generic renderer
//! ([`generic::render`]), which works from the JSON shape and key names; a type whose answer
//! needs more than that gets its own impl.

pub mod format;
pub mod generic;
mod inference;
mod inferior;

/// Renders an API response for the tool (or resource URI) that asked for it.
pub trait Render {
    fn render(&self, view: &str) -> String;
}

/// Implements [`Render`] through the generic renderer.
macro_rules! generic_render {
    ($($ty:ty),* $(,)?) => {
        $(impl Render for $ty {
            fn render(&self, view: &str) -> String {
                generic::render(&serde_json::to_value(self).unwrap_or_default(), view)
            }
        })*
    };
}

/// Catalyst types whose generic rendering answers well enough (every Inferior type has its own).
mod inference_types {
    use super::{Render, generic};
    use inference_sdk::types::*;
    generic_render!(
        Project,
        ProjectPage,
        Model,
        ModelPage,
        DatasetPage,
        DatasetDetail,
        Rubric,
        RubricPage,
        Eval,
        EvalPage,
        TrainingJob,
        Deployment,
        DeploymentPage,
        InferenceDetail,
        TraceDetail,
        Span,
        Agent,
    );
}
