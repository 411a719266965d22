//! Criterion benchmarks of the hot functions: password hash/verify in every format, token
//! sign/verify, and the validator on a typical login and registration. Figures: BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use unid_core::config::PasswordHashKind;
use unid_core::config::effective::{PasswordSecret, SecretKind};
use unid_core::passwords::{hash_password, verify_password};
use unid_core::secret::Secret;
use unid_core::tokens::jwt::{self, Claims};
use unid_core::validator::{Field, PasswordStrength, Schema, Validator};

fn passwords(c: &mut Criterion) {
    let mut g = c.benchmark_group("password");
    g.sample_size(20);
    let argon =
        hash_password("correct horse battery", PasswordHashKind::Argon2id, &[]).expect("hash");
    g.bench_function("argon2id_hash", |b| {
        b.iter(|| {
            hash_password(
                black_box("correct horse battery"),
                PasswordHashKind::Argon2id,
                &[],
            )
        })
    });
    g.bench_function("argon2id_verify", |b| {
        b.iter(|| verify_password(black_box("correct horse battery"), &argon.hash, None, &[]))
    });
    g.finish();

    let mut g = c.benchmark_group("password_uni_id");
    let salted =
        hash_password("correct horse battery", PasswordHashKind::HmacSha256, &[]).expect("hash");
    g.bench_function("hmac_sha256_hash", |b| {
        b.iter(|| {
            hash_password(
                black_box("correct horse battery"),
                PasswordHashKind::HmacSha256,
                &[],
            )
        })
    });
    g.bench_function("hmac_sha256_verify", |b| {
        b.iter(|| verify_password(black_box("correct horse battery"), &salted.hash, None, &[]))
    });
    let secrets = [PasswordSecret {
        kind: SecretKind::HmacSha1,
        value: Secret::new("passwordSecret-demo"),
        version: None,
    }];
    let legacy = hash_password(
        "correct horse battery",
        PasswordHashKind::HmacSha256,
        &secrets,
    )
    .expect("hash");
    g.bench_function("hmac_sha1_verify", |b| {
        b.iter(|| {
            verify_password(
                black_box("correct horse battery"),
                &legacy.hash,
                None,
                &secrets,
            )
        })
    });
    g.finish();
}

fn tokens(c: &mut Criterion) {
    let claims = Claims {
        uid: "6553f1000000000000000001".into(),
        role: vec!["editor".into()],
        permission: vec!["READ_UNI_ID_LOG".into()],
        uni_id_version: Some(jwt::UNI_ID_VERSION.into()),
        iat: 1_700_000_000,
        exp: 1_700_007_200,
        jti: Some("0123456789abcdef0123456789abcdef".into()),
    };
    let secret = b"a-token-secret-of-reasonable-length";
    let token = jwt::sign(&claims, secret);
    let mut g = c.benchmark_group("token");
    g.bench_function("sign", |b| b.iter(|| jwt::sign(black_box(&claims), secret)));
    g.bench_function("verify", |b| {
        b.iter(|| jwt::verify(black_box(&token), secret, 1_700_000_001_000))
    });
    g.bench_function("hash_for_lookup", |b| {
        b.iter(|| jwt::token_hash(black_box(&token)))
    });
    g.finish();
}

static LOGIN: &Schema = &[
    ("username", Field::optional("username")),
    ("mobile", Field::optional("mobile")),
    ("email", Field::optional("email")),
    ("password", Field::required("string")),
    ("captcha", Field::optional("string")),
];
static REGISTER: &Schema = &[
    ("username", Field::required("username")),
    ("password", Field::required("password")),
    ("captcha", Field::required("string")),
    ("nickname", Field::optional("nickname")),
    ("inviteCode", Field::optional("string")),
];
static EXPR: &Schema = &[("tags", Field::required("array<string|number>"))];

fn validator(c: &mut Criterion) {
    let default = Validator::new(None);
    let medium = Validator::new(Some(PasswordStrength::Medium));
    let login = json!({"username": "alice_01", "password": "Secret-Pass-123"});
    let register = json!({"username": "alice_01", "password": "Secret-Pass-123", "captcha": "ab12", "nickname": "Alice"});
    let tags = json!({"tags": ["a", 1, "b", 2, "c", 3, "d", 4]});
    let mut g = c.benchmark_group("validator");
    g.bench_function("login", |b| {
        b.iter(|| default.validate(black_box(&login), LOGIN))
    });
    g.bench_function("register_default_policy", |b| {
        b.iter(|| default.validate(black_box(&register), REGISTER))
    });
    g.bench_function("register_medium_strength", |b| {
        b.iter(|| medium.validate(black_box(&register), REGISTER))
    });
    g.bench_function("array_expression", |b| {
        b.iter(|| default.validate(black_box(&tags), EXPR))
    });
    g.finish();
}

/// What issue 8 added to every request or login: the control-character scan of `clientInfo`,
/// the metrics' count, and the device token issued (and checked) at a password login.
fn hardening(c: &mut Criterion) {
    use unid_core::accounts::device;
    use unid_core::metrics::Metrics;
    use unid_core::validator::refuse_control_chars;
    let client = json!({"uniPlatform": "web", "appId": "__UNI__BENCH", "deviceId": "0123456789abcdef", "locale": "en", "osName": "android", "ua": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"});
    let metrics = Metrics::new(["login", "getAccountInfo", "logout", "refreshToken"], 0);
    let secret = Secret::new("a-code-secret-of-some-length-0123456789");
    let token = device::issue(&secret, "6592e5a0c9f1b2a3d4e5f607", 1_700_000_000_000);
    let mut g = c.benchmark_group("hardening");
    g.bench_function("client_info_control_chars", |b| {
        b.iter(|| refuse_control_chars(black_box(&client), "clientInfo"))
    });
    g.bench_function("metrics_api_call", |b| {
        b.iter(|| {
            metrics.api_call(
                black_box("getAccountInfo"),
                None,
                std::time::Duration::from_micros(40),
            )
        })
    });
    g.bench_function("device_token_issue", |b| {
        b.iter(|| {
            device::issue(
                &secret,
                black_box("6592e5a0c9f1b2a3d4e5f607"),
                1_700_000_000_000,
            )
        })
    });
    g.bench_function("device_token_verify", |b| {
        b.iter(|| {
            device::verify(
                &secret,
                black_box(&token),
                "6592e5a0c9f1b2a3d4e5f607",
                1_700_000_000_000,
                180,
            )
        })
    });
    g.finish();
}

/// `loginByApple`'s check of an identity token with Apple's key already cached (issue 10):
/// the header's key id, the RS256 signature, issuer, audience, expiry and nonce.
fn apple(c: &mut Criterion) {
    use base64::Engine as _;
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
    use unid_plugin_apple::verify;

    let private = base64::engine::general_purpose::STANDARD
        .decode(include_str!("../plugins/apple/testdata/one.key.b64").trim())
        .expect("test key");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let token = jsonwebtoken::encode(
        &header,
        &json!({
            "iss": verify::ISSUER, "aud": "com.example.unid", "sub": "001234.abcdef.0001",
            "iat": 1_800_000_000, "exp": 1_800_000_600, "nonce": "n-1",
            "email": "x@privaterelay.appleid.com", "email_verified": "true",
        }),
        &EncodingKey::from_rsa_der(&private),
    )
    .expect("signs");
    let key = DecodingKey::from_rsa_components(
        include_str!("../plugins/apple/testdata/one.n").trim(),
        "AQAB",
    )
    .expect("key");
    let audiences = vec!["com.example.unid".to_string()];
    let mut g = c.benchmark_group("apple");
    g.bench_function("identity_token_verify", |b| {
        b.iter(|| {
            let kid = verify::key_id(black_box(&token)).expect("kid");
            black_box(kid);
            verify::verify(
                black_box(&token),
                &key,
                &audiences,
                Some("n-1"),
                1_800_000_100,
            )
            .expect("verifies")
        })
    });
    g.finish();
}

criterion_group!(benches, passwords, tokens, validator, hardening, apple);
criterion_main!(benches);
