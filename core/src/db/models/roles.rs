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
