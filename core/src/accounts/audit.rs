//! The audit log of administrators' changes (beyond uni-id): every change made through the admin
//! API, the console or the command line is recorded in the same transaction as the change —
//! who, when, from which IP, which face, and each field's old and new value. Secrets are never
//! written: a new password is recorded as changed, nothing more.

use serde_json::{Map, Value, json};

use crate::accounts::Caller;
use crate::db::DbConn;
use crate::db::models::audit::{self, NewAudit};

/// Through which face a change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Api,
    Console,
    Cli,
    /// Another server, through the signed external calls.
    External,
}

impl Face {
    pub fn as_str(self) -> &'static str {
        match self {
            Face::Api => "api",
            Face::Console => "console",
            Face::Cli => "cli",
            Face::External => "external",
        }
    }
}

/// Who made a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<String>,
    pub name: Option<String>,
    pub ip: Option<String>,
    pub face: Face,
}

impl Actor {
    /// The signed-in administrator behind `call`.
    pub fn of(call: &Caller, face: Face) -> Actor {
        let user = call.auth.as_ref().map(|a| &a.user);
        Actor {
            id: user.map(|u| u.id.clone()),
            name: user.and_then(|u| u.username.clone().or_else(|| u.nickname.clone())),
            ip: Some(call.client.client_ip.clone()),
            face,
        }
    }

    /// A server calling with `requestAuthSecret` (`updateUserInfoByExternal`).
    pub fn external(call: &Caller) -> Actor {
        Actor {
            id: None,
            name: Some("external".to_string()),
            ip: Some(call.client.client_ip.clone()),
            face: Face::External,
        }
    }

    /// The operator at the terminal (`unid admin …`).
    pub fn cli() -> Actor {
        Actor {
            id: None,
            name: std::env::var("USER").ok(),
            ip: None,
            face: Face::Cli,
        }
    }
}

/// The fields a change touched, each with its old and new value.
#[derive(Debug, Clone, Default)]
pub struct Changes(Map<String, Value>);

impl Changes {
    pub fn new() -> Self {
        Changes::default()
    }

    /// Records `field` when its value changes.
    pub fn field(mut self, field: &str, old: impl Into<Value>, new: impl Into<Value>) -> Self {
        let (old, new) = (old.into(), new.into());
        if old != new {
            self.0
                .insert(field.to_string(), json!({ "old": old, "new": new }));
        }
        self
    }

    /// Records that a secret changed, without its value.
    pub fn secret(mut self, field: &str) -> Self {
        self.0.insert(field.to_string(), json!({ "changed": true }));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_json(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }
}

/// Writes one entry; call it inside the change's transaction, so no change goes unrecorded.
/// A change that changed nothing is not recorded.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    now: i64,
    action: &str,
    target_id: Option<&str>,
    changes: &Changes,
) -> diesel::QueryResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    audit::insert(
        conn,
        &NewAudit {
            created_date: now,
            actor_id: actor.id.clone(),
            actor_name: actor.name.clone(),
            ip: actor.ip.clone(),
            face: actor.face.as_str().to_string(),
            action: action.to_string(),
            target_id: target_id.map(str::to_string),
            changes: changes.to_json(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_kept_and_secrets_keep_no_value() {
        let c = Changes::new()
            .field("nickname", "a", "b")
            .field("status", 0, 0)
            .secret("password");
        let v: Value = serde_json::from_str(&c.to_json()).unwrap_or_default();
        assert_eq!(v["nickname"], json!({"old": "a", "new": "b"}));
        assert!(v.get("status").is_none());
        assert_eq!(v["password"], json!({"changed": true}));
        assert!(Changes::new().field("x", 1, 1).is_empty());
    }
}
