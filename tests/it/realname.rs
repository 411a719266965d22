//! Real-name verification (issue 11, spec §1.3 frv): getRealNameInfo, getFrvCertifyId and
//! getFrvAuthResult, in test mode and through the two backends' HTTP contracts — a signed
//! webhook service and Alibaba Cloud's cloudauth — each served by a local fake.

use std::sync::{Arc, Mutex};

use actix_web::web::{self, Bytes, Form, Json};
use actix_web::{HttpRequest, HttpResponse};
use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use unid_core::outbound::aliyun_rpc;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TestApp, TestAppBuilder};

pub fn cases() -> Vec<Case> {
    cases![
        a_user_verifies_once_and_sees_only_masked_data,
        bad_names_and_numbers_are_refused_in_both_languages,
        without_the_key_or_a_service_verification_is_refused,
        attempts_are_limited_per_beijing_day,
        a_certification_belongs_to_whoever_started_it,
        the_webhook_service_is_signed_and_its_answers_followed,
        aliyun_cloudauth_is_called_signed_and_its_refusals_are_errors,
    ]
}

const KEY: &str = "0123456789abcdef0123456789ABCDEF";
const NAME: &str = "张三丰";
const ID: &str = "110101199003070011";

fn keyed(backend: Backend, extra: &str) -> TestAppBuilder {
    TestApp::builder(backend).config(&format!("sensitiveInfoEncryptSecret = \"{KEY}\"\n{extra}"))
}

/// uni-id's encryption, written out independently of the server's.
fn encrypted(text: &str) -> String {
    let key: [u8; 32] = KEY.as_bytes().try_into().unwrap();
    let iv: [u8; 16] = KEY.as_bytes()[16..].try_into().unwrap();
    let out = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(text.as_bytes());
    BASE64.encode(out)
}

async fn certify(app: &TestApp, token: &str, name: &str, id: &str, locale: &str) -> Value {
    app.call("getFrvCertifyId")
        .token(token)
        .locale(locale)
        .params(json!({"realName": name, "idCard": id, "metaInfo": "{\"zimVer\":\"3.0.0\"}"}))
        .send()
        .await
}

async fn result(app: &TestApp, token: &str, certify_id: &str) -> Value {
    app.call("getFrvAuthResult")
        .token(token)
        .params(json!({ "certifyId": certify_id }))
        .send()
        .await
}

/// A user registered outside test mode too (the captcha solved as a person would).
async fn user(app: &TestApp, username: &str) -> String {
    let answer = app.solve_captcha("device-1", "register").await;
    let r = app
        .call("registerUser")
        .params(json!({"username": username, "password": "Secret-Pass-123", "captcha": answer}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    crate::support::token_of(&r)
}

async fn info(app: &TestApp, token: &str) -> Value {
    let r = app.call("getRealNameInfo").token(token).send().await;
    assert_eq!(r["errCode"], 0, "{r}");
    r
}

async fn stored(app: &TestApp, uid: &str) -> Option<(i32, Option<String>, Value)> {
    let uid = uid.to_string();
    app.db(move |conn| {
        Ok(
            unid_core::db::models::realname::of_user(conn, &uid)?.map(|r| {
                (
                    r.auth_status,
                    r.identity,
                    serde_json::from_str(&r.auth).unwrap(),
                )
            }),
        )
    })
    .await
}

fn uid_of(app_token: &str) -> String {
    let payload = app_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["uid"].as_str().unwrap().to_string()
}

async fn a_user_verifies_once_and_sees_only_masked_data(backend: Backend) {
    let app = keyed(backend, "").start().await;
    let token = app.user_token("zhang").await;
    let r = info(&app, &token).await;
    assert!(r.get("authStatus").is_none(), "not verified yet: {r}");

    let r = certify(&app, &token, NAME, ID, "zh-Hans").await;
    assert_eq!(r["errCode"], 0, "{r}");
    let certify_id = r["certifyId"].as_str().unwrap().to_string();
    let r = result(&app, &token, &certify_id).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["authStatus"], 2);
    assert_eq!(r["realName"], "**丰");
    assert_eq!(r["identity"], "1****************1");

    let r = info(&app, &token).await;
    assert_eq!(r["type"], 0);
    assert_eq!(r["authStatus"], 2);
    assert_eq!(r["realName"], "**丰");
    assert_eq!(r["identity"], "1****************1");
    assert!(!r.to_string().contains(ID) && !r.to_string().contains(NAME));

    // Stored as uni-id stores it: encrypted, and comparable for the ID-number limit.
    let (status, identity, auth) = stored(&app, &uid_of(&token)).await.unwrap();
    assert_eq!(status, 2);
    assert_eq!(identity.as_deref(), Some(encrypted(ID).as_str()));
    assert_eq!(auth["real_name"], encrypted(NAME));
    assert_eq!(auth["auth_status"], 2);
    assert!(auth["auth_date"].as_i64().unwrap() > 0);

    // Once verified, always verified; and the number is taken for other accounts.
    let r = certify(&app, &token, NAME, ID, "en").await;
    assert_eq!(r["errCode"], "uni-id-realname-verified", "{r}");
    assert_eq!(r["errMsg"], "This account has been verified");
    let other = app.user_token("imposter").await;
    for (locale, msg) in [
        ("zh-Hans", "该证件号码已绑定账号"),
        ("en", "The ID number has been bound to the account"),
    ] {
        let r = certify(&app, &other, "李四", ID, locale).await;
        assert_eq!(r["errCode"], "uni-id-idcard-exists", "{r}");
        assert_eq!(r["errMsg"], msg);
    }
    // A lower-case check character is the same number.
    let r = certify(&app, &other, "李四", "11010519491231002x", "en").await;
    assert_eq!(r["errCode"], 0, "{r}");
}

async fn bad_names_and_numbers_are_refused_in_both_languages(backend: Backend) {
    let app = keyed(backend, "").start().await;
    let token = app.user_token("careless").await;
    for (name, id, code, zh, en) in [
        (
            NAME,
            "110101199003070018",
            "uni-id-invalid-idcard",
            "身份证号码不合法",
            "ID number is invalid",
        ),
        (
            "Zhang San",
            ID,
            "uni-id-invalid-realname",
            "姓名只能是汉字",
            "The name can only be Chinese characters",
        ),
    ] {
        let r = certify(&app, &token, name, id, "zh-Hans").await;
        assert_eq!(r["errCode"], code, "{r}");
        assert_eq!(r["errMsg"], zh);
        let r = certify(&app, &token, name, id, "en").await;
        assert_eq!(r["errMsg"], en);
    }
    let r = app
        .call("getFrvCertifyId")
        .token(&token)
        .params(json!({"realName": NAME, "idCard": ID}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    let r = app
        .call("getFrvCertifyId")
        .token(&token)
        .params(json!({"realName": NAME, "idCard": 110101199003070011u64, "metaInfo": "m"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-idcard", "{r}");
    let r = app
        .call("getRealNameInfo")
        .token(&token)
        .params(json!({"decryptData": "yes"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
    let r = app
        .call("getFrvCertifyId")
        .params(json!({"realName": NAME, "idCard": ID, "metaInfo": "m"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed", "{r}");
}

async fn without_the_key_or_a_service_verification_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.user_token("nokey").await;
    let r = certify(&app, &token, NAME, ID, "en").await;
    assert_eq!(r["errCode"], "uni-id-config-field-required", "{r}");
    assert!(
        r["errMsg"]
            .as_str()
            .unwrap()
            .contains("sensitiveInfoEncryptSecret"),
        "{r}"
    );

    let app = TestApp::builder(backend)
        .config("sensitiveInfoEncryptSecret = \"too-short\"")
        .start()
        .await;
    let token = app.user_token("shortkey").await;
    let r = certify(&app, &token, NAME, ID, "en").await;
    assert_eq!(r["errCode"], "uni-id-config-field-invalid", "{r}");

    // Outside test mode with no [realname] service: off, and said so.
    let app = keyed(backend, "").without_test_mode().start().await;
    let token = user(&app, "noservice").await;
    let r = certify(&app, &token, NAME, ID, "en").await;
    assert_eq!(r["errCode"], "uni-id-config-field-required", "{r}");
    assert!(
        r["errMsg"].as_str().unwrap().contains("realname.provider"),
        "{r}"
    );
}

async fn attempts_are_limited_per_beijing_day(backend: Backend) {
    let app = keyed(backend, "realNameCertifyLimit = 2").start().await;
    let token = app.user_token("eager").await;
    for _ in 0..2 {
        assert_eq!(certify(&app, &token, NAME, ID, "en").await["errCode"], 0);
    }
    for (locale, msg) in [
        ("zh-Hans", "当日实名认证次数已达上限"),
        (
            "en",
            "The number of real-name certify on the day has reached the upper limit",
        ),
    ] {
        let r = certify(&app, &token, NAME, ID, locale).await;
        assert_eq!(r["errCode"], "uni-id-realname-verify-upper-limit", "{r}");
        assert_eq!(r["errMsg"], msg);
    }
    // The next Beijing day (a new token: the old one has expired by then).
    app.advance_secs(86_400);
    let token = crate::support::token_of(&app.login("eager", "Secret-Pass-123").await);
    assert_eq!(certify(&app, &token, NAME, ID, "en").await["errCode"], 0);
}

async fn a_certification_belongs_to_whoever_started_it(backend: Backend) {
    let app = keyed(backend, "").start().await;
    let owner = app.user_token("owner").await;
    let thief = app.user_token("thief").await;
    let r = certify(&app, &owner, NAME, ID, "en").await;
    let certify_id = r["certifyId"].as_str().unwrap().to_string();
    let r = result(&app, &thief, &certify_id).await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
    let r = result(&app, &thief, "made-up").await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
    assert!(stored(&app, &uid_of(&thief)).await.is_none());
    assert_eq!(result(&app, &owner, &certify_id).await["errCode"], 0);
}

// ---- the webhook backend ----------------------------------------------------------------------

const HOOK_SECRET: &str = "a-shared-webhook-secret";

#[derive(Default)]
struct Hook {
    /// (action, body) of each correctly signed call.
    calls: Mutex<Vec<Value>>,
    /// What `result` answers next, per certifyId.
    answers: Mutex<Vec<(String, Value)>>,
    /// Sign answers with another key, as someone between unid and the service would.
    forge: std::sync::atomic::AtomicBool,
}

/// A verification service speaking the webhook contract: it checks unid's signature and
/// answers as scripted.
fn webhook_service(hook: Arc<Hook>) -> String {
    let handler = move |req: HttpRequest, body: Bytes| {
        let hook = hook.clone();
        async move {
            let header = |n: &str| {
                req.headers()
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            let ts = header("unid-timestamp");
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(HOOK_SECRET.as_bytes()).unwrap();
            mac.update(format!("{ts}.").as_bytes());
            mac.update(&body);
            if hex::encode(mac.finalize().into_bytes()) != header("unid-signature") {
                return HttpResponse::Unauthorized().finish();
            }
            let call: Value = serde_json::from_slice(&body).unwrap();
            hook.calls.lock().unwrap().push(call.clone());
            let answer = match call["action"].as_str() {
                Some("certify") if call["realName"] == "王五" => {
                    return HttpResponse::ServiceUnavailable().finish();
                }
                Some("certify") => json!({
                    "certifyId": format!("hook-{}", hook.calls.lock().unwrap().len())
                }),
                Some("result") => {
                    let id = call["certifyId"].as_str().unwrap_or("");
                    let mut answers = hook.answers.lock().unwrap();
                    let at = answers.iter().position(|(k, _)| k == id);
                    at.map(|i| answers.remove(i).1)
                        .unwrap_or(json!({"status": "PROCESSING"}))
                }
                _ => return HttpResponse::BadRequest().finish(),
            };
            // The answer is signed over the request's signature and its own body.
            let answer = serde_json::to_vec(&answer).unwrap();
            let key = if hook.forge.load(std::sync::atomic::Ordering::SeqCst) {
                "not-the-shared-secret".as_bytes()
            } else {
                HOOK_SECRET.as_bytes()
            };
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            mac.update(format!("{}.", header("unid-signature")).as_bytes());
            mac.update(&answer);
            HttpResponse::Ok()
                .content_type("application/json")
                .insert_header(("unid-signature", hex::encode(mac.finalize().into_bytes())))
                .body(answer)
        }
    };
    let base = crate::support::serve_fake(move |cfg| {
        cfg.route("/frv", web::post().to(handler.clone()));
    });
    format!("{base}/frv")
}

async fn the_webhook_service_is_signed_and_its_answers_followed(backend: Backend) {
    let hook = Arc::new(Hook::default());
    let url = webhook_service(hook.clone());
    let app = keyed(
        backend,
        &format!(
            "frvNeedAlivePhoto = true\n[realname]\nprovider = \"webhook\"\n[realname.webhook]\nurl = \"{url}\"\nsecret = \"{HOOK_SECRET}\"\ntimeoutSecs = 2\n"
        ),
    )
    .without_test_mode()
    .start()
    .await;
    let token = user(&app, "hooked").await;
    let uid = uid_of(&token);

    let r = certify(&app, &token, NAME, ID, "en").await;
    assert_eq!(r["errCode"], 0, "{r}");
    let first = r["certifyId"].as_str().unwrap().to_string();
    assert!(first.starts_with("hook-"));
    let sent = hook.calls.lock().unwrap()[0].clone();
    assert_eq!(sent["realName"], NAME);
    assert_eq!(sent["idCard"], ID);
    assert_eq!(sent["needPicture"], true);
    assert_eq!(sent["userId"], uid.as_str());

    // Not finished, then failed.
    let r = result(&app, &token, &first).await;
    assert_eq!(r["errCode"], "uni-id-frv-processing", "{r}");
    hook.answers
        .lock()
        .unwrap()
        .push((first.clone(), json!({"status": "FAIL"})));
    let r = result(&app, &token, &first).await;
    assert_eq!(r["errCode"], "uni-id-frv-fail", "{r}");
    assert!(stored(&app, &uid).await.is_none());

    // A service that is down: an error, and the attempt does not count.
    let r = certify(&app, &token, "王五", ID, "en").await;
    assert_eq!(r["errCode"], "uni-id-unknown-error", "{r}");

    // A SUCCESS not signed with the shared secret is not believed.
    let r = certify(&app, &token, NAME, ID, "en").await;
    let forged = r["certifyId"].as_str().unwrap().to_string();
    hook.answers
        .lock()
        .unwrap()
        .push((forged.clone(), json!({"status": "SUCCESS"})));
    hook.forge.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = result(&app, &token, &forged).await;
    hook.forge.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(r["errCode"], "uni-id-unknown-error", "{r}");
    assert!(
        stored(&app, &uid).await.is_none(),
        "no verification was recorded"
    );

    // A second attempt passes, with a photo kept encrypted.
    let r = certify(&app, &token, NAME, ID, "en").await;
    let second = r["certifyId"].as_str().unwrap().to_string();
    let photo = b"\x89PNG liveness photo";
    hook.answers.lock().unwrap().push((
        second.clone(),
        json!({"status": "SUCCESS", "picture": BASE64.encode(photo)}),
    ));
    let r = result(&app, &token, &second).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["authStatus"], 2);
    let (_, _, auth) = stored(&app, &uid).await.unwrap();
    assert_eq!(auth["in_hand"], format!("user/id-card/{uid}.b64"));
    let kept = std::fs::read_to_string(
        app.host
            .config
            .server
            .data_dir
            .join("id-card")
            .join(format!("{uid}.b64")),
    )
    .unwrap();
    assert_eq!(kept, encrypted(&BASE64.encode(photo)));
    // Four attempts were started, three recorded (the refused one was not): failed, still
    // waiting (the forged answer changed nothing), passed.
    let logs = {
        let uid = uid.clone();
        app.db(move |conn| {
            use diesel::prelude::*;
            use unid_core::db::schema::frv_logs;
            Ok(unid_core::db_run!(conn: {
                frv_logs::table
                    .filter(frv_logs::user_id.eq(&uid))
                    .order(frv_logs::id)
                    .select(frv_logs::status)
                    .load::<i32>(conn)
            })?)
        })
        .await
    };
    assert_eq!(logs, vec![3, 1, 2]);
}

// ---- Alibaba Cloud cloudauth -----------------------------------------------------------------

const ALI_ID: &str = "LTAIfrvtest";
const ALI_SECRET: &str = "frv-test-secret";
/// The CertifyId of a verification the fake says is not finished.
const PENDING: &str = "0000pending00000000000000000000";

/// cloudauth's RPC gateway as unid relies on it: common parameters, the signature (the same
/// `aliyun_rpc::signature` the univerify tests check against an independent vector), then
/// InitFaceVerify and DescribeFaceVerify.
/// The signed forms the fake accepted.
type Seen = Arc<Mutex<Vec<Vec<(String, String)>>>>;

fn cloudauth(seen: Seen) -> String {
    let handler = move |params: Form<Vec<(String, String)>>, req: HttpRequest| {
        let seen = seen.clone();
        async move {
            let params = params.into_inner();
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            if get("Version") != "2019-03-07"
                || get("AccessKeyId") != ALI_ID
                || get("Signature") != aliyun_rpc::signature(ALI_SECRET, "POST", &params)
            {
                return HttpResponse::BadRequest().json(json!({
                    "Code": "SignatureDoesNotMatch", "Message": "bad signature", "RequestId": "f"
                }));
            }
            seen.lock().unwrap().push(params.clone());
            let host = req.connection_info().host().to_string();
            let answer = match (get("Action").as_str(), get("CertName").as_str()) {
                ("InitFaceVerify", "王五") => {
                    json!({"Code": "401", "Message": "参数非法", "RequestId": "f"})
                }
                // A verification its user has not finished.
                ("InitFaceVerify", "赵六") => json!({
                    "Code": "200", "Message": "success", "RequestId": "f",
                    "ResultObject": {"CertifyId": PENDING}
                }),
                ("InitFaceVerify", _) => json!({
                    "Code": "200", "Message": "success", "RequestId": "f",
                    "ResultObject": {"CertifyId": "91707dc296d469ad38e4c5efa6a0f24b"}
                }),
                ("DescribeFaceVerify", _) if get("CertifyId") == PENDING => json!({
                    "Code": "424", "Message": "身份认证记录不存在", "RequestId": "f"
                }),
                ("DescribeFaceVerify", _) => json!({
                    "Code": "200", "Message": "success", "RequestId": "f",
                    "ResultObject": {
                        "Passed": "T", "SubCode": "200",
                        "MaterialInfo": json!({"facialPictureFront": {"pictureUrl": format!("http://{host}/photo.jpg")}}).to_string()
                    }
                }),
                _ => json!({"Code": "400", "Message": "unknown action"}),
            };
            HttpResponse::Ok().json(answer)
        }
    };
    let base = crate::support::serve_fake(move |cfg| {
        cfg.route("/", web::post().to(handler.clone())).route(
            "/photo.jpg",
            web::get().to(|| async { Json(json!("jpeg")) }),
        );
    });
    format!("{base}/")
}

async fn aliyun_cloudauth_is_called_signed_and_its_refusals_are_errors(backend: Backend) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let endpoint = cloudauth(seen.clone());
    let app = keyed(
        backend,
        &format!(
            "[realname]\nprovider = \"aliyun\"\n[realname.aliyun]\naccessKeyId = \"{ALI_ID}\"\naccessKeySecret = \"{ALI_SECRET}\"\nsceneId = 1000000006\nendpoint = \"{endpoint}\"\ntimeoutSecs = 2\n"
        ),
    )
    .without_test_mode()
    .start()
    .await;
    let token = user(&app, "alibaba").await;
    let r = certify(&app, &token, NAME, ID, "en").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["certifyId"], "91707dc296d469ad38e4c5efa6a0f24b");
    {
        let calls = seen.lock().unwrap();
        let get = |name: &str| {
            calls[0]
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(get("Action"), "InitFaceVerify");
        assert_eq!(get("SceneId"), "1000000006");
        assert_eq!(get("ProductCode"), "ID_PRO");
        assert_eq!(get("CertType"), "IDENTITY_CARD");
        assert_eq!(get("CertName"), NAME);
        assert_eq!(get("CertNo"), ID);
        assert_eq!(get("OuterOrderNo").len(), 32);
    }
    let r = result(&app, &token, "91707dc296d469ad38e4c5efa6a0f24b").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["identity"], "1****************1");
    // frvNeedAlivePhoto is off: no photo kept.
    let (_, _, auth) = stored(&app, &uid_of(&token)).await.unwrap();
    assert!(auth.get("in_hand").is_none(), "{auth}");

    let other = user(&app, "refused").await;
    let r = certify(&app, &other, "王五", "11010519491231002X", "en").await;
    assert_eq!(r["errCode"], "uni-id-unknown-error", "{r}");

    // cloudauth's 424 for a verification not finished is "processing", and nothing is stored.
    let pending = user(&app, "pending").await;
    let r = certify(&app, &pending, "赵六", "11010519491231002X", "en").await;
    assert_eq!(r["certifyId"], PENDING, "{r}");
    let r = result(&app, &pending, PENDING).await;
    assert_eq!(r["errCode"], "uni-id-frv-processing", "{r}");
    assert!(stored(&app, &uid_of(&pending)).await.is_none());
}
