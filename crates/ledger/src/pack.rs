//! Knowledge packs: the ledger's own tables (packs/<name>/*.csv, compiled into the
//! binary) turned into STIX 2.1 objects with deterministic ids, so that loading a
//! pack twice changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};
use stix::ext::{IMPACT_EXTENSION_ID, INCIDENT_CORE_EXTENSION_ID};
use stix::StixObject;

use crate::csv::{self, CsvError, Row};
use crate::money::Amount;
use crate::stixmap::*;
use crate::vocab;

/// The tables of a pack.
pub struct PackFiles {
    pub name: &'static str,
    pub incidents: &'static str,
    pub claims: &'static str,
    pub actors: &'static str,
    pub sources: &'static str,
    pub totals: &'static str,
    pub gaps: &'static str,
    pub rates: &'static str,
}

/// The DPRK pack shipped with threatledger (see packs/dprk/README.md).
pub const DPRK: PackFiles = PackFiles {
    name: "dprk",
    incidents: include_str!("../../../packs/dprk/incidents.csv"),
    claims: include_str!("../../../packs/dprk/claims.csv"),
    actors: include_str!("../../../packs/dprk/actors.csv"),
    sources: include_str!("../../../packs/dprk/sources.csv"),
    totals: include_str!("../../../packs/dprk/totals.csv"),
    gaps: include_str!("../../../packs/dprk/gaps.csv"),
    rates: include_str!("../../../packs/dprk/rates.csv"),
};

/// Looks up a pack by name.
pub fn by_name(name: &str) -> Option<&'static PackFiles> {
    (name == DPRK.name).then_some(&DPRK)
}

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error("{file}:{line}: {message}")]
    Row {
        file: String,
        line: usize,
        message: String,
    },
}

fn row_err(file: &str, row: &Row, message: impl Into<String>) -> PackError {
    PackError::Row {
        file: file.to_string(),
        line: row.line,
        message: message.into(),
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// A source document as the pack cites it.
#[derive(Debug, Clone)]
pub struct SourceDoc {
    pub key: String,
    pub publisher: String,
    pub kind: String,
    pub title: String,
    pub date: String,
    pub url: String,
}

impl SourceDoc {
    pub fn publisher_id(&self) -> String {
        det_id("identity", &format!("publisher/{}", self.publisher))
    }
    pub fn report_id(&self) -> String {
        det_id("report", &format!("source/{}", self.key))
    }
    /// The document symbol in the title (`S/2019/691`), if any.
    pub fn symbol(&self) -> Option<&str> {
        self.title
            .split_whitespace()
            .find(|w| w.starts_with("S/") && w.matches('/').count() == 2)
    }
}

/// Compiles a pack into STIX objects. Every object has a deterministic id.
pub fn compile(files: &PackFiles) -> Result<Vec<StixObject>, PackError> {
    let mut out: Vec<StixObject> = vec![stix::ext::threatledger_identity()];
    out.extend(extension_definitions());

    // Publishers and their documents.
    let mut sources: BTreeMap<String, SourceDoc> = BTreeMap::new();
    for r in csv::parse("sources.csv", files.sources)? {
        let s = SourceDoc {
            key: r.get("key").into(),
            publisher: r.get("publisher").into(),
            kind: r.get("kind").into(),
            title: r.get("title").into(),
            date: r.get("date").into(),
            url: r.get("url").into(),
        };
        sources.insert(s.key.clone(), s);
    }
    let mut publishers = BTreeSet::new();
    for s in sources.values() {
        if publishers.insert(s.publisher.clone()) {
            let class = if s.kind == "researcher" {
                "individual"
            } else {
                "organization"
            };
            out.push(obj(json!({
                "type": "identity", "spec_version": "2.1", "id": s.publisher_id(),
                "created": PACK_TIME, "modified": PACK_TIME, "name": s.publisher,
                "identity_class": class,
                "sectors": if s.kind == "un" || s.kind == "government" { json!(["government-national"]) } else { json!(["technology"]) },
            })));
        }
    }
    let doc_of =
        |key: &str| -> Option<&SourceDoc> { sources.get(key.split(' ').next().unwrap_or(key)) };
    let ext_ref = |key: &str| -> Value {
        match doc_of(key) {
            Some(d) => {
                let mut m = Map::new();
                m.insert("source_name".into(), json!(d.title));
                if !d.url.is_empty() {
                    m.insert("url".into(), json!(d.url));
                }
                if let Some(row) = key.split_once(' ').map(|(_, r)| r) {
                    m.insert("external_id".into(), json!(row));
                    m.insert("description".into(), json!(format!("{key}")));
                }
                Value::Object(m)
            }
            None => json!({"source_name": key}),
        }
    };

    // Actors: intrusion sets, threat actors, the agency and the state.
    let mut actor_ids: BTreeMap<String, String> = BTreeMap::new();
    let actor_rows = csv::parse("actors.csv", files.actors)?;
    for r in &actor_rows {
        let name = r.get("name");
        let kind = r.get("kind");
        let id = match kind {
            "intrusion-set" => det_id("intrusion-set", name),
            "threat-actor" => det_id("threat-actor", name),
            "identity" => det_id("identity", &format!("actor/{name}")),
            other => {
                return Err(row_err(
                    "actors.csv",
                    r,
                    format!(
                        "unknown kind '{other}' (expected intrusion-set, threat-actor or identity)"
                    ),
                ))
            }
        };
        let aliases = list(r.get("aliases"));
        let mut v = json!({
            "type": kind, "spec_version": "2.1", "id": id, "created_by_ref": stix::ext::THREATLEDGER_IDENTITY_ID,
            "created": PACK_TIME, "modified": PACK_TIME, "name": name,
        });
        match kind {
            "intrusion-set" => {
                if !aliases.is_empty() {
                    v["aliases"] = json!(aliases);
                }
                v["primary_motivation"] = json!("organizational-gain");
                v["resource_level"] = json!("government");
            }
            "threat-actor" => {
                if !aliases.is_empty() {
                    v["aliases"] = json!(aliases);
                }
                v["threat_actor_types"] = json!(["nation-state"]);
            }
            _ => {
                v["identity_class"] = json!("organization");
                v["sectors"] = json!(["government-national", "defense"]);
                if !aliases.is_empty() {
                    v["extensions"] = json!({ACTOR_EXT: {"extension_type": "property-extension", "aliases": aliases}});
                }
            }
        }
        let attack = r.get("attack_id");
        if !attack.is_empty() {
            v["external_references"] = json!([{"source_name": "mitre-attack", "external_id": attack,
                "url": format!("https://attack.mitre.org/groups/{attack}/")}]);
        }
        out.push(obj(v));
        actor_ids.insert(name.to_string(), id);
    }
    // The attribution tree: each actor is attributed to its parent.
    for r in &actor_rows {
        let (name, parent) = (r.get("name"), r.get("parent"));
        if parent.is_empty() {
            continue;
        }
        let (Some(src), Some(dst)) = (actor_ids.get(name), actor_ids.get(parent)) else {
            return Err(row_err(
                "actors.csv",
                r,
                format!("parent '{parent}' is not an actor of the pack"),
            ));
        };
        out.push(obj(json!({
            "type": "relationship", "spec_version": "2.1", "id": det_id("relationship", &format!("parent/{name}")),
            "created_by_ref": stix::ext::THREATLEDGER_IDENTITY_ID, "created": PACK_TIME, "modified": PACK_TIME,
            "relationship_type": "attributed-to", "source_ref": src, "target_ref": dst,
            "description": r.get("source"),
        })));
    }
    // The state's country.
    let kp = country_location("KP");
    out.push(kp.clone());
    if let Some(state) = actor_rows.iter().find(|r| r.get("parent").is_empty()) {
        out.push(obj(json!({
            "type": "relationship", "spec_version": "2.1", "id": det_id("relationship", "state-located-at"),
            "created": PACK_TIME, "modified": PACK_TIME, "relationship_type": "located-at",
            "source_ref": actor_ids[state.get("name")], "target_ref": kp.id().as_str(),
        })));
    }

    // Incidents, victims, countries.
    let claims = csv::parse("claims.csv", files.claims)?;
    let mut by_incident: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for c in &claims {
        by_incident.entry(c.get("incident")).or_default().push(c);
    }
    let mut countries_done = BTreeSet::from(["KP".to_string()]);
    let mut doc_refs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in csv::parse("incidents.csv", files.incidents)? {
        let slug = r.get("id");
        let iid = det_id("incident", slug);
        let countries = list(r.get("countries"));
        let victim = r.get("victim");
        let victim_type = r.get("victim_type");
        let sources = list(r.get("sources"));
        let my_claims = by_incident.get(slug).cloned().unwrap_or_default();
        let mut impact_ids = Vec::new();
        let mut determination = "suspected";
        for c in &my_claims {
            let kind = c.get("kind");
            let source = c.get("source");
            let Some(doc) = doc_of(source) else {
                return Err(row_err(
                    "claims.csv",
                    c,
                    format!("source '{source}' is not in sources.csv"),
                ));
            };
            let confidence: u8 = c
                .get("confidence")
                .parse()
                .map_err(|_| row_err("claims.csv", c, "confidence must be 0-100"))?;
            let mut claim = Map::new();
            claim.insert("extension_type".into(), json!("property-extension"));
            claim.insert("kind".into(), json!(kind));
            claim.insert("source".into(), json!(source));
            if !c.get("qualifier").is_empty() {
                claim.insert("qualifier".into(), json!(c.get("qualifier")));
            }
            if !c.get("as_stated").is_empty() {
                claim.insert("as_stated".into(), json!(c.get("as_stated")));
            }
            let claim_key = format!("{slug}/{kind}/{source}");
            if kind == "attribution" {
                let actor = c.get("actor");
                let Some(actor_id) = actor_ids.get(actor) else {
                    return Err(row_err(
                        "claims.csv",
                        c,
                        format!("actor '{actor}' is not in actors.csv"),
                    ));
                };
                let rid = det_id("relationship", &format!("claim/{claim_key}"));
                out.push(obj(json!({
                    "type": "relationship", "spec_version": "2.1", "id": rid,
                    "created_by_ref": doc.publisher_id(), "created": PACK_TIME, "modified": PACK_TIME,
                    "relationship_type": "attributed-to", "source_ref": iid, "target_ref": actor_id,
                    "confidence": confidence, "external_references": [ext_ref(source)],
                    "extensions": {CLAIM_EXT: claim},
                })));
                doc_refs.entry(doc.key.clone()).or_default().insert(rid);
                continue;
            }
            // An amount: the exact decimals in the claim extension, the monetary
            // impact's numbers for other STIX tools.
            let usd = c.get("amount_usd");
            let native = c.get("native_amount");
            let cur = c.get("native_currency");
            for (k, v) in [
                ("amount_usd", usd),
                ("amount_native", native),
                ("currency_native", cur),
            ] {
                if !v.is_empty() {
                    if k != "currency_native" {
                        Amount::parse(v).map_err(|e| row_err("claims.csv", c, e.to_string()))?;
                    }
                    claim.insert(k.into(), json!(v));
                }
            }
            let mut monetary = Map::new();
            monetary.insert("variety".into(), json!("asset-and-fraud"));
            if !usd.is_empty() {
                let n: Value = serde_json::from_str(usd).unwrap_or(Value::Null);
                monetary.insert("currency".into(), json!("usd"));
                monetary.insert("min_amount".into(), n.clone());
                monetary.insert("max_amount".into(), n);
            } else if !native.is_empty() && !cur.contains(';') {
                let n: Value = serde_json::from_str(native).unwrap_or(Value::Null);
                monetary.insert("currency".into(), json!(cur.to_lowercase()));
                monetary.insert("min_amount".into(), n.clone());
                monetary.insert("max_amount".into(), n);
            }
            if kind == "stolen" && !usd.is_empty() && usd != "0" {
                determination = "successful-attempt";
            } else if kind == "attempted" && determination == "suspected" {
                determination = "failed-attempt";
            }
            let pid = det_id("impact", &format!("claim/{claim_key}"));
            out.push(obj(json!({
                "type": "impact", "spec_version": "2.1", "id": pid,
                "created_by_ref": doc.publisher_id(), "created": PACK_TIME, "modified": PACK_TIME,
                "impact_category": "monetary", "confidence": confidence,
                "description": format!("{kind} per {source}"),
                "impacted_refs": [iid],
                "external_references": [ext_ref(source)],
                "extensions": {IMPACT_EXTENSION_ID: {"extension_type": "new-sdo"}, "monetary": monetary, CLAIM_EXT: claim},
            })));
            impact_ids.push(pid.clone());
            doc_refs.entry(doc.key.clone()).or_default().insert(pid);
        }
        let date = r.get("date");
        let name = if victim.is_empty() {
            slug.to_string()
        } else {
            format!("{victim} ({date})")
        };
        let mut ext = Map::new();
        ext.insert("extension_type".into(), json!("property-extension"));
        for (k, v) in [
            ("slug", slug),
            ("date", date),
            ("victim", victim),
            ("victim_type", victim_type),
            ("laundering", r.get("laundering")),
        ] {
            if !v.is_empty() {
                ext.insert(k.into(), json!(v));
            }
        }
        for (k, v) in [
            ("countries", countries.clone()),
            ("methods", list(r.get("methods"))),
            ("chains", list(r.get("chain"))),
            ("sources", sources.clone()),
        ] {
            if !v.is_empty() {
                ext.insert(k.into(), json!(v));
            }
        }
        let mut refs: Vec<Value> = sources.iter().map(|s| ext_ref(s)).collect();
        refs.dedup();
        let mut core = json!({"extension_type": "property-extension", "determination": determination, "investigation_status": "closed"});
        if !impact_ids.is_empty() {
            core["impact_refs"] = json!(impact_ids);
        }
        out.push(obj(json!({
            "type": "incident", "spec_version": "2.1", "id": iid,
            "created_by_ref": stix::ext::THREATLEDGER_IDENTITY_ID, "created": PACK_TIME, "modified": PACK_TIME,
            "name": name,
            "description": format!("{} ({}). Sources: {}.", if victim.is_empty() { slug } else { victim }, date, sources.join("; ")),
            "external_references": refs,
            "extensions": {
                INCIDENT_CORE_EXTENSION_ID: core,
                INCIDENT_EXT: ext,
            },
        })));
        for s in &sources {
            if let Some(d) = doc_of(s) {
                doc_refs
                    .entry(d.key.clone())
                    .or_default()
                    .insert(iid.clone());
            }
        }
        // The victim and where it is.
        if !victim.is_empty() && !victim.starts_with("unnamed") {
            let vid = det_id("identity", &format!("victim/{victim}"));
            let mut v = json!({
                "type": "identity", "spec_version": "2.1", "id": vid,
                "created_by_ref": stix::ext::THREATLEDGER_IDENTITY_ID, "created": PACK_TIME, "modified": PACK_TIME,
                "name": victim, "identity_class": "organization",
            });
            let sectors = vocab::stix_sectors(victim_type);
            if !sectors.is_empty() {
                v["sectors"] = json!(sectors);
            }
            out.push(obj(v));
            out.push(obj(json!({
                "type": "relationship", "spec_version": "2.1", "id": det_id("relationship", &format!("targets/{slug}")),
                "created_by_ref": stix::ext::THREATLEDGER_IDENTITY_ID, "created": PACK_TIME, "modified": PACK_TIME,
                "relationship_type": "targets", "source_ref": iid, "target_ref": vid,
            })));
        }
        for cc in &countries {
            if countries_done.insert(cc.clone()) {
                out.push(country_location(cc));
            }
            out.push(obj(json!({
                "type": "relationship", "spec_version": "2.1", "id": det_id("relationship", &format!("located-at/{slug}/{cc}")),
                "created_by_ref": stix::ext::THREATLEDGER_IDENTITY_ID, "created": PACK_TIME, "modified": PACK_TIME,
                "relationship_type": "located-at", "source_ref": iid, "target_ref": det_id("location", &format!("country/{cc}")),
            })));
        }
    }

    // Published totals and gaps, as notes by their publishers.
    let state_id = actor_rows
        .iter()
        .find(|r| r.get("parent").is_empty())
        .map(|r| actor_ids[r.get("name")].clone())
        .unwrap_or_default();
    for (i, r) in csv::parse("totals.csv", files.totals)?.iter().enumerate() {
        let publisher = r.get("publisher");
        let pid = det_id("identity", &format!("publisher/{publisher}"));
        if publishers.insert(publisher.to_string()) {
            out.push(obj(json!({
                "type": "identity", "spec_version": "2.1", "id": pid, "created": PACK_TIME, "modified": PACK_TIME,
                "name": publisher, "identity_class": "organization",
            })));
        }
        let amount = r.get("amount_usd");
        if !amount.is_empty() {
            Amount::parse(amount).map_err(|e| row_err("totals.csv", r, e.to_string()))?;
        }
        let mut ext = Map::new();
        ext.insert("extension_type".into(), json!("property-extension"));
        for k in [
            "period",
            "amount_usd",
            "incident_count",
            "basis",
            "qualifier",
            "superseded",
        ] {
            if !r.get(k).is_empty() {
                ext.insert(k.into(), json!(r.get(k)));
            }
        }
        let mut v = json!({
            "type": "note", "spec_version": "2.1", "id": det_id("note", &format!("total/{i}/{publisher}/{}", r.get("period"))),
            "created_by_ref": pid, "created": PACK_TIME, "modified": PACK_TIME,
            "abstract": format!("{publisher}: DPRK theft total for {}", r.get("period")),
            "content": format!("{publisher} published USD {} for {}{}{}.",
                if amount.is_empty() { "(no figure)" } else { amount }, r.get("period"),
                if r.get("incident_count").is_empty() { String::new() } else { format!(" ({} incidents)", r.get("incident_count")) },
                if r.get("qualifier").is_empty() { String::new() } else { format!(", {}", r.get("qualifier")) }),
            "object_refs": [state_id],
            "extensions": {TOTAL_EXT: ext},
        });
        if !r.get("source_url").is_empty() {
            v["external_references"] =
                json!([{"source_name": publisher, "url": list(r.get("source_url"))[0]}]);
        }
        out.push(obj(v));
    }
    for r in csv::parse("gaps.csv", files.gaps)? {
        out.push(obj(json!({
            "type": "note", "spec_version": "2.1", "id": det_id("note", &format!("gap/{}", r.get("id"))),
            "created_by_ref": stix::ext::THREATLEDGER_IDENTITY_ID, "created": PACK_TIME, "modified": PACK_TIME,
            "abstract": format!("Gap: {}", r.get("kind")), "content": format!("{} (source: {})", r.get("description"), r.get("source")),
            "object_refs": [state_id],
            "extensions": {GAP_EXT: {"extension_type": "property-extension", "scope": r.get("scope"), "kind": r.get("kind"), "description": r.get("description")}},
        })));
    }
    // One report per source document, referring to what it supports.
    for (key, refs) in &doc_refs {
        let d = &sources[key];
        out.push(obj(json!({
            "type": "report", "spec_version": "2.1", "id": d.report_id(),
            "created_by_ref": d.publisher_id(), "created": PACK_TIME, "modified": PACK_TIME,
            "name": d.title, "published": format!("{}T00:00:00Z", normalize_date(&d.date)),
            "report_types": ["threat-report"],
            "object_refs": refs.iter().collect::<Vec<_>>(),
            "external_references": [{"source_name": d.publisher, "url": d.url, "external_id": key}],
        })));
    }
    // The rate table: not STIX, carried by the ledger (see `rates`).
    let _ = &files.rates;
    Ok(out)
}

fn normalize_date(d: &str) -> String {
    match d.len() {
        4 => format!("{d}-01-01"),
        7 => format!("{d}-01"),
        _ => d.chars().take(10).collect(),
    }
}

/// The location object of a country (deterministic id per ISO code).
pub fn country_location(cc: &str) -> StixObject {
    obj(json!({
        "type": "location", "spec_version": "2.1", "id": det_id("location", &format!("country/{cc}")),
        "created_by_ref": stix::ext::THREATLEDGER_IDENTITY_ID, "created": PACK_TIME, "modified": PACK_TIME,
        "name": crate::countries::name(cc).unwrap_or(cc), "country": cc,
    }))
}
