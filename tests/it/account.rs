//! getAccountInfo, getSupportedLoginType (spec §1.3).

use serde_json::json;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TestApp};

pub fn cases() -> Vec<Case> {
    cases![
        get_account_info_describes_the_account,
        supported_login_types_list_the_password_logins
    ]
}

async fn get_account_info_describes_the_account(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.user_token("alice").await;
    let r = app.call("getAccountInfo").token(&token).send().await;
    assert_eq!(
        r,
        json!({
            "errCode": 0, "errMsg": "",
            "isUsernameSet": true, "isNicknameSet": false, "isPasswordSet": true,
            "isMobileBound": false, "isEmailBound": false, "isWeixinBound": false,
            "isQQBound": false, "isAlipayBound": false, "isAppleBound": false,
        })
    );
}

async fn supported_login_types_list_the_password_logins(backend: Backend) {
    // Only the host's own methods: the sms plugin is switched off.
    let app = TestApp::builder(backend)
        .config("[plugins.sms]\nenabled = false\n[plugins.email]\nenabled = false")
        .start()
        .await;
    let r = app.call("getSupportedLoginType").send().await;
    assert_eq!(
        r,
        json!({"errCode": 0, "errMsg": "", "supportedLoginType": ["username-password", "mobile-password", "email-password"]})
    );
}
