//! Answers laid out by a manifest `view`: a lead line, the columns of a list, the fields of a
//! detail and the next step, as data. The lead, the empty answer and the next step are
//! minijinja templates over the response's fields (plus `count`, the list's length); the rest
//! is the generic renderer's tables and `label: value` lines, so units and bounds are the same
//! for every answer.

use super::{format, generic};
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// How one tool's answer is laid out (generated from its manifest `view`).
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// The first line(s). A list's default is its count; a detail's lead is the whole answer
    /// unless `fields` are named.
    pub lead: Option<&'static str>,
    /// The whole answer when the list is empty (default `No <things> found.`).
    pub empty: Option<&'static str>,
    /// The field holding the list (default `items`, when the response has it).
    pub list: Option<&'static str>,
    /// The list's table columns (default: chosen from the items' short fields).
    pub columns: &'static [&'static str],
    /// A detail's `label: value` lines after the lead.
    pub fields: &'static [&'static str],
    /// The next step, shown as `Next: ...` when it renders to anything.
    pub next: Option<&'static str>,
}

/// The template environment: the filters the manifest's format documents (`table(columns)`
/// lays out a list as the generic renderer's tables do). A view's template is looked up by its
/// source, so it is compiled on first use only.
static TEMPLATES: LazyLock<minijinja::Environment<'static>> = LazyLock::new(|| {
    let mut env = minijinja::Environment::new();
    env.set_loader(|source| Ok(Some(source.to_string())));
    // Answers are markdown, never HTML, whatever a template's source ends with.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_filter("num", |x: f64, digits: Option<usize>| {
        format::trim_float(x, digits.unwrap_or(2))
    });
    env.add_filter("words", |s: String| s.replace('_', " "));
    env.add_filter("time", |s: String| format::timestamp(&s).unwrap_or(s));
    env.add_filter("date", |s: String| format::date(&s).unwrap_or(s));
    env.add_filter("size", |bytes: f64| format::bytes(bytes));
    env.add_filter("cut", |s: String, chars: usize| format::cut(&s, chars));
    env.add_filter("table", |rows: minijinja::Value, columns: Vec<String>| {
        let rows = serde_json::to_value(&rows).unwrap_or_default();
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        generic::table(rows.as_array().map_or(&[][..], Vec::as_slice), &columns)
    });
    env
});

/// A manifest template rendered over `context`, with the format's filters.
pub fn template_with(template: &str, context: minijinja::Value) -> Result<String, minijinja::Error> {
    TEMPLATES.get_template(template).and_then(|t| t.render(context))
}

impl View {
    /// The answer for `value`, the response of `tool` (or of the resource URI it names).
    pub fn render(&self, value: &Value, tool: &str) -> String {
        let Some(map) = value.as_object() else {
            return generic::render(value, tool);
        };
        let list = self
            .list
            .or_else(|| map.get("items").is_some_and(Value::is_array).then_some("items"))
            .map(|key| map.get(key).and_then(Value::as_array).map_or(&[][..], Vec::as_slice));
        let count = list.map_or(0, <[Value]>::len);
        let fill = |template: Option<&str>| {
            template
                .map(|t| fill(t, map, count, tool))
                .filter(|text| !text.trim().is_empty())
        };
        let mut out = match list {
            Some([]) => fill(self.empty).unwrap_or_else(|| generic::page_with(map, &[], tool, None, &[])),
            Some(items) => generic::page_with(map, items, tool, fill(self.lead), self.columns),
            None => {
                let mut lines: Vec<String> = fill(self.lead).into_iter().collect();
                lines.extend(self.fields.iter().filter_map(|key| {
                    let value = generic::scalar(key, map.get(*key)?)?;
                    Some(format!("{}: {value}", generic::label(key)))
                }));
                if lines.is_empty() {
                    generic::object(map)
                } else {
                    lines.join("\n")
                }
            }
        };
        if let Some(next) = fill(self.next).filter(|_| count > 0 || list.is_none()) {
            out.push_str(if list.is_some() { "\n\nNext: " } else { "\nNext: " });
            out.push_str(next.trim());
        }
        generic::bounded(out)
    }
}

/// A view template filled with the response's fields and `count`. A template that fails on
/// this response (a filter on a missing field, say) leaves its part out; the failure is logged.
fn fill(template: &str, map: &Map<String, Value>, count: usize, tool: &str) -> String {
    let context = minijinja::context! { count => count, ..minijinja::Value::from(minijinja::value::Serde(map)) };
    template_with(template, context).unwrap_or_else(|e| {
        tracing::warn!("the view of {tool} did not render: {e:#}");
        String::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOTSPOTS: View = View {
        lead: Some("{{ count }} topic(s) in the last {{ days }} days (best ≤ {{ max|num }})"),
        empty: Some("No unmet demand in the last {{ days }} days."),
        list: Some("hotspots"),
        columns: &["query", "searches"],
        fields: &[],
        next: Some("deposit about one of them."),
    };

    #[test]
    fn a_list_leads_with_its_template_then_the_table_and_the_next_step() {
        let value =
            json!({"days": 7, "max": 0.30, "hotspots": [{"query": "pool timeout", "searches": 4, "domain": "db"}]});
        assert_eq!(
            HOTSPOTS.render(&value, "inferior_demand_hotspots"),
            "1 topic(s) in the last 7 days (best ≤ 0.3)\n\n| query | searches |\n|---|---|\n| pool timeout | 4 |\n\nNext: deposit about one of them."
        );
        assert_eq!(
            HOTSPOTS.render(
                &json!({"days": 7, "max": 0.3, "hotspots": []}),
                "inferior_demand_hotspots"
            ),
            "No unmet demand in the last 7 days."
        );
    }

    #[test]
    fn a_detail_is_its_lead_and_fields_and_a_failed_template_is_left_out() {
        let view = View {
            lead: Some("Run {{ id }}: {{ status|words }}{% if error %} — {{ error }}{% endif %}"),
            empty: None,
            list: None,
            columns: &[],
            fields: &["cost_usd", "missing"],
            next: Some("{% if status == 'done' %}get_report with id=\"{{ id }}\"{% endif %}"),
        };
        let value = json!({"id": "r_1", "status": "in_progress", "cost_usd": 0.5, "error": null});
        assert_eq!(view.render(&value, "get_run"), "Run r_1: in progress\ncost usd: $0.5");
        let done = json!({"id": "r_1", "status": "done"});
        assert_eq!(
            view.render(&done, "get_run"),
            "Run r_1: done\nNext: get_report with id=\"r_1\""
        );
        let broken = View {
            lead: Some("{{ id|num }}"),
            ..view
        };
        assert_eq!(
            broken.render(&json!({"id": "r_1", "cost_usd": 2}), "get_run"),
            "cost usd: $2.00"
        );
    }
}
