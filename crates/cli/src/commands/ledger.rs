//! `threatledger ledger`: the loss ledger's questions.

use std::io::Write;

use anyhow::Context;
use ledger::money::human_usd;
use ledger::query::{self, Filter};
use store::Visibility;

use crate::output::{print_json, Format};
use crate::{exit, Cli};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: LedgerCommand,
}

/// Filters shared by the ledger's questions.
#[derive(clap::Args, Clone, Default)]
pub struct FilterArgs {
    /// Only claims of this source: a key (UN19, FBI23a), a document symbol
    /// (S/2019/691) or a publisher (repeatable).
    #[arg(long)]
    pub source: Vec<String>,
    /// Only incidents attributed to this actor or below it (name or alias).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only incidents in this country (ISO 3166-1 alpha-2).
    #[arg(long)]
    pub country: Option<String>,
    /// Only this target type (bank, crypto_exchange, defi_bridge, …).
    #[arg(long)]
    pub sector: Option<String>,
    /// Only this attack vector (swift, exchange_hack, …).
    #[arg(long)]
    pub vector: Option<String>,
    #[arg(long)]
    pub from: Option<i32>,
    #[arg(long)]
    pub to: Option<i32>,
    /// Attribution claims below this confidence (0-100) do not count.
    #[arg(long, default_value_t = 0)]
    pub min_confidence: u8,
}

impl FilterArgs {
    pub fn filter(&self) -> Filter {
        Filter {
            sources: self.source.clone(),
            actor: self.actor.clone(),
            country: self.country.as_ref().map(|c| c.to_uppercase()),
            sector: self.sector.clone(),
            vector: self.vector.clone(),
            from_year: self.from,
            to_year: self.to,
            min_confidence: self.min_confidence,
        }
    }
}

#[derive(clap::Subcommand)]
pub enum LedgerCommand {
    /// Incidents, countries, attempted/stolen/recovered USD, by target type, vector, year and actor.
    #[command(
        after_help = "Examples:\n  threatledger ledger summary --source S/2019/691\n  threatledger ledger summary --actor TraderTraitor --from 2022 --format json"
    )]
    Summary(FilterArgs),
    /// The incidents (table, JSON or CSV).
    #[command(
        after_help = "Examples:\n  threatledger ledger incidents --country KR\n  threatledger ledger incidents --csv > incidents.csv"
    )]
    Incidents {
        #[command(flatten)]
        filter: FilterArgs,
        /// CSV instead of the table.
        #[arg(long)]
        csv: bool,
    },
    /// One incident with every source's amounts and attributions side by side.
    #[command(after_help = "Examples:\n  threatledger ledger show 2016-02-bangladesh-bank")]
    Show { id: String },
    /// Each published annual total beside what the ledger's rows add up to.
    #[command(
        after_help = "Examples:\n  threatledger ledger compare --year 2022\n  threatledger ledger compare --from 2017 --to 2025 --format json"
    )]
    Compare {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        from: Option<i32>,
        #[arg(long)]
        to: Option<i32>,
    },
    /// A report's figures (money, counts) checked against the ledger.
    #[command(
        after_help = "Examples:\n  threatledger ledger claims report--… --source S/2019/691"
    )]
    Claims {
        /// The report's id in the store.
        report: String,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Incidents that look like the same theft (victim, date window, amount), explained.
    Candidates {
        #[arg(long, default_value_t = 31)]
        window_days: i64,
    },
    /// Merge one incident into another (a new version; undo with unmerge).
    Merge {
        incident: String,
        into: String,
        #[arg(long, default_value = "same theft")]
        reason: String,
    },
    /// Undo a merge (a new version of the incident, standing on its own).
    Unmerge { incident: String },
}

fn usd(a: ledger::Amount) -> String {
    human_usd(a)
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    let store = super::open_store(cli)?;
    let vis = Visibility::all();
    match &args.command {
        LedgerCommand::Summary(fa) => {
            let l = app::ledger::load(store.as_ref(), &vis)?;
            let s = query::summary(&l, &fa.filter());
            match cli.format {
                Format::Json => print_json(&s)?,
                Format::Text => print_summary(&s),
            }
        }
        LedgerCommand::Incidents { filter, csv } => {
            let l = app::ledger::load(store.as_ref(), &vis)?;
            let rows = query::incident_rows(&l, &filter.filter());
            if *csv {
                let mut out = std::io::stdout().lock();
                writeln!(out, "id,date,victim,target_type,countries,methods,attempted_usd,stolen_usd,recovered_usd,actor,confidence,sources")?;
                for r in &rows {
                    let f = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
                    let a =
                        |x: Option<ledger::Amount>| x.map(|v| v.to_string()).unwrap_or_default();
                    writeln!(
                        out,
                        "{},{},{},{},{},{},{},{},{},{},{},{}",
                        f(&r.slug),
                        f(&r.date),
                        f(&r.victim),
                        r.target_type,
                        f(&r.countries.join(";")),
                        f(&r.methods.join(";")),
                        a(r.attempted_usd),
                        a(r.stolen_usd),
                        a(r.recovered_usd),
                        f(r.actor.as_deref().unwrap_or("")),
                        r.confidence.map(|c| c.to_string()).unwrap_or_default(),
                        f(&r.sources.join(";"))
                    )?;
                }
            } else if cli.format == Format::Json {
                print_json(&rows)?;
            } else {
                println!(
                    "{:<12} {:<34} {:<16} {:<8} {:>14} {:>14}  actor",
                    "date", "victim", "target", "country", "attempted", "stolen"
                );
                for r in &rows {
                    let a = |x: Option<ledger::Amount>| x.map(usd).unwrap_or_else(|| "-".into());
                    println!(
                        "{:<12} {:<34} {:<16} {:<8} {:>14} {:>14}  {}",
                        r.date,
                        truncate(&r.victim, 34),
                        r.target_type,
                        truncate(&r.countries.join(","), 8),
                        a(r.attempted_usd),
                        a(r.stolen_usd),
                        r.actor.as_deref().unwrap_or("-")
                    );
                }
                println!("{} incidents", rows.len());
            }
        }
        LedgerCommand::Show { id } => {
            let l = app::ledger::load(store.as_ref(), &vis)?;
            let Some(d) = query::show(&l, id) else {
                eprintln!("threatledger: no incident {id}");
                return Ok(exit::REJECTED);
            };
            match cli.format {
                Format::Json => print_json(&d)?,
                Format::Text => {
                    let i = &d.incident;
                    println!(
                        "{} ({})\n  id {}\n  victim: {} [{}]  countries: {}  methods: {}",
                        i.name,
                        i.slug,
                        i.id,
                        i.victim,
                        d.target_type,
                        i.countries.join(", "),
                        i.methods.join(", ")
                    );
                    println!("  sources: {}", i.sources.join("; "));
                    println!("\n  amounts (every source, side by side):");
                    for c in &i.amounts {
                        let conv = c
                            .conversion
                            .as_ref()
                            .map(|x| {
                                format!(" (converted at {} USD on {}: {})", x.rate, x.date, x.basis)
                            })
                            .unwrap_or_default();
                        let native = c
                            .native
                            .as_ref()
                            .map(|n| format!(" [{n}]"))
                            .unwrap_or_default();
                        println!(
                            "    {:<10} {:>14}{native}  per {:<12} confidence {}{}{}",
                            format!("{:?}", c.kind).to_lowercase(),
                            c.usd.map(usd).unwrap_or_else(|| "no USD".into()),
                            c.source,
                            c.confidence,
                            c.qualifier
                                .as_ref()
                                .map(|q| format!(" ({q})"))
                                .unwrap_or_default(),
                            conv
                        );
                    }
                    for (k, v) in &d.counted {
                        println!("    counted {k}: {}", v.as_deref().unwrap_or("-"));
                    }
                    println!("\n  attribution claims:");
                    for (c, (src, conf, lmh, adm)) in
                        i.attributions.iter().zip(&d.confidence_scales)
                    {
                        println!("    {:<28} per {:<12} confidence {conf} ({lmh}; Admiralty {adm})  chain: {}", c.actor, src, d.chains.get(&c.actor).map(|x| x.join(" → ")).unwrap_or_default());
                    }
                    if !d.merged.is_empty() {
                        println!("\n  merged into this one: {}", d.merged.join(", "));
                    }
                }
            }
        }
        LedgerCommand::Compare { year, from, to } => {
            let l = app::ledger::load(store.as_ref(), &vis)?;
            let years: Vec<i32> = match (year, from, to) {
                (Some(y), _, _) => vec![*y],
                (None, f, t) => (f.unwrap_or(2017)..=t.unwrap_or(2025)).collect(),
            };
            let rows: Vec<(i32, Vec<query::CompareRow>)> =
                years.iter().map(|y| (*y, query::compare(&l, *y))).collect();
            match cli.format {
                Format::Json => print_json(
                    &rows
                        .iter()
                        .map(|(y, r)| serde_json::json!({"year": y, "rows": r}))
                        .collect::<Vec<_>>(),
                )?,
                Format::Text => {
                    for (y, rs) in &rows {
                        println!("{y}:");
                        if let Some(first) = rs.first() {
                            println!(
                                "  ledger: {} incidents, stolen {} (crypto only {})",
                                first.ledger_incidents,
                                usd(first.ledger_stolen_usd),
                                usd(first.ledger_crypto_stolen_usd)
                            );
                        }
                        for r in rs {
                            println!(
                                "  {:<44} {:<18} {:>14}  diff {:>14}  {}",
                                truncate(&r.publisher, 44),
                                r.period,
                                r.published_usd.map(usd).unwrap_or_else(|| "-".into()),
                                r.difference_usd.map(usd).unwrap_or_else(|| "-".into()),
                                r.explanation
                            );
                        }
                    }
                }
            }
        }
        LedgerCommand::Claims { report, filter } => {
            let objects = app::ledger::ledger_objects(store.as_ref(), &vis)?;
            let figures =
                query::report_figures(objects.iter().filter(|o| o.object_type() == "note"), report);
            if figures.is_empty() {
                eprintln!("threatledger: no figures (ledger-figure notes) refer to {report}; extract or import the report first");
                return Ok(exit::REJECTED);
            }
            let l = ledger::Ledger::from_objects(&objects, &app::ledger::rates());
            let mut f = filter.filter();
            if f.sources.is_empty() {
                // A report that cites a UN document is checked against that document.
                let r = store
                    .get_latest(report, &vis)?
                    .with_context(|| format!("no report {report}"))?;
                let text = r.object.to_json();
                for s in l.sources.values() {
                    if let Some(sym) = s.title.split_whitespace().find(|w| w.starts_with("S/")) {
                        if text.contains(sym) {
                            f.sources.push(sym.to_string());
                        }
                    }
                }
            }
            let checks = query::check_claims(&l, &f, &figures);
            match cli.format {
                Format::Json => print_json(
                    &serde_json::json!({"report": report, "filter": f, "checks": checks}),
                )?,
                Format::Text => {
                    for c in &checks {
                        println!("{:<14} \"{}\": {}", c.verdict, c.text, c.explanation);
                    }
                }
            }
        }
        LedgerCommand::Candidates { window_days } => {
            let l = app::ledger::load(store.as_ref(), &vis)?;
            let c = ledger::dedupe::candidates(&l, *window_days);
            match cli.format {
                Format::Json => print_json(&c)?,
                Format::Text => {
                    for m in &c {
                        println!(
                            "{} ← {} (score {}): {}",
                            m.keep,
                            m.merge,
                            m.score,
                            m.reasons.join("; ")
                        );
                    }
                    println!("{} candidate pairs", c.len());
                }
            }
        }
        LedgerCommand::Merge {
            incident,
            into,
            reason,
        } => {
            let (a, b) = (
                resolve_incident(store.as_ref(), incident)?,
                resolve_incident(store.as_ref(), into)?,
            );
            let now = now_ts();
            let merged = ledger::dedupe::merge(&a, b.id().as_str(), &now, reason);
            app::ledger::save_version(store.as_ref(), &merged)?;
            println!(
                "merged {} into {} (version {now}); undo with: threatledger ledger unmerge {}",
                a.id(),
                b.id(),
                a.id()
            );
        }
        LedgerCommand::Unmerge { incident } => {
            let a = resolve_incident(store.as_ref(), incident)?;
            let now = now_ts();
            app::ledger::save_version(store.as_ref(), &ledger::dedupe::unmerge(&a, &now))?;
            println!("{} stands on its own again (version {now})", a.id());
        }
    }
    Ok(exit::OK)
}

fn now_ts() -> stix::Timestamp {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    stix::Timestamp::from_unix(d.as_secs() as i64, d.subsec_nanos())
}

/// An incident by STIX id or ledger slug.
fn resolve_incident(store: &dyn store::Store, key: &str) -> anyhow::Result<stix::StixObject> {
    if key.starts_with("incident--") {
        return store
            .get_latest(key, &Visibility::all())?
            .map(|s| s.object)
            .with_context(|| format!("no incident {key}"));
    }
    let id = ledger::stixmap::det_id("incident", key);
    store
        .get_latest(&id, &Visibility::all())?
        .map(|s| s.object)
        .with_context(|| format!("no incident with slug {key}"))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn print_summary(s: &query::Summary) {
    let f = &s.filter;
    if !f.sources.is_empty() {
        println!("sources: {}", f.sources.join(", "));
    }
    println!(
        "{} incidents in {} countries; attempted {}, stolen {}, recovered {}",
        s.incidents,
        s.country_count,
        usd(s.attempted_usd),
        usd(s.stolen_usd),
        usd(s.recovered_usd)
    );
    println!("countries: {}", s.countries.join(" "));
    if s.without_country > 0 || s.without_usd > 0 {
        println!(
            "{} incidents have no country in the sources; {} have no USD figure",
            s.without_country, s.without_usd
        );
    }
    println!("\nby target type:");
    for (k, b) in &s.by_target_type {
        println!(
            "  {:<40} {:>4} incidents  attempted {:>14}  stolen {:>14}",
            ledger::vocab::target_group_label(k),
            b.incidents,
            usd(b.attempted_usd),
            usd(b.stolen_usd)
        );
    }
    println!("\nby year:");
    for (k, b) in &s.by_year {
        println!(
            "  {:<8} {:>4} incidents  attempted {:>14}  stolen {:>14}",
            k,
            b.incidents,
            usd(b.attempted_usd),
            usd(b.stolen_usd)
        );
    }
    println!("\nby actor (strongest claim):");
    for (k, b) in &s.by_actor {
        println!(
            "  {:<40} {:>4} incidents  stolen {:>14}",
            k,
            b.incidents,
            usd(b.stolen_usd)
        );
    }
    if !s.gaps.is_empty() {
        println!("\nknown gaps:");
        for g in &s.gaps {
            println!("  [{}] {}", g.kind, g.description);
        }
    }
    if !s.conversions.is_empty() {
        println!("\nconversions:");
        for c in &s.conversions {
            println!("  {c}");
        }
    }
}
