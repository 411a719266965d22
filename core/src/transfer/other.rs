//! The collections beside the users, document ↔ row: uni-id-permissions, uni-id-roles,
//! uni-id-tag (spec §12.2–12.3, §12.8), uni-id-log (§12.4), uni-id-device and opendb-device
//! (§12.5–12.6). Each row keeps its document's `_id` in `doc_id`; a row unid made itself has
//! none, and is exported with an id derived from its key and date ([`derived_id`]), so two
//! exports of one database agree.

use diesel::prelude::*;
use serde_json::{Map, Value, json};
use sha1::{Digest, Sha1};

use super::Collection;
use super::records::{Doc, RecordError};
use super::tables::{devices, opendb_devices, permissions, roles, uni_id_log, user_tags};
use super::users::uni_id_mobile;
use crate::accounts::phone;

/// A stable ObjectId-like `_id` for a row made by unid: its date's seconds, then 8 bytes of
/// SHA-1 of the collection and key.
pub fn derived_id(collection: Collection, date_ms: i64, key: &str) -> String {
    let secs = u32::try_from(date_ms.max(0) / 1000).unwrap_or(u32::MAX);
    let digest = Sha1::digest(format!("{}\n{key}", collection.name()).as_bytes());
    format!("{secs:08x}{}", hex::encode(&digest[..8]))
}

/// Fields present in a document that the row has no place for (reported as a note).
pub type Leftover = Option<String>;

fn leftover(doc: Doc) -> Leftover {
    doc.rest().and_then(|text| {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&text) else {
            return None;
        };
        Some(map.keys().cloned().collect::<Vec<_>>().join(", "))
    })
}

fn put(doc: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        doc.insert(key.to_string(), v);
    }
}

fn merge_extra(doc: &mut Map<String, Value>, extra: Option<&str>) {
    if let Some(Ok(Value::Object(extra))) = extra.map(serde_json::from_str::<Value>) {
        for (key, value) in extra {
            doc.entry(key).or_insert(value);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = permissions)]
#[diesel(treat_none_as_default_value = false)]
pub struct Permission {
    pub permission_id: String,
    pub permission_name: String,
    pub comment: Option<String>,
    pub create_date: i64,
    pub doc_id: Option<String>,
}

impl Permission {
    pub fn from_doc(mut doc: Doc) -> Result<(Permission, Leftover), RecordError> {
        let row = Permission {
            doc_id: Some(doc.id()?),
            permission_id: doc.required_str("permission_id")?,
            permission_name: doc.required_str("permission_name")?,
            comment: doc.str("comment")?,
            create_date: doc.date("create_date")?.unwrap_or(0),
        };
        Ok((row, leftover(doc)))
    }

    pub fn to_doc(&self) -> Map<String, Value> {
        let mut d = Map::new();
        let id = self.doc_id.clone().unwrap_or_else(|| {
            derived_id(
                Collection::Permissions,
                self.create_date,
                &self.permission_id,
            )
        });
        put(&mut d, "_id", Some(json!(id)));
        put(&mut d, "permission_id", Some(json!(self.permission_id)));
        put(&mut d, "permission_name", Some(json!(self.permission_name)));
        put(&mut d, "comment", self.comment.clone().map(Value::from));
        put(&mut d, "create_date", Some(json!(self.create_date)));
        d
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = roles)]
#[diesel(treat_none_as_default_value = false)]
pub struct RoleFields {
    pub role_id: String,
    pub role_name: String,
    pub comment: Option<String>,
    pub create_date: i64,
    pub doc_id: Option<String>,
}

/// A role and the permissions it grants (sorted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub fields: RoleFields,
    pub permissions: Vec<String>,
}

impl Role {
    pub fn from_doc(mut doc: Doc) -> Result<(Role, Leftover), RecordError> {
        let fields = RoleFields {
            doc_id: Some(doc.id()?),
            role_id: doc.required_str("role_id")?,
            role_name: doc.required_str("role_name")?,
            comment: doc.str("comment")?,
            create_date: doc.date("create_date")?.unwrap_or(0),
        };
        let mut permissions = doc.str_list("permission")?.unwrap_or_default();
        permissions.sort();
        permissions.dedup();
        Ok((
            Role {
                fields,
                permissions,
            },
            leftover(doc),
        ))
    }

    pub fn to_doc(&self) -> Map<String, Value> {
        let f = &self.fields;
        let mut d = Map::new();
        let id = f
            .doc_id
            .clone()
            .unwrap_or_else(|| derived_id(Collection::Roles, f.create_date, &f.role_id));
        put(&mut d, "_id", Some(json!(id)));
        put(&mut d, "role_id", Some(json!(f.role_id)));
        put(&mut d, "role_name", Some(json!(f.role_name)));
        put(&mut d, "permission", Some(json!(self.permissions)));
        put(&mut d, "comment", f.comment.clone().map(Value::from));
        put(&mut d, "create_date", Some(json!(f.create_date)));
        d
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = user_tags)]
#[diesel(treat_none_as_default_value = false)]
pub struct Tag {
    pub tagid: String,
    pub name: String,
    pub description: Option<String>,
    pub create_date: i64,
    pub doc_id: Option<String>,
}

impl Tag {
    pub fn from_doc(mut doc: Doc) -> Result<(Tag, Leftover), RecordError> {
        let row = Tag {
            doc_id: Some(doc.id()?),
            tagid: doc.required_str("tagid")?,
            name: doc.required_str("name")?,
            description: doc.str("description")?,
            create_date: doc.date("create_date")?.unwrap_or(0),
        };
        Ok((row, leftover(doc)))
    }

    pub fn to_doc(&self) -> Map<String, Value> {
        let mut d = Map::new();
        let id = self
            .doc_id
            .clone()
            .unwrap_or_else(|| derived_id(Collection::Tags, self.create_date, &self.tagid));
        put(&mut d, "_id", Some(json!(id)));
        put(&mut d, "tagid", Some(json!(self.tagid)));
        put(&mut d, "name", Some(json!(self.name)));
        put(
            &mut d,
            "description",
            self.description.clone().map(Value::from),
        );
        put(&mut d, "create_date", Some(json!(self.create_date)));
        d
    }
}

/// A uni-id-log row. unid's own `method` and `platform` columns are not uni-id's and are
/// neither imported nor exported.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = uni_id_log)]
#[diesel(treat_none_as_default_value = false)]
pub struct LogEntry {
    pub appid: Option<String>,
    pub device_id: Option<String>,
    pub ip: Option<String>,
    pub type_: String,
    pub ua: Option<String>,
    pub create_date: i64,
    pub state: i32,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub doc_id: Option<String>,
}

impl LogEntry {
    pub fn from_doc(mut doc: Doc) -> Result<(LogEntry, Leftover), RecordError> {
        let row = LogEntry {
            doc_id: Some(doc.id()?),
            appid: doc.str("appid")?,
            device_id: doc.str("device_id")?,
            ip: doc.str("ip")?,
            type_: doc.required_str("type")?,
            ua: doc.str("ua")?,
            create_date: doc
                .date("create_date")?
                .ok_or_else(|| RecordError::Missing {
                    field: "create_date".into(),
                })?,
            state: doc.int32("state")?.unwrap_or(0),
            user_id: doc.str("user_id")?,
            username: doc.str("username")?,
            email: doc.str("email")?,
            // As unid's own rows have it; a number that is not one stays as written.
            mobile: doc.str("mobile")?.map(|m| phone::to_e164(&m).unwrap_or(m)),
        };
        Ok((row, leftover(doc)))
    }

    /// `serial`: the row's own id, for the derived `_id` of a row unid wrote.
    pub fn to_doc(&self, serial: i64) -> Map<String, Value> {
        let mut d = Map::new();
        let id = self
            .doc_id
            .clone()
            .unwrap_or_else(|| derived_id(Collection::Log, self.create_date, &serial.to_string()));
        put(&mut d, "_id", Some(json!(id)));
        put(&mut d, "appid", self.appid.clone().map(Value::from));
        put(&mut d, "device_id", self.device_id.clone().map(Value::from));
        put(&mut d, "ip", self.ip.clone().map(Value::from));
        put(&mut d, "type", Some(json!(self.type_)));
        put(&mut d, "ua", self.ua.clone().map(Value::from));
        put(&mut d, "create_date", Some(json!(self.create_date)));
        put(&mut d, "state", Some(json!(self.state)));
        put(&mut d, "user_id", self.user_id.clone().map(Value::from));
        put(&mut d, "username", self.username.clone().map(Value::from));
        put(&mut d, "email", self.email.clone().map(Value::from));
        put(
            &mut d,
            "mobile",
            self.mobile.as_deref().map(|m| json!(uni_id_mobile(m))),
        );
        d
    }
}

/// A uni-id-device row: which user a device pushes to. Fields beyond the columns are `extra`.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = devices)]
#[diesel(treat_none_as_default_value = false)]
pub struct Device {
    pub user_id: String,
    pub device_id: String,
    pub appid: Option<String>,
    pub push_clientid: Option<String>,
    pub token_expired: i64,
    pub create_date: i64,
    pub last_active_date: Option<i64>,
    pub last_active_ip: Option<String>,
    pub doc_id: Option<String>,
    pub extra: Option<String>,
}

impl Device {
    pub fn from_doc(mut doc: Doc) -> Result<Device, RecordError> {
        Ok(Device {
            doc_id: Some(doc.id()?),
            user_id: doc.required_str("user_id")?,
            device_id: doc.required_str("device_id")?,
            appid: doc.str("appid")?,
            push_clientid: doc.str("push_clientid")?,
            token_expired: doc.date("token_expired")?.unwrap_or(0),
            create_date: doc.date("create_date")?.unwrap_or(0),
            last_active_date: doc.date("last_active_date")?,
            last_active_ip: doc.str("last_active_ip")?,
            extra: doc.rest(),
        })
    }

    pub fn to_doc(&self, serial: i64) -> Map<String, Value> {
        let mut d = Map::new();
        let id = self.doc_id.clone().unwrap_or_else(|| {
            derived_id(Collection::Devices, self.create_date, &serial.to_string())
        });
        put(&mut d, "_id", Some(json!(id)));
        put(&mut d, "user_id", Some(json!(self.user_id)));
        put(&mut d, "device_id", Some(json!(self.device_id)));
        put(&mut d, "appid", self.appid.clone().map(Value::from));
        put(
            &mut d,
            "push_clientid",
            self.push_clientid.clone().map(Value::from),
        );
        put(&mut d, "token_expired", Some(json!(self.token_expired)));
        put(&mut d, "create_date", Some(json!(self.create_date)));
        put(
            &mut d,
            "last_active_date",
            self.last_active_date.map(Value::from),
        );
        put(
            &mut d,
            "last_active_ip",
            self.last_active_ip.clone().map(Value::from),
        );
        merge_extra(&mut d, self.extra.as_deref());
        d
    }
}

/// An opendb-device row: what a device said it is. Fields beyond the columns are `extra`.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = opendb_devices)]
#[diesel(treat_none_as_default_value = false)]
pub struct OpendbDevice {
    pub device_id: String,
    pub appid: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub uni_platform: Option<String>,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
    pub push_clientid: Option<String>,
    pub extra: Option<String>,
    pub create_date: i64,
    pub last_update_date: i64,
    pub doc_id: Option<String>,
}

impl OpendbDevice {
    pub fn from_doc(mut doc: Doc) -> Result<OpendbDevice, RecordError> {
        let doc_id = Some(doc.id()?);
        let device_id = doc.required_str("device_id")?;
        let create_date = doc.date("create_date")?.unwrap_or(0);
        Ok(OpendbDevice {
            appid: doc.str("appid")?,
            vendor: doc.str("vendor")?,
            model: doc.str("model")?,
            uni_platform: doc.str("uni_platform")?,
            os_name: doc.str("os_name")?,
            os_version: doc.str("os_version")?,
            push_clientid: doc.str("push_clientid")?,
            last_update_date: doc.date("last_update_date")?.unwrap_or(create_date),
            extra: doc.rest(),
            device_id,
            create_date,
            doc_id,
        })
    }

    pub fn to_doc(&self) -> Map<String, Value> {
        let mut d = Map::new();
        let id = self.doc_id.clone().unwrap_or_else(|| {
            derived_id(Collection::OpendbDevices, self.create_date, &self.device_id)
        });
        put(&mut d, "_id", Some(json!(id)));
        put(&mut d, "device_id", Some(json!(self.device_id)));
        put(&mut d, "appid", self.appid.clone().map(Value::from));
        put(&mut d, "vendor", self.vendor.clone().map(Value::from));
        put(&mut d, "model", self.model.clone().map(Value::from));
        put(
            &mut d,
            "uni_platform",
            self.uni_platform.clone().map(Value::from),
        );
        put(&mut d, "os_name", self.os_name.clone().map(Value::from));
        put(
            &mut d,
            "os_version",
            self.os_version.clone().map(Value::from),
        );
        put(
            &mut d,
            "push_clientid",
            self.push_clientid.clone().map(Value::from),
        );
        put(&mut d, "create_date", Some(json!(self.create_date)));
        put(
            &mut d,
            "last_update_date",
            Some(json!(self.last_update_date)),
        );
        merge_extra(&mut d, self.extra.as_deref());
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_look_like_object_ids_and_are_stable() {
        let a = derived_id(Collection::Roles, 1_700_000_000_000, "admin");
        assert!(crate::ids::is_id(&a), "{a}");
        assert!(a.starts_with("6553f100"));
        assert_eq!(a, derived_id(Collection::Roles, 1_700_000_000_000, "admin"));
        assert_ne!(a, derived_id(Collection::Tags, 1_700_000_000_000, "admin"));
    }

    #[test]
    fn devices_keep_unknown_fields() {
        let line = r#"{"_id":"d1","user_id":"u","device_id":"dev","imei":"1","os_name":"ios","token_expired":5}"#;
        let d = Device::from_doc(Doc::parse(line).expect("JSON")).expect("a device");
        let doc = Value::Object(d.to_doc(1));
        let back = Device::from_doc(Doc::parse(&doc.to_string()).expect("JSON")).expect("again");
        assert_eq!(back, d);
        assert_eq!(doc["imei"], "1");
    }

    #[test]
    fn a_role_needs_its_id_and_name() {
        let err = Role::from_doc(Doc::parse(r#"{"_id":"r","role_name":"x"}"#).expect("JSON"));
        assert_eq!(
            err.map(|_| ()).map_err(|e| e.to_string()),
            Err("`role_id` is missing".to_string())
        );
    }
}
