//! JSON pointers (RFC 6901): every diagnostic names the node it is about with one, so a
//! maintainer can jump to it (`openapi.yaml#/paths/~1pets/get`).

use serde_json::Value;

/// Escapes one pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Undoes [`escape`].
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// `base` extended by one segment.
pub fn join(base: &str, segment: &str) -> String {
    format!("{base}/{}", escape(segment))
}

/// A pointer built from segments.
pub fn of<I, S>(segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    segments
        .into_iter()
        .map(|s| format!("/{}", escape(s.as_ref())))
        .collect()
}

/// The unescaped segments of a pointer.
pub fn segments(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(unescape).collect()
}

/// Resolves a local reference (`#/components/...`) against a document.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    reference.strip_prefix('#').and_then(|p| doc.pointer(p))
}

/// Follows local `$ref` chains (at most 16 hops) to the referenced node.
pub fn deref<'a>(doc: &'a Value, mut node: &'a Value) -> Option<&'a Value> {
    for _ in 0..16 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => node = resolve(doc, r)?,
            None => return Some(node),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_segments() {
        assert_eq!(of(["paths", "/a/{b}", "get"]), "/paths/~1a~1{b}/get");
        assert_eq!(segments("/paths/~1a~0b/get"), ["paths", "/a~b", "get"]);
    }
}
