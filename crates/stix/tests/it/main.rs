//! Integration tests of the `stix` crate that need the shared test data and the
//! Python reference tools ("peers"). One test binary (links once).
//!
//! Each test skips with a `skipping: …` line when `../shared` or the peers are
//! absent, so a fresh clone without them still passes.

mod env;
mod sco_id_diff;
mod validate_diff;
