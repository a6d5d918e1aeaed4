//! Observations to match against: STIX 2.1 `observed-data` with the SCOs its
//! `object_refs` name (looked up anywhere in the input), or the deprecated
//! embedded `objects` dictionary (STIX 2.0 style, still allowed in 2.1).

use std::collections::HashMap;

use serde_json::{Map, Value};
use stix::Timestamp;

/// One observed-data: `number_observed` observations between `first_observed`
/// and `last_observed`, of the SCOs in `roots`.
#[derive(Debug, Clone)]
pub struct Observation {
    pub id: String,
    pub first_observed: Timestamp,
    pub last_observed: Timestamp,
    pub number_observed: u64,
    /// Indexes into [`ObservationSet::objects`] of the SCOs observed.
    pub roots: Vec<usize>,
    /// For embedded `objects`: local key → index. Empty for `object_refs`.
    local: HashMap<String, usize>,
}

/// A set of observations and the objects they refer to.
#[derive(Debug, Clone, Default)]
pub struct ObservationSet {
    objects: Vec<Value>,
    by_id: HashMap<String, usize>,
    pub observations: Vec<Observation>,
    /// Observed-data that could not be used, with the reason.
    pub problems: Vec<String>,
}

impl ObservationSet {
    /// Collects observed-data and SCOs from bundles, arrays (of bundles or
    /// objects) and single objects.
    pub fn from_values(values: Vec<Value>) -> ObservationSet {
        let mut set = ObservationSet::default();
        let mut pending = Vec::new();
        for v in values {
            set.collect(v, &mut pending);
        }
        for od in pending {
            set.add_observed_data(od);
        }
        set
    }

    /// Parses JSON text holding a bundle, an array of bundles or objects, or one object.
    pub fn from_json(text: &str) -> Result<ObservationSet, stix::Error> {
        let v: Value = serde_json::from_str(text).map_err(|e| stix::Error::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        Ok(ObservationSet::from_values(vec![v]))
    }

    fn collect(&mut self, v: Value, pending: &mut Vec<Map<String, Value>>) {
        match v {
            Value::Array(a) => {
                for x in a {
                    self.collect(x, pending);
                }
            }
            Value::Object(mut m) => match m.get("type").and_then(Value::as_str) {
                Some("bundle") => {
                    if let Some(Value::Array(objs)) = m.remove("objects") {
                        for o in objs {
                            self.collect(o, pending);
                        }
                    }
                }
                Some("observed-data") => pending.push(m),
                Some(_) => {
                    if let Some(id) = m.get("id").and_then(Value::as_str) {
                        self.by_id.insert(id.to_string(), self.objects.len());
                    }
                    self.objects.push(Value::Object(m));
                }
                None => {}
            },
            _ => {}
        }
    }

    /// Adds one observed-data object; its SCOs must already be in the set (or embedded).
    pub fn add_observed_data(&mut self, m: Map<String, Value>) {
        let id = m
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("observed-data--?")
            .to_string();
        let ts = |k: &str| m.get(k).and_then(Value::as_str).map(Timestamp::parse);
        let (first, last) = match (ts("first_observed"), ts("last_observed")) {
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
        let number = match m.get("number_observed").and_then(Value::as_u64) {
            Some(n) if n >= 1 => n,
            _ => {
                self.problems
                    .push(format!("{id}: number_observed must be an integer >= 1"));
                return;
            }
        };
        let mut roots = Vec::new();
        let mut local = HashMap::new();
        if let Some(Value::Object(embedded)) = m.get("objects") {
            for (k, o) in embedded {
                local.insert(k.clone(), self.objects.len());
                roots.push(self.objects.len());
                self.objects.push(o.clone());
            }
        } else if let Some(Value::Array(refs)) = m.get("object_refs") {
            for r in refs.iter().filter_map(Value::as_str) {
                match self.by_id.get(r) {
                    Some(&i) => roots.push(i),
                    None => {
                        // SROs and objects outside the input are simply not matchable.
                    }
                }
            }
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

    pub fn object(&self, idx: usize) -> &Value {
        &self.objects[idx]
    }

    /// Resolves a reference made from inside observation `obs`.
    pub fn resolve(&self, obs: &Observation, r: &str) -> Option<&Value> {
        if !obs.local.is_empty() {
            return obs.local.get(r).map(|&i| &self.objects[i]);
        }
        self.by_id.get(r).map(|&i| &self.objects[i])
    }
}
