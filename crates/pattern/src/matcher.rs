//! Matching one pattern against a set of observations.

use serde_json::Value;

use crate::ast::Pattern;
use crate::bindings::{self, nanos, ObsInfo, Plan};
use crate::error::PatternError;
use crate::eval::{Comp, CompileError, Scope};
use crate::observed::{Observation, ObservationSet};

/// A compiled pattern.
#[derive(Debug)]
pub struct Matcher {
    pub(crate) leaves: Vec<Comp>,
    pub(crate) plan: Plan,
}

/// The answer for one pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchResult {
    pub matched: bool,
    /// The observed-data of the first binding found, in input order.
    pub observed_data_refs: Vec<String>,
    /// False when the binding search hit its bound (see `bindings::MAX_BINDINGS`)
    /// without finding a match: a match may have been missed.
    pub complete: bool,
}

struct ObsScope<'a> {
    set: &'a ObservationSet,
    obs: &'a Observation,
}
impl Scope for ObsScope<'_> {
    fn resolve(&self, r: &str) -> Option<&Value> {
        self.set.resolve(self.obs, r)
    }
}

impl Matcher {
    pub fn new(p: &Pattern) -> Result<Matcher, CompileError> {
        let leaves = p
            .expr
            .observations()
            .into_iter()
            .map(Comp::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let mut n = 0;
        let plan = Plan::from_expr(&p.expr, &mut n);
        Ok(Matcher { leaves, plan })
    }

    /// Parses, validates and compiles a pattern.
    pub fn compile(src: &str) -> Result<Matcher, Vec<PatternError>> {
        crate::check(src)?;
        let p = crate::parse(src).map_err(|e| vec![e])?;
        Matcher::new(&p).map_err(|e| {
            vec![PatternError::new(
                crate::error::codes::SYNTAX,
                e.offset,
                e.message,
            )]
        })
    }

    /// Number of observation expressions (bracketed parts).
    pub fn leaf_count(&self) -> usize {
        self.leaves.len()
    }

    /// True when the observation satisfies leaf `leaf` (some SCO of it does).
    pub fn leaf_matches(&self, leaf: usize, set: &ObservationSet, obs: &Observation) -> bool {
        let scope = ObsScope { set, obs };
        obs.roots
            .iter()
            .any(|&r| self.leaves[leaf].eval(set.object(r), &scope))
    }

    pub fn matches(&self, set: &ObservationSet) -> MatchResult {
        let infos: Vec<ObsInfo> = set
            .observations
            .iter()
            .map(|o| ObsInfo {
                first: nanos(&o.first_observed),
                last: nanos(&o.last_observed),
                count: o.number_observed,
            })
            .collect();
        let hits: Vec<Vec<u32>> = (0..self.leaves.len())
            .map(|l| {
                set.observations
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| self.leaf_matches(l, set, o))
                    .map(|(i, _)| i as u32)
                    .collect()
            })
            .collect();
        let found = bindings::search(&self.plan, &hits, &infos);
        match found.bindings.first() {
            Some(b) => MatchResult {
                matched: true,
                observed_data_refs: b
                    .uses
                    .iter()
                    .map(|(i, _)| set.observations[*i as usize].id.clone())
                    .collect(),
                complete: found.complete,
            },
            None => MatchResult {
                matched: false,
                observed_data_refs: Vec::new(),
                complete: found.complete,
            },
        }
    }
}
