//! Who is calling, and STS on the same port.
//!
//! The account of a request comes from its SigV4 `Authorization` header, the way AWS
//! decides it: `AWS4-HMAC-SHA256 Credential=<AKID>/<date>/<region>/<service>/aws4_request,
//! ...`. The access key decides the account ([`Sim`](crate::Sim) keeps the keys it
//! issued); the scope's region picks the region. Signatures are not verified.
//!
//! STS speaks the Query protocol: `POST /` with a form-encoded body
//! (`Action=AssumeRole&Version=2011-06-15&...`) and XML answers in the namespace
//! `https://sts.amazonaws.com/doc/2011-06-15/`, errors in an `ErrorResponse` document.
//! SDKs reach it through `AWS_ENDPOINT_URL_STS`.

use std::collections::BTreeMap;

/// The STS XML namespace.
pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The credential scope of a SigV4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The access key id.
    pub access_key: String,
    /// The region the request was signed for.
    pub region: String,
    /// The service the request was signed for (`appstream`, `sts`, `tagging`).
    pub service: String,
}

impl Scope {
    /// Reads `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...`;
    /// `None` for anything else.
    pub fn from_authorization(header: &str) -> Option<Scope> {
        let rest = header.trim().strip_prefix("AWS4-HMAC-SHA256")?;
        let credential = rest
            .split(',')
            .map(str::trim)
            .find_map(|part| part.strip_prefix("Credential="))?;
        let mut parts = credential.split('/');
        let access_key = parts.next()?;
        let _date = parts.next()?;
        let region = parts.next()?;
        let service = parts.next()?;
        (!access_key.is_empty() && !region.is_empty()).then(|| Scope {
            access_key: access_key.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
        })
    }
}

/// Role credentials the simulator issued (AssumeRole).
#[derive(Debug, Clone, PartialEq)]
pub struct Issued {
    /// The role's account.
    pub account: String,
    /// The role's name.
    pub role: String,
    /// The role session name.
    pub session: String,
    /// Expiry on the simulated clock (epoch seconds).
    pub expiration: f64,
}

impl Issued {
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub fn arn(&self) -> String {
        assumed_role_arn(&self.account, &self.role, &self.session)
    }
}

/// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
pub fn assumed_role_arn(account: &str, role: &str, session: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role}/{session}")
}

/// The role id part of `AssumedRoleId` (`AROA` and 17 characters derived from the role).
pub fn role_id(account: &str, role: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in account.bytes().chain(role.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("AROA{h:016X}Z")
}

/// What an STS call answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// AssumeRole's result.
    AssumeRole {
        /// The new access key id (`ASIA...`).
        access_key: String,
        /// Its secret.
        secret: String,
        /// Its session token.
        token: String,
        /// Expiry (ISO 8601).
        expiration: String,
        /// `AROA...:<session>`.
        assumed_role_id: String,
        /// The assumed-role ARN.
        arn: String,
    },
    /// GetCallerIdentity's result.
    CallerIdentity {
        /// The caller's account.
        account: String,
        /// The caller's ARN.
        arn: String,
        /// The caller's user id.
        user_id: String,
    },
}

/// An STS error: HTTP status, `Type` (`Sender` or `Receiver`), `Code` and `Message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    /// HTTP status.
    pub status: u16,
    /// `Sender` or `Receiver`.
    pub kind: &'static str,
    /// Error code, e.g. `AccessDenied`.
    pub code: String,
    /// Message.
    pub message: String,
}

impl StsError {
    /// A 4xx `Sender` error.
    pub fn sender(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind: "Sender",
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// Decodes an `application/x-www-form-urlencoded` body.
pub fn parse_form(body: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the form is not UTF-8".to_owned())?;
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad percent-escape in {text:?}"))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("{text:?} is not UTF-8 once decoded"))
}

/// Escapes text for an XML element.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The XML document of a successful call.
pub fn render(output: &Output, request_id: &str) -> String {
    let (action, result) = match output {
        Output::AssumeRole {
            access_key,
            secret,
            token,
            expiration,
            assumed_role_id,
            arn,
        } => (
            "AssumeRole",
            format!(
                "<AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>\
                 <Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
                 <SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>",
                esc(assumed_role_id),
                esc(arn),
                esc(access_key),
                esc(secret),
                esc(token),
                esc(expiration)
            ),
        ),
        Output::CallerIdentity {
            account,
            arn,
            user_id,
        } => (
            "GetCallerIdentity",
            format!(
                "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
                esc(arn),
                esc(user_id),
                esc(account)
            ),
        ),
    };
    format!(
        "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{result}</{action}Result>\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    )
}

/// The XML `ErrorResponse` document of a failed call.
pub fn render_error(error: &StsError, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{}</Type><Code>{}</Code>\
         <Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        error.kind,
        esc(&error.code),
        esc(&error.message)
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_credential_scope() {
        let scope = Scope::from_authorization(
            "AWS4-HMAC-SHA256 Credential=ASIAX/20261130/eu-west-1/appstream/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(scope.access_key, "ASIAX");
        assert_eq!(scope.region, "eu-west-1");
        assert_eq!(scope.service, "appstream");
        assert!(Scope::from_authorization("Basic abc").is_none());
        assert!(Scope::from_authorization("AWS4-HMAC-SHA256 Signature=x").is_none());
    }

    #[test]
    fn decodes_forms_and_escapes_xml() {
        let form = parse_form(b"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&X=a+b")
            .unwrap();
        assert_eq!(form["RoleArn"], "arn:aws:iam::1:role/r");
        assert_eq!(form["X"], "a b");
        assert!(parse_form(b"A=%zz").is_err());
        let xml = render_error(&StsError::sender(403, "AccessDenied", "a<b"), "r1");
        assert!(xml.contains("<Message>a&lt;b</Message>"), "{xml}");
        assert!(xml.contains("<Type>Sender</Type><Code>AccessDenied</Code>"));
        assert_eq!(role_id("1", "r").len(), 21);
    }
}
