//! `threatledger synth`: a deterministic synthetic bundle for benchmarks and load tests.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;

use crate::{exit, Cli};

/// Write a synthetic STIX 2.1 bundle of N objects (SDOs, indicators, SCOs,
/// relationships; the same N gives the same bytes).
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  threatledger synth --objects 1000000 --out synth-1m.json")]
pub struct Args {
    #[arg(long, default_value_t = 1_000_000)]
    pub objects: u64,
    /// Output file (default stdout).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

pub fn run(_cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    let mut w: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut bw = BufWriter::with_capacity(1 << 20, &mut w);
    app::synth::write_bundle(&mut bw, args.objects)?;
    bw.flush()?;
    Ok(exit::OK)
}
