//! `threatledger stats`: what the store holds.

use crate::output::{print_json, Format};
use crate::Cli;

/// Objects by type, versions, revoked objects, relationships by type, collections.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  threatledger stats\n  threatledger stats --format json | jq .objects"
)]
pub struct Args {}

pub fn run(cli: &Cli, _args: &Args) -> anyhow::Result<u8> {
    let store = super::open_store(cli)?;
    let st = store.stats()?;
    match cli.format {
        Format::Json => print_json(&serde_json::json!({
            "database": cli.db,
            "backend": store.backend(),
            "objects": st.objects,
            "versions": st.versions,
            "revoked": st.revoked,
            "objects_by_type": st.objects_by_type.iter().map(|(k, v)| (k.clone(), (*v).into())).collect::<serde_json::Map<String, serde_json::Value>>(),
            "relationships_by_type": st.relationships_by_type.iter().map(|(k, v)| (k.clone(), (*v).into())).collect::<serde_json::Map<String, serde_json::Value>>(),
            "collections": st.collections.iter().map(|(k, v)| (k.clone(), (*v).into())).collect::<serde_json::Map<String, serde_json::Value>>(),
        }))?,
        Format::Text => {
            println!(
                "{} ({}): {} objects, {} versions, {} revoked",
                cli.db,
                store.backend(),
                st.objects,
                st.versions,
                st.revoked
            );
            println!("\nobjects by type:");
            for (t, n) in &st.objects_by_type {
                println!("  {t:<32} {n:>9}");
            }
            if !st.relationships_by_type.is_empty() {
                println!("\nrelationships by type:");
                for (t, n) in &st.relationships_by_type {
                    println!("  {t:<32} {n:>9}");
                }
            }
            if !st.collections.is_empty() {
                println!("\ncollections:");
                for (t, n) in &st.collections {
                    println!("  {t:<32} {n:>9}");
                }
            }
        }
    }
    Ok(crate::exit::OK)
}
