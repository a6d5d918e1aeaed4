//! Account-model transfers (Ethereum, Tron, ERC-20/TRC-20 tokens) from CSV
//! or JSON exports, and Bitcoin Core `getblock` JSON.
//!
//! Transfer schema (CSV header names, or JSON object keys; column order is free):
//!
//! | field | required | meaning |
//! |---|---|---|
//! | `chain` | yes | `ethereum`, `tron`, `bsc`, … (an account-model chain) |
//! | `tx_hash` | yes | 32-byte transaction hash, hex, `0x` optional |
//! | `timestamp` | yes | Unix seconds |
//! | `from`, `to` | yes | addresses (EVM lower-cased on import) |
//! | `value` | yes | decimal amount in whole units (`1.5` ETH); kept to 9 decimals |
//! | `asset` | yes | `ETH`, `TRX`, `USDT`, … |
//! | `log_index` | no | orders transfers inside one transaction |
//! | `bridge_src_chain`, `bridge_src_tx` | no | for a bridge payout: the chain and hash of the deposit it pays out (Bitcoin txids in their usual reversed display form) |

use crate::graph::{GraphBuilder, InputRec, Model, OutputRec, Prev, TxRec};
use crate::Error;

/// Decimal places kept for account-model amounts: u64 nano-units hold up to
/// 18.4 billion whole units, and wei-level dust does not matter for tracing.
pub const ACCOUNT_DECIMALS: u32 = 9;

/// Decimal places of an asset's unit in the graph.
pub fn asset_decimals(asset: &str) -> u32 {
    if asset == "BTC" {
        8
    } else {
        ACCOUNT_DECIMALS
    }
}

/// Formats an amount in graph units as a decimal string.
pub fn format_amount(v: u128, decimals: u32) -> String {
    let scale = 10u128.pow(decimals);
    let frac = v % scale;
    if frac == 0 {
        return format!("{}", v / scale);
    }
    let f = format!("{frac:0width$}", width = decimals as usize);
    format!("{}.{}", v / scale, f.trim_end_matches('0'))
}

/// Parses a non-negative decimal (`12`, `0.5`, `1e3` is refused) into units
/// with `decimals` places; extra digits are truncated.
pub fn parse_amount(s: &str, decimals: u32) -> Option<u64> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let mut v: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    v = v.checked_mul(10u64.pow(decimals))?;
    let mut f = frac
        .as_bytes()
        .iter()
        .take(decimals as usize)
        .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    f *= 10u64.pow(decimals - frac.len().min(decimals as usize) as u32);
    v.checked_add(f)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub chain: String,
    pub hash: [u8; 32],
    pub time: u64,
    pub log_index: u64,
    pub from: String,
    pub to: String,
    /// In units of `ACCOUNT_DECIMALS` places.
    pub value: u64,
    pub asset: String,
    pub bridge_src: Option<[u8; 32]>,
}

fn parse_hash(s: &str, reversed: bool) -> Option<[u8; 32]> {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    let mut h: [u8; 32] = crate::hex::decode(s)?.try_into().ok()?;
    if reversed {
        h.reverse();
    }
    Some(h)
}

fn canonical(chain: &str, a: &str) -> String {
    let a = a.trim();
    if a.starts_with("0x") {
        a.to_ascii_lowercase()
    } else {
        crate::labels::canonical_address(chain, a).unwrap_or_else(|| a.to_string())
    }
}

/// Builds a transfer from named fields; `at` locates errors (`line 3` or `$[2]`).
fn transfer(
    get: &dyn Fn(&str) -> Option<String>,
    at: &dyn Fn(&str) -> String,
) -> Result<Transfer, Error> {
    let req = |k: &str| {
        get(k)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| Error::Input {
                at: at(k),
                expected: format!("a value for `{k}`"),
            })
    };
    let chain = req("chain")?.trim().to_ascii_lowercase();
    let hash = parse_hash(&req("tx_hash")?, false).ok_or_else(|| Error::Input {
        at: at("tx_hash"),
        expected: "a 32-byte hex hash".into(),
    })?;
    let time = req("timestamp")?.trim().parse().map_err(|_| Error::Input {
        at: at("timestamp"),
        expected: "Unix seconds".into(),
    })?;
    let log_index = match get("log_index").filter(|v| !v.trim().is_empty()) {
        Some(v) => v.trim().parse().map_err(|_| Error::Input {
            at: at("log_index"),
            expected: "an integer".into(),
        })?,
        None => 0,
    };
    let value = parse_amount(&req("value")?, ACCOUNT_DECIMALS).ok_or_else(|| Error::Input {
        at: at("value"),
        expected: "a decimal amount in whole units".into(),
    })?;
    let bridge_src = match get("bridge_src_tx").filter(|v| !v.trim().is_empty()) {
        Some(h) => {
            let src_chain = get("bridge_src_chain").unwrap_or_default();
            let reversed = src_chain.trim() == "bitcoin";
            Some(parse_hash(&h, reversed).ok_or_else(|| Error::Input {
                at: at("bridge_src_tx"),
                expected: "a 32-byte hex hash".into(),
            })?)
        }
        None => None,
    };
    Ok(Transfer {
        from: canonical(&chain, &req("from")?),
        to: canonical(&chain, &req("to")?),
        chain,
        hash,
        time,
        log_index,
        value,
        asset: req("asset")?.trim().to_string(),
        bridge_src,
    })
}

/// Splits one CSV record (RFC 4180 quoting) into fields.
fn csv_fields(line: &str) -> Result<Vec<String>, &'static str> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, ',') => out.push(std::mem::take(&mut cur)),
            (false, '"') if cur.is_empty() => quoted = true,
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (_, c) => cur.push(c),
        }
    }
    if quoted {
        return Err("a closing quote");
    }
    out.push(cur);
    Ok(out)
}

/// Parses transfers from CSV text with a header row.
pub fn parse_csv(text: &str) -> Result<Vec<Transfer>, Error> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = csv_fields(header.trim_start_matches('\u{feff}'))
        .map_err(|e| Error::Input {
            at: "line 1".into(),
            expected: e.into(),
        })?
        .into_iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let mut out = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        let fields = csv_fields(line).map_err(|e| Error::Input {
            at: format!("line {n}"),
            expected: e.into(),
        })?;
        if fields.len() != header.len() {
            return Err(Error::Input {
                at: format!("line {n}"),
                expected: format!(
                    "{} fields as in the header, found {}",
                    header.len(),
                    fields.len()
                ),
            });
        }
        let get = |k: &str| {
            header
                .iter()
                .position(|h| h == k)
                .map(|p| fields[p].clone())
        };
        let at = |k: &str| format!("line {n}, column `{k}`");
        out.push(transfer(&get, &at)?);
    }
    Ok(out)
}

/// Parses transfers from a JSON array of objects.
pub fn parse_json(v: &serde_json::Value) -> Result<Vec<Transfer>, Error> {
    let arr = v.as_array().ok_or_else(|| Error::Input {
        at: "$".into(),
        expected: "an array of transfer objects".into(),
    })?;
    let mut out = Vec::with_capacity(arr.len());
    for (i, item) in arr.iter().enumerate() {
        let obj = item.as_object().ok_or_else(|| Error::Input {
            at: format!("$[{i}]"),
            expected: "an object".into(),
        })?;
        let get = |k: &str| {
            obj.get(k).and_then(|x| match x {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let at = |k: &str| format!("$[{i}].{k}");
        out.push(transfer(&get, &at)?);
    }
    Ok(out)
}

/// Adds transfers (each a one-input, one-output transaction) and their
/// bridge links.
pub fn add_transfers(b: &mut GraphBuilder, transfers: &[Transfer]) {
    let mut sorted: Vec<&Transfer> = transfers.iter().collect();
    sorted.sort_by_key(|t| (t.time, t.log_index));
    for t in sorted {
        let chain = b.chain(&t.chain, Model::Account);
        let asset = b.asset(&t.asset);
        let from = b.address(chain, &t.from);
        let to = b.address(chain, &t.to);
        b.add_tx(TxRec {
            chain,
            asset,
            time: t.time,
            hash: t.hash,
            coinbase: false,
            inputs: &[InputRec {
                addr: from,
                value: t.value,
                prev: Prev::None,
            }],
            outputs: &[OutputRec {
                addr: to,
                value: t.value,
            }],
        });
        if let Some(src) = t.bridge_src {
            b.add_bridge_link(src, t.hash);
        }
    }
}

/// A block from Bitcoin Core's `getblock <hash> 2` (or 3, which adds each
/// input's `prevout`), bare or inside the JSON-RPC envelope.
#[derive(Debug, Clone)]
pub struct RpcBlock {
    pub hash: String,
    pub height: u64,
    pub time: u64,
    pub txs: Vec<crate::btc::Tx>,
    /// Per transaction, per input: value (sat) and script of the spent output.
    pub prevouts: Vec<Vec<Option<crate::ingest::Prevout>>>,
}

pub fn parse_getblock(v: &serde_json::Value) -> Result<RpcBlock, Error> {
    let v = match v.get("result") {
        Some(r) if v.get("tx").is_none() => r,
        _ => v,
    };
    let err = |at: String, expected: &str| Error::Input {
        at,
        expected: expected.into(),
    };
    let hash = v
        .get("hash")
        .and_then(|h| h.as_str())
        .ok_or_else(|| err("$.hash".into(), "the block hash"))?
        .to_string();
    let height = v
        .get("height")
        .and_then(|h| h.as_u64())
        .ok_or_else(|| err("$.height".into(), "the block height"))?;
    let time = v
        .get("time")
        .and_then(|h| h.as_u64())
        .ok_or_else(|| err("$.time".into(), "the block time"))?;
    let txs_v = v
        .get("tx")
        .and_then(|t| t.as_array())
        .ok_or_else(|| err("$.tx".into(), "an array of transactions (verbosity 2)"))?;
    let mut txs = Vec::with_capacity(txs_v.len());
    let mut prevouts = Vec::with_capacity(txs_v.len());
    for (i, t) in txs_v.iter().enumerate() {
        let hex = t.get("hex").and_then(|h| h.as_str()).ok_or_else(|| {
            err(
                format!("$.tx[{i}].hex"),
                "the raw transaction (verbosity 2 or 3)",
            )
        })?;
        let bytes = crate::hex::decode(hex).ok_or_else(|| err(format!("$.tx[{i}].hex"), "hex"))?;
        let tx = crate::btc::parse_tx(&bytes)
            .map_err(|e| err(format!("$.tx[{i}].hex"), &e.to_string()))?;
        if let Some(id) = t.get("txid").and_then(|x| x.as_str()) {
            if id != tx.txid.to_string() {
                return Err(err(
                    format!("$.tx[{i}].txid"),
                    &format!("the txid of the raw transaction ({})", tx.txid),
                ));
            }
        }
        let mut pv = Vec::new();
        if let Some(vin) = t.get("vin").and_then(|x| x.as_array()) {
            for (k, input) in vin.iter().enumerate() {
                let Some(p) = input.get("prevout") else {
                    pv.push(None);
                    continue;
                };
                let value = p.get("value").and_then(|x| x.as_f64()).ok_or_else(|| {
                    err(format!("$.tx[{i}].vin[{k}].prevout.value"), "a BTC amount")
                })?;
                let script = p
                    .pointer("/scriptPubKey/hex")
                    .and_then(|x| x.as_str())
                    .and_then(crate::hex::decode)
                    .ok_or_else(|| {
                        err(
                            format!("$.tx[{i}].vin[{k}].prevout.scriptPubKey.hex"),
                            "the spent script in hex",
                        )
                    })?;
                // Amounts are JSON numbers with 8 decimals; round, do not truncate.
                pv.push(Some(((value * 1e8).round() as u64, script)));
            }
        }
        txs.push(tx);
        prevouts.push(pv);
    }
    Ok(RpcBlock {
        hash,
        height,
        time,
        txs,
        prevouts,
    })
}

/// Adds an RPC block's transactions (with prevouts when present).
pub fn add_rpc_block(b: &mut GraphBuilder, block: &RpcBlock) {
    for (tx, pv) in block.txs.iter().zip(&block.prevouts) {
        let pv = (!pv.is_empty()).then_some(pv.as_slice());
        crate::ingest::add_bitcoin_tx(b, tx, block.time, pv);
    }
}
