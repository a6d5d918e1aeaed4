//! `threatledger init`: create the database and load a knowledge pack.

use crate::output::{print_json, Format};
use crate::{exit, Cli};

/// Create the database (if needed) and load a knowledge pack. Loading a pack
/// again changes nothing (its objects have deterministic ids).
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  threatledger init --pack dprk\n  threatledger --db team.db init --pack dprk --format json"
)]
pub struct Args {
    /// Knowledge pack to load (dprk: DPRK financial thefts 2015-2026, actors, totals).
    #[arg(long)]
    pub pack: Option<String>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    let store = super::open_store(cli)?;
    let Some(pack) = &args.pack else {
        if cli.format == Format::Json {
            print_json(&serde_json::json!({"database": cli.db, "pack": null}))?;
        } else {
            println!("{}: ready", cli.db);
        }
        return Ok(exit::OK);
    };
    let s = app::ledger::init_pack(store.as_ref(), pack)?;
    match cli.format {
        Format::Json => print_json(
            &serde_json::json!({"database": cli.db, "pack": pack, "added": s.added, "unchanged": s.unchanged}),
        )?,
        Format::Text => println!(
            "{}: pack {pack}: {} objects added, {} unchanged",
            cli.db, s.added, s.unchanged
        ),
    }
    Ok(exit::OK)
}
