//! `roles`, `permissions` and `role_permissions` (spec §12.2–12.3).

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::role_permissions;
use crate::db_run;

/// The union of the permissions of `roles`, sorted and deduplicated (spec §6.3).
pub fn permissions_of(conn: &mut DbConn, roles: &[String]) -> QueryResult<Vec<String>> {
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    db_run!(conn: {
        role_permissions::table
            .filter(role_permissions::role_id.eq_any(roles))
            .select(role_permissions::permission_id)
            .distinct()
            .order(role_permissions::permission_id)
            .load(conn)
    })
}

use crate::db::schema::{permissions, roles, user_roles};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = roles)]
pub struct RoleRow {
    pub role_id: String,
    pub role_name: String,
    pub comment: Option<String>,
    pub create_date: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = permissions)]
pub struct PermissionRow {
    pub permission_id: String,
    pub permission_name: String,
    pub comment: Option<String>,
    pub create_date: i64,
}

pub fn all_roles(conn: &mut DbConn) -> QueryResult<Vec<RoleRow>> {
    db_run!(conn: {
        roles::table.select(RoleRow::as_select()).order(roles::role_id).load(conn)
    })
}

pub fn all_permissions(conn: &mut DbConn) -> QueryResult<Vec<PermissionRow>> {
    db_run!(conn: {
        permissions::table
            .select(PermissionRow::as_select())
            .order(permissions::permission_id)
            .load(conn)
    })
}

/// Every (role, permission) pair.
pub fn grants(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    db_run!(conn: {
        role_permissions::table
            .select((role_permissions::role_id, role_permissions::permission_id))
            .order((role_permissions::role_id, role_permissions::permission_id))
            .load(conn)
    })
}

/// Inserts or replaces a role and its permissions; `false` when `insert_only` and it exists.
pub fn save_role(
    conn: &mut DbConn,
    role: &RoleRow,
    permissions: &[String],
    insert_only: bool,
) -> QueryResult<bool> {
    let exists = db_run!(conn: {
        roles::table
            .filter(roles::role_id.eq(&role.role_id))
            .count()
            .get_result::<i64>(conn)
    })? > 0;
    if exists && insert_only {
        return Ok(false);
    }
    db_run!(conn: {
        if exists {
            diesel::update(roles::table.filter(roles::role_id.eq(&role.role_id)))
                .set((
                    roles::role_name.eq(&role.role_name),
                    roles::comment.eq(&role.comment),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(roles::table)
                .values((
                    roles::role_id.eq(&role.role_id),
                    roles::role_name.eq(&role.role_name),
                    roles::comment.eq(&role.comment),
                    roles::create_date.eq(role.create_date),
                ))
                .execute(conn)?;
        }
        diesel::delete(role_permissions::table.filter(role_permissions::role_id.eq(&role.role_id)))
            .execute(conn)?;
        for p in permissions {
            diesel::insert_into(role_permissions::table)
                .values((
                    role_permissions::role_id.eq(&role.role_id),
                    role_permissions::permission_id.eq(p),
                ))
                .execute(conn)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(true)
}

/// Deletes a role (its grants go with it); `false` when there was none.
pub fn delete_role(conn: &mut DbConn, role_id: &str) -> QueryResult<bool> {
    db_run!(conn: {
        diesel::delete(role_permissions::table.filter(role_permissions::role_id.eq(role_id)))
            .execute(conn)?;
        diesel::delete(roles::table.filter(roles::role_id.eq(role_id)))
            .execute(conn)
            .map(|n| n > 0)
    })
}

/// The users holding `role_id`.
pub fn users_with(conn: &mut DbConn, role_id: &str) -> QueryResult<Vec<String>> {
    db_run!(conn: {
        user_roles::table
            .filter(user_roles::role_id.eq(role_id))
            .select(user_roles::user_id)
            .load(conn)
    })
}

pub fn insert_permission(conn: &mut DbConn, p: &PermissionRow) -> QueryResult<bool> {
    db_run!(conn: {
        diesel::insert_into(permissions::table)
            .values((
                permissions::permission_id.eq(&p.permission_id),
                permissions::permission_name.eq(&p.permission_name),
                permissions::comment.eq(&p.comment),
                permissions::create_date.eq(p.create_date),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .map(|n| n > 0)
    })
}

/// Deletes a permission and its grants; answers the roles that had it.
pub fn delete_permission(
    conn: &mut DbConn,
    permission_id: &str,
) -> QueryResult<Option<Vec<String>>> {
    db_run!(conn: {
        let holders: Vec<String> = role_permissions::table
            .filter(role_permissions::permission_id.eq(permission_id))
            .select(role_permissions::role_id)
            .load(conn)?;
        diesel::delete(
            role_permissions::table.filter(role_permissions::permission_id.eq(permission_id)),
        )
        .execute(conn)?;
        let n = diesel::delete(permissions::table.filter(permissions::permission_id.eq(permission_id)))
            .execute(conn)?;
        Ok(if n > 0 { Some(holders) } else { None })
    })
}
