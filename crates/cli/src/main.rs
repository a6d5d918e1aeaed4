//! `threatledger`: a thin binary over the library crates.

use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "threatledger",
    version,
    about = "Threat intelligence for state-sponsored financial theft"
)]
struct Cli {}

fn main() -> ExitCode {
    let _cli = Cli::parse();
    ExitCode::SUCCESS
}
