//! Creating an administrator from the terminal (`unid admin create`).

use crate::accounts::audit::{self, Actor, Changes};
use crate::accounts::find_user;
use crate::db::is_unique_violation;
use crate::db::models::users::{self, NewUser, UserQuery};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::host::Host;
use crate::secret::Secret;
use crate::validator::{Field, Schema};

static ADMIN_CREATE: &Schema = &[
    ("username", Field::required("username")),
    ("password", Field::required("password")),
    ("nickname", Field::optional("nickname")),
];

/// Creates a user with role `admin`, allowed in `apps` (`*` = every app). Same rules as
/// `registerAdmin` for the username and the password policy; an existing username is refused.
pub async fn create_admin(
    host: &Host,
    username: &str,
    password: Secret,
    nickname: Option<&str>,
    apps: Vec<String>,
) -> ApiResult<String> {
    let effective = host.settings.default_effective();
    let params = serde_json::json!({ "username": username, "password": password.expose(), "nickname": nickname });
    host.validator(effective.password_strength)
        .validate(&params, ADMIN_CREATE)?;
    let hash = host
        .hasher
        .hash(password, effective.password_secrets.clone())
        .await?;
    let now = host.clock.now_ms();
    let user = NewUser {
        id: crate::ids::new_id(now),
        username: Some(username.to_lowercase()),
        password: Some(hash.hash),
        password_secret_version: hash.version,
        nickname: nickname.map(str::to_string),
        register_date: Some(now),
        ..Default::default()
    };
    let query = UserQuery {
        username: Some(username.to_string()),
        ..Default::default()
    };
    host.db
        .run(move |conn| {
            conn.write_tx(|conn| {
                conn.lock_keys(&query.lock_keys())?;
                for app in &apps {
                    let found = find_user(conn, &query, app)?;
                    if found.total > 0 && (app == "*" || !found.matched.is_empty()) {
                        return Err(ApiError::new(ErrorCode::AccountExists));
                    }
                }
                users::insert(conn, &user, &apps, &["admin".to_string()]).map_err(|e| {
                    if is_unique_violation(&e) {
                        ApiError::new(ErrorCode::AccountExists)
                    } else {
                        e.into()
                    }
                })?;
                let changes = Changes::new()
                    .field("username", serde_json::Value::Null, user.username.clone())
                    .field("role", serde_json::Value::Null, vec!["admin"])
                    .field("authorizedApp", serde_json::Value::Null, apps.clone())
                    .secret("password");
                audit::record(
                    conn,
                    &Actor::cli(),
                    now,
                    "user.create",
                    Some(&user.id),
                    &changes,
                )?;
                Ok(user.id.clone())
            })
        })
        .await
}

/// Whether any user has role `admin` (register-admin is open only while none does).
pub async fn admin_exists(host: &Host) -> ApiResult<bool> {
    host.db
        .run(|conn| Ok(users::first_with_role(conn, "admin")?.is_some()))
        .await
}
