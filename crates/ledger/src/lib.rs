//! The loss ledger: thefts and attempts, the money (attempted, stolen,
//! recovered; native and USD), attribution as claims with confidence and
//! sources, de-duplication that can be undone, and the knowledge packs.
//!
//! **Architecture invariant:** `ledger` does no I/O. Packs are compiled into the
//! binary; the store's objects come in as values and figures go out as values.
//! Money is never a float: see [`money`].

pub mod countries;
pub mod csv;
pub mod dedupe;
pub mod model;
pub mod money;
pub mod pack;
pub mod query;
pub mod rates;
pub mod stixmap;
pub mod vocab;

pub use model::{AmountKind, Incident, Ledger};
pub use money::{Amount, Currency, Money};
pub use query::{summary, Filter, Summary};
pub use rates::RateTable;

/// The rate table shipped with the DPRK pack.
pub fn dprk_rates() -> RateTable {
    RateTable::parse(pack::DPRK.rates).expect("the shipped rate table parses (tested)")
}

#[cfg(test)]
mod tests;
