//! A made-up uniCloud export of a uni-id project, for `unid import`'s benchmark and tests:
//! `uni-id-users.jsonl` (half hmac-sha1 hashes under the string `passwordSecret`
//! [`PASSWORD_SECRET`], half `$UNI_ID_HMAC_SHA256$`; two apps and legacy users with no
//! `dcloud_appid`; roles, tags, confirmed and unconfirmed mobiles and e-mails, WeChat / QQ /
//! Apple ids, invite chains, real-name records, fields unid has no column for), plus
//! uni-id-roles, uni-id-permissions, uni-id-tag, uni-id-log, uni-id-device and opendb-device.
//! Some documents use the extended JSON forms (`{"$oid"}`, `{"$date"}`) a database export may
//! write. Everything follows from the user's number, so two runs write the same files.
//!
//! `cargo run --release --example uni_id_export -- <dir> [users, default 100000]`
//! then `unid import <dir> --config <a config with passwordSecret = "passwordSecret-demo">`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::{Value, json};
use unid_core::config::PasswordHashKind;
use unid_core::config::effective::{PasswordSecret, SecretKind};
use unid_core::passwords::formats::hash_password;
use unid_core::secret::Secret;

/// uni-id's `passwordSecret` (the string form) the hmac-sha1 hashes were made with.
pub const PASSWORD_SECRET: &str = "passwordSecret-demo";
pub const APP_A: &str = "__UNI__IMPA";
pub const APP_B: &str = "__UNI__IMPB";
const BASE_MS: i64 = 1_600_000_000_000;

/// What a test needs to know about a generated user to sign in as them.
#[derive(Debug, Clone)]
#[allow(
    dead_code,
    reason = "read by tests/it/transfer.rs, which includes this file; not by main"
)]
pub struct Sample {
    pub uid: String,
    pub username: String,
    pub password: String,
    /// `None`: no `dcloud_appid` (every app).
    pub apps: Option<Vec<&'static str>>,
    pub roles: Vec<&'static str>,
    pub status: i64,
    pub weixin_mp: Option<String>,
}

pub fn uid(i: usize) -> String {
    format!("{:08x}{:016x}", (BASE_MS / 1000) as u64 + i as u64 * 60, i)
}

/// Six characters of uni-id's invite-code alphabet, one code per user.
fn invite_code(i: usize) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    (0..6)
        .map(|k| char::from(ALPHABET[(i >> (5 * k)) % 32]))
        .collect()
}

/// Writes an export of `users` users into `dir`; returns them.
pub fn generate(dir: &Path, users: usize) -> std::io::Result<Vec<Sample>> {
    std::fs::create_dir_all(dir)?;
    let file = |name: &str| -> std::io::Result<BufWriter<File>> {
        Ok(BufWriter::with_capacity(
            1 << 20,
            File::create(dir.join(name))?,
        ))
    };
    let line = |out: &mut BufWriter<File>, v: &Value| -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, v)?;
        out.write_all(b"\n")
    };
    let mut perms = file("uni-id-permissions.jsonl")?;
    for (k, (id, name)) in [
        ("article.edit", "Edit articles"),
        ("article.read", "Read articles"),
    ]
    .iter()
    .enumerate()
    {
        line(
            &mut perms,
            &json!({"_id": format!("64a000000000000000000{k:03}"), "permission_id": id, "permission_name": name, "create_date": BASE_MS}),
        )?;
    }
    perms.flush()?;
    let mut roles = file("uni-id-roles.json")?;
    for v in [
        json!({"_id": {"$oid": "64a000000000000000000100"}, "role_id": "admin", "role_name": "超级管理员", "permission": [], "comment": "超级管理员拥有所有权限", "create_date": 0}),
        json!({"_id": "64a000000000000000000101", "role_id": "editor", "role_name": "Editor", "permission": ["article.edit", "article.read"], "create_date": {"$date": "2020-09-13T12:26:40Z"}}),
        json!({"_id": "64a000000000000000000102", "role_id": "auditor", "role_name": "Auditor", "permission": ["article.read"], "comment": "reads only", "create_date": BASE_MS}),
    ] {
        line(&mut roles, &v)?;
    }
    roles.flush()?;
    let mut tags = file("uni-id-tag.jsonl")?;
    line(
        &mut tags,
        &json!({"_id": "64a000000000000000000200", "tagid": "vip", "name": "VIP", "description": "paying", "create_date": BASE_MS}),
    )?;
    tags.flush()?;

    let sha1 = [PasswordSecret {
        kind: SecretKind::HmacSha1,
        value: Secret::new(PASSWORD_SECRET),
        version: None,
    }];
    let mut out_users = file("uni-id-users.jsonl")?;
    let mut log = file("uni-id-log.jsonl")?;
    let mut devices = file("uni-id-device.jsonl")?;
    let mut opendb = file("opendb-device.jsonl")?;
    let mut samples = Vec::with_capacity(users);
    for i in 0..users {
        let id = uid(i);
        let registered = BASE_MS + i as i64 * 60_000;
        let username = format!("user{i:07}");
        let password = format!("Pass-{i}-word");
        // Even users: uni-id's legacy hmac-sha1 under the string secret; odd: hmac-sha256.
        let secrets: &[PasswordSecret] = if i % 2 == 0 { &sha1 } else { &[] };
        let hash = hash_password(&password, PasswordHashKind::HmacSha256, secrets)
            .map_err(std::io::Error::other)?
            .hash;
        let apps = match i % 10 {
            0 => None,
            1..=4 => Some(vec![APP_A]),
            5..=7 => Some(vec![APP_A, APP_B]),
            _ => Some(vec![APP_B]),
        };
        let roles: Vec<&'static str> = match i % 50 {
            0 => vec!["admin"],
            1..=5 => vec!["editor"],
            6 => vec!["auditor", "editor"],
            _ => vec![],
        };
        let status = if i % 97 == 13 { 1 } else { 0 };
        let mut doc = json!({
            "_id": id,
            "username": username,
            "password": hash,
            "nickname": format!("用户{i}"),
            "gender": i % 3,
            "mobile": format!("139{i:08}"),
            "mobile_confirmed": if i % 10 < 7 { 1 } else { 0 },
            "email": format!("User{i}@Example.com"),
            "email_confirmed": i % 2,
            "status": status,
            "role": roles,
            "my_invite_code": invite_code(i),
            "register_date": registered,
            "register_env": {"appid": APP_A, "uni_platform": "app", "os_name": "android", "app_name": "demo", "app_version": "1.0.0", "app_version_code": "100", "channel": "1001", "client_ip": format!("10.0.{}.{}", i / 250 % 250, i % 250)},
            "last_login_date": registered + 3_600_000,
            "last_login_ip": "10.1.0.1",
            "score": i % 100,
        });
        if let Some(apps) = &apps {
            doc["dcloud_appid"] = json!(apps);
        }
        if i % 5 == 0 {
            doc["tags"] = json!(["vip"]);
        }
        let weixin_mp = (i % 5 == 1).then(|| format!("o_mp_{i}"));
        if let Some(mp) = &weixin_mp {
            doc["wx_openid"] = json!({"mp": mp, "app___UNI__IMPA": format!("o_app_{i}")});
            doc["wx_unionid"] = json!(format!("union_{i}"));
        }
        if i % 11 == 3 {
            doc["qq_openid"] = json!({"app": format!("qq_{i}")});
            doc["apple_openid"] = json!(format!("000123.apple.{i}"));
        }
        if i % 13 == 7 {
            // uni-id 1.1.25's HarmonyOS sign-in, which no unid plugin offers yet.
            doc["huawei_openid"] = json!({"app-harmony": format!("h_{i}")});
            doc["huawei_unionid"] = json!(format!("hu_{i}"));
        }
        if i % 97 == 11 {
            // A project's plugin for a provider with a `user_id` kind, which only unid's own
            // list carries, and an empty per-platform object that holds no id.
            doc["unid_third_party"] = json!([{"provider": "feishu", "kind": "user_id", "platform": "", "value": format!("fs_{i}")}]);
            doc["huawei_openid"] = json!({});
        }
        if i > 0 && i % 3 == 0 {
            // Invited by an earlier user, and so by that user's inviter: nearest first.
            let chain: Vec<String> = [i / 3, i / 9, i / 27]
                .iter()
                .take_while(|&&j| j > 0 && j < i)
                .map(|&j| uid(j))
                .collect();
            doc["inviter_uid"] = json!(chain);
            doc["invite_time"] = json!(registered);
        }
        if i % 13 == 4 {
            doc["avatar_file"] = json!({"name": "a.png", "extname": "png", "url": format!("https://cdn.example.com/{i}.png")});
            doc["realname_auth"] = json!({"type": 0, "auth_status": 2, "real_name": "ENC-name", "identity": format!("ENC-{i}"), "auth_date": registered});
            doc["token"] = json!(["eyJ.old.token"]);
            doc["identities"] = json!([{"provider": "externalDirectConnect", "uid": format!("ext-{i}"), "userInfo": {"level": i % 4}}]);
        }
        if i % 7 == 2 {
            // As a database dump (mongoexport) writes ids and dates.
            doc["_id"] = json!({"$oid": id});
            doc["register_date"] = json!({"$date": iso(registered)});
            doc["last_login_date"] = json!({"$date": registered + 3_600_000});
        }
        line(&mut out_users, &doc)?;
        if i % 3 == 1 {
            line(
                &mut log,
                &json!({"_id": format!("{:08x}{:016x}", (registered / 1000) as u64, i as u64 + (1 << 40)), "appid": APP_A, "device_id": format!("dev-{i}"), "ip": "10.1.0.1", "type": "login", "ua": "demo/1.0", "create_date": registered + 3_600_000, "state": 1, "user_id": id, "username": username, "mobile": format!("139{i:08}")}),
            )?;
        }
        if i % 10 == 6 {
            let device = format!("dev-{i}");
            line(
                &mut devices,
                &json!({"_id": format!("{:08x}{:016x}", (registered / 1000) as u64, i as u64 + (2 << 40)), "user_id": id, "device_id": device, "appid": APP_A, "push_clientid": format!("cid-{i}"), "token_expired": registered + 7_200_000, "create_date": registered, "last_active_date": registered, "last_active_ip": "10.1.0.1", "ua": "demo/1.0", "os_name": "android"}),
            )?;
            line(
                &mut opendb,
                &json!({"_id": format!("{:08x}{:016x}", (registered / 1000) as u64, i as u64 + (3 << 40)), "device_id": device, "appid": APP_A, "vendor": "Xiaomi", "model": "M2012K11AC", "uni_platform": "app", "os_name": "android", "os_version": "12", "os_language": "zh-CN", "push_clientid": format!("cid-{i}"), "window_width": 393, "create_date": registered, "last_update_date": registered}),
            )?;
        }
        samples.push(Sample {
            uid: id,
            username,
            password,
            apps,
            roles,
            status,
            weixin_mp,
        });
    }
    for mut out in [out_users, log, devices, opendb] {
        out.flush()?;
    }
    Ok(samples)
}

/// Epoch ms as ISO 8601 UTC (`2020-09-13T12:26:40.000Z`).
fn iso(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

#[allow(
    dead_code,
    reason = "unused where tests/it/transfer.rs includes this file as a module"
)]
fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: uni_id_export <dir> [users]");
        std::process::exit(2);
    };
    let users = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let started = std::time::Instant::now();
    generate(Path::new(&dir), users)?;
    println!(
        "wrote a uni-id export of {users} users to {dir} in {:.1} s (passwordSecret = \"{PASSWORD_SECRET}\")",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
