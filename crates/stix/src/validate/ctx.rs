//! The validation context: where in the object we are (a stack of borrowed path
//! segments, rendered only when a diagnostic is produced) and the diagnostics so far.

use serde_json::{Map, Value};

use super::{Code, Diagnostic, Options, Severity};

/// One step of the path inside an object.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg<'v> {
    Key(&'v str),
    Idx(usize),
}

pub(crate) struct Ctx<'v, 'o> {
    segs: Vec<Seg<'v>>,
    pub(crate) out: Vec<Diagnostic>,
    /// The id of the object being checked (when it has a string id).
    pub(crate) id: Option<&'v str>,
    pub(crate) opts: &'o Options<'o>,
    /// Index of the object in the bundle's `objects`, for paths (`objects[3].…`).
    index: Option<usize>,
    /// When checking SCOs embedded in `observed-data.objects`: that dictionary,
    /// against which references (keys, not ids) resolve.
    pub(crate) embedded: Option<&'v Map<String, Value>>,
    /// The `type` of the object being checked.
    pub(crate) ty: Option<&'v str>,
}

impl<'v, 'o> Ctx<'v, 'o> {
    pub(crate) fn new(opts: &'o Options<'o>, index: Option<usize>) -> Self {
        Ctx {
            segs: Vec::with_capacity(8),
            out: Vec::new(),
            id: None,
            opts,
            index,
            embedded: None,
            ty: None,
        }
    }

    pub(crate) fn push(&mut self, k: &'v str) {
        self.segs.push(Seg::Key(k));
    }
    pub(crate) fn push_idx(&mut self, i: usize) {
        self.segs.push(Seg::Idx(i));
    }
    pub(crate) fn pop(&mut self) {
        self.segs.pop();
    }
    pub(crate) fn depth(&self) -> usize {
        self.segs.len()
    }
    pub(crate) fn truncate(&mut self, depth: usize) {
        self.segs.truncate(depth);
    }

    /// Runs `f` one level down, at member `k`.
    pub(crate) fn at<R>(&mut self, k: &'v str, f: impl FnOnce(&mut Self) -> R) -> R {
        self.push(k);
        let r = f(self);
        self.pop();
        r
    }

    /// The property a message talks about: the last member name and the indices
    /// after it (`object_refs[2]`), or `object` at the top.
    pub(crate) fn label(&self) -> String {
        let start = self
            .segs
            .iter()
            .rposition(|s| matches!(s, Seg::Key(_)))
            .unwrap_or(0);
        let mut out = String::new();
        for s in &self.segs[start..] {
            match s {
                Seg::Key(k) => out.push_str(k),
                Seg::Idx(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        if out.is_empty() {
            out.push_str("object");
        }
        out
    }

    /// Whether a warning or info code is reported with these options.
    pub(crate) fn enabled(&self, code: Code) -> bool {
        self.opts.enabled(code)
    }

    /// Reports a diagnostic at the current path.
    pub(crate) fn report(&mut self, code: Code, message: impl Into<String>) {
        if code.severity() != Severity::Error && !self.enabled(code) {
            return;
        }
        let path = render_path(self.index, &self.segs);
        self.out.push(Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            id: self.id.map(str::to_string),
            path,
            line: 0,
            column: 0,
        });
    }

    /// Reports at member `k` of the current object (which may be missing).
    pub(crate) fn report_at(&mut self, k: &'v str, code: Code, message: impl Into<String>) {
        self.push(k);
        self.report(code, message);
        self.pop();
    }
}

/// Renders `objects[3].external_references[0].url`; member names holding `.`,
/// `[`, `]` or `"` are written `["a.b"]`.
pub(crate) fn render_path(index: Option<usize>, segs: &[Seg<'_>]) -> String {
    let mut out = String::new();
    if let Some(i) = index {
        out.push_str("objects[");
        out.push_str(&i.to_string());
        out.push(']');
    }
    for s in segs {
        match s {
            Seg::Key(k) => {
                if k.contains(['.', '[', ']', '"']) || k.is_empty() {
                    out.push_str("[\"");
                    out.push_str(k);
                    out.push_str("\"]");
                } else {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
            }
            Seg::Idx(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Describes a JSON value's kind for messages (`a number`, `null`).
pub(crate) fn kind(v: &Value) -> &'static str {
    crate::object::json_kind(v)
}

/// A short rendering of a value for messages (strings quoted, long values cut).
pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// `'text'`, cut at 80 characters.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(84) + 2);
    out.push('\'');
    for (n, c) in s.chars().enumerate() {
        if n == 80 {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out.push('\'');
    out
}
