//! The observation-level search: which observations can be bound to the
//! observation expressions of a pattern so that AND, OR, FOLLOWEDBY and the
//! qualifiers hold.
//!
//! An observed-data with `number_observed = n` stands for n observations; a
//! binding may use it up to n times (so `[a] REPEATS 3 TIMES` matches one
//! observed-data with `number_observed: 3`, as in stix2-matcher). Bindings are
//! kept as "how many times each observed-data is used" plus the latest
//! `first_observed` and earliest `last_observed`, which is all the temporal
//! operators need.

use std::collections::HashSet;

use crate::ast::{ObsExpr, Qualifier};

/// Upper bound on the bindings kept per node, so that a pathological pattern
/// (large REPEATS over many observations) stays bounded. Hitting it is reported.
pub const MAX_BINDINGS: usize = 20_000;

/// The shape of a pattern's observation level; leaves are numbered left to right.
#[derive(Debug, Clone)]
pub enum Plan {
    Leaf(usize),
    And(Vec<Plan>),
    Or(Vec<Plan>),
    FollowedBy(Vec<Plan>),
    /// Window in nanoseconds.
    Within(Box<Plan>, i128),
    Repeats(Box<Plan>, u64),
    /// Start and stop in nanoseconds since the epoch.
    StartStop(Box<Plan>, i128, i128),
}

pub fn nanos(t: &stix::Timestamp) -> i128 {
    t.unix_seconds() as i128 * 1_000_000_000 + t.subsec_nanos() as i128
}

impl Plan {
    pub fn from_expr(e: &ObsExpr, next_leaf: &mut usize) -> Plan {
        match e {
            ObsExpr::Observation(_) => {
                *next_leaf += 1;
                Plan::Leaf(*next_leaf - 1)
            }
            ObsExpr::And(xs) => {
                Plan::And(xs.iter().map(|x| Plan::from_expr(x, next_leaf)).collect())
            }
            ObsExpr::Or(xs) => Plan::Or(xs.iter().map(|x| Plan::from_expr(x, next_leaf)).collect()),
            ObsExpr::FollowedBy(xs) => {
                Plan::FollowedBy(xs.iter().map(|x| Plan::from_expr(x, next_leaf)).collect())
            }
            ObsExpr::Qualified(a, q) => {
                let inner = Box::new(Plan::from_expr(a, next_leaf));
                match q {
                    Qualifier::Within(s) => Plan::Within(inner, (s * 1e9).round() as i128),
                    Qualifier::Repeats(n) => Plan::Repeats(inner, *n),
                    Qualifier::StartStop(a, b) => Plan::StartStop(inner, nanos(a), nanos(b)),
                }
            }
        }
    }

    /// True when one observation can satisfy the whole plan on its own, in which
    /// case no state needs to be kept between observations.
    pub fn is_single(&self) -> bool {
        match self {
            Plan::Leaf(_) => true,
            Plan::Or(xs) => xs.iter().all(Plan::is_single),
            Plan::Within(a, _) | Plan::StartStop(a, _, _) => a.is_single(),
            Plan::Repeats(a, n) => *n <= 1 && a.is_single(),
            Plan::And(..) | Plan::FollowedBy(..) => false,
        }
    }

    /// The longest WITHIN that bounds every binding, if the plan has one on top.
    pub fn window(&self) -> Option<i128> {
        match self {
            Plan::Within(a, d) => Some(a.window().map_or(*d, |w| w.min(*d))),
            Plan::StartStop(a, _, _) => a.window(),
            // A WITHIN under REPEATS bounds each repetition, not their union.
            _ => None,
        }
    }
}

/// Timing and multiplicity of one observed-data.
#[derive(Debug, Clone, Copy)]
pub struct ObsInfo {
    pub first: i128,
    pub last: i128,
    pub count: u64,
}

/// A set of observations bound to (part of) a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Binding {
    /// (observation index, times used), sorted by index.
    pub uses: Vec<(u32, u64)>,
    pub max_first: i128,
    pub min_last: i128,
}

impl Binding {
    fn leaf(i: u32, info: &ObsInfo) -> Binding {
        Binding {
            uses: vec![(i, 1)],
            max_first: info.first,
            min_last: info.last,
        }
    }

    /// The union of two bindings when no observation is used more often than it
    /// was observed.
    fn combine(&self, other: &Binding, infos: &[ObsInfo]) -> Option<Binding> {
        let mut uses = Vec::with_capacity(self.uses.len() + other.uses.len());
        let (mut i, mut j) = (0, 0);
        while i < self.uses.len() || j < other.uses.len() {
            let a = self.uses.get(i);
            let b = other.uses.get(j);
            let (idx, n) = match (a, b) {
                (Some(&(x, n)), Some(&(y, m))) if x == y => {
                    i += 1;
                    j += 1;
                    (x, n + m)
                }
                (Some(&(x, n)), Some(&(y, _))) if x < y => {
                    i += 1;
                    (x, n)
                }
                (Some(&(x, n)), None) => {
                    i += 1;
                    (x, n)
                }
                (_, Some(&(y, m))) => {
                    j += 1;
                    (y, m)
                }
                (None, None) => break,
            };
            if n > infos[idx as usize].count {
                return None;
            }
            uses.push((idx, n));
        }
        Some(Binding {
            uses,
            max_first: self.max_first.max(other.max_first),
            min_last: self.min_last.min(other.min_last),
        })
    }
}

/// The outcome of a search.
#[derive(Debug, Clone)]
pub struct Found {
    pub bindings: Vec<Binding>,
    /// False when some node hit [`MAX_BINDINGS`] and bindings may be missing.
    pub complete: bool,
}

/// All bindings of `plan` (up to the bound), given which observations satisfy
/// each leaf.
pub fn search(plan: &Plan, leaf_hits: &[Vec<u32>], infos: &[ObsInfo]) -> Found {
    let mut complete = true;
    let bindings = go(plan, leaf_hits, infos, &mut complete);
    Found { bindings, complete }
}

fn push_unique(
    out: &mut Vec<Binding>,
    seen: &mut HashSet<Vec<(u32, u64)>>,
    b: Binding,
    complete: &mut bool,
) -> bool {
    if out.len() >= MAX_BINDINGS {
        *complete = false;
        return false;
    }
    if seen.insert(b.uses.clone()) {
        out.push(b);
    }
    true
}

fn go(plan: &Plan, hits: &[Vec<u32>], infos: &[ObsInfo], complete: &mut bool) -> Vec<Binding> {
    match plan {
        Plan::Leaf(l) => hits[*l]
            .iter()
            .map(|&i| Binding::leaf(i, &infos[i as usize]))
            .collect(),
        Plan::Or(xs) => {
            let mut out = Vec::new();
            let mut seen = HashSet::new();
            'outer: for x in xs {
                for b in go(x, hits, infos, complete) {
                    if !push_unique(&mut out, &mut seen, b, complete) {
                        break 'outer;
                    }
                }
            }
            out
        }
        Plan::And(xs) | Plan::FollowedBy(xs) => {
            let ordered = matches!(plan, Plan::FollowedBy(..));
            let mut acc = go(&xs[0], hits, infos, complete);
            for x in &xs[1..] {
                if acc.is_empty() {
                    break;
                }
                let right = go(x, hits, infos, complete);
                let mut out = Vec::new();
                let mut seen = HashSet::new();
                'outer: for l in &acc {
                    for r in &right {
                        // FOLLOWEDBY: some choice of times puts every earlier
                        // observation no later than every later one.
                        if ordered && l.max_first > r.min_last {
                            continue;
                        }
                        if let Some(c) = l.combine(r, infos) {
                            if !push_unique(&mut out, &mut seen, c, complete) {
                                break 'outer;
                            }
                        }
                    }
                }
                acc = out;
            }
            acc
        }
        Plan::Within(a, d) => go(a, hits, infos, complete)
            .into_iter()
            .filter(|b| b.max_first - b.min_last <= *d)
            .collect(),
        Plan::StartStop(a, start, stop) => {
            if start >= stop {
                return Vec::new();
            }
            go(a, hits, infos, complete)
                .into_iter()
                .filter(|b| {
                    b.uses.iter().all(|(i, _)| {
                        let o = &infos[*i as usize];
                        o.first < *stop && o.last >= *start
                    })
                })
                .collect()
        }
        Plan::Repeats(a, n) => {
            let base = go(a, hits, infos, complete);
            if *n <= 1 || base.is_empty() {
                return if *n == 0 { Vec::new() } else { base };
            }
            // Grow n-fold combinations, keeping each distinct use-count once.
            let mut cur = base.clone();
            for _ in 1..*n {
                let mut next = Vec::new();
                let mut seen = HashSet::new();
                'outer: for x in &cur {
                    for y in &base {
                        if let Some(c) = x.combine(y, infos) {
                            if !push_unique(&mut next, &mut seen, c, complete) {
                                break 'outer;
                            }
                        }
                    }
                }
                if next.is_empty() {
                    return next;
                }
                cur = next;
            }
            cur
        }
    }
}
