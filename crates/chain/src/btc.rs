//! Bitcoin consensus serialization: blocks and transactions (BIP 144 segwit),
//! txid/wtxid, merkle root. Parsing borrows the caller's bytes; the whole
//! input must be consumed, and every error carries the byte offset.

use crate::sha256::sha256d;
use crate::Error;

/// A 32-byte hash in internal (little-endian) byte order; displayed reversed,
/// as Bitcoin tools print txids and block hashes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash256(pub [u8; 32]);

impl Hash256 {
    /// Parses the display form (64 hex digits, reversed byte order).
    pub fn from_display_hex(s: &str) -> Option<Hash256> {
        let bytes = crate::hex::decode(s)?;
        let mut out: [u8; 32] = bytes.try_into().ok()?;
        out.reverse();
        Some(Hash256(out))
    }
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 32]
    }
}

impl std::fmt::Display for Hash256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.0.iter().rev() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Hash256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockHeader {
    pub version: i32,
    pub prev_block: Hash256,
    pub merkle_root: Hash256,
    pub time: u32,
    pub bits: u32,
    pub nonce: u32,
    /// Double SHA-256 of the 80 header bytes.
    pub hash: Hash256,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxIn {
    pub prev_txid: Hash256,
    pub prev_vout: u32,
    pub script_sig: Vec<u8>,
    pub sequence: u32,
    pub witness: Vec<Vec<u8>>,
}

impl TxIn {
    /// A coinbase input spends the null outpoint.
    pub fn is_coinbase(&self) -> bool {
        self.prev_txid.is_zero() && self.prev_vout == u32::MAX
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxOut {
    /// Satoshis.
    pub value: u64,
    pub script_pubkey: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tx {
    pub version: i32,
    pub inputs: Vec<TxIn>,
    pub outputs: Vec<TxOut>,
    pub lock_time: u32,
    pub txid: Hash256,
    /// Equals `txid` for transactions without witness data.
    pub wtxid: Hash256,
    pub segwit: bool,
    /// Serialized size in bytes, witness included.
    pub size: usize,
    /// Size without witness data (weight = 3·base_size + size).
    pub base_size: usize,
}

impl Tx {
    pub fn is_coinbase(&self) -> bool {
        self.inputs.len() == 1 && self.inputs[0].is_coinbase()
    }
    pub fn output_value(&self) -> u64 {
        self.outputs.iter().map(|o| o.value).sum()
    }
    pub fn weight(&self) -> usize {
        3 * self.base_size + self.size
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub header: BlockHeader,
    pub txs: Vec<Tx>,
}

impl Block {
    /// Merkle root recomputed from the txids (the header's value is not trusted).
    pub fn computed_merkle_root(&self) -> Hash256 {
        merkle_root(self.txs.iter().map(|t| t.txid).collect())
    }

    /// The coinbase's height (BIP 34: first push of its scriptSig), if present.
    pub fn bip34_height(&self) -> Option<u64> {
        let script = &self.txs.first()?.inputs.first()?.script_sig;
        let n = *script.first()? as usize;
        if !(1..=8).contains(&n) || script.len() < 1 + n {
            return None;
        }
        let mut h = 0u64;
        for (i, b) in script[1..=n].iter().enumerate() {
            h |= u64::from(*b) << (8 * i);
        }
        Some(h)
    }
}

/// Bitcoin's merkle tree: pairs are hashed with sha256d, an odd last node is
/// paired with itself.
pub fn merkle_root(mut level: Vec<Hash256>) -> Hash256 {
    if level.is_empty() {
        return Hash256::default();
    }
    while level.len() > 1 {
        if !level.len().is_multiple_of(2) {
            level.push(*level.last().expect("non-empty"));
        }
        level = level
            .chunks_exact(2)
            .map(|p| Hash256(sha256d(&[&p[0].0, &p[1].0])))
            .collect();
    }
    level[0]
}

/// Parses a whole block; trailing bytes are an error.
pub fn parse_block(bytes: &[u8]) -> Result<Block, Error> {
    let mut r = Reader { bytes, pos: 0 };
    let header = parse_header(&mut r)?;
    let n = r.compact_size("transaction count")?;
    // A transaction is at least 60 bytes: refuse absurd counts before allocating.
    if n > (bytes.len() / 60) as u64 {
        return Err(r.err("transaction count no larger than the block allows"));
    }
    let mut txs = Vec::with_capacity(n as usize);
    for _ in 0..n {
        txs.push(parse_tx_at(&mut r)?);
    }
    if r.pos != bytes.len() {
        return Err(r.err("end of block"));
    }
    Ok(Block { header, txs })
}

/// Parses one transaction; trailing bytes are an error.
pub fn parse_tx(bytes: &[u8]) -> Result<Tx, Error> {
    let mut r = Reader { bytes, pos: 0 };
    let tx = parse_tx_at(&mut r)?;
    if r.pos != bytes.len() {
        return Err(r.err("end of transaction"));
    }
    Ok(tx)
}

fn parse_header(r: &mut Reader<'_>) -> Result<BlockHeader, Error> {
    let start = r.pos;
    let version = r.u32("header version")? as i32;
    let prev_block = Hash256(r.array("previous block hash")?);
    let merkle_root = Hash256(r.array("merkle root")?);
    let time = r.u32("header time")?;
    let bits = r.u32("header bits")?;
    let nonce = r.u32("header nonce")?;
    let hash = Hash256(sha256d(&[&r.bytes[start..r.pos]]));
    Ok(BlockHeader {
        version,
        prev_block,
        merkle_root,
        time,
        bits,
        nonce,
        hash,
    })
}

fn parse_tx_at(r: &mut Reader<'_>) -> Result<Tx, Error> {
    let start = r.pos;
    let version = r.u32("transaction version")? as i32;
    // BIP 144: a zero where the input count belongs is the segwit marker,
    // followed by flag 0x01.
    let segwit = r.peek() == Some(0);
    if segwit {
        r.pos += 1;
        if r.u8("segwit flag")? != 1 {
            r.pos -= 1;
            return Err(r.err("segwit flag 0x01"));
        }
    }
    let body_start = r.pos;
    let n_in = r.compact_size("input count")?;
    r.check_count(n_in, 41, "input count")?;
    let mut inputs = Vec::with_capacity(n_in as usize);
    for _ in 0..n_in {
        let prev_txid = Hash256(r.array("previous txid")?);
        let prev_vout = r.u32("previous output index")?;
        let script_sig = r.var_bytes("scriptSig")?.to_vec();
        let sequence = r.u32("sequence")?;
        inputs.push(TxIn {
            prev_txid,
            prev_vout,
            script_sig,
            sequence,
            witness: Vec::new(),
        });
    }
    let n_out = r.compact_size("output count")?;
    r.check_count(n_out, 9, "output count")?;
    let mut outputs = Vec::with_capacity(n_out as usize);
    for _ in 0..n_out {
        let value = r.u64("output value")?;
        let script_pubkey = r.var_bytes("scriptPubKey")?.to_vec();
        outputs.push(TxOut {
            value,
            script_pubkey,
        });
    }
    let body_end = r.pos;
    if segwit {
        for input in &mut inputs {
            let n = r.compact_size("witness item count")?;
            r.check_count(n, 1, "witness item count")?;
            for _ in 0..n {
                input.witness.push(r.var_bytes("witness item")?.to_vec());
            }
        }
    }
    let lock_start = r.pos;
    let lock_time = r.u32("lock time")?;
    let end = r.pos;
    let b = r.bytes;
    let txid = Hash256(sha256d(&[
        &b[start..start + 4],
        &b[body_start..body_end],
        &b[lock_start..end],
    ]));
    let wtxid = if segwit {
        Hash256(sha256d(&[&b[start..end]]))
    } else {
        txid
    };
    let base_size = 4 + (body_end - body_start) + 4;
    Ok(Tx {
        version,
        inputs,
        outputs,
        lock_time,
        txid,
        wtxid,
        segwit,
        size: end - start,
        base_size,
    })
}

/// A cursor over the caller's bytes; errors name the offset and what was expected.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, expected: &'static str) -> Error {
        Error::Parse {
            offset: self.pos,
            expected,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or(self.err(what))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], Error> {
        Ok(self.take(N, what)?.try_into().expect("length checked"))
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, Error> {
        Ok(self.array::<1>(what)?[0])
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    fn compact_size(&mut self, what: &'static str) -> Result<u64, Error> {
        let start = self.pos;
        let v = match self.u8(what)? {
            0xfd => u64::from(u16::from_le_bytes(self.array(what)?)),
            0xfe => u64::from(u32::from_le_bytes(self.array(what)?)),
            0xff => u64::from_le_bytes(self.array(what)?),
            n => return Ok(u64::from(n)),
        };
        // Consensus rejects non-minimal encodings.
        let minimal = match self.pos - start {
            3 => v >= 0xfd,
            5 => v > 0xffff,
            _ => v > 0xffff_ffff,
        };
        if !minimal {
            self.pos = start;
            return Err(self.err("minimally encoded CompactSize"));
        }
        Ok(v)
    }
    fn var_bytes(&mut self, what: &'static str) -> Result<&'a [u8], Error> {
        let n = self.compact_size(what)?;
        let n = usize::try_from(n).map_err(|_| self.err(what))?;
        self.take(n, what)
    }
    /// Refuses counts that cannot fit in the remaining bytes (each element
    /// needs at least `min_size` bytes), so hostile input cannot force huge
    /// allocations.
    fn check_count(&self, n: u64, min_size: u64, what: &'static str) -> Result<(), Error> {
        let left = (self.bytes.len() - self.pos) as u64;
        if n.saturating_mul(min_size) > left {
            return Err(self.err(what));
        }
        Ok(())
    }
}
