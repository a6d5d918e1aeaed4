//! The tokenizer, following the lexer rules of STIXPattern.g4: longest match
//! wins, keywords beat identifiers of the same length, whitespace (including
//! the Unicode spaces the grammar lists) and `/* */`, `//` comments are skipped.

use crate::error::PatternError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// Identifier; `hyphen` when it contains `-` (allowed only as an object type).
    Ident {
        text: String,
        hyphen: bool,
    },
    Str(String),
    /// Integer literal text, sign included (`+5`, `-3`, `0`).
    Int(String),
    /// Float literal text, sign included.
    Float(String),
    Hex(Vec<u8>),
    Binary(Vec<u8>),
    /// Timestamp literal text between the quotes.
    Timestamp(String),
    Bool(bool),
    Kw(Kw),
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Colon,
    Dot,
    Comma,
    LParen,
    RParen,
    LBrack,
    RBrack,
    Star,
    /// A character no parser rule accepts (`+`, `-`, `^`, `/`, `'`, `!`…).
    Other(char),
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kw {
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
}

pub(crate) const KEYWORDS: &[(&str, Kw)] = &[
    ("AND", Kw::And),
    ("OR", Kw::Or),
    ("NOT", Kw::Not),
    ("FOLLOWEDBY", Kw::FollowedBy),
    ("LIKE", Kw::Like),
    ("MATCHES", Kw::Matches),
    ("ISSUPERSET", Kw::IsSuperset),
    ("ISSUBSET", Kw::IsSubset),
    ("EXISTS", Kw::Exists),
    ("LAST", Kw::Last),
    ("IN", Kw::In),
    ("START", Kw::Start),
    ("STOP", Kw::Stop),
    ("SECONDS", Kw::Seconds),
    ("WITHIN", Kw::Within),
    ("REPEATS", Kw::Repeats),
    ("TIMES", Kw::Times),
];

/// True for words the lexer would not return as a plain identifier.
pub(crate) fn is_reserved(word: &str) -> bool {
    word == "true" || word == "false" || KEYWORDS.iter().any(|(k, _)| *k == word)
}

impl Tok {
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident { text, .. } => format!("identifier '{text}'"),
            Tok::Str(_) => "a string literal".into(),
            Tok::Int(t) | Tok::Float(t) => format!("number {t}"),
            Tok::Hex(_) => "a hex literal".into(),
            Tok::Binary(_) => "a binary literal".into(),
            Tok::Timestamp(_) => "a timestamp literal".into(),
            Tok::Bool(b) => format!("'{b}'"),
            Tok::Kw(k) => format!(
                "'{}'",
                KEYWORDS
                    .iter()
                    .find(|(_, x)| x == k)
                    .map(|(s, _)| *s)
                    .unwrap_or("?")
            ),
            Tok::Eq => "'='".into(),
            Tok::Neq => "'!='".into(),
            Tok::Lt => "'<'".into(),
            Tok::Le => "'<='".into(),
            Tok::Gt => "'>'".into(),
            Tok::Ge => "'>='".into(),
            Tok::Colon => "':'".into(),
            Tok::Dot => "'.'".into(),
            Tok::Comma => "','".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBrack => "'['".into(),
            Tok::RBrack => "']'".into(),
            Tok::Star => "'*'".into(),
            Tok::Other(c) => format!("'{c}'"),
            Tok::Eof => "end of pattern".into(),
        }
    }
}

/// A token and the byte offset where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub offset: usize,
}

fn is_ws(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\r'
            | '\n'
            | '\u{0B}'
            | '\u{0C}'
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

/// Length of the number literal at the start of `b` (sign included) and whether
/// it is a float, by the grammar's four number rules and longest match.
fn number_len(b: &[u8]) -> Option<(usize, bool)> {
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits_start = i;
    // Integer: '0' | [1-9][0-9]*
    let int_len = if i < b.len() && b[i] == b'0' {
        Some(i + 1)
    } else if i < b.len() && b[i].is_ascii_digit() {
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        Some(j)
    } else {
        None
    };
    // Float: [0-9]* '.' [0-9]+
    let mut j = digits_start;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    let float_len = if j < b.len() && b[j] == b'.' {
        let k0 = j + 1;
        let mut k = k0;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        (k > k0).then_some(k)
    } else {
        None
    };
    match (int_len, float_len) {
        (_, Some(f)) => Some((f, true)),
        (Some(n), None) => Some((n, false)),
        (None, None) => None,
    }
}

/// The text between the quotes of `t'…'` when it has the grammar's shape.
fn timestamp_len(b: &[u8]) -> Option<usize> {
    // b starts after "t'"
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let ok = d(0)
        && d(1)
        && d(2)
        && d(3)
        && at(4, b'-')
        && ((at(5, b'0') && b.get(6).is_some_and(|c| (b'1'..=b'9').contains(c)))
            || (at(5, b'1') && b.get(6).is_some_and(|c| (b'0'..=b'2').contains(c))))
        && at(7, b'-')
        && ((at(8, b'0') && b.get(9).is_some_and(|c| (b'1'..=b'9').contains(c)))
            || ((at(8, b'1') || at(8, b'2')) && d(9))
            || (at(8, b'3') && b.get(9).is_some_and(|c| *c == b'0' || *c == b'1')))
        && at(10, b'T')
        && (((at(11, b'0') || at(11, b'1')) && d(12))
            || (at(11, b'2') && b.get(12).is_some_and(|c| (b'0'..=b'3').contains(c))))
        && at(13, b':')
        && b.get(14).is_some_and(|c| (b'0'..=b'5').contains(c))
        && d(15)
        && at(16, b':')
        && ((b.get(17).is_some_and(|c| (b'0'..=b'5').contains(c)) && d(18))
            || (at(17, b'6') && at(18, b'0')));
    if !ok {
        return None;
    }
    let mut i = 19;
    if at(i, b'.') {
        let s = i + 1;
        i = s;
        while d(i) {
            i += 1;
        }
        if i == s {
            return None;
        }
    }
    if at(i, b'Z') && at(i + 1, b'\'') {
        Some(i + 1)
    } else {
        None
    }
}

fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

pub(crate) fn decode_base64(s: &[u8]) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for chunk in s.chunks(4) {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let v = if i >= 4 - pad { 0 } else { val(c)? };
            n = (n << 6) | v;
        }
        out.push((n >> 16) as u8);
        if pad < 2 {
            out.push((n >> 8) as u8);
        }
        if pad < 1 {
            out.push(n as u8);
        }
    }
    Some(out)
}

pub(crate) fn encode_base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Splits a pattern into tokens. Fails on an unterminated comment or string and
/// on bad escapes, which no parse could accept.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, PatternError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = src[i..].chars().next().unwrap_or('\0');
        if is_ws(c) {
            i += c.len_utf8();
            continue;
        }
        if b[i..].starts_with(b"/*") {
            match src[i + 2..].find("*/") {
                Some(end) => {
                    i += 2 + end + 2;
                    continue;
                }
                None => {
                    return Err(PatternError::syntax(
                        i,
                        "unterminated comment: expected '*/'",
                    ))
                }
            }
        }
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\r' && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        let tok = match c {
            'h' if b.get(i + 1) == Some(&b'\'') => {
                let mut j = i + 2;
                while j + 1 < b.len() && b[j].is_ascii_hexdigit() && b[j + 1].is_ascii_hexdigit() {
                    j += 2;
                }
                if b.get(j) == Some(&b'\'') {
                    let bytes = b[i + 2..j]
                        .chunks(2)
                        .map(|p| hex_value(p[0]) << 4 | hex_value(p[1]))
                        .collect();
                    i = j + 1;
                    Tok::Hex(bytes)
                } else {
                    return Err(PatternError::literal(
                        i,
                        "malformed hex literal: expected an even number of hex digits between h' and '",
                    ));
                }
            }
            'b' if b.get(i + 1) == Some(&b'\'') => {
                let mut j = i + 2;
                while j < b.len() && (is_b64(b[j]) || b[j] == b'=') {
                    j += 1;
                }
                let body = &b[i + 2..j];
                let shape_ok = b.get(j) == Some(&b'\'')
                    && !body.is_empty()
                    && body.len().is_multiple_of(4)
                    && body[..body.len() - 2].iter().all(|&c| is_b64(c))
                    && matches!(
                        (body[body.len() - 2] == b'=', body[body.len() - 1] == b'='),
                        (false, false) | (false, true) | (true, true)
                    );
                match shape_ok.then(|| decode_base64(body)).flatten() {
                    Some(bytes) => {
                        i = j + 1;
                        Tok::Binary(bytes)
                    }
                    None => {
                        return Err(PatternError::literal(
                            i,
                            "malformed binary literal: expected base64 (groups of 4, '=' padding) between b' and '",
                        ))
                    }
                }
            }
            't' if b.get(i + 1) == Some(&b'\'') => match timestamp_len(&b[i + 2..]) {
                Some(n) => {
                    // n is the position of the closing quote after "t'".
                    let text = src[i + 2..i + 2 + n].to_string();
                    i += 2 + n + 1;
                    Tok::Timestamp(text)
                }
                None => {
                    return Err(PatternError::literal(
                        i,
                        "malformed timestamp literal: expected t'YYYY-MM-DDTHH:MM:SS[.s+]Z'",
                    ))
                }
            },
            'a'..='z' | 'A'..='Z' | '_' => {
                let mut j = i + 1;
                let mut hyphen = false;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-')
                {
                    hyphen |= b[j] == b'-';
                    j += 1;
                }
                let text = &src[i..j];
                i = j;
                if text == "true" {
                    Tok::Bool(true)
                } else if text == "false" {
                    Tok::Bool(false)
                } else if let Some((_, k)) = KEYWORDS.iter().find(|(w, _)| *w == text) {
                    Tok::Kw(*k)
                } else {
                    Tok::Ident {
                        text: text.to_string(),
                        hyphen,
                    }
                }
            }
            '0'..='9' | '+' | '-' | '.' => match number_len(&b[i..]) {
                Some((n, is_float)) => {
                    let text = src[i..i + n].to_string();
                    i += n;
                    if is_float {
                        Tok::Float(text)
                    } else {
                        Tok::Int(text)
                    }
                }
                None => {
                    i += 1;
                    if c == '.' {
                        Tok::Dot
                    } else {
                        Tok::Other(c)
                    }
                }
            },
            '\'' => {
                let mut s = String::new();
                let mut j = i + 1;
                loop {
                    let Some(ch) = src[j..].chars().next() else {
                        return Err(PatternError::syntax(
                            start,
                            "unterminated string literal: expected a closing quote",
                        ));
                    };
                    match ch {
                        '\'' => {
                            j += 1;
                            break;
                        }
                        '\\' => match b.get(j + 1) {
                            Some(b'\'') => {
                                s.push('\'');
                                j += 2;
                            }
                            Some(b'\\') => {
                                s.push('\\');
                                j += 2;
                            }
                            _ => {
                                return Err(PatternError::literal(
                                    j,
                                    "invalid escape in string literal: expected \\' or \\\\",
                                ))
                            }
                        },
                        _ => {
                            s.push(ch);
                            j += ch.len_utf8();
                        }
                    }
                }
                i = j;
                Tok::Str(s)
            }
            '=' => {
                i += if b.get(i + 1) == Some(&b'=') { 2 } else { 1 };
                Tok::Eq
            }
            '!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Neq
            }
            '<' => match b.get(i + 1) {
                Some(b'>') => {
                    i += 2;
                    Tok::Neq
                }
                Some(b'=') => {
                    i += 2;
                    Tok::Le
                }
                _ => {
                    i += 1;
                    Tok::Lt
                }
            },
            '>' => {
                if b.get(i + 1) == Some(&b'=') {
                    i += 2;
                    Tok::Ge
                } else {
                    i += 1;
                    Tok::Gt
                }
            }
            ':' => {
                i += 1;
                Tok::Colon
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            '[' => {
                i += 1;
                Tok::LBrack
            }
            ']' => {
                i += 1;
                Tok::RBrack
            }
            '*' => {
                i += 1;
                Tok::Star
            }
            other => {
                i += other.len_utf8();
                Tok::Other(other)
            }
        };
        out.push(Token { tok, offset: start });
    }
    out.push(Token {
        tok: Tok::Eof,
        offset: b.len(),
    });
    Ok(out)
}
