//! The ledger as values: incidents with every amount and attribution claim and
//! who makes it, read back from STIX objects (whatever brought them: the pack,
//! TAXII, an extracted report), so that every query works on the same model.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;
use stix::ext::Tlp;
use stix::StixObject;

use crate::money::{Amount, Currency, Money};
use crate::rates::{Conversion, RateTable};
use crate::stixmap::*;

/// What a claimed amount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AmountKind {
    Stolen,
    Attempted,
    Recovered,
}

impl AmountKind {
    pub fn parse(s: &str) -> Option<AmountKind> {
        Some(match s {
            "stolen" => AmountKind::Stolen,
            "attempted" => AmountKind::Attempted,
            "recovered" | "frozen" => AmountKind::Recovered,
            _ => return None,
        })
    }
}

/// One source's figure for one incident.
#[derive(Debug, Clone, Serialize)]
pub struct AmountClaim {
    pub impact_id: String,
    pub kind: AmountKind,
    /// Source key (`UN19 A3`, `FBI23a`).
    pub source: String,
    /// The publisher (identity id) making the claim.
    pub by: Option<String>,
    pub usd: Option<Amount>,
    pub native: Option<Money>,
    /// When `usd` was computed from `native`: the rate, its date and basis.
    pub conversion: Option<Conversion>,
    pub qualifier: Option<String>,
    pub confidence: u8,
    pub as_stated: Option<String>,
}

/// One source's attribution of an incident.
#[derive(Debug, Clone, Serialize)]
pub struct AttributionClaim {
    pub relationship_id: String,
    pub actor_id: String,
    pub actor: String,
    pub source: String,
    pub by: Option<String>,
    pub confidence: u8,
    pub as_stated: Option<String>,
}

/// A theft or attempt with everything claimed about it.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// As precise as the sources: `2016`, `2016-02`, `2016-02-04`, `2017-05/2017-09`.
    pub date: String,
    pub year: Option<i32>,
    pub victim: String,
    pub victim_type: String,
    pub countries: Vec<String>,
    pub methods: Vec<String>,
    pub chains: Vec<String>,
    pub laundering: String,
    pub sources: Vec<String>,
    pub determination: Option<String>,
    pub amounts: Vec<AmountClaim>,
    pub attributions: Vec<AttributionClaim>,
    /// Set when this incident was merged into another (it is then not counted).
    pub merged_into: Option<String>,
    pub tlp: Option<Tlp>,
}

/// An actor of the attribution tree.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub aliases: Vec<String>,
    /// Ids of what this actor is attributed to (its parents in the tree).
    pub parents: Vec<String>,
}

/// A total published by a source.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedTotal {
    pub note_id: String,
    pub publisher: String,
    pub period: String,
    pub amount_usd: Option<Amount>,
    pub incident_count: Option<u64>,
    pub basis: String,
    pub qualifier: Option<String>,
    pub superseded: bool,
}

/// A known gap in the sources.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub scope: String,
    pub kind: String,
    pub description: String,
}

/// A source document (a `report` the ledger's claims cite).
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub key: String,
    pub title: String,
    pub publisher: String,
    pub published: String,
    pub url: Option<String>,
}

/// Everything the queries need, built once from the stored objects.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ledger {
    pub incidents: Vec<Incident>,
    pub actors: BTreeMap<String, Actor>,
    pub totals: Vec<PublishedTotal>,
    pub gaps: Vec<Gap>,
    pub sources: BTreeMap<String, Source>,
    pub identities: BTreeMap<String, String>,
}

fn year_of(date: &str) -> Option<i32> {
    date.get(..4).and_then(|y| y.parse().ok())
}

fn amount_field(o: &StixObject, key: &str) -> Option<Amount> {
    ext_str(o, CLAIM_EXT, key).and_then(|s| Amount::parse(s).ok())
}

/// The STIX types the ledger reads.
pub const LEDGER_TYPES: &[&str] = &[
    "incident",
    "impact",
    "relationship",
    "intrusion-set",
    "threat-actor",
    "identity",
    "note",
    "report",
];

impl Ledger {
    /// Builds the ledger from stored objects (latest versions, revoked ones left
    /// out by the caller). `rates` converts native-only amounts to USD.
    pub fn from_objects<'a>(
        objects: impl IntoIterator<Item = &'a StixObject>,
        rates: &RateTable,
    ) -> Ledger {
        let mut l = Ledger::default();
        let mut impacts: HashMap<String, Vec<AmountClaim>> = HashMap::new();
        let mut attributions: HashMap<String, Vec<AttributionClaim>> = HashMap::new();
        let mut parents: Vec<(String, String)> = Vec::new();
        let mut incidents = Vec::new();
        for o in objects {
            match o.object_type() {
                "incident" => incidents.push(o),
                "impact" => {
                    let Some(kind) = ext_str(o, CLAIM_EXT, "kind").and_then(AmountKind::parse)
                    else {
                        continue;
                    };
                    let native = match (
                        amount_field(o, "amount_native"),
                        ext_str(o, CLAIM_EXT, "currency_native"),
                    ) {
                        (Some(a), Some(c)) if !c.contains(';') => {
                            Some(Money::new(a, Currency::new(c)))
                        }
                        _ => None,
                    };
                    let mut claim = AmountClaim {
                        impact_id: o.id().to_string(),
                        kind,
                        source: ext_str(o, CLAIM_EXT, "source").unwrap_or("").to_string(),
                        by: o.created_by_ref().map(str::to_string),
                        usd: amount_field(o, "amount_usd"),
                        native,
                        conversion: None,
                        qualifier: ext_str(o, CLAIM_EXT, "qualifier").map(str::to_string),
                        confidence: o.confidence().unwrap_or(0).clamp(0, 100) as u8,
                        as_stated: ext_str(o, CLAIM_EXT, "as_stated").map(str::to_string),
                    };
                    let targets: Vec<String> = o
                        .get("impacted_refs")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    for t in targets {
                        impacts.entry(t).or_default().push(claim.clone());
                    }
                    claim.conversion = None;
                }
                "relationship" if o.get_str("relationship_type") == Some("attributed-to") => {
                    let (Some(src), Some(dst)) = (o.get_str("source_ref"), o.get_str("target_ref"))
                    else {
                        continue;
                    };
                    if src.starts_with("incident--") {
                        attributions
                            .entry(src.to_string())
                            .or_default()
                            .push(AttributionClaim {
                                relationship_id: o.id().to_string(),
                                actor_id: dst.to_string(),
                                actor: String::new(),
                                source: ext_str(o, CLAIM_EXT, "source").unwrap_or("").to_string(),
                                by: o.created_by_ref().map(str::to_string),
                                confidence: o.confidence().unwrap_or(0).clamp(0, 100) as u8,
                                as_stated: ext_str(o, CLAIM_EXT, "as_stated").map(str::to_string),
                            });
                    } else {
                        parents.push((src.to_string(), dst.to_string()));
                    }
                }
                "intrusion-set" | "threat-actor" => {
                    let aliases = o
                        .get("aliases")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    l.actors.insert(
                        o.id().to_string(),
                        Actor {
                            id: o.id().to_string(),
                            name: o.name().unwrap_or("").to_string(),
                            kind: o.object_type().to_string(),
                            aliases,
                            parents: vec![],
                        },
                    );
                }
                "identity" => {
                    l.identities
                        .insert(o.id().to_string(), o.name().unwrap_or("").to_string());
                    let aliases = ext_list(o, ACTOR_EXT, "aliases");
                    if !aliases.is_empty() {
                        l.actors.insert(
                            o.id().to_string(),
                            Actor {
                                id: o.id().to_string(),
                                name: o.name().unwrap_or("").to_string(),
                                kind: "identity".into(),
                                aliases,
                                parents: vec![],
                            },
                        );
                    }
                }
                "note" => {
                    if ext_str(o, TOTAL_EXT, "period").is_some() {
                        l.totals.push(PublishedTotal {
                            note_id: o.id().to_string(),
                            publisher: o.created_by_ref().unwrap_or("").to_string(),
                            period: ext_str(o, TOTAL_EXT, "period").unwrap_or("").to_string(),
                            amount_usd: ext_str(o, TOTAL_EXT, "amount_usd")
                                .and_then(|s| Amount::parse(s).ok()),
                            incident_count: ext_str(o, TOTAL_EXT, "incident_count")
                                .and_then(|s| s.parse().ok()),
                            basis: ext_str(o, TOTAL_EXT, "basis").unwrap_or("").to_string(),
                            qualifier: ext_str(o, TOTAL_EXT, "qualifier").map(str::to_string),
                            superseded: ext_str(o, TOTAL_EXT, "superseded") == Some("yes"),
                        });
                    } else if let Some(kind) = ext_str(o, GAP_EXT, "kind") {
                        l.gaps.push(Gap {
                            scope: ext_str(o, GAP_EXT, "scope").unwrap_or("").to_string(),
                            kind: kind.to_string(),
                            description: ext_str(o, GAP_EXT, "description")
                                .unwrap_or("")
                                .to_string(),
                        });
                    }
                }
                "report" => {
                    let key = o
                        .get("external_references")
                        .and_then(Value::as_array)
                        .and_then(|a| {
                            a.iter()
                                .find_map(|r| r.get("external_id").and_then(Value::as_str))
                        })
                        .unwrap_or("")
                        .to_string();
                    if !key.is_empty() {
                        let url = o
                            .get("external_references")
                            .and_then(Value::as_array)
                            .and_then(|a| {
                                a.iter().find_map(|r| r.get("url").and_then(Value::as_str))
                            })
                            .map(str::to_string);
                        l.sources.insert(
                            key.clone(),
                            Source {
                                key,
                                title: o.name().unwrap_or("").to_string(),
                                publisher: o.created_by_ref().unwrap_or("").to_string(),
                                published: o.get_str("published").unwrap_or("").to_string(),
                                url,
                            },
                        );
                    }
                }
                _ => {}
            }
        }
        // Identities that are actors (the agency, the state) join the tree too.
        for (child, parent) in &parents {
            for id in [child, parent] {
                if !l.actors.contains_key(id) {
                    if let Some(name) = l.identities.get(id) {
                        l.actors.insert(
                            id.clone(),
                            Actor {
                                id: id.clone(),
                                name: name.clone(),
                                kind: "identity".into(),
                                aliases: vec![],
                                parents: vec![],
                            },
                        );
                    }
                }
            }
            if let Some(a) = l.actors.get_mut(child) {
                a.parents.push(parent.clone());
            }
        }
        for o in incidents {
            let id = o.id().to_string();
            let date = ext_str(o, INCIDENT_EXT, "date").unwrap_or("").to_string();
            let mut amounts = impacts.remove(&id).unwrap_or_default();
            for a in &mut amounts {
                if a.usd.is_none() {
                    if let Some(native) = &a.native {
                        if let Some((usd, conv)) = rates.to_usd(native, &date) {
                            a.usd = Some(usd);
                            a.conversion = Some(conv);
                        }
                    }
                }
            }
            amounts.sort_by(|a, b| (a.kind, &a.source).cmp(&(b.kind, &b.source)));
            let mut attrs = attributions.remove(&id).unwrap_or_default();
            for a in &mut attrs {
                a.actor = l
                    .actors
                    .get(&a.actor_id)
                    .map(|x| x.name.clone())
                    .or_else(|| l.identities.get(&a.actor_id).cloned())
                    .unwrap_or_else(|| a.actor_id.clone());
            }
            attrs.sort_by(|a, b| a.source.cmp(&b.source));
            l.incidents.push(Incident {
                slug: ext_str(o, INCIDENT_EXT, "slug")
                    .unwrap_or(o.id().as_str())
                    .to_string(),
                name: o.name().unwrap_or("").to_string(),
                year: year_of(&date),
                date,
                victim: ext_str(o, INCIDENT_EXT, "victim").unwrap_or("").to_string(),
                victim_type: ext_str(o, INCIDENT_EXT, "victim_type")
                    .unwrap_or("")
                    .to_string(),
                countries: ext_list(o, INCIDENT_EXT, "countries"),
                methods: ext_list(o, INCIDENT_EXT, "methods"),
                chains: ext_list(o, INCIDENT_EXT, "chains"),
                laundering: ext_str(o, INCIDENT_EXT, "laundering")
                    .unwrap_or("")
                    .to_string(),
                sources: ext_list(o, INCIDENT_EXT, "sources"),
                determination: o
                    .get("extensions")
                    .and_then(|e| e.get(stix::ext::INCIDENT_CORE_EXTENSION_ID))
                    .and_then(|e| e.get("determination"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                amounts,
                attributions: attrs,
                merged_into: ext_str(o, INCIDENT_EXT, "merged_into").map(str::to_string),
                tlp: stix::ext::object_tlp(o),
                id,
            });
        }
        l.incidents
            .sort_by(|a, b| (&a.date, &a.slug).cmp(&(&b.date, &b.slug)));
        l
    }

    /// An actor by id, name or alias (case-insensitive).
    pub fn find_actor(&self, q: &str) -> Option<&Actor> {
        let ql = q.to_lowercase();
        self.actors.values().find(|a| {
            a.id == q
                || a.name.to_lowercase() == ql
                || a.aliases.iter().any(|x| x.to_lowercase() == ql)
        })
    }

    /// Whether `id` is `ancestor` or below it in the attribution tree.
    pub fn descends_from(&self, id: &str, ancestor: &str) -> bool {
        let mut stack = vec![id.to_string()];
        let mut seen = std::collections::HashSet::new();
        while let Some(x) = stack.pop() {
            if x == ancestor {
                return true;
            }
            if !seen.insert(x.clone()) {
                continue;
            }
            if let Some(a) = self.actors.get(&x) {
                stack.extend(a.parents.iter().cloned());
            }
        }
        false
    }

    /// The attribution chain of an actor up to the root (`Lazarus Group → RGB → DPRK`).
    pub fn chain_of(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = Some(id.to_string());
        while let Some(x) = cur {
            if out.contains(&x) {
                break;
            }
            let a = self.actors.get(&x);
            out.push(x);
            cur = a.and_then(|a| a.parents.first().cloned());
        }
        out.into_iter()
            .map(|x| self.actors.get(&x).map(|a| a.name.clone()).unwrap_or(x))
            .collect()
    }

    pub fn identity_name(&self, id: &str) -> String {
        self.identities
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}
