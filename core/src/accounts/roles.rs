//! Roles and permissions (`uni-id-roles`, `uni-id-permissions`, spec §12.2–12.3), as
//! administrators manage them. The built-in `admin` role holds every permission by definition
//! (uni-id's rule): it has no row to edit and cannot be deleted. Tokens carry their user's
//! roles and permissions, so changing what a role grants, or deleting it, ends the sessions of
//! the users who hold it — the change holds at their next request.

use serde_json::Value;

use crate::accounts::Caller;
use crate::accounts::audit::{self, Actor, Changes};
use crate::db::DbConn;
use crate::db::models::roles::{self as rows, PermissionRow, RoleRow};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::tokens;

pub const ADMIN_ROLE: &str = "admin";

/// A role with what it grants.
#[derive(Debug, Clone)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub comment: Option<String>,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Permission {
    pub id: String,
    pub name: String,
    pub comment: Option<String>,
}

/// Every role (without `admin`, which is implicit) and every permission.
pub async fn all(call: &Caller) -> ApiResult<(Vec<Role>, Vec<Permission>)> {
    call.host
        .db
        .run(|conn| {
            let grants = rows::grants(conn)?;
            let roles = rows::all_roles(conn)?
                .into_iter()
                .filter(|r| r.role_id != ADMIN_ROLE)
                .map(|r| Role {
                    permissions: grants
                        .iter()
                        .filter(|(role, _)| *role == r.role_id)
                        .map(|(_, p)| p.clone())
                        .collect(),
                    id: r.role_id,
                    name: r.role_name,
                    comment: r.comment,
                })
                .collect();
            let permissions = rows::all_permissions(conn)?
                .into_iter()
                .map(|p| Permission {
                    id: p.permission_id,
                    name: p.permission_name,
                    comment: p.comment,
                })
                .collect();
            Ok((roles, permissions))
        })
        .await
}

/// Role and permission ids: what uni-id-admin accepts, short and plain.
pub(crate) fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

/// `uni-id-invalid-param` with unid's message `id` (no arguments).
pub(crate) fn refused(id: &'static str) -> ApiError {
    ApiError::new(ErrorCode::InvalidParam).message(id)
}

pub(crate) fn invalid(field: &str) -> ApiError {
    refused("unid-invalid-id").arg("field", field.to_string())
}

/// Creates (`create`) or changes a role.
pub async fn save(call: &Caller, actor: &Actor, role: Role, create: bool) -> ApiResult<()> {
    if !valid_id(&role.id) {
        return Err(invalid("role_id"));
    }
    if role.id == ADMIN_ROLE {
        return Err(refused("unid-role-built-in"));
    }
    if role.name.trim().is_empty() {
        return Err(ApiError::param_required("role_name"));
    }
    let actor = actor.clone();
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let known: Vec<String> = rows::all_permissions(conn)?
                    .into_iter()
                    .map(|p| p.permission_id)
                    .collect();
                let mut permissions = role.permissions.clone();
                permissions.sort();
                permissions.dedup();
                if permissions.iter().any(|p| !known.contains(p)) {
                    return Err(refused("unid-permission-not-found"));
                }
                let before = rows::all_roles(conn)?
                    .into_iter()
                    .find(|r| r.role_id == role.id);
                if !create && before.is_none() {
                    return Err(refused("unid-role-not-found"));
                }
                let old_permissions = rows::permissions_of(conn, std::slice::from_ref(&role.id))?;
                let row = RoleRow {
                    role_id: role.id.clone(),
                    role_name: role.name.trim().to_string(),
                    comment: role.comment.clone().filter(|c| !c.trim().is_empty()),
                    create_date: now,
                };
                if !rows::save_role(conn, &row, &permissions, create)? {
                    return Err(refused("unid-role-exists"));
                }
                let changes = Changes::new()
                    .field(
                        "role_name",
                        before.as_ref().map(|r| r.role_name.clone()),
                        row.role_name.clone(),
                    )
                    .field(
                        "comment",
                        before.as_ref().and_then(|r| r.comment.clone()),
                        row.comment.clone(),
                    )
                    .field(
                        "permission",
                        if before.is_some() {
                            Value::from(old_permissions.clone())
                        } else {
                            Value::Null
                        },
                        permissions.clone(),
                    );
                let action = if create { "role.create" } else { "role.update" };
                audit::record(conn, &actor, now, action, Some(&role.id), &changes)?;
                if old_permissions != permissions {
                    end_sessions_of_holders(conn, &role.id, now)?;
                }
                Ok(())
            })
        })
        .await
}

/// Deletes a role; its holders keep the role id (uni-id allows a role without a row) but lose
/// what it granted, and their sessions end.
pub async fn delete(call: &Caller, actor: &Actor, id: &str) -> ApiResult<()> {
    if id == ADMIN_ROLE {
        return Err(refused("unid-role-built-in"));
    }
    let id = id.to_string();
    let actor = actor.clone();
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let permissions = rows::permissions_of(conn, std::slice::from_ref(&id))?;
                if !rows::delete_role(conn, &id)? {
                    return Err(refused("unid-role-not-found"));
                }
                let changes = Changes::new().field("permission", permissions, Value::Null);
                audit::record(conn, &actor, now, "role.delete", Some(&id), &changes)?;
                end_sessions_of_holders(conn, &id, now)?;
                Ok(())
            })
        })
        .await
}

fn end_sessions_of_holders(conn: &mut DbConn, role_id: &str, now: i64) -> ApiResult<()> {
    for uid in rows::users_with(conn, role_id)? {
        tokens::revoke_all(conn, &uid, now)?;
    }
    Ok(())
}

/// Adds a permission id roles can then grant.
pub async fn add_permission(call: &Caller, actor: &Actor, p: Permission) -> ApiResult<()> {
    if !valid_id(&p.id) {
        return Err(invalid("permission_id"));
    }
    if p.name.trim().is_empty() {
        return Err(ApiError::param_required("permission_name"));
    }
    let actor = actor.clone();
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let row = PermissionRow {
                    permission_id: p.id.clone(),
                    permission_name: p.name.trim().to_string(),
                    comment: p.comment.clone().filter(|c| !c.trim().is_empty()),
                    create_date: now,
                };
                if !rows::insert_permission(conn, &row)? {
                    return Err(refused("unid-permission-exists"));
                }
                let changes =
                    Changes::new().field("permission_name", Value::Null, row.permission_name);
                audit::record(
                    conn,
                    &actor,
                    now,
                    "permission.create",
                    Some(&p.id),
                    &changes,
                )?;
                Ok(())
            })
        })
        .await
}

/// Deletes a permission: no role grants it any more, and the sessions of those who had it end.
pub async fn delete_permission(call: &Caller, actor: &Actor, id: &str) -> ApiResult<()> {
    let id = id.to_string();
    let actor = actor.clone();
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let Some(roles) = rows::delete_permission(conn, &id)? else {
                    return Err(refused("unid-permission-not-found"));
                };
                let changes = Changes::new().field("granted_by", roles.clone(), Value::Null);
                audit::record(conn, &actor, now, "permission.delete", Some(&id), &changes)?;
                for role in &roles {
                    end_sessions_of_holders(conn, role, now)?;
                }
                Ok(())
            })
        })
        .await
}
