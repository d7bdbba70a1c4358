//! The governed accounts: which they are (the configured list, or AWS Organizations'
//! active accounts), and each one's AppStream inventory through its member role.
//!
//! Member credentials come from STS AssumeRole (`AWS_ENDPOINT_URL_STS` like any other
//! endpoint), with a role session name that names the function, and are kept per
//! account until five minutes before they expire: a warm function assumes each role
//! about once an hour, whatever the number of regions and invocations. The deployment's
//! own account is read with the function's own credentials.

use super::appstream::AppStreamInventory;
use super::clients::{appstream_client, tagging_client};
use super::tagging::ResourceTagging;
use crate::error::{BoxError, error_chain};
use crate::org::{AccessError, Governed, MemberAccount, Members, Target, role_arn};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{
    ProvideCredentials, SharedCredentialsProvider, error::CredentialsError, future,
};
use aws_sdk_organizations::error::ProvideErrorMetadata;
use aws_types::SdkConfig;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Credentials are renewed this long before they expire.
const RENEW_BEFORE: Duration = Duration::from_secs(300);
/// How long the discovered account list is reused by a warm function.
const ACCOUNTS_FOR: Duration = Duration::from_secs(600);
/// The requested session length.
const SESSION: Duration = Duration::from_secs(3600);

/// One member role's credentials, assumed when first needed and again shortly before
/// they expire.
#[derive(Debug)]
struct RoleCredentials {
    account: String,
    role_arn: String,
    session_name: String,
    sts: aws_sdk_sts::Client,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

impl RoleCredentials {
    async fn get(&self) -> Result<Credentials, AccessError> {
        let mut cached = self.cached.lock().await;
        if let Some(credentials) = cached.as_ref()
            && credentials
                .expiry()
                .is_some_and(|expiry| expiry > SystemTime::now() + RENEW_BEFORE)
        {
            return Ok(credentials.clone());
        }
        let fail =
            |code: Option<String>, summary: String, source: BoxError| AccessError::AssumeRole {
                account: self.account.clone(),
                role_arn: self.role_arn.clone(),
                code,
                summary,
                source,
            };
        let out = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name(&self.session_name)
            .duration_seconds(SESSION.as_secs() as i32)
            .send()
            .await
            .map_err(|e| {
                let e = aws_sdk_sts::Error::from(e);
                let code = e.code().map(str::to_owned);
                let summary = match (e.code(), e.message()) {
                    (Some(code), Some(message)) => format!("{code}: {message}"),
                    _ => error_chain(&e),
                };
                fail(code, summary, Box::new(e))
            })?;
        let Some(c) = out.credentials else {
            return Err(fail(
                None,
                "AssumeRole answered without credentials".to_owned(),
                "no Credentials in the response".into(),
            ));
        };
        let credentials = Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            SystemTime::try_from(c.expiration).ok(),
            "StreamwardenMemberRole",
        );
        *cached = Some(credentials.clone());
        Ok(credentials)
    }
}

#[derive(Debug, Clone)]
struct RoleProvider(Arc<RoleCredentials>);

impl ProvideCredentials for RoleProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.0.get().await.map_err(CredentialsError::provider_error)
        })
    }
}

/// The governed accounts of one deployment, and their inventories.
#[derive(Debug)]
pub struct MemberAccess {
    sdk: SdkConfig,
    home_account: String,
    governed: Governed,
    role_name: Option<String>,
    session_name: String,
    sts: aws_sdk_sts::Client,
    organizations: aws_sdk_organizations::Client,
    roles: Mutex<HashMap<String, Arc<RoleCredentials>>>,
    discovered: tokio::sync::Mutex<Option<(Instant, Vec<MemberAccount>)>>,
    /// The discovered accounts' names, for alerts.
    names: crate::alert::AccountNames,
}

impl MemberAccess {
    /// `function` names the caller in the role session name (`streamwarden-<function>`),
    /// so CloudTrail in the member account says who read it.
    pub fn new(
        sdk: &SdkConfig,
        home_account: &str,
        governed: Governed,
        role_name: Option<String>,
        function: &str,
    ) -> Self {
        MemberAccess {
            sdk: sdk.clone(),
            home_account: home_account.to_owned(),
            governed,
            role_name,
            session_name: format!("streamwarden-{function}")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "+=,.@-".contains(*c))
                .take(64)
                .collect(),
            sts: aws_sdk_sts::Client::new(sdk),
            organizations: aws_sdk_organizations::Client::new(sdk),
            roles: Mutex::new(HashMap::new()),
            discovered: tokio::sync::Mutex::new(None),
            names: crate::alert::AccountNames::default(),
        }
    }

    /// The names Organizations gives the governed accounts, filled as they are listed
    /// (empty unless discovered through Organizations).
    pub fn account_names(&self) -> crate::alert::AccountNames {
        self.names.clone()
    }

    pub fn governed(&self) -> &Governed {
        &self.governed
    }

    pub fn home_account(&self) -> &str {
        &self.home_account
    }

    /// The account of the caller's own credentials (STS GetCallerIdentity).
    pub async fn caller_account(sdk: &SdkConfig) -> Result<String, AccessError> {
        let out = aws_sdk_sts::Client::new(sdk)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| {
                let e = aws_sdk_sts::Error::from(e);
                AccessError::Organizations {
                    operation: "sts:GetCallerIdentity",
                    code: e.code().map(str::to_owned),
                    summary: error_chain(&e),
                    source: Box::new(e),
                }
            })?;
        Ok(out.account.unwrap_or_default())
    }

    fn role(&self, account: &str) -> Arc<RoleCredentials> {
        let mut roles = self.roles.lock().unwrap_or_else(|e| e.into_inner());
        roles
            .entry(account.to_owned())
            .or_insert_with(|| {
                let partition = crate::finding::partition(
                    self.sdk.region().map(|r| r.as_ref()).unwrap_or("us-east-1"),
                );
                Arc::new(RoleCredentials {
                    account: account.to_owned(),
                    role_arn: role_arn(
                        partition,
                        account,
                        self.role_name.as_deref().unwrap_or_default(),
                    ),
                    session_name: self.session_name.clone(),
                    sts: self.sts.clone(),
                    cached: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }

    /// The SDK configuration that reads one account: the function's own for its own
    /// account, else the member role's (assumed now, so a denied role is reported here,
    /// before any AppStream call).
    pub async fn config_for(&self, account: &str) -> Result<SdkConfig, AccessError> {
        if account == self.home_account || self.role_name.is_none() {
            return Ok(self.sdk.clone());
        }
        let role = self.role(account);
        role.get().await?;
        Ok(self
            .sdk
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(RoleProvider(role)))
            .build())
    }

    async fn discover(&self, units: &[String]) -> Result<Vec<MemberAccount>, AccessError> {
        let mut guard = self.discovered.lock().await;
        if let Some((at, accounts)) = guard.as_ref()
            && at.elapsed() < ACCOUNTS_FOR
        {
            return Ok(accounts.clone());
        }
        let fail =
            |operation: &'static str, e: aws_sdk_organizations::Error| AccessError::Organizations {
                operation,
                code: e.code().map(str::to_owned),
                summary: match (e.code(), e.message()) {
                    (Some(code), Some(message)) => format!("{code}: {message}"),
                    _ => error_chain(&e),
                },
                source: Box::new(e),
            };
        let mut found = Vec::new();
        if units.is_empty() {
            let mut pages = self.organizations.list_accounts().into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| fail("ListAccounts", e.into()))?;
                found.extend(page.accounts.unwrap_or_default());
            }
        } else {
            for unit in units {
                let mut pages = self
                    .organizations
                    .list_accounts_for_parent()
                    .parent_id(unit)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| fail("ListAccountsForParent", e.into()))?;
                    found.extend(page.accounts.unwrap_or_default());
                }
            }
        }
        let mut accounts: Vec<MemberAccount> = found
            .into_iter()
            .filter(|a| {
                a.status
                    .as_ref()
                    .is_none_or(|s| *s == aws_sdk_organizations::types::AccountStatus::Active)
            })
            .filter_map(|a| {
                Some(MemberAccount {
                    id: a.id?,
                    name: a.name,
                })
            })
            .collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        accounts.dedup_by(|a, b| a.id == b.id);
        self.names.update(&accounts);
        *guard = Some((Instant::now(), accounts.clone()));
        Ok(accounts)
    }
}

impl Members<AppStreamInventory> for MemberAccess {
    async fn accounts(&self) -> Result<Vec<MemberAccount>, AccessError> {
        match &self.governed {
            Governed::Home => Ok(vec![MemberAccount {
                id: self.home_account.clone(),
                name: None,
            }]),
            Governed::List(ids) => Ok(ids
                .iter()
                .map(|id| MemberAccount {
                    id: id.clone(),
                    name: None,
                })
                .collect()),
            Governed::Organization { units } => self.discover(units).await,
        }
    }

    async fn inventory(&self, target: &Target) -> Result<AppStreamInventory, AccessError> {
        let governed = self.accounts().await?;
        if !governed.iter().any(|a| a.id == target.account) {
            return Err(AccessError::NotGoverned {
                account: target.account.clone(),
                governed: match &self.governed {
                    Governed::Home => format!("unset, so only {}", self.home_account),
                    Governed::List(ids) => ids.join(","),
                    Governed::Organization { .. } => "organization".to_owned(),
                },
            });
        }
        let sdk = self.config_for(&target.account).await?;
        Ok(
            AppStreamInventory::new(appstream_client(&sdk, &target.region), &target.region)
                .with_tagging(ResourceTagging::new(tagging_client(&sdk, &target.region))),
        )
    }
}
