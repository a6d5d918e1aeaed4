//! `trace` and `screen` end to end: transfer exports, a tag pack, an incident
//! in the store with its theft address, results stored back as STIX.

use crate::support::{code, stderr, stdout, Env};

const THIEF: &str = "0x00000000000000000000000000000000000000a1";
const MID: &str = "0x00000000000000000000000000000000000000b2";
const DEPOSIT: &str = "0x00000000000000000000000000000000000000c3";
const VICTIM: &str = "0x00000000000000000000000000000000000000d4";
const OTHER: &str = "0x00000000000000000000000000000000000000e5";

fn transfers() -> String {
    let h = |n: u8| format!("0x{}", format!("{n:02x}").repeat(32));
    [
        "chain,tx_hash,timestamp,from,to,value,asset".to_string(),
        format!("ethereum,{},100,{VICTIM},{THIEF},1000,ETH", h(1)),
        format!("ethereum,{},200,{THIEF},{MID},600,ETH", h(2)),
        format!("ethereum,{},300,{THIEF},{OTHER},400,ETH", h(3)),
        format!("ethereum,{},400,{MID},{DEPOSIT},600,ETH", h(4)),
    ]
    .join("\n")
        + "\n"
}

const PACK: &str = "title: test pack\ncategory: exchange\nconfidence: service_data\ncurrency: ETH\nactor: acme-exchange\nlabel: ACME\ntags:\n- address: '0x00000000000000000000000000000000000000C3'\n";

const INCIDENT: &str = "incident--5d3b5c3a-2f0e-4f7e-9b0a-6c1d2e3f4a5b";

fn incident_bundle() -> String {
    let addr = stix::ext::crypto_address(THIEF, "ethereum");
    let def = stix::ext::crypto_address_extension_definition();
    let v = serde_json::json!({
        "type": "bundle", "id": "bundle--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "objects": [
            serde_json::to_value(&def).unwrap(),
            {"type": "incident", "spec_version": "2.1", "id": INCIDENT, "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "name": "test exchange theft"},
            serde_json::to_value(&addr).unwrap(),
            {"type": "relationship", "spec_version": "2.1", "id": "relationship--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "relationship_type": "related-to", "source_ref": INCIDENT, "target_ref": addr.id().as_str()}
        ]
    });
    v.to_string()
}

#[test]
fn trace_incident_and_store() {
    let env = Env::new();
    let data = env.write("transfers.csv", &transfers());
    let pack = env.write("pack.yaml", PACK);
    let bundle = env.write("incident.json", &incident_bundle());
    let out = env.run(&["import", bundle.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let args = [
        "trace",
        "--incident",
        INCIDENT,
        "--data",
        data.to_str().unwrap(),
        "--labels",
        pack.to_str().unwrap(),
        "--method",
        "fifo",
        "--store",
        "--format",
        "json",
    ];
    let out = env.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["method"], "fifo");
    assert_eq!(v["reached"][0]["address"], DEPOSIT);
    assert_eq!(v["reached"][0]["name"], "acme-exchange");
    assert_eq!(v["reached"][0]["amount"], "600");
    assert_eq!(v["reached"][0]["min_depth"], 2);
    assert_eq!(v["totals"]["ETH"]["seeded"], "1000");
    // 400 went to an unlabelled address and stays there: unresolved.
    assert_eq!(v["totals"]["ETH"]["unresolved"], "400");
    // Stored: the incident now relates to the deposit's crypto-address, with a note.
    let deposit_id = stix::ext::crypto_address(DEPOSIT, "ethereum")
        .id()
        .as_str()
        .to_string();
    let out = env.run(&["related", INCIDENT, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains(&deposit_id), "{}", stdout(&out));
    let stats = env.stats();
    assert!(stats.to_string().contains("\"note\""), "{stats}");
    // Tracing again stores the same relationship ids (a new version, not duplicates).
    let before = stats["objects"].as_u64().unwrap();
    let out = env.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let after = env.stats()["objects"].as_u64().unwrap();
    assert_eq!(after, before + 1, "only a new note is added");
}

#[test]
fn trace_outputs_and_errors() {
    let env = Env::new();
    let data = env.write("transfers.csv", &transfers());
    let pack = env.write("pack.yaml", PACK);
    let base = [
        "trace",
        "--address",
        THIEF,
        "--data",
        data.to_str().unwrap(),
        "--labels",
        pack.to_str().unwrap(),
    ];
    let out = env.run(&[&base[..], &["--csv"]].concat());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let csv = stdout(&out);
    assert!(
        csv.starts_with("tx,chain,asset,from,to,amount,depth,heuristic\n"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{MID},{DEPOSIT},600,2,false")),
        "{csv}"
    );
    let out = env.run(&[&base[..], &["--dot"]].concat());
    assert!(
        stdout(&out).starts_with("digraph trace {"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("acme-exchange (exchange)"));
    // Depth 1 does not reach the exchange: exit 1.
    let out = env.run(&[&base[..], &["--depth", "1"]].concat());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("cut off 600 by depth"),
        "{}",
        stdout(&out)
    );
    // Bad input: exit 2 with the line and column.
    let bad = env.write(
        "bad.csv",
        "chain,tx_hash,timestamp,from,to,value,asset\nethereum,0x12,1,a,b,1,ETH\n",
    );
    let out = env.run(&["trace", "--address", THIEF, "--data", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("E-CHAIN-INPUT at line 2, column `tx_hash`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn screen_addresses() {
    let env = Env::new();
    let data = env.write("transfers.csv", &transfers());
    let list = env.write(
        "addresses.txt",
        &format!("# to screen\n{DEPOSIT}\n{VICTIM}\n"),
    );
    let out = env.run(&[
        "screen",
        list.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--theft",
        THIEF,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &v[0]["exposures"][0];
    assert_eq!(e["direction"], "incoming");
    assert_eq!(e["hops"], 2);
    assert_eq!(e["path"], serde_json::json!([DEPOSIT, MID, THIEF]));
    // The victim paid the thief: outgoing exposure at one hop.
    assert_eq!(v[1]["exposures"][0]["direction"], "outgoing");
    assert_eq!(v[1]["exposures"][0]["hops"], 1);
    // Within one hop the deposit is clean: exit 1.
    let out = env.run(&[
        "screen",
        DEPOSIT,
        "--data",
        data.to_str().unwrap(),
        "--theft",
        THIEF,
        "--hops",
        "1",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no exposure within 1 hops"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn real_block_and_ofac() {
    let Some(data) = crate::support::shared_data() else {
        return;
    };
    let env = Env::new();
    let block = data.join("chain/bitcoin/mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw");
    // A sanctioned address not in the block: labels only, exit 0 (exposed).
    let out = env.run(&[
        "screen",
        "1AXUTu9y3H8w4wYx4BjyFWgRhZKDhmcMrn",
        "--data",
        block.to_str().unwrap(),
        "--labels",
        data.join("chain/ofac").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["in_data"], false);
    assert_eq!(v[0]["exposures"][0]["category"], "sanctioned");
    // The coinbase payee of the real block: its reward is unspent within the block.
    let out = env.run(&[
        "trace",
        "--address",
        "bc1qx9t2l3pyny2spqpqlye8svce70nppwtaxwdrp4",
        "--data",
        block.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["totals"]["BTC"]["seeded"], "6.29948405");
    assert_eq!(v["totals"]["BTC"]["unspent"], "6.29948405");
}

/// `--rpc`: a stand-in Bitcoin Core answering `getblock` (chunked, as
/// HTTP/1.1 allows) on a local port.
#[test]
fn trace_over_json_rpc() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let tx = format!(
        "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff00ffffffff0100f2052a01000000{}{}00000000",
        "16", "0014751e76e8199196d454941c45d1b3a323f1433bd6"
    );
    let body = serde_json::json!({"result": {"hash": "00".repeat(32), "height": 1, "time": 1_231_006_505, "tx": [{"hex": tx, "vin": []}]}, "error": null, "id": "threatledger"}).to_string();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        // Read the header and the small JSON body.
        while !String::from_utf8_lossy(&req).contains("\"params\"") {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            req.extend_from_slice(&buf[..n]);
        }
        let (a, b) = body.split_at(body.len() / 2);
        let resp = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n", a.len(), b.len());
        s.write_all(resp.as_bytes()).unwrap();
        String::from_utf8_lossy(&req).into_owned()
    });
    let env = Env::new();
    let url = format!("http://u:p@127.0.0.1:{port}/");
    let out = env.run(&[
        "trace",
        "--rpc",
        &url,
        "--block",
        &"00".repeat(32),
        "--address",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        "--format",
        "json",
    ]);
    let req = server.join().unwrap();
    assert!(req.starts_with("POST / HTTP/1.1\r\n"), "{req}");
    assert!(req.contains("Authorization: Basic dTpw\r\n"), "{req}");
    assert!(req.contains("\"method\":\"getblock\""), "{req}");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["totals"]["BTC"]["seeded"], "50");
    assert_eq!(v["totals"]["BTC"]["unspent"], "50");
}
