//! A `uni-id-users` document (spec §12.1) and unid's rows for it, both ways.
//!
//! The rows are `users` (the document's scalar fields; JSON-valued ones as JSON text; every
//! field unid has no column for in `extra`), `user_apps` (`dcloud_appid`; absent means every
//! app, which unid writes as the app `*`), `user_roles` (`role`), `user_third_party`
//! (`wx_openid.<platform>`, `wx_unionid`, `qq_*`, `ali_openid`, `apple_openid`, any other
//! `<provider>_openid` / `<provider>_unionid` such as `huawei_openid`, and the
//! `externalDirectConnect` entry of `identities`, named as the login plugins name them, so an
//! imported WeChat user signs in with WeChat) and `user_realname` (`realname_auth`).
//!
//! Three fields are deliberately not kept: `token` (uni-id's live JWTs; unid's sessions are
//! its own token rows, and bearer tokens have no place in a JSON column), `login_ip_limit`
//! (uni-id's password-failure counters; unid throttles by its own counters) and `third_party`
//! (provider session keys and access tokens, expired long before an import).

use diesel::prelude::*;
use serde_json::{Map, Value, json};

use super::records::{Doc, RecordError};
use crate::accounts::phone;
use crate::db::models::third_party::ThirdPartyId;
use crate::db::schema::{user_realname, users};

/// uni-id's third-party fields and how unid's plugins name them (provider, kind).
const THIRD_PARTY_FIELDS: [(&str, &str, &str); 6] = [
    ("wx_openid", "weixin", "openid"),
    ("wx_unionid", "weixin", "unionid"),
    ("qq_openid", "qq", "openid"),
    ("qq_unionid", "qq", "unionid"),
    ("ali_openid", "alipay", "openid"),
    ("apple_openid", "apple", "openid"),
];

/// A third-party id field named as uni-id names them, `<provider>_openid` or
/// `<provider>_unionid`, asked of the fields left once those of [`THIRD_PARTY_FIELDS`] are
/// taken: uni-id 1.1.25's `huawei_openid` and `huawei_unionid`, and what an export writes for a
/// provider of a login plugin that uni-id does not know (see [`third_party_fields`]), so that
/// such ids come back as ids, not as opaque extra fields. Returns the provider and the kind.
fn other_provider_field(field: &str) -> Option<(String, &'static str)> {
    let (provider, kind) = field.rsplit_once('_')?;
    let kind = ["openid", "unionid"].into_iter().find(|k| *k == kind)?;
    let simple = provider.starts_with(|c: char| c.is_ascii_lowercase())
        && provider
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    simple.then(|| (provider.to_string(), kind))
}

/// Whether `value` has the shape of a third-party id field: see [`third_party_ids`].
fn ids_shaped(value: &Value) -> bool {
    match value {
        Value::String(_) => true,
        Value::Object(map) => map.values().all(|v| v.is_string() || v.is_null()),
        _ => false,
    }
}

/// Whether `value` is an object of platforms that holds no id (`huawei_openid: {}`, or every
/// platform `null`): kept verbatim among the extra fields, so a round trip gives it back.
fn holds_no_id(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|map| map.values().all(Value::is_null))
}

/// unid's own field for the third-party ids that no uni-id field can carry: a login plugin's
/// kind other than `openid` / `unionid` (a `user_id`, say), or a provider whose name is not
/// lower-case letters and digits, which `<provider>_<kind>` would not name unambiguously.
/// A list of `{provider, kind, platform, value}`; uni-id keeps it as an unknown field.
pub const OTHER_IDS: &str = "unid_third_party";

/// The [`OTHER_IDS`] list as ids.
fn other_ids(value: Value, ids: &mut Vec<ThirdPartyId>) -> Result<(), RecordError> {
    let shape = || {
        RecordError::invalid(
            OTHER_IDS,
            "expected a list of {provider, kind, platform, value} strings",
        )
    };
    let Value::Array(entries) = value else {
        return Err(shape());
    };
    for entry in entries {
        let text = |key: &str| match entry.get(key) {
            Some(Value::String(s)) => Some(s.as_str()),
            None | Some(Value::Null) if key == "platform" => Some(""),
            _ => None,
        };
        match (
            text("provider"),
            text("kind"),
            text("platform"),
            text("value"),
        ) {
            (Some(p), Some(k), Some(pf), Some(v)) if !p.is_empty() && !k.is_empty() => {
                ids.push(ThirdPartyId::new(p, k, pf, v));
            }
            _ => return Err(shape()),
        }
    }
    Ok(())
}

/// `value`, the field `field`, as ids of `provider`: a plain string (no platform) or an object
/// of strings by platform (`wx_openid: {mp: …, app: …}`).
fn third_party_ids(
    value: Value,
    field: &str,
    provider: &str,
    kind: &str,
    ids: &mut Vec<ThirdPartyId>,
) -> Result<(), RecordError> {
    match value {
        Value::String(v) => ids.push(ThirdPartyId::new(provider, kind, "", &v)),
        Value::Object(per_platform) => {
            for (platform, v) in per_platform {
                match v {
                    Value::String(v) => ids.push(ThirdPartyId::new(provider, kind, &platform, &v)),
                    Value::Null => {}
                    _ => {
                        return Err(RecordError::invalid(
                            &format!("{field}.{platform}"),
                            "expected a string",
                        ));
                    }
                }
            }
        }
        _ => {
            return Err(RecordError::invalid(
                field,
                "expected a string or an object of strings",
            ));
        }
    }
    Ok(())
}

/// The provider of `identities` entries made by `externalRegister` (spec §1.3); the entry's
/// `uid` is the user's id in the external system.
pub const EXTERNAL: &str = "externalDirectConnect";

/// Fields dropped on import (see the module doc).
pub const DROPPED: [&str; 3] = ["token", "login_ip_limit", "third_party"];

/// A `users` row, every column (the shared `NewUser` leaves out `valid_token_date` and `extra`).
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_default_value = false)]
pub struct UserFields {
    pub id: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_secret_version: Option<i64>,
    pub nickname: Option<String>,
    pub gender: Option<i32>,
    pub avatar: Option<String>,
    pub avatar_file: Option<String>,
    pub mobile: Option<String>,
    pub mobile_confirmed: i32,
    pub email: Option<String>,
    pub email_confirmed: i32,
    pub status: i32,
    pub my_invite_code: Option<String>,
    pub inviter_uid: Option<String>,
    pub invite_time: Option<i64>,
    pub register_date: Option<i64>,
    pub register_env: Option<String>,
    pub last_login_date: Option<i64>,
    pub last_login_ip: Option<String>,
    pub valid_token_date: Option<i64>,
    pub tags: Option<String>,
    pub extra: Option<String>,
}

/// `realname_auth`: its status and encrypted ID number as columns, the whole object as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = user_realname)]
#[diesel(treat_none_as_default_value = false)]
pub struct Realname {
    pub user_id: String,
    pub auth_status: i32,
    pub identity: Option<String>,
    pub auth: String,
}

/// One user as rows. Lists are sorted as unid reads them back, so two of these compare equal
/// exactly when the database holds the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRows {
    pub user: UserFields,
    pub apps: Vec<String>,
    pub roles: Vec<String>,
    pub third_party: Vec<ThirdPartyId>,
    pub realname: Option<Realname>,
}

impl UserRows {
    /// Reads a document; the error names the first field unid cannot take.
    pub fn from_doc(mut doc: Doc) -> Result<UserRows, RecordError> {
        let id = doc.id()?;
        if !crate::ids::is_id(&id) {
            return Err(RecordError::invalid("_id", "not a 24-hex user id"));
        }
        let identifier = |v: Option<String>| v.filter(|s| !s.is_empty());
        let mobile = match identifier(doc.str("mobile")?) {
            None => None,
            Some(m) => Some(phone::to_e164(&m).ok_or_else(|| {
                RecordError::invalid("mobile", "not a mainland or +E.164 mobile number")
            })?),
        };
        let json_text = |v: Option<Value>| v.map(|v| v.to_string());
        let list_text = |v: Option<Vec<String>>| v.map(|l| json!(l).to_string());
        let mut user = UserFields {
            username: identifier(doc.str("username")?),
            password: doc.str("password")?,
            password_secret_version: doc.int("password_secret_version")?,
            nickname: doc.str("nickname")?,
            gender: doc.int32("gender")?,
            avatar: doc.str("avatar")?,
            avatar_file: json_text(doc.any("avatar_file")),
            mobile,
            mobile_confirmed: doc.flag("mobile_confirmed")?,
            email: identifier(doc.str("email")?),
            email_confirmed: doc.flag("email_confirmed")?,
            status: doc.int32("status")?.unwrap_or(0),
            my_invite_code: identifier(doc.str("my_invite_code")?),
            inviter_uid: list_text(doc.str_list("inviter_uid")?),
            invite_time: doc.date("invite_time")?,
            register_date: doc.date("register_date")?,
            register_env: json_text(doc.object("register_env")?.map(Value::Object)),
            last_login_date: doc.date("last_login_date")?,
            last_login_ip: doc.str("last_login_ip")?,
            valid_token_date: doc.date("valid_token_date")?,
            tags: list_text(doc.str_list("tags")?),
            id,
            extra: None,
        };
        let mut roles = doc.str_list("role")?.unwrap_or_default();
        roles.sort();
        roles.dedup();
        // uni-id: no `dcloud_appid` lets the user into every app (a user from before apps).
        let mut apps = doc
            .str_list("dcloud_appid")?
            .unwrap_or_else(|| vec!["*".to_string()]);
        apps.sort();
        apps.dedup();
        let mut third_party = Vec::new();
        for (field, provider, kind) in THIRD_PARTY_FIELDS {
            match doc.any(field) {
                Some(value) if holds_no_id(&value) => doc.put(field, value),
                Some(value) => third_party_ids(value, field, provider, kind, &mut third_party)?,
                None => {}
            }
        }
        for field in doc.names() {
            let Some((provider, kind)) = other_provider_field(&field) else {
                continue;
            };
            match doc.any(&field) {
                // A field of the project's own that merely looks like one stays as it was.
                Some(value) if !ids_shaped(&value) || holds_no_id(&value) => doc.put(&field, value),
                Some(value) => third_party_ids(value, &field, &provider, kind, &mut third_party)?,
                None => {}
            }
        }
        if let Some(value) = doc.any(OTHER_IDS) {
            other_ids(value, &mut third_party)?;
        }
        if let Some(identities) = doc.any("identities") {
            if let Some(uid) = external_uid(&identities)? {
                third_party.push(ThirdPartyId::new(EXTERNAL, "uid", "", &uid));
            }
            // The whole list stays in `extra`: its `userInfo` has no column.
            doc.put("identities", identities);
        }
        third_party.sort_by(|a, b| {
            (&a.provider, &a.kind, &a.platform).cmp(&(&b.provider, &b.kind, &b.platform))
        });
        if let Some(pair) = third_party.windows(2).find(|w| w[0].same_slot(&w[1])) {
            return Err(RecordError::invalid(
                OTHER_IDS,
                format!(
                    "a second {} {} id for the platform {:?}",
                    pair[1].provider, pair[1].kind, pair[1].platform
                ),
            ));
        }
        let realname = match doc.object("realname_auth")? {
            None => None,
            Some(auth) => Some(Realname {
                user_id: user.id.clone(),
                auth_status: match auth.get("auth_status") {
                    None | Some(Value::Null) => 0,
                    Some(v) => v
                        .as_i64()
                        .and_then(|n| i32::try_from(n).ok())
                        .ok_or_else(|| {
                            RecordError::invalid(
                                "realname_auth.auth_status",
                                "expected a whole number",
                            )
                        })?,
                },
                identity: match auth.get("identity") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(_) => {
                        return Err(RecordError::invalid(
                            "realname_auth.identity",
                            "expected a string",
                        ));
                    }
                },
                auth: Value::Object(auth).to_string(),
            }),
        };
        for field in DROPPED {
            doc.drop_field(field);
        }
        user.extra = doc.rest();
        Ok(UserRows {
            user,
            apps,
            roles,
            third_party,
            realname,
        })
    }

    /// The `user_identities` rows registration would write for this user
    /// (`users::sync_identities`): each identifier it is unique by, in each of its apps.
    /// `(app_id, kind, value)`.
    pub fn ledger(&self) -> Vec<(String, String, String)> {
        let u = &self.user;
        let mut idents: Vec<(String, String)> = Vec::new();
        if let Some(name) = &u.username {
            idents.push(("username".into(), name.to_lowercase()));
        }
        if let (Some(m), 1) = (&u.mobile, u.mobile_confirmed) {
            idents.push(("mobile".into(), m.clone()));
        }
        if let (Some(e), 1) = (&u.email, u.email_confirmed) {
            idents.push(("email".into(), e.to_lowercase()));
        }
        idents.extend(
            self.third_party
                .iter()
                .map(|id| (id.ledger_kind(), id.value.clone())),
        );
        self.apps
            .iter()
            .flat_map(|app| {
                idents
                    .iter()
                    .map(move |(kind, value)| (app.clone(), kind.clone(), value.clone()))
            })
            .collect()
    }

    /// The document as uni-id stores it: `_id` strings, dates as epoch ms, mainland mobiles
    /// without `+86`, `extra`'s fields back at the top level.
    pub fn to_doc(&self) -> Map<String, Value> {
        let u = &self.user;
        let mut doc = Map::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(v) = value {
                doc.insert(key.to_string(), v);
            }
        };
        put("_id", Some(json!(u.id)));
        put("username", u.username.clone().map(Value::from));
        put("password", u.password.clone().map(Value::from));
        put(
            "password_secret_version",
            u.password_secret_version.map(Value::from),
        );
        put("nickname", u.nickname.clone().map(Value::from));
        put("gender", u.gender.map(Value::from));
        put("avatar", u.avatar.clone().map(Value::from));
        put("avatar_file", u.avatar_file.as_deref().map(parse_json));
        put(
            "mobile",
            u.mobile.as_deref().map(|m| json!(uni_id_mobile(m))),
        );
        if u.mobile.is_some() || u.mobile_confirmed != 0 {
            put("mobile_confirmed", Some(json!(u.mobile_confirmed)));
        }
        put("email", u.email.clone().map(Value::from));
        if u.email.is_some() || u.email_confirmed != 0 {
            put("email_confirmed", Some(json!(u.email_confirmed)));
        }
        put("status", Some(json!(u.status)));
        put("my_invite_code", u.my_invite_code.clone().map(Value::from));
        put("inviter_uid", u.inviter_uid.as_deref().map(parse_json));
        put("invite_time", u.invite_time.map(Value::from));
        put("register_date", u.register_date.map(Value::from));
        put("register_env", u.register_env.as_deref().map(parse_json));
        put("last_login_date", u.last_login_date.map(Value::from));
        put("last_login_ip", u.last_login_ip.clone().map(Value::from));
        put("valid_token_date", u.valid_token_date.map(Value::from));
        put("tags", u.tags.as_deref().map(parse_json));
        put("role", Some(json!(self.roles)));
        // Every app, and nothing else, is uni-id's "no dcloud_appid".
        if self.apps != ["*"] {
            put("dcloud_appid", Some(json!(self.apps)));
        }
        put(
            "realname_auth",
            self.realname.as_ref().map(|r| parse_json(&r.auth)),
        );
        let mut extra = match u.extra.as_deref().map(parse_json) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let identities = identities(extra.remove("identities"), &self.third_party);
        let (fields, others) = third_party_fields(&self.third_party);
        for (field, value) in fields {
            put(&field, Some(value));
        }
        if !others.is_empty() {
            put(OTHER_IDS, Some(Value::Array(others)));
        }
        put("identities", identities);
        // unid's own columns win over a stale copy in `extra`.
        for (key, value) in extra {
            doc.entry(key).or_insert(value);
        }
        doc
    }
}

/// The `uid` of the `externalDirectConnect` entry of `identities`, if there is one.
fn external_uid(identities: &Value) -> Result<Option<String>, RecordError> {
    let Value::Array(entries) = identities else {
        return Err(RecordError::invalid(
            "identities",
            "expected an array of objects",
        ));
    };
    let mut found = None;
    for entry in entries {
        if entry.get("provider").and_then(Value::as_str) != Some(EXTERNAL) {
            continue;
        }
        let uid = match entry.get("uid") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            // uni-id writes whatever the external system sent; numbers are ids too.
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(RecordError::invalid(
                    "identities",
                    "an externalDirectConnect entry without a `uid`",
                ));
            }
        };
        if found.replace(uid).is_some() {
            return Err(RecordError::invalid(
                "identities",
                "more than one externalDirectConnect entry",
            ));
        }
    }
    Ok(found)
}

/// `identities` for export: the stored list with its `externalDirectConnect` entry replaced by
/// the current one (kept verbatim, `userInfo` included, when it names the same uid).
fn identities(stored: Option<Value>, third_party: &[ThirdPartyId]) -> Option<Value> {
    let stored = match stored {
        Some(Value::Array(entries)) => entries,
        _ => Vec::new(),
    };
    let current = third_party.iter().find(|id| id.provider == EXTERNAL);
    let is_external = |e: &Value| e.get("provider").and_then(Value::as_str) == Some(EXTERNAL);
    let same_uid = |e: &Value, uid: &str| match e.get("uid") {
        Some(Value::String(s)) => s == uid,
        Some(Value::Number(n)) => n.to_string() == uid,
        _ => false,
    };
    let mut out: Vec<Value> = Vec::new();
    let mut placed = false;
    for entry in stored {
        if !is_external(&entry) {
            out.push(entry);
        } else if !placed && current.is_some_and(|id| same_uid(&entry, &id.value)) {
            out.push(entry);
            placed = true;
        }
    }
    if let Some(id) = current.filter(|_| !placed) {
        out.push(json!({"provider": EXTERNAL, "uid": id.value}));
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

/// `wx_openid: {mp, app___UNI_A…}`, `wx_unionid: "…"`… from the rows. An id with no platform
/// is the field's plain string; a provider unid does not know by a uni-id name is written as
/// `<provider>_<kind>` when an import reads that name back as this provider and kind (see
/// [`other_provider_field`]), and otherwise as an entry of the second list, [`OTHER_IDS`].
fn third_party_fields(ids: &[ThirdPartyId]) -> (Vec<(String, Value)>, Vec<Value>) {
    let mut fields: Vec<(String, Value)> = Vec::new();
    let mut others = Vec::new();
    for id in ids.iter().filter(|id| id.provider != EXTERNAL) {
        let known = THIRD_PARTY_FIELDS
            .iter()
            .find(|(_, p, k)| *p == id.provider && *k == id.kind)
            .map(|(f, _, _)| f.to_string());
        let named = || {
            let field = format!("{}_{}", id.provider, id.kind);
            let read_back = other_provider_field(&field);
            // `ali_openid` of a provider named `ali` would come back as Alipay's.
            let taken = THIRD_PARTY_FIELDS.iter().any(|(f, _, _)| *f == field);
            (!taken && read_back == Some((id.provider.clone(), id.kind.as_str()))).then_some(field)
        };
        let Some(field) = known.or_else(named) else {
            others.push(json!({
                "provider": id.provider,
                "kind": id.kind,
                "platform": id.platform,
                "value": id.value,
            }));
            continue;
        };
        let slot = match fields.iter().position(|(f, _)| *f == field) {
            Some(i) => &mut fields[i].1,
            None => {
                fields.push((field, Value::Null));
                let last = fields.len() - 1;
                &mut fields[last].1
            }
        };
        if id.platform.is_empty() && slot.is_null() {
            *slot = json!(id.value);
        } else {
            // A plain value beside per-platform ones keeps its place under the key "".
            if let Value::String(plain) = slot.clone() {
                *slot = json!({"": plain});
            }
            if slot.is_null() {
                *slot = json!({});
            }
            if let Value::Object(map) = slot {
                map.insert(id.platform.clone(), json!(id.value));
            }
        }
    }
    (fields, others)
}

/// `+8613800138000` → `13800138000` as uni-id stores mainland numbers; others stay E.164.
pub fn uni_id_mobile(e164: &str) -> String {
    match e164.strip_prefix("+86") {
        Some(national) if national.len() == 11 && national.starts_with('1') => national.into(),
        _ => e164.to_string(),
    }
}

/// A JSON-text column; text that is not JSON (never written by unid) is exported as a string.
fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(line: &str) -> Result<UserRows, RecordError> {
        UserRows::from_doc(Doc::parse(line)?)
    }

    const FULL: &str = r#"{"_id":{"$oid":"6553f1000000000000000001"},"username":"Alice","password":"0123456789abcdef0123456789abcdef01234567","password_secret_version":2,"nickname":"A","gender":2,"avatar_file":{"name":"a.png","extname":"png","url":"https://x/a.png"},"mobile":"13800138000","mobile_confirmed":1,"email":"A@Example.com","email_confirmed":1,"status":0,"role":["editor","admin","editor"],"tags":["vip"],"dcloud_appid":["__UNI__B","__UNI__A"],"wx_openid":{"mp":"o-mp","app___UNI__A":"o-app"},"wx_unionid":"u-1","apple_openid":"apple.1","identities":[{"provider":"externalDirectConnect","uid":"ext-9","userInfo":{"nick":"n"}}],"my_invite_code":"ABC123","inviter_uid":["6553f1000000000000000002"],"invite_time":{"$date":"2023-11-14T22:13:20Z"},"register_date":1700000000000,"register_env":{"appid":"__UNI__A","client_ip":"1.2.3.4"},"last_login_date":1700000001000,"last_login_ip":"1.2.3.4","realname_auth":{"auth_status":2,"identity":"enc","real_name":"enc2","type":0},"score":7,"token":["jwt"],"third_party":{"mp_weixin":{"session_key":"k"}}}"#;

    #[test]
    fn a_full_document_maps_to_rows() {
        let r = rows(FULL).expect("a valid user");
        assert_eq!(r.user.mobile.as_deref(), Some("+8613800138000"));
        assert_eq!(r.roles, ["admin", "editor"]);
        assert_eq!(r.apps, ["__UNI__A", "__UNI__B"]);
        assert_eq!(r.user.invite_time, Some(1_700_000_000_000));
        assert_eq!(r.user.tags.as_deref(), Some(r#"["vip"]"#));
        assert_eq!(
            r.third_party,
            vec![
                ThirdPartyId::new("apple", "openid", "", "apple.1"),
                ThirdPartyId::new(EXTERNAL, "uid", "", "ext-9"),
                ThirdPartyId::new("weixin", "openid", "app___UNI__A", "o-app"),
                ThirdPartyId::new("weixin", "openid", "mp", "o-mp"),
                ThirdPartyId::new("weixin", "unionid", "", "u-1"),
            ]
        );
        let realname = r.realname.as_ref().expect("realname_auth");
        assert_eq!(
            (realname.auth_status, realname.identity.as_deref()),
            (2, Some("enc"))
        );
        let extra: Value =
            serde_json::from_str(r.user.extra.as_deref().expect("extra")).expect("JSON");
        assert_eq!(extra["score"], 7);
        assert!(extra.get("token").is_none() && extra.get("third_party").is_none());
        // Both apps, and each identifier in each: username, mobile, email, four provider ids.
        let ledger = r.ledger();
        assert_eq!(ledger.len(), 2 * 8);
        assert!(ledger.contains(&("__UNI__A".into(), "username".into(), "alice".into())));
        assert!(ledger.contains(&("__UNI__B".into(), "email".into(), "a@example.com".into())));
        assert!(ledger.contains(&("__UNI__A".into(), "weixin:openid:mp".into(), "o-mp".into())));
    }

    #[test]
    fn export_then_import_gives_the_same_rows() {
        let r = rows(FULL).expect("a valid user");
        let doc = r.to_doc();
        assert_eq!(doc["mobile"], "13800138000");
        assert_eq!(
            doc["wx_openid"],
            json!({"mp": "o-mp", "app___UNI__A": "o-app"})
        );
        assert_eq!(doc["identities"][0]["userInfo"]["nick"], "n");
        assert_eq!(doc["score"], 7);
        let again = rows(&Value::Object(doc).to_string()).expect("its own export");
        assert_eq!(again, r);
    }

    #[test]
    fn other_providers_ids_are_ids_both_ways() {
        let line = r#"{"_id":"6553f1000000000000000001","huawei_openid":{"app-harmony":"h-1"},"huawei_unionid":"hu-1","github_openid":"g-1","score_openid":7,"Odd_openid":"x","my_openid_list":"y"}"#;
        let r = rows(line).expect("a valid user");
        assert_eq!(
            r.third_party,
            [
                ThirdPartyId::new("github", "openid", "", "g-1"),
                ThirdPartyId::new("huawei", "openid", "app-harmony", "h-1"),
                ThirdPartyId::new("huawei", "unionid", "", "hu-1"),
            ]
        );
        // Every identifier is in the ledger, as a plugin's login would look it up.
        assert!(r.ledger().contains(&(
            "*".into(),
            "huawei:openid:app-harmony".into(),
            "h-1".into()
        )));
        // Not shaped or not named like an id: left as the project's own fields.
        let extra: Value =
            serde_json::from_str(r.user.extra.as_deref().expect("extra")).expect("JSON");
        assert_eq!(
            extra,
            json!({"score_openid": 7, "Odd_openid": "x", "my_openid_list": "y"})
        );
        let doc = r.to_doc();
        assert_eq!(doc["huawei_openid"], json!({"app-harmony": "h-1"}));
        assert_eq!(doc["github_openid"], "g-1");
        let again = rows(&Value::Object(doc).to_string()).expect("its own export");
        assert_eq!(again, r);
    }

    #[test]
    fn third_party_objects_without_an_id_come_back_as_they_were() {
        let line = r#"{"_id":"6553f1000000000000000001","huawei_openid":{},"wx_openid":{"mp":null},"qq_openid":{},"apple_openid":"a-1"}"#;
        let r = rows(line).expect("a valid user");
        assert_eq!(
            r.third_party,
            [ThirdPartyId::new("apple", "openid", "", "a-1")]
        );
        assert!(
            r.ledger()
                .iter()
                .all(|(_, kind, _)| kind == "apple:openid:")
        );
        let doc = r.to_doc();
        assert_eq!(doc["huawei_openid"], json!({}));
        assert_eq!(doc["wx_openid"], json!({"mp": null}));
        assert_eq!(doc["qq_openid"], json!({}));
        let again = rows(&Value::Object(doc).to_string()).expect("its own export");
        assert_eq!(again, r);
        // An id given later (a WeChat sign-in) wins over the empty object kept from the import.
        let mut signed_in = r.clone();
        signed_in
            .third_party
            .push(ThirdPartyId::new("weixin", "openid", "mp", "o-1"));
        assert_eq!(signed_in.to_doc()["wx_openid"], json!({"mp": "o-1"}));
    }

    #[test]
    fn ids_no_uni_id_field_can_carry_come_back_through_unid_third_party() {
        let ids = [
            ThirdPartyId::new("ali", "openid", "", "not-alipay"),
            ThirdPartyId::new("feishu", "user_id", "", "f-1"),
            ThirdPartyId::new("huawei", "openid", "", "h-1"),
            ThirdPartyId::new("my-sso", "openid", "web", "s-1"),
            ThirdPartyId::new("weixin", "openid", "mp", "o-1"),
        ];
        let mut r = rows(r#"{"_id":"6553f1000000000000000001"}"#).expect("a valid user");
        r.third_party = ids.to_vec();
        let doc = r.to_doc();
        assert_eq!(doc["huawei_openid"], "h-1");
        assert_eq!(doc["wx_openid"], json!({"mp": "o-1"}));
        assert_eq!(
            doc[OTHER_IDS],
            json!([
                {"provider": "ali", "kind": "openid", "platform": "", "value": "not-alipay"},
                {"provider": "feishu", "kind": "user_id", "platform": "", "value": "f-1"},
                {"provider": "my-sso", "kind": "openid", "platform": "web", "value": "s-1"},
            ])
        );
        assert!(doc.get("ali_openid").is_none() && doc.get("feishu_user_id").is_none());
        let again = rows(&Value::Object(doc).to_string()).expect("its own export");
        assert_eq!(again, r);
        assert!(again.user.extra.is_none());
    }

    #[test]
    fn a_bad_unid_third_party_list_is_named() {
        let err = |list: &str| {
            rows(&format!(
                r#"{{"_id":"6553f1000000000000000001","wx_openid":{{"mp":"o-1"}},"unid_third_party":{list}}}"#
            ))
            .map(|_| ())
            .map_err(|e| e.to_string())
        };
        assert!(err(r#"[{"provider":"x","kind":"openid","value":"v"}]"#).is_ok());
        for bad in [
            r#"{"provider":"x"}"#,
            r#"[{"provider":"x","kind":"openid"}]"#,
            r#"[{"provider":"","kind":"openid","value":"v"}]"#,
            r#"[{"provider":"x","kind":"openid","value":7}]"#,
            r#"["x"]"#,
        ] {
            let e = err(bad).expect_err(bad);
            assert!(e.contains("unid_third_party"), "{bad}: {e}");
        }
        let twice = err(r#"[{"provider":"weixin","kind":"openid","platform":"mp","value":"o-2"}]"#)
            .expect_err("two ids in one slot");
        assert!(twice.contains("a second weixin openid id"), "{twice}");
    }

    #[test]
    fn no_dcloud_appid_is_every_app_and_empty_is_none() {
        let every = rows(r#"{"_id":"6553f1000000000000000001"}"#).expect("valid");
        assert_eq!(every.apps, ["*"]);
        assert!(every.to_doc().get("dcloud_appid").is_none());
        let none = rows(r#"{"_id":"6553f1000000000000000001","dcloud_appid":[]}"#).expect("valid");
        assert!(none.apps.is_empty());
        assert_eq!(none.to_doc()["dcloud_appid"], json!([]));
    }

    #[test]
    fn bad_fields_are_named() {
        let err = |line: &str| rows(line).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(err(r#"{"username":"x"}"#), Err("no `_id`".into()));
        assert_eq!(
            err(r#"{"_id":"nothex"}"#),
            Err("`_id`: not a 24-hex user id".into())
        );
        assert_eq!(
            err(r#"{"_id":"6553f1000000000000000001","mobile":"12"}"#),
            Err("`mobile`: not a mainland or +E.164 mobile number".into())
        );
        assert_eq!(
            err(r#"{"_id":"6553f1000000000000000001","wx_openid":{"mp":1}}"#),
            Err("`wx_openid.mp`: expected a string".into())
        );
        assert_eq!(
            err(r#"{"_id":"6553f1000000000000000001","register_date":"soon"}"#),
            Err("`register_date`: \"soon\" is not a time".into())
        );
    }
}
