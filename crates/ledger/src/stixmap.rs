//! How ledger concepts are written in STIX 2.1 (and read back). One place, so the
//! pack compiler, the model and anything importing ledger data agree.
//!
//! | concept | STIX |
//! |---|---|
//! | theft or attempt | `incident` + Incident core extension + `ledger-incident` property extension |
//! | money (stolen / attempted / recovered) | `impact` (monetary) + `ledger-claim` extension, `created_by_ref` = the source's publisher |
//! | attribution claim | `relationship` `attributed-to` with `confidence`, `created_by_ref`, `ledger-claim` extension |
//! | victim | `identity` (organization) — `targets` — and `location` (country) — `located-at` |
//! | source document | `report` (object_refs = incidents and claims) + `identity` of its publisher |
//! | published total | `note` + `ledger-total` extension, `created_by_ref` = the publisher |
//! | gap in the sources | `note` + `ledger-gap` extension |

use serde_json::{json, Value};
use stix::ext::THREATLEDGER_IDENTITY_ID;
use stix::StixObject;
use uuid::Uuid;

/// Property extension on `incident`: the ledger's incident fields.
pub const INCIDENT_EXT: &str = "extension-definition--0e4a7c55-2b64-4a3f-9c1d-7f2e8b9a6c01";
/// Property extension on `impact` and `relationship`: which source claims it and how.
pub const CLAIM_EXT: &str = "extension-definition--1f5b8d66-3c75-4b40-8d2e-8a3f9cab7d02";
/// Property extension on `note`: a total published by a source.
pub const TOTAL_EXT: &str = "extension-definition--2a6c9e77-4d86-4c51-9e3f-9b4aadbc8e03";
/// Property extension on `note`: a known gap or inconsistency in the sources.
pub const GAP_EXT: &str = "extension-definition--3b7daf88-5e97-4d62-8f40-ac5bbecd9f04";

/// Property extension on an `identity` that acts in the attribution tree (the
/// agency, the state): its aliases.
pub const ACTOR_EXT: &str = "extension-definition--4c8eb099-6fa8-4e73-9051-bd6ccfdea005";

/// Property extension on `note`: a figure a report states (money or a count), as
/// extracted from its text: `kind` (`money` | `count`), `value` (exact decimal
/// string), `currency` (money), `usd` (exact decimal string, when known), `unit`
/// (count: `instances`, `countries`…), `qualifier` (`up-to`, `at-least`, `about`,
/// `more-than`), `text` (the words) and `span` (`[start, end]` character offsets).
/// The note's `object_refs` name the report.
pub const FIGURE_EXT: &str = "extension-definition--5d9fc1aa-7a0f-4f84-a162-ce7de0ebf106";

/// Namespace of the ledger's deterministic ids (UUIDv5 over `<kind>/<key>`).
pub const NAMESPACE: Uuid = Uuid::from_bytes([
    0x6c, 0x2f, 0x4d, 0x1a, 0x93, 0x5e, 0x4b, 0x07, 0xa1, 0x3c, 0x58, 0xe2, 0x0d, 0x77, 0x9f, 0x41,
]);

/// When the pack's objects are dated (its compilation date).
pub const PACK_TIME: &str = "2026-11-24T00:00:00.000Z";

/// A deterministic id: the same pack row always gives the same object.
pub fn det_id(ty: &str, key: &str) -> String {
    format!(
        "{ty}--{}",
        Uuid::new_v5(&NAMESPACE, format!("{ty}/{key}").as_bytes())
    )
}

pub(crate) fn obj(v: Value) -> StixObject {
    StixObject::from_value(v).expect("the ledger builds objects with a type and a valid id")
}

/// The extension definitions the ledger's objects use.
pub fn extension_definitions() -> Vec<StixObject> {
    let def = |id: &str, name: &str, description: &str, props: &[&str]| {
        obj(json!({
            "type": "extension-definition", "spec_version": "2.1", "id": id,
            "created_by_ref": THREATLEDGER_IDENTITY_ID, "created": PACK_TIME, "modified": PACK_TIME,
            "name": name,
            "schema": format!("https://github.com/threatledger/threatledger/blob/main/docs/extensions/{name}.md"),
            "version": "1.0.0", "extension_types": ["property-extension"],
            "description": format!("{description} Properties: {}.", props.join(", ")),
        }))
    };
    vec![
        def(INCIDENT_EXT, "ledger-incident",
            "Loss-ledger fields of an incident: slug, date as precise as the sources (YYYY, YYYY-MM, YYYY-MM-DD or an interval), victim and victim_type, countries (ISO 3166-1 alpha-2), methods (attack vectors), chains, laundering, the source keys citing it, and merged_into when de-duplicated into another incident.",
            &["slug", "date", "victim", "victim_type", "countries", "methods", "chains", "laundering", "sources", "merged_into"]),
        def(CLAIM_EXT, "ledger-claim",
            "Who claims an amount or an attribution: kind (stolen, attempted, recovered, attribution), source key (e.g. 'UN19 A3'), qualifier (at-least, about, up-to), the exact decimal amount in USD and natively (strings: no floating point), and the conversion used (rate, date, basis).",
            &["kind", "source", "qualifier", "amount_usd", "amount_native", "currency_native", "conversion", "as_stated"]),
        def(TOTAL_EXT, "ledger-total",
            "A total published by a source (period, amount_usd as an exact decimal string, incident_count, basis stated or row_sum, qualifier, superseded).",
            &["period", "amount_usd", "incident_count", "basis", "qualifier", "superseded"]),
        def(ACTOR_EXT, "ledger-actor",
            "Aliases of an identity that acts in the attribution tree (a state agency, a state).",
            &["aliases"]),
        def(FIGURE_EXT, "ledger-figure",
            "A figure a report states: kind (money or count), value and usd as exact decimal strings, currency, unit, qualifier (up-to, at-least, about, more-than), the text and its character span; object_refs name the report.",
            &["kind", "value", "currency", "usd", "unit", "qualifier", "text", "span"]),
        def(GAP_EXT, "ledger-gap",
            "A known gap or inconsistency in the sources (scope, kind, description), recorded as data instead of an invented row.",
            &["scope", "kind", "description"]),
    ]
}

/// Reads a string property of an extension object.
pub(crate) fn ext_str<'a>(o: &'a StixObject, ext: &str, key: &str) -> Option<&'a str> {
    o.get("extensions")?.get(ext)?.get(key)?.as_str()
}

pub(crate) fn ext_list(o: &StixObject, ext: &str, key: &str) -> Vec<String> {
    o.get("extensions")
        .and_then(|e| e.get(ext))
        .and_then(|e| e.get(key))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
