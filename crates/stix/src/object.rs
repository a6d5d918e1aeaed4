//! The generic STIX object: a JSON object whose `type` and `id` have been checked.
//!
//! Every object, standard or custom, is held as its JSON members in their original
//! order, so writing it back is lossless (unknown and custom properties included,
//! timestamps as written). Typed views (`typed`, `ext`) read from and write to it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::id::{IdError, StixId};
use crate::timestamp::Timestamp;
use crate::types::{kind_of, ObjectKind};

/// A STIX object with a checked `type` and `id`.
#[derive(Clone, PartialEq)]
pub struct StixObject {
    id: StixId,
    map: Map<String, Value>,
}

/// Why a JSON value is not a STIX object at all (the validator reports finer problems).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectError {
    #[error("expected a JSON object, found {0}")]
    NotAnObject(&'static str),
    #[error("object has no 'type' string property")]
    NoType,
    #[error("object has no 'id' string property")]
    NoId,
    #[error(transparent)]
    BadId(#[from] IdError),
    #[error("'id' {id} does not start with the object's type '{ty}'")]
    IdTypeMismatch { id: String, ty: String },
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl StixObject {
    /// Checks the minimum that makes a value addressable: an object with a `type`
    /// and a well-formed `id` of that type.
    pub fn from_value(v: Value) -> Result<StixObject, ObjectError> {
        match v {
            Value::Object(map) => StixObject::from_map(map),
            other => Err(ObjectError::NotAnObject(json_kind(&other))),
        }
    }

    pub fn from_map(map: Map<String, Value>) -> Result<StixObject, ObjectError> {
        let ty = map
            .get("type")
            .and_then(Value::as_str)
            .ok_or(ObjectError::NoType)?;
        let id_str = map
            .get("id")
            .and_then(Value::as_str)
            .ok_or(ObjectError::NoId)?;
        let id = StixId::parse(id_str)?;
        if id.object_type() != ty {
            return Err(ObjectError::IdTypeMismatch {
                id: id_str.to_string(),
                ty: ty.to_string(),
            });
        }
        Ok(StixObject { id, map })
    }

    /// Parses JSON text holding one object.
    pub fn from_json(text: &str) -> Result<StixObject, crate::Error> {
        let v: Value = serde_json::from_str(text).map_err(crate::Error::from_json)?;
        Ok(StixObject::from_value(v)?)
    }

    pub fn id(&self) -> &StixId {
        &self.id
    }
    pub fn object_type(&self) -> &str {
        self.id.object_type()
    }
    pub fn kind(&self) -> ObjectKind {
        kind_of(self.object_type(), &self.map)
    }
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.map.get(key).and_then(Value::as_str)
    }
    pub fn get_timestamp(&self, key: &str) -> Option<Timestamp> {
        self.get_str(key).and_then(|s| Timestamp::parse(s).ok())
    }
    pub fn properties(&self) -> &Map<String, Value> {
        &self.map
    }
    pub fn into_map(self) -> Map<String, Value> {
        self.map
    }
    pub fn into_value(self) -> Value {
        Value::Object(self.map)
    }
    pub fn to_value(&self) -> Value {
        Value::Object(self.map.clone())
    }
    /// Compact JSON text, members in their original order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.map).expect("a JSON map always serializes")
    }

    /// Sets a property. `type` and `id` cannot be changed this way.
    pub fn set(&mut self, key: &str, value: Value) {
        if key == "type" || key == "id" {
            return;
        }
        self.map.insert(key.to_string(), value);
    }
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        if key == "type" || key == "id" {
            return None;
        }
        self.map.shift_remove(key)
    }

    pub fn spec_version(&self) -> Option<&str> {
        self.get_str("spec_version")
    }
    pub fn name(&self) -> Option<&str> {
        self.get_str("name")
    }
    pub fn created(&self) -> Option<Timestamp> {
        self.get_timestamp("created")
    }
    pub fn modified(&self) -> Option<Timestamp> {
        self.get_timestamp("modified")
    }
    /// The version of the object as TAXII and the store understand it: `modified`,
    /// else `created`, else none (SCOs and other unversioned objects have one version).
    pub fn version(&self) -> Option<Timestamp> {
        self.modified().or_else(|| self.created())
    }
    pub fn revoked(&self) -> bool {
        self.get("revoked")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
    pub fn created_by_ref(&self) -> Option<&str> {
        self.get_str("created_by_ref")
    }
    pub fn confidence(&self) -> Option<i64> {
        self.get("confidence").and_then(Value::as_i64)
    }
    /// `object_marking_refs` plus every `marking_ref` of `granular_markings`.
    pub fn marking_refs(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .get("object_marking_refs")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(gm) = self.get("granular_markings").and_then(Value::as_array) {
            for m in gm {
                if let Some(r) = m.get("marking_ref").and_then(Value::as_str) {
                    if !out.contains(&r) {
                        out.push(r);
                    }
                }
            }
        }
        out
    }
    pub fn object_marking_refs(&self) -> Vec<&str> {
        self.get("object_marking_refs")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Every identifier this object points to, with the property path that holds it
    /// (`*_ref`, `*_refs`, at any depth, e.g. inside extensions or granular markings).
    pub fn references(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        for (k, v) in &self.map {
            collect_refs(k, k, v, &mut out);
        }
        out
    }
}

fn collect_refs<'a>(path: &str, key: &str, v: &'a Value, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::String(s) if key.ends_with("_ref") => out.push((path.to_string(), s)),
        Value::Array(a) if key.ends_with("_refs") => {
            for (i, x) in a.iter().enumerate() {
                if let Some(s) = x.as_str() {
                    out.push((format!("{path}[{i}]"), s));
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                if x.is_object() {
                    collect_refs(&format!("{path}[{i}]"), key, x, out);
                }
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                collect_refs(&format!("{path}.{k}"), k, x, out);
            }
        }
        _ => {}
    }
}

impl std::fmt::Debug for StixObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StixObject({})", self.to_json())
    }
}

impl Serialize for StixObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(s)
    }
}

impl<'de> Deserialize<'de> for StixObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(d)?;
        StixObject::from_map(map).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossless_round_trip() {
        let text = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.123456Z","x_custom":{"nested":[1,2.5,"x"]},"pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","confidence":85}"#;
        let o = StixObject::from_json(text).unwrap();
        assert_eq!(o.to_json(), text);
        assert_eq!(o.version().unwrap().as_str(), "2016-04-06T20:03:48.123456Z");
        assert_eq!(o.confidence(), Some(85));
    }

    #[test]
    fn refs_found_at_any_depth() {
        let o = StixObject::from_json(r#"{"type":"x-thing","id":"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created_by_ref":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","object_refs":["a--b","c--d"],"granular_markings":[{"marking_ref":"marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","selectors":["x"]}]}"#).unwrap();
        let refs: Vec<String> = o.references().into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            refs,
            [
                "created_by_ref",
                "object_refs[0]",
                "object_refs[1]",
                "granular_markings[0].marking_ref"
            ]
        );
    }

    #[test]
    fn id_must_match_type() {
        let e = StixObject::from_json(
            r#"{"type":"malware","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("does not start with"), "{e}");
    }
}
