//! `[plugins.email]`: how codes leave unid (SMTP or, in development, `.eml` files), who sends
//! them, and how long they live. uni-id has no e-mail settings to follow (it never sends mail),
//! so everything lives in unid's own section.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

/// uni-id's code lifetime, and the default here.
pub const DEFAULT_CODE_EXPIRES_IN: u64 = 180;
pub const DEFAULT_TIMEOUT_SECS: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    Smtp,
    /// Writes each message as a `.eml` file. Development only: refused in production.
    File,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailPluginConfig {
    /// `false` removes the plugin's methods.
    pub enabled: Option<bool>,
    pub transport: Option<TransportKind>,
    /// The sender address (`From:` and the SMTP envelope).
    pub from: Option<String>,
    /// The sender's display name; also names the app in the subject.
    pub from_name: Option<String>,
    /// Seconds a code stays valid (default 180, at most 600).
    pub code_expires_in: Option<u64>,
    pub smtp: Option<SmtpConfig>,
    pub file: Option<FileConfig>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// No encryption: only for a server on this machine.
    Plain,
}

impl Security {
    pub fn default_port(self) -> u16 {
        match self {
            Security::Tls => 465,
            Security::Starttls => 587,
            Security::Plain => 25,
        }
    }
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Default by `security`: 465, 587 or 25.
    pub port: Option<u16>,
    /// Default `starttls`.
    pub security: Option<Security>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The longest unid waits for the server: to connect, and for the whole conversation.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileConfig {
    /// Where the `.eml` files go (created when the first message is written).
    pub dir: PathBuf,
}

/// Whether `host` names this machine, the only place an unencrypted connection may go.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smtp_password_never_prints() {
        let c = SmtpConfig {
            host: "smtp.example.com".into(),
            port: None,
            security: None,
            username: Some("mailer".into()),
            password: Some("hunter2-smtp".into()),
            timeout_secs: 5,
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("****"));
    }

    #[test]
    fn only_this_machine_counts_as_loopback() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "::1", "[::1]"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["smtp.example.com", "10.0.0.1", "localhost.example.com", ""] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
