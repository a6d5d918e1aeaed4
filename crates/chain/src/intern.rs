//! A string interner for address keys: one byte arena, an offsets column and
//! an open-addressing table of ids. About 4 + 4·(1/load) bytes of overhead per
//! key instead of the ~60 of a `HashMap<String, u32>`, which matters at 25M
//! addresses.

/// Dense ids for strings; ids are assigned in insertion order from 0.
#[derive(Debug, Clone)]
pub struct Interner {
    arena: Vec<u8>,
    /// `offsets[i]..offsets[i + 1]` is key `i` in `arena`.
    offsets: Vec<u64>,
    /// Open addressing with linear probing; `EMPTY` marks a free slot.
    table: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

impl Default for Interner {
    fn default() -> Self {
        Interner {
            arena: Vec::new(),
            offsets: vec![0],
            table: vec![EMPTY; 16],
        }
    }
}

/// FNV-1a then a 64-bit finaliser: fast on short keys and well spread.
fn hash(key: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

impl Interner {
    pub fn with_capacity(keys: usize, bytes: usize) -> Interner {
        let slots = (keys * 2).next_power_of_two().max(16);
        let mut offsets = Vec::with_capacity(keys + 1);
        offsets.push(0);
        Interner {
            arena: Vec::with_capacity(bytes),
            offsets,
            table: vec![EMPTY; slots],
        }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get_str(&self, id: u32) -> &str {
        let (a, b) = (
            self.offsets[id as usize] as usize,
            self.offsets[id as usize + 1] as usize,
        );
        // Only `&str` keys are ever inserted, and whole keys are sliced.
        std::str::from_utf8(&self.arena[a..b]).unwrap_or_default()
    }

    pub fn find(&self, key: &str) -> Option<u32> {
        let mask = self.table.len() - 1;
        let mut slot = hash(key.as_bytes()) as usize & mask;
        loop {
            let id = self.table[slot];
            if id == EMPTY {
                return None;
            }
            if self.get_str(id) == key {
                return Some(id);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The id of `key`, inserting it when new.
    pub fn intern(&mut self, key: &str) -> u32 {
        if (self.len() + 1) * 2 > self.table.len() {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let mut slot = hash(key.as_bytes()) as usize & mask;
        loop {
            let id = self.table[slot];
            if id == EMPTY {
                break;
            }
            if self.get_str(id) == key {
                return id;
            }
            slot = (slot + 1) & mask;
        }
        let id = self.len() as u32;
        self.arena.extend_from_slice(key.as_bytes());
        self.offsets.push(self.arena.len() as u64);
        self.table[slot] = id;
        id
    }

    fn grow(&mut self) {
        let slots = self.table.len() * 2;
        let mut table = vec![EMPTY; slots];
        let mask = slots - 1;
        for id in 0..self.len() as u32 {
            let (a, b) = (
                self.offsets[id as usize] as usize,
                self.offsets[id as usize + 1] as usize,
            );
            let mut slot = hash(&self.arena[a..b]) as usize & mask;
            while table[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            table[slot] = id;
        }
        self.table = table;
    }

    /// Heap bytes held (for the benchmark's memory figures).
    pub fn heap_bytes(&self) -> usize {
        self.arena.capacity() + self.offsets.capacity() * 8 + self.table.capacity() * 4
    }
}
