//! Observations to match against: STIX 2.1 `observed-data` with the SCOs its
//! `object_refs` name (looked up anywhere in the input), or the deprecated
//! embedded `objects` dictionary (STIX 2.0 style, still allowed in 2.1).
//!
//! The set borrows the parsed JSON: building it copies no object.

use std::collections::HashMap;

use serde_json::{Map, Value};
use stix::Timestamp;

use crate::eval::member;

/// Up to this many objects, references are resolved by a linear scan.
const SMALL: usize = 24;

/// One observed-data: `number_observed` observations between `first_observed`
/// and `last_observed`, of the SCOs in `roots`.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    pub id: &'a str,
    pub first_observed: Timestamp,
    pub last_observed: Timestamp,
    pub number_observed: u64,
    /// Indexes into the set's objects of the SCOs observed.
    pub roots: Vec<usize>,
    /// The embedded `objects` dictionary, whose keys are the references.
    local: Option<&'a Map<String, Value>>,
}

/// A set of observations and the objects they refer to.
#[derive(Debug, Clone, Default)]
pub struct ObservationSet<'a> {
    /// Each object with its `id` and `type` (empty when absent), read once.
    objects: Vec<(&'a Value, &'a str, &'a str)>,
    by_id: HashMap<&'a str, usize>,
    pub observations: Vec<Observation<'a>>,
    /// Observed-data that could not be used, with the reason.
    pub problems: Vec<String>,
}

impl<'a> ObservationSet<'a> {
    /// Collects observed-data and SCOs from bundles, arrays (of bundles or
    /// objects) and single objects.
    pub fn from_values(values: &'a [Value]) -> ObservationSet<'a> {
        let mut set = ObservationSet::default();
        let mut pending = Vec::new();
        for v in values {
            set.collect(v, &mut pending);
        }
        // Small inputs (one bundle per event) are searched linearly: cheaper
        // than hashing every id.
        if set.objects.len() > SMALL {
            for (i, (_, id, _)) in set.objects.iter().enumerate() {
                set.by_id.insert(id, i);
            }
        }
        for od in pending {
            set.add_observed_data(od);
        }
        set
    }

    pub fn from_value(value: &'a Value) -> ObservationSet<'a> {
        ObservationSet::from_values(std::slice::from_ref(value))
    }

    fn collect(&mut self, v: &'a Value, pending: &mut Vec<&'a Map<String, Value>>) {
        match v {
            Value::Array(a) => {
                for x in a {
                    self.collect(x, pending);
                }
            }
            Value::Object(m) => match member(v, "type").and_then(Value::as_str) {
                Some("bundle") => {
                    if let Some(objs) = m.get("objects") {
                        if let Some(a) = objs.as_array() {
                            self.objects.reserve(a.len());
                        }
                        self.collect(objs, pending);
                    }
                }
                Some("observed-data") => pending.push(m),
                Some(ty) => {
                    let id = member(v, "id").and_then(Value::as_str).unwrap_or("");
                    self.objects.push((v, id, ty));
                }
                None => {}
            },
            _ => {}
        }
    }

    /// Adds one observed-data object; its SCOs must already be in the set (or embedded).
    fn add_observed_data(&mut self, m: &'a Map<String, Value>) {
        // One pass over the members instead of a hashed lookup per property.
        let (mut id, mut first, mut last, mut number, mut embedded, mut refs) =
            (None, None, None, None, None, None);
        for (k, v) in m {
            match k.as_str() {
                "id" => id = v.as_str(),
                "first_observed" => first = v.as_str(),
                "last_observed" => last = v.as_str(),
                "number_observed" => number = Some(v),
                "objects" => embedded = v.as_object(),
                "object_refs" => refs = v.as_array(),
                _ => {}
            }
        }
        let id = id.unwrap_or("observed-data--?");
        let ts = |t: Option<&str>| t.map(Timestamp::parse);
        let (first, last) = match (ts(first), ts(last)) {
            (Some(Ok(f)), Some(Ok(l))) => (f, l),
            _ => {
                self.problems.push(format!(
                    "{id}: first_observed and last_observed must be STIX timestamps"
                ));
                return;
            }
        };
        if last < first {
            self.problems
                .push(format!("{id}: last_observed is before first_observed"));
            return;
        }
        let number = match number.and_then(Value::as_u64) {
            Some(n) if n >= 1 => n,
            _ => {
                self.problems
                    .push(format!("{id}: number_observed must be an integer >= 1"));
                return;
            }
        };
        let mut roots = Vec::new();
        let mut local = None;
        if let Some(embedded) = embedded {
            for o in embedded.values() {
                roots.push(self.objects.len());
                let ty = member(o, "type").and_then(Value::as_str).unwrap_or("");
                self.objects.push((o, "", ty));
            }
            local = Some(embedded);
        } else if let Some(refs) = refs {
            // References to SROs or to objects not in the input cannot match.
            roots.extend(
                refs.iter()
                    .filter_map(Value::as_str)
                    .filter_map(|r| self.index_of(r)),
            );
        } else {
            self.problems
                .push(format!("{id}: has neither object_refs nor objects"));
            return;
        }
        self.observations.push(Observation {
            id,
            first_observed: first,
            last_observed: last,
            number_observed: number,
            roots,
            local,
        });
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        if self.objects.len() > SMALL {
            return self.by_id.get(id).copied();
        }
        self.objects.iter().position(|(_, i, _)| *i == id)
    }

    pub fn object(&self, idx: usize) -> &'a Value {
        self.objects[idx].0
    }

    /// The `type` of object `idx`.
    pub fn object_type(&self, idx: usize) -> &'a str {
        self.objects[idx].2
    }

    /// Resolves a reference made from inside observation `obs`.
    pub fn resolve(&self, obs: &Observation<'a>, r: &str) -> Option<&'a Value> {
        match obs.local {
            Some(m) => m.get(r),
            None => self.index_of(r).map(|i| self.objects[i].0),
        }
    }
}
