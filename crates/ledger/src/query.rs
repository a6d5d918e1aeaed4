//! The ledger's questions: how much, from whom, where, how sure, who says so.
//! Every figure the CLI, reports, digests and the UI show comes from here.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::*;
use crate::money::{human_usd, Amount};
use crate::vocab;

/// Which incidents and claims a question is about.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Filter {
    /// Source keys, document symbols (`S/2019/691`), titles or publishers.
    pub sources: Vec<String>,
    /// An actor by name or alias: incidents attributed to it or below it.
    pub actor: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Target group (`bank`, `crypto_exchange`, …) or victim type.
    pub sector: Option<String>,
    /// Attack vector (`swift`, `exchange_hack`, …).
    pub vector: Option<String>,
    pub from_year: Option<i32>,
    pub to_year: Option<i32>,
    /// Attribution claims below this confidence do not count.
    pub min_confidence: u8,
}

impl Ledger {
    /// Whether a claim's source key matches a source specification.
    pub fn source_matches(&self, key: &str, spec: &str) -> bool {
        let doc = key.split(' ').next().unwrap_or(key);
        let s = spec.to_lowercase();
        if key.eq_ignore_ascii_case(spec) || doc.eq_ignore_ascii_case(spec) {
            return true;
        }
        match self.sources.get(doc) {
            Some(src) => {
                src.title.to_lowercase().split_whitespace().any(|w| w == s)
                    || src.title.to_lowercase().starts_with(&s)
                    || self.identity_name(&src.publisher).to_lowercase() == s
            }
            None => false,
        }
    }

    fn claim_in(&self, f: &Filter, key: &str) -> bool {
        f.sources.is_empty() || f.sources.iter().any(|s| self.source_matches(key, s))
    }

    /// Incidents with the claims of incidents merged into them folded in.
    pub fn effective_incidents(&self) -> Vec<Incident> {
        let mut out: Vec<Incident> = self
            .incidents
            .iter()
            .filter(|i| i.merged_into.is_none())
            .cloned()
            .collect();
        for m in self.incidents.iter().filter(|i| i.merged_into.is_some()) {
            if let Some(t) = out
                .iter_mut()
                .find(|t| Some(&t.id) == m.merged_into.as_ref())
            {
                t.amounts.extend(m.amounts.iter().cloned());
                t.attributions.extend(m.attributions.iter().cloned());
                for s in &m.sources {
                    if !t.sources.contains(s) {
                        t.sources.push(s.clone());
                    }
                }
            }
        }
        out
    }

    /// The incidents a filter selects, each with only the claims it counts.
    pub fn select(&self, f: &Filter) -> Vec<Incident> {
        let actor = f.actor.as_ref().map(|a| {
            self.find_actor(a)
                .map(|x| x.id.clone())
                .unwrap_or_else(|| format!("?{a}"))
        });
        let mut out = Vec::new();
        for mut i in self.effective_incidents() {
            i.amounts.retain(|c| self.claim_in(f, &c.source));
            i.attributions
                .retain(|c| self.claim_in(f, &c.source) && c.confidence >= f.min_confidence);
            let cited = i.sources.iter().any(|s| self.claim_in(f, s));
            if !f.sources.is_empty() && i.amounts.is_empty() && i.attributions.is_empty() && !cited
            {
                continue;
            }
            if f.min_confidence > 0 && i.attributions.is_empty() {
                continue;
            }
            if let Some(a) = &actor {
                if !i
                    .attributions
                    .iter()
                    .any(|c| self.descends_from(&c.actor_id, a))
                {
                    continue;
                }
            }
            if let Some(cc) = &f.country {
                if !i.countries.iter().any(|c| c.eq_ignore_ascii_case(cc)) {
                    continue;
                }
            }
            if let Some(s) = &f.sector {
                if vocab::target_group(&i.victim_type) != s && &i.victim_type != s {
                    continue;
                }
            }
            if let Some(v) = &f.vector {
                if !i.methods.iter().any(|m| m == v) {
                    continue;
                }
            }
            if f.from_year.is_some_and(|y| i.year.is_none_or(|iy| iy < y))
                || f.to_year.is_some_and(|y| i.year.is_none_or(|iy| iy > y))
            {
                continue;
            }
            out.push(i);
        }
        out
    }
}

/// The figure an incident counts for one kind of amount: the claim with USD of
/// the highest confidence (ties: the first source key). Others stay visible in `show`.
pub fn chosen(i: &Incident, kind: AmountKind) -> Option<&AmountClaim> {
    i.amounts
        .iter()
        .filter(|c| c.kind == kind && c.usd.is_some())
        .max_by(|a, b| {
            a.confidence
                .cmp(&b.confidence)
                .then_with(|| b.source.cmp(&a.source))
        })
}

/// Totals of one group (a year, a target type, a vector, an actor).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Bucket {
    pub incidents: u64,
    pub attempted_usd: Amount,
    pub stolen_usd: Amount,
    pub recovered_usd: Amount,
}

impl Bucket {
    fn add(&mut self, i: &Incident) {
        self.incidents += 1;
        for (kind, slot) in [
            (AmountKind::Attempted, &mut self.attempted_usd),
            (AmountKind::Stolen, &mut self.stolen_usd),
            (AmountKind::Recovered, &mut self.recovered_usd),
        ] {
            if let Some(c) = chosen(i, kind) {
                *slot = slot.checked_add(c.usd.unwrap_or_default()).unwrap_or(*slot);
            }
        }
    }
}

/// A source and how many selected incidents it supports.
#[derive(Debug, Clone, Serialize)]
pub struct SourceCount {
    pub key: String,
    pub title: String,
    pub incidents: u64,
}

/// `ledger summary`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub incidents: u64,
    pub countries: Vec<String>,
    pub country_count: usize,
    pub attempted_usd: Amount,
    pub stolen_usd: Amount,
    pub recovered_usd: Amount,
    pub by_target_type: BTreeMap<String, Bucket>,
    pub by_year: BTreeMap<String, Bucket>,
    pub by_vector: BTreeMap<String, Bucket>,
    pub by_actor: BTreeMap<String, Bucket>,
    pub sources: Vec<SourceCount>,
    /// Incidents with no country in the sources.
    pub without_country: u64,
    /// Incidents with no USD figure at all.
    pub without_usd: u64,
    /// Native amounts converted with the rate table (incident, amount, rate, date, basis).
    pub conversions: Vec<String>,
    /// Known gaps in the selected sources.
    pub gaps: Vec<Gap>,
    pub filter: Filter,
}

/// Computes the summary of the incidents a filter selects.
pub fn summary(l: &Ledger, f: &Filter) -> Summary {
    let sel = l.select(f);
    let mut total = Bucket::default();
    let mut countries = BTreeSet::new();
    let mut by_target_type: BTreeMap<String, Bucket> = BTreeMap::new();
    let mut by_year: BTreeMap<String, Bucket> = BTreeMap::new();
    let mut by_vector: BTreeMap<String, Bucket> = BTreeMap::new();
    let mut by_actor: BTreeMap<String, Bucket> = BTreeMap::new();
    let mut src_counts: BTreeMap<String, u64> = BTreeMap::new();
    let (mut without_country, mut without_usd) = (0, 0);
    let mut conversions = Vec::new();
    for i in &sel {
        total.add(i);
        countries.extend(i.countries.iter().cloned());
        if i.countries.is_empty() {
            without_country += 1;
        }
        if i.amounts.iter().all(|c| c.usd.is_none()) {
            without_usd += 1;
        }
        by_target_type
            .entry(vocab::target_group(&i.victim_type).to_string())
            .or_default()
            .add(i);
        by_year
            .entry(
                i.year
                    .map(|y| y.to_string())
                    .unwrap_or_else(|| "unknown".into()),
            )
            .or_default()
            .add(i);
        if i.methods.is_empty() {
            by_vector.entry("not stated".into()).or_default().add(i);
        }
        for m in &i.methods {
            by_vector.entry(m.clone()).or_default().add(i);
        }
        // Each incident counts once per actor named by its strongest claim.
        if let Some(best) = i.attributions.iter().max_by_key(|c| c.confidence) {
            by_actor.entry(best.actor.clone()).or_default().add(i);
        }
        let mut docs = BTreeSet::new();
        for s in i
            .sources
            .iter()
            .chain(i.amounts.iter().map(|c| &c.source))
            .chain(i.attributions.iter().map(|c| &c.source))
        {
            if f.sources.is_empty() || f.sources.iter().any(|x| l.source_matches(s, x)) {
                docs.insert(s.split(' ').next().unwrap_or(s).to_string());
            }
        }
        for d in docs {
            *src_counts.entry(d).or_default() += 1;
        }
        for c in &i.amounts {
            if let (Some(conv), Some(native)) = (&c.conversion, &c.native) {
                conversions.push(format!(
                    "{}: {} = {} at {} USD/{} on {} ({})",
                    i.slug,
                    native,
                    human_usd(c.usd.unwrap_or_default()),
                    conv.rate,
                    native.currency,
                    conv.date,
                    conv.basis
                ));
            }
        }
    }
    let scopes: Vec<String> = f.sources.iter().map(|s| s.to_lowercase()).collect();
    let gaps = l
        .gaps
        .iter()
        .filter(|g| {
            f.sources.is_empty()
                || f.sources
                    .iter()
                    .any(|s| l.source_matches(g.scope.split(' ').next().unwrap_or(&g.scope), s))
                || scopes.iter().any(|s| g.scope.to_lowercase().contains(s))
        })
        .cloned()
        .collect();
    Summary {
        incidents: total.incidents,
        country_count: countries.len(),
        countries: countries.into_iter().collect(),
        attempted_usd: total.attempted_usd,
        stolen_usd: total.stolen_usd,
        recovered_usd: total.recovered_usd,
        by_target_type,
        by_year,
        by_vector,
        by_actor,
        sources: src_counts
            .into_iter()
            .map(|(key, incidents)| SourceCount {
                title: l
                    .sources
                    .get(&key)
                    .map(|s| s.title.clone())
                    .unwrap_or_default(),
                key,
                incidents,
            })
            .collect(),
        without_country,
        without_usd,
        conversions,
        gaps,
        filter: f.clone(),
    }
}

/// One row of `ledger incidents`.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentRow {
    pub id: String,
    pub slug: String,
    pub date: String,
    pub victim: String,
    pub target_type: String,
    pub countries: Vec<String>,
    pub methods: Vec<String>,
    pub attempted_usd: Option<Amount>,
    pub stolen_usd: Option<Amount>,
    pub recovered_usd: Option<Amount>,
    pub actor: Option<String>,
    pub confidence: Option<u8>,
    pub sources: Vec<String>,
}

pub fn incident_rows(l: &Ledger, f: &Filter) -> Vec<IncidentRow> {
    l.select(f)
        .iter()
        .map(|i| {
            let best = i.attributions.iter().max_by_key(|c| c.confidence);
            IncidentRow {
                id: i.id.clone(),
                slug: i.slug.clone(),
                date: i.date.clone(),
                victim: i.victim.clone(),
                target_type: vocab::target_group(&i.victim_type).to_string(),
                countries: i.countries.clone(),
                methods: i.methods.clone(),
                attempted_usd: chosen(i, AmountKind::Attempted).and_then(|c| c.usd),
                stolen_usd: chosen(i, AmountKind::Stolen).and_then(|c| c.usd),
                recovered_usd: chosen(i, AmountKind::Recovered).and_then(|c| c.usd),
                actor: best.map(|c| c.actor.clone()),
                confidence: best.map(|c| c.confidence),
                sources: i.sources.clone(),
            }
        })
        .collect()
}

/// `ledger show`: one incident with all its claims, side by side.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentDetail {
    pub incident: Incident,
    pub target_type: String,
    /// The figure counted for each kind, and why.
    pub counted: BTreeMap<String, Option<String>>,
    /// Attribution chain of each claimed actor (actor → … → state).
    pub chains: BTreeMap<String, Vec<String>>,
    /// Confidence on the low/medium/high and Admiralty scales, per attribution claim.
    pub confidence_scales: Vec<(String, u8, String, String)>,
    /// Incidents merged into this one.
    pub merged: Vec<String>,
}

pub fn show(l: &Ledger, id_or_slug: &str) -> Option<IncidentDetail> {
    let i = l
        .effective_incidents()
        .into_iter()
        .find(|i| i.id == id_or_slug || i.slug == id_or_slug)?;
    let mut counted = BTreeMap::new();
    for kind in [
        AmountKind::Attempted,
        AmountKind::Stolen,
        AmountKind::Recovered,
    ] {
        let key = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        counted.insert(
            key,
            chosen(&i, kind).map(|c| {
                format!(
                    "{} per {} (confidence {})",
                    human_usd(c.usd.unwrap_or_default()),
                    c.source,
                    c.confidence
                )
            }),
        );
    }
    let chains = i
        .attributions
        .iter()
        .map(|c| (c.actor.clone(), l.chain_of(&c.actor_id)))
        .collect();
    let confidence_scales = i
        .attributions
        .iter()
        .map(|c| {
            let (lmh, adm) = vocab::confidence_scales(c.confidence);
            (
                c.source.clone(),
                c.confidence,
                lmh.to_string(),
                adm.to_string(),
            )
        })
        .collect();
    let merged = l
        .incidents
        .iter()
        .filter(|m| m.merged_into.as_deref() == Some(i.id.as_str()))
        .map(|m| m.slug.clone())
        .collect();
    Some(IncidentDetail {
        target_type: vocab::target_group(&i.victim_type).to_string(),
        incident: i,
        counted,
        chains,
        confidence_scales,
        merged,
    })
}

/// One published figure beside the ledger's own.
#[derive(Debug, Clone, Serialize)]
pub struct CompareRow {
    pub publisher: String,
    pub period: String,
    pub published_usd: Option<Amount>,
    pub published_incidents: Option<u64>,
    pub basis: String,
    pub qualifier: Option<String>,
    pub superseded: bool,
    /// Ours over the same period: all incidents, and crypto businesses only.
    pub ledger_stolen_usd: Amount,
    pub ledger_crypto_stolen_usd: Amount,
    pub ledger_incidents: u64,
    pub difference_usd: Option<Amount>,
    pub explanation: String,
}

/// `ledger compare --year Y`: every published total for the year beside ours.
pub fn compare(l: &Ledger, year: i32) -> Vec<CompareRow> {
    let f = Filter {
        from_year: Some(year),
        to_year: Some(year),
        ..Filter::default()
    };
    let sel = l.select(&f);
    let mut all = Bucket::default();
    let mut crypto = Bucket::default();
    for i in &sel {
        all.add(i);
        if !matches!(
            vocab::target_group(&i.victim_type),
            "bank" | "unknown" | "other"
        ) || i.victim_type.is_empty() && !i.chains.is_empty()
        {
            crypto.add(i);
        }
    }
    let y = year.to_string();
    let mut rows: Vec<CompareRow> = l
        .totals
        .iter()
        .filter(|t| t.period == y || t.period.starts_with(&format!("{y}-")))
        .map(|t| {
            let publisher = l.identity_name(&t.publisher);
            let crypto_only = ["Chainalysis", "TRM", "Elliptic", "tayvano"].iter().any(|p| publisher.contains(p));
            let ours = if crypto_only { crypto.stolen_usd } else { all.stolen_usd };
            let difference = t.amount_usd.map(|p| ours.checked_add(-p).unwrap_or(ours));
            let mut why = Vec::new();
            if let Some(p) = t.amount_usd {
                let d = ours.checked_add(-p).unwrap_or_default();
                let pct = if p.is_zero() { 0.0 } else { d.to_f64() / p.to_f64() * 100.0 };
                why.push(format!(
                    "the ledger's {}rows add up to {} against {} published ({}{:.0}%)",
                    if crypto_only { "crypto " } else { "" },
                    human_usd(ours),
                    human_usd(p),
                    if pct >= 0.0 { "+" } else { "" },
                    pct
                ));
            }
            if crypto_only {
                why.push(format!("{publisher} counts cryptocurrency thefts only, so bank thefts are left out of ours"));
            }
            if t.period.len() > 4 {
                why.push(format!("the published figure covers {} only", t.period));
            }
            if let Some(q) = &t.qualifier {
                why.push(format!("the published figure is qualified: {q}"));
            }
            if t.superseded {
                why.push("superseded by a later figure of the same publisher".into());
            }
            why.push("sources differ in attribution threshold, valuation date and scope; rows without a USD figure add nothing".into());
            CompareRow {
                publisher,
                period: t.period.clone(),
                published_usd: t.amount_usd,
                published_incidents: t.incident_count,
                basis: t.basis.clone(),
                qualifier: t.qualifier.clone(),
                superseded: t.superseded,
                ledger_stolen_usd: all.stolen_usd,
                ledger_crypto_stolen_usd: crypto.stolen_usd,
                ledger_incidents: all.incidents,
                difference_usd: difference,
                explanation: why.join("; "),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.publisher, &a.period).cmp(&(&b.publisher, &b.period)));
    rows
}

/// A figure a report states (from extraction), to be checked against the ledger.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub enum ReportFigure {
    Money {
        usd: Amount,
        qualifier: Option<String>,
    },
    Count {
        value: u64,
        unit: String,
        qualifier: Option<String>,
    },
}

/// The figures a report states, read from its `ledger-figure` notes.
pub fn report_figures<'a>(
    notes: impl IntoIterator<Item = &'a stix::StixObject>,
    report_id: &str,
) -> Vec<(String, ReportFigure)> {
    use crate::stixmap::{ext_str, FIGURE_EXT};
    let mut out = Vec::new();
    for n in notes {
        let refers = n
            .get("object_refs")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|a| a.iter().any(|r| r.as_str() == Some(report_id)));
        let Some(kind) = ext_str(n, FIGURE_EXT, "kind") else {
            continue;
        };
        if !refers {
            continue;
        }
        let text = ext_str(n, FIGURE_EXT, "text").unwrap_or("").to_string();
        let qualifier = ext_str(n, FIGURE_EXT, "qualifier").map(str::to_string);
        let fig = match kind {
            "money" => {
                let usd = ext_str(n, FIGURE_EXT, "usd")
                    .or_else(|| {
                        (ext_str(n, FIGURE_EXT, "currency")
                            .is_some_and(|c| c.eq_ignore_ascii_case("usd")))
                        .then(|| ext_str(n, FIGURE_EXT, "value"))
                        .flatten()
                    })
                    .and_then(|s| Amount::parse(s).ok());
                match usd {
                    Some(usd) => ReportFigure::Money { usd, qualifier },
                    None => continue,
                }
            }
            "count" => {
                let Some(value) = ext_str(n, FIGURE_EXT, "value").and_then(|s| s.parse().ok())
                else {
                    continue;
                };
                ReportFigure::Count {
                    value,
                    unit: ext_str(n, FIGURE_EXT, "unit").unwrap_or("").to_string(),
                    qualifier,
                }
            }
            _ => continue,
        };
        out.push((text, fig));
    }
    out
}

/// What the ledger says of a report's figure.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimCheck {
    pub text: String,
    pub figure: ReportFigure,
    /// `holds`, `does-not-hold` or `not-checkable`.
    pub verdict: String,
    pub ledger_value: Option<String>,
    pub difference: Option<String>,
    pub explanation: String,
}

fn within(a: f64, b: f64, tol: f64) -> bool {
    b != 0.0 && ((a - b) / b).abs() <= tol
}

/// Checks a report's figures against the ledger over the sources (or other
/// filter) the report is about.
pub fn check_claims(l: &Ledger, f: &Filter, figures: &[(String, ReportFigure)]) -> Vec<ClaimCheck> {
    let s = summary(l, f);
    figures
        .iter()
        .map(|(text, fig)| {
            let (verdict, value, diff, why) = match fig {
                ReportFigure::Money { usd, qualifier } => {
                    let claimed = usd.to_f64();
                    let stolen = s.stolen_usd.to_f64();
                    let both = s.stolen_usd.checked_add(s.attempted_usd).unwrap_or_default();
                    let q = qualifier.as_deref().unwrap_or("");
                    let holds = match q {
                        "up-to" | "at-most" => stolen <= claimed,
                        "at-least" | "more-than" => stolen >= claimed,
                        "about" => within(stolen, claimed, 0.15),
                        _ => within(stolen, claimed, 0.05),
                    };
                    let why = format!(
                        "stolen {} and attempted {} over {} incidents (attempted + stolen {}); the claim reads {}{}",
                        human_usd(s.stolen_usd),
                        human_usd(s.attempted_usd),
                        s.incidents,
                        human_usd(both),
                        if q.is_empty() { "exactly ".to_string() } else { format!("{q} ") },
                        human_usd(*usd)
                    );
                    (holds, human_usd(s.stolen_usd), human_usd(s.stolen_usd.checked_add(-*usd).unwrap_or_default()), why)
                }
                ReportFigure::Count { value, unit, qualifier } => {
                    let q = qualifier.as_deref().unwrap_or("");
                    let unit_l = unit.to_lowercase();
                    let (ours, what) = if unit_l.contains("countr") {
                        (s.country_count as u64, "distinct victim countries in the rows")
                    } else {
                        (s.incidents, "incidents")
                    };
                    let holds = match q {
                        "at-least" | "more-than" => ours >= *value,
                        "up-to" | "at-most" => ours <= *value,
                        "about" => within(ours as f64, *value as f64, 0.15),
                        _ => ours == *value,
                    };
                    let mut why = format!("the ledger has {ours} {what}");
                    if unit_l.contains("countr") {
                        why.push_str(&format!(" ({})", s.countries.join(", ")));
                    }
                    for g in &s.gaps {
                        why.push_str(&format!("; gap: {}", g.description));
                    }
                    let diff = ours as i64 - *value as i64;
                    (holds, ours.to_string(), format!("{diff:+}"), why)
                }
            };
            ClaimCheck {
                text: text.clone(),
                figure: fig.clone(),
                verdict: if verdict { "holds" } else { "does-not-hold" }.into(),
                ledger_value: Some(value),
                difference: Some(diff),
                explanation: why,
            }
        })
        .collect()
}
