//! Streaming bundle reader: yields each member of `objects` as its raw JSON bytes
//! with its position, holding at most one object in memory, so a multi-gigabyte
//! bundle is read in memory bounded by its largest object.
//!
//! The reader checks the bundle's structure itself (a top-level object with
//! `"type": "bundle"`, an `objects` array of objects, nothing after the end) and
//! leaves the grammar of each object to serde_json. Limits on object size and
//! nesting depth turn hostile input (a 200 MB string, 100 000 nested arrays) into
//! errors instead of memory exhaustion or stack overflow.

use std::io::{self, Read};

use serde_json::Value;

/// Where something is in the input: byte offset and 1-based line and column
/// (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub offset: u64,
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} column {}", self.line, self.column)
    }
}

/// Resource limits for reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted object (bytes of JSON text).
    pub max_object_bytes: usize,
    /// Deepest accepted nesting of arrays and objects, counted from the bundle.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_object_bytes: 16 << 20,
            max_depth: 64,
        }
    }
}

/// One member of the bundle's `objects` array.
#[derive(Debug, Clone)]
pub struct RawObject {
    /// Index in `objects`.
    pub index: usize,
    /// Where the object's `{` is.
    pub start: Position,
    /// The object's JSON text.
    pub bytes: Vec<u8>,
}

impl RawObject {
    /// Parses the text; syntax errors carry absolute positions.
    pub fn parse(&self) -> Result<Value, ReadError> {
        serde_json::from_slice(&self.bytes).map_err(|e| ReadError::Syntax {
            position: relative_to_absolute(self.start, e.line(), e.column()),
            message: strip_serde_position(&e.to_string()),
            context: format!("objects[{}]", self.index),
        })
    }

    /// The object's text without the whitespace between tokens: the same JSON,
    /// byte for byte inside strings and numbers. Only meaningful after `parse`
    /// succeeded (then it is valid UTF-8 JSON).
    pub fn minified(&self) -> Option<String> {
        let b = &self.bytes;
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => i += 1,
                b'"' => {
                    let start = i;
                    i += 1;
                    while i < b.len() {
                        match memchr::memchr2(b'"', b'\\', &b[i..]) {
                            Some(k) if b[i + k] == b'\\' => i += k + 2,
                            Some(k) => {
                                i += k + 1;
                                break;
                            }
                            None => i = b.len(),
                        }
                    }
                    out.extend_from_slice(&b[start..i.min(b.len())]);
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).ok()
    }

    /// The position of a byte offset inside this object's text.
    pub fn position_of(&self, byte_offset: usize) -> Position {
        let mut p = self.start;
        for &b in &self.bytes[..byte_offset.min(self.bytes.len())] {
            advance(&mut p, b);
        }
        p
    }
}

/// Top-level members of the bundle other than `objects`.
#[derive(Debug, Clone, Default)]
pub struct BundleHeader {
    pub id: Option<String>,
    pub type_: Option<String>,
    /// Other members (`spec_version` from STIX 2.0 bundles, custom ones).
    pub other: serde_json::Map<String, Value>,
    pub id_position: Option<Position>,
}

/// Why a bundle could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{position}: {message} (in {context})")]
    Syntax {
        position: Position,
        message: String,
        context: String,
    },
    #[error("{position}: unexpected end of input in {context}: the file is truncated")]
    Truncated { position: Position, context: String },
    #[error("{position}: not a STIX bundle: {message}")]
    NotABundle { position: Position, message: String },
    #[error("{position}: {context} is larger than the limit of {limit} bytes")]
    TooLarge {
        position: Position,
        context: String,
        limit: usize,
    },
    #[error("{position}: JSON nested deeper than {limit} levels in {context}")]
    TooDeep {
        position: Position,
        context: String,
        limit: usize,
    },
    #[error("read error: {0}")]
    Io(#[from] io::Error),
}

impl ReadError {
    pub fn position(&self) -> Option<Position> {
        match self {
            ReadError::Syntax { position, .. }
            | ReadError::Truncated { position, .. }
            | ReadError::NotABundle { position, .. }
            | ReadError::TooLarge { position, .. }
            | ReadError::TooDeep { position, .. } => Some(*position),
            ReadError::Io(_) => None,
        }
    }
}

fn strip_serde_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn relative_to_absolute(start: Position, line: usize, column: usize) -> Position {
    if line <= 1 {
        Position {
            offset: start.offset + column.saturating_sub(1) as u64,
            line: start.line,
            column: start.column + column.saturating_sub(1) as u32,
        }
    } else {
        Position {
            offset: start.offset,
            line: start.line + line as u32 - 1,
            column: column as u32,
        }
    }
}

#[inline]
fn advance(p: &mut Position, b: u8) {
    p.offset += 1;
    if b == b'\n' {
        p.line += 1;
        p.column = 1;
    } else if b & 0xC0 != 0x80 {
        p.column += 1;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the top-level `{`.
    Start,
    /// Inside the top-level object, expecting a key or `}`.
    TopKey {
        first: bool,
    },
    /// Inside `objects`, expecting an element or `]`.
    Objects {
        first: bool,
    },
    Done,
}

/// Reads a bundle object by object. See the module documentation.
pub struct BundleReader<R: Read> {
    src: R,
    buf: Vec<u8>,
    pos_in_buf: usize,
    len: usize,
    eof: bool,
    pos: Position,
    state: State,
    limits: Limits,
    next_index: usize,
    header: BundleHeader,
    saw_objects: bool,
}

impl<R: Read> BundleReader<R> {
    pub fn new(src: R) -> Self {
        Self::with_limits(src, Limits::default())
    }

    pub fn with_limits(src: R, limits: Limits) -> Self {
        BundleReader {
            src,
            buf: vec![0; 256 * 1024],
            pos_in_buf: 0,
            len: 0,
            eof: false,
            pos: Position {
                offset: 0,
                line: 1,
                column: 1,
            },
            state: State::Start,
            limits,
            next_index: 0,
            header: BundleHeader::default(),
            saw_objects: false,
        }
    }

    /// The top-level members seen so far; complete once `next_object` returned `None`.
    pub fn header(&self) -> &BundleHeader {
        &self.header
    }

    /// Current position in the input.
    pub fn position(&self) -> Position {
        self.pos
    }

    fn fill(&mut self) -> io::Result<bool> {
        if self.pos_in_buf < self.len {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        loop {
            match self.src.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len = n;
                    self.pos_in_buf = 0;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    #[inline]
    fn peek(&mut self) -> Result<Option<u8>, ReadError> {
        if self.pos_in_buf < self.len {
            return Ok(Some(self.buf[self.pos_in_buf]));
        }
        Ok(if self.fill()? {
            Some(self.buf[self.pos_in_buf])
        } else {
            None
        })
    }

    #[inline]
    fn bump(&mut self) -> Result<Option<u8>, ReadError> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.pos_in_buf += 1;
            advance(&mut self.pos, b);
        }
        Ok(b)
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, ReadError> {
        loop {
            match self.peek()? {
                Some(b' ' | b'\t' | b'\n' | b'\r') => {
                    self.bump()?;
                }
                other => return Ok(other),
            }
        }
    }

    fn truncated(&self, context: &str) -> ReadError {
        ReadError::Truncated {
            position: self.pos,
            context: context.to_string(),
        }
    }

    fn syntax(&self, message: impl Into<String>, context: &str) -> ReadError {
        ReadError::Syntax {
            position: self.pos,
            message: message.into(),
            context: context.to_string(),
        }
    }

    fn expect(&mut self, want: u8, context: &str) -> Result<(), ReadError> {
        match self.skip_ws()? {
            Some(b) if b == want => {
                self.bump()?;
                Ok(())
            }
            Some(b) => Err(self.syntax(
                format!("expected '{}', found '{}'", want as char, printable(b)),
                context,
            )),
            None => Err(self.truncated(context)),
        }
    }

    /// Advances the position over `bytes` (already consumed from the buffer).
    fn advance_over(pos: &mut Position, bytes: &[u8]) {
        pos.offset += bytes.len() as u64;
        match bytes.iter().rposition(|&c| c == b'\n') {
            Some(last_nl) => {
                pos.line += bytes.iter().filter(|&&c| c == b'\n').count() as u32;
                pos.column = 1 + bytes[last_nl + 1..]
                    .iter()
                    .filter(|&&c| c & 0xC0 != 0x80)
                    .count() as u32;
            }
            None => pos.column += bytes.iter().filter(|&&c| c & 0xC0 != 0x80).count() as u32,
        }
    }

    /// Copies one complete JSON value (whose first byte is next) into `out`.
    ///
    /// Works on whole buffer chunks: a tight loop tracks strings, escapes and depth,
    /// and the chunk is copied at once (this is the hot loop of every import).
    fn capture_value(
        &mut self,
        out: &mut Vec<u8>,
        limit: usize,
        depth0: usize,
        context: &str,
    ) -> Result<(), ReadError> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escape = false;
        loop {
            if self.pos_in_buf >= self.len && !self.fill()? {
                return Err(self.truncated(context));
            }
            let chunk = &self.buf[self.pos_in_buf..self.len];
            let mut i = 0;
            let mut done = false;
            let mut too_deep = false;
            while i < chunk.len() {
                let b = chunk[i];
                if in_string {
                    if escape {
                        escape = false;
                    } else if b == b'\\' {
                        escape = true;
                    } else if b == b'"' {
                        in_string = false;
                    } else {
                        // Skip ahead to the next quote or backslash.
                        let rest = &chunk[i + 1..];
                        i += 1 + memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
                        continue;
                    }
                    i += 1;
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        depth += 1;
                        if depth0 + depth > self.limits.max_depth {
                            too_deep = true;
                            break;
                        }
                    }
                    b'}' | b']' => {
                        if depth == 0 {
                            // The end of an enclosing container: a scalar value ended.
                            done = true;
                            break;
                        }
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            done = true;
                            break;
                        }
                    }
                    b',' if depth == 0 => {
                        done = true;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            out.extend_from_slice(&chunk[..i]);
            Self::advance_over(&mut self.pos, &chunk[..i]);
            self.pos_in_buf += i;
            if too_deep {
                return Err(ReadError::TooDeep {
                    position: self.pos,
                    context: context.to_string(),
                    limit: self.limits.max_depth,
                });
            }
            if out.len() > limit {
                return Err(ReadError::TooLarge {
                    position: start,
                    context: context.to_string(),
                    limit,
                });
            }
            if done {
                return Ok(());
            }
        }
    }

    /// After an opening quote: copies the rest of a string, escapes included.
    fn capture_string_rest(
        &mut self,
        out: &mut Vec<u8>,
        limit: usize,
        start: Position,
        context: &str,
    ) -> Result<(), ReadError> {
        loop {
            if self.pos_in_buf >= self.len && !self.fill()? {
                return Err(self.truncated(context));
            }
            // Fast path: copy a run of ordinary bytes at once.
            let chunk = &self.buf[self.pos_in_buf..self.len];
            let run = chunk
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c == b'\n')
                .unwrap_or(chunk.len());
            if run > 0 {
                out.extend_from_slice(&chunk[..run]);
                for &c in &chunk[..run] {
                    if c & 0xC0 != 0x80 {
                        self.pos.column += 1;
                    }
                }
                self.pos.offset += run as u64;
                self.pos_in_buf += run;
                if out.len() > limit {
                    return Err(ReadError::TooLarge {
                        position: start,
                        context: context.to_string(),
                        limit,
                    });
                }
                continue;
            }
            let c = self.bump()?.expect("checked above");
            out.push(c);
            match c {
                b'"' => return Ok(()),
                b'\\' => match self.bump()? {
                    Some(e) => out.push(e),
                    None => return Err(self.truncated(context)),
                },
                _ => {}
            }
        }
    }

    fn read_key(&mut self, context: &str) -> Result<String, ReadError> {
        let mut raw = Vec::with_capacity(16);
        match self.skip_ws()? {
            Some(b'"') => {
                self.bump()?;
                raw.push(b'"');
                let start = self.pos;
                self.capture_string_rest(&mut raw, 1 << 16, start, context)?;
            }
            Some(b) => {
                return Err(self.syntax(
                    format!(
                        "expected a property name in quotes, found '{}'",
                        printable(b)
                    ),
                    context,
                ))
            }
            None => return Err(self.truncated(context)),
        }
        serde_json::from_slice(&raw).map_err(|e| self.syntax(e.to_string(), context))
    }

    /// The next object of `objects`, or `None` at the end of the bundle.
    pub fn next_object(&mut self) -> Result<Option<RawObject>, ReadError> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Start => {
                    // A UTF-8 byte order mark is tolerated.
                    if self.peek()? == Some(0xEF) {
                        for _ in 0..3 {
                            self.bump()?;
                        }
                    }
                    match self.skip_ws()? {
                        Some(b'{') => {
                            self.bump()?;
                            self.state = State::TopKey { first: true };
                        }
                        Some(b'[') => {
                            return Err(ReadError::NotABundle {
                                position: self.pos,
                                message: "the input is a JSON array; a bundle is an object with \"type\": \"bundle\" and an \"objects\" array".into(),
                            })
                        }
                        Some(b) => {
                            return Err(self.syntax(
                                format!(
                                    "not JSON: expected '{{' at the start of a bundle, found '{}'",
                                    printable(b)
                                ),
                                "the bundle",
                            ))
                        }
                        None => {
                            return Err(ReadError::NotABundle {
                                position: self.pos,
                                message: "the input is empty".into(),
                            })
                        }
                    }
                }
                State::TopKey { first } => {
                    let ctx = "the bundle";
                    match self.skip_ws()? {
                        Some(b'}') => {
                            self.bump()?;
                            self.finish()?;
                            self.state = State::Done;
                            return Ok(None);
                        }
                        Some(b',') if !first => {
                            self.bump()?;
                        }
                        Some(b) if !first => {
                            return Err(self.syntax(
                                format!("expected ',' or '}}', found '{}'", printable(b)),
                                ctx,
                            ))
                        }
                        None => return Err(self.truncated(ctx)),
                        _ => {}
                    }
                    let key = self.read_key(ctx)?;
                    self.expect(b':', ctx)?;
                    if key == "objects" {
                        self.expect(b'[', "the bundle's objects")?;
                        self.saw_objects = true;
                        self.state = State::Objects { first: true };
                    } else {
                        self.skip_ws()?;
                        let at = self.pos;
                        let mut raw = Vec::new();
                        let kctx = format!("the bundle's \"{key}\"");
                        self.capture_value(&mut raw, 1 << 20, 1, &kctx)?;
                        let v: Value =
                            serde_json::from_slice(&raw).map_err(|e| ReadError::Syntax {
                                position: relative_to_absolute(at, e.line(), e.column()),
                                message: strip_serde_position(&e.to_string()),
                                context: kctx.clone(),
                            })?;
                        match key.as_str() {
                            "type" => {
                                let t = v.as_str().unwrap_or_default().to_string();
                                if t != "bundle" {
                                    return Err(ReadError::NotABundle {
                                        position: at,
                                        message: format!("the top-level object has \"type\": {v}; expected \"bundle\""),
                                    });
                                }
                                self.header.type_ = Some(t);
                            }
                            "id" => {
                                self.header.id = v.as_str().map(str::to_string);
                                self.header.id_position = Some(at);
                            }
                            _ => {
                                self.header.other.insert(key, v);
                            }
                        }
                        self.state = State::TopKey { first: false };
                    }
                }
                State::Objects { first } => {
                    let ctx = format!("objects[{}]", self.next_index);
                    match self.skip_ws()? {
                        Some(b']') => {
                            self.bump()?;
                            self.state = State::TopKey { first: false };
                            continue;
                        }
                        Some(b',') if !first => {
                            self.bump()?;
                        }
                        Some(b) if !first => {
                            return Err(self.syntax(
                                format!(
                                    "expected ',' or ']' after an object, found '{}'",
                                    printable(b)
                                ),
                                &ctx,
                            ))
                        }
                        None => return Err(self.truncated(&ctx)),
                        _ => {}
                    }
                    match self.skip_ws()? {
                        Some(b'{') => {}
                        Some(b) => {
                            return Err(self.syntax(
                                format!("expected a STIX object ('{{'), found '{}'", printable(b)),
                                &ctx,
                            ))
                        }
                        None => return Err(self.truncated(&ctx)),
                    }
                    let start = self.pos;
                    let mut bytes = Vec::with_capacity(1024);
                    self.capture_value(&mut bytes, self.limits.max_object_bytes, 2, &ctx)?;
                    let index = self.next_index;
                    self.next_index += 1;
                    self.state = State::Objects { first: false };
                    return Ok(Some(RawObject {
                        index,
                        start,
                        bytes,
                    }));
                }
            }
        }
    }

    fn finish(&mut self) -> Result<(), ReadError> {
        if let Some(b) = self.skip_ws()? {
            return Err(self.syntax(
                format!("unexpected '{}' after the end of the bundle", printable(b)),
                "the input",
            ));
        }
        if self.header.type_.is_none() {
            return Err(ReadError::NotABundle {
                position: Position {
                    offset: 0,
                    line: 1,
                    column: 1,
                },
                message: match self.header.other.get("type") {
                    Some(t) => format!("the top-level object has \"type\": {t}"),
                    None => "the top-level object has no \"type\": \"bundle\"".into(),
                },
            });
        }
        let _ = self.saw_objects; // a bundle may omit `objects` (STIX 2.1 §8: it is optional)
        Ok(())
    }
}

impl<R: Read> Iterator for BundleReader<R> {
    type Item = Result<RawObject, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.next_object() {
            Ok(Some(o)) => Some(Ok(o)),
            Ok(None) => None,
            Err(e) => {
                self.state = State::Done;
                Some(Err(e))
            }
        }
    }
}

fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        (b as char).to_string()
    } else {
        format!("\\x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &str) -> Result<(Vec<String>, BundleHeader), String> {
        let mut r = BundleReader::new(input.as_bytes());
        let mut out = Vec::new();
        loop {
            match r.next_object() {
                Ok(Some(o)) => {
                    o.parse().map_err(|e| e.to_string())?;
                    out.push(format!(
                        "{}@{}:{}",
                        String::from_utf8(o.bytes).unwrap(),
                        o.start.line,
                        o.start.column
                    ));
                }
                Ok(None) => return Ok((out, r.header().clone())),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    fn check(input: &str, expect: Result<&[&str], &str>) {
        match (read_all(input), expect) {
            (Ok((got, _)), Ok(want)) => assert_eq!(got, want),
            (Err(e), Err(want)) => {
                assert!(e.contains(want), "error {e:?} does not contain {want:?}")
            }
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn reads_objects_and_positions() {
        check(
            "{\"type\": \"bundle\", \"id\": \"bundle--1\",\n \"objects\": [\n  {\"a\": \"x]}\\\"\"},\n  {\"b\": [1, {\"c\": null}]}\n ]}",
            Ok(&["{\"a\": \"x]}\\\"\"}@3:3", "{\"b\": [1, {\"c\": null}]}@4:3"]),
        );
        check("{\"objects\": [], \"type\": \"bundle\"}", Ok(&[]));
        check("\u{feff}{\"type\":\"bundle\"}", Ok(&[]));
    }

    #[test]
    fn errors() {
        check("", Err("the input is empty"));
        check("[{}]", Err("JSON array"));
        check("hello", Err("not JSON"));
        check(
            "{\"type\": \"indicator\", \"id\": \"x\"}",
            Err("expected \"bundle\""),
        );
        check("{\"id\": \"x\"}", Err("no \"type\": \"bundle\""));
        check(
            "{\"type\": \"bundle\", \"objects\": [{\"a\": 1}",
            Err("truncated"),
        );
        check(
            "{\"type\": \"bundle\", \"objects\": [{\"a\": \"unterminated",
            Err("truncated"),
        );
        check(
            "{\"type\": \"bundle\", \"objects\": [1]}",
            Err("expected a STIX object"),
        );
        check(
            "{\"type\": \"bundle\", \"objects\": [{\"a\": tru}]}",
            Err("line 1 column"),
        );
        check("{\"type\": \"bundle\"} x", Err("after the end"));
        let deep = format!(
            "{{\"type\":\"bundle\",\"objects\":[{{\"a\":{}{}}}]}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        check(&deep, Err("nested deeper than 64"));
    }

    #[test]
    fn minified_keeps_strings_and_numbers() {
        let input = "{\"type\":\"bundle\",\"objects\":[ {\n  \"a\" : \"x  y\\\" \\n\",\n  \"n\": 1.50e3 , \"l\": [ 1 , 2 ] } ]}";
        let mut r = BundleReader::new(input.as_bytes());
        let o = r.next_object().unwrap().unwrap();
        o.parse().unwrap();
        assert_eq!(
            o.minified().unwrap(),
            r#"{"a":"x  y\" \n","n":1.50e3,"l":[1,2]}"#
        );
    }

    #[test]
    fn size_limit() {
        let big = format!(
            "{{\"type\":\"bundle\",\"objects\":[{{\"s\":\"{}\"}}]}}",
            "x".repeat(2000)
        );
        let mut r = BundleReader::with_limits(
            big.as_bytes(),
            Limits {
                max_object_bytes: 1000,
                max_depth: 64,
            },
        );
        let e = r.next_object().unwrap_err().to_string();
        assert!(e.contains("larger than the limit of 1000 bytes"), "{e}");
    }

    #[test]
    fn syntax_error_position_is_absolute() {
        let input = "{\"type\":\"bundle\",\"objects\":[\n{\"ok\":1},\n{\"a\":\n  tru}]}";
        let mut r = BundleReader::new(input.as_bytes());
        r.next_object().unwrap().unwrap().parse().unwrap();
        let o = r.next_object().unwrap().unwrap();
        let e = o.parse().unwrap_err();
        assert_eq!(e.position().unwrap().line, 4, "{e}");
    }
}
