//! Finds where a JSON path points inside an object's text, so that diagnostics can
//! carry a line and column. Only called when a diagnostic is reported: the happy
//! path never pays for it.

/// One step of a path: a member name or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Parses `a.b[3].c` (member names may not contain `.` or `[`; names that do are
/// written `["a.b"]`).
pub fn parse_path(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    let b = path.as_bytes();
    let mut i = 0;
    let mut cur = String::new();
    while i < b.len() {
        match b[i] {
            b'.' => {
                if !cur.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut cur)));
                }
                i += 1;
            }
            b'[' => {
                if !cur.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut cur)));
                }
                let end = path[i..].find(']').map(|e| i + e).unwrap_or(b.len());
                let inner = &path[i + 1..end];
                if let Ok(n) = inner.parse::<usize>() {
                    segs.push(Seg::Index(n));
                } else {
                    segs.push(Seg::Key(inner.trim_matches('"').to_string()));
                }
                i = end + 1;
            }
            _ => {
                let ch = path[i..].chars().next().unwrap();
                cur.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    if !cur.is_empty() {
        segs.push(Seg::Key(cur));
    }
    segs
}

/// Byte offset in `text` of the value at `path` (for a member: of its name), or the
/// deepest existing ancestor when the path does not exist (e.g. a missing property
/// is reported at its parent object).
pub fn locate(text: &[u8], path: &[Seg]) -> usize {
    let mut sc = Scanner { b: text, i: 0 };
    sc.ws();
    let mut best = sc.i;
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if sc.peek() != Some(b'{') {
                    return best;
                }
                match sc.find_member(k) {
                    Some((key_at, value_at)) => {
                        best = key_at;
                        sc.i = value_at;
                    }
                    None => return best,
                }
            }
            Seg::Index(n) => {
                if sc.peek() != Some(b'[') {
                    return best;
                }
                match sc.find_element(*n) {
                    Some(at) => {
                        best = at;
                        sc.i = at;
                    }
                    None => return best,
                }
            }
        }
    }
    best
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn string(&mut self) -> Option<String> {
        let start = self.i;
        self.i += 1;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'\\' => self.i += 1,
                b'"' => return serde_json::from_slice(&self.b[start..self.i]).ok(),
                _ => {}
            }
        }
        None
    }
    fn skip_value(&mut self) {
        self.ws();
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            match c {
                b'"' => {
                    self.string();
                    if depth == 0 {
                        return;
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        return;
                    }
                }
                b',' if depth == 0 => return,
                _ => {}
            }
            self.i += 1;
        }
    }
    fn find_member(&mut self, key: &str) -> Option<(usize, usize)> {
        self.i += 1; // '{'
        loop {
            self.ws();
            match self.peek()? {
                b'}' => return None,
                b',' => {
                    self.i += 1;
                    continue;
                }
                b'"' => {}
                _ => return None,
            }
            let key_at = self.i;
            let k = self.string()?;
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.ws();
            if k == key {
                return Some((key_at, self.i));
            }
            self.skip_value();
        }
    }
    fn find_element(&mut self, n: usize) -> Option<usize> {
        self.i += 1; // '['
        let mut idx = 0;
        loop {
            self.ws();
            match self.peek()? {
                b']' => return None,
                b',' => {
                    self.i += 1;
                    continue;
                }
                _ => {}
            }
            if idx == n {
                return Some(self.i);
            }
            self.skip_value();
            idx += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, path: &str, expect_at: &str) {
        let at = locate(text.as_bytes(), &parse_path(path));
        assert!(
            text[at..].starts_with(expect_at),
            "{path}: found {:?}",
            &text[at..]
        );
    }

    #[test]
    fn paths() {
        let t = r#"{"type": "x", "external_references": [ {"source_name": "a"}, {"url": "u", "hashes": {"SHA-256": "zz"}} ], "n": {"a.b": 1}}"#;
        check(t, "type", r#""type""#);
        check(t, "external_references[1].hashes.SHA-256", r#""SHA-256""#);
        check(t, "external_references[1]", r#"{"url""#);
        check(t, "external_references[0].missing", r#"{"source_name""#);
        check(t, "external_references[5]", r#""external_references""#);
        check(t, r#"n["a.b"]"#, r#""a.b""#);
    }
}
