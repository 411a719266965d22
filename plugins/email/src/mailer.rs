//! Mailers: the port through which a code leaves unid. SMTP (implicit TLS, required STARTTLS, or
//! plain to this machine only) and, for development, `.eml` files. Both go through lettre.
//!
//! A mailer never logs a message: the body holds the code.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Security, SmtpConfig, is_loopback};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailError {
    /// No answer within the configured time.
    Timeout(Duration),
    /// The server could not be reached, refused the message, or the file could not be written.
    Failed(String),
}

impl std::fmt::Display for MailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MailError::Timeout(d) => write!(f, "mail server did not answer within {d:?}"),
            MailError::Failed(e) => write!(f, "mail not sent: {e}"),
        }
    }
}

impl std::error::Error for MailError {}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

pub trait Mailer: Send + Sync {
    fn send(&self, message: Message) -> SendFuture<'_>;
}

/// Sends through an SMTP server, one connection per message.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    timeout: Duration,
}

impl SmtpMailer {
    /// Builds the transport from `[plugins.email.smtp]`; errors name the key.
    pub fn new(config: &SmtpConfig) -> Result<SmtpMailer, String> {
        let key = |k: &str| format!("plugins.email.smtp.{k}");
        let host = config.host.trim();
        if host.is_empty() {
            return Err(format!("config key `{}` must not be empty", key("host")));
        }
        let security = config.security.unwrap_or(Security::Starttls);
        if security == Security::Plain && !is_loopback(host) {
            return Err(format!(
                "config key `{}`: \"plain\" sends the password and codes unencrypted, so it is only allowed for a server on this machine (localhost, 127.0.0.1, ::1), not {host:?}; use \"tls\" or \"starttls\"",
                key("security")
            ));
        }
        if config.port == Some(0) {
            return Err(format!(
                "config key `{}` must be a port number",
                key("port")
            ));
        }
        if config.timeout_secs == 0 {
            return Err(format!(
                "config key `{}` must be at least 1",
                key("timeoutSecs")
            ));
        }
        let credentials = match (&config.username, &config.password) {
            (Some(u), Some(p)) => Some(Credentials::new(u.clone(), p.clone())),
            (None, None) => None,
            (Some(_), None) => {
                return Err(format!(
                    "config key `{}` is required with {}",
                    key("password"),
                    key("username")
                ));
            }
            (None, Some(_)) => {
                return Err(format!(
                    "config key `{}` is required with {}",
                    key("username"),
                    key("password")
                ));
            }
        };
        let tls_error =
            |e: lettre::transport::smtp::Error| format!("config key `{}`: {e}", key("host"));
        let builder = match security {
            Security::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(tls_error)?
            }
            Security::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(tls_error)?
            }
            Security::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let timeout = Duration::from_secs(config.timeout_secs);
        let mut builder = builder
            .port(config.port.unwrap_or(security.default_port()))
            .timeout(Some(timeout));
        if let Some(credentials) = credentials {
            builder = builder.credentials(credentials);
        }
        Ok(SmtpMailer {
            transport: builder.build(),
            timeout,
        })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, message: Message) -> SendFuture<'_> {
        Box::pin(async move {
            // lettre's own timeout covers connecting only; a server that stalls mid-conversation
            // would hold the request forever, so the whole send is bounded.
            match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
                Err(_) => Err(MailError::Timeout(self.timeout)),
                Ok(Err(e)) => Err(MailError::Failed(e.to_string())),
                Ok(Ok(_)) => Ok(()),
            }
        })
    }
}

/// Writes each message to `<dir>/<uuid>.eml`. Development only.
pub struct FileMailer {
    dir: PathBuf,
    transport: AsyncFileTransport<Tokio1Executor>,
}

impl FileMailer {
    pub fn new(dir: PathBuf) -> FileMailer {
        FileMailer {
            transport: AsyncFileTransport::new(&dir),
            dir,
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

impl Mailer for FileMailer {
    fn send(&self, message: Message) -> SendFuture<'_> {
        Box::pin(async move {
            tokio::fs::create_dir_all(&self.dir).await.map_err(|e| {
                MailError::Failed(format!("cannot create {}: {e}", self.dir.display()))
            })?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Failed(e.to_string()))
        })
    }
}

/// `u***@example.com`: enough to follow a delivery problem in the log, not the whole address.
pub fn masked(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp(host: &str, security: Option<Security>) -> SmtpConfig {
        SmtpConfig {
            host: host.into(),
            port: None,
            security,
            username: None,
            password: None,
            timeout_secs: 5,
        }
    }

    #[test]
    fn plain_is_only_for_this_machine() {
        for host in ["localhost", "127.0.0.1", "::1"] {
            assert!(
                SmtpMailer::new(&smtp(host, Some(Security::Plain))).is_ok(),
                "{host}"
            );
        }
        let Err(e) = SmtpMailer::new(&smtp("smtp.example.com", Some(Security::Plain))) else {
            panic!("plain to a remote host must be refused");
        };
        assert!(e.contains("`plugins.email.smtp.security`"), "{e}");
        for security in [None, Some(Security::Tls), Some(Security::Starttls)] {
            assert!(SmtpMailer::new(&smtp("smtp.example.com", security)).is_ok());
        }
    }

    #[test]
    fn credentials_come_in_pairs_and_other_keys_are_checked() {
        let mut c = smtp("smtp.example.com", None);
        c.username = Some("mailer".into());
        let Err(e) = SmtpMailer::new(&c) else {
            panic!("username without password");
        };
        assert!(e.contains("`plugins.email.smtp.password`"), "{e}");
        let mut c = smtp("smtp.example.com", None);
        c.password = Some("pw".into());
        let Err(e) = SmtpMailer::new(&c) else {
            panic!("password without username");
        };
        assert!(e.contains("`plugins.email.smtp.username`"), "{e}");
        let mut c = smtp("smtp.example.com", None);
        c.timeout_secs = 0;
        let Err(e) = SmtpMailer::new(&c) else {
            panic!("zero timeout");
        };
        assert!(e.contains("`plugins.email.smtp.timeoutSecs`"), "{e}");
        let Err(e) = SmtpMailer::new(&smtp(" ", None)) else {
            panic!("empty host");
        };
        assert!(e.contains("`plugins.email.smtp.host`"), "{e}");
    }

    #[test]
    fn addresses_are_masked_in_logs() {
        assert_eq!(masked("alice@example.com"), "a***@example.com");
        assert_eq!(masked("nonsense"), "***");
    }
}
