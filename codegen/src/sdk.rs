//! The SDK crates: progenitor's client for a spec, plus the crate around it.
//!
//! progenitor writes the typed client (builder interface). The crate's `Cargo.toml`, README and
//! the thin hand-designed layer (bearer auth, user agent, timeout) come from templates in
//! `codegen/templates/`. The shape of the generated client (each operation's builder fields and
//! the body struct's fields) is read back with syn so the tool wrappers can call it with exactly
//! the types it takes.
//!
//! Normalisation gives progenitor a document it takes; should progenitor or typify still fail
//! (panic or error) on it, [`generate`] finds what fails and leaves it out: first component
//! schemas (each becomes untyped JSON), then operations, each found by bisection and reported
//! with its pointer. The rest of the SDK is generated either way.

use crate::diagnostics::{Kind, Report};
use crate::error::Error;
use crate::names::{self, Case};
use crate::normalize::LeftOut;
use crate::pointer;
use crate::spec::Spec;
use openapiv3::{OpenAPI, ReferenceOr};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// progenitor's output for one spec.
pub struct Client {
    /// The generated client source, formatted.
    pub source: String,
    pub shape: Shape,
    pub dependencies: Dependencies,
}

/// What the wrappers need to know of the generated client.
#[derive(Debug, Default)]
pub struct Shape {
    /// operationId → its builder.
    pub operations: BTreeMap<String, Operation>,
    /// Type name in `types` → its fields, for structs.
    pub structs: BTreeMap<String, Vec<Field>>,
}

/// One operation's builder.
#[derive(Debug)]
pub struct Operation {
    /// The `Client` method that starts the builder.
    pub method: String,
    /// Builder fields other than `body`: (field name, type, required).
    pub params: Vec<Field>,
    /// The body type's name in `types`, when the operation takes a body.
    pub body: Option<String>,
    /// What `send()` answers.
    pub response: Response,
    /// The success type as the tools crate names it (`sdk::types::X`), when it is typed.
    pub response_type: Option<String>,
    /// What `send()` fails with (`Error<sdk::types::X>`).
    pub error_type: Option<String>,
    /// progenitor gave the builder a `stream()` of its own (a spec with
    /// `x-dropshot-pagination`).
    pub streams: bool,
}

/// The success value of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// A type of `types`.
    Typed,
    /// A byte stream (a body that is not JSON).
    Raw,
    /// Nothing.
    Empty,
}

impl Response {
    pub fn as_str(self) -> &'static str {
        match self {
            Response::Typed => "typed",
            Response::Raw => "raw",
            Response::Empty => "empty",
        }
    }

    /// From `send()`'s `Result<ResponseValue<T>, Error<E>>`.
    fn of_send(output: &syn::ReturnType) -> Response {
        let syn::ReturnType::Type(_, ty) = output else {
            return Response::Empty;
        };
        let value = generic_arg(ty, "Result").and_then(|ok| generic_arg(ok, "ResponseValue"));
        match value {
            Some(syn::Type::Tuple(t)) if t.elems.is_empty() => Response::Empty,
            Some(syn::Type::Path(tp)) if tp.path.segments.last().is_some_and(|s| s.ident == "ByteStream") => {
                Response::Raw
            }
            _ => Response::Typed,
        }
    }
}

/// A field of a builder or struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// Rust field name.
    pub name: String,
    /// Serialized name (differs from `name` when the JSON name is not a Rust identifier).
    pub wire: String,
    /// Rust type, with paths qualified for use outside the SDK (`sdk::types::X`).
    pub ty: String,
    /// The field must be given (not `Option`, no serde default).
    pub required: bool,
}

/// Crates the generated code uses beyond the ones every SDK has, as progenitor and typify
/// report them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dependencies {
    pub chrono: bool,
    pub regress: bool,
    pub uuid: bool,
    /// Paginated streams.
    pub futures: bool,
    /// WebSocket upgrades (`base64`, `rand` for the handshake key).
    pub websockets: bool,
}

/// Generation attempts run on a thread with this much stack: typify recurses over deep schemas.
const STACK_BYTES: usize = 256 << 20;

fn settings() -> progenitor_impl::GenerationSettings {
    let mut settings = progenitor_impl::GenerationSettings::default();
    settings
        .with_interface(progenitor_impl::InterfaceStyle::Builder)
        .with_tag(progenitor_impl::TagStyle::Merged)
        .with_inner_type(quote_inner())
        .with_hooks(progenitor_impl::HooksMode::Expected)
        .with_derive("PartialEq");
    settings
}

std::thread_local! {
    /// Set while this thread runs the generator: its panics are caught and reported, not printed.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs (once) a panic hook that stays silent on generator threads and leaves every other
/// panic to the previous hook.
fn quiet_generator_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) || std::env::var_os("CODEGEN_SHOW_PANICS").is_some() {
                previous(info);
            }
        }));
    });
}

/// One run of progenitor. With `operation_ids` (the final run), the output is parsed, its shape
/// read and the source printed; without (a run that only asks whether progenitor takes the
/// document), nothing is done with it. `Err` is why it failed.
fn attempt(openapi: &OpenAPI, operation_ids: Option<&[String]>) -> Result<Option<Client>, String> {
    quiet_generator_panics();
    let run = || {
        QUIET.with(|q| q.set(true));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut generator = progenitor_impl::Generator::new(&settings());
            let tokens = generator.generate_tokens(openapi).map_err(|e| e.to_string())?;
            let Some(operation_ids) = operation_ids else {
                return Ok(None);
            };
            let types = generator.get_type_space();
            let dependencies = Dependencies {
                chrono: types.uses_chrono(),
                regress: types.uses_regress(),
                uuid: types.uses_uuid(),
                futures: generator.uses_futures(),
                websockets: generator.uses_websockets(),
            };
            // Each stage is dropped once the next exists: for a spec like Stripe's they take
            // hundreds of megabytes each.
            drop(generator);
            let mut file: syn::File =
                syn::parse2(tokens).map_err(|e| format!("it wrote Rust that does not parse ({e})"))?;
            keep_error_status(&mut file);
            let shape = read_shape(&file, operation_ids);
            let printed = prettyplease::unparse(&file);
            drop(file);
            Ok(Some(Client {
                shape,
                source: line_doc_comments(&printed),
                dependencies,
            }))
        }));
        QUIET.with(|q| q.set(false));
        result.unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into());
            Err(format!("it panicked: {}", first_line(&message)))
        })
    };
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, run)
            .map_err(|e| format!("cannot start the generator thread: {e}"))?
            .join()
            .unwrap_or_else(|_| Err("the generator thread failed".into()))
    })
}

/// Points every error arm of the client at the SDK's `error_response`: progenitor decodes an
/// error body with `ResponseValue::from_response(response).await?`, which turns a body that is
/// not the spec's (an empty 429, a proxy's HTML 502) into a bare decode failure and loses the
/// status and `Retry-After`; and it answers a status the operation does not list (a 404 where
/// the spec gives only 400) without reading the error body that says why.
fn keep_error_status(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;
    /// Whether the operation being visited streams its error bodies (`Error<ByteStream>`): those
    /// are not decoded, so its arms stay as progenitor wrote them.
    struct KeepStatus {
        streamed_errors: bool,
    }
    impl VisitMut for KeepStatus {
        fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
            let output = &f.sig.output;
            self.streamed_errors = quote::quote!(#output).to_string().contains("Error < ByteStream >");
            syn::visit_mut::visit_impl_item_fn_mut(self, f);
        }

        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            let decodes = |call: &syn::ExprCall| {
                let syn::Expr::Path(func) = &*call.func else {
                    return false;
                };
                let (Some(variant), Some(arg), 1) = (func.path.segments.last(), call.args.first(), call.args.len())
                else {
                    return false;
                };
                let arg = quote::quote!(#arg).to_string();
                (variant.ident == "ErrorResponse" && arg == "ResponseValue :: from_response (response) . await ?")
                    || (variant.ident == "UnexpectedResponse" && arg == "response" && !self.streamed_errors)
            };
            if let syn::Expr::Call(call) = expr
                && decodes(call)
            {
                *expr = syn::parse_quote!(crate::error_response(response).await);
            } else {
                syn::visit_mut::visit_expr_mut(self, expr);
            }
        }
    }
    KeepStatus { streamed_errors: false }.visit_file_mut(file);
}

/// Whether progenitor takes a document.
fn takes(openapi: &OpenAPI) -> Result<(), String> {
    attempt(openapi, None).map(|_| ())
}

/// The first line of a panic message, at most 200 characters (typify's embed whole schemas).
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default().trim_end_matches([':', ' ']);
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line.to_string(),
    }
}

/// Runs progenitor on a normalised spec. What it still fails on is left out of `spec` (and
/// reported); `None` only when nothing can be generated.
pub fn generate(spec: &mut Spec, path: &Path, report: &mut Report) -> Option<Client> {
    let ids = |spec: &Spec| -> Vec<String> {
        spec.openapi
            .operations()
            .filter_map(|(_, _, op)| op.operation_id.clone())
            .collect()
    };
    let first = attempt(&spec.openapi, Some(&ids(spec)));
    let result = match first {
        Ok(client) => Ok(client),
        Err(_) => {
            isolate(spec, path, report);
            attempt(&spec.openapi, Some(&ids(spec)))
        }
    };
    match result {
        Ok(client) => client,
        Err(e) => {
            report.error(Error::invalid(
                path,
                "",
                format!("the client generator fails on this spec: {e}"),
            ));
            None
        }
    }
}

/// Finds the component schemas, then the operations, the generator fails on, and leaves them
/// out of `spec`: a schema becomes untyped JSON, an operation is removed.
fn isolate(spec: &mut Spec, path: &Path, report: &mut Report) {
    let names: Vec<String> = spec
        .openapi
        .components
        .as_ref()
        .map(|c| c.schemas.keys().cloned().collect())
        .unwrap_or_default();
    let mut without_paths = spec.openapi.clone();
    without_paths.paths.paths.clear();
    let mut bad_schemas = Vec::new();
    if takes(&without_paths).is_err() {
        let mut kept = Vec::new();
        grow(&names, &mut kept, &mut bad_schemas, &mut |keep: &[String]| {
            let mut trial = without_paths.clone();
            blank_schemas_except(&mut trial, keep);
            takes(&trial)
        });
    }
    for (name, reason) in &bad_schemas {
        let ptr = pointer::of(["components", "schemas", name]);
        report.warn(
            Kind::Schema,
            path,
            &ptr,
            format!("the client generator fails on schema `{name}` ({reason}); it is untyped JSON in the SDK"),
        );
        let untyped = untyped_schema(reason);
        if let Some(c) = spec.openapi.components.as_mut() {
            c.schemas.insert(name.clone(), ReferenceOr::Item(untyped.clone()));
        }
        if let Some(node) = spec.doc.pointer_mut(&ptr) {
            *node = serde_json::to_value(&untyped).unwrap_or_default();
        }
    }
    let operations = operation_keys(&spec.openapi);
    if takes(&spec.openapi).is_ok() {
        return;
    }
    let mut kept = Vec::new();
    let mut bad_operations = Vec::new();
    let base = spec.openapi.clone();
    grow(&operations, &mut kept, &mut bad_operations, &mut |keep: &[(
        String,
        String,
    )]| {
        let mut trial = base.clone();
        keep_operations(&mut trial, keep);
        takes(&trial)
    });
    for ((p, method), reason) in bad_operations {
        let ptr = pointer::of(["paths", p.as_str(), method.as_str()]);
        let operation_id = spec
            .doc
            .pointer(&format!("{ptr}/operationId"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string();
        let reason = format!("the client generator fails on it ({reason})");
        spec.left_out
            .push(LeftOut::record(report, path, &ptr, &operation_id, reason));
        remove_operation(&mut spec.openapi, &p, &method);
        if let Some(item) = spec
            .doc
            .pointer_mut(&pointer::of(["paths", p.as_str()]))
            .and_then(|v| v.as_object_mut())
        {
            item.shift_remove(&method);
        }
    }
}

/// Bisection: moves into `kept` every candidate `test` accepts together with `kept`, and into
/// `bad` each one it refuses (with the reason), in about k·log(n) tests for k bad candidates.
fn grow<T: Clone>(
    candidates: &[T],
    kept: &mut Vec<T>,
    bad: &mut Vec<(T, String)>,
    test: &mut dyn FnMut(&[T]) -> Result<(), String>,
) {
    if candidates.is_empty() {
        return;
    }
    let mut trial = kept.clone();
    trial.extend_from_slice(candidates);
    match test(&trial) {
        Ok(()) => kept.extend_from_slice(candidates),
        Err(reason) if candidates.len() == 1 => bad.push((candidates[0].clone(), reason)),
        Err(_) => {
            let (a, b) = candidates.split_at(candidates.len() / 2);
            grow(a, kept, bad, test);
            grow(b, kept, bad, test);
        }
    }
}

fn untyped_schema(reason: &str) -> openapiv3::Schema {
    openapiv3::Schema {
        schema_data: openapiv3::SchemaData {
            description: Some(format!(
                "Untyped: the client generator fails on the spec's schema ({reason})."
            )),
            ..Default::default()
        },
        schema_kind: openapiv3::SchemaKind::Any(Default::default()),
    }
}

fn blank_schemas_except(openapi: &mut OpenAPI, keep: &[String]) {
    if let Some(c) = openapi.components.as_mut() {
        for (name, schema) in c.schemas.iter_mut() {
            if !keep.contains(name) {
                *schema = ReferenceOr::Item(untyped_schema("isolating"));
            }
        }
    }
}

/// (path, method) of every operation.
fn operation_keys(openapi: &OpenAPI) -> Vec<(String, String)> {
    openapi
        .paths
        .paths
        .iter()
        .filter_map(|(p, item)| item.as_item().map(|i| (p, i)))
        .flat_map(|(p, item)| item.iter().map(move |(m, _)| (p.clone(), m.to_string())))
        .collect()
}

fn keep_operations(openapi: &mut OpenAPI, keep: &[(String, String)]) {
    for (p, m) in operation_keys(openapi) {
        if !keep.contains(&(p.clone(), m.clone())) {
            remove_operation(openapi, &p, &m);
        }
    }
}

fn remove_operation(openapi: &mut OpenAPI, path: &str, method: &str) {
    let Some(ReferenceOr::Item(item)) = openapi.paths.paths.get_mut(path) else {
        return;
    };
    let slot = match method {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "options" => &mut item.options,
        "head" => &mut item.head,
        "patch" => &mut item.patch,
        "trace" => &mut item.trace,
        _ => return,
    };
    *slot = None;
}

/// prettyplease prints a multi-line `#[doc]` as a `/** */` block indented like its item, and
/// rustdoc reads those indented lines as code blocks (doc-tests that fail). Rewrites every block
/// doc comment that starts a line as `///` lines.
pub fn line_doc_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("/**") {
        let line_start = rest[..start].rfind('\n').map_or(0, |i| i + 1);
        let indent = &rest[line_start..start];
        let end = rest[start..].find("*/").map(|e| start + e);
        let (true, Some(end)) = (indent.chars().all(char::is_whitespace), end) else {
            out.push_str(&rest[..start + 3]);
            rest = &rest[start + 3..];
            continue;
        };
        out.push_str(&rest[..line_start]);
        for (i, line) in rest[start + 3..end].split('\n').enumerate() {
            let line = if i == 0 {
                line
            } else {
                line.strip_prefix(indent).unwrap_or_else(|| line.trim_start())
            };
            out.push_str(indent);
            out.push_str("///");
            if !line.is_empty() {
                out.push(' ');
                out.push_str(line);
            }
            out.push('\n');
        }
        rest = &rest[end + 2..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    out.push_str(rest);
    out
}

fn quote_inner() -> proc_macro2::TokenStream {
    "crate::Settings".parse().unwrap_or_default()
}

/// Reads each operation's builder and each struct's fields from the generated file.
fn read_shape(file: &syn::File, operation_ids: &[String]) -> Shape {
    let mut shape = Shape::default();
    let mut builders: BTreeMap<String, Vec<Field>> = BTreeMap::new();
    let mut bodies: BTreeMap<String, String> = BTreeMap::new();
    let mut responses: BTreeMap<String, Response> = BTreeMap::new();
    let mut response_types: BTreeMap<String, String> = BTreeMap::new();
    let mut error_types: BTreeMap<String, String> = BTreeMap::new();
    let mut streams: BTreeSet<String> = BTreeSet::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        let Some((_, items)) = &m.content else { continue };
        match m.ident.to_string().as_str() {
            "builder" => {
                for item in items {
                    if let syn::Item::Impl(block) = item
                        && let syn::Type::Path(tp) = &*block.self_ty
                        && let Some(name) = tp.path.segments.last()
                    {
                        for f in &block.items {
                            if let syn::ImplItem::Fn(f) = f
                                && f.sig.ident == "stream"
                            {
                                streams.insert(name.ident.to_string());
                            }
                            if let syn::ImplItem::Fn(f) = f
                                && f.sig.ident == "send"
                            {
                                responses.insert(name.ident.to_string(), Response::of_send(&f.sig.output));
                                if let syn::ReturnType::Type(_, ty) = &f.sig.output
                                    && let Some(value) =
                                        generic_arg(ty, "Result").and_then(|ok| generic_arg(ok, "ResponseValue"))
                                {
                                    response_types.insert(name.ident.to_string(), qualify(value, "builder"));
                                }
                                if let syn::ReturnType::Type(_, ty) = &f.sig.output
                                    && let Some(error) = generic_args(ty, "Result").nth(1)
                                {
                                    error_types.insert(name.ident.to_string(), qualify(error, "builder"));
                                }
                            }
                        }
                    }
                    let syn::Item::Struct(s) = item else { continue };
                    let mut fields = Vec::new();
                    for f in &s.fields {
                        let Some(ident) = &f.ident else { continue };
                        let name = ident.to_string();
                        if name == "client" {
                            continue;
                        }
                        // Builder fields are `Result<T, String>`; T is `Option<U>` when optional.
                        let Some(inner) = generic_arg(&f.ty, "Result") else {
                            continue;
                        };
                        if name == "body" {
                            // `Result<types::builder::X, String>`
                            if let syn::Type::Path(tp) = inner
                                && let Some(last) = tp.path.segments.last()
                            {
                                bodies.insert(s.ident.to_string(), last.ident.to_string());
                            }
                            continue;
                        }
                        let (required, ty) = match generic_arg(inner, "Option") {
                            Some(t) => (false, t),
                            None => (true, inner),
                        };
                        fields.push(Field {
                            wire: name.clone(),
                            name,
                            ty: qualify(ty, "builder"),
                            required,
                        });
                    }
                    builders.insert(s.ident.to_string(), fields);
                }
            }
            "types" => {
                for item in items {
                    let syn::Item::Struct(s) = item else { continue };
                    let syn::Fields::Named(named) = &s.fields else { continue };
                    let fields = named.named.iter().filter_map(|f| {
                        let name = f.ident.as_ref()?.to_string();
                        let serde = serde_attrs(&f.attrs);
                        let wire = serde
                            .rename
                            .unwrap_or_else(|| name.trim_start_matches("r#").to_string());
                        let required = !serde.default && generic_arg(&f.ty, "Option").is_none();
                        Some(Field {
                            name,
                            wire,
                            ty: qualify(&f.ty, "types"),
                            required,
                        })
                    });
                    shape.structs.insert(s.ident.to_string(), fields.collect());
                }
            }
            _ => {}
        }
    }
    // Builder struct and method names follow the operationId (PascalCase / snake_case).
    for op in operation_ids {
        let pascal = names::progenitor(op, Case::Pascal);
        let Some(params) = builders.remove(&pascal) else {
            continue;
        };
        let body = bodies.remove(&pascal);
        let response = responses.remove(&pascal).unwrap_or(Response::Typed);
        let response_type = response_types.remove(&pascal).filter(|_| response == Response::Typed);
        let error_type = error_types.remove(&pascal);
        let streams = streams.contains(&pascal);
        shape.operations.insert(
            op.clone(),
            Operation {
                method: names::progenitor(op, Case::Snake),
                params,
                body,
                response,
                response_type,
                error_type,
                streams,
            },
        );
    }
    shape
}

struct SerdeAttrs {
    rename: Option<String>,
    default: bool,
}

fn serde_attrs(attrs: &[syn::Attribute]) -> SerdeAttrs {
    let mut out = SerdeAttrs {
        rename: None,
        default: false,
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                out.rename = Some(lit.value());
            } else if meta.path.is_ident("default") {
                out.default = true;
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::LitStr = meta.value()?.parse()?;
                }
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    out
}

/// The first generic argument of a type named `outer` (last path segment), if it is one.
pub(crate) fn generic_arg<'a>(ty: &'a syn::Type, outer: &str) -> Option<&'a syn::Type> {
    generic_args(ty, outer).next()
}

/// The generic type arguments of a type named `outer` (last path segment); none if it is not.
fn generic_args<'a>(ty: &'a syn::Type, outer: &str) -> impl Iterator<Item = &'a syn::Type> {
    let args = match ty {
        syn::Type::Path(tp) => tp
            .path
            .segments
            .last()
            .filter(|last| last.ident == outer)
            .and_then(|last| match &last.arguments {
                syn::PathArguments::AngleBracketed(args) => Some(args),
                _ => None,
            }),
        _ => None,
    };
    args.into_iter().flat_map(|args| &args.args).filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// Renders a type from inside the SDK's `module` as a path usable from another crate:
/// `types::X` and bare names of generated types become `sdk::types::X`.
fn qualify(ty: &syn::Type, module: &str) -> String {
    use syn::visit_mut::VisitMut;
    struct Qualify<'a>(&'a str);
    impl VisitMut for Qualify<'_> {
        fn visit_type_path_mut(&mut self, tp: &mut syn::TypePath) {
            syn::visit_mut::visit_type_path_mut(self, tp);
            if tp.qself.is_some() || tp.path.leading_colon.is_some() {
                return;
            }
            let first = tp
                .path
                .segments
                .first()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            let prefix: syn::Path = match (self.0, first.as_str()) {
                (
                    _,
                    "std" | "core" | "alloc" | "chrono" | "serde_json" | "uuid" | "String" | "Vec" | "Option" | "bool"
                    | "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "f32" | "f64" | "usize" | "isize",
                ) => return,
                (_, "types") => syn::parse_quote!(sdk),
                ("types", _) => syn::parse_quote!(sdk::types),
                _ => return,
            };
            let mut segments = prefix.segments;
            segments.extend(tp.path.segments.iter().cloned());
            tp.path.segments = segments;
        }
    }
    let mut ty = ty.clone();
    Qualify(module).visit_type_mut(&mut ty);
    quote_type(&ty)
}

/// A type as compact Rust (`::std::option::Option<sdk::types::X>`, `Map<K, V>`).
pub(crate) fn quote_type(ty: &syn::Type) -> String {
    use quote::ToTokens;
    ty.to_token_stream().to_string().replace(' ', "").replace(',', ", ")
}

#[cfg(test)]
mod tests {
    use super::line_doc_comments;

    #[test]
    fn block_doc_comments_become_line_comments() {
        let source = "    /**Archive it\n\n    Sends a `POST`\n    ```ignore\n    x\n    ```*/\n    pub fn f() {}\n";
        assert_eq!(
            line_doc_comments(source),
            "    /// Archive it\n    ///\n    /// Sends a `POST`\n    /// ```ignore\n    /// x\n    /// ```\n    pub fn f() {}\n"
        );
        assert_eq!(
            line_doc_comments("let s = 1; /** not a doc */"),
            "let s = 1; /** not a doc */"
        );
    }
}
