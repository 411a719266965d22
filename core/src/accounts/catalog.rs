//! The apps and tags administrators name (issue 9): the DCloud appids users may be authorized
//! for, and uni-id-tag's tags (spec §12.8). Deleting one leaves users' `authorizedApp` and
//! `tags` as they are (uni-admin does the same): a name goes, an authorization does not.

use crate::accounts::Caller;
use crate::accounts::audit::{self, Actor, Changes};
use crate::accounts::roles::{invalid, refused, valid_id};
pub use crate::db::models::catalog::Catalog;
use crate::db::models::catalog::{self as rows, Entry};
use crate::error::{ApiError, ApiResult};

impl Catalog {
    fn id_field(self) -> &'static str {
        match self {
            Catalog::Apps => "appid",
            Catalog::Tags => "tagid",
        }
    }

    fn action(self, verb: &str) -> String {
        let noun = match self {
            Catalog::Apps => "app",
            Catalog::Tags => "tag",
        };
        format!("{noun}.{verb}")
    }
}

/// The longest name or description kept.
const MAX_TEXT: usize = 200;

/// Every entry of `catalog`, by id.
pub async fn all(call: &Caller, catalog: Catalog) -> ApiResult<Vec<Entry>> {
    call.host
        .db
        .run(move |conn| Ok(rows::all(conn, catalog)?))
        .await
}

/// Adds an entry, or renames one.
pub async fn save(
    call: &Caller,
    actor: &Actor,
    catalog: Catalog,
    id: &str,
    name: &str,
    description: &str,
) -> ApiResult<()> {
    let id = id.trim().to_string();
    if !valid_id(&id) {
        return Err(invalid(catalog.id_field()));
    }
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::param_required("name"));
    }
    for (field, text) in [("name", &name[..]), ("description", description)] {
        if text.chars().count() > MAX_TEXT {
            return Err(refused("unid-text-too-long").arg("field", field));
        }
    }
    let description = Some(description.trim().to_string()).filter(|d| !d.is_empty());
    let actor = actor.clone();
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let before = rows::find(conn, catalog, &id)?;
                let entry = Entry {
                    create_date: before.as_ref().map_or(now, |b| b.create_date),
                    id: id.clone(),
                    name,
                    description,
                };
                rows::save(conn, catalog, &entry)?;
                let changes = Changes::new()
                    .field("name", before.as_ref().map(|b| b.name.clone()), entry.name)
                    .field(
                        "description",
                        before.as_ref().and_then(|b| b.description.clone()),
                        entry.description,
                    );
                let verb = if before.is_some() { "update" } else { "create" };
                audit::record(
                    conn,
                    &actor,
                    now,
                    &catalog.action(verb),
                    Some(&id),
                    &changes,
                )?;
                Ok(())
            })
        })
        .await
}

pub async fn delete(call: &Caller, actor: &Actor, catalog: Catalog, id: &str) -> ApiResult<()> {
    let id = id.to_string();
    let actor = actor.clone();
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let Some(before) = rows::find(conn, catalog, &id)? else {
                    return Err(refused("unid-entry-not-found"));
                };
                rows::delete(conn, catalog, &id)?;
                let changes = Changes::new().field("name", before.name, serde_json::Value::Null);
                audit::record(
                    conn,
                    &actor,
                    now,
                    &catalog.action("delete"),
                    Some(&id),
                    &changes,
                )?;
                Ok(())
            })
        })
        .await
}

/// The appids in use that have no name yet.
pub async fn unnamed_apps(call: &Caller) -> ApiResult<Vec<String>> {
    call.host.db.run(|conn| Ok(rows::unnamed_apps(conn)?)).await
}
