//! `threatledger import`: STIX bundles into the store, one transaction per file.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::Context;
use app::import::{import_bundle, ImportError, ImportOptions, ImportReport};

use crate::output::{print_json, Format, Progress};
use crate::{exit, Cli};

/// Import STIX 2.1 bundles (files, directories of *.json, or - for stdin).
///
/// Each file is one transaction: if any object is invalid, nothing of that file is
/// stored (unless --keep-going, which stores the valid objects and lists the
/// rejected ones). Exit 0 when everything was stored, 1 when something was
/// rejected, 2 on I/O or database errors.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  threatledger import ../shared/data/attack/ics-attack.json\n  threatledger import --keep-going feeds/\n  cat bundle.json | threatledger import -"
)]
pub struct Args {
    /// Bundle files or directories (searched recursively for *.json); - reads stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Store the valid objects of a file that has invalid ones, and report those.
    #[arg(long)]
    pub keep_going: bool,
    /// Also add the objects to this TAXII collection.
    #[arg(long)]
    pub collection: Option<String>,
    /// Largest accepted object, in bytes.
    #[arg(long, default_value_t = stix::Limits::default().max_object_bytes)]
    pub max_object_size: usize,
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
            for e in std::fs::read_dir(&d)
                .with_context(|| format!("cannot read directory {}", d.display()))?
            {
                let e = e?;
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "json") {
                    found.push(path);
                }
            }
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    let store = super::open_store(cli)?;
    let opts = ImportOptions {
        keep_going: args.keep_going,
        collection: args.collection.clone(),
        limits: stix::Limits {
            max_object_bytes: args.max_object_size,
            ..stix::Limits::default()
        },
    };
    let mut code = exit::OK;
    for path in expand(&args.paths)? {
        let name = path.display().to_string();
        let result = if path.as_os_str() == "-" {
            let mut progress = Progress::bytes(None, cli.quiet);
            let r = import_bundle(
                store.as_ref(),
                std::io::stdin(),
                "<stdin>",
                &opts,
                &mut |b, n| progress.update(b, || format!("{n} objects")),
            );
            progress.finish();
            r
        } else {
            let file = File::open(&path).with_context(|| format!("cannot open {name}"))?;
            let size = file.metadata().map(|m| m.len()).ok();
            let mut progress = Progress::bytes(size, cli.quiet);
            let r = import_bundle(
                store.as_ref(),
                BufReader::with_capacity(1 << 20, file),
                &name,
                &opts,
                &mut |b, n| progress.update(b, || format!("{n} objects")),
            );
            progress.finish();
            r
        };
        match result {
            Ok(report) => {
                if !report.rejected.is_empty() {
                    code = code.max(exit::REJECTED);
                }
                print_report(cli, &report, None)?;
            }
            Err(ImportError::Rejected(report)) => {
                code = code.max(exit::REJECTED);
                print_report(cli, &report, Some("rejected: nothing stored"))?;
            }
            Err(e @ ImportError::Read { .. }) => {
                code = code.max(exit::REJECTED);
                print_error(cli, &name, &e)?;
            }
            Err(e @ ImportError::Store { .. }) => return Err(e.into()),
        }
    }
    Ok(code)
}

fn print_error(cli: &Cli, file: &str, e: &ImportError) -> anyhow::Result<()> {
    match cli.format {
        Format::Json => {
            let (line, column) = match e {
                ImportError::Read { error, .. } => error
                    .position()
                    .map(|p| (p.line, p.column))
                    .unwrap_or((0, 0)),
                _ => (0, 0),
            };
            print_json(&serde_json::json!({
                "file": file, "committed": false, "error": e.to_string(), "line": line, "column": column
            }))
        }
        Format::Text => {
            eprintln!("threatledger: {e}; nothing was stored");
            Ok(())
        }
    }
}

fn print_report(cli: &Cli, r: &ImportReport, note: Option<&str>) -> anyhow::Result<()> {
    match cli.format {
        Format::Json => print_json(r),
        Format::Text => {
            for rej in &r.rejected {
                eprintln!(
                    "{}:{}:{}: error[{}]: {} ({}{})",
                    r.source,
                    rej.line,
                    rej.column,
                    rej.code,
                    rej.message,
                    rej.path,
                    rej.id
                        .as_deref()
                        .map(|i| format!(", {i}"))
                        .unwrap_or_default()
                );
            }
            let rate = if r.seconds > 0.0 {
                r.objects as f64 / r.seconds
            } else {
                0.0
            };
            let file = Path::new(&r.source).display();
            match note {
                Some(n) => println!("{file}: {} objects read, {} rejected; {n}", r.objects, r.rejected.len()),
                None => println!(
                    "{file}: {} objects: {} added, {} unchanged, {} replaced, {} rejected ({:.2} s, {:.0} objects/s)",
                    r.objects, r.added, r.unchanged, r.replaced, r.rejected.len(), r.seconds, rate
                ),
            }
            Ok(())
        }
    }
}
