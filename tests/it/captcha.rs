//! createCaptcha / refreshCaptcha and captcha verification (spec §8).

use serde_json::json;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TEST_MODE_CAPTCHA, TestApp};

pub fn cases() -> Vec<Case> {
    cases![
        create_captcha_returns_an_svg_image_like_uni_captcha,
        a_captcha_needs_a_device_and_a_known_scene,
        the_answer_never_appears_in_the_response,
        a_captcha_is_single_use_and_bound_to_its_device,
        a_captcha_expires,
        refresh_replaces_the_pending_captcha,
    ]
}

async fn create_captcha_returns_an_svg_image_like_uni_captcha(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app.captcha("register").await;
    assert_eq!(r["code"], 0);
    assert_eq!(r["msg"], "验证码获取成功");
    assert!(
        r["captchaBase64"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,")
    );
}

async fn a_captcha_needs_a_device_and_a_known_scene(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app
        .call("createCaptcha")
        .client(json!({"deviceId": null}))
        .params(json!({"scene": "register"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-captcha-deviceId-required");
    assert_eq!(r["code"], 10101);
    let r = app
        .call("createCaptcha")
        .params(json!({"scene": "evil"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param");
    let r = app.call("createCaptcha").params(json!({})).send().await;
    assert_eq!(r["errCode"], "uni-id-param-required");
}

async fn the_answer_never_appears_in_the_response(backend: Backend) {
    // Test mode's answer is known, so we can look for it.
    let app = TestApp::start(backend).await;
    let r = app.captcha("register").await;
    let text = r.to_string();
    assert!(!text.contains(TEST_MODE_CAPTCHA));
    let image = r["captchaBase64"]
        .as_str()
        .unwrap()
        .trim_start_matches("data:image/svg+xml;base64,");
    use base64::Engine;
    let svg = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(image)
            .unwrap(),
    )
    .unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(!svg.contains(TEST_MODE_CAPTCHA) && !svg.contains("<text"));
}

async fn a_captcha_is_single_use_and_bound_to_its_device(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.captcha("register").await;
    let register = |device: &str, username: &str| {
        app.call("registerUser")
            .client(json!({"deviceId": device}))
            .params(json!({"username": username, "password": "Secret-Pass-123", "captcha": TEST_MODE_CAPTCHA}))
            .send()
    };
    assert_eq!(
        register("device-2", "a1").await["errCode"],
        "uni-captcha-verify-fail"
    );
    assert_eq!(register("device-1", "a1").await["errCode"], 0);
    assert_eq!(
        register("device-1", "a2").await["errCode"],
        "uni-captcha-verify-fail"
    );
}

async fn a_captcha_expires(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.captcha("register").await;
    app.advance_secs(181);
    let r = app
        .call("registerUser")
        .params(json!({"username": "late", "password": "Secret-Pass-123", "captcha": TEST_MODE_CAPTCHA}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-captcha-verify-overdue");
    assert_eq!(r["errMsg"], "验证码已失效");
    assert_eq!(r["code"], 10103);
}

async fn refresh_replaces_the_pending_captcha(backend: Backend) {
    let app = TestApp::builder(backend).without_test_mode().start().await;
    let r = app
        .call("refreshCaptcha")
        .params(json!({"scene": "register"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-captcha-refresh-fail");
    assert_eq!(r["code"], 10003);
    app.captcha("register").await;
    let r = app
        .call("refreshCaptcha")
        .params(json!({"scene": "register"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0);
    assert!(
        r["captchaBase64"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,")
    );
    // Outside test mode "1234" is not the answer (the answer is random and never sent).
    let r = app
        .call("registerUser")
        .params(
            json!({"username": "x1", "password": "Secret-Pass-123", "captcha": TEST_MODE_CAPTCHA}),
        )
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-captcha-verify-fail");
}
