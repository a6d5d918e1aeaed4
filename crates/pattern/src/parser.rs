//! Recursive-descent parser for STIXPattern.g4. Precedence, loosest first:
//! FOLLOWEDBY, OR, AND, qualifiers (observation level); OR, AND (comparison
//! level). All binary operators are left-associative, as the grammar says.

use stix::Timestamp;

use crate::ast::*;
use crate::error::PatternError;
use crate::lexer::{tokenize, Kw, Tok, Token};

/// Parses a pattern. The first syntax error stops the parse.
pub fn parse(src: &str) -> Result<Pattern, PatternError> {
    parse_with_diagnostics(src).map(|(p, _)| p)
}

/// Parses a pattern and also returns the non-fatal findings that need the
/// parentheses the tree no longer has (duplicate qualifiers).
pub(crate) fn parse_with_diagnostics(
    src: &str,
) -> Result<(Pattern, Vec<PatternError>), PatternError> {
    let toks = tokenize(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        diags: Vec::new(),
    };
    let expr = p.obs_followed_by(0)?;
    if p.peek() != &Tok::Eof {
        return Err(p.unexpected("AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern"));
    }
    Ok((Pattern { expr }, p.diags))
}

/// Nesting limit, so that a hostile pattern cannot overflow the stack.
const MAX_DEPTH: usize = 64;

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    diags: Vec<PatternError>,
}

impl Parser {
    fn cur(&self) -> &Token {
        // The last token is Eof; reading past it keeps answering Eof.
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }
    fn peek(&self) -> &Tok {
        &self.cur().tok
    }
    fn offset(&self) -> usize {
        self.cur().offset
    }
    fn bump(&mut self) -> Token {
        let t = self.cur().clone();
        self.pos += 1;
        t
    }
    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == t {
            self.bump();
            true
        } else {
            false
        }
    }
    fn unexpected(&self, expected: &str) -> PatternError {
        PatternError::syntax(
            self.offset(),
            format!("expected {expected}, found {}", self.peek().describe()),
        )
    }
    fn expect(&mut self, t: &Tok, expected: &str) -> Result<Token, PatternError> {
        if self.peek() == t {
            Ok(self.bump())
        } else {
            Err(self.unexpected(expected))
        }
    }
    fn depth_check(&self, depth: usize) -> Result<(), PatternError> {
        if depth > MAX_DEPTH {
            return Err(PatternError::syntax(
                self.offset(),
                format!("pattern nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn obs_followed_by(&mut self, depth: usize) -> Result<ObsExpr, PatternError> {
        let mut lhs = self.obs_or(depth)?;
        while self.eat(&Tok::Kw(Kw::FollowedBy)) {
            let rhs = self.obs_or(depth)?;
            lhs = ObsExpr::join(ObsExpr::FollowedBy, lhs, rhs);
        }
        Ok(lhs)
    }
    fn obs_or(&mut self, depth: usize) -> Result<ObsExpr, PatternError> {
        let mut lhs = self.obs_and(depth)?;
        while self.eat(&Tok::Kw(Kw::Or)) {
            let rhs = self.obs_and(depth)?;
            lhs = ObsExpr::join(ObsExpr::Or, lhs, rhs);
        }
        Ok(lhs)
    }
    fn obs_and(&mut self, depth: usize) -> Result<ObsExpr, PatternError> {
        let mut lhs = self.obs_qualified(depth)?;
        while self.eat(&Tok::Kw(Kw::And)) {
            let rhs = self.obs_qualified(depth)?;
            lhs = ObsExpr::join(ObsExpr::And, lhs, rhs);
        }
        Ok(lhs)
    }
    fn obs_qualified(&mut self, depth: usize) -> Result<ObsExpr, PatternError> {
        // stix2-patterns rejects the same qualifier type twice on a bracketed
        // observation expression (not on a parenthesized group); so do we.
        let bracketed = self.peek() == &Tok::LBrack;
        let atom_offset = self.offset();
        let mut kinds: Vec<&'static str> = Vec::new();
        let mut e = self.obs_atom(depth)?;
        let mut n_quals = 0;
        loop {
            let kind = match self.peek() {
                Tok::Kw(Kw::Within) => "WITHIN",
                Tok::Kw(Kw::Repeats) => "REPEATS",
                Tok::Kw(Kw::Start) => "START/STOP",
                _ => "",
            };
            if bracketed && !kind.is_empty() {
                if kinds.contains(&kind) {
                    self.diags.push(PatternError::new(
                        crate::error::codes::DUPLICATE_QUALIFIER,
                        atom_offset,
                        format!("duplicate {kind} qualifier on one observation expression"),
                    ));
                }
                kinds.push(kind);
            }
            let q = match self.peek() {
                Tok::Kw(Kw::Within) => {
                    self.bump();
                    let off = self.offset();
                    let secs = match self.bump().tok {
                        Tok::Int(t) if !t.starts_with('-') => parse_int(&t, off)? as f64,
                        Tok::Float(t) if !t.starts_with('-') => parse_float(&t, off)?,
                        _ => {
                            self.pos -= 1;
                            return Err(
                                self.unexpected("a positive number of seconds after WITHIN")
                            );
                        }
                    };
                    self.expect(&Tok::Kw(Kw::Seconds), "SECONDS")?;
                    Qualifier::Within(secs)
                }
                Tok::Kw(Kw::Repeats) => {
                    self.bump();
                    let off = self.offset();
                    let n = match self.bump().tok {
                        Tok::Int(t) if !t.starts_with('-') => {
                            let v = parse_int(&t, off)?;
                            u64::try_from(v).map_err(|_| {
                                PatternError::literal(off, "REPEATS count out of range")
                            })?
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.unexpected("a positive integer after REPEATS"));
                        }
                    };
                    self.expect(&Tok::Kw(Kw::Times), "TIMES")?;
                    Qualifier::Repeats(n)
                }
                Tok::Kw(Kw::Start) => {
                    self.bump();
                    let start = self.timestamp("a timestamp literal t'…' after START")?;
                    self.expect(&Tok::Kw(Kw::Stop), "STOP")?;
                    let stop = self.timestamp("a timestamp literal t'…' after STOP")?;
                    Qualifier::StartStop(start, stop)
                }
                _ => break,
            };
            n_quals += 1;
            if n_quals > MAX_DEPTH {
                return Err(PatternError::syntax(
                    self.offset(),
                    format!("more than {MAX_DEPTH} qualifiers on one observation expression"),
                ));
            }
            e = ObsExpr::Qualified(Box::new(e), q);
        }
        Ok(e)
    }
    fn timestamp(&mut self, expected: &str) -> Result<Timestamp, PatternError> {
        let off = self.offset();
        match self.peek().clone() {
            Tok::Timestamp(t) => {
                self.bump();
                parse_timestamp(&t, off)
            }
            _ => Err(self.unexpected(expected)),
        }
    }
    fn obs_atom(&mut self, depth: usize) -> Result<ObsExpr, PatternError> {
        self.depth_check(depth)?;
        match self.peek() {
            Tok::LBrack => {
                self.bump();
                let c = self.comp_or(depth + 1)?;
                self.expect(&Tok::RBrack, "']', AND or OR")?;
                Ok(ObsExpr::Observation(c))
            }
            Tok::LParen => {
                self.bump();
                let e = self.obs_followed_by(depth + 1)?;
                self.expect(&Tok::RParen, "')', AND, OR, FOLLOWEDBY or a qualifier")?;
                Ok(e)
            }
            _ => Err(self.unexpected("'[' or '(' to start an observation expression")),
        }
    }

    fn comp_or(&mut self, depth: usize) -> Result<CompExpr, PatternError> {
        let mut lhs = self.comp_and(depth)?;
        while self.eat(&Tok::Kw(Kw::Or)) {
            let rhs = self.comp_and(depth)?;
            lhs = CompExpr::join(CompExpr::Or, lhs, rhs);
        }
        Ok(lhs)
    }
    fn comp_and(&mut self, depth: usize) -> Result<CompExpr, PatternError> {
        let mut lhs = self.prop_test(depth)?;
        while self.eat(&Tok::Kw(Kw::And)) {
            let rhs = self.prop_test(depth)?;
            lhs = CompExpr::join(CompExpr::And, lhs, rhs);
        }
        Ok(lhs)
    }
    fn prop_test(&mut self, depth: usize) -> Result<CompExpr, PatternError> {
        self.depth_check(depth)?;
        let offset = self.offset();
        match self.peek() {
            Tok::LParen => {
                self.bump();
                let c = self.comp_or(depth + 1)?;
                self.expect(&Tok::RParen, "')', AND or OR")?;
                return Ok(c);
            }
            Tok::Kw(Kw::Not) | Tok::Kw(Kw::Exists) => {
                let negated = self.eat(&Tok::Kw(Kw::Not));
                self.expect(&Tok::Kw(Kw::Exists), "EXISTS")?;
                let path = self.object_path()?;
                return Ok(CompExpr::Test(PropTest {
                    path,
                    negated,
                    op: Op::Exists,
                    offset,
                }));
            }
            _ => {}
        }
        let path = self.object_path()?;
        let negated = self.eat(&Tok::Kw(Kw::Not));
        let op_tok = self.bump();
        let op = match op_tok.tok {
            Tok::Eq => Op::Eq(self.primitive_literal()?),
            Tok::Neq => Op::Ne(self.primitive_literal()?),
            Tok::Lt => Op::Lt(self.orderable_literal()?),
            Tok::Le => Op::Le(self.orderable_literal()?),
            Tok::Gt => Op::Gt(self.orderable_literal()?),
            Tok::Ge => Op::Ge(self.orderable_literal()?),
            Tok::Kw(Kw::In) => Op::In(self.set_literal()?),
            Tok::Kw(Kw::Like) => Op::Like(self.string_literal("a string literal after LIKE")?),
            Tok::Kw(Kw::Matches) => {
                Op::Matches(self.string_literal("a string literal after MATCHES")?)
            }
            Tok::Kw(Kw::IsSubset) => {
                Op::IsSubset(self.string_literal("a string literal after ISSUBSET")?)
            }
            Tok::Kw(Kw::IsSuperset) => {
                Op::IsSuperset(self.string_literal("a string literal after ISSUPERSET")?)
            }
            _ => {
                self.pos -= 1;
                return Err(self.unexpected(
                    "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) or a path step",
                ));
            }
        };
        Ok(CompExpr::Test(PropTest {
            path,
            negated,
            op,
            offset,
        }))
    }

    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        let object_type = match self.peek().clone() {
            Tok::Ident { text, .. } => {
                self.bump();
                text
            }
            _ => return Err(self.unexpected("an object type (e.g. file, ipv4-addr)")),
        };
        self.expect(&Tok::Colon, "':' after the object type")?;
        let mut steps = vec![PathStep::Key(self.key("a property name after ':'")?)];
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.bump();
                    steps.push(PathStep::Key(self.key("a property name after '.'")?));
                }
                // A float token such as `.5` never starts a key step; the grammar
                // would reject it too.
                Tok::LBrack => {
                    self.bump();
                    let off = self.offset();
                    let step = match self.bump().tok {
                        Tok::Star => PathStep::Any,
                        Tok::Int(t) => PathStep::Index(parse_int(&t, off)?),
                        _ => {
                            self.pos -= 1;
                            return Err(self.unexpected("a list index (integer) or '*'"));
                        }
                    };
                    self.expect(&Tok::RBrack, "']' after the list index")?;
                    steps.push(step);
                }
                _ => break,
            }
        }
        Ok(ObjectPath { object_type, steps })
    }
    fn key(&mut self, expected: &str) -> Result<String, PatternError> {
        match self.peek().clone() {
            Tok::Ident {
                text,
                hyphen: false,
            } => {
                self.bump();
                Ok(text)
            }
            Tok::Str(s) => {
                self.bump();
                Ok(s)
            }
            Tok::Ident { hyphen: true, .. } => Err(PatternError::syntax(
                self.offset(),
                format!(
                    "{} cannot contain '-' unquoted: expected {expected} (quote it: 'name-with-hyphen')",
                    self.peek().describe()
                ),
            )),
            _ => Err(self.unexpected(expected)),
        }
    }
    fn string_literal(&mut self, expected: &str) -> Result<String, PatternError> {
        match self.peek().clone() {
            Tok::Str(s) => {
                self.bump();
                Ok(s)
            }
            _ => Err(self.unexpected(expected)),
        }
    }
    fn primitive_literal(&mut self) -> Result<Literal, PatternError> {
        if let Tok::Bool(b) = self.peek() {
            let b = *b;
            self.bump();
            return Ok(Literal::Bool(b));
        }
        self.literal("a constant (string, number, boolean, h'…', b'…' or t'…')")
    }
    fn orderable_literal(&mut self) -> Result<Literal, PatternError> {
        self.literal("an orderable constant (string, number, h'…', b'…' or t'…')")
    }
    fn literal(&mut self, expected: &str) -> Result<Literal, PatternError> {
        let off = self.offset();
        let lit = match self.peek().clone() {
            Tok::Int(t) => Literal::Int(parse_int(&t, off)?),
            Tok::Float(t) => Literal::Float(parse_float(&t, off)?),
            Tok::Str(s) => Literal::Str(s),
            Tok::Hex(b) => Literal::Hex(b),
            Tok::Binary(b) => Literal::Binary(b),
            Tok::Timestamp(t) => Literal::Timestamp(parse_timestamp(&t, off)?),
            _ => return Err(self.unexpected(expected)),
        };
        self.bump();
        Ok(lit)
    }
    fn set_literal(&mut self) -> Result<Vec<Literal>, PatternError> {
        self.expect(&Tok::LParen, "'(' to start the set after IN")?;
        let mut out = Vec::new();
        if self.eat(&Tok::RParen) {
            return Ok(out);
        }
        loop {
            out.push(self.primitive_literal()?);
            if self.eat(&Tok::Comma) {
                continue;
            }
            self.expect(&Tok::RParen, "',' or ')' in the set")?;
            return Ok(out);
        }
    }
}

fn parse_int(t: &str, off: usize) -> Result<i64, PatternError> {
    t.trim_start_matches('+')
        .parse::<i64>()
        .map_err(|_| PatternError::literal(off, format!("integer {t} is out of the 64-bit range")))
}

fn parse_float(t: &str, off: usize) -> Result<f64, PatternError> {
    match t.trim_start_matches('+').parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(PatternError::literal(
            off,
            format!("float {t} is out of the 64-bit range"),
        )),
    }
}

fn parse_timestamp(t: &str, off: usize) -> Result<Timestamp, PatternError> {
    Timestamp::parse(t).map_err(|e| {
        PatternError::literal(
            off,
            format!("invalid timestamp literal t'{t}': {}", e.reason),
        )
    })
}
