//! The signed-in user as the pages show them.

use crate::db::models::users::UserRow;

#[derive(Debug, Clone)]
pub struct UserView {
    pub uid: String,
    pub username: Option<String>,
    pub nickname: Option<String>,
    /// Nickname, else username, else the masked mobile or e-mail.
    pub display_name: String,
    /// Mainland numbers without `+86`, as uni-id shows them.
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub has_password: bool,
    pub is_admin: bool,
}

impl UserView {
    pub fn of(user: &UserRow, is_admin: bool) -> UserView {
        let set = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let mobile = set(&user.mobile)
            .filter(|_| user.mobile_confirmed == 1)
            .map(|m| m.strip_prefix("+86").map(str::to_string).unwrap_or(m));
        let email = set(&user.email).filter(|_| user.email_confirmed == 1);
        let nickname = set(&user.nickname);
        let username = set(&user.username);
        let display_name = nickname
            .clone()
            .or_else(|| username.clone())
            .or_else(|| mobile.as_deref().map(mask_middle))
            .or_else(|| email.clone())
            .unwrap_or_else(|| user.id.chars().take(8).collect());
        UserView {
            uid: user.id.clone(),
            avatar_url: avatar_url(user),
            username,
            nickname,
            display_name,
            mobile,
            email,
            has_password: set(&user.password).is_some(),
            is_admin,
        }
    }
}

/// `avatar_file.url` (uni-id's shape), else `avatar`; only same-site paths and https URLs.
fn avatar_url(user: &UserRow) -> Option<String> {
    let from_file = user
        .avatar_file
        .as_deref()
        .and_then(|f| serde_json::from_str::<serde_json::Value>(f).ok())
        .and_then(|v| v.get("url").and_then(|u| u.as_str()).map(str::to_string));
    from_file
        .or_else(|| user.avatar.clone())
        .filter(|u| (u.starts_with('/') && !u.starts_with("//")) || u.starts_with("https://"))
}

fn mask_middle(national: &str) -> String {
    let chars: Vec<char> = national.chars().collect();
    if chars.len() < 7 {
        return national.to_string();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}
