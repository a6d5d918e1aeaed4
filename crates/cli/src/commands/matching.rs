//! `threatledger match`: many indicators against many observations, writing
//! STIX sightings.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::Context;
use pattern::flat::FlatParser;
use pattern::index::{Engine, EngineConfig, IndexBuilder, ObservationRef};
use pattern::sighting::{SightingConfig, Sightings};
use pattern::{Observation, ObservationSet};
use serde_json::{json, Value};
use stix::{StixObject, Timestamp};

use crate::output::{print_json, Format, Progress};
use crate::{exit, Cli};

/// Match indicators against observations and produce STIX sightings.
///
/// Indicators come from a JSON file (bundle, array or single indicator) or from
/// the store (`--indicators store`, using --db). Observations are STIX bundles
/// with observed-data, or flat logs: CSV with a header row or JSON lines, one
/// connection / DNS query / URL / file hash / crypto transfer per record (column
/// mapping in the README). Observations should come in time order (by
/// first_observed); bundles are sorted, logs are read as they are. An
/// indicator counts only for observations inside its valid_from..valid_until;
/// revoked indicators and other pattern languages are skipped.
///
/// With --format json the sightings are printed as a STIX bundle (with the
/// observed-data made from log records they cite); with text, one line per
/// sighting. --save also stores them in the database. Exit 0 when something was
/// sighted, 1 when nothing matched, 2 on errors.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  threatledger match --indicators indicators.json --observed observed/ --format json > sightings.json\n  threatledger match --indicators store --observed dns.csv --sighted-by identity--… --save\n  zcat conn.jsonl.gz | threatledger match --indicators feed.json --observed -"
)]
pub struct Args {
    /// `store` (the --db database) or a JSON file of indicators.
    #[arg(long)]
    pub indicators: String,
    /// Files or directories (*.json, *.jsonl, *.csv, searched recursively); - reads stdin.
    #[arg(long, required = true, num_args = 1..)]
    pub observed: Vec<PathBuf>,
    /// Identity id for where_sighted_refs (repeatable).
    #[arg(long)]
    pub sighted_by: Vec<String>,
    /// created_by_ref of the sightings.
    #[arg(long)]
    pub created_by: Option<String>,
    /// created/modified of the sightings (default: now).
    #[arg(long)]
    pub now: Option<String>,
    /// Also store the sightings (and cited log observations) in the database.
    #[arg(long)]
    pub save: bool,
    /// Most observed_data_refs listed per sighting (the count stays exact).
    #[arg(long, default_value_t = 1000)]
    pub max_refs: usize,
}

fn load_indicators(cli: &Cli, spec: &str) -> anyhow::Result<Vec<StixObject>> {
    if spec == "store" || spec == "db" {
        let store = super::open_store(cli)?;
        return Ok(store
            .query_all(&store::Query::of_type("indicator"))?
            .into_iter()
            .map(|s| s.object)
            .collect());
    }
    let text = std::fs::read_to_string(spec).with_context(|| format!("cannot read {spec}"))?;
    let v: Value = serde_json::from_str(&text).with_context(|| format!("{spec} is not JSON"))?;
    let mut out = Vec::new();
    collect_indicators(v, &mut out);
    Ok(out)
}

fn collect_indicators(v: Value, out: &mut Vec<StixObject>) {
    match v {
        Value::Array(a) => a.into_iter().for_each(|x| collect_indicators(x, out)),
        Value::Object(mut m) => match m.get("type").and_then(Value::as_str) {
            Some("bundle") => {
                if let Some(objs) = m.remove("objects") {
                    collect_indicators(objs, out);
                }
            }
            Some("indicator") => {
                if let Ok(o) = StixObject::from_map(m) {
                    out.push(o);
                }
            }
            _ => {}
        },
        _ => {}
    }
}

fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" || !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut stack = vec![p.clone()];
        let mut found = Vec::new();
        while let Some(d) = stack.pop() {
            for e in
                std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))?
            {
                let path = e?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path
                    .extension()
                    .is_some_and(|x| x == "json" || x == "jsonl" || x == "csv" || x == "ndjson")
                {
                    found.push(path);
                }
            }
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

/// What one run accumulates.
struct Run {
    engine: Engine,
    sightings: Sightings,
    /// Objects of log records cited by sightings (observed-data and SCOs).
    cited: Vec<Value>,
    cited_ids: HashMap<String, ()>,
    observations: u64,
    firings: u64,
    record_errors: u64,
    max_refs: usize,
}

impl Run {
    fn fire(&mut self, firings: Vec<pattern::index::Firing>) -> Vec<String> {
        let mut kept = Vec::new();
        for f in firings {
            self.firings += 1;
            let id = self.engine.index().indicator_id(f.indicator).to_string();
            kept.extend(self.sightings.add(&id, &f, self.max_refs));
        }
        kept
    }
}

/// True when the text is a STIX document (bundle, observed-data or an array of them)
/// rather than JSON lines.
fn is_stix_json(head: &str) -> bool {
    let t = head.trim_start();
    if t.starts_with('[') {
        return true;
    }
    if !t.starts_with('{') {
        return false;
    }
    // JSON lines have a complete object on the first line; a bundle usually does not,
    // and when it does, its type says so.
    let first = t.lines().next().unwrap_or("");
    match serde_json::from_str::<Value>(first) {
        Ok(v) => {
            matches!(
                v.get("type").and_then(Value::as_str),
                Some("bundle") | Some("observed-data")
            ) && t.lines().nth(1).is_none_or(|l| l.trim().is_empty())
        }
        Err(_) => true,
    }
}

fn run_stix(run: &mut Run, text: &str, name: &str, quiet: bool) -> anyhow::Result<()> {
    let input: Value = serde_json::from_str(text).with_context(|| format!("{name} is not JSON"))?;
    let set = ObservationSet::from_value(&input);
    if !quiet {
        for p in &set.problems {
            eprintln!("threatledger: {name}: skipped {p}");
        }
    }
    let mut order: Vec<&Observation> = set.observations.iter().collect();
    order.sort_by(|a, b| a.first_observed.cmp(&b.first_observed));
    for o in order {
        let scope = pattern::matcher::ObsScope { set: &set, obs: o };
        let r = ObservationRef {
            id: o.id,
            first: &o.first_observed,
            last: &o.last_observed,
            count: o.number_observed,
            roots: o.roots.iter().map(|&i| set.object(i)).collect(),
            scope: &scope,
        };
        run.observations += 1;
        let f = run.engine.observe(&r);
        run.fire(f);
    }
    Ok(())
}

fn run_flat(
    run: &mut Run,
    reader: impl BufRead,
    name: &str,
    size: Option<u64>,
    quiet: bool,
) -> anyhow::Result<()> {
    let mut parser = FlatParser::new();
    let mut progress = Progress::bytes(size, quiet);
    let mut bytes = 0u64;
    for line in reader.lines() {
        let line = line.with_context(|| format!("cannot read {name}"))?;
        bytes += line.len() as u64 + 1;
        progress.update(bytes, || format!("{} observations", run.observations));
        match parser.line(&line) {
            None => {}
            Some(Err(e)) => {
                run.record_errors += 1;
                if !quiet && run.record_errors <= 20 {
                    eprintln!("threatledger: {name}: {e}");
                }
            }
            Some(Ok(obs)) => {
                run.observations += 1;
                let firings = obs.with_ref(|r| run.engine.observe(r));
                let kept = run.fire(firings);
                if kept.contains(&obs.id) && run.cited_ids.insert(obs.id.clone(), ()).is_none() {
                    for o in obs.to_stix() {
                        let id = o["id"].as_str().unwrap_or_default().to_string();
                        if id == obs.id || run.cited_ids.insert(id, ()).is_none() {
                            run.cited.push(o);
                        }
                    }
                }
            }
        }
    }
    progress.finish();
    Ok(())
}

fn run_path(run: &mut Run, path: &Path, quiet: bool) -> anyhow::Result<()> {
    let name = path.display().to_string();
    let (mut reader, size): (Box<dyn BufRead>, Option<u64>) = if path.as_os_str() == "-" {
        (Box::new(BufReader::new(std::io::stdin().lock())), None)
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("cannot open {name}"))?;
        let size = f.metadata().map(|m| m.len()).ok();
        (Box::new(BufReader::with_capacity(1 << 20, f)), size)
    };
    // Peek at the start to tell STIX JSON from logs without reading everything.
    let head = String::from_utf8_lossy(reader.fill_buf()?).into_owned();
    if is_stix_json(&head) {
        let mut text = String::new();
        reader
            .read_to_string(&mut text)
            .with_context(|| format!("cannot read {name}"))?;
        run_stix(run, &text, &name, quiet)
    } else {
        run_flat(run, reader, &name, size, quiet)
    }
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    let indicators = load_indicators(cli, &args.indicators)?;
    let mut b = IndexBuilder::new();
    let (mut used, mut skipped) = (0usize, 0usize);
    for ind in &indicators {
        let ty = ind.get_str("pattern_type").unwrap_or("stix");
        let Some(p) = ind.get_str("pattern") else {
            continue;
        };
        if ty != "stix" || ind.revoked() {
            continue;
        }
        match b.add(ind.id().as_str(), p) {
            Ok(()) => used += 1,
            Err(errs) => {
                skipped += 1;
                if !cli.quiet && skipped <= 20 {
                    eprintln!("threatledger: {}: invalid pattern: {}", ind.id(), errs[0]);
                }
            }
        }
    }
    if used == 0 {
        anyhow::bail!(
            "no usable STIX indicators in {} ({} found, {skipped} with invalid patterns)",
            args.indicators,
            indicators.len()
        );
    }
    let now = match &args.now {
        Some(t) => Timestamp::parse(t)?,
        None => {
            let d = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .context("system clock before 1970")?;
            Timestamp::from_unix(d.as_secs() as i64, d.subsec_millis() * 1_000_000)
        }
    };
    let mut run = Run {
        engine: Engine::new(b.build(), EngineConfig::default()),
        sightings: Sightings::new(),
        cited: Vec::new(),
        cited_ids: HashMap::new(),
        observations: 0,
        firings: 0,
        record_errors: 0,
        max_refs: args.max_refs,
    };
    for path in expand(&args.observed)? {
        run_path(&mut run, &path, cli.quiet)?;
    }
    let cfg = SightingConfig {
        now,
        where_sighted_refs: args.sighted_by.clone(),
        created_by_ref: args.created_by.clone(),
        max_refs: args.max_refs,
    };
    let (observations, firings, record_errors, dropped) = (
        run.observations,
        run.firings,
        run.record_errors,
        run.engine.dropped,
    );
    let cited = std::mem::take(&mut run.cited);
    let sightings = run.sightings.finish(&cfg);
    if args.save && !sightings.is_empty() {
        let store = super::open_store(cli)?;
        let mut objs: Vec<StixObject> = cited
            .iter()
            .filter_map(|v| StixObject::from_value(v.clone()).ok())
            .collect();
        objs.extend(sightings.iter().cloned());
        store.put_all(&objs, &store::ImportOptions::default())?;
    }
    match cli.format {
        Format::Json => {
            let mut objects: Vec<Value> = sightings.iter().map(StixObject::to_value).collect();
            objects.extend(cited);
            let bundle_id = format!("bundle--{}", uuid_for(&objects));
            print_json(&json!({"type": "bundle", "id": bundle_id, "objects": objects}))?;
        }
        Format::Text => {
            for s in &sightings {
                println!(
                    "{}  count={}  {} .. {}",
                    s.get_str("sighting_of_ref").unwrap_or_default(),
                    s.get("count").and_then(Value::as_u64).unwrap_or(0),
                    s.get_str("first_seen").unwrap_or_default(),
                    s.get_str("last_seen").unwrap_or_default()
                );
            }
            println!(
                "{} sightings from {firings} matches: {used} indicators ({skipped} invalid) against {observations} observations ({record_errors} unreadable records){}",
                sightings.len(),
                if args.save { "; stored" } else { "" }
            );
        }
    }
    if dropped > 0 && !cli.quiet {
        eprintln!("threatledger: {dropped} pending observations dropped by the per-indicator limit (multi-observation patterns)");
    }
    Ok(if sightings.is_empty() {
        exit::REJECTED
    } else {
        exit::OK
    })
}

/// A bundle id that depends only on the content (stable output for the same input).
fn uuid_for(objects: &[Value]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for o in objects {
        for b in o.get("id").and_then(Value::as_str).unwrap_or("").bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 20) & 0xfff,
        (h.rotate_left(17)) & 0xffff_ffff_ffff
    )
}
