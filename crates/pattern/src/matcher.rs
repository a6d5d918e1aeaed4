//! Matching one pattern against a set of observations.

use serde_json::Value;

use crate::ast::Pattern;
use crate::bindings::{self, nanos, ObsInfo, Plan};
use crate::error::PatternError;
use crate::eval::{Comp, CompileError, Interner, Scope};
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

/// Reference resolution inside one observation of a set.
pub struct ObsScope<'s, 'a> {
    pub set: &'s ObservationSet<'a>,
    pub obs: &'s Observation<'a>,
}
impl Scope for ObsScope<'_, '_> {
    fn resolve(&self, r: &str) -> Option<&Value> {
        self.set.resolve(self.obs, r)
    }
}

impl Matcher {
    pub fn new(p: &Pattern) -> Result<Matcher, CompileError> {
        Matcher::new_with(p, &mut Interner::default())
    }

    /// Compiles with a shared [`Interner`] (used by the index).
    pub fn new_with(p: &Pattern, interner: &mut Interner) -> Result<Matcher, CompileError> {
        let leaves = p
            .expr
            .observations()
            .into_iter()
            .map(|c| Comp::compile_with(c, interner))
            .collect::<Result<Vec<_>, _>>()?;
        let mut n = 0;
        let plan = Plan::from_expr(&p.expr, &mut n);
        Ok(Matcher { leaves, plan })
    }

    /// Parses, validates and compiles a pattern.
    pub fn compile(src: &str) -> Result<Matcher, Vec<PatternError>> {
        // Regexes are checked by compiling them here, not twice.
        let v = crate::validate::validate_opts(src, false);
        let errors: Vec<PatternError> = v.errors().cloned().collect();
        let Some(p) = v.pattern.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        Matcher::new(&p).map_err(|e| {
            vec![PatternError::new(
                crate::error::codes::REGEX,
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
    pub fn leaf_matches(
        &self,
        leaf: usize,
        set: &ObservationSet<'_>,
        obs: &Observation<'_>,
    ) -> bool {
        let scope = ObsScope { set, obs };
        let leaf = &self.leaves[leaf];
        obs.roots
            .iter()
            .any(|&r| leaf.may_hold_on(set.object_type(r)) && leaf.eval(set.object(r), &scope))
    }

    pub fn matches(&self, set: &ObservationSet<'_>) -> MatchResult {
        // One bracketed expression, no qualifier: the first observation that
        // satisfies it is the binding.
        if let Plan::Leaf(l) = self.plan {
            let hit = set
                .observations
                .iter()
                .find(|o| self.leaf_matches(l, set, o));
            return MatchResult {
                matched: hit.is_some(),
                observed_data_refs: hit.map(|o| vec![o.id.to_string()]).unwrap_or_default(),
                complete: true,
            };
        }
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
                    .map(|(i, _)| set.observations[*i as usize].id.to_string())
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
