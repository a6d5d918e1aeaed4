//! End-to-end tests of the `threatledger` binary: real processes, real SQLite files.

mod import;
mod support;
mod taxii;
