//! De-duplication: the same theft reported by several sources is one incident
//! with several sources. Candidates are found by victim, date window and amount,
//! each match explained; a merge writes a new version of the merged incident that
//! points at the one it joins (`merged_into`), and an unmerge writes another
//! version without it. Nothing is deleted, so every merge can be undone.

use serde::Serialize;
use serde_json::Value;
use stix::{StixObject, Timestamp};

use crate::model::{AmountKind, Incident, Ledger};
use crate::query::chosen;
use crate::stixmap::INCIDENT_EXT;

/// Two incidents that may be one, and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MatchCandidate {
    pub keep: String,
    pub merge: String,
    pub score: u8,
    pub reasons: Vec<String>,
}

fn norm(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .to_string()
}

fn day(date: &str) -> Option<i64> {
    let y: i64 = date.get(..4)?.parse().ok()?;
    let m: u32 = date.get(5..7).and_then(|s| s.parse().ok()).unwrap_or(6);
    let d: u32 = date.get(8..10).and_then(|s| s.parse().ok()).unwrap_or(15);
    Some(stix::timestamp::days_from_civil(y, m, d))
}

/// Scores a pair: victim name (40), date within the window (30), stolen amounts
/// within 10% (30). Pairs scoring 70 or more are candidates.
pub fn score(a: &Incident, b: &Incident, window_days: i64) -> (u8, Vec<String>) {
    let mut s = 0u8;
    let mut why = Vec::new();
    let (va, vb) = (norm(&a.victim), norm(&b.victim));
    if !va.is_empty()
        && (va == vb || (va.len() >= 5 && (va.contains(&vb) || vb.contains(&va))) && !vb.is_empty())
    {
        s += 40;
        why.push(format!("same victim ('{}' / '{}')", a.victim, b.victim));
    }
    if let (Some(da), Some(db)) = (day(&a.date), day(&b.date)) {
        if (da - db).abs() <= window_days {
            s += 30;
            why.push(format!(
                "dates within {window_days} days ({} / {})",
                a.date, b.date
            ));
        }
    }
    let usd = |i: &Incident| {
        chosen(i, AmountKind::Stolen)
            .and_then(|c| c.usd)
            .map(|u| u.to_f64())
    };
    if let (Some(x), Some(y)) = (usd(a), usd(b)) {
        if x > 0.0 && ((x - y) / x).abs() <= 0.10 {
            s += 30;
            why.push(format!("stolen amounts within 10% ({x:.0} / {y:.0} USD)"));
        }
    }
    (s, why)
}

/// Pairs of incidents that look like one theft (not yet merged).
pub fn candidates(l: &Ledger, window_days: i64) -> Vec<MatchCandidate> {
    let live: Vec<&Incident> = l
        .incidents
        .iter()
        .filter(|i| i.merged_into.is_none())
        .collect();
    let mut out = Vec::new();
    for (k, a) in live.iter().enumerate() {
        for b in &live[k + 1..] {
            let (s, reasons) = score(a, b, window_days);
            if s >= 70 {
                // Keep the one with more sources (then the earlier slug).
                let (keep, merge) = if b.sources.len() > a.sources.len() {
                    (b, a)
                } else {
                    (a, b)
                };
                out.push(MatchCandidate {
                    keep: keep.id.clone(),
                    merge: merge.id.clone(),
                    score: s,
                    reasons,
                });
            }
        }
    }
    out
}

/// The new version of `incident` that merges it into `into`, modified at `now`.
pub fn merge(incident: &StixObject, into: &str, now: &Timestamp, why: &str) -> StixObject {
    let mut o = incident.clone();
    let mut ext = o
        .get("extensions")
        .and_then(|e| e.get(INCIDENT_EXT))
        .cloned()
        .unwrap_or_else(|| serde_json::json!({"extension_type": "property-extension"}));
    ext["merged_into"] = Value::String(into.to_string());
    ext["merge_reason"] = Value::String(why.to_string());
    let mut exts = o
        .get("extensions")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    exts[INCIDENT_EXT] = ext;
    o.set("extensions", exts);
    o.set("modified", Value::String(now.to_string()));
    o
}

/// The new version of a merged incident that stands on its own again.
pub fn unmerge(incident: &StixObject, now: &Timestamp) -> StixObject {
    let mut o = incident.clone();
    if let Some(mut exts) = o.get("extensions").cloned() {
        if let Some(ext) = exts.get_mut(INCIDENT_EXT).and_then(Value::as_object_mut) {
            ext.remove("merged_into");
            ext.remove("merge_reason");
        }
        o.set("extensions", exts);
    }
    o.set("modified", Value::String(now.to_string()));
    o
}
