//! `admin_audit`: the record of administrators' changes. Only inserts and reads; there is no
//! update or delete here on purpose.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::admin_audit;
use crate::db_run;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = admin_audit)]
pub struct NewAudit {
    pub created_date: i64,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub ip: Option<String>,
    pub face: String,
    pub action: String,
    pub target_id: Option<String>,
    /// JSON: `{"field": {"old": …, "new": …}, …}`.
    pub changes: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = admin_audit)]
pub struct AuditRow {
    pub id: i64,
    pub created_date: i64,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub ip: Option<String>,
    pub face: String,
    pub action: String,
    pub target_id: Option<String>,
    pub changes: String,
}

pub fn insert(conn: &mut DbConn, row: &NewAudit) -> QueryResult<()> {
    db_run!(conn: {
        diesel::insert_into(admin_audit::table).values(row).execute(conn).map(|_| ())
    })
}

/// The newest `limit` entries about `target_id` (every entry when `None`), newest first.
pub fn recent(
    conn: &mut DbConn,
    target_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    db_run!(conn: {
        let mut q = admin_audit::table
            .select(AuditRow::as_select())
            .order(admin_audit::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(t) = target_id {
            q = q.filter(admin_audit::target_id.eq(t.to_string()));
        }
        q.load(conn)
    })
}

/// A page of the audit log, newest first: entries by `actor` or about `target` when given,
/// older than `before` (the last id of the previous page).
pub fn page(
    conn: &mut DbConn,
    who: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    db_run!(conn: {
        let mut q = admin_audit::table
            .select(AuditRow::as_select())
            .order(admin_audit::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(w) = who {
            q = q.filter(
                admin_audit::actor_id
                    .eq(w.to_string())
                    .or(admin_audit::actor_name.eq(w.to_string()))
                    .or(admin_audit::target_id.eq(w.to_string())),
            );
        }
        if let Some(b) = before {
            q = q.filter(admin_audit::id.lt(b));
        }
        q.load(conn)
    })
}
