//! The model the wrapper template renders: for each manifest tool its input schema, typed
//! argument fields and the SDK call; for each resource the call that reads it. Building it checks
//! the manifest against the spec, prompts included (the servers render those from the embedded
//! manifest).

use crate::error::Error;
use crate::listing;
use crate::manifest::{Argument, Manifest, Resolver, Tool, View};
use crate::names::{self, Case};
use crate::pointer::{deref, of as pointer};
use crate::result_schema;
use crate::schema;
use crate::sdk::{Field, Response, Shape};
use crate::spec::Spec;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Everything the tools crate's template needs for one API.
#[derive(Serialize)]
pub struct Model {
    pub tools: Vec<ToolModel>,
    pub resources: Vec<ResourceModel>,
    pub templates: Vec<ResourceModel>,
    /// The hand-written hooks the `Handlers` trait declares: handlers, checks and resolvers.
    pub handlers: Vec<Hook>,
    /// The hand-written renderers the `Renderers` trait declares.
    pub renderers: Vec<Hook>,
}

/// One method the hand-written side implements.
#[derive(Serialize, Clone, PartialEq)]
pub struct Hook {
    pub name: String,
    /// `handler`, `before`, `resolver` or `renderer`.
    pub kind: &'static str,
    /// The argument struct (handler, before) or the response type (renderer).
    pub ty: String,
    /// The tools (or resolver arguments) that use it, for its doc.
    pub used_by: Vec<String>,
    /// A handler whose tool declares an output schema: it answers the value beside the text.
    pub structured: bool,
    /// A handler whose tool asks first: it calls `ctx.confirm` before it spends.
    pub confirms: bool,
}

/// How a tool's answer is laid out (see `manifest::View`).
#[derive(Serialize)]
pub struct ViewModel {
    /// The `views` constant's name.
    pub constant: String,
    pub lead: Option<String>,
    pub empty: Option<String>,
    pub list: Option<String>,
    pub columns: Vec<String>,
    pub fields: Vec<String>,
    pub next: Option<String>,
}

#[derive(Serialize)]
pub struct ToolModel {
    pub name: String,
    pub title: String,
    pub description: String,
    pub toolset: Option<String>,
    pub read_only: bool,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: bool,
    /// The input schema `tools/list` shows, compact JSON ([`listing::listed`]).
    pub input_schema: String,
    /// The input schema arguments are held to, compact JSON ([`listing::checked`]).
    pub constraints: String,
    /// Name of the argument struct.
    pub args_type: String,
    pub fields: Vec<ArgField>,
    pub handler: Option<String>,
    pub before: Option<String>,
    pub call: Option<CallModel>,
    /// Its own view, declared in `views`.
    pub view: Option<ViewModel>,
    pub renderer: Option<String>,
    /// The view constant its answer goes through (its own, or its `render_as` tool's).
    pub answer_view: Option<String>,
    /// Whether its wrapper calls a hand-written hook (so is generic over them).
    pub hooked: bool,
    /// The operation's success type, when typed (what a renderer takes).
    pub response_type: Option<String>,
    /// The output schema, compact JSON, when the answer has a shape.
    pub output_schema: Option<String>,
    /// The property the output schema wraps the answer in, when it is not an object.
    pub output_wrapped: Option<&'static str>,
    /// What a call will do, asked before it is sent (the manifest's `confirm` template).
    pub confirm: Option<String>,
}

#[derive(Serialize)]
pub struct ArgField {
    pub ident: String,
    pub wire: String,
    pub ty: String,
    pub serde_default: bool,
    pub doc: Option<String>,
}

#[derive(Serialize)]
pub struct CallModel {
    pub method: String,
    /// What `send()` answers: `typed`, `raw` (a byte stream) or `empty`.
    pub response: &'static str,
    /// Builder setters: (setter, expression source, optional).
    pub setters: Vec<Setter>,
    pub body: Option<BodyModel>,
}

#[derive(Serialize)]
pub struct Setter {
    pub setter: String,
    /// The argument field that feeds it.
    pub field: String,
    /// That argument's name in the tool's input schema.
    pub wire: String,
    pub optional: bool,
    pub resolve: Option<String>,
}

#[derive(Serialize)]
pub struct BodyModel {
    pub ty: String,
    /// A struct body: (struct field, argument field or None for `Default::default()`).
    pub fields: Vec<(String, Option<String>)>,
    /// A body that is not a struct (a `oneOf` union): (JSON name, argument field) gathered into
    /// an object the SDK type is read from.
    pub json: Vec<(String, String)>,
    pub is_struct: bool,
}

#[derive(Serialize)]
pub struct ResourceModel {
    pub uri: String,
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    pub cache_ttl_seconds: Option<u64>,
    pub method: String,
    /// (template variable, builder setter).
    pub vars: Vec<(String, String)>,
    /// The view constant (`views::X`) or the renderer it answers through (its own, or its
    /// `render_as` tool's).
    pub view: Option<String>,
    /// Its own view, declared with the tools' views.
    pub own_view: Option<ViewModel>,
    pub renderer: Option<String>,
    pub response_type: Option<String>,
}

/// A resource or resource template of the manifest, as both are read.
struct Entry<'a> {
    /// The manifest list it is in (for pointers).
    list: &'static str,
    /// The URI or URI template.
    uri: &'a String,
    name: &'a String,
    title: &'a Option<String>,
    description: &'a String,
    operation: &'a str,
    bind: &'a BTreeMap<String, String>,
    cache_ttl_seconds: Option<u64>,
    /// `render_as`, `view`, `renderer`.
    layout: (Option<&'a str>, Option<&'a View>, Option<&'a str>),
}

/// One operation parameter or body field as a candidate tool argument.
struct Param {
    name: String,
    location: Location,
    schema: Value,
    description: Option<String>,
    required: bool,
    field: Field,
}

#[derive(Clone, Copy, PartialEq)]
enum Location {
    Param,
    Body,
}

pub fn build(
    manifest: &Manifest,
    spec: &Spec,
    shape: &Shape,
    spec_path: &Path,
    manifest_path: &Path,
) -> Result<Model, Vec<Error>> {
    let mut errors = Vec::new();
    let mut tools = Vec::new();
    let mut names = BTreeMap::new();
    for (i, tool) in manifest.tools.iter().enumerate() {
        let ptr = pointer(["tools", &i.to_string()]);
        check_tool_name(
            &tool.name,
            &format!("{ptr}/name"),
            manifest_path,
            &mut names,
            &mut errors,
        );
        match build_tool(
            tool,
            &ptr,
            &manifest.shared_arguments,
            spec,
            shape,
            spec_path,
            manifest_path,
        ) {
            Ok(t) => tools.push(t),
            Err(e) => errors.extend(e),
        }
    }
    for (i, tool) in manifest.tools.iter().enumerate() {
        let Some(like) = tool.render_as.as_deref() else {
            continue;
        };
        let ptr = pointer(["tools", &i.to_string(), "render_as"]);
        let Some(operation) = tool.operation.as_deref() else {
            continue;
        };
        if !tools.iter().any(|t| t.name == like) && manifest.tools.iter().any(|t| t.name == like) {
            continue; // that tool has errors of its own
        }
        match borrowed_layout(like, operation, &tools, &ptr, shape, manifest_path) {
            Ok((view, renderer)) => {
                if let Some(t) = tools.iter_mut().find(|t| t.name == tool.name) {
                    t.answer_view = view;
                    t.renderer = renderer;
                }
            }
            Err(e) => errors.push(e),
        }
    }
    let empty = BTreeMap::new();
    let mut fixed = manifest.resources.iter().map(|r| Entry {
        list: "resources",
        uri: &r.uri,
        name: &r.name,
        title: &r.title,
        description: &r.description,
        operation: &r.operation,
        bind: &empty,
        cache_ttl_seconds: r.cache_ttl_seconds,
        layout: (r.render_as.as_deref(), r.view.as_ref(), r.renderer.as_deref()),
    });
    let mut templated = manifest.resource_templates.iter().map(|r| Entry {
        list: "resource_templates",
        uri: &r.uri_template,
        name: &r.name,
        title: &r.title,
        description: &r.description,
        operation: &r.operation,
        bind: &r.bind,
        cache_ttl_seconds: r.cache_ttl_seconds,
        layout: (r.render_as.as_deref(), r.view.as_ref(), r.renderer.as_deref()),
    });
    let mut models = |entries: &mut dyn Iterator<Item = Entry>| -> Vec<ResourceModel> {
        let mut out = Vec::new();
        for (i, r) in entries.enumerate() {
            let at = pointer([r.list, &i.to_string()]);
            let answer = resource_answer(r.layout, r.operation, r.name, &at, &tools, shape, manifest_path);
            let call = resource(
                r.operation,
                r.uri,
                r.bind,
                &format!("{at}/operation"),
                shape,
                manifest_path,
            );
            match (call, answer) {
                (Ok((method, vars)), Ok((view, own_view, renderer))) => out.push(ResourceModel {
                    uri: r.uri.clone(),
                    name: r.name.clone(),
                    title: r.title.clone(),
                    description: r.description.clone(),
                    cache_ttl_seconds: r.cache_ttl_seconds,
                    method,
                    vars,
                    view,
                    own_view,
                    renderer,
                    response_type: shape.operations.get(r.operation).and_then(|o| o.response_type.clone()),
                }),
                (Err(e), _) | (_, Err(e)) => errors.push(e),
            }
        }
        out
    };
    let resources = models(&mut fixed);
    let templates = models(&mut templated);
    let mut prompt_names = BTreeSet::new();
    for (i, p) in manifest.prompts.iter().enumerate() {
        let ptr = pointer(["prompts", &i.to_string()]);
        if !prompt_names.insert(p.name.clone()) {
            errors.push(Error::invalid(
                manifest_path,
                &format!("{ptr}/name"),
                format!("prompt `{}` is declared twice", p.name),
            ));
        }
        if !is_lower_name(&p.name, "-_") {
            errors.push(Error::invalid(
                manifest_path,
                &format!("{ptr}/name"),
                format!("prompt name `{}` must be lowercase letters, digits, `-` or `_`", p.name),
            ));
        }
        let env = minijinja::Environment::new();
        for (j, m) in p.messages.iter().enumerate() {
            if let Err(e) = env.template_from_str(&m.template) {
                errors.push(Error::invalid(
                    manifest_path,
                    &format!("{ptr}/messages/{j}/template"),
                    format!("template does not parse: {e}"),
                ));
            }
        }
    }
    // Which arguments the tools take is known only when every tool was built.
    let arguments_known = errors.is_empty();
    for (i, name) in manifest.shared_arguments.iter().enumerate() {
        let at = pointer(["shared_arguments", &i.to_string()]);
        if !manifest.instructions.contains(&format!("`{name}`")) {
            errors.push(Error::invalid(
                manifest_path,
                &at,
                format!("`{name}` is listed without a description, so `instructions` must explain it: name it there as `{name}` in backticks"),
            ));
        }
        if !arguments_known || tools.iter().any(|t| t.fields.iter().any(|f| &f.wire == name)) {
            continue;
        }
        errors.push(Error::invalid(
            manifest_path,
            &at,
            format!("no tool takes an argument `{name}`; remove it from `shared_arguments`"),
        ));
    }
    for t in &mut tools {
        let resolves = t
            .call
            .as_ref()
            .is_some_and(|c| c.setters.iter().any(|s| s.resolve.is_some()));
        t.hooked = t.handler.is_some() || t.before.is_some() || t.renderer.is_some() || resolves;
    }
    let (handlers, renderers) = hooks(&tools, [&resources, &templates], manifest_path).unwrap_or_else(|e| {
        errors.extend(e);
        Default::default()
    });
    if errors.is_empty() {
        Ok(Model {
            tools,
            resources,
            templates,
            handlers,
            renderers,
        })
    } else {
        Err(errors)
    }
}

/// A resource's layout: the view constant its text goes through, its own view (if that is the
/// one) and its renderer.
type ResourceLayout = (Option<String>, Option<ViewModel>, Option<String>);

/// How a resource's text is laid out: like its `render_as` tool (which must answer with the same
/// type), or by its own `view` or `renderer`: (view constant, own view, renderer).
fn resource_answer(
    (render_as, view, renderer): (Option<&str>, Option<&View>, Option<&str>),
    operation: &str,
    name: &str,
    ptr: &str,
    tools: &[ToolModel],
    shape: &Shape,
    path: &Path,
) -> Result<ResourceLayout, Error> {
    let wanted = shape.operations.get(operation).and_then(|o| o.response_type.as_ref());
    let Some(tool) = render_as else {
        if let Some(r) = renderer
            && wanted.is_none()
        {
            return Err(Error::invalid(
                path,
                &format!("{ptr}/renderer"),
                format!("`{operation}` answers no typed body, so renderer `{r}` has nothing to take; use a `view`"),
            ));
        }
        let own = layout(view, renderer, &format!("resource_{name}"), ptr, path).map_err(|mut e| e.remove(0))?;
        return Ok((
            own.as_ref().map(|v| v.constant.clone()),
            own,
            renderer.map(String::from),
        ));
    };
    if view.is_some() || renderer.is_some() {
        return Err(Error::invalid(
            path,
            &format!("{ptr}/render_as"),
            "a resource is laid out like a tool (`render_as`) or by its own `view` or `renderer`, not both".to_string(),
        ));
    }
    borrowed_layout(tool, operation, tools, &format!("{ptr}/render_as"), shape, path)
        .map(|(view, renderer)| (view, None, renderer))
}

/// The layout of `tool` (view constant, renderer), for an answer of `operation`'s type.
fn borrowed_layout(
    tool: &str,
    operation: &str,
    tools: &[ToolModel],
    ptr: &str,
    shape: &Shape,
    path: &Path,
) -> Result<(Option<String>, Option<String>), Error> {
    let wanted = shape.operations.get(operation).and_then(|o| o.response_type.as_ref());
    let Some(t) = tools.iter().find(|t| t.name == tool) else {
        let hint = closest(tool, tools.iter().map(|t| &t.name))
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        return Err(Error::invalid(path, ptr, format!("no tool `{tool}`{hint}")));
    };
    if t.call.is_none() || t.response_type.as_ref() != wanted || t.view.is_none() && t.renderer.is_none() {
        return Err(Error::invalid(
            path,
            ptr,
            format!(
                "tool `{tool}` has no layout of what `{operation}` returns (a `view` or `renderer` on the same response type)"
            ),
        ));
    }
    Ok((t.answer_view.clone(), t.renderer.clone()))
}

/// Whether `name` is non-empty lowercase ASCII letters, digits and the characters of `punct`.
fn is_lower_name(name: &str, punct: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || punct.contains(c))
}

/// `names`: each tool name seen so far → the pointer of its first declaration.
fn check_tool_name(name: &str, ptr: &str, path: &Path, names: &mut BTreeMap<String, String>, errors: &mut Vec<Error>) {
    if !is_lower_name(name, "_") {
        errors.push(Error::invalid(
            path,
            ptr,
            format!("tool name `{name}` must match [a-z0-9_]+"),
        ));
    }
    if name.len() > 64 {
        errors.push(Error::invalid(
            path,
            ptr,
            format!("tool name `{name}` is {} characters; the limit is 64", name.len()),
        ));
    }
    match names.entry(name.to_string()) {
        std::collections::btree_map::Entry::Occupied(first) => errors.push(Error::invalid(
            path,
            ptr,
            format!(
                "tool `{name}` is already declared at {}; tool names must be unique",
                first.get()
            ),
        )),
        std::collections::btree_map::Entry::Vacant(slot) => {
            slot.insert(ptr.trim_end_matches("/name").to_string());
        }
    }
}

fn build_tool(
    tool: &Tool,
    ptr: &str,
    shared: &[String],
    spec: &Spec,
    shape: &Shape,
    spec_path: &Path,
    manifest_path: &Path,
) -> Result<ToolModel, Vec<Error>> {
    let doc = &spec.doc;
    let invalid = |p: &str, m: String| vec![Error::invalid(manifest_path, p, m)];
    let mut model = ToolModel {
        name: tool.name.clone(),
        title: tool.title.clone(),
        description: tool.description.clone(),
        toolset: tool.toolset.clone(),
        read_only: tool.annotations.read_only,
        destructive: tool.annotations.destructive,
        idempotent: tool.annotations.idempotent,
        open_world: tool.annotations.open_world,
        input_schema: String::new(),
        constraints: String::new(),
        args_type: format!("{}Args", pascal(&tool.name)),
        fields: Vec::new(),
        handler: tool.handler.clone(),
        before: tool.before.clone(),
        call: None,
        view: None,
        renderer: tool.renderer.clone(),
        answer_view: None,
        hooked: false,
        response_type: None,
        output_schema: None,
        output_wrapped: None,
        confirm: None,
    };
    answer(tool, ptr, manifest_path, &mut model)?;
    model.confirm = confirm(tool, ptr, manifest_path)?;
    let output = match (&tool.output_schema, &tool.operation) {
        (Some(_), Some(operation_id)) => {
            return Err(invalid(
                &format!("{ptr}/output_schema"),
                format!(
                    "the output schema of an operation tool is its response's (`{operation_id}`); remove `output_schema`"
                ),
            ));
        }
        (Some(s), None) => Some(
            result_schema::of_schema(doc, s, &format!("{ptr}/output_schema"), manifest_path).map_err(|e| vec![e])?,
        ),
        (None, Some(operation_id))
            if shape
                .operations
                .get(operation_id)
                .is_some_and(|o| o.response == Response::Typed) =>
        {
            result_schema::of_operation(doc, operation_id, spec_path).map_err(|e| vec![e])?
        }
        (None, _) => None,
    };
    if let Some(output) = output {
        model.output_schema = Some(serde_json::to_string(&output.schema).unwrap_or_default());
        model.output_wrapped = output.wrapped.then_some(result_schema::WRAPPED);
    }
    let mut properties = Map::new();
    let mut required = Vec::new();
    match (&tool.operation, &tool.handler) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(invalid(
                ptr,
                format!("tool `{}` needs exactly one of `operation` and `handler`", tool.name),
            ));
        }
        (None, Some(_)) if tool.before.is_some() => {
            return Err(invalid(
                &format!("{ptr}/before"),
                "`before` applies to operation tools; a handler can run its own checks".into(),
            ));
        }
        (None, Some(handler)) => {
            if !is_lower_name(handler, "_") {
                return Err(invalid(
                    &format!("{ptr}/handler"),
                    format!("handler `{handler}` must be a snake_case function name"),
                ));
            }
            for (j, arg) in tool.arguments.iter().enumerate() {
                let ap = format!("{ptr}/arguments/{j}");
                let Some(s) = &arg.schema else {
                    return Err(invalid(
                        &ap,
                        format!(
                            "argument `{}` of handler tool `{}` needs a `schema`",
                            arg.name, tool.name
                        ),
                    ));
                };
                schema::check(s, &format!("{ap}/schema"), manifest_path).map_err(|e| vec![e])?;
                let mut s = s.clone();
                if let Some(d) = &arg.description {
                    s["description"] = Value::String(d.clone());
                }
                let is_required = arg.required.unwrap_or(false);
                let default = arg.default.clone().or_else(|| s.get("default").cloned());
                if let Some(d) = &default {
                    s["default"] = d.clone();
                }
                let base = schema::rust_type(&s);
                let ty = if is_required || default.is_some() {
                    base
                } else {
                    format!("Option<{base}>")
                };
                if is_required {
                    required.push(Value::String(arg.name.clone()));
                }
                model.fields.push(ArgField {
                    ident: ident(&arg.name),
                    wire: arg.name.clone(),
                    ty,
                    serde_default: false,
                    doc: s.get("description").and_then(Value::as_str).map(doc_line_of),
                });
                properties.insert(arg.name.clone(), s);
            }
        }
        (Some(operation_id), None) => {
            if let Some(left_out) = spec.left_out.iter().find(|l| l.operation_id == *operation_id) {
                return Err(invalid(
                    &format!("{ptr}/operation"),
                    format!(
                        "operation `{operation_id}` is left out of the SDK: {} (at {}#{}); change the spec there, or remove the tool",
                        left_out.reason,
                        spec_path.display(),
                        left_out.pointer,
                    ),
                ));
            }
            let Some(op_shape) = shape.operations.get(operation_id) else {
                let hint = closest(operation_id, shape.operations.keys())
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                return Err(invalid(
                    &format!("{ptr}/operation"),
                    format!("operation `{operation_id}` is not in {}{hint}", spec_path.display()),
                ));
            };
            let params = operation_params(doc, operation_id, shape, spec_path)?;
            let by_param: BTreeMap<&str, &Argument> = tool
                .arguments
                .iter()
                .map(|a| (a.param.as_deref().unwrap_or(&a.name), a))
                .collect();
            for (j, a) in tool.arguments.iter().enumerate() {
                let target = a.param.as_deref().unwrap_or(&a.name);
                if !params.iter().any(|p| p.name == target) {
                    let known: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
                    return Err(invalid(
                        &format!("{ptr}/arguments/{j}"),
                        format!(
                            "operation `{operation_id}` has no parameter or body field `{target}` (it has: {})",
                            known.join(", ")
                        ),
                    ));
                }
                if a.schema.is_some() || a.required.is_some() {
                    return Err(invalid(
                        &format!("{ptr}/arguments/{j}"),
                        format!(
                            "argument `{}` maps to the spec; its schema and requiredness come from there (remove `schema`/`required`)",
                            a.name
                        ),
                    ));
                }
            }
            for (j, e) in tool.exclude.iter().enumerate() {
                match params.iter().find(|p| &p.name == e) {
                    None => {
                        return Err(invalid(
                            &format!("{ptr}/exclude/{j}"),
                            format!("operation `{operation_id}` has no parameter or body field `{e}`"),
                        ));
                    }
                    Some(p) if p.required => {
                        return Err(invalid(
                            &format!("{ptr}/exclude/{j}"),
                            format!("`{e}` is required by `{operation_id}` and cannot be excluded"),
                        ));
                    }
                    Some(_) => {}
                }
            }
            model.response_type = op_shape.response_type.clone();
            if let Some(renderer) = &tool.renderer
                && model.response_type.is_none()
            {
                return Err(invalid(
                    &format!("{ptr}/renderer"),
                    format!(
                        "`{operation_id}` answers no typed body, so renderer `{renderer}` has nothing to take; use a `view`"
                    ),
                ));
            }
            let mut call = CallModel {
                method: op_shape.method.clone(),
                response: op_shape.response.as_str(),
                setters: Vec::new(),
                body: None,
            };
            let mut body_fields: BTreeMap<String, String> = BTreeMap::new();
            for p in &params {
                if tool.exclude.contains(&p.name) {
                    continue;
                }
                let over = by_param.get(p.name.as_str());
                let arg_name = over.map_or(p.name.clone(), |a| a.name.clone());
                let source_ptr = format!("{ptr}/operation");
                let mut s = schema::portable(doc, &p.schema, &source_ptr, spec_path).map_err(|e| vec![e])?;
                let description = over
                    .and_then(|a| a.description.clone())
                    .or_else(|| p.description.clone())
                    .or_else(|| s.get("description").and_then(Value::as_str).map(String::from));
                if let Some(d) = &description {
                    s["description"] = Value::String(d.clone());
                }
                let resolve = over.and_then(|a| a.resolve);
                if resolve.is_some() {
                    // A name or an id the resolver turns into the parameter: a string, with the
                    // parameter's length bounds (the value may be echoed in an error).
                    let mut resolved =
                        json!({"type": "string", "description": description.clone().unwrap_or_default()});
                    for bound in ["minLength", "maxLength"] {
                        if let Some(value) = s.get(bound) {
                            resolved[bound] = value.clone();
                        }
                    }
                    s = resolved;
                }
                let default = over
                    .and_then(|a| a.default.clone())
                    .or_else(|| s.get("default").cloned());
                if let Some(d) = &default {
                    s["default"] = d.clone();
                }
                let is_required = p.required && default.is_none() && resolve.is_none();
                if is_required {
                    required.push(Value::String(arg_name.clone()));
                }
                let field_ident = ident(&arg_name);
                let doc_line = description.as_deref().map(doc_line_of);
                match (p.location, resolve) {
                    (_, Some(Resolver::Project)) => {
                        model.fields.push(ArgField {
                            ident: field_ident.clone(),
                            wire: arg_name.clone(),
                            ty: "Option<String>".into(),
                            serde_default: true,
                            doc: doc_line,
                        });
                        call.setters.push(Setter {
                            setter: p.field.name.clone(),
                            field: field_ident,
                            wire: arg_name.clone(),
                            optional: false,
                            resolve: Some("project".into()),
                        });
                    }
                    (Location::Param, None) => {
                        let optional = !p.required && default.is_none();
                        let ty = if optional {
                            format!("Option<{}>", p.field.ty)
                        } else {
                            p.field.ty.clone()
                        };
                        model.fields.push(ArgField {
                            ident: field_ident.clone(),
                            wire: arg_name.clone(),
                            ty,
                            serde_default: optional,
                            doc: doc_line,
                        });
                        call.setters.push(Setter {
                            setter: p.field.name.clone(),
                            field: field_ident,
                            wire: arg_name.clone(),
                            optional,
                            resolve: None,
                        });
                    }
                    (Location::Body, None) => {
                        // A default is filled in before deserializing; otherwise an optional
                        // field (`Option`, `Vec`, map) starts empty.
                        let serde_default = !p.field.required && default.is_none();
                        model.fields.push(ArgField {
                            ident: field_ident.clone(),
                            wire: arg_name.clone(),
                            ty: p.field.ty.clone(),
                            serde_default,
                            doc: doc_line,
                        });
                        body_fields.insert(p.field.name.clone(), field_ident);
                    }
                }
                properties.insert(arg_name, s);
            }
            if let Some(body_ty) = &op_shape.body {
                let ty = format!("sdk::types::{body_ty}");
                call.body = Some(match shape.structs.get(body_ty) {
                    Some(fields) => BodyModel {
                        ty,
                        fields: fields
                            .iter()
                            .map(|f| (f.name.clone(), body_fields.get(&f.name).cloned()))
                            .collect(),
                        json: Vec::new(),
                        is_struct: true,
                    },
                    None => BodyModel {
                        ty,
                        fields: Vec::new(),
                        json: params
                            .iter()
                            .filter(|p| p.location == Location::Body && !tool.exclude.contains(&p.name))
                            .filter_map(|p| Some((p.field.wire.clone(), body_fields.get(&p.field.name)?.clone())))
                            .collect(),
                        is_struct: false,
                    },
                });
            }
            model.call = Some(call);
        }
    }
    if model.confirm.is_some() {
        if properties.contains_key(CONFIRM) {
            // The tool's own argument of that name: declared, or a parameter of its operation.
            let at = match tool.arguments.iter().position(|a| a.name == CONFIRM) {
                Some(j) => format!("{ptr}/arguments/{j}"),
                None => format!("{ptr}/operation"),
            };
            return Err(invalid(
                &at,
                format!("`{CONFIRM}` is the argument a tool with `confirm` gains; rename the tool's own `{CONFIRM}`"),
            ));
        }
        properties.insert(
            CONFIRM.into(),
            json!({"type": "boolean", "description": CONFIRM_DESCRIPTION}),
        );
    }
    let mut input = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        input["required"] = Value::Array(required);
    }
    model.input_schema = serde_json::to_string(&listing::listed(&input, shared)).unwrap_or_default();
    model.constraints = serde_json::to_string(&listing::checked(&input)).unwrap_or_default();
    Ok(model)
}

/// The argument a tool that asks first gains, for clients that cannot show the form.
const CONFIRM: &str = "confirm";

const CONFIRM_DESCRIPTION: &str = "true only once the user agreed to what the first answer described";

/// The tool's `confirm` template, checked: it parses, and the tool changes something.
fn confirm(tool: &Tool, ptr: &str, manifest_path: &Path) -> Result<Option<String>, Vec<Error>> {
    let Some(template) = &tool.confirm else {
        return Ok(None);
    };
    let at = format!("{ptr}/confirm");
    if tool.annotations.read_only {
        return Err(vec![Error::invalid(
            manifest_path,
            &at,
            format!(
                "`{}` is read-only, so it has nothing to confirm; remove `confirm`",
                tool.name
            ),
        )]);
    }
    parses(template, &at, manifest_path).map_err(|e| vec![e])?;
    Ok(Some(template.clone()))
}

/// Checks that a manifest template parses (filters are the runtime's, looked up at render).
fn parses(template: &str, at: &str, manifest_path: &Path) -> Result<(), Error> {
    minijinja::Environment::new()
        .template_from_str(template)
        .map(drop)
        .map_err(|e| Error::invalid(manifest_path, at, format!("template does not parse: {e}")))
}

/// Checks the tool's `view` and `renderer` and puts the view in the model.
fn answer(tool: &Tool, ptr: &str, manifest_path: &Path, model: &mut ToolModel) -> Result<(), Vec<Error>> {
    let laid_out = [
        ("view", tool.view.is_some()),
        ("renderer", tool.renderer.is_some()),
        ("render_as", tool.render_as.is_some()),
    ];
    if tool.handler.is_some()
        && let Some((field, _)) = laid_out.iter().find(|(_, given)| *given)
    {
        return Err(vec![Error::invalid(
            manifest_path,
            &format!("{ptr}/{field}"),
            format!(
                "`{field}` lays out an operation's answer; handler `{}` writes its own text",
                tool.handler.as_deref().unwrap_or_default()
            ),
        )]);
    }
    if tool.render_as.is_some() && (tool.view.is_some() || tool.renderer.is_some()) {
        return Err(vec![Error::invalid(
            manifest_path,
            &format!("{ptr}/render_as"),
            "a tool is laid out like another (`render_as`) or by its own `view` or `renderer`, not both".to_string(),
        )]);
    }
    model.view = layout(
        tool.view.as_ref(),
        tool.renderer.as_deref(),
        &tool.name,
        ptr,
        manifest_path,
    )?;
    model.answer_view = model.view.as_ref().map(|v| v.constant.clone());
    Ok(())
}

/// A `view` (its model, its constant named for `owner`) or a `renderer`, checked: not both, a
/// snake_case renderer, templates that parse.
fn layout(
    view: Option<&View>,
    renderer: Option<&str>,
    owner: &str,
    ptr: &str,
    manifest_path: &Path,
) -> Result<Option<ViewModel>, Vec<Error>> {
    let invalid = |p: &str, m: String| vec![Error::invalid(manifest_path, p, m)];
    if let Some(renderer) = renderer {
        if view.is_some() {
            return Err(invalid(
                &format!("{ptr}/renderer"),
                "an answer is laid out by a `view` or a `renderer`, not both".into(),
            ));
        }
        if !is_lower_name(renderer, "_") {
            return Err(invalid(
                &format!("{ptr}/renderer"),
                format!("renderer `{renderer}` must be a snake_case function name"),
            ));
        }
    }
    let Some(view) = view else { return Ok(None) };
    for (field, template) in [("lead", &view.lead), ("empty", &view.empty), ("next", &view.next)] {
        if let Some(t) = template {
            parses(t, &format!("{ptr}/view/{field}"), manifest_path).map_err(|e| vec![e])?;
        }
    }
    let View {
        lead,
        empty,
        list,
        columns,
        fields,
        next,
    } = view.clone();
    Ok(Some(ViewModel {
        constant: owner.replace(['-', '/', ':', '{', '}', '.'], "_").to_uppercase(),
        lead,
        empty,
        list,
        columns,
        fields,
        next,
    }))
}

/// The hooks the tools' manifest entries name, each declared once: the same name twice must
/// mean the same thing.
fn hooks(
    tools: &[ToolModel],
    resources: [&[ResourceModel]; 2],
    manifest_path: &Path,
) -> Result<(Vec<Hook>, Vec<Hook>), Vec<Error>> {
    let mut handlers: Vec<Hook> = Vec::new();
    let mut renderers: Vec<Hook> = Vec::new();
    let mut errors = Vec::new();
    let mut add = |list: &mut Vec<Hook>, hook: Hook, ptr: String| match list.iter_mut().find(|h| h.name == hook.name) {
        Some(h) if h.kind == hook.kind && h.ty == hook.ty && hook.kind != "handler" => h.used_by.extend(hook.used_by),
        Some(h) => errors.push(Error::invalid(
            manifest_path,
            &ptr,
            format!(
                "`{}` is already the {} of `{}`; name this {} differently",
                hook.name,
                h.kind,
                h.used_by.join("`, `"),
                hook.kind
            ),
        )),
        None => list.push(hook),
    };
    for (i, t) in tools.iter().enumerate() {
        let ptr = |field: &str| pointer(["tools", &i.to_string(), field]);
        let hook = |name: &str, kind, ty: &str| Hook {
            name: name.to_string(),
            kind,
            ty: ty.to_string(),
            used_by: vec![t.name.clone()],
            structured: false,
            confirms: false,
        };
        if let Some(h) = &t.handler {
            let handler = Hook {
                structured: t.output_schema.is_some(),
                confirms: t.confirm.is_some(),
                ..hook(h, "handler", &t.args_type)
            };
            add(&mut handlers, handler, ptr("handler"));
        }
        if let Some(b) = &t.before {
            add(&mut handlers, hook(b, "before", &t.args_type), ptr("before"));
        }
        if let (Some(r), Some(ty)) = (&t.renderer, &t.response_type) {
            add(&mut renderers, hook(r, "renderer", ty), ptr("renderer"));
        }
        if let Some(call) = &t.call {
            for s in call.setters.iter().filter(|s| s.resolve.is_some()) {
                let name = format!("resolve_{}", s.resolve.as_deref().unwrap_or_default());
                add(&mut handlers, hook(&name, "resolver", ""), ptr("arguments"));
            }
        }
    }
    for (list, rs) in ["resources", "resource_templates"].into_iter().zip(resources) {
        for (i, r) in rs.iter().enumerate() {
            if let (Some(name), Some(ty)) = (&r.renderer, &r.response_type) {
                let hook = Hook {
                    name: name.clone(),
                    kind: "renderer",
                    ty: ty.clone(),
                    used_by: vec![r.uri.clone()],
                    structured: false,
                    confirms: false,
                };
                add(&mut renderers, hook, pointer([list, &i.to_string(), "renderer"]));
            }
        }
    }
    if errors.is_empty() {
        Ok((handlers, renderers))
    } else {
        Err(errors)
    }
}

/// Path-level then operation-level parameters (operation wins), then the body's top-level
/// properties, each matched with its field in the generated builder or body struct.
fn operation_params(
    doc: &Value,
    operation_id: &str,
    shape: &Shape,
    spec_path: &Path,
) -> Result<Vec<Param>, Vec<Error>> {
    let op_shape = &shape.operations[operation_id];
    let mut found = None;
    for (p, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for (m, op) in item.as_object().into_iter().flatten() {
            if op.get("operationId").and_then(Value::as_str) == Some(operation_id) {
                found = Some((pointer(["paths", p.as_str(), m.as_str()]), item, op));
            }
        }
    }
    let Some((op_ptr, item, op)) = found else {
        return Ok(Vec::new());
    };
    let mut merged: Vec<(String, Value)> = Vec::new();
    for list in [item.get("parameters"), op.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let Some(p) = deref(doc, p) else { continue };
            if p.get("in").and_then(Value::as_str) == Some("header") {
                continue;
            }
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            merged.retain(|(n, _)| *n != name);
            merged.push((name, p.clone()));
        }
    }
    let mut params = Vec::new();
    for (name, p) in merged {
        let Some(field) = op_shape
            .params
            .iter()
            .find(|f| f.name == names::progenitor(&name, Case::Snake))
            .cloned()
        else {
            return Err(vec![Error::invalid(
                spec_path,
                &op_ptr,
                format!("the generated client has no builder field for parameter `{name}`"),
            )]);
        };
        params.push(Param {
            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            description: p.get("description").and_then(Value::as_str).map(String::from),
            schema: p.get("schema").cloned().unwrap_or_default(),
            location: Location::Param,
            name,
            field,
        });
    }
    if let (Some(body), Some(body_ty)) = (op.get("requestBody"), &op_shape.body) {
        let schema = deref(doc, body)
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
            .and_then(|c| c.values().next())
            .and_then(|m| m.get("schema"))
            .cloned()
            .unwrap_or_default();
        let struct_fields = shape.structs.get(body_ty);
        let (properties, required) = body_properties(doc, &schema, struct_fields.is_none());
        for (name, s) in properties {
            let field = match struct_fields {
                Some(fields) => match fields.iter().find(|f| f.wire == name) {
                    Some(f) => f.clone(),
                    None => continue,
                },
                // A union body is read from the arguments as JSON by the SDK's own type.
                None => Field {
                    name: ident(&name),
                    wire: name.clone(),
                    ty: "Option<serde_json::Value>".into(),
                    required: false,
                },
            };
            params.push(Param {
                required: required.contains(&name),
                name,
                location: Location::Body,
                description: None,
                schema: s,
                field,
            });
        }
    }
    Ok(params)
}

/// A body's top-level properties and which are required: an object's own and its `allOf`
/// members'; for a union (`oneOf`/`anyOf`, when `union` is set) every member's, required when
/// every member requires them.
fn body_properties(doc: &Value, schema: &Value, union: bool) -> (Vec<(String, Value)>, Vec<String>) {
    let schema = deref(doc, schema).unwrap_or(schema);
    let mut properties: Vec<(String, Value)> = Vec::new();
    // A property several union members have keeps the first member's schema, with every
    // member's values when each is an enum (a discriminator: `trace` or `span`).
    let mut add = |props: Vec<(String, Value)>| {
        for (name, s) in props {
            match properties.iter_mut().find(|(n, _)| *n == name) {
                None => properties.push((name, s)),
                Some((_, existing)) => {
                    let values = s.get("enum").and_then(Value::as_array).cloned().unwrap_or_default();
                    if let Some(Value::Array(known)) = existing.get_mut("enum") {
                        for v in values {
                            if !known.contains(&v) {
                                known.push(v);
                            }
                        }
                    }
                }
            }
        }
    };
    let members = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(Value::as_array))
        .filter(|_| union);
    let mut required: Vec<String>;
    match members {
        Some(members) => {
            let mut each_required: Vec<Vec<String>> = Vec::new();
            for m in members {
                let (props, req) = body_properties(doc, m, false);
                add(props);
                each_required.push(req);
            }
            required = each_required.first().cloned().unwrap_or_default();
            required.retain(|r| each_required.iter().all(|req| req.contains(r)));
        }
        None => {
            required = schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect();
            for m in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
                let (props, req) = body_properties(doc, m, false);
                add(props);
                required.extend(req);
            }
            add(schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect());
        }
    }
    (properties, required)
}

fn resource(
    operation: &str,
    uri: &str,
    bind: &BTreeMap<String, String>,
    ptr: &str,
    shape: &Shape,
    path: &Path,
) -> Result<(String, Vec<(String, String)>), Error> {
    let op = shape
        .operations
        .get(operation)
        .ok_or_else(|| Error::invalid(path, ptr, format!("operation `{operation}` is not in the spec")))?;
    let vars: Vec<String> = uri
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(v, _)| v.to_string()))
        .collect();
    let mut out = Vec::new();
    for v in &vars {
        let param = bind.get(v).cloned().unwrap_or_else(|| v.clone());
        let field = op.params.iter().find(|f| f.name == param).ok_or_else(|| Error::invalid(path, ptr, format!("URI variable `{{{v}}}` maps to `{param}`, which `{operation}` does not take; add `\"bind\": {{\"{v}\": \"<parameter>\"}}`")))?;
        out.push((v.clone(), field.name.clone()));
    }
    if let Some(missing) = op
        .params
        .iter()
        .find(|f| f.required && !out.iter().any(|(_, s)| s == &f.name))
    {
        return Err(Error::invalid(
            path,
            ptr,
            format!(
                "`{operation}` requires `{}`, which the URI does not provide",
                missing.name
            ),
        ));
    }
    if op.body.is_some() {
        return Err(Error::invalid(
            path,
            ptr,
            format!("`{operation}` takes a request body; a resource must be served by a read without a body"),
        ));
    }
    Ok((op.method.clone(), out))
}

/// The candidate within edit distance 3 of `wanted`, if any (for "did you mean").
pub fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    let distance = |a: &str, b: &str| {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    };
    candidates
        .map(|c| (distance(wanted, c), c))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The first line of a description, without backticks, as an argument field's doc comment.
fn doc_line_of(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    line.replace('`', "")
}

/// `search_inferior_experiences` / `inferior-debug-stuck` → `SearchInferiorExperiences`.
pub fn pascal(name: &str) -> String {
    name.split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A Rust identifier for an argument name.
pub fn ident(name: &str) -> String {
    let s = names::lower_ascii(name);
    match s.as_str() {
        "" => "arg".into(),
        // Keywords that cannot be raw identifiers.
        "self" | "super" | "crate" | "_" => format!("{s}_"),
        _ if s.starts_with(|c: char| c.is_ascii_digit()) => format!("_{s}"),
        _ if !typify::accept_as_ident(&s) => format!("r#{s}"),
        _ => s,
    }
}
