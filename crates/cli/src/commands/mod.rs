//! One module per subcommand.

pub mod accounts;
pub mod export;
pub mod get;
pub mod import;
pub mod related;
pub mod serve;
pub mod stats;
pub mod taxii;

use anyhow::Context;

use crate::Cli;

/// Opens the store named by `--db` / `THREATLEDGER_DB`.
pub fn open_store(cli: &Cli) -> anyhow::Result<Box<dyn store::Store>> {
    app::open_store(&cli.db).with_context(|| format!("cannot open database {}", cli.db))
}
