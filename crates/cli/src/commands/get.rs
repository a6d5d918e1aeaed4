//! `threatledger get`: one object by id.

use store::{Query, VersionSpec};

use crate::output::{print_json, Format};
use crate::{exit, Cli};

/// Print an object (its latest version, or all versions) as JSON.
///
/// Exit 0 when found, 1 when no such object.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  threatledger get intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a\n  threatledger get --all-versions attack-pattern--…"
)]
pub struct Args {
    /// The STIX id.
    pub id: String,
    /// Every stored version, oldest first.
    #[arg(long)]
    pub all_versions: bool,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    stix::StixId::parse(&args.id)?;
    let store = super::open_store(cli)?;
    let q = Query {
        ids: vec![args.id.clone()],
        versions: if args.all_versions {
            vec![VersionSpec::All]
        } else {
            vec![]
        },
        ..Query::default()
    };
    let mut found = store.query_all(&q)?;
    if found.is_empty() {
        eprintln!("threatledger: no object {} in {}", args.id, cli.db);
        return Ok(exit::REJECTED);
    }
    found.sort_by(|a, b| a.version.cmp(&b.version));
    match cli.format {
        Format::Json if args.all_versions => {
            print_json(
                &found
                    .iter()
                    .map(|o| o.object.to_value())
                    .collect::<Vec<_>>(),
            )?;
        }
        Format::Json => print_json(&found[0].object)?,
        Format::Text => {
            for o in &found {
                println!("{}", serde_json::to_string_pretty(&o.object)?);
            }
        }
    }
    Ok(exit::OK)
}
