//! Fund-tracing use cases over a store: an incident's theft addresses (the
//! crypto-address SCOs related to it) and the trace result as STIX
//! (crypto-address SCOs, relationships from the incident, a note).

use chain::graph::{AddrId, Graph, NONE};
use chain::labels::{Category, Label, LabelIndex};
use chain::report::trace_json;
use chain::trace::{TraceConfig, TraceResult};
use serde_json::{json, Value};
use stix::ext::{
    crypto_address, crypto_address_extension_definition, CRYPTO_ADDRESS_TYPE,
    THREATLEDGER_IDENTITY_ID,
};
use stix::{StixObject, Timestamp};
use store::{Direction, RelatedQuery, Store, StoreError, Visibility};

/// A theft address of an incident: (address, chain).
pub type IncidentAddress = (String, String);

/// The crypto-address SCOs related to an incident (relationships in either
/// direction, or embedded references), as `(address, chain)`.
pub fn incident_addresses(
    store: &dyn Store,
    incident: &str,
    vis: &Visibility,
) -> Result<Vec<IncidentAddress>, StoreError> {
    let q = RelatedQuery {
        direction: Direction::Both,
        other_types: vec![CRYPTO_ADDRESS_TYPE.to_string()],
        include_embedded: true,
        visibility: vis.clone(),
        ..RelatedQuery::default()
    };
    let mut out = Vec::new();
    for e in store.related(incident, &q)? {
        if let Some(o) = store.get_latest(&e.other_id, vis)? {
            let get = |k: &str| o.object.get(k).and_then(|v| v.as_str()).map(str::to_string);
            if let (Some(a), Some(c)) = (get("address"), get("chain")) {
                out.push((a, c));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Theft labels for an incident's addresses (confidence 100: the incident
/// says so; the source names the incident).
pub fn theft_labels(incident: &str, addrs: &[IncidentAddress]) -> Vec<Label> {
    addrs
        .iter()
        .map(|(a, c)| Label {
            chain: c.clone(),
            address: chain::labels::canonical_address(c, a).unwrap_or_else(|| a.clone()),
            category: Category::Theft,
            name: format!("theft ({incident})"),
            source: format!("incident:{incident}"),
            confidence: 100,
            actor: None,
        })
        .collect()
}

fn uuid5(parts: &[&str]) -> String {
    // A fixed namespace for objects written by the tracer: re-running the same
    // trace yields the same relationship ids (a new version, not a duplicate).
    const NS: uuid::Uuid = uuid::Uuid::from_u128(0x3c1f_4a5e_9b7d_4c2a_8e61_0f5d_2b9a_7c34);
    uuid::Uuid::new_v5(&NS, parts.join("\u{1f}").as_bytes()).to_string()
}

/// The trace as STIX objects: one crypto-address SCO per seed, reached
/// service and hop address; an `incident --related-to--> crypto-address`
/// relationship for each (its description says what the trace found); a
/// note holding the whole summary (JSON in `content`) that refers to all of
/// them. `now` is the caller's clock.
pub fn trace_objects(
    g: &Graph,
    labels: &LabelIndex,
    r: &TraceResult,
    cfg: &TraceConfig,
    direction: &str,
    incident: Option<&str>,
    now: &Timestamp,
) -> Result<Vec<StixObject>, stix::ObjectError> {
    let mut objects = vec![crypto_address_extension_definition()];
    let mut refs: Vec<String> = incident.iter().map(|s| s.to_string()).collect();
    let sco = |objects: &mut Vec<StixObject>, a: AddrId| -> String {
        let o = crypto_address(g.address(a), &g.chain_of_addr(a).name);
        let id = o.id().as_str().to_string();
        if !objects.iter().any(|x| x.id().as_str() == id) {
            objects.push(o);
        }
        id
    };
    let ts = now.as_str();
    let mut rels = Vec::new();
    let mut add = |objects: &mut Vec<StixObject>,
                   refs: &mut Vec<String>,
                   a: AddrId,
                   rel_desc: String|
     -> Result<(), stix::ObjectError> {
        let id = sco(objects, a);
        if !refs.contains(&id) {
            refs.push(id.clone());
        }
        if let Some(inc) = incident {
            rels.push(StixObject::from_value(json!({
                "type": "relationship", "spec_version": "2.1",
                "id": format!("relationship--{}", uuid5(&[inc, &id, cfg.method.as_str(), direction])),
                "created": ts, "modified": ts, "created_by_ref": THREATLEDGER_IDENTITY_ID,
                "relationship_type": "related-to", "source_ref": inc, "target_ref": id,
                "description": rel_desc,
            }))?);
        }
        Ok(())
    };
    let summary = trace_json(g, labels, r, cfg, direction, &[]);
    for &a in &r.seeds {
        add(
            &mut objects,
            &mut refs,
            a,
            format!("trace seed ({direction}, {})", cfg.method.as_str()),
        )?;
    }
    for (x, v) in r
        .reached
        .iter()
        .zip(summary["reached"].as_array().into_iter().flatten())
    {
        let l = &labels.labels[x.label as usize];
        let desc = format!(
            "{} {} of traced funds reached {} '{}' ({} trace, {}, depth {}; label from {}, confidence {})",
            v["amount"].as_str().unwrap_or(""), v["asset"].as_str().unwrap_or(""), l.category.as_str(), l.name,
            direction, cfg.method.as_str(), x.min_depth, l.source, l.confidence
        );
        add(&mut objects, &mut refs, x.addr, desc)?;
    }
    for (h, v) in r
        .hops
        .iter()
        .zip(summary["hops"].as_array().into_iter().flatten())
    {
        if h.addr == NONE {
            continue;
        }
        let desc = format!(
            "{} hop: {} {} entered at depth {}",
            h.kind.as_str(),
            v["amount"].as_str().unwrap_or(""),
            v["asset"].as_str().unwrap_or(""),
            h.depth
        );
        add(&mut objects, &mut refs, h.addr, desc)?;
    }
    let note = StixObject::from_value(json!({
        "type": "note", "spec_version": "2.1",
        "id": format!("note--{}", uuid5(&[incident.unwrap_or("-"), "trace", cfg.method.as_str(), direction, ts])),
        "created": ts, "modified": ts, "created_by_ref": THREATLEDGER_IDENTITY_ID,
        "abstract": format!("Fund trace ({direction}, {}) of {}", cfg.method.as_str(), incident.unwrap_or("the given addresses")),
        "content": serde_json::to_string(&summary).unwrap_or_default(),
        "object_refs": refs,
    }))?;
    objects.extend(rels);
    objects.push(note);
    Ok(objects)
}

/// JSON value helper for callers that print what was stored.
pub fn stored_summary(objects: &[StixObject]) -> Value {
    let count = |t: &str| {
        objects
            .iter()
            .filter(|o| o.id().as_str().starts_with(&format!("{t}--")))
            .count()
    };
    json!({"crypto_addresses": count(CRYPTO_ADDRESS_TYPE), "relationships": count("relationship"), "notes": count("note")})
}

/// Stores a trace's objects. A relationship already stored with the same
/// description is left alone; a changed one becomes a new version (keeping
/// the first version's `created`). Returns how many objects were written.
pub fn store_trace(store: &dyn Store, objects: Vec<StixObject>) -> Result<usize, crate::AppError> {
    let vis = Visibility::all();
    let mut out = Vec::with_capacity(objects.len());
    for o in objects {
        if o.id().as_str().starts_with("relationship--") {
            if let Some(old) = store.get_latest(o.id().as_str(), &vis)? {
                if old.object.get("description") == o.get("description") {
                    continue;
                }
                let mut v =
                    serde_json::to_value(&o).map_err(|e| crate::AppError::Pack(e.to_string()))?;
                if let Some(created) = old.object.get("created") {
                    v["created"] = created.clone();
                }
                out.push(
                    StixObject::from_value(v).map_err(|e| crate::AppError::Pack(e.to_string()))?,
                );
                continue;
            }
        }
        out.push(o);
    }
    store.put_all(&out, &store::ImportOptions::default())?;
    Ok(out.len())
}
