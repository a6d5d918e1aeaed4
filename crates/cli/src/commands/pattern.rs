//! `threatledger pattern`: check one STIX pattern, or match it against observed-data.

use std::path::{Path, PathBuf};

use anyhow::Context;
use pattern::{Matcher, ObservationSet, PatternError};
use serde_json::json;

use crate::output::{print_json, Format};
use crate::{exit, Cli};

/// Check or match a single STIX 2.1 pattern.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(clap::Subcommand)]
pub enum Sub {
    Check(CheckArgs),
    Match(MatchArgs),
}

/// Validate a pattern: grammar, operands (regex, CIDR, hash values, qualifiers)
/// and object paths against the STIX 2.1 SCO definitions.
///
/// Custom object types and properties are allowed and reported as warnings.
/// Exit 0 when valid, 1 when invalid.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  threatledger pattern check \"[ipv4-addr:value ISSUBSET '198.51.100.0/24']\"\n  threatledger pattern check --format json \"[file:hashes.MD5 = 'zz']\""
)]
pub struct CheckArgs {
    /// The pattern text.
    pub pattern: String,
}

/// Match a pattern against observed-data.
///
/// OBSERVED is a JSON file (or - for stdin) holding a bundle, a JSON array of
/// bundles, or observed-data with their SCOs. Exit 0 on a match, 1 on no match,
/// 2 on an invalid pattern or unreadable input.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  threatledger pattern match \"[domain-name:value = 'evil.example']\" observed.json\n  threatledger pattern match --format json \"[file:size > 1000] REPEATS 3 TIMES\" - < bundles.json"
)]
pub struct MatchArgs {
    /// The pattern text.
    pub pattern: String,
    /// The observations (JSON file, or - for stdin).
    pub observed: PathBuf,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        Sub::Check(a) => check(cli, a),
        Sub::Match(a) => do_match(cli, a),
    }
}

fn error_json(e: &PatternError) -> serde_json::Value {
    json!({"message": e.message, "offset": e.offset, "code": e.code})
}

/// The pattern with a caret under `offset` (character-based, for the terminal).
fn caret(pattern: &str, offset: usize) -> String {
    let col = pattern
        .get(..offset.min(pattern.len()))
        .map_or(0, |p| p.chars().count());
    let line: String = pattern
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    format!("  {line}\n  {}^", " ".repeat(col))
}

fn check(cli: &Cli, a: &CheckArgs) -> anyhow::Result<u8> {
    let v = pattern::validate(&a.pattern);
    let valid = v.is_valid();
    match cli.format {
        Format::Json => print_json(&json!({
            "valid": valid,
            "errors": v.errors().map(error_json).collect::<Vec<_>>(),
            "warnings": v.warnings().map(error_json).collect::<Vec<_>>(),
        }))?,
        Format::Text => {
            for d in &v.diagnostics {
                println!("{d}");
                if d.is_error() {
                    println!("{}", caret(&a.pattern, d.offset));
                }
            }
            println!("{}", if valid { "valid" } else { "invalid" });
        }
    }
    Ok(if valid { exit::OK } else { exit::REJECTED })
}

pub fn read_input(path: &Path) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut s)
            .context("cannot read stdin")?;
        return Ok(s);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn do_match(cli: &Cli, a: &MatchArgs) -> anyhow::Result<u8> {
    let matcher = Matcher::compile(&a.pattern).map_err(|errs| {
        let msgs: Vec<String> = errs.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("invalid pattern:\n{}", msgs.join("\n"))
    })?;
    let text = read_input(&a.observed)?;
    let input: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", a.observed.display()))?;
    let set = ObservationSet::from_value(&input);
    if !cli.quiet {
        for p in &set.problems {
            eprintln!("threatledger: skipped {p}");
        }
    }
    if set.observations.is_empty() {
        anyhow::bail!("{} holds no usable observed-data", a.observed.display());
    }
    let r = matcher.matches(&set);
    if !r.complete && !cli.quiet {
        eprintln!(
            "threatledger: the binding search hit its bound ({}); a match may have been missed",
            pattern::bindings::MAX_BINDINGS
        );
    }
    match cli.format {
        Format::Json => print_json(&json!({
            "matched": r.matched,
            "observed_data_refs": r.observed_data_refs,
        }))?,
        Format::Text => {
            if r.matched {
                println!("match: {}", r.observed_data_refs.join(", "));
            } else {
                println!(
                    "no match ({} observed-data checked)",
                    set.observations.len()
                );
            }
        }
    }
    Ok(if r.matched { exit::OK } else { exit::REJECTED })
}
