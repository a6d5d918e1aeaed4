//! Fund tracing over blockchains. Pure: the caller reads files and sockets
//! and hands this crate bytes and strings; it returns values.

pub mod account;
pub mod addr;
pub mod btc;
pub mod cluster;
pub mod graph;
pub mod hex;
pub mod ingest;
pub mod intern;
pub mod labels;
pub mod peel;
pub mod report;
pub mod ripemd160;
pub mod screen;
pub mod sha256;
pub mod synth;
pub mod trace;

#[cfg(test)]
mod tests;

/// Errors of this crate: each names where (byte offset, line, JSON path) and
/// what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// E-CHAIN-PARSE: binary consensus data ended or held something else.
    #[error("E-CHAIN-PARSE at byte {offset}: expected {expected}")]
    Parse {
        offset: usize,
        expected: &'static str,
    },
    /// E-CHAIN-INPUT: a transfer export or RPC answer is malformed.
    #[error("E-CHAIN-INPUT at {at}: expected {expected}")]
    Input { at: String, expected: String },
}
