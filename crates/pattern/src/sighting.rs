//! Turning firings into STIX 2.1 `sighting` objects: one per indicator that
//! fired, with the count, the first and last time seen and the observed-data
//! that support it. Ids are deterministic (UUIDv5 over the content), so running
//! the same input twice gives the same objects.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use stix::{StixId, StixObject, Timestamp};

use crate::index::Firing;

/// The most `count` may be (STIX 2.1 §5.2, sighting: 0 to 999,999,999).
pub const MAX_COUNT: u64 = 999_999_999;

/// What the caller knows and the library must not guess: the time (`created`,
/// `modified`), who saw it and who writes the sighting.
#[derive(Debug, Clone)]
pub struct SightingConfig {
    pub now: Timestamp,
    pub where_sighted_refs: Vec<String>,
    pub created_by_ref: Option<String>,
    /// At most this many observed_data_refs per sighting (the count stays exact).
    pub max_refs: usize,
}

#[derive(Debug, Clone)]
struct Agg {
    count: u64,
    first: Timestamp,
    last: Timestamp,
    refs: Vec<String>,
    refs_truncated: bool,
}

/// Collects firings per indicator.
#[derive(Debug, Default)]
pub struct Sightings {
    per: BTreeMap<String, Agg>,
}

impl Sightings {
    pub fn new() -> Sightings {
        Sightings::default()
    }

    pub fn is_empty(&self) -> bool {
        self.per.is_empty()
    }

    /// Adds a firing of indicator `indicator_id`; returns the observed-data refs
    /// that were kept (the caller may want to emit those objects too).
    pub fn add(&mut self, indicator_id: &str, f: &Firing, max_refs: usize) -> Vec<String> {
        let a = self
            .per
            .entry(indicator_id.to_string())
            .or_insert_with(|| Agg {
                count: 0,
                first: f.first_seen.clone(),
                last: f.last_seen.clone(),
                refs: Vec::new(),
                refs_truncated: false,
            });
        a.count = a.count.saturating_add(f.count);
        if f.first_seen < a.first {
            a.first = f.first_seen.clone();
        }
        if f.last_seen > a.last {
            a.last = f.last_seen.clone();
        }
        let mut kept = Vec::new();
        for r in &f.observed_data_refs {
            if a.refs.contains(r) {
                continue;
            }
            if a.refs.len() >= max_refs {
                a.refs_truncated = true;
                break;
            }
            a.refs.push(r.clone());
            kept.push(r.clone());
        }
        kept
    }

    /// The sighting objects, ordered by indicator id.
    pub fn finish(self, cfg: &SightingConfig) -> Vec<StixObject> {
        self.per
            .into_iter()
            .map(|(indicator, a)| sighting(&indicator, &a, cfg))
            .collect()
    }
}

fn namespace() -> uuid::Uuid {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        b"https://threatledger.invalid/sighting",
    )
}

fn sighting(indicator: &str, a: &Agg, cfg: &SightingConfig) -> StixObject {
    let name = format!(
        "{indicator}|{}|{}|{}|{}|{}",
        a.first.as_str(),
        a.last.as_str(),
        a.count,
        a.refs.join(","),
        cfg.where_sighted_refs.join(",")
    );
    let id = StixId::new(
        "sighting",
        uuid::Uuid::new_v5(&namespace(), name.as_bytes()),
    );
    let mut m = Map::new();
    m.insert("type".into(), json!("sighting"));
    m.insert("spec_version".into(), json!("2.1"));
    m.insert("id".into(), json!(id.as_str()));
    if let Some(c) = &cfg.created_by_ref {
        m.insert("created_by_ref".into(), json!(c));
    }
    m.insert("created".into(), json!(cfg.now.as_str()));
    m.insert("modified".into(), json!(cfg.now.as_str()));
    m.insert("first_seen".into(), json!(a.first.as_str()));
    m.insert("last_seen".into(), json!(a.last.as_str()));
    m.insert("count".into(), json!(a.count.min(MAX_COUNT)));
    m.insert("sighting_of_ref".into(), json!(indicator));
    if !a.refs.is_empty() {
        m.insert("observed_data_refs".into(), json!(a.refs));
    }
    if !cfg.where_sighted_refs.is_empty() {
        m.insert("where_sighted_refs".into(), json!(cfg.where_sighted_refs));
    }
    if a.refs_truncated {
        m.insert(
            "description".into(),
            Value::String(format!(
                "observed_data_refs lists the first {} of the observations counted",
                a.refs.len()
            )),
        );
    }
    StixObject::from_map(m).expect("a sighting with a valid id")
}
