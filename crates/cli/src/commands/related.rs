//! `threatledger related`: what is related to an object.

use store::{Direction, RelatedQuery};

use crate::output::{print_json, Format};
use crate::{exit, Cli};

/// List relationships and references around an object: relationship objects in
/// either direction and embedded references (object_refs, sighting_of_ref, …).
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  threatledger related intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a --type uses\n  threatledger related malware--… --direction incoming --other-type intrusion-set --format json"
)]
pub struct Args {
    pub id: String,
    #[arg(long, value_enum, default_value_t = Dir::Both)]
    pub direction: Dir,
    /// Follow only these relationship types (repeatable).
    #[arg(long = "type")]
    pub relationship_types: Vec<String>,
    /// Only edges to objects of these types (repeatable).
    #[arg(long)]
    pub other_type: Vec<String>,
    /// Only relationship objects, not embedded references.
    #[arg(long)]
    pub relationships_only: bool,
    /// Also follow revoked relationships and objects.
    #[arg(long)]
    pub include_revoked: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Dir {
    Outgoing,
    Incoming,
    Both,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    stix::StixId::parse(&args.id)?;
    let store = super::open_store(cli)?;
    let q = RelatedQuery {
        direction: match args.direction {
            Dir::Outgoing => Direction::Outgoing,
            Dir::Incoming => Direction::Incoming,
            Dir::Both => Direction::Both,
        },
        relationship_types: args.relationship_types.clone(),
        other_types: args.other_type.clone(),
        include_embedded: !args.relationships_only,
        include_revoked: args.include_revoked,
        ..RelatedQuery::default()
    };
    let edges = store.related(&args.id, &q)?;
    match cli.format {
        Format::Json => print_json(&edges)?,
        Format::Text => {
            for e in &edges {
                let arrow = match e.direction {
                    Direction::Incoming => "<-",
                    _ => "->",
                };
                println!("{arrow} {:<20} {}", e.label, e.other_id);
            }
            if edges.is_empty() {
                eprintln!("threatledger: nothing related to {}", args.id);
            }
        }
    }
    Ok(exit::OK)
}
