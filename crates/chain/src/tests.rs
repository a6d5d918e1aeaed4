//! Crate tests. Real-data tests read ../shared/data and skip with a message
//! when it is absent (fresh clone).

use std::path::PathBuf;

use crate::btc::{self, Hash256};
use crate::hex;
use crate::sha256::{sha256, sha256d};

pub(crate) fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!(
            "skipping: {} not found (fresh clone without ../shared)",
            p.display()
        );
        None
    }
}

const BLOCK: &str = "chain/bitcoin/mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw";

pub(crate) fn real_block() -> Option<btc::Block> {
    let bytes = std::fs::read(shared_data(BLOCK)?).expect("read block");
    Some(btc::parse_block(&bytes).expect("the real block parses"))
}

#[test]
fn sha256_vectors() {
    #[track_caller]
    fn check(input: &[u8], expect: &str) {
        assert_eq!(hex::encode(&sha256(&[input])), expect);
    }
    check(
        b"",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    check(
        b"abc",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    check(
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
    // One million 'a' fed in uneven pieces exercises the buffering.
    let mut h = crate::sha256::Sha256::default();
    let a = vec![b'a'; 1000];
    for i in 0..1000 {
        h.update(&a[..(i % 7) + 1]);
        h.update(&a[(i % 7) + 1..]);
    }
    assert_eq!(
        hex::encode(&h.finish()),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    );
    // Double SHA-256 of the empty string (a well-known Bitcoin constant).
    assert_eq!(
        hex::encode(&sha256d(&[b""])),
        "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"
    );
}

#[test]
fn real_block_totals_and_hashes() {
    let Some(block) = real_block() else { return };
    let h = &block.header;
    assert_eq!(
        h.hash.to_string(),
        "000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae"
    );
    assert_eq!(h.time, 1633002641);
    assert_eq!(h.version, 0x3fffe004);
    assert_eq!(block.bip34_height(), Some(702_861));
    assert_eq!(block.txs.len(), 2500);
    assert_eq!(block.txs.iter().filter(|t| t.segwit).count(), 2065);
    assert_eq!(
        block.txs.iter().map(|t| t.inputs.len()).sum::<usize>(),
        6518
    );
    assert_eq!(
        block.txs.iter().map(|t| t.outputs.len()).sum::<usize>(),
        6015
    );
    let total: u64 = block.txs.iter().map(|t| t.output_value()).sum();
    // 28,836.8272899 BTC.
    assert_eq!(total, 2_883_682_728_990);
    assert_eq!(block.txs[0].output_value(), 629_948_405);
    assert!(block.txs[0].is_coinbase());
    assert!(block.txs[1..].iter().all(|t| !t.is_coinbase()));
    assert_eq!(
        block.txs[0].txid.to_string(),
        "764b60c3d9a2c3c5bb6fe7141d9ca6e6778122df75f19366a2c5cb948d1d7d84"
    );
    assert!(h.merkle_root.to_string().starts_with("407d7276"));
    assert_eq!(block.computed_merkle_root(), h.merkle_root);
    // Segwit commitment (BIP 141): the coinbase output script
    // 6a24aa21a9ed<commitment> holds sha256d(witness merkle root || reserved value),
    // with the coinbase's wtxid taken as zero.
    let mut wtxids: Vec<Hash256> = block.txs.iter().map(|t| t.wtxid).collect();
    wtxids[0] = Hash256::default();
    let wroot = btc::merkle_root(wtxids);
    let reserved = &block.txs[0].inputs[0].witness[0];
    let commitment = sha256d(&[&wroot.0, reserved]);
    let found = block.txs[0].outputs.iter().any(|o| {
        o.script_pubkey.len() >= 38
            && o.script_pubkey[..6] == [0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]
            && o.script_pubkey[6..38] == commitment
    });
    assert!(
        found,
        "witness commitment matches the recomputed wtxid merkle root"
    );
}

#[test]
fn parse_errors_name_the_offset() {
    #[track_caller]
    fn check(input: &str, expect: &str) {
        let bytes = hex::decode(input).unwrap();
        assert_eq!(btc::parse_tx(&bytes).unwrap_err().to_string(), expect);
    }
    check("01000000", "E-CHAIN-PARSE at byte 4: expected input count");
    check(
        "0100000000",
        "E-CHAIN-PARSE at byte 5: expected segwit flag",
    );
    check(
        "010000000002",
        "E-CHAIN-PARSE at byte 5: expected segwit flag 0x01",
    );
    check(
        "01000000fd0100",
        "E-CHAIN-PARSE at byte 4: expected minimally encoded CompactSize",
    );
    check(
        "01000000ff",
        "E-CHAIN-PARSE at byte 5: expected input count",
    );
    // A huge input count is refused before allocating.
    check(
        "01000000feffffff7f",
        "E-CHAIN-PARSE at byte 9: expected input count",
    );
}

#[test]
fn parse_tx_roundtrip_small() {
    // Version 1, one input from the null outpoint, one output of 50 BTC to an
    // empty script, lock time 0.
    let raw = format!(
        "01000000 01 {} ffffffff 00 ffffffff 01 00f2052a01000000 00 00000000",
        "00".repeat(32)
    )
    .replace(' ', "");
    let tx = btc::parse_tx(&hex::decode(&raw).unwrap()).unwrap();
    assert!(tx.is_coinbase());
    assert_eq!(tx.output_value(), 5_000_000_000);
    assert_eq!(tx.txid, tx.wtxid);
    assert_eq!(tx.size, raw.len() / 2);
    assert_eq!(tx.txid.0, sha256d(&[&hex::decode(&raw).unwrap()]));
    // Trailing bytes are an error, not ignored.
    let e = btc::parse_tx(&hex::decode(&format!("{raw}00")).unwrap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "E-CHAIN-PARSE at byte {}: expected end of transaction",
            raw.len() / 2
        )
    );
}

#[test]
fn addresses_roundtrip() {
    use crate::addr::{address_to_script, classify, script_to_address};
    #[track_caller]
    fn check(address: &str, script_hex: &str, kind: &str) {
        let script = address_to_script(address).unwrap_or_else(|| panic!("{address} decodes"));
        assert_eq!(hex::encode(&script), script_hex, "{address}");
        assert_eq!(classify(&script).as_str(), kind);
        let canonical = if address[..3].eq_ignore_ascii_case("bc1") {
            address.to_ascii_lowercase()
        } else {
            address.to_string()
        };
        assert_eq!(script_to_address(&script), Some(canonical));
    }
    // BIP 173 / BIP 350 vectors.
    check(
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
        "0014751e76e8199196d454941c45d1b3a323f1433bd6",
        "p2wpkh",
    );
    check(
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
        "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
        "p2wsh",
    );
    check(
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
        "p2tr",
    );
    check(
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "76a91477bff20c60e522dfaa3350c39b030a5d004e839a88ac",
        "p2pkh",
    );
    check(
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        "a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87",
        "p2sh",
    );
    check(
        "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
        "5210751e76e8199196d454941c45d1b3a323",
        "witness_unknown",
    );
    check("BC1SW50QGDZ25J", "6002751e", "witness_unknown");
    // Invalid: bech32 checksum on a v1 program (must be bech32m), mixed case,
    // bad base58 checksum, bad bech32 checksum, 1-byte program, v0 program of 16 bytes.
    for bad in [
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
        "bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
        "bc1pw5dgrnzv",
        "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
    ] {
        assert_eq!(address_to_script(bad), None, "{bad}");
    }
}

#[test]
fn real_address_lists_decode() {
    use crate::addr::normalize;
    let Some(p) = shared_data("chain/addresses/blockchain_valid.ioc") else {
        return;
    };
    let text = std::fs::read_to_string(p).unwrap();
    let btc: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("bitcoin "))
        .collect();
    assert_eq!(btc.len(), 5);
    for a in &btc {
        assert_eq!(normalize(a).as_deref(), Some(*a), "{a}");
    }
    // OFAC XBT: 435 lines, one is a Tron address (line 355) that must not pass.
    let Some(p) = shared_data("chain/ofac/sanctioned_addresses_XBT.txt") else {
        return;
    };
    let text = std::fs::read_to_string(p).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let bad: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|a| normalize(a).is_none())
        .collect();
    assert_eq!(lines.len(), 435);
    assert_eq!(bad, ["TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"]);
}

#[test]
fn real_block_scripts() {
    use crate::addr::{address_to_script, classify, script_to_address};
    let Some(block) = real_block() else { return };
    let mut kinds = std::collections::BTreeMap::new();
    for o in block.txs.iter().flat_map(|t| &t.outputs) {
        let kind = classify(&o.script_pubkey);
        *kinds.entry(kind.as_str()).or_insert(0) += 1;
        // Every address turns back into the very same script.
        if let Some(a) = script_to_address(&o.script_pubkey) {
            assert_eq!(
                address_to_script(&a).as_deref(),
                Some(&o.script_pubkey[..]),
                "{a}"
            );
        }
    }
    let total: usize = kinds.values().sum();
    assert_eq!(total, 6015);
    println!("output script kinds in the real block: {kinds:?}");
    assert!(
        kinds["p2wpkh"] > 0 && kinds["p2pkh"] > 0 && kinds["p2sh"] > 0 && kinds["nulldata"] > 0
    );
}

#[test]
fn ripemd160_vectors() {
    #[track_caller]
    fn check(input: &[u8], expect: &str) {
        assert_eq!(hex::encode(&crate::ripemd160::ripemd160(input)), expect);
    }
    check(b"", "9c1185a5c5e9fc54612808977ee8f548b2258d31");
    check(b"abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
    check(
        b"message digest",
        "5d0689ef49d2fae572b881b123a85ffa21595f36",
    );
    check(
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "12a053384a9c0c88e405a06c27dcf49ada62eb2b",
    );
    check(
        &[b'a'; 1_000_000],
        "52783243c1697bdbe16d37f97f68f08325dc1528",
    );
    // Lengths around the padding boundary (values from Python's hashlib).
    for (n, expect) in [
        (55, "3c86963b3ff646a65ae42996e9664c747cc7e5e6"),
        (56, "ebdd79cfd4fd9949ef8089673d2620427f487cfb"),
        (63, "6d31d3d634b4a7aa15914c239576eb1956f2d9a4"),
        (64, "2581f5e9f957b44b0fa24d31996de47409dd1e0f"),
        (65, "109949b95341eeea7365e8ac4d0d3883d98f709a"),
        (119, "ad430b4283203a7b7f338b9d252dfdbf807402bf"),
        (120, "b89cdc109009f1982c8b34fca446953584d3f6c4"),
    ] {
        let data: Vec<u8> = (0..n).map(|i| i as u8).collect();
        check(&data, expect);
    }
}

/// Inputs that spend outputs of the same block give ground truth for the
/// spent-script reconstruction.
#[test]
fn real_block_spent_scripts() {
    use crate::addr::spent_script;
    let Some(block) = real_block() else { return };
    let by_txid: std::collections::HashMap<Hash256, &btc::Tx> =
        block.txs.iter().map(|t| (t.txid, t)).collect();
    let (mut checked, mut derived, mut total) = (0, 0, 0);
    for tx in &block.txs[1..] {
        for input in &tx.inputs {
            total += 1;
            let got = spent_script(&input.script_sig, &input.witness);
            derived += usize::from(got.is_some());
            if let Some(prev) = by_txid.get(&input.prev_txid) {
                let want = &prev.outputs[input.prev_vout as usize].script_pubkey;
                assert_eq!(got.as_deref(), Some(&want[..]), "{}", tx.txid);
                checked += 1;
            }
        }
    }
    println!(
        "spent scripts: {derived}/{total} derived, {checked} checked against in-block outputs"
    );
    assert!(checked > 0);
    assert_eq!(total, 6518 - 1);
    // This pre-taproot block has no key-path taproot or bare-pubkey spends, so
    // every input reveals the script it spends.
    assert_eq!(derived, total);
}

pub(crate) fn real_graph() -> Option<(btc::Block, crate::graph::Graph)> {
    let block = real_block()?;
    let mut b = crate::graph::GraphBuilder::new();
    crate::ingest::add_bitcoin_block(&mut b, &block);
    Some((block, b.finish()))
}

#[test]
fn real_block_graph_and_fees() {
    let Some((block, g)) = real_graph() else {
        return;
    };
    assert_eq!(g.tx_count(), 2500);
    assert_eq!(
        g.input_count(),
        6518 - 1,
        "the coinbase input is not a spend"
    );
    assert_eq!(g.output_count(), 6015);
    // 23 OP_RETURN outputs have no owner; every other output has an address key.
    let owned = (0..g.output_count() as u32)
        .filter(|o| g.output_addr(*o) != crate::graph::NONE)
        .count();
    assert_eq!(owned, 6015 - 23);
    // Spends inside the block resolve; the rest point outside the data.
    let resolved = (0..g.input_count() as u32)
        .filter(|i| g.input_prev(*i) != crate::graph::NONE)
        .count();
    assert_eq!(resolved, 327);
    assert_eq!(g.unresolved_prev(), 6517 - 327);
    // Block reward: subsidy at height 702,861 is 6.25 BTC (third halving at
    // 630,000), so the coinbase claims 629,948,405 − 625,000,000 sat of fees.
    let height = block.bip34_height().unwrap();
    let subsidy = 5_000_000_000u64 >> (height / 210_000);
    assert_eq!(subsidy, 625_000_000);
    let total_fees = g.output_total(0) - subsidy;
    assert_eq!(total_fees, 4_948_405);
    // Transactions whose inputs all come from this block have a known fee; it
    // is positive and below the block total.
    let fees: Vec<u64> = (1..g.tx_count() as u32).filter_map(|t| g.fee(t)).collect();
    println!(
        "{} transactions with in-block inputs only; their fees sum to {} sat",
        fees.len(),
        fees.iter().sum::<u64>()
    );
    assert!(!fees.is_empty());
    assert!(fees.iter().all(|f| *f > 0));
    assert!(fees.iter().sum::<u64>() < total_fees);
    // Adjacency: every output is listed under its address exactly once.
    let listed: usize = (0..g.addr_count() as u32)
        .map(|a| g.received(a).len())
        .sum();
    assert_eq!(listed, owned);
}

#[test]
fn real_block_clustering() {
    use crate::cluster::{cluster, detect_coinjoin, ClusterConfig, Reason};
    let Some((_, g)) = real_graph() else { return };
    let c = cluster(&g, &ClusterConfig::MULTI_INPUT);
    // Invariant: all inputs of each non-CoinJoin transaction share a cluster;
    // inputs of CoinJoins are not joined by them.
    for t in 1..g.tx_count() as u32 {
        let ins: Vec<u32> = g.inputs(t).map(|i| g.input_addr(i)).collect();
        if detect_coinjoin(&g, t).is_none() {
            assert!(ins.windows(2).all(|w| c.same(w[0], w[1])), "tx {t}");
        }
    }
    assert_eq!(
        c.sizes.iter().map(|s| *s as usize).sum::<usize>(),
        g.addr_count()
    );
    // A spanning forest: each merge removes one cluster.
    assert_eq!(c.cluster_count() + c.links.len(), g.addr_count());
    assert!(c.links.iter().all(|l| l.reason == Reason::MultiInput));
    let multi = c.sizes.iter().filter(|s| **s > 1).count();
    let largest = c.sizes.iter().max().copied().unwrap_or(0);
    let kinds: Vec<&str> = c.coinjoins.iter().map(|(_, k)| k.as_str()).collect();
    println!(
        "real block: {} addresses, {} clusters ({} with more than one address, largest {}), coinjoins {:?}",
        g.addr_count(),
        c.cluster_count(),
        multi,
        largest,
        kinds
    );
    // Why two addresses are together: a chain of multi-input merges.
    let l = c
        .links
        .iter()
        .find(|l| c.sizes[c.cluster_of[l.a as usize] as usize] >= 3)
        .unwrap();
    let members: Vec<u32> = (0..g.addr_count() as u32)
        .filter(|a| c.cluster_of[*a as usize] == c.cluster_of[l.a as usize])
        .collect();
    let (a, b) = (members[0], *members.last().unwrap());
    let path = c.why(a, b).unwrap();
    assert!(!path.is_empty());
    // The path really connects a to b.
    let mut at = a;
    for step in &path {
        at = if step.a == at {
            step.b
        } else {
            assert_eq!(step.b, at);
            step.a
        };
    }
    assert_eq!(at, b);
    // Change heuristics only add merges.
    let all = ClusterConfig {
        change_fresh_address: true,
        change_round_payment: true,
        change_script_type: true,
        ..ClusterConfig::MULTI_INPUT
    };
    let c2 = cluster(&g, &all);
    assert!(c2.cluster_count() <= c.cluster_count());
    let mut by_reason = std::collections::BTreeMap::new();
    for l in &c2.links {
        *by_reason.entry(l.reason.as_str()).or_insert(0) += 1;
    }
    println!(
        "with change heuristics: {} clusters, merges by reason {by_reason:?}",
        c2.cluster_count()
    );
}

pub(crate) fn real_labels() -> Option<(Vec<crate::labels::Label>, Vec<String>)> {
    use crate::labels::{parse_ofac_list, parse_tagpack};
    let dir = shared_data("chain")?;
    let mut labels = Vec::new();
    let mut diags = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir.join("tagpacks"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    for p in names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let (l, d) = parse_tagpack(&std::fs::read_to_string(p).unwrap(), &name);
        labels.extend(l);
        diags.extend(d.iter().map(|d| format!("{name}: {d}")));
    }
    let mut names: Vec<_> = std::fs::read_dir(dir.join("ofac"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    for p in names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
    {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let asset = name
            .trim_start_matches("sanctioned_addresses_")
            .trim_end_matches(".txt")
            .to_string();
        let (l, d) = parse_ofac_list(&std::fs::read_to_string(p).unwrap(), &asset, &name);
        labels.extend(l);
        diags.extend(d.iter().map(|d| format!("{name}: {d}")));
    }
    Some((labels, diags))
}

#[test]
fn tagpacks_and_ofac_lists() {
    use crate::labels::{parse_tagpack, Category};
    let Some((labels, diags)) = real_labels() else {
        return;
    };
    let count = |src: &str| labels.iter().filter(|l| l.source.starts_with(src)).count();
    // Tags per pack (data README), minus the ones our validation rejects.
    for (pack, n) in [
        ("lazarus.yaml", 21),
        ("lazarus2.yaml", 6),
        ("ronin_bridge.yaml", 6),
        ("hacks.yaml", 608),
        ("tornado_cash.yaml", 39),
        ("sinbad_io.yaml", 2),
        ("exchange-wallets-bybit.yaml", 8),
        ("exchange-wallets-kucoin.yaml", 59),
        ("exchange-wallets-okx.yaml", 36),
    ] {
        assert_eq!(count(pack), n, "{pack}");
    }
    for d in &diags {
        println!("label diagnostic: {d}");
    }
    // ofac.yaml has 572 tags; one is the Tron-shaped address listed as BTC.
    assert_eq!(count("ofac.yaml"), 571);
    // OFAC lists: 654 addresses; the Tron address in the XBT list is rejected.
    let ofac: Vec<_> = labels
        .iter()
        .filter(|l| l.source.starts_with("sanctioned_addresses_"))
        .collect();
    assert_eq!(ofac.len(), 653);
    assert!(diags
        .iter()
        .any(|d| d.contains("TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq")));
    assert!(diags
        .iter()
        .any(|d| d.starts_with("tornado_cash.yaml") && d.contains("surrounding spaces")));
    // Categories.
    let cat = |src: &str| {
        let mut c: Vec<Category> = labels
            .iter()
            .filter(|l| l.source.starts_with(src))
            .map(|l| l.category)
            .collect();
        c.dedup();
        c
    };
    assert_eq!(cat("lazarus.yaml"), [Category::Sanctioned]);
    assert_eq!(cat("tornado_cash.yaml"), [Category::Mixer]);
    assert_eq!(cat("ronin_bridge.yaml"), [Category::Theft]);
    assert_eq!(cat("exchange-wallets-kucoin.yaml"), [Category::Exchange]);
    assert_eq!(cat("ofac.yaml"), [Category::Sanctioned]);
    // Cross-check (data README): all 21 lazarus.yaml addresses and 570 of 572
    // ofac.yaml entries are in the OFAC lists.
    let in_ofac = |l: &&&crate::labels::Label| {
        ofac.iter()
            .any(|o| o.chain == l.chain && o.address == l.address)
    };
    let lazarus: Vec<_> = labels
        .iter()
        .filter(|l| l.source.starts_with("lazarus.yaml"))
        .collect();
    assert_eq!(lazarus.iter().filter(in_ofac).count(), 21);
    let ofac_pack: Vec<_> = labels
        .iter()
        .filter(|l| l.source.starts_with("ofac.yaml"))
        .collect();
    // 570 counting the Tron-shaped entry that both lists file under BTC and
    // that we reject on both sides.
    assert_eq!(ofac_pack.iter().filter(in_ofac).count(), 569);

    // The YAML subset: quotes, comments, inherited header keys, errors with lines.
    let (l, d) = parse_tagpack(
        "title: t # comment\ncategory: exchange\nconfidence: service_data\ncurrency: ETH\nlabel: 'it''s'\ntags:\n- address: \"0xAbCdEf0123456789aBcDeF0123456789AbCdEf01\"\n  actor: acme\n- address: 0x12\nbroken line\n",
        "t.yaml",
    );
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].address, "0xabcdef0123456789abcdef0123456789abcdef01");
    assert_eq!(
        (l[0].category, l[0].confidence, l[0].name.as_str()),
        (Category::Exchange, 80, "acme")
    );
    assert_eq!(l[0].source, "t.yaml:7");
    let d: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        d,
        [
            "line 10: expected `key: value`, found \"broken line\"",
            "line 9: \"0x12\" is not a valid ethereum address"
        ]
    );
}

/// Precision and recall of a predicted set against the truth.
pub(crate) fn pr<T: Eq + std::hash::Hash + Copy>(predicted: &[T], truth: &[T]) -> (f64, f64) {
    let p: std::collections::HashSet<T> = predicted.iter().copied().collect();
    let t: std::collections::HashSet<T> = truth.iter().copied().collect();
    let hit = p.intersection(&t).count() as f64;
    let precision = if p.is_empty() {
        1.0
    } else {
        hit / p.len() as f64
    };
    let recall = if t.is_empty() {
        1.0
    } else {
        hit / t.len() as f64
    };
    (precision, recall)
}

#[test]
fn synthetic_laundering_is_traced() {
    use crate::cluster::{cluster, ClusterConfig};
    use crate::labels::{Category, LabelIndex};
    use crate::peel::{detect, PeelConfig};
    use crate::synth::{generate, SynthConfig};
    use crate::trace::{trace_forward, HopKind, Method, MixerMatch, TraceConfig};
    let s = generate(&SynthConfig::small(7));
    let g = &s.graph;
    let truth = &s.truth;
    println!(
        "synthetic graph: {} txs, {} addresses, {} inputs, {} outputs",
        g.tx_count(),
        g.addr_count(),
        g.input_count(),
        g.output_count()
    );
    assert_eq!(truth.peel_txs.len(), 12);
    assert_eq!(truth.deposits.len(), 12 + 2);
    let c = cluster(g, &ClusterConfig::MULTI_INPUT);
    let mut labels = LabelIndex::new(g, s.labels.clone());
    let added = labels.extend_by_clusters(g, &c);
    println!(
        "labels: {} given, {} derived from clusters",
        s.labels.len(),
        added
    );
    // Every deposit address of the story is labelled an exchange (BTC ones via
    // the sweep clusters, ETH ones directly).
    for d in &truth.deposits {
        assert!(labels.has(*d, Category::Exchange), "{}", g.address(*d));
    }
    for method in [Method::Haircut, Method::Fifo, Method::Poison] {
        let mut cfg = TraceConfig::new(method);
        cfg.follow_mixers = Some(MixerMatch {
            max_fee_bp: 300,
            window_secs: 24 * 3600,
        });
        let r = trace_forward(g, &labels, &truth.theft_addrs, &cfg);
        let deposits: Vec<u32> = r
            .reached
            .iter()
            .filter(|x| labels.labels[x.label as usize].category == Category::Exchange)
            .map(|x| x.addr)
            .collect();
        let (p_dep, r_dep) = pr(&deposits, &truth.deposits);
        let visited: Vec<u32> = r.flows.iter().map(|f| f.tx).collect();
        let chains = detect(g, Some(&visited), &PeelConfig::default());
        let peel: Vec<u32> = chains.iter().flat_map(|c| c.txs.iter().copied()).collect();
        let (p_peel, r_peel) = pr(&peel, &truth.peel_txs);
        let mixer_hops: Vec<u32> = r
            .hops
            .iter()
            .filter(|h| h.kind == HopKind::Mixer)
            .map(|h| h.tx)
            .collect();
        let (p_mix, r_mix) = pr(&mixer_hops, &[truth.mixer_tx]);
        let bridge = r.hops.iter().find(|h| h.kind == HopKind::Bridge);
        let t = &r.totals[&0];
        println!(
            "{:8} deposits P={p_dep:.2} R={r_dep:.2} ({} found) | peel chain P={p_peel:.2} R={r_peel:.2} | mixer hop P={p_mix:.2} R={r_mix:.2} | txs visited {} | BTC seeded {} reached {} fees {} unspent {} stuck {}",
            method.as_str(), deposits.len(), r.txs_visited, t.seeded, t.reached, t.fees, t.unspent, t.stuck_in_hops
        );
        assert_eq!(r_dep, 1.0, "{method:?}: every laundering deposit is found");
        assert_eq!(r_peel, 1.0, "{method:?}: the peel chain is found");
        assert_eq!(r_mix, 1.0, "{method:?}: the mixer hop is found");
        let bridge = bridge.expect("bridge hop");
        assert_eq!(bridge.tx, truth.bridge_tx);
        assert_eq!(bridge.continued, [truth.bridge_payout_tx]);
        if method != Method::Poison {
            // Amounts are conserved: what was seeded is accounted for.
            let accounted =
                t.reached + t.stuck_in_hops + t.unspent + t.fees + t.cut_depth + t.cut_value;
            assert!(accounted <= t.seeded, "{accounted} > {}", t.seeded);
            assert_eq!(p_dep, 1.0, "{method:?}: no innocent deposit is blamed");
        }
    }
}

#[test]
fn amounts() {
    use crate::account::{format_amount, parse_amount};
    #[track_caller]
    fn check(input: &str, expect: Option<u64>) {
        assert_eq!(parse_amount(input, 9), expect, "{input}");
    }
    check("15.5", Some(15_500_000_000));
    check("0.000000001", Some(1));
    check("0.0000000019", Some(1));
    check(".5", Some(500_000_000));
    check("7", Some(7_000_000_000));
    check("1e3", None);
    check("-1", None);
    check("", None);
    check("99999999999", None);
    assert_eq!(format_amount(15_500_000_000, 9), "15.5");
    assert_eq!(format_amount(100_000_000, 8), "1");
    assert_eq!(format_amount(1, 8), "0.00000001");
}

#[test]
fn transfers_csv_and_bridge_links() {
    use crate::account::{add_transfers, parse_csv, parse_json};
    use crate::graph::{GraphBuilder, InputRec, Model, OutputRec, Prev, TxRec};
    let text = include_str!("../testdata/transfers.csv");
    let t = parse_csv(text).unwrap();
    assert_eq!(t.len(), 3);
    assert_eq!(t[0].from, "0xb1d6e5a6f0e5bc1b13f6c0e8d1a3b4e4a4c4f001");
    assert_eq!(t[0].value, 15_500_000_000);
    assert_eq!(t[2].log_index, 3);
    // The bridge source is a Bitcoin txid in display order: stored reversed.
    assert_eq!(t[0].bridge_src.unwrap()[0], 0xab);
    let mut b = GraphBuilder::new();
    let btc = b.chain("bitcoin", Model::Utxo);
    let asset = b.asset("BTC");
    let a = b.address(btc, "bc1qdeposit");
    let mut src = [0u8; 32];
    src[0] = 0xab;
    b.add_tx(TxRec {
        chain: btc,
        asset,
        time: 1_700_000_000,
        hash: src,
        coinbase: true,
        inputs: &[] as &[InputRec],
        outputs: &[OutputRec {
            addr: a,
            value: 100_000_000,
        }],
    });
    add_transfers(&mut b, &t);
    let g = b.finish();
    assert_eq!(g.bridge_links(), [(0, 1)]);
    assert_eq!(
        g.tx_hash_display(1),
        "0x1111111111111111111111111111111111111111111111111111111111111111"
    );
    assert_eq!(g.chain_of_tx(1).model, Model::Account);
    let _ = Prev::None;
    // Errors name the line and column, or the JSON path.
    #[track_caller]
    fn check_err(csv: &str, expect: &str) {
        assert_eq!(parse_csv(csv).unwrap_err().to_string(), expect);
    }
    let head = "chain,tx_hash,timestamp,from,to,value,asset\n";
    check_err(
        &format!("{head}ethereum,0x11,1,0xa,0xb,1,ETH\n"),
        "E-CHAIN-INPUT at line 2, column `tx_hash`: expected a 32-byte hex hash",
    );
    check_err(
        &format!("{head}ethereum,{},x,0xa,0xb,1,ETH\n", "11".repeat(32)),
        "E-CHAIN-INPUT at line 2, column `timestamp`: expected Unix seconds",
    );
    check_err(
        &format!("{head}ethereum,{},1,0xa,0xb,1\n", "11".repeat(32)),
        "E-CHAIN-INPUT at line 2: expected 7 fields as in the header, found 6",
    );
    check_err(
        &format!("{head}ethereum,{},1,,0xb,1,ETH\n", "11".repeat(32)),
        "E-CHAIN-INPUT at line 2, column `from`: expected a value for `from`",
    );
    let j: serde_json::Value = serde_json::json!([{"chain": "tron", "tx_hash": "11".repeat(32), "timestamp": 5, "from": "TA", "to": "TB", "value": "x", "asset": "USDT"}]);
    assert_eq!(
        parse_json(&j).unwrap_err().to_string(),
        "E-CHAIN-INPUT at $[0].value: expected a decimal amount in whole units"
    );
}

#[test]
fn getblock_json() {
    use crate::account::{add_rpc_block, parse_getblock};
    let Some(block) = real_block() else { return };
    let bytes = std::fs::read(shared_data(BLOCK).unwrap()).unwrap();
    // Build a verbosity-2 answer from the raw block: hex and txid per
    // transaction (offsets from re-parsing each transaction in turn).
    let mut txs = Vec::new();
    let mut pos = 80 + 3; // header + CompactSize(2500) = fd c4 09
    for tx in &block.txs {
        let raw = &bytes[pos..pos + tx.size];
        pos += tx.size;
        txs.push(
            serde_json::json!({"txid": tx.txid.to_string(), "hex": hex::encode(raw), "vin": []}),
        );
    }
    assert_eq!(pos, bytes.len());
    // Give the first non-coinbase input a prevout, as verbosity 3 does.
    txs[1]["vin"] = serde_json::json!([{"prevout": {"value": 0.5, "scriptPubKey": {"hex": "0014751e76e8199196d454941c45d1b3a323f1433bd6"}}}]);
    let v = serde_json::json!({"result": {"hash": block.header.hash.to_string(), "height": 702861, "time": block.header.time, "tx": txs}, "error": null});
    let rb = parse_getblock(&v).unwrap();
    assert_eq!(rb.txs, block.txs);
    let mut b = crate::graph::GraphBuilder::new();
    add_rpc_block(&mut b, &rb);
    let g = b.finish();
    let i = g.inputs(1).start;
    assert_eq!(g.input_value(i), 50_000_000);
    assert_eq!(
        g.address(g.input_addr(i)),
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    );
    // A txid that does not match its hex is an error with the JSON path.
    let mut bad = v.clone();
    bad["result"]["tx"][3]["txid"] = serde_json::json!("00".repeat(32));
    let e = parse_getblock(&bad).unwrap_err().to_string();
    assert!(
        e.starts_with("E-CHAIN-INPUT at $.tx[3].txid: expected the txid of the raw transaction"),
        "{e}"
    );
}

pub(crate) fn synth_with_labels(seed: u64) -> (crate::synth::Synth, crate::labels::LabelIndex) {
    use crate::cluster::{cluster, ClusterConfig};
    use crate::labels::{Category, Label, LabelIndex};
    let s = crate::synth::generate(&crate::synth::SynthConfig::small(seed));
    let g = &s.graph;
    let mut labels = s.labels.clone();
    for &a in &s.truth.theft_addrs {
        labels.push(Label {
            chain: "bitcoin".into(),
            address: g.address(a).into(),
            category: Category::Theft,
            name: "synthetic theft".into(),
            source: "incident:test".into(),
            confidence: 100,
            actor: None,
        });
    }
    let c = cluster(g, &ClusterConfig::MULTI_INPUT);
    let mut li = LabelIndex::new(g, labels);
    li.extend_by_clusters(g, &c);
    (s, li)
}

#[test]
fn backward_trace_finds_the_victim() {
    use crate::labels::Category;
    use crate::trace::{trace_backward, Method, TraceConfig};
    let (s, labels) = synth_with_labels(7);
    let g = &s.graph;
    // From the first cash-out deposit back to the victim exchange's hot wallet,
    // through the peel chain and the theft address.
    let deposit = s.truth.deposits[0];
    let victim = g
        .find_address(
            "bitcoin",
            &labels
                .labels
                .iter()
                .find(|l| l.name == "alpha-exchange" && l.source == "synthetic")
                .unwrap()
                .address,
        )
        .unwrap();
    for method in [Method::Haircut, Method::Fifo, Method::Poison] {
        let r = trace_backward(g, &labels, &[deposit], &TraceConfig::new(method));
        let theft = r
            .reached
            .iter()
            .find(|x| labels.labels[x.label as usize].category == Category::Theft);
        let theft = theft.unwrap_or_else(|| panic!("{method:?}: theft address reached"));
        assert_eq!(theft.addr, s.truth.theft_addrs[0]);
        let v = r
            .reached
            .iter()
            .find(|x| x.addr == victim)
            .unwrap_or_else(|| panic!("{method:?}: victim reached"));
        println!("backward {:8}: theft address at depth {}, victim at depth {} with {} sat, {} txs visited", method.as_str(), theft.min_depth, v.min_depth, v.amount, r.txs_visited);
        assert!(v.min_depth > theft.min_depth);
        if method != Method::Poison {
            // The deposit's value is accounted for at the victim (all of it came from the theft).
            let seeded = r.totals[&0].seeded;
            assert!(
                v.amount <= seeded && v.amount + 100 >= seeded,
                "{} of {seeded}",
                v.amount
            );
        }
    }
}

#[test]
fn screening_finds_paths() {
    use crate::labels::Category;
    use crate::screen::{screen, Direction, ScreenConfig};
    let (s, labels) = synth_with_labels(7);
    let g = &s.graph;
    let deposit = s.truth.deposits[2];
    let hits = screen(
        g,
        &labels,
        deposit,
        &ScreenConfig {
            max_hops: 8,
            max_visits: 100_000,
        },
    );
    let theft: Vec<_> = hits
        .iter()
        .filter(|e| labels.labels[e.label as usize].category == Category::Theft)
        .collect();
    assert_eq!(theft.len(), 1, "{hits:?}");
    let e = theft[0];
    assert_eq!(e.direction, Direction::Incoming);
    assert_eq!(e.target, s.truth.theft_addrs[0]);
    // deposit ← cash-out 3 ← change 2 ← change 1 ← thief (peel step 3).
    assert_eq!(e.hops, 4);
    assert_eq!(e.path.len(), 5);
    assert_eq!(e.path[0], deposit);
    assert_eq!(*e.path.last().unwrap(), e.target);
    assert_eq!(e.txs.len(), 4);
    assert!(e.txs.contains(&s.truth.peel_txs[2]));
    // Within fewer hops there is nothing.
    let near = screen(
        g,
        &labels,
        deposit,
        &ScreenConfig {
            max_hops: 3,
            max_visits: 100_000,
        },
    );
    assert!(near
        .iter()
        .all(|e| labels.labels[e.label as usize].category != Category::Theft));
    // The theft address itself is exposed at 0 hops.
    let own = screen(
        g,
        &labels,
        s.truth.theft_addrs[0],
        &ScreenConfig {
            max_hops: 0,
            max_visits: 10,
        },
    );
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].hops, 0);
}

/// Compares with a golden file; `UPDATE_EXPECT=1` rewrites it.
#[track_caller]
pub(crate) fn check_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expect = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing; run with UPDATE_EXPECT=1", path.display()));
    assert_eq!(actual, expect, "{name} differs (UPDATE_EXPECT=1 to accept)");
}

#[test]
fn trace_report_golden() {
    use crate::peel::{detect, PeelConfig};
    use crate::report::{flows_csv, flows_dot, trace_json};
    use crate::trace::{trace_forward, Method, MixerMatch, TraceConfig};
    let (s, labels) = synth_with_labels(7);
    let g = &s.graph;
    let mut cfg = TraceConfig::new(Method::Haircut);
    cfg.follow_mixers = Some(MixerMatch {
        max_fee_bp: 300,
        window_secs: 86_400,
    });
    let r = trace_forward(g, &labels, &s.truth.theft_addrs, &cfg);
    let txs: Vec<u32> = r.flows.iter().map(|f| f.tx).collect();
    let peels = detect(g, Some(&txs), &PeelConfig::default());
    let j = trace_json(g, &labels, &r, &cfg, "forward", &peels);
    check_golden(
        "synthetic_trace.json",
        &(serde_json::to_string_pretty(&j).unwrap() + "\n"),
    );
    check_golden("synthetic_trace.csv", &flows_csv(g, &r));
    check_golden("synthetic_trace.dot", &flows_dot(g, &labels, &r));
}

/// Differential test: every output address of the real block against the
/// Python reference implementations of Base58Check and bech32/bech32m.
#[test]
fn real_block_addresses_match_python_peers() {
    let Some(path) = shared_data(BLOCK) else {
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let peers = std::env::var_os("THREATLEDGER_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".peers"));
    let python = peers.join("bin/python");
    if !python.exists() {
        println!("skipping: no Python peers at {}", peers.display());
        return;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/block_addresses.py");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(&path)
        .output()
        .unwrap();
    if !out.status.success() {
        println!(
            "skipping: peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let theirs: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let block = real_block().unwrap();
    let ours: Vec<String> = block
        .txs
        .iter()
        .flat_map(|t| &t.outputs)
        .map(|o| crate::addr::script_to_address(&o.script_pubkey).unwrap_or_else(|| "-".into()))
        .collect();
    assert_eq!(ours.len(), theirs.len());
    let disagree: Vec<_> = ours.iter().zip(&theirs).filter(|(a, b)| a != b).collect();
    println!(
        "{} output addresses compared with base58/bech32 peers, {} disagreements",
        ours.len(),
        disagree.len()
    );
    assert!(
        disagree.is_empty(),
        "{:?}",
        &disagree[..disagree.len().min(5)]
    );
}
