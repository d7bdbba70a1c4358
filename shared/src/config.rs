//! Function configuration from the environment, read once per cold start. Missing or
//! invalid settings fail the cold start with a message naming the variable.

use crate::error::PolicyError;
use crate::org::{Governed, OrgError, is_role_name};
use crate::policy::Policy;

/// Settings shared by the functions.
#[derive(Debug, Clone)]
pub struct Config {
    /// `STREAMWARDEN_TABLE`: the DynamoDB table.
    pub table: String,
    /// `STREAMWARDEN_TOPIC_ARN`: the SNS topic for alerts.
    pub topic_arn: String,
    /// `STREAMWARDEN_REGIONS`: regions to audit (comma list); default the function's
    /// region (`AWS_REGION`).
    pub regions: Vec<String>,
    /// `STREAMWARDEN_RETENTION_DAYS`: how long history and sessions are kept (TTL).
    pub retention_days: u32,
    /// `STREAMWARDEN_POLICY`: a policy file (local runs), or `STREAMWARDEN_POLICY_TOML`:
    /// the policy text itself (what the template sets: SAM ships only the binary);
    /// default built in.
    pub policy: Policy,
    /// `STREAMWARDEN_SECURITY_HUB`: `true` exports every finding change to Security Hub
    /// (the template's SecurityHubExport parameter sets it); default `false`.
    pub security_hub: bool,
    /// `STREAMWARDEN_ACCOUNTS` (a comma list of account IDs, or `organization`) and
    /// `STREAMWARDEN_ORGANIZATIONAL_UNITS`: the governed member accounts; unset, the
    /// deployment's own account (today's single-account behaviour).
    pub accounts: Governed,
    /// `STREAMWARDEN_MEMBER_ROLE`: the role name assumed in each member account
    /// (`arn:aws:iam::<account>:role/<name>`); required with `STREAMWARDEN_ACCOUNTS`.
    pub member_role: Option<String>,
    /// `STREAMWARDEN_SWEEP_QUEUE_URL` / `STREAMWARDEN_POLL_QUEUE_URL`: the fan-out queues a
    /// scheduled run sends one message per (account, region) to. Unset with members
    /// governed: the run works through them itself, a few at a time (local runs).
    pub sweep_queue_url: Option<String>,
    pub poll_queue_url: Option<String>,
    /// The deployment's own account, from the topic ARN.
    pub home_account: String,
}

/// A setting that is missing or invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set; the template sets it (see README, Configuration)")]
    Missing(&'static str),
    #[error("{name} is {value:?}: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("{variable}: {source}")]
    Accounts {
        variable: &'static str,
        #[source]
        source: OrgError,
    },
    #[error("{variable}: {source}")]
    Policy {
        variable: &'static str,
        #[source]
        source: Box<PolicyError>,
    },
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment in production).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let table = get("STREAMWARDEN_TABLE").ok_or(ConfigError::Missing("STREAMWARDEN_TABLE"))?;
        let topic_arn =
            get("STREAMWARDEN_TOPIC_ARN").ok_or(ConfigError::Missing("STREAMWARDEN_TOPIC_ARN"))?;
        if !topic_arn.starts_with("arn:") {
            return Err(ConfigError::Invalid {
                name: "STREAMWARDEN_TOPIC_ARN",
                value: topic_arn,
                reason: "expected an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)",
            });
        }
        let regions: Vec<String> = match get("STREAMWARDEN_REGIONS") {
            Some(list) => list
                .split(',')
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty())
                .collect(),
            None => get("AWS_REGION").into_iter().collect(),
        };
        if regions.is_empty() {
            return Err(ConfigError::Missing("STREAMWARDEN_REGIONS (or AWS_REGION)"));
        }
        if let Some(bad) = regions.iter().find(|r| {
            !r.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }) {
            return Err(ConfigError::Invalid {
                name: "STREAMWARDEN_REGIONS",
                value: bad.clone(),
                reason: "expected region names such as eu-west-1, separated by commas",
            });
        }
        let retention_days = match get("STREAMWARDEN_RETENTION_DAYS") {
            None => 400,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|d| *d > 0)
                .ok_or(ConfigError::Invalid {
                    name: "STREAMWARDEN_RETENTION_DAYS",
                    value: v,
                    reason: "expected a whole number of days, at least 1",
                })?,
        };
        let policy = match (
            get("STREAMWARDEN_POLICY"),
            lookup("STREAMWARDEN_POLICY_TOML"),
        ) {
            (Some(_), Some(text)) if !text.trim().is_empty() => {
                return Err(ConfigError::Invalid {
                    name: "STREAMWARDEN_POLICY_TOML",
                    value: "(policy text)".to_owned(),
                    reason: "set either STREAMWARDEN_POLICY (a file) or STREAMWARDEN_POLICY_TOML (the policy itself), not both",
                });
            }
            (Some(path), _) => Policy::load(&path).map_err(|source| ConfigError::Policy {
                variable: "STREAMWARDEN_POLICY",
                source: Box::new(source),
            })?,
            (None, Some(text)) if !text.trim().is_empty() => {
                Policy::parse("STREAMWARDEN_POLICY_TOML", &text).map_err(|source| {
                    ConfigError::Policy {
                        variable: "STREAMWARDEN_POLICY_TOML",
                        source: Box::new(source),
                    }
                })?
            }
            (None, _) => Policy::builtin(),
        };
        let security_hub = match get("STREAMWARDEN_SECURITY_HUB").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "STREAMWARDEN_SECURITY_HUB",
                    value: other.to_owned(),
                    reason: "expected true or false",
                });
            }
        };
        let home_account = topic_arn.split(':').nth(4).unwrap_or_default().to_owned();
        let accounts = Governed::parse(
            get("STREAMWARDEN_ACCOUNTS").as_deref(),
            get("STREAMWARDEN_ORGANIZATIONAL_UNITS").as_deref(),
        )
        .map_err(|source| ConfigError::Accounts {
            variable: "STREAMWARDEN_ACCOUNTS",
            source,
        })?;
        let member_role = get("STREAMWARDEN_MEMBER_ROLE");
        match (&member_role, accounts.is_members()) {
            (Some(role), _) if !is_role_name(role) => {
                return Err(ConfigError::Invalid {
                    name: "STREAMWARDEN_MEMBER_ROLE",
                    value: role.clone(),
                    reason: "expected an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)",
                });
            }
            (None, true) => return Err(ConfigError::Missing("STREAMWARDEN_MEMBER_ROLE")),
            _ => {}
        }
        let queue = |name: &'static str| -> Result<Option<String>, ConfigError> {
            match get(name) {
                Some(url) if !url.starts_with("http") => Err(ConfigError::Invalid {
                    name,
                    value: url,
                    reason: "expected an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)",
                }),
                other => Ok(other),
            }
        };
        let sweep_queue_url = queue("STREAMWARDEN_SWEEP_QUEUE_URL")?;
        let poll_queue_url = queue("STREAMWARDEN_POLL_QUEUE_URL")?;
        Ok(Config {
            accounts,
            member_role,
            sweep_queue_url,
            poll_queue_url,
            home_account,
            security_hub,
            table,
            topic_arn,
            regions,
            retention_days,
            policy,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const BASE: [(&str, &str); 3] = [
        ("STREAMWARDEN_TABLE", "t"),
        (
            "STREAMWARDEN_TOPIC_ARN",
            "arn:aws:sns:eu-west-1:123456789012:alerts",
        ),
        ("AWS_REGION", "eu-west-1"),
    ];

    #[test]
    fn defaults_are_the_function_region_400_days_and_the_builtin_policy() {
        let c = Config::from_lookup(lookup(&BASE)).unwrap();
        assert_eq!(c.regions, ["eu-west-1"]);
        assert_eq!(c.retention_days, 400);
        assert!(!c.security_hub);
        assert_eq!(c.policy.origin, Policy::builtin().origin);
        assert_eq!(c.accounts, Governed::Home);
        assert_eq!(c.home_account, "123456789012");
        assert_eq!((c.member_role, c.sweep_queue_url), (None, None));
    }

    #[test]
    fn member_accounts_need_a_role_name() {
        let mut pairs = BASE.to_vec();
        pairs.push(("STREAMWARDEN_ACCOUNTS", "111111111111,222222222222"));
        let e = Config::from_lookup(lookup(&pairs)).unwrap_err().to_string();
        assert!(e.contains("STREAMWARDEN_MEMBER_ROLE"), "{e}");
        pairs.push(("STREAMWARDEN_MEMBER_ROLE", "StreamwardenAudit"));
        pairs.push((
            "STREAMWARDEN_SWEEP_QUEUE_URL",
            "https://sqs.eu-west-1.amazonaws.com/123456789012/sweep",
        ));
        let c = Config::from_lookup(lookup(&pairs)).unwrap();
        assert!(matches!(&c.accounts, Governed::List(a) if a.len() == 2));
        assert_eq!(c.member_role.as_deref(), Some("StreamwardenAudit"));
        assert!(c.sweep_queue_url.is_some() && c.poll_queue_url.is_none());

        let mut org = BASE.to_vec();
        org.push(("STREAMWARDEN_ACCOUNTS", "organization"));
        org.push(("STREAMWARDEN_ORGANIZATIONAL_UNITS", "ou-ab12-cd34ef56"));
        org.push(("STREAMWARDEN_MEMBER_ROLE", "R"));
        let c = Config::from_lookup(lookup(&org)).unwrap();
        assert!(matches!(c.accounts, Governed::Organization { .. }));
    }

    #[test]
    fn regions_are_a_comma_list() {
        let mut pairs = BASE.to_vec();
        pairs.push(("STREAMWARDEN_REGIONS", "eu-west-1, us-east-1,"));
        assert_eq!(
            Config::from_lookup(lookup(&pairs)).unwrap().regions,
            ["eu-west-1", "us-east-1"]
        );
    }

    #[test]
    fn missing_and_invalid_settings_name_the_variable() {
        let e = Config::from_lookup(lookup(&BASE[1..]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("STREAMWARDEN_TABLE"), "{e}");
        for (name, value) in [
            ("STREAMWARDEN_TOPIC_ARN", "alerts"),
            ("STREAMWARDEN_RETENTION_DAYS", "forever"),
            ("STREAMWARDEN_RETENTION_DAYS", "0"),
            ("STREAMWARDEN_REGIONS", "EU West"),
            ("STREAMWARDEN_POLICY", "/no/such/policy.toml"),
            ("STREAMWARDEN_ACCOUNTS", "12345"),
            ("STREAMWARDEN_MEMBER_ROLE", "a/b"),
            ("STREAMWARDEN_SWEEP_QUEUE_URL", "sweep"),
        ] {
            let mut pairs: Vec<(&str, &str)> =
                BASE.iter().copied().filter(|(k, _)| *k != name).collect();
            pairs.push((name, value));
            let e = Config::from_lookup(lookup(&pairs)).unwrap_err().to_string();
            assert!(e.contains(name), "{name}={value}: {e}");
        }
    }

    #[test]
    fn inline_policy_text_is_read_and_a_broken_one_names_the_variable() {
        let mut pairs = BASE.to_vec();
        pairs.push((
            "STREAMWARDEN_POLICY_TOML",
            "[session]\nmax_instance_age_days = 3\n",
        ));
        let c = Config::from_lookup(lookup(&pairs)).unwrap();
        assert_eq!(c.policy.session.max_instance_age_days, 3);
        assert_eq!(c.policy.origin, "STREAMWARDEN_POLICY_TOML");

        let mut broken = BASE.to_vec();
        broken.push((
            "STREAMWARDEN_POLICY_TOML",
            "[session]\nmax_instance_age_days = \"x\"\n",
        ));
        let e = Config::from_lookup(lookup(&broken))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("STREAMWARDEN_POLICY_TOML: ") && e.contains("line 2"),
            "{e}"
        );

        let mut both = pairs.clone();
        both.push(("STREAMWARDEN_POLICY", "policy.toml"));
        let e = Config::from_lookup(lookup(&both)).unwrap_err().to_string();
        assert!(e.contains("not both"), "{e}");
    }
}
