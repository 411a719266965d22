//! Writing `uni_id_log` rows (spec §12.4) from a request's client info.

use crate::accounts::ClientInfo;
use crate::db::DbConn;
use crate::db::models::logs::{self, NewLog};

pub const LOGIN: &str = "login";
pub const LOGOUT: &str = "logout";
pub const REGISTER: &str = "register";
pub const RESET_PWD: &str = "reset-pwd";

/// The identifiers a log row records.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

pub fn write(
    conn: &mut DbConn,
    client: &ClientInfo,
    now: i64,
    type_: &str,
    success: bool,
    subject: &Subject,
) {
    let row = NewLog {
        appid: Some(client.app_id.clone()),
        device_id: client.device_id.clone(),
        ip: Some(client.client_ip.clone()),
        type_: type_.to_string(),
        ua: client.user_agent.clone(),
        create_date: now,
        state: i32::from(success),
        user_id: subject.user_id.clone(),
        username: subject.username.clone(),
        email: subject.email.clone(),
        mobile: subject.mobile.clone(),
        method: client.via.clone(),
        platform: Some(client.uni_platform.clone()).filter(|p| !p.is_empty()),
    };
    // A lost log row must not fail the request it describes.
    if let Err(e) = logs::insert(conn, &row) {
        tracing::warn!(error = %e, "could not write uni_id_log row");
    }
}
