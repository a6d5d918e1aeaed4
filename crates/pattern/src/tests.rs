//! Unit tests: golden files for the parser and validator, the printer round
//! trip over generated trees, and the matcher's semantics case by case.

use std::path::PathBuf;

use serde_json::json;

use crate::gen::{self, Rng};
use crate::*;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

/// Renders what we know about one pattern: the printed form, or the error, and
/// every diagnostic.
fn render(src: &str) -> String {
    let v = validate(src);
    let mut out = String::new();
    if let Some(p) = &v.pattern {
        out.push_str(&format!("ok {p}\n"));
    }
    for d in &v.diagnostics {
        out.push_str(&format!("  {d}\n"));
    }
    out
}

/// Golden file: each non-empty line of `patterns.in` is a pattern; `patterns.out`
/// holds its rendering. `UPDATE_EXPECT=1` rewrites the expectation.
#[test]
fn golden_patterns() {
    let input = std::fs::read_to_string(testdata("patterns.in")).expect("testdata/patterns.in");
    let mut actual = String::new();
    for line in input
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        actual.push_str(&format!("> {line}\n{}", render(line)));
    }
    let out_path = testdata("patterns.out");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&out_path, &actual).expect("write patterns.out");
        return;
    }
    let expected = std::fs::read_to_string(&out_path).unwrap_or_default();
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .filter(|(a, b)| a != b)
            .take(10)
            .map(|(a, b)| format!("-{a}\n+{b}"))
            .collect();
        panic!(
            "patterns.out differs (run with UPDATE_EXPECT=1 to accept):\n{}",
            diff.join("\n")
        );
    }
}

#[track_caller]
fn check_error(src: &str, offset: usize, needle: &str) {
    let e = parse(src).expect_err(src);
    assert_eq!(e.offset, offset, "{src}: {e}");
    assert!(e.message.contains(needle), "{src}: {e}");
}

#[test]
fn syntax_errors_carry_offset_and_expectation() {
    check_error("", 0, "expected '[' or '('");
    check_error("[file:name = 'a'", 16, "expected ']'");
    check_error("[file:name = 'a'] AND", 21, "expected '[' or '('");
    check_error("[file:name == ]", 14, "expected a constant");
    check_error("[file:name < true]", 13, "orderable constant");
    check_error("[file:na-me = 1]", 6, "cannot contain '-'");
    check_error("[file:name = 'a\\n']", 15, "invalid escape");
    check_error("[file:name = 'abc]", 13, "unterminated string");
    check_error("[x:y = 01]", 8, "expected ']'");
    check_error("[x:y = h'abc']", 7, "hex literal");
    check_error("[x:y = b'']", 7, "binary literal");
    check_error("[x:y = t'2020-02-30T00:00:00Z']", 7, "day out of range");
    check_error("[x:y = 1] WITHIN -5 SECONDS", 17, "positive number");
    check_error("[x:y = 1] REPEATS 2", 19, "TIMES");
    check_error("[x:y = 99999999999999999999]", 7, "out of the 64-bit range");
    check_error("[x:LAST = 1]", 3, "property name");
    check_error("[x:y = 1] /* open", 10, "unterminated comment");
}

#[test]
fn comments_whitespace_and_spellings() {
    let a = parse("[file:name = 'a'] AND [file:size > 5]").unwrap();
    let b = parse(" /*c*/ [ file : name == 'a' ]\u{3000}AND\t[file:size>5] // tail").unwrap();
    assert_eq!(a, b);
    let c = parse("[x:y <> 1]").unwrap();
    assert_eq!(c.to_string(), "[x:y != 1]");
    assert_eq!(
        parse("[x:'a b'.'SHA-256'[*][-1] = +5]")
            .unwrap()
            .to_string(),
        "[x:'a b'.'SHA-256'[*][-1] = 5]"
    );
}

#[test]
fn precedence_and_associativity() {
    let p = parse("[a:b = 1] OR [a:b = 2] AND [a:b = 3] FOLLOWEDBY [a:b = 4]").unwrap();
    let ObsExpr::FollowedBy(xs) = &p.expr else {
        panic!("{p:?}")
    };
    assert!(matches!(&xs[0], ObsExpr::Or(ys) if matches!(ys[1], ObsExpr::And(..))));
    // Right-nested operators need parentheses to round trip.
    // Chains are flat, whatever the parentheses.
    let q = parse("[a:b = 1] AND ([a:b = 2] AND [a:b = 3])").unwrap();
    assert_eq!(q.to_string(), "[a:b = 1] AND [a:b = 2] AND [a:b = 3]");
    let q = parse("[a:b = 1] AND ([a:b = 2] OR [a:b = 3])").unwrap();
    assert_eq!(q.to_string(), "[a:b = 1] AND ([a:b = 2] OR [a:b = 3])");
    let r = parse("([a:b = 1] AND [a:b = 2]) AND [a:b = 3]").unwrap();
    assert_eq!(r.to_string(), "[a:b = 1] AND [a:b = 2] AND [a:b = 3]");
    let s = parse("([a:b = 1] OR [a:b = 2]) WITHIN 5 SECONDS REPEATS 2 TIMES").unwrap();
    assert_eq!(
        s.to_string(),
        "([a:b = 1] OR [a:b = 2]) WITHIN 5 SECONDS REPEATS 2 TIMES"
    );
}

/// Property test: printing any tree and parsing it back gives the same tree.
#[test]
fn print_parse_round_trip() {
    let mut rng = Rng::new(0x5717);
    for i in 0..3000 {
        let p = gen::any_pattern(&mut rng);
        let text = p.to_string();
        let back = parse(&text).unwrap_or_else(|e| panic!("case {i}: {text}\n{e}"));
        assert_eq!(back, p, "case {i}: {text}");
        // Printing is canonical: a second round gives the same text.
        assert_eq!(back.to_string(), text);
    }
}

/// Malformed inputs never panic: every prefix of valid patterns parses or errs.
#[test]
fn prefixes_never_panic() {
    let mut rng = Rng::new(9);
    for _ in 0..200 {
        let text = gen::any_pattern(&mut rng).to_string();
        for (i, _) in text.char_indices() {
            let _ = validate(&text[..i]);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}[a:b = 1]{}", "(".repeat(5000), ")".repeat(5000));
    let e = parse(&deep).unwrap_err();
    assert!(e.message.contains("deeper"), "{e}");
}

#[test]
fn long_chains_stay_flat() {
    // Feeds put thousands of values in one OR; that must not recurse per value.
    let big: Vec<String> = (0..20000)
        .map(|i| format!("ipv4-addr:value = '10.0.{}.{}'", i / 256, i % 256))
        .collect();
    let src = format!("[{}]", big.join(" OR "));
    let p = parse(&src).unwrap();
    let ObsExpr::Observation(CompExpr::Or(xs)) = &p.expr else {
        panic!()
    };
    assert_eq!(xs.len(), 20000);
    assert_eq!(p.to_string(), src);
    let set = bundle(vec![
        json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "10.0.78.31"}),
        od(
            1,
            "2020-01-01T00:00:00Z",
            "2020-01-01T00:00:00Z",
            1,
            &["ipv4-addr--1"],
        ),
    ]);
    check_match(&src, &set, true);
}

#[test]
fn check_for_the_stix_validator() {
    assert!(check("[ipv4-addr:value = '198.51.100.1']").is_ok());
    // Custom types are allowed (a warning only).
    assert!(check("[x-wallet:address = 'abc']").is_ok());
    let errs = check("[file:hashes.MD5 = 'nothex']").unwrap_err();
    assert_eq!(errs[0].code, codes::HASH);
    let errs = check("[a:b = 1] WITHIN 0 SECONDS").unwrap_err();
    assert_eq!(errs[0].code, codes::QUALIFIER_RANGE);
    let errs = check("[a:b MATCHES '(?<=x)y']").unwrap_err();
    assert_eq!(errs[0].code, codes::REGEX);
    let errs = check("[a:b ISSUBSET '300.1.1.1/8']").unwrap_err();
    assert_eq!(errs[0].code, codes::CIDR);
    let errs = check("[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES").unwrap_err();
    assert_eq!(errs[0].code, codes::DUPLICATE_QUALIFIER);
}

// ---------------------------------------------------------------------------
// Matching

fn od(id: u32, first: &str, last: &str, n: u64, refs: &[&str]) -> serde_json::Value {
    json!({"type": "observed-data", "id": format!("observed-data--00000000-0000-4000-8000-{id:012}"),
        "first_observed": first, "last_observed": last, "number_observed": n, "object_refs": refs})
}

fn bundle(objects: Vec<serde_json::Value>) -> serde_json::Value {
    json!({"type": "bundle", "id": "bundle--x", "objects": objects})
}

#[track_caller]
fn check_match(pattern: &str, input: &serde_json::Value, expect: bool) {
    let m = Matcher::compile(pattern).unwrap_or_else(|e| panic!("{pattern}: {e:?}"));
    let set = ObservationSet::from_value(input);
    let r = m.matches(&set);
    assert_eq!(r.matched, expect, "{pattern}");
    assert!(r.complete);
}

fn graph() -> serde_json::Value {
    bundle(vec![
        json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.7"}),
        json!({"type": "ipv4-addr", "id": "ipv4-addr--2", "value": "10.0.0.1"}),
        json!({"type": "network-traffic", "id": "network-traffic--1", "src_ref": "ipv4-addr--2",
            "dst_ref": "ipv4-addr--1", "dst_port": 443, "protocols": ["ipv4", "tcp", "tls"]}),
        json!({"type": "file", "id": "file--1", "name": "Straße.exe", "size": 1024,
            "hashes": {"SHA-256": "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"}, "magic_number_hex": "4D5A"}),
        json!({"type": "domain-name", "id": "domain-name--1", "value": "evil.example",
            "resolves_to_refs": ["ipv4-addr--1"]}),
        od(
            1,
            "2020-01-01T00:00:00Z",
            "2020-01-01T00:00:10Z",
            1,
            &["network-traffic--1", "ipv4-addr--1", "ipv4-addr--2"],
        ),
        od(
            2,
            "2020-01-01T00:01:00Z",
            "2020-01-01T00:01:00Z",
            3,
            &["file--1"],
        ),
        od(
            3,
            "2020-01-01T01:00:00Z",
            "2020-01-01T01:00:00Z",
            1,
            &["domain-name--1"],
        ),
    ])
}

#[test]
fn comparison_operators() {
    let g = graph();
    check_match("[ipv4-addr:value = '198.51.100.7']", &g, true);
    check_match("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", &g, true);
    check_match("[ipv4-addr:value ISSUBSET '192.0.2.0/24']", &g, false);
    check_match("[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port = 443]", &g, true);
    check_match(
        "[network-traffic:src_ref.value = '198.51.100.7']",
        &g,
        false,
    );
    check_match("[network-traffic:protocols[*] = 'tls']", &g, true);
    check_match("[network-traffic:protocols[0] = 'tls']", &g, false);
    check_match("[network-traffic:protocols[2] = 'tls']", &g, true);
    check_match("[network-traffic:dst_port IN (80, 443)]", &g, true);
    check_match("[network-traffic:dst_port NOT IN (80, 443)]", &g, false);
    check_match("[network-traffic:dst_port > 442.5]", &g, true);
    check_match("[network-traffic:dst_port >= 444]", &g, false);
    check_match("[file:size <= 1024 AND file:size NOT < 1024]", &g, true);
    check_match("[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", &g, true);
    check_match("[file:magic_number_hex = h'4d5a']", &g, true);
    check_match("[file:magic_number_hex = 'MZ']", &g, true);
    check_match("[file:name LIKE 'Stra%.exe']", &g, true);
    check_match("[file:name LIKE 'Stra_e.exe']", &g, true);
    check_match("[file:name LIKE 'Stra_.exe']", &g, false);
    check_match("[file:name LIKE '%a%e%']", &g, true);
    check_match("[file:name LIKE '%exe%exe']", &g, false);
    check_match("[file:name LIKE 'S%%e']", &g, true);
    check_match("[file:name MATCHES '^Stra.e\\\\.exe$']", &g, true);
    check_match(
        "[domain-name:resolves_to_refs[*].value = '198.51.100.7']",
        &g,
        true,
    );
    check_match(
        "[domain-name:resolves_to_refs.value = '198.51.100.7']",
        &g,
        false,
    );
    check_match("[EXISTS file:hashes]", &g, true);
    check_match("[NOT EXISTS file:hashes.MD5]", &g, true);
    check_match(
        "[file:name = 'a' AND ipv4-addr:value = '10.0.0.1']",
        &g,
        false,
    );
    check_match("[indicator:name = 'x']", &g, false);
}

#[test]
fn unicode_is_compared_in_nfc() {
    // "Straße" with a decomposed accent elsewhere: é written as e + U+0301.
    let g = bundle(vec![
        json!({"type": "file", "id": "file--1", "name": "cafe\u{301}.txt"}),
        od(
            1,
            "2020-01-01T00:00:00Z",
            "2020-01-01T00:00:00Z",
            1,
            &["file--1"],
        ),
    ]);
    check_match("[file:name = 'caf\u{e9}.txt']", &g, true);
    check_match("[file:name LIKE 'caf_.txt']", &g, true);
}

#[test]
fn type_mismatch_is_false_even_when_negated() {
    let g = graph();
    // A string constant against an integer property: not comparable.
    check_match("[file:size != 'big']", &g, false);
    check_match("[file:size NOT = 'big']", &g, false);
    check_match("[file:size NOT IN ('a', 'b')]", &g, false);
    check_match("[file:size != 1]", &g, true);
}

#[test]
fn observation_operators_and_qualifiers() {
    let g = graph();
    let nt = "[network-traffic:dst_port = 443]";
    let file = "[file:size = 1024]";
    let dom = "[domain-name:value = 'evil.example']";
    check_match(&format!("{nt} AND {file}"), &g, true);
    check_match(&format!("{nt} FOLLOWEDBY {file}"), &g, true);
    check_match(&format!("{file} FOLLOWEDBY {nt}"), &g, false);
    check_match(
        &format!("({nt} FOLLOWEDBY {dom}) WITHIN 3600 SECONDS"),
        &g,
        true,
    );
    check_match(
        &format!("({nt} FOLLOWEDBY {dom}) WITHIN 3000 SECONDS"),
        &g,
        false,
    );
    // number_observed 3: three observations of the file.
    check_match(&format!("{file} REPEATS 3 TIMES"), &g, true);
    check_match(&format!("{file} REPEATS 4 TIMES"), &g, false);
    check_match(&format!("{nt} REPEATS 2 TIMES"), &g, false);
    check_match(&format!("{file} AND {file}"), &g, true);
    check_match(&format!("{nt} AND {nt}"), &g, false);
    check_match(
        &format!("{nt} START t'2020-01-01T00:00:10Z' STOP t'2020-01-02T00:00:00Z'"),
        &g,
        true,
    );
    check_match(
        &format!("{nt} START t'2020-01-01T00:00:11Z' STOP t'2020-01-02T00:00:00Z'"),
        &g,
        false,
    );
    check_match(
        &format!("{file} START t'2019-01-01T00:00:00Z' STOP t'2020-01-01T00:01:00Z'"),
        &g,
        false,
    );
    check_match(&format!("{nt} OR [file:size = 1]"), &g, true);
}

#[test]
fn bindings_name_the_observed_data() {
    let g = graph();
    let m = Matcher::compile(
        "[network-traffic:dst_port = 443] FOLLOWEDBY [domain-name:value = 'evil.example']",
    )
    .unwrap();
    let r = m.matches(&ObservationSet::from_value(&g));
    assert_eq!(
        r.observed_data_refs,
        [
            "observed-data--00000000-0000-4000-8000-000000000001",
            "observed-data--00000000-0000-4000-8000-000000000003"
        ]
    );
}

#[test]
fn legacy_embedded_objects() {
    let set = json!({
        "type": "observed-data", "id": "observed-data--1",
        "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:00Z",
        "number_observed": 1,
        "objects": {"0": {"type": "ipv4-addr", "value": "203.0.113.9"},
                    "1": {"type": "network-traffic", "dst_ref": "0", "protocols": ["tcp"]}}
    });
    check_match(
        "[network-traffic:dst_ref.value = '203.0.113.9']",
        &set,
        true,
    );
}

#[test]
fn bad_observed_data_is_reported_not_fatal() {
    let input = bundle(vec![
        json!({"type": "observed-data", "id": "observed-data--9", "first_observed": "x"}),
    ]);
    let set = ObservationSet::from_value(&input);
    assert_eq!(set.observations.len(), 0);
    assert!(
        set.problems[0].contains("first_observed"),
        "{:?}",
        set.problems
    );
}

// ---------------------------------------------------------------------------
// Indexed matching

use crate::index::{Engine, EngineConfig, IndexBuilder, ObservationRef};

use crate::matcher::ObsScope;

/// Feeds a set's observations, ordered by first_observed, to an engine.
fn run_engine(engine: &mut Engine, set: &ObservationSet<'_>) -> Vec<crate::index::Firing> {
    let mut order: Vec<&Observation> = set.observations.iter().collect();
    order.sort_by(|a, b| a.first_observed.cmp(&b.first_observed));
    let mut out = Vec::new();
    for o in order {
        let scope = ObsScope { set, obs: o };
        let r = ObservationRef {
            id: o.id,
            first: &o.first_observed,
            last: &o.last_observed,
            count: o.number_observed,
            roots: o.roots.iter().map(|&i| set.object(i)).collect(),
            scope: &scope,
        };
        out.extend(engine.observe(&r));
    }
    out
}

/// The index only preselects: for every generated pattern and observation set,
/// "the engine fired at least once" equals "the matcher matches the whole set".
#[test]
fn engine_agrees_with_matcher() {
    let mut rng = Rng::new(77);
    let (mut fired, mut stateful) = (0, 0);
    for i in 0..1500 {
        let c = gen::match_case(&mut rng);
        let set = ObservationSet::from_value(&c.bundle);
        let expect = Matcher::compile(&c.pattern).unwrap().matches(&set).matched;
        let mut b = IndexBuilder::new();
        b.add("indicator--x", &c.pattern).unwrap();
        let index = b.build();
        stateful += index.stats().stateful_indicators;
        let mut engine = Engine::new(index, EngineConfig::default());
        let got = !run_engine(&mut engine, &set).is_empty();
        assert_eq!(got, expect, "case {i}: {}\n{}", c.pattern, c.bundle);
        fired += got as usize;
    }
    assert!(
        fired > 300 && stateful > 500,
        "fired {fired}, stateful {stateful}"
    );
}

/// Many indicators in one index: the leaves found equal brute-force evaluation.
#[test]
fn index_leaves_equal_brute_force() {
    let mut rng = Rng::new(5);
    let mut b = IndexBuilder::new();
    let mut patterns = Vec::new();
    for i in 0..400 {
        let c = gen::match_case(&mut rng);
        b.add(&format!("indicator--{i}"), &c.pattern).unwrap();
        patterns.push(parse(&c.pattern).unwrap());
    }
    let index = b.build();
    let s = index.stats();
    assert!(
        s.exact_keys > 0
            && s.substring_anchors > 0
            && s.cidr_anchors > 0
            && s.regex_anchors > 0
            && s.scanned_leaves > 0,
        "{s:?}"
    );
    let leaves: Vec<crate::eval::Comp> = patterns
        .iter()
        .flat_map(|p| {
            p.expr
                .observations()
                .into_iter()
                .map(|c| crate::eval::Comp::compile(c).unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut total = 0;
    for _ in 0..200 {
        let input = gen::observations(&mut rng);
        let set = ObservationSet::from_value(&input);
        for o in &set.observations {
            let scope = ObsScope { set: &set, obs: o };
            let roots: Vec<&serde_json::Value> = o.roots.iter().map(|&i| set.object(i)).collect();
            let got = index.matching_leaves(&roots, &scope);
            let want: Vec<u32> = (0..leaves.len() as u32)
                .filter(|&l| roots.iter().any(|r| leaves[l as usize].eval(r, &scope)))
                .collect();
            assert_eq!(got, want);
            total += got.len();
        }
    }
    assert!(total > 1000, "{total}");
}

#[test]
fn sightings_from_flat_logs() {
    use crate::flat::FlatParser;
    use crate::sighting::{SightingConfig, Sightings};
    let mut b = IndexBuilder::new();
    b.add(
        "indicator--00000000-0000-4000-8000-000000000001",
        "[network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24']",
    )
    .unwrap();
    b.add("indicator--00000000-0000-4000-8000-000000000002", "[domain-name:value = 'evil.example'] FOLLOWEDBY [url:value LIKE 'https://evil.example/%'] WITHIN 60 SECONDS").unwrap();
    b.add(
        "indicator--00000000-0000-4000-8000-000000000003",
        "[crypto-address:address = '0x098B716B8Aaf21512996dC57EB0615e2383E2f96']",
    )
    .unwrap();
    let mut engine = Engine::new(b.build(), EngineConfig::default());
    let log = "timestamp,src_ip,dst_ip,dst_port,protocol,query,url,chain,from_address,to_address\n\
        2024-01-01T00:00:00Z,10.0.0.5,203.0.113.9,443,tcp,,,,,\n\
        2024-01-01T00:00:10Z,,,,,evil.example,,,,\n\
        2024-01-01T00:00:30Z,,,,,,https://evil.example/wallet,,,\n\
        2024-01-01T00:05:00Z,10.0.0.5,203.0.113.10,443,tcp,,,,,\n\
        1704067500,,,,,,,ethereum,0x098B716B8Aaf21512996dC57EB0615e2383E2f96,0x1111111111111111111111111111111111111111\n\
        2024-01-01T00:06:00Z,,,,,,,,,\n";
    let mut p = FlatParser::new();
    let mut sightings = Sightings::new();
    let mut errors = Vec::new();
    for line in log.lines() {
        match p.line(line) {
            None => {}
            Some(Err(e)) => errors.push(e.to_string()),
            Some(Ok(obs)) => {
                for f in obs.with_ref(|r| engine.observe(r)) {
                    let id = engine.index().indicator_id(f.indicator).to_string();
                    sightings.add(&id, &f, 100);
                }
            }
        }
    }
    assert_eq!(errors, ["record 6: no observable columns (src_ip, dst_ip, ip, query, url, md5, sha1, sha256, file_name, from_address, to_address, address)"]);
    let cfg = SightingConfig {
        now: stix::Timestamp::parse("2024-02-01T00:00:00Z").unwrap(),
        where_sighted_refs: vec!["identity--00000000-0000-4000-8000-00000000000a".into()],
        created_by_ref: None,
        max_refs: 100,
    };
    let out = sightings.finish(&cfg);
    let summary: Vec<String> = out
        .iter()
        .map(|s| {
            format!(
                "{} count={} {}..{} refs={}",
                s.get_str("sighting_of_ref").unwrap(),
                s.get("count").unwrap(),
                s.get_str("first_seen").unwrap(),
                s.get_str("last_seen").unwrap(),
                s.get("observed_data_refs")
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .len()
            )
        })
        .collect();
    assert_eq!(summary, [
        "indicator--00000000-0000-4000-8000-000000000001 count=2 2024-01-01T00:00:00Z..2024-01-01T00:05:00Z refs=2",
        "indicator--00000000-0000-4000-8000-000000000002 count=1 2024-01-01T00:00:10Z..2024-01-01T00:00:30Z refs=2",
        "indicator--00000000-0000-4000-8000-000000000003 count=1 2024-01-01T00:05:00.000Z..2024-01-01T00:05:00.000Z refs=1",
    ]);
    // Deterministic ids: the same input gives the same sighting.
    assert!(out[0].id().as_str().starts_with("sighting--"));
    assert_eq!(out[0].id().uuid_version(), 5);
}

/// The SCO property tables agree with the OASIS JSON schemas (when ../shared is there).
#[test]
fn sco_tables_match_the_oasis_schemas() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/stix/examples/schemas/observables");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        println!("skipping: {} not found", dir.display());
        return;
    };
    fn props(v: &serde_json::Value, out: &mut Vec<String>) {
        if let Some(p) = v.get("properties").and_then(|p| p.as_object()) {
            out.extend(p.keys().cloned());
        }
        for k in ["allOf", "anyOf", "oneOf"] {
            if let Some(a) = v.get(k).and_then(|a| a.as_array()) {
                a.iter().for_each(|x| props(x, out));
            }
        }
    }
    let mut checked = 0;
    for e in rd.flatten() {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
        let ty = e.path().file_stem().unwrap().to_string_lossy().into_owned();
        let mut ps = Vec::new();
        props(&v, &mut ps);
        let ours = crate::sco::properties(&ty).unwrap_or_else(|| panic!("no table for {ty}"));
        for p in ps {
            assert!(
                crate::sco::has_property(&ty, &p),
                "{ty}.{p} is in the OASIS schema but not in sco.rs"
            );
        }
        assert!(!ours.is_empty());
        checked += 1;
    }
    assert_eq!(checked, 18);
}

#[test]
fn indicators_count_only_inside_their_validity() {
    let ind = |id: u32, from: &str, until: Option<&str>| {
        let mut v = json!({"type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--00000000-0000-4000-8000-{id:012}"),
            "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z",
            "pattern": "[ipv4-addr:value = '203.0.113.9']", "pattern_type": "stix", "valid_from": from});
        if let Some(u) = until {
            v["valid_until"] = json!(u);
        }
        stix::StixObject::from_value(v).unwrap()
    };
    let mut b = IndexBuilder::new();
    assert!(b
        .add_indicator(&ind(1, "2020-01-01T00:00:00Z", None))
        .unwrap());
    assert!(b
        .add_indicator(&ind(2, "2024-01-01T00:00:00Z", None))
        .unwrap());
    assert!(b
        .add_indicator(&ind(
            3,
            "2020-01-01T00:00:00Z",
            Some("2021-01-01T00:00:00Z")
        ))
        .unwrap());
    let mut yara = ind(4, "2020-01-01T00:00:00Z", None);
    yara.set("pattern_type", json!("yara"));
    assert!(!b.add_indicator(&yara).unwrap());
    let mut engine = Engine::new(b.build(), EngineConfig::default());
    let input = bundle(vec![
        json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "203.0.113.9"}),
        od(
            1,
            "2022-06-01T00:00:00Z",
            "2022-06-01T00:00:00Z",
            1,
            &["ipv4-addr--1"],
        ),
    ]);
    let set = ObservationSet::from_value(&input);
    let fired: Vec<usize> = run_engine(&mut engine, &set)
        .iter()
        .map(|f| f.indicator)
        .collect();
    assert_eq!(fired, [0], "only the indicator valid in mid-2022");
}

/// Golden file for the flat-log reader: each record of `flat.in` as the STIX it
/// becomes (one JSON object per line) or its error.
#[test]
fn golden_flat_logs() {
    let input = std::fs::read_to_string(testdata("flat.in")).expect("testdata/flat.in");
    let mut p = crate::flat::FlatParser::new();
    let mut actual = String::new();
    for line in input.lines() {
        match p.line(line) {
            None => {}
            Some(Err(e)) => actual.push_str(&format!("error: {e}\n")),
            Some(Ok(o)) => {
                actual.push_str(&format!("record → {} roots\n", o.roots.len()));
                for v in o.to_stix() {
                    actual.push_str(&format!("  {v}\n"));
                }
            }
        }
    }
    let out_path = testdata("flat.out");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&out_path, &actual).expect("write flat.out");
        return;
    }
    let expected = std::fs::read_to_string(&out_path).unwrap_or_default();
    assert!(
        expected == actual,
        "flat.out differs (UPDATE_EXPECT=1 to accept):\n{actual}"
    );
}

/// Any pattern against any observations: no panic, and the indexed engine
/// agrees with the matcher on single-observation patterns.
#[test]
fn arbitrary_patterns_never_panic() {
    let mut rng = Rng::new(0xBAD);
    let mut compiled = 0;
    for _ in 0..1500 {
        let p = gen::any_pattern(&mut rng).to_string();
        let input = gen::observations(&mut rng);
        let set = ObservationSet::from_value(&input);
        let Ok(m) = Matcher::compile(&p) else {
            continue;
        };
        compiled += 1;
        let r = m.matches(&set);
        let mut b = IndexBuilder::new();
        b.add("indicator--x", &p).unwrap();
        let mut engine = Engine::new(b.build(), EngineConfig::default());
        let fired = !run_engine(&mut engine, &set).is_empty();
        if r.complete {
            assert_eq!(fired, r.matched, "{p}");
        }
    }
    assert!(compiled > 500, "{compiled}");
}
