//! Bitcoin output scripts ↔ addresses: P2PKH and P2SH (Base58Check), P2WPKH
//! and P2WSH (bech32, BIP 173), P2TR and later witness versions (bech32m,
//! BIP 350). Hand-written and small; mainnet only.

use crate::sha256::sha256d;

/// The standard shapes of an output script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptKind {
    P2pkh,
    P2sh,
    P2wpkh,
    P2wsh,
    P2tr,
    /// A witness program of another version (2–16) or length.
    WitnessUnknown,
    /// Bare public key (pay-to-pubkey): no address form exists.
    P2pk,
    /// OP_RETURN: unspendable data carrier.
    NullData,
    NonStandard,
}

impl ScriptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScriptKind::P2pkh => "p2pkh",
            ScriptKind::P2sh => "p2sh",
            ScriptKind::P2wpkh => "p2wpkh",
            ScriptKind::P2wsh => "p2wsh",
            ScriptKind::P2tr => "p2tr",
            ScriptKind::WitnessUnknown => "witness_unknown",
            ScriptKind::P2pk => "p2pk",
            ScriptKind::NullData => "nulldata",
            ScriptKind::NonStandard => "nonstandard",
        }
    }
}

/// Classifies an output script.
pub fn classify(s: &[u8]) -> ScriptKind {
    match s {
        [0x76, 0xa9, 0x14, .., 0x88, 0xac] if s.len() == 25 => ScriptKind::P2pkh,
        [0xa9, 0x14, .., 0x87] if s.len() == 23 => ScriptKind::P2sh,
        [0x00, 0x14, ..] if s.len() == 22 => ScriptKind::P2wpkh,
        [0x00, 0x20, ..] if s.len() == 34 => ScriptKind::P2wsh,
        [0x51, 0x20, ..] if s.len() == 34 => ScriptKind::P2tr,
        [v, n, ..]
            if (0x51..=0x60).contains(v)
                && (2..=40).contains(n)
                && s.len() == 2 + usize::from(*n) =>
        {
            ScriptKind::WitnessUnknown
        }
        [0x21, .., 0xac] if s.len() == 35 => ScriptKind::P2pk,
        [0x41, .., 0xac] if s.len() == 67 => ScriptKind::P2pk,
        [0x6a, ..] => ScriptKind::NullData,
        _ => ScriptKind::NonStandard,
    }
}

/// The mainnet address of an output script, when it has one.
pub fn script_to_address(s: &[u8]) -> Option<String> {
    match classify(s) {
        ScriptKind::P2pkh => Some(base58check_encode(0x00, &s[3..23])),
        ScriptKind::P2sh => Some(base58check_encode(0x05, &s[2..22])),
        ScriptKind::P2wpkh | ScriptKind::P2wsh => segwit_encode("bc", 0, &s[2..]),
        ScriptKind::P2tr | ScriptKind::WitnessUnknown => segwit_encode("bc", s[0] - 0x50, &s[2..]),
        ScriptKind::P2pk | ScriptKind::NullData | ScriptKind::NonStandard => None,
    }
}

/// A graph key for any output script: its address, or for scripts without
/// one a prefixed hex form (`p2pk:<pubkey>`, `script:<hex>`) so that equal
/// scripts still meet in one node. OP_RETURN outputs get `None` (unspendable).
pub fn script_key(s: &[u8]) -> Option<String> {
    match classify(s) {
        ScriptKind::NullData => None,
        ScriptKind::P2pk => Some(format!("p2pk:{}", crate::hex::encode(&s[1..s.len() - 1]))),
        ScriptKind::NonStandard => Some(format!("script:{}", crate::hex::encode(s))),
        _ => script_to_address(s),
    }
}

/// The output script of a mainnet address, or `None` when it is not a valid
/// Bitcoin mainnet address (wrong checksum, version, HRP or length).
pub fn address_to_script(a: &str) -> Option<Vec<u8>> {
    if a.len() > 4 && a[..3].eq_ignore_ascii_case("bc1") {
        let (ver, prog) = segwit_decode("bc", a)?;
        let mut s = vec![if ver == 0 { 0 } else { 0x50 + ver }, prog.len() as u8];
        s.extend_from_slice(&prog);
        return Some(s);
    }
    let (ver, payload) = base58check_decode(a)?;
    if payload.len() != 20 {
        return None;
    }
    match ver {
        0x00 => Some([&[0x76, 0xa9, 0x14][..], &payload, &[0x88, 0xac]].concat()),
        0x05 => Some([&[0xa9, 0x14][..], &payload, &[0x87]].concat()),
        _ => None,
    }
}

/// Canonical text of a Bitcoin address (bech32 lower-cased) when valid.
pub fn normalize(a: &str) -> Option<String> {
    address_to_script(a.trim()).and_then(|s| script_to_address(&s))
}

const B58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

pub fn base58check_encode(version: u8, payload: &[u8]) -> String {
    let mut data = Vec::with_capacity(payload.len() + 5);
    data.push(version);
    data.extend_from_slice(payload);
    let check = sha256d(&[&data]);
    data.extend_from_slice(&check[..4]);
    base58_encode(&data)
}

pub fn base58_encode(data: &[u8]) -> String {
    let zeros = data.iter().take_while(|b| **b == 0).count();
    // Base-58 digits, little-endian, by repeated multiply-add.
    let mut digits: Vec<u8> = Vec::with_capacity(data.len() * 138 / 100 + 1);
    for &b in &data[zeros..] {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut s = String::with_capacity(zeros + digits.len());
    s.extend(std::iter::repeat_n('1', zeros));
    s.extend(digits.iter().rev().map(|d| B58[usize::from(*d)] as char));
    s
}

pub fn base58_decode(s: &str) -> Option<Vec<u8>> {
    let zeros = s.bytes().take_while(|c| *c == b'1').count();
    let mut bytes: Vec<u8> = Vec::with_capacity(s.len());
    for c in s.bytes().skip(zeros) {
        let mut carry = B58.iter().position(|x| *x == c)? as u32;
        for b in bytes.iter_mut() {
            carry += u32::from(*b) * 58;
            *b = carry as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push(carry as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeros];
    out.extend(bytes.iter().rev());
    Some(out)
}

/// Returns (version byte, payload) when the 4-byte checksum matches.
pub fn base58check_decode(s: &str) -> Option<(u8, Vec<u8>)> {
    let raw = base58_decode(s)?;
    if raw.len() < 5 {
        return None;
    }
    let (body, check) = raw.split_at(raw.len() - 4);
    if sha256d(&[body])[..4] != *check {
        return None;
    }
    Some((body[0], body[1..].to_vec()))
}

const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32_CONST: u32 = 1;
const BECH32M_CONST: u32 = 0x2bc8_30a3;

fn polymod(values: impl Iterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk = 1u32;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

fn hrp_expand(hrp: &str) -> impl Iterator<Item = u8> + '_ {
    hrp.bytes()
        .map(|c| c >> 5)
        .chain(std::iter::once(0))
        .chain(hrp.bytes().map(|c| c & 31))
}

/// Regroups bits (8→5 with padding, 5→8 without).
fn convert_bits(data: &[u8], from: u32, to: u32, pad: bool) -> Option<Vec<u8>> {
    let mut acc = 0u32;
    let mut bits = 0u32;
    let maxv = (1u32 << to) - 1;
    let mut out = Vec::with_capacity(data.len() * from as usize / to as usize + 1);
    for &v in data {
        if u32::from(v) >> from != 0 {
            return None;
        }
        acc = (acc << from) | u32::from(v);
        bits += from;
        while bits >= to {
            bits -= to;
            out.push(((acc >> bits) & maxv) as u8);
        }
    }
    if pad {
        if bits > 0 {
            out.push(((acc << (to - bits)) & maxv) as u8);
        }
    } else if bits >= from || ((acc << (to - bits)) & maxv) != 0 {
        return None;
    }
    Some(out)
}

/// Encodes a segwit address: bech32 for version 0, bech32m for 1–16.
pub fn segwit_encode(hrp: &str, version: u8, program: &[u8]) -> Option<String> {
    if version > 16 || !(2..=40).contains(&program.len()) {
        return None;
    }
    let mut data = vec![version];
    data.extend(convert_bits(program, 8, 5, true)?);
    let c = if version == 0 {
        BECH32_CONST
    } else {
        BECH32M_CONST
    };
    let pm = polymod(hrp_expand(hrp).chain(data.iter().copied()).chain([0u8; 6])) ^ c;
    let mut s = String::with_capacity(hrp.len() + 1 + data.len() + 6);
    s.push_str(hrp);
    s.push('1');
    s.extend(data.iter().map(|d| CHARSET[usize::from(*d)] as char));
    s.extend((0..6).map(|i| CHARSET[((pm >> (5 * (5 - i))) & 31) as usize] as char));
    Some(s)
}

/// Decodes a segwit address for `hrp` (BIP 173/350 rules: one case only,
/// the checksum constant must match the version, program length 2–40 and
/// 20 or 32 for version 0).
pub fn segwit_decode(hrp: &str, addr: &str) -> Option<(u8, Vec<u8>)> {
    if addr.len() > 90
        || (addr.bytes().any(|c| c.is_ascii_lowercase())
            && addr.bytes().any(|c| c.is_ascii_uppercase()))
    {
        return None;
    }
    let lower = addr.to_ascii_lowercase();
    let sep = lower.rfind('1')?;
    if &lower[..sep] != hrp || lower.len() < sep + 7 {
        return None;
    }
    let data: Vec<u8> = lower[sep + 1..]
        .bytes()
        .map(|c| CHARSET.iter().position(|x| *x == c).map(|p| p as u8))
        .collect::<Option<_>>()?;
    let pm = polymod(hrp_expand(hrp).chain(data.iter().copied()));
    let (version, body) = (*data.first()?, &data[1..data.len() - 6]);
    let want = if version == 0 {
        BECH32_CONST
    } else {
        BECH32M_CONST
    };
    if pm != want || version > 16 {
        return None;
    }
    let prog = convert_bits(body, 5, 8, false)?;
    if !(2..=40).contains(&prog.len()) || (version == 0 && prog.len() != 20 && prog.len() != 32) {
        return None;
    }
    Some((version, prog))
}

/// The pushes of a push-only script (scriptSig), or `None` when it holds any
/// other opcode or a push runs past the end.
pub fn pushes(script: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < script.len() {
        let op = script[i];
        i += 1;
        let n = match op {
            0x00 => 0,
            0x01..=0x4b => usize::from(op),
            0x4c => {
                let n = usize::from(*script.get(i)?);
                i += 1;
                n
            }
            0x4d => {
                let n = usize::from(u16::from_le_bytes(script.get(i..i + 2)?.try_into().ok()?));
                i += 2;
                n
            }
            0x4e => {
                let n = u32::from_le_bytes(script.get(i..i + 4)?.try_into().ok()?) as usize;
                i += 4;
                n
            }
            // OP_1NEGATE and OP_1..OP_16 push small numbers (multisig scripts).
            0x4f | 0x51..=0x60 => {
                out.push(&script[i - 1..i]);
                continue;
            }
            _ => return None,
        };
        out.push(script.get(i..i + n)?);
        i += n;
    }
    Some(out)
}

fn is_pubkey(b: &[u8]) -> bool {
    matches!((b.len(), b.first()), (33, Some(2 | 3)) | (65, Some(4)))
}

/// Reconstructs the output script an input spends from its scriptSig and
/// witness, for the standard spend shapes: P2PKH, P2SH (incl. nested
/// P2WPKH/P2WSH), P2WPKH, P2WSH. Taproot and bare-key spends do not reveal
/// their script and give `None`.
pub fn spent_script(script_sig: &[u8], witness: &[Vec<u8>]) -> Option<Vec<u8>> {
    use crate::ripemd160::hash160;
    let p2sh = |redeem: &[u8]| [&[0xa9, 0x14][..], &hash160(redeem), &[0x87]].concat();
    let sig_pushes = pushes(script_sig)?;
    if !witness.is_empty() {
        let native = sig_pushes.is_empty();
        let program: Vec<u8> = match witness {
            // Key-path taproot spend: a lone 64/65-byte signature.
            [sig] if sig.len() == 64 || sig.len() == 65 => return None,
            [_, pk] if is_pubkey(pk) && pk.len() == 33 => {
                [&[0x00, 0x14][..], &hash160(pk)].concat()
            }
            [.., last] => {
                // Taproot script path: last item is a control block.
                let taproot = witness.len() >= 2
                    && last.first().is_some_and(|b| b & 0xfe == 0xc0)
                    && last.len() >= 33
                    && (last.len() - 33) % 32 == 0;
                if taproot && native {
                    return None;
                }
                [&[0x00, 0x20][..], &crate::sha256::sha256(&[last])].concat()
            }
            [] => return None,
        };
        if native {
            return Some(program);
        }
        // Nested segwit: scriptSig is one push of the witness program.
        return match sig_pushes[..] {
            [redeem] if redeem == program.as_slice() => Some(p2sh(redeem)),
            _ => None,
        };
    }
    match sig_pushes[..] {
        [sig, pk] if is_pubkey(pk) && sig.len() >= 9 => {
            Some([&[0x76, 0xa9, 0x14][..], &hash160(pk), &[0x88, 0xac]].concat())
        }
        [_] => None,
        [.., redeem] if !redeem.is_empty() => Some(p2sh(redeem)),
        _ => None,
    }
}

/// The script kind of an address key (as produced by [`script_key`]).
pub fn kind_of_key(key: &str) -> ScriptKind {
    let b = key.as_bytes();
    match b {
        [b'b', b'c', b'1', b'q', ..] if b.len() == 42 => ScriptKind::P2wpkh,
        [b'b', b'c', b'1', b'q', ..] if b.len() == 62 => ScriptKind::P2wsh,
        [b'b', b'c', b'1', b'p', ..] if b.len() == 62 => ScriptKind::P2tr,
        [b'b', b'c', b'1', ..] => ScriptKind::WitnessUnknown,
        [b'1', ..] => ScriptKind::P2pkh,
        [b'3', ..] => ScriptKind::P2sh,
        _ if key.starts_with("p2pk:") => ScriptKind::P2pk,
        _ => ScriptKind::NonStandard,
    }
}
