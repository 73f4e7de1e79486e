//! The Inferior server's hand-written tools: the six local gates, the query-safety check that
//! runs before every search, and the file deposit (which reads a local file first).

use inferior_gates::{safety, search, trace, worthiness};
use inferior_sdk::Client;
use inferior_tools::{Handlers, args, views};
use mcp_runtime::{Answer, Ctx, ToolError, render};
use serde_json::json;

/// The hooks the Inferior tools call: these handlers and checks, and the renderers in
/// `crate::render::inferior`.
pub struct Hooks;

/// Largest file `deposit_file_inferior_experience` sends (the API's limit).
pub const MAX_FILE_BYTES: u64 = 512 * 1024;

/// Extensions of text files worth depositing.
pub const ALLOWED_EXTENSIONS: [&str; 9] = ["md", "txt", "log", "json", "yaml", "yml", "toml", "csv", "rst"];

impl Handlers for Hooks {
    /// `before` hook of `search_inferior_experiences`: refuses a query that would leak secrets,
    /// internal hosts or customer data. Nothing is sent when it refuses.
    async fn check_search_query(
        _ctx: &Ctx<Client>,
        args: &args::SearchInferiorExperiencesArgs,
    ) -> Result<(), ToolError> {
        let fields = [
            ("query", Some(args.query.as_str())),
            ("error_message", args.error_message.as_ref().map(|s| s.as_str())),
            ("conditions", args.conditions.as_ref().map(|s| s.as_str())),
        ];
        for (name, text) in fields {
            let Some(text) = text else { continue };
            let findings = safety::check(
                text,
                &safety::Policy {
                    max_length: usize::MAX,
                    ..safety::Policy::default()
                },
            )
            .unwrap_or_default();
            if !findings.is_empty() {
                let reasons = findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                return Err(ToolError::Refused(format!(
                    "unsafe query refused, nothing was sent — `{name}` contains {reasons}; remove it and search again"
                )));
            }
        }
        Ok(())
    }

    async fn should_search(ctx: &Ctx<Client>, args: args::ShouldSearchInferiorArgs) -> Result<Answer, ToolError> {
        let signals = search::Signals {
            is_error_shaped: args.is_error_shaped,
            is_high_stakes: args.is_high_stakes,
            is_unfamiliar: args.is_unfamiliar,
            failed_attempts: args.failed_attempts,
            elapsed_minutes: args.elapsed_minutes,
            is_trivial: args.is_trivial,
            already_searched: args.already_searched,
            user_forbids_search: args.user_forbids_search,
        };
        let verdict = search::should_search(&signals);
        let value = json!({
            "search": verdict.search,
            "triggers_fired": verdict.triggers,
            "anti_triggers_fired": verdict.anti_triggers,
        });
        Ok(ctx.answer(verdict.to_string(), &value))
    }

    async fn evaluate_deposit_worthiness(
        ctx: &Ctx<Client>,
        args: args::EvaluateDepositWorthinessArgs,
    ) -> Result<Answer, ToolError> {
        let draft = worthiness::Draft {
            title: args.title,
            problem: args.problem,
            root_cause: args.root_cause,
            insight: args.insight,
            successful_approach_method: args.successful_approach_method,
            tags: args.tags.unwrap_or_default(),
            failed_attempt: args.failed_attempt,
            applies_when: args.applies_when,
            does_not_apply_when: args.does_not_apply_when,
            is_trivial_fix: args.is_trivial_fix,
            has_been_verified: args.has_been_verified,
            novelty_self_report: args.novelty_self_report,
            recurrence_self_report: args.recurrence_self_report,
        };
        let evaluation = worthiness::evaluate(&draft);
        let failed: Vec<_> = evaluation
            .failed
            .iter()
            .map(|(dimension, advice)| json!({"dimension": dimension, "advice": advice}))
            .collect();
        let value = json!({
            "should_deposit": evaluation.should_deposit,
            "score": evaluation.score,
            "failed_dimensions": failed,
        });
        Ok(ctx.answer(evaluation.to_string(), &value))
    }

    async fn check_query_safety(ctx: &Ctx<Client>, args: args::CheckQuerySafetyArgs) -> Result<Answer, ToolError> {
        let max_length = usize::try_from(args.max_length).unwrap_or(usize::MAX);
        let policy = safety::Policy {
            block_secrets: args.block_secrets,
            block_internal_hosts: args.block_internal_hosts,
            block_customer_data: args.block_customer_data,
            custom_deny_patterns: args.custom_deny_patterns.unwrap_or_default(),
            max_length,
        };
        let findings = safety::check(&args.query, &policy).map_err(|e| ToolError::InvalidArgument {
            name: "custom_deny_patterns".into(),
            reason: format!("`{}` is not a valid regular expression: {}", e.pattern, e.reason),
        })?;
        let length = args.query.chars().count();
        let reasons: Vec<_> = findings
            .iter()
            .map(|f| json!({"family": f.family, "what": f.what}))
            .collect();
        let value = json!({
            "is_safe": findings.is_empty(),
            "length": length,
            "max_length": max_length,
            "reasons": reasons,
        });
        Ok(ctx.answer(safety::report(&findings, length, max_length), &value))
    }

    async fn detect_deposit_signals(
        ctx: &Ctx<Client>,
        a: args::DetectDepositSignalsFromTraceArgs,
    ) -> Result<Answer, ToolError> {
        let t = to_trace(
            a.tool_calls,
            a.outputs,
            a.user_messages,
            a.searches_performed,
            a.outcome,
            a.elapsed_seconds,
        )?;
        Ok(signals_answer(ctx, &trace::deposit_signals(&t), "deposit"))
    }

    async fn detect_search_signals(
        ctx: &Ctx<Client>,
        a: args::DetectSearchSignalsFromTraceArgs,
    ) -> Result<Answer, ToolError> {
        let t = to_trace(
            a.tool_calls,
            a.outputs,
            a.user_messages,
            a.searches_performed,
            a.outcome,
            a.elapsed_seconds,
        )?;
        Ok(signals_answer(ctx, &trace::search_signals(&t), "search"))
    }

    async fn form_search_query(ctx: &Ctx<Client>, a: args::FormSearchQueryArgs) -> Result<Answer, ToolError> {
        let draft = search::Draft {
            draft_query: a.draft_query,
            tech_stack: a.tech_stack.unwrap_or_default(),
            versions: a.versions,
            environment: a.environment,
            constraints: a.constraints,
            error_message: a.error_message,
        };
        let formed = search::form_query(&draft);
        let value = json!({
            "query": formed.query,
            "usable": formed.problems.is_empty(),
            "word_count": formed.words,
            "problems": formed.problems,
        });
        Ok(ctx.answer(formed.to_string(), &value))
    }

    /// Reads a text file from under the working directory and deposits it as a raw experience.
    async fn deposit_file(
        ctx: &Ctx<Client>,
        args: args::DepositFileInferiorExperienceArgs,
    ) -> Result<Answer, ToolError> {
        let mut bases = vec![ctx.workdir().to_path_buf()];
        bases.extend(ctx.client_roots().await);
        let (filename, content) = read_deposit_file(&bases, &args.file_path)?;
        let findings = safety::check(
            &content,
            &safety::Policy {
                block_internal_hosts: false,
                block_customer_data: false,
                max_length: usize::MAX,
                ..safety::Policy::default()
            },
        )
        .unwrap_or_default();
        if let Some(secret) = findings.first() {
            return Err(ToolError::Refused(format!(
                "file refused, nothing was sent — {filename} contains a {}; remove it and try again",
                secret.what
            )));
        }
        let tags = args
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|tag| {
                tag.as_str()
                    .try_into()
                    .map_err(
                        |e: inferior_sdk::types::error::ConversionError| ToolError::InvalidArgument {
                            name: "tags".into(),
                            reason: format!("`{tag}`: {e}"),
                        },
                    )
            })
            .collect::<Result<Vec<inferior_sdk::types::RawFileDepositRequestTagsItem>, _>>()?;
        let response = ctx
            .client()
            .deposit_raw_file()
            .body(
                inferior_sdk::types::RawFileDepositRequest::builder()
                    .filename(filename)
                    .content(content)
                    .tags(tags),
            )
            .send()
            .await?
            .into_inner();
        let text = render::with_view(
            &response,
            "deposit_file_inferior_experience",
            &views::DEPOSIT_RAW_INFERIOR_EXPERIENCE,
        );
        Ok(ctx.answer(text, &response))
    }
}

/// The answer of the trace detectors: the report, and the signals as the output schema says.
fn signals_answer(ctx: &Ctx<Client>, signals: &[trace::Signal], what: &str) -> Answer {
    let value: Vec<_> = signals
        .iter()
        .map(|s| json!({"type": s.kind, "count": s.count, "evidence": s.evidence}))
        .collect();
    ctx.answer(trace::report(signals, what), &json!({ "signals": value }))
}

fn to_trace(
    tool_calls: Option<Vec<serde_json::Value>>,
    outputs: Option<Vec<String>>,
    user_messages: Option<Vec<String>>,
    searches: u64,
    outcome: String,
    elapsed: f64,
) -> Result<trace::Trace, ToolError> {
    let tool_calls = tool_calls
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|e| ToolError::InvalidArgument {
                name: format!("tool_calls[{i}]"),
                reason: e.to_string(),
            })
        })
        .collect::<Result<Vec<trace::ToolCall>, _>>()?;
    Ok(trace::Trace {
        tool_calls,
        outputs: outputs.unwrap_or_default(),
        user_messages: user_messages.unwrap_or_default(),
        searches_performed: searches,
        outcome,
        elapsed_seconds: elapsed,
    })
}

/// Resolves `path` against the first of `bases` (the working directory); it must land under one
/// of them (the working directory or a client root), after `..` and symlinks. Then checks
/// extension and size before reading it as UTF-8 text.
pub fn read_deposit_file(bases: &[std::path::PathBuf], path: &str) -> Result<(String, String), ToolError> {
    let invalid = |reason: String| ToolError::InvalidArgument {
        name: "file_path".into(),
        reason,
    };
    let roots: Vec<std::path::PathBuf> = bases.iter().filter_map(|b| b.canonicalize().ok()).collect();
    let Some(workdir) = roots.first() else {
        return Err(invalid("the working directory is not readable".into()));
    };
    let resolved = workdir
        .join(path)
        .canonicalize()
        .map_err(|_| invalid(format!("no file `{path}` under the working directory")))?;
    if !roots.iter().any(|root| resolved.starts_with(root)) {
        return Err(invalid(format!(
            "`{path}` is outside the working directory and the client's roots; only files under them can be deposited"
        )));
    }
    let extension = resolved
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if !ALLOWED_EXTENSIONS.contains(&extension.as_str()) {
        return Err(invalid(format!(
            "`.{extension}` files are not accepted; allowed: {}",
            ALLOWED_EXTENSIONS.map(|e| format!(".{e}")).join(", ")
        )));
    }
    let metadata = std::fs::metadata(&resolved).map_err(|e| invalid(format!("cannot read `{path}`: {e}")))?;
    if !metadata.is_file() {
        return Err(invalid(format!("`{path}` is not a file")));
    }
    // A hard link inside the roots may name a file that lives outside them; nothing on the
    // link says where its other names are, so a linked file is refused whole.
    #[cfg(unix)]
    if std::os::unix::fs::MetadataExt::nlink(&metadata) > 1 {
        return Err(invalid(format!(
            "`{path}` has other hard links, which may lie outside the working directory; deposit a copy of it instead"
        )));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(invalid(format!(
            "`{path}` is {} KiB; the limit is {} KiB",
            metadata.len().div_ceil(1024),
            MAX_FILE_BYTES / 1024
        )));
    }
    let bytes = std::fs::read(&resolved).map_err(|e| invalid(format!("cannot read `{path}`: {e}")))?;
    let content = String::from_utf8(bytes).map_err(|_| invalid(format!("`{path}` is not UTF-8 text")))?;
    if content.trim().is_empty() {
        return Err(invalid(format!("`{path}` is empty")));
    }
    let filename = resolved
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok((filename, content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deposit_files_stay_under_the_working_directory() {
        let dir = std::env::temp_dir().join(format!("mcp-deposit-{}", std::process::id()));
        let work = dir.join("work");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(work.join("notes.md"), "# Postmortem\nThe cache key ignored the locale.").unwrap();
        std::fs::write(dir.join("outside.md"), "secret plans").unwrap();
        std::fs::write(work.join("binary.png"), [0u8, 1, 2]).unwrap();
        std::fs::write(work.join("big.log"), vec![b'a'; (MAX_FILE_BYTES + 1) as usize]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("outside.md"), work.join("link.md")).unwrap();
        std::fs::hard_link(dir.join("outside.md"), work.join("hard.md")).unwrap();

        let bases = [work.clone()];
        let (name, text) = read_deposit_file(&bases, "notes.md").unwrap();
        assert_eq!((name.as_str(), text.lines().next()), ("notes.md", Some("# Postmortem")));
        let reason = |p: &str| read_deposit_file(&bases, p).unwrap_err().to_string();
        assert!(
            reason("../outside.md").contains("outside the working directory"),
            "{}",
            reason("../outside.md")
        );
        #[cfg(unix)]
        assert!(reason("link.md").contains("outside the working directory"));
        #[cfg(unix)]
        assert!(
            reason("hard.md").contains("has other hard links"),
            "{}",
            reason("hard.md")
        );
        assert!(reason("binary.png").contains("`.png` files are not accepted"));
        assert!(reason("big.log").contains("the limit is 512 KiB"));
        assert!(reason("missing.md").contains("no file `missing.md`"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
