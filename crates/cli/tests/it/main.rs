//! End-to-end tests of the `threatledger` binary: real processes, real SQLite files.

mod chain;
mod crash;
mod import;
mod ledger;
mod pattern;
mod support;
mod taxii;
mod validate;
