//! Flat observation logs (CSV with a header row, or JSON lines of flat objects)
//! turned into STIX observed-data and SCOs so that patterns can match them.
//!
//! Column mapping (a row may fill several groups; each group present becomes an
//! SCO the observation holds):
//!
//! | columns | SCOs |
//! |---|---|
//! | `timestamp` (RFC 3339 or Unix seconds), optional `end` | `first_observed`, `last_observed` |
//! | `count` | `number_observed` (default 1) |
//! | `id` | used in the observed-data id (default: the record's content) |
//! | `src_ip`, `dst_ip`, `src_port`, `dst_port`, `protocol` | `network-traffic` with `src_ref`/`dst_ref` to `ipv4-addr`/`ipv6-addr` |
//! | `query` (or `domain`), `answer` | `domain-name` (`resolves_to_refs` to the answer's address) |
//! | `url` | `url` |
//! | `md5`, `sha1`, `sha256`, `file_name`, `file_size` | `file` with `hashes` (`MD5`, `SHA-1`, `SHA-256`) |
//! | `chain`, `from_address`, `to_address` (also `address`) | `crypto-address` (one per address) |
//!
//! An IP alone (`src_ip`/`dst_ip` without ports or protocol) still yields the
//! network-traffic and its addresses; `ip` yields a bare `ipv4-addr`/`ipv6-addr`.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use stix::Timestamp;

use crate::eval::Scope;
use crate::index::ObservationRef;

/// One log record as STIX: the observed-data and the SCOs it refers to.
#[derive(Debug, Clone)]
pub struct FlatObservation {
    /// The SCOs, with ids local to the record (`ipv4-addr--0`…): matching needs
    /// no more, and the deterministic ids cost a hash each, so [`Self::to_stix`]
    /// computes them only for records that are cited.
    pub objects: Vec<Value>,
    pub id: String,
    pub first: Timestamp,
    pub last: Timestamp,
    pub count: u64,
    /// Indexes into `objects` of the observation's roots.
    pub roots: Vec<usize>,
}

/// Why a record was not turned into an observation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record {record}: {message}")]
pub struct FlatError {
    /// 1-based record number (line for JSON lines, row after the header for CSV).
    pub record: usize,
    pub message: String,
}

struct LocalScope<'a>(&'a [Value]);
impl Scope for LocalScope<'_> {
    fn resolve(&self, r: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|o| o.get("id").and_then(Value::as_str) == Some(r))
    }
}

impl FlatObservation {
    /// Runs `f` with the engine's view of this observation.
    pub fn with_ref<R>(&self, f: impl FnOnce(&ObservationRef<'_>) -> R) -> R {
        let scope = LocalScope(&self.objects);
        let r = ObservationRef {
            id: &self.id,
            first: &self.first,
            last: &self.last,
            count: self.count,
            roots: self.roots.iter().map(|&i| &self.objects[i]).collect(),
            scope: &scope,
        };
        f(&r)
    }
}

fn namespace() -> uuid::Uuid {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        b"https://threatledger.invalid/flat-log",
    )
}

/// An SCO with a record-local id (its position gives uniqueness).
fn sco(ty: &str, props: Value, n: usize) -> Value {
    let Value::Object(mut m) = props else {
        return Value::Null;
    };
    let mut out = Map::new();
    out.insert("type".into(), json!(ty));
    out.insert("id".into(), json!(format!("{ty}--{n}")));
    out.append(&mut m);
    Value::Object(out)
}

/// The object as published: spec_version, deterministic id, extension marker.
fn finish_sco(local: &Value, ids: &HashMap<String, String>) -> (String, Value) {
    let ty = local["type"].as_str().unwrap_or_default();
    let mut props = Map::new();
    for (k, v) in local.as_object().into_iter().flatten() {
        if k == "type" || k == "id" {
            continue;
        }
        let v = match v {
            Value::String(r) if k.ends_with("_ref") => json!(ids.get(r).unwrap_or(r)),
            Value::Array(rs) if k.ends_with("_refs") => Value::Array(
                rs.iter()
                    .map(|r| {
                        r.as_str()
                            .and_then(|r| ids.get(r))
                            .map_or_else(|| r.clone(), |x| json!(x))
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        props.insert(k.clone(), v);
    }
    let id = stix::sco_id::deterministic_id(ty, &props)
        .map(|i| i.as_str().to_string())
        .unwrap_or_else(|| {
            format!(
                "{ty}--{}",
                uuid::Uuid::new_v5(
                    &namespace(),
                    Value::Object(props.clone()).to_string().as_bytes()
                )
            )
        });
    let mut out = Map::new();
    out.insert("type".into(), json!(ty));
    out.insert("spec_version".into(), json!("2.1"));
    out.insert("id".into(), json!(id));
    out.append(&mut props);
    if ty == stix::ext::CRYPTO_ADDRESS_TYPE {
        out.insert(
            "extensions".into(),
            json!({stix::ext::CRYPTO_ADDRESS_EXTENSION_ID: {"extension_type": "new-sco"}}),
        );
    }
    (id, Value::Object(out))
}

impl FlatObservation {
    /// The observed-data and its SCOs with their STIX ids, ready to publish.
    pub fn to_stix(&self) -> Vec<Value> {
        let mut ids: HashMap<String, String> = HashMap::new();
        let mut done: Vec<Option<Value>> = vec![None; self.objects.len()];
        // Referenced objects first, so references can be rewritten to their ids.
        let refers = |o: &Value| {
            o.as_object().is_some_and(|m| {
                m.keys()
                    .any(|k| k.ends_with("_ref") || k.ends_with("_refs"))
            })
        };
        for pass in [false, true] {
            for (i, o) in self.objects.iter().enumerate() {
                if refers(o) == pass {
                    let (id, v) = finish_sco(o, &ids);
                    ids.insert(o["id"].as_str().unwrap_or_default().to_string(), id);
                    done[i] = Some(v);
                }
            }
        }
        let objects: Vec<Value> = done.into_iter().flatten().collect();
        let refs: Vec<Value> = objects.iter().map(|o| o["id"].clone()).collect();
        let mut out = vec![json!({
            "type": "observed-data",
            "spec_version": "2.1",
            "id": self.id,
            "created": self.first.as_str(),
            "modified": self.first.as_str(),
            "first_observed": self.first.as_str(),
            "last_observed": self.last.as_str(),
            "number_observed": self.count,
            "object_refs": refs,
        })];
        out.extend(objects);
        out
    }
}

fn field<'a>(r: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    match r.get(k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim()),
        _ => None,
    }
}

fn int_field(r: &Map<String, Value>, k: &str) -> Option<i64> {
    match r.get(k)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn time_field(r: &Map<String, Value>, k: &str) -> Result<Option<Timestamp>, String> {
    let unix = |x: f64| Timestamp::from_unix(x.floor() as i64, ((x - x.floor()) * 1e9) as u32);
    match r.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64().map(unix)),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            if let Ok(x) = s.parse::<f64>() {
                return Ok(Some(unix(x)));
            }
            Timestamp::parse(s)
                .map(Some)
                .map_err(|e| format!("column '{k}': {e}"))
        }
        Some(_) => Err(format!("column '{k}' is not a timestamp")),
    }
}

/// Converts one flat record (field name → string or number).
pub fn record_to_observation(
    record: usize,
    r: &Map<String, Value>,
) -> Result<FlatObservation, FlatError> {
    let err = |message: String| FlatError { record, message };
    let first = time_field(r, "timestamp")
        .map_err(err)?
        .ok_or_else(|| err("no 'timestamp' column (RFC 3339 or Unix seconds)".into()))?;
    let last = time_field(r, "end")
        .map_err(err)?
        .unwrap_or_else(|| first.clone());
    if last < first {
        return Err(err("'end' is before 'timestamp'".into()));
    }
    let count = match int_field(r, "count") {
        Some(n) if n >= 1 => n as u64,
        Some(_) => return Err(err("'count' must be at least 1".into())),
        None => 1,
    };
    let mut objects: Vec<Value> = Vec::new();
    // Every SCO is a root of the observation (as in object_refs); returns the local id.
    let mut push = |ty: &str, props: Value| -> Value {
        let o = sco(ty, props, objects.len());
        let id = o["id"].clone();
        objects.push(o);
        id
    };
    let ip_type = |s: &str| {
        if s.contains(':') {
            "ipv6-addr"
        } else {
            "ipv4-addr"
        }
    };

    let (src, dst) = (field(r, "src_ip"), field(r, "dst_ip"));
    if src.is_some() || dst.is_some() {
        let mut nt = Map::new();
        if let Some(s) = src {
            nt.insert("src_ref".into(), push(ip_type(s), json!({"value": s})));
        }
        if let Some(d) = dst {
            nt.insert("dst_ref".into(), push(ip_type(d), json!({"value": d})));
        }
        if let Some(p) = int_field(r, "src_port") {
            nt.insert("src_port".into(), json!(p));
        }
        if let Some(p) = int_field(r, "dst_port") {
            nt.insert("dst_port".into(), json!(p));
        }
        let proto = field(r, "protocol").map(|p| p.to_ascii_lowercase());
        nt.insert(
            "protocols".into(),
            json!([proto.as_deref().unwrap_or("ipv4")]),
        );
        push("network-traffic", Value::Object(nt));
    }
    if let Some(ip) = field(r, "ip") {
        push(ip_type(ip), json!({"value": ip}));
    }
    if let Some(q) = field(r, "query").or_else(|| field(r, "domain")) {
        let q = q.trim_end_matches('.').to_ascii_lowercase();
        let mut d = json!({"value": q});
        if let Some(a) = field(r, "answer") {
            d["resolves_to_refs"] = json!([push(ip_type(a), json!({"value": a}))]);
        }
        push("domain-name", d);
    }
    if let Some(u) = field(r, "url") {
        push("url", json!({"value": u}));
    }
    let mut hashes = Map::new();
    for (col, alg) in [("md5", "MD5"), ("sha1", "SHA-1"), ("sha256", "SHA-256")] {
        if let Some(h) = field(r, col) {
            hashes.insert(alg.into(), json!(h.to_ascii_lowercase()));
        }
    }
    let name = field(r, "file_name");
    if !hashes.is_empty() || name.is_some() {
        let mut f = Map::new();
        if !hashes.is_empty() {
            f.insert("hashes".into(), Value::Object(hashes));
        }
        if let Some(n) = name {
            f.insert("name".into(), json!(n));
        }
        if let Some(s) = int_field(r, "file_size") {
            f.insert("size".into(), json!(s));
        }
        push("file", Value::Object(f));
    }
    let chain = field(r, "chain").map(str::to_ascii_lowercase);
    for col in ["from_address", "to_address", "address"] {
        if let Some(a) = field(r, col) {
            let mut m = json!({"address": a});
            if let Some(c) = &chain {
                m["chain"] = json!(c);
            }
            push(stix::ext::CRYPTO_ADDRESS_TYPE, m);
        }
    }
    let roots: Vec<usize> = (0..objects.len()).collect();
    if roots.is_empty() {
        return Err(err(
            "no observable columns (src_ip, dst_ip, ip, query, url, md5, sha1, sha256, file_name, from_address, to_address, address)".into(),
        ));
    }
    let name = match field(r, "id") {
        Some(id) => format!("id|{id}"),
        None => Value::Object(r.clone()).to_string(),
    };
    let id = format!(
        "observed-data--{}",
        uuid::Uuid::new_v5(&namespace(), name.as_bytes())
    );
    Ok(FlatObservation {
        objects,
        id,
        first,
        last,
        count,
        roots,
    })
}

/// Splits one CSV line into fields (RFC 4180 quoting; no embedded newlines).
pub fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            ',' => {
                out.push(std::mem::take(&mut cur));
                at_start = true;
            }
            c => {
                cur.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err("unterminated quoted field".into());
    }
    out.push(cur);
    Ok(out)
}

/// A reader of flat records from text lines: CSV (first line is the header) or
/// JSON lines, told apart by the first non-empty line.
#[derive(Debug, Default)]
pub struct FlatParser {
    header: Option<Vec<String>>,
    json: Option<bool>,
    record: usize,
}

impl FlatParser {
    pub fn new() -> FlatParser {
        FlatParser::default()
    }

    /// Feeds one line; returns an observation, nothing (header, blank line) or an error.
    pub fn line(&mut self, line: &str) -> Option<Result<FlatObservation, FlatError>> {
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            return None;
        }
        let json = *self
            .json
            .get_or_insert_with(|| line.trim_start().starts_with('{'));
        if json {
            self.record += 1;
            let rec = self.record;
            return Some(match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(m)) => record_to_observation(rec, &m),
                Ok(_) => Err(FlatError {
                    record: rec,
                    message: "expected a JSON object".into(),
                }),
                Err(e) => Err(FlatError {
                    record: rec,
                    message: format!("invalid JSON: {e}"),
                }),
            });
        }
        let fields = match split_csv_line(line) {
            Ok(f) => f,
            Err(m) => {
                self.record += 1;
                return Some(Err(FlatError {
                    record: self.record,
                    message: m,
                }));
            }
        };
        let Some(header) = &self.header else {
            self.header = Some(
                fields
                    .iter()
                    .map(|h| h.trim().to_ascii_lowercase())
                    .collect(),
            );
            return None;
        };
        self.record += 1;
        let mut m = Map::new();
        for (k, v) in header.iter().zip(fields) {
            m.insert(k.clone(), Value::String(v));
        }
        Some(record_to_observation(self.record, &m))
    }
}
