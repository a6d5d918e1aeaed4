//! `threatledger export`: a bundle of stored objects.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use store::{Query, Revoked, VersionSpec};

use crate::{exit, Cli};

/// Write stored objects as one STIX 2.1 bundle (to stdout or --out), streamed page
/// by page.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  threatledger export > everything.json\n  threatledger export --type intrusion-set --type relationship --out groups.json\n  threatledger export --added-after 2026-11-01T00:00:00Z --no-revoked"
)]
pub struct Args {
    /// Only these types (repeatable).
    #[arg(long = "type")]
    pub types: Vec<String>,
    /// Only these ids (repeatable).
    #[arg(long)]
    pub id: Vec<String>,
    /// Only objects added after this time.
    #[arg(long)]
    pub added_after: Option<String>,
    /// Every version, not only the latest.
    #[arg(long)]
    pub all_versions: bool,
    /// Leave out revoked objects.
    #[arg(long)]
    pub no_revoked: bool,
    /// Only objects of this collection.
    #[arg(long)]
    pub collection: Option<String>,
    /// Output file (default stdout).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    let store = super::open_store(cli)?;
    let added_after = match &args.added_after {
        Some(t) => Some(stix::Timestamp::parse(t)?),
        None => None,
    };
    let mut q = Query {
        collection: args.collection.clone(),
        ids: args.id.clone(),
        types: args.types.clone(),
        versions: if args.all_versions {
            vec![VersionSpec::All]
        } else {
            vec![]
        },
        added_after,
        limit: Some(5000),
        revoked: if args.no_revoked {
            Revoked::Exclude
        } else {
            Revoked::Include
        },
        ..Query::default()
    };
    let mut out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let bundle_id = stix::StixId::new_v4("bundle");
    write!(
        out,
        "{{\"type\":\"bundle\",\"id\":\"{bundle_id}\",\"objects\":["
    )?;
    let mut n = 0usize;
    loop {
        let page = store.query(&q)?;
        for o in &page.objects {
            if n > 0 {
                out.write_all(b",\n")?;
            } else {
                out.write_all(b"\n")?;
            }
            serde_json::to_writer(&mut out, &o.object)?;
            n += 1;
        }
        match page.next {
            Some(next) if page.more => q.next = Some(next),
            _ => break,
        }
    }
    writeln!(out, "\n]}}")?;
    out.flush()?;
    if args.out.is_some() && !cli.quiet {
        eprintln!("threatledger: exported {n} objects");
    }
    Ok(exit::OK)
}
