//! A deterministic synthetic knowledge base for benchmarks and load tests: a STIX
//! 2.1 bundle of any size with the mix of a real one (SDOs, indicators, SCOs and
//! relationships between them), written as a stream.

use std::io::{self, Write};

/// Writes a bundle of exactly `n` objects. The same `n` gives the same bytes.
pub fn write_bundle(out: &mut dyn Write, n: u64) -> io::Result<()> {
    write!(out, "{{\"type\":\"bundle\",\"id\":\"bundle--00000000-0000-4000-8000-000000000000\",\"objects\":[")?;
    // One identity authors everything; groups, malware and techniques form a core the
    // indicators and relationships point into.
    let core = (n / 20).max(1);
    for i in 0..n {
        if i > 0 {
            out.write_all(b",\n")?;
        } else {
            out.write_all(b"\n")?;
        }
        write_object(out, i, n, core)?;
    }
    out.write_all(b"\n]}\n")
}

fn uuid(kind: u64, i: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        i & 0xffff_ffff,
        (i >> 32) & 0xffff,
        kind & 0xfff,
        0,
        i
    )
}

fn ts(i: u64) -> String {
    let secs = 1_577_836_800 + (i % 150_000_000) as i64; // 2020-01-01 onwards
    stix::Timestamp::from_unix(secs, ((i % 1000) * 1_000_000) as u32).to_string()
}

const IDENTITY: &str = "identity--00000000-0000-4000-8000-00000000dead";

fn core_id(j: u64) -> String {
    match j % 4 {
        0 => format!("intrusion-set--{}", uuid(1, j)),
        1 => format!("malware--{}", uuid(2, j)),
        2 => format!("attack-pattern--{}", uuid(3, j)),
        _ => format!("campaign--{}", uuid(4, j)),
    }
}

fn write_object(out: &mut dyn Write, i: u64, _n: u64, core: u64) -> io::Result<()> {
    if i == 0 {
        return write!(out, "{{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"{IDENTITY}\",\"created\":\"2020-01-01T00:00:00.000Z\",\"modified\":\"2020-01-01T00:00:00.000Z\",\"name\":\"Synthetic Intel Ltd\",\"identity_class\":\"organization\"}}");
    }
    let t = ts(i);
    if i <= core {
        let j = i - 1;
        let id = core_id(j);
        let ty = id.split("--").next().unwrap_or("x");
        let extra = match ty {
            "malware" => ",\"is_family\":true,\"malware_types\":[\"backdoor\"]",
            "intrusion-set" => ",\"aliases\":[\"Group A\",\"Group B\"],\"primary_motivation\":\"personal-gain\"",
            "attack-pattern" => ",\"kill_chain_phases\":[{\"kill_chain_name\":\"mitre-attack\",\"phase_name\":\"initial-access\"}]",
            _ => ",\"objective\":\"theft\"",
        };
        return write!(out, "{{\"type\":\"{ty}\",\"spec_version\":\"2.1\",\"id\":\"{id}\",\"created_by_ref\":\"{IDENTITY}\",\"created\":\"{t}\",\"modified\":\"{t}\",\"name\":\"{ty} {j}\",\"description\":\"Synthetic {ty} number {j} for load testing.\"{extra},\"external_references\":[{{\"source_name\":\"synthetic\",\"external_id\":\"S{j:06}\"}}],\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]}}");
    }
    match i % 10 {
        0..=3 => {
            let a = i % 256;
            let b = (i / 256) % 256;
            let c = (i / 65536) % 256;
            write!(out, "{{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--{}\",\"created_by_ref\":\"{IDENTITY}\",\"created\":\"{t}\",\"modified\":\"{t}\",\"name\":\"C2 {c}.{b}.{a}\",\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"[ipv4-addr:value = '10.{c}.{b}.{a}']\",\"pattern_type\":\"stix\",\"valid_from\":\"{t}\",\"confidence\":{}}}", uuid(5, i), i % 101)
        }
        4 => write!(out, "{{\"type\":\"domain-name\",\"spec_version\":\"2.1\",\"id\":\"domain-name--{}\",\"value\":\"host{i}.example.com\"}}", uuid(6, i)),
        5 => write!(out, "{{\"type\":\"file\",\"spec_version\":\"2.1\",\"id\":\"file--{}\",\"name\":\"payload{i}.exe\",\"hashes\":{{\"SHA-256\":\"{:064x}\"}}}}", uuid(7, i), i as u128 * 0x9e37_79b9_7f4a_7c15),
        _ => {
            // Relationships: indicator → core object, or core → core.
            let src_ind = i - (i % 10); // an indicator position (i%10 == 0) nearby
            let (src, rt) = if i.is_multiple_of(2) && src_ind > core {
                (format!("indicator--{}", uuid(5, src_ind)), "indicates")
            } else {
                (core_id(i % core), "uses")
            };
            let dst = core_id((i * 7919) % core);
            write!(out, "{{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":\"relationship--{}\",\"created_by_ref\":\"{IDENTITY}\",\"created\":\"{t}\",\"modified\":\"{t}\",\"relationship_type\":\"{rt}\",\"source_ref\":\"{src}\",\"target_ref\":\"{dst}\"}}", uuid(8, i))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_is_valid_and_deterministic() {
        let mut a = Vec::new();
        write_bundle(&mut a, 1000).unwrap();
        let mut b = Vec::new();
        write_bundle(&mut b, 1000).unwrap();
        assert_eq!(a, b);
        let mut r = stix::BundleReader::new(&a[..]);
        let mut n = 0;
        let mut ids = std::collections::HashSet::new();
        while let Some(raw) = r.next_object().unwrap() {
            let v = raw.parse().unwrap();
            let o = stix::StixObject::from_value(v).unwrap();
            crate::import::check_object(&raw, o.to_value()).unwrap();
            assert!(ids.insert(o.id().to_string()), "duplicate id {}", o.id());
            n += 1;
        }
        assert_eq!(n, 1000);
    }
}
