//! Which list operations page with a cursor, so each SDK streams their items instead of leaving
//! the caller to pass `next_cursor` back by hand.
//!
//! Read from the generated client, not the spec: an operation pages when its builder takes a
//! cursor argument and its success type has the next page's cursor (an optional string) and one
//! list of items, under the names below (Catalyst's `cursor` / `next_cursor` / `items`, and the
//! common `page_token` / `next_page`, `starting_after`, `data`, `results`). A builder progenitor
//! already streams (`x-dropshot-pagination`) keeps progenitor's `stream()`.

use crate::names::{Case, progenitor};
use crate::sdk::{Shape, generic_arg, quote_type};
use serde::Serialize;

/// Arguments that take the previous page's cursor.
const CURSOR_ARGUMENTS: &[&str] = &["cursor", "page_token", "next_token", "after", "starting_after"];
/// Success fields that hold the next page's cursor (absent on the last page).
const NEXT_FIELDS: &[&str] = &["next_cursor", "next_page", "next_page_token", "next_token"];
/// Success fields that hold a page's items.
const ITEM_FIELDS: &[&str] = &["items", "data", "results"];

/// One paginated operation, as the SDK template names its parts.
#[derive(Debug, Serialize)]
pub struct Paged {
    /// The builder type in `builder` (`ListTraces`).
    pub builder: String,
    /// The `Client` method that starts it (`list_traces`).
    pub method: String,
    /// It needs no argument (a doc example can call it as is).
    pub standalone: bool,
    /// The builder's setter for the cursor.
    pub cursor: String,
    /// The success type's field with the next cursor.
    pub next: String,
    /// The success type's field with the items.
    pub items: String,
    /// The item type, as the SDK itself names it (`crate::types::Trace`).
    pub item: String,
    /// What a request fails with (`Error<crate::types::Error>`).
    pub error: String,
}

/// The operations of `shape` that page, in operationId order.
pub fn paged(shape: &Shape) -> Vec<Paged> {
    shape
        .operations
        .iter()
        .filter(|(_, op)| !op.streams)
        .filter_map(|(id, op)| {
            let cursor = op
                .params
                .iter()
                .find(|p| !p.required && CURSOR_ARGUMENTS.contains(&p.name.as_str()))?;
            let page = op.response_type.as_deref()?.strip_prefix("sdk::types::")?;
            let fields = shape.structs.get(page)?;
            let field = |names: &[&str]| fields.iter().find(|f| names.contains(&f.name.as_str()));
            let next = field(NEXT_FIELDS).filter(|f| is_optional_string(&f.ty))?;
            let items = field(ITEM_FIELDS).filter(|f| f.required)?;
            let item = syn::parse_str::<syn::Type>(&items.ty).ok()?;
            let item = generic_arg(&item, "Vec")?;
            Some(Paged {
                // progenitor names a builder after its operationId, as the method.
                builder: progenitor(id, Case::Pascal),
                method: op.method.clone(),
                standalone: op.body.is_none() && op.params.iter().all(|p| !p.required),
                cursor: cursor.name.clone(),
                next: next.name.clone(),
                items: items.name.clone(),
                item: in_crate(&quote_type(item)),
                error: in_crate(op.error_type.as_deref()?),
            })
        })
        .collect()
}

fn is_optional_string(ty: &str) -> bool {
    syn::parse_str::<syn::Type>(ty)
        .ok()
        .and_then(|t| generic_arg(&t, "Option").map(quote_type))
        .is_some_and(|inner| inner.ends_with("String"))
}

/// A type as the tools crate names it (`sdk::types::X`) as the SDK itself does.
fn in_crate(ty: &str) -> String {
    ty.replace("sdk::", "crate::")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::{Field, Operation, Response};

    fn field(name: &str, ty: &str, required: bool) -> Field {
        Field {
            name: name.into(),
            wire: name.into(),
            ty: ty.into(),
            required,
        }
    }

    fn list(cursor: &str, page: &str) -> Operation {
        Operation {
            method: "list".into(),
            params: vec![field(cursor, "sdk::types::Cursor", false), field("limit", "u32", false)],
            body: None,
            response: Response::Typed,
            response_type: Some(format!("sdk::types::{page}")),
            error_type: Some("Error<sdk::types::Error>".into()),
            streams: false,
        }
    }

    #[test]
    fn a_cursor_argument_and_a_page_with_a_next_cursor_and_items_page() {
        let mut shape = Shape::default();
        shape
            .operations
            .insert("listThings".into(), list("cursor", "ThingPage"));
        shape
            .operations
            .insert("listOthers".into(), list("cursor", "OtherPage"));
        shape
            .operations
            .insert("listTokens".into(), list("page_token", "TokenPage"));
        let mut streamed = list("page_token", "TokenPage");
        streamed.streams = true;
        shape.operations.insert("listStreamed".into(), streamed);
        let next = field("next_cursor", "::std::option::Option<::std::string::String>", false);
        let items = |of: &str| field("items", &format!("::std::vec::Vec<sdk::types::{of}>"), true);
        shape
            .structs
            .insert("ThingPage".into(), vec![items("Thing"), next.clone()]);
        // No next cursor: a list, but not one that pages.
        shape.structs.insert("OtherPage".into(), vec![items("Other")]);
        let next_page = field("next_page", "::std::option::Option<::std::string::String>", false);
        shape.structs.insert(
            "TokenPage".into(),
            vec![field("data", "::std::vec::Vec<sdk::types::Token>", true), next_page],
        );

        let paged: Vec<_> = paged(&shape)
            .into_iter()
            .map(|p| {
                format!(
                    "{}.{}({}) {} {}: {}",
                    p.builder, p.cursor, p.next, p.items, p.item, p.error
                )
            })
            .collect();
        assert_eq!(
            paged,
            [
                "ListThings.cursor(next_cursor) items crate::types::Thing: Error<crate::types::Error>",
                "ListTokens.page_token(next_page) data crate::types::Token: Error<crate::types::Error>",
            ]
        );
    }
}
