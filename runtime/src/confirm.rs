//! Confirmation before spend: a tool that consumes credits or changes what runs in production
//! (its manifest `confirm`, a template saying what the call will do) asks the user before
//! anything is sent, through the protocol when the client can show a form:
//!
//! - a client on 2026-07-28 that takes form elicitation gets an input-required result
//!   (SEP-2322) whose one request is the form; its retry of the call carries the answer. The
//!   request is named for what the form said (a hash of the summary), so an answer counts only
//!   for the summary it was given to, on whichever replica the retry reaches, with no state kept;
//! - an earlier client in a session that takes elicitation is asked at once
//!   (`elicitation/create`) and the call waits for the answer, at most [`ANSWER_TIMEOUT`];
//! - any other client (or a stateless server, which cannot ask mid-call) gets a first answer
//!   that says what would happen and asks for the call again with `confirm: true`.
//!
//! A client that can show the form is always asked through it: `confirm: true` from the model
//! counts only where there is no form. Declined, cancelled or unanswered: nothing is sent.

use super::ToolError;
use rmcp::RoleServer;
use rmcp::model::{
    ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationSchema, InputRequest,
    InputRequiredResult, InputResponses, ProtocolVersion,
};
use rmcp::service::{Peer, RequestContext, ServiceError};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::time::Duration;

/// How long a session client's user has to answer the form.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// How the user of this request is asked.
#[derive(Debug)]
pub(crate) enum Channel {
    /// With an input-required result; the answers this retry carries (none on a first call).
    InputRequired(InputResponses),
    /// With `elicitation/create` to the session's client, now.
    Elicit(Peer<RoleServer>),
    /// Not at all: the first answer says what would happen; `confirmed` when the call says
    /// `confirm: true`.
    Fallback { confirmed: bool },
}

impl Channel {
    /// The channel for a request: the protocol's own when the client takes form elicitation
    /// (`sessions`: the server can send it a request mid-call), else the fallback.
    pub(crate) fn of(
        context: Option<&RequestContext<RoleServer>>,
        responses: Option<InputResponses>,
        confirmed: bool,
        sessions: bool,
    ) -> Self {
        let Some(context) = context else {
            return Self::Fallback { confirmed };
        };
        // A client that declares elicitation with neither mode takes forms (2025-06-18).
        let forms = context
            .client_capabilities()
            .and_then(|c| c.elicitation)
            .is_some_and(|e| e.form.is_some() || e.url.is_none());
        let latest = context
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
        match (forms, latest) {
            (true, true) => Self::InputRequired(responses.unwrap_or_default()),
            (true, false) if sessions => Self::Elicit(context.peer.clone()),
            _ => Self::Fallback { confirmed },
        }
    }
}

/// A call of a tool that asks first: its name, its manifest template, and how to ask.
#[derive(Debug)]
pub(crate) struct Confirmation {
    pub tool: &'static str,
    pub template: &'static str,
    pub channel: Channel,
}

/// Why a tool that asks first did nothing.
#[derive(Debug)]
pub enum Unconfirmed {
    /// The user is to be asked with an input-required result (the server answers so).
    Ask {
        tool: &'static str,
        key: String,
        summary: String,
    },
    /// The client cannot ask: the call is to be made again with `confirm: true` once the user
    /// agreed to `summary`.
    CallAgain { tool: &'static str, summary: String },
    /// The user declined, cancelled or did not answer (`why`).
    Declined { summary: String, why: &'static str },
}

impl fmt::Display for Unconfirmed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ask { tool, summary, .. } | Self::CallAgain { tool, summary } => write!(
                f,
                "confirmation needed — {summary}\nNothing has been done yet: ask the user, and if they agree, call `{tool}` again with the same arguments and `confirm: true`."
            ),
            Self::Declined { summary, why } => write!(f, "not confirmed — {why}: {summary}\nNothing was done."),
        }
    }
}

impl Unconfirmed {
    /// The input-required result that asks for an [`Unconfirmed::Ask`].
    pub(crate) fn input_required(&self) -> Option<InputRequiredResult> {
        let Self::Ask { key, summary, .. } = self else {
            return None;
        };
        let request = InputRequest::Elicitation(ElicitRequest::new(form(summary)));
        Some(InputRequiredResult::from_input_requests(
            [(key.clone(), request)].into(),
        ))
    }
}

impl Confirmation {
    /// Asks the user to confirm the call as the template says over `values`: Ok when they
    /// did, or when the template renders nothing (nothing to confirm for these arguments).
    pub(crate) async fn ask<T: serde::Serialize + ?Sized>(&self, values: &T) -> Result<(), ToolError> {
        let summary = summary(self.template, values, self.tool);
        if summary.is_empty() {
            return Ok(());
        }
        let answered = |action| match action {
            ElicitationAction::Accept => Ok(()),
            ElicitationAction::Decline => Err(declined(&summary, "the user declined")),
            _ => Err(declined(&summary, "the user cancelled")),
        };
        match &self.channel {
            Channel::Fallback { confirmed: true } => Ok(()),
            Channel::Fallback { confirmed: false } => Err(ToolError::Unconfirmed(Unconfirmed::CallAgain {
                tool: self.tool,
                summary,
            })),
            Channel::InputRequired(responses) => {
                let key = key(&summary);
                match responses.get(&key) {
                    None => Err(ToolError::Unconfirmed(Unconfirmed::Ask {
                        tool: self.tool,
                        key,
                        summary,
                    })),
                    Some(answer) => match serde_json::from_value::<ElicitResult>(answer.clone()) {
                        Ok(result) => answered(result.action),
                        Err(_) => Err(declined(&summary, "the client's answer was not an elicitation result")),
                    },
                }
            }
            Channel::Elicit(peer) => match peer
                .create_elicitation_with_timeout(form(&summary), Some(ANSWER_TIMEOUT))
                .await
            {
                Ok(result) => answered(result.action),
                Err(ServiceError::Timeout { .. }) => Err(declined(&summary, "no answer within 10 minutes")),
                // The client said it takes forms but could not show this one: the model can ask.
                Err(e) => {
                    tracing::debug!("elicitation failed: {e}");
                    Err(ToolError::Unconfirmed(Unconfirmed::CallAgain {
                        tool: self.tool,
                        summary,
                    }))
                }
            },
        }
    }
}

fn declined(summary: &str, why: &'static str) -> ToolError {
    ToolError::Unconfirmed(Unconfirmed::Declined {
        summary: summary.to_string(),
        why,
    })
}

/// What the call will do, as its template says; when the template fails on these values, the
/// values themselves (a confirmation is never skipped for a template's fault).
fn summary<T: serde::Serialize + ?Sized>(template: &str, values: &T, tool: &str) -> String {
    match super::render::template(template, minijinja::Value::from(minijinja::value::Serde(values))) {
        Ok(text) => text.trim().to_string(),
        Err(e) => {
            tracing::warn!("the confirmation of {tool} did not render: {e:#}");
            let values = super::render::format::cut(&serde_json::to_string(values).unwrap_or_default(), 500);
            format!("Call `{tool}` with {values}.")
        }
    }
}

/// The form: the summary, and accept or decline (no fields to fill).
fn form(summary: &str) -> ElicitRequestParams {
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: format!("{summary}\n\nGo ahead?"),
        requested_schema: ElicitationSchema::new(Default::default()),
    }
}

/// The input request's name for a summary: the same on every replica of one build.
fn key(summary: &str) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    summary.hash(&mut hasher);
    format!("confirm-{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn confirmation(channel: Channel) -> Confirmation {
        Confirmation {
            tool: "create_thing",
            template: "Create {{ name }}{% if size %} of size {{ size }}{% endif %}.",
            channel,
        }
    }

    #[tokio::test]
    async fn a_call_without_a_form_is_answered_with_what_it_would_do_until_it_says_confirm() {
        let asked = confirmation(Channel::Fallback { confirmed: false })
            .ask(&json!({"name": "x", "size": 3}))
            .await
            .unwrap_err();
        assert_eq!(
            asked.to_string(),
            "ERROR: confirmation needed — Create x of size 3.\nNothing has been done yet: ask the user, and if they agree, call `create_thing` again with the same arguments and `confirm: true`."
        );
        let confirmed = confirmation(Channel::Fallback { confirmed: true });
        assert!(confirmed.ask(&json!({"name": "x"})).await.is_ok());
    }

    #[tokio::test]
    async fn an_answer_counts_for_the_summary_it_was_given_to() {
        let first = confirmation(Channel::InputRequired(InputResponses::new()))
            .ask(&json!({"name": "x"}))
            .await;
        let Err(ToolError::Unconfirmed(asked)) = first else {
            panic!("asked: {first:?}")
        };
        let requested = serde_json::to_value(asked.input_required().unwrap()).unwrap();
        let (key, request) = requested["inputRequests"].as_object().unwrap().iter().next().unwrap();
        assert_eq!(request["params"]["message"], "Create x.\n\nGo ahead?");
        assert_eq!(request["params"]["requestedSchema"]["properties"], json!({}));

        let answer = |action: &str| {
            let responses: InputResponses = [(key.clone(), json!({"action": action}))].into();
            confirmation(Channel::InputRequired(responses))
        };
        assert!(answer("accept").ask(&json!({"name": "x"})).await.is_ok());
        let declined = answer("decline").ask(&json!({"name": "x"})).await.unwrap_err();
        assert_eq!(
            declined.to_string(),
            "ERROR: not confirmed — the user declined: Create x.\nNothing was done."
        );
        // Accepted for x, asked again for y.
        let other = answer("accept").ask(&json!({"name": "y"})).await;
        assert!(
            matches!(other, Err(ToolError::Unconfirmed(Unconfirmed::Ask { .. }))),
            "{other:?}"
        );
    }

    #[tokio::test]
    async fn a_template_that_renders_nothing_needs_no_confirmation_and_one_that_fails_shows_the_values() {
        let quiet = Confirmation {
            tool: "t",
            template: "{% if spend %}Spend.{% endif %}",
            channel: Channel::Fallback { confirmed: false },
        };
        assert!(quiet.ask(&json!({"spend": false})).await.is_ok());
        let failing = Confirmation {
            tool: "t",
            template: "{{ missing|time(1, 2, 3) }}",
            channel: Channel::Fallback { confirmed: false },
        };
        let asked = failing.ask(&json!({"n": 1})).await.unwrap_err().to_string();
        assert!(asked.contains("Call `t` with {\"n\":1}."), "{asked}");
    }
}
