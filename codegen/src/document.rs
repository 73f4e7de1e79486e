//! Reading a YAML or JSON file into a JSON value, as tolerantly as the file allows.
//!
//! Real specs carry integers beyond 64 bits (`minimum: -9223372036854776000`) and YAML keys that
//! are not strings (`200:` for a status). A strict JSON value refuses both, so the file is read
//! through a visitor that keeps such integers as floats (what a JSON parser does) and turns scalar
//! keys into strings. Only text that is not YAML or JSON at all is an error.

use crate::error::Error;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;
use std::path::Path;

/// Reads a file: JSON when its name ends in `.json`, YAML otherwise (YAML also reads JSON).
pub fn read(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    parse(&text, path.extension().is_some_and(|e| e == "json")).map_err(|message| Error::Syntax {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses text as JSON or YAML.
pub fn parse(text: &str, json: bool) -> Result<Value, String> {
    let loose = if json {
        Loose::deserialize(&mut serde_json::Deserializer::from_str(text)).map_err(|e| e.to_string())
    } else {
        Loose::deserialize(serde_norway::Deserializer::from_str(text)).map_err(|e| e.to_string())
    };
    loose.map(|l| l.0)
}

/// A JSON value read from any self-describing format without refusing big integers.
struct Loose(Value);

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(Loose)
    }
}

struct ValueVisitor;

fn float(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML or JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| float(v as f64), Value::from))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| float(v as f64), Value::from))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Loose(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some((Key(k), Loose(v))) = map.next_entry()? {
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
    /// A YAML tag (`!foo value`): the tag carries no meaning in OpenAPI; the value is kept.
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use de::VariantAccess;
        let (_tag, variant): (Key, _) = data.variant()?;
        variant.newtype_variant::<Loose>().map(|l| l.0)
    }
}

/// A map key: any scalar, as a string (`200:` in YAML is the key `"200"`).
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar map key")
            }
            fn visit_str<E>(self, v: &str) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_bool<E>(self, v: bool) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_i64<E>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E>(self, v: u64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E>(self, v: f64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_unit<E>(self) -> Result<String, E> {
                Ok("null".into())
            }
        }
        d.deserialize_any(KeyVisitor).map(Key)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use serde_json::json;

    #[test]
    fn big_integers_and_scalar_keys() {
        let yaml = "a:\n  minimum: -9223372036854776000\n  maximum: 18446744073709551616\n200: ok\ntrue: yes\n";
        let v = parse(yaml, false).unwrap();
        assert_eq!(v["a"]["minimum"], json!(-9.223372036854776e18));
        assert_eq!(v["a"]["maximum"], json!(1.8446744073709552e19));
        assert_eq!(v["200"], "ok");
        assert_eq!(v["true"], "yes");
        let v = parse(r#"{"n": 99999999999999999999999, "m": 5}"#, true).unwrap();
        assert_eq!(v["m"], 5);
        assert!(v["n"].is_f64());
    }

    #[test]
    fn broken_text_is_an_error() {
        assert!(parse("a: [1, 2", false).is_err());
        assert!(parse("{\"a\": ", true).is_err());
    }
}
