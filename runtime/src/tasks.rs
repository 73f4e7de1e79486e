//! Long work as tasks (SEP-2663, the `io.modelcontextprotocol/tasks` extension): a tool an API
//! names in [`Api::TASKS`](super::Api::TASKS) answers a client that supports tasks with a task at
//! once, and `tasks/get` and `tasks/cancel` go to the API. No task state is held here: a task's
//! id carries what finds the work again (for a HALO run, its project and run), so any replica
//! answers for it, each time with the caller's own key, and a task lives as long as its work.

use super::{Answer, ToolError};
use chrono::{DateTime, Utc};
use rmcp::model::{CallToolResult, DetailedTask, Task, TaskPayload, TaskStatus};

/// How a tool call that may run as a task began.
pub enum Started {
    /// It needed no task: the answer now (a question back to the user, say).
    Now(Answer),
    /// The work goes on: the task to poll.
    Task(TaskState),
}

/// Where a task's work is.
pub enum Progress {
    /// Still running: what it is doing.
    Working(String),
    /// Done: the tool's answer (an error is an answer too, as for a plain call).
    Done(Result<Answer, ToolError>),
    /// Cancelled: what became of the work.
    Cancelled(String),
}

/// A task as its API sees it.
pub struct TaskState {
    /// What finds the work again, on any replica.
    pub id: String,
    pub progress: Progress,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The error for an id that names no task (the server answers it as such).
pub fn unknown(id: &str) -> ToolError {
    ToolError::Api {
        status: 404,
        message: format!("no task `{id}`"),
    }
}

/// How often a client is asked to poll `tasks/get`, in milliseconds.
pub const POLL_INTERVAL_MS: u64 = 1_000;

impl TaskState {
    /// The task's metadata (no TTL: it lives as long as its work).
    pub(crate) fn task(&self) -> Task {
        let (status, message) = match &self.progress {
            Progress::Working(message) => (TaskStatus::Working, Some(message.as_str())),
            Progress::Done(_) => (TaskStatus::Completed, None),
            Progress::Cancelled(message) => (TaskStatus::Cancelled, Some(message.as_str())),
        };
        let mut task = Task::new(
            &self.id,
            status,
            self.created_at.to_rfc3339(),
            self.updated_at.to_rfc3339(),
        )
        .with_poll_interval_ms(POLL_INTERVAL_MS);
        if let Some(message) = message {
            task = task.with_status_message(message);
        }
        task
    }

    /// The task with its payload: a finished task carries the tool's result, rendered by
    /// `result` as a plain call's would be.
    pub(crate) fn detailed(self, result: impl FnOnce(Result<Answer, ToolError>) -> CallToolResult) -> DetailedTask {
        let task = self.task();
        let payload = match self.progress {
            Progress::Working(_) => TaskPayload::Working,
            Progress::Cancelled(_) => TaskPayload::Cancelled,
            Progress::Done(answer) => match serde_json::to_value(result(answer)) {
                Ok(serde_json::Value::Object(result)) => TaskPayload::Completed { result },
                _ => TaskPayload::Failed {
                    error: serde_json::Map::from_iter([("message".to_string(), "the result did not serialize".into())]),
                },
            },
        };
        DetailedTask::new(task, payload)
    }
}
