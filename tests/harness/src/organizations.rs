//! AWS Organizations in moto server: an organisation with member accounts whose ids moto
//! chooses, so a test can seed the AppStream simulator with the same ids.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use crate::{ACCESS_KEY_ID, MOTO_ACCOUNT_ID, Moto, REGION};

const TARGET_PREFIX: &str = "AWSOrganizationsV20161128";

impl Moto {
    /// Creates an organisation (all features) with `n` member accounts named
    /// `member-01`, `member-02`, ... (`CreateOrganization`, `CreateAccount`), and returns
    /// the members as `ListAccounts` gives them: `(account id, name)`, the management
    /// account left out.
    ///
    /// # Panics
    /// When moto refuses a call or answers something unexpected.
    pub fn organization(&self, n: usize) -> Vec<(String, String)> {
        self.organizations("CreateOrganization", &json!({"FeatureSet": "ALL"}));
        for i in 1..=n {
            let name = format!("member-{i:02}");
            let created = self.organizations(
                "CreateAccount",
                &json!({"AccountName": name, "Email": format!("{name}@example.com")}),
            );
            let state = &created["CreateAccountStatus"]["State"];
            assert_eq!(state, "SUCCEEDED", "CreateAccount {name}: {created}");
        }
        let mut members = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut request = json!({});
            if let Some(t) = &token {
                request["NextToken"] = json!(t);
            }
            let page = self.organizations("ListAccounts", &request);
            for account in page["Accounts"].as_array().into_iter().flatten() {
                let id = account["Id"].as_str().unwrap_or_default();
                if id != MOTO_ACCOUNT_ID {
                    let name = account["Name"].as_str().unwrap_or_default();
                    members.push((id.to_owned(), name.to_owned()));
                }
            }
            token = page["NextToken"].as_str().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        members
    }

    /// One Organizations call (awsJson1_1) to this server; the answer as JSON.
    ///
    /// # Panics
    /// When the call fails or the answer is not JSON.
    pub fn organizations(&self, operation: &str, body: &Value) -> Value {
        let body = body.to_string();
        let host = format!("127.0.0.1:{}", self.port());
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
             Content-Type: application/x-amz-json-1.1\r\n\
             X-Amz-Target: {TARGET_PREFIX}.{operation}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20260101/{REGION}/organizations/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut raw = Vec::new();
        let sent = TcpStream::connect(&host).and_then(|mut stream| {
            stream.set_read_timeout(Some(Duration::from_secs(30)))?;
            stream.write_all(request.as_bytes())?;
            stream.read_to_end(&mut raw)
        });
        if let Err(e) = sent {
            panic!("Organizations {operation} to moto at {host}: {e}");
        }
        let text = String::from_utf8_lossy(&raw);
        let Some((head, payload)) = text.split_once("\r\n\r\n") else {
            panic!("Organizations {operation}: no HTTP answer: {text}");
        };
        assert!(
            !head
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "Organizations {operation}: chunked answers are not read here: {head}"
        );
        let status = head.split(' ').nth(1).unwrap_or_default();
        assert_eq!(
            status, "200",
            "Organizations {operation} failed: {head}\n{payload}"
        );
        serde_json::from_str(payload)
            .unwrap_or_else(|e| panic!("Organizations {operation}: not JSON ({e}): {payload}"))
    }
}
