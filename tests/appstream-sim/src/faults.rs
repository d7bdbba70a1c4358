//! Fault injection: throttling, 5xx errors and latency, deterministic and optionally
//! scoped to named operations and fleets.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SimError;

/// One fault rule. Every AppStream call that matches the rule's scope counts towards its
/// `*_every` counters and draws from its seeded random stream for the `*_rate` settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultRule {
    /// Throttle every Nth matching call (`ThrottlingException`, HTTP 400).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle_every: Option<u64>,
    /// Throttle matching calls with this probability (0.0 to 1.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle_rate: Option<f64>,
    /// Fail every Nth matching call with a server error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_every: Option<u64>,
    /// Fail matching calls with a server error with this probability (0.0 to 1.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    /// HTTP status of injected server errors (500 by default; 503 is also useful).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_status: Option<u16>,
    /// Milliseconds added to every matching call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Seed of the random stream used by the `*_rate` settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Only calls of these operations match (all operations when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
    /// Only calls about these fleets match (all calls when empty). A call is about a fleet
    /// when it names it in `Name`, `FleetName`, `Names` or a fleet `ResourceArn`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fleets: Vec<String>,
    /// Only calls answered by this account's worlds match (all accounts when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Only calls answered by a world in this region match (all regions when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl FaultRule {
    /// Whether the rule does anything at all.
    pub fn is_empty(&self) -> bool {
        self.throttle_every.is_none()
            && self.throttle_rate.is_none()
            && self.error_every.is_none()
            && self.error_rate.is_none()
            && self.latency_ms.is_none()
    }

    fn validate(&self) -> Result<(), String> {
        for (name, every) in [
            ("throttle_every", self.throttle_every),
            ("error_every", self.error_every),
        ] {
            if every == Some(0) {
                return Err(format!("{name} must be at least 1"));
            }
        }
        for (name, rate) in [
            ("throttle_rate", self.throttle_rate),
            ("error_rate", self.error_rate),
        ] {
            if let Some(r) = rate
                && !(0.0..=1.0).contains(&r)
            {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        if let Some(s) = self.error_status
            && !(500..=599).contains(&s)
        {
            return Err("error_status must be a 5xx status".to_owned());
        }
        Ok(())
    }

    fn matches(
        &self,
        operation: &str,
        params: &Value,
        account: Option<&str>,
        region: Option<&str>,
    ) -> bool {
        if !self.operations.is_empty() && !self.operations.iter().any(|o| o == operation) {
            return false;
        }
        if self.account.as_deref().is_some_and(|a| Some(a) != account)
            || self.region.as_deref().is_some_and(|r| Some(r) != region)
        {
            return false;
        }
        if self.fleets.is_empty() {
            return true;
        }
        let named = fleets_named_in(params);
        self.fleets.iter().any(|f| named.iter().any(|n| n == f))
    }
}

/// Fleet names a request refers to.
pub fn fleets_named_in(params: &Value) -> Vec<String> {
    let mut names = Vec::new();
    for key in ["Name", "FleetName"] {
        if let Some(n) = params.get(key).and_then(Value::as_str) {
            names.push(n.to_owned());
        }
    }
    if let Some(list) = params.get("Names").and_then(Value::as_array) {
        names.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    if let Some(arn) = params.get("ResourceArn").and_then(Value::as_str)
        && let Some((_, name)) = arn.rsplit_once(":fleet/")
    {
        names.push(name.to_owned());
    }
    names
}

/// What the fault rules decided for one call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultDecision {
    /// Milliseconds to wait before answering.
    pub latency_ms: u64,
    /// The error to answer with instead of performing the call.
    pub error: Option<SimError>,
}

#[derive(Debug, Clone)]
struct RuleState {
    rule: FaultRule,
    matched: u64,
    rng: u64,
}

/// The active fault rules with their counters.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Vec<RuleState>,
}

impl Faults {
    /// Replaces the rules, resetting counters and random streams.
    pub fn set(&mut self, rules: Vec<FaultRule>) -> Result<(), String> {
        for rule in &rules {
            rule.validate()?;
        }
        self.rules = rules
            .into_iter()
            .filter(|r| !r.is_empty())
            .map(|rule| RuleState {
                rng: rule.seed.unwrap_or(0x5eed_a995_7ea3),
                rule,
                matched: 0,
            })
            .collect();
        Ok(())
    }

    /// The active rules.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.iter().map(|s| s.rule.clone()).collect()
    }

    /// Counts the call against every matching rule and decides its fate. Throttling wins
    /// over a server error when both are due; latencies add up. Rules scoped to an
    /// account or region do not match (see [`decide_in`](Self::decide_in)).
    pub fn decide(&mut self, operation: &str, params: &Value) -> FaultDecision {
        self.decide_in(operation, params, None, None)
    }

    /// [`decide`](Self::decide) for a call answered by the world of `account` in `region`.
    pub fn decide_in(
        &mut self,
        operation: &str,
        params: &Value,
        account: Option<&str>,
        region: Option<&str>,
    ) -> FaultDecision {
        self.decide_scoped(operation, params, account, region, false)
    }

    /// [`decide_in`](Self::decide_in) counting only rules that name `operation` in their
    /// `operations`: STS calls, which rules for every operation leave alone.
    pub fn decide_named(
        &mut self,
        operation: &str,
        account: Option<&str>,
        region: Option<&str>,
    ) -> FaultDecision {
        self.decide_scoped(operation, &Value::Null, account, region, true)
    }

    fn decide_scoped(
        &mut self,
        operation: &str,
        params: &Value,
        account: Option<&str>,
        region: Option<&str>,
        named_only: bool,
    ) -> FaultDecision {
        let mut decision = FaultDecision::default();
        for state in &mut self.rules {
            if (named_only && state.rule.operations.is_empty())
                || !state.rule.matches(operation, params, account, region)
            {
                continue;
            }
            state.matched += 1;
            let n = state.matched;
            let rule = &state.rule;
            decision.latency_ms += rule.latency_ms.unwrap_or(0);
            let throttle_draw = next_unit(&mut state.rng);
            let error_draw = next_unit(&mut state.rng);
            let throttle = rule.throttle_every.is_some_and(|every| n % every == 0)
                || rule.throttle_rate.is_some_and(|r| throttle_draw < r);
            let fail = rule.error_every.is_some_and(|every| n % every == 0)
                || rule.error_rate.is_some_and(|r| error_draw < r);
            if decision.error.is_none() {
                if throttle {
                    decision.error = Some(SimError::throttling());
                } else if fail {
                    decision.error = Some(SimError::server(rule.error_status.unwrap_or(500)));
                }
            }
        }
        decision
    }
}

/// SplitMix64 step, mapped to [0, 1).
fn next_unit(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_nth_and_scoping() {
        let mut faults = Faults::default();
        faults
            .set(vec![FaultRule {
                error_every: Some(1),
                fleets: vec!["bad".into()],
                ..FaultRule::default()
            }])
            .unwrap();
        assert!(
            faults
                .decide("StartFleet", &json!({"Name": "good"}))
                .error
                .is_none()
        );
        let err = faults
            .decide("StartFleet", &json!({"Name": "bad"}))
            .error
            .unwrap();
        assert_eq!(err.status, 500);
        assert!(
            faults
                .decide(
                    "ListTagsForResource",
                    &json!({"ResourceArn": "arn:aws:appstream:r:a:fleet/bad"})
                )
                .error
                .is_some()
        );

        faults
            .set(vec![FaultRule {
                throttle_every: Some(2),
                operations: vec!["DescribeFleets".into()],
                ..FaultRule::default()
            }])
            .unwrap();
        let seen: Vec<bool> = (0..4)
            .map(|_| faults.decide("DescribeFleets", &json!({})).error.is_some())
            .collect();
        assert_eq!(seen, [false, true, false, true]);
        assert!(faults.decide("DescribeStacks", &json!({})).error.is_none());
    }

    #[test]
    fn account_and_region_scoping() {
        let mut faults = Faults::default();
        faults
            .set(vec![FaultRule {
                error_every: Some(1),
                account: Some("111111111111".into()),
                region: Some("eu-west-1".into()),
                ..FaultRule::default()
            }])
            .unwrap();
        let p = json!({});
        let hit = |f: &mut Faults, a, r| f.decide_in("X", &p, a, r).error.is_some();
        assert!(hit(&mut faults, Some("111111111111"), Some("eu-west-1")));
        assert!(!hit(&mut faults, Some("222222222222"), Some("eu-west-1")));
        assert!(!hit(&mut faults, Some("111111111111"), Some("us-east-1")));
        assert!(faults.decide("X", &p).error.is_none());
    }

    #[test]
    fn rates_are_seeded() {
        let rule = FaultRule {
            throttle_rate: Some(0.5),
            seed: Some(42),
            ..FaultRule::default()
        };
        let run = || {
            let mut f = Faults::default();
            f.set(vec![rule.clone()]).unwrap();
            (0..64)
                .map(|_| f.decide("X", &json!({})).error.is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let hits = a.iter().filter(|h| **h).count();
        assert!((16..=48).contains(&hits), "{hits}");
    }

    #[test]
    fn rejects_bad_rules() {
        let mut f = Faults::default();
        assert!(
            f.set(vec![FaultRule {
                throttle_every: Some(0),
                ..FaultRule::default()
            }])
            .is_err()
        );
        assert!(
            f.set(vec![FaultRule {
                error_rate: Some(2.0),
                ..FaultRule::default()
            }])
            .is_err()
        );
        assert!(
            f.set(vec![FaultRule {
                error_status: Some(404),
                error_every: Some(1),
                ..FaultRule::default()
            }])
            .is_err()
        );
    }
}
