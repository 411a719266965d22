//! uni-id-pages' own paths (`/uni_modules/uni-id-pages/pages/…`, spec §13.6) answer a redirect
//! to unid's page, keeping the query string, so links into an existing uni-app site keep
//! working. `phoneNumber` (login-smscode, retrieve) is understood by the pages it leads to.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

const PREFIX: &str = "/uni_modules/uni-id-pages/pages/";

/// uni-id-pages page → unid path.
pub const MAP: &[(&str, &str)] = &[
    ("login/login-withoutpwd", "/login"),
    ("login/login-smscode", "/login/sms"),
    ("login/login-withpwd", "/login/password"),
    ("register/register", "/register"),
    ("register/register-by-email", "/register/email"),
    ("register/register-admin", "/register/admin"),
    ("retrieve/retrieve", "/retrieve"),
    ("retrieve/retrieve-by-email", "/retrieve/email"),
    ("userinfo/userinfo", "/userinfo"),
    ("userinfo/bind-mobile/bind-mobile", "/userinfo/bind-mobile"),
    ("userinfo/change_pwd/change_pwd", "/userinfo/change-pwd"),
    ("userinfo/set-pwd/set-pwd", "/userinfo/set-pwd"),
    ("userinfo/deactivate/deactivate", "/userinfo/deactivate"),
    // The avatar is cropped and uploaded on the profile page itself.
    ("userinfo/cropImage/cropImage", "/userinfo"),
];

pub fn config(cfg: &mut web::ServiceConfig) {
    for (old, _) in MAP {
        cfg.route(&format!("{PREFIX}{old}"), web::get().to(redirect));
    }
}

async fn redirect(req: HttpRequest) -> HttpResponse {
    let old = req.path().trim_start_matches(PREFIX);
    let Some((_, new)) = MAP.iter().find(|(o, _)| *o == old) else {
        return HttpResponse::NotFound().finish();
    };
    let to = match req.query_string() {
        "" => (*new).to_string(),
        q => format!("{new}?{q}"),
    };
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, to))
        .finish()
}
