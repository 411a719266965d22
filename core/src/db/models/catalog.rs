//! The console's two name lists: `apps` (the DCloud appids users may be authorized for, with
//! names, as uni-admin's opendb-app-list) and `user_tags` (uni-id-tag, spec §12.8). Both are an
//! id, a name, a description and a creation date, so one set of queries serves both.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::db::{DbConn, numbered_sql};
use crate::db_run;

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalog {
    Apps,
    Tags,
}

impl Catalog {
    /// Table and id column (fixed names: nothing here comes from a request).
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Catalog::Apps => ("apps", "appid"),
            Catalog::Tags => ("user_tags", "tagid"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Entry {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub description: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub create_date: i64,
}

/// Every entry, by id.
pub fn all(conn: &mut DbConn, catalog: Catalog) -> QueryResult<Vec<Entry>> {
    let (table, id) = catalog.table();
    let sql = format!(
        "SELECT {id} AS id, name, description, create_date FROM {table} ORDER BY {id} LIMIT 1000"
    );
    db_run!(conn: { diesel::sql_query(&sql).load(conn) })
}

pub fn find(conn: &mut DbConn, catalog: Catalog, key: &str) -> QueryResult<Option<Entry>> {
    let (table, id) = catalog.table();
    let sql = numbered_sql(
        conn,
        &format!("SELECT {id} AS id, name, description, create_date FROM {table} WHERE {id} = $1"),
    );
    let rows: Vec<Entry> =
        db_run!(conn: { diesel::sql_query(&sql).bind::<Text, _>(key).load(conn) })?;
    Ok(rows.into_iter().next())
}

/// Adds `entry`, or renames and redescribes the one with its id (keeping its creation date).
pub fn save(conn: &mut DbConn, catalog: Catalog, entry: &Entry) -> QueryResult<()> {
    let (table, id) = catalog.table();
    let sql = numbered_sql(
        conn,
        &format!(
            "INSERT INTO {table} ({id}, name, description, create_date) VALUES ($1, $2, $3, $4) \
             ON CONFLICT ({id}) DO UPDATE SET name = excluded.name, description = excluded.description"
        ),
    );
    db_run!(conn: {
        diesel::sql_query(&sql)
            .bind::<Text, _>(&entry.id)
            .bind::<Text, _>(&entry.name)
            .bind::<Nullable<Text>, _>(&entry.description)
            .bind::<BigInt, _>(entry.create_date)
            .execute(conn)
    })?;
    Ok(())
}

/// Whether there was such an entry.
pub fn delete(conn: &mut DbConn, catalog: Catalog, key: &str) -> QueryResult<bool> {
    let (table, id) = catalog.table();
    let sql = numbered_sql(conn, &format!("DELETE FROM {table} WHERE {id} = $1"));
    let n = db_run!(conn: { diesel::sql_query(&sql).bind::<Text, _>(key).execute(conn) })?;
    Ok(n > 0)
}

/// The appids users are authorized for that have no name yet (at most 100; `*` is "every
/// app", not an app).
pub fn unnamed_apps(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct AppId {
        #[diesel(sql_type = Text)]
        app_id: String,
    }
    let rows: Vec<AppId> = db_run!(conn: {
        diesel::sql_query(
            "SELECT DISTINCT app_id FROM user_apps WHERE app_id <> '*' \
             AND app_id NOT IN (SELECT appid FROM apps) ORDER BY app_id LIMIT 100",
        )
        .load(conn)
    })?;
    Ok(rows.into_iter().map(|r| r.app_id).collect())
}
