//! The alipay plugin (issue 10, item 6) against a local fake of Alipay's open platform
//! gateway, which checks each request as Alipay does (method, parameters, China-time
//! timestamp, the app's RSA2 signature) and signs its answers with its own key: logins,
//! refusals, bad and missing signatures, garbage, a timeout, concurrent first logins, bind and
//! unbind, login types, and the configuration errors.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::HttpResponse;
use actix_web::web::{self, Form, Query};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use serde_json::{Value, json};
use unid_core::config::Config;

use crate::support::{Backend, TestApp, token_of};
use crate::{cases, once};

pub fn cases() -> Vec<crate::support::cases::Case> {
    let mut all = cases![
        an_alipay_user_registers_once_and_then_logs_in,
        an_app_in_open_id_mode_signs_in_by_open_id,
        alipay_failures_are_clean_in_both_languages_and_logged,
        without_alipay_s_public_key_answers_are_not_checked,
        a_silent_alipay_times_out,
        the_gateway_refuses_a_request_it_cannot_verify,
        concurrent_first_logins_make_one_user,
        bind_and_unbind_keep_uni_id_s_rules,
        login_types_follow_the_config,
        missing_or_invalid_credentials_name_the_key,
        wrong_parameters_are_the_validator_s,
    ];
    all.extend(once![the_plugin_section_is_checked_by_name]);
    all
}

// ---- test keys -----------------------------------------------------------------------------
//
// TEST KEYS ONLY: RSA-2048, generated for these tests with OpenSSL 3.0 (`openssl genpkey
// -algorithm RSA -pkeyopt rsa_keygen_bits:2048`), base64 of the DER. They sign nothing
// anywhere else. (plugins/alipay/testdata holds the same app and Alipay public keys for the
// crate's unit tests.)

/// The app's private key, PKCS#8 (`openssl pkcs8 -topk8 -nocrypt -outform DER`).
const APP_PKCS8: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC327KXDI8Y6FmKI1kVcB3gZK4rk6V4GBmUHFrIudCqCnGWjARrMzeAerk//hR40IG8vL9lE11m9Iknrh0JrjPRlU4sMLRzXJ9ninzNaQiLu1GQ3WEyErTJnzWwCeQYlJxnG/I3q5vijesZyT6QtJWdyt4Gr5cMPRP3/eoMza8JhtcpsyahULat8PeBudmSny8G3/hEsvdKXTgKKq3cJPHo2Zh2Faj0my4Avf2BqYGgzNVNPnbLMAuiprc6Bpx+0z1NzYfNRVoyFLrSi8zdggvi6ZgJ13/RwxTmiBLPRngrNc9xz1vUbVzqwQJL/LOgiz32LfKqbYwJiSnvbJGAacl3AgMBAAECggEAQ05WjQxIcFZSvQqeqIXwMf65cfNtfk7YQku1AklftXf4SCP+1B2eQlbq7R2+8dFmxSiVqlNR/Iglk5SeRbZzetR9FxlHXfn40uc0M+AxBDIxNGaOl82YSD0T4ttkGImCzg5BeBbHDMNmXvy4fjHVmbuz1t+93HmZj03xOfmsC8CllPvnIyYxSuGF/5uqbrbUtTJAooCnifO3tTwEYZ/DNfZllallF2hm8YjGe8INve3wfHBDxobn60eZH65njdUTbzkQTftSOB2mYQZ50+bJT+2uim1+KLxvzb75ckEYlzMtnQjhw1Zc3UuleuR+RIPd8n1wLMIrzu5asyej74+z/QKBgQDiQU5ovkAjDNPqwv1IjFu5MIyntOeNUk9hkS+td+iHXfw+UPdsAE+odZ5b9xkPBQZ3B86ytP0DhDihu58b/brqfIl7xu9P/LeyrIlAJEPWu+V4z9f604/Nwpy8luRm9i3arYb2JVqVpLG5qxUwiUCURFn8C2DMwDkmKHk8eZaSGwKBgQDQB4I6bTCt6O1zQS+1+j2OF0FqtPejHQedfi9sl/xy2NO+Lgc1ZXid1dzDtSplQovyzh3ysovOGKmWtxiYywNdKMTRT2Ux8iQYKbbSt7teowXTAaLvu3obnnNMLUpq9rqTd0ure3WFQ70fqLBP6PxebqMtI8wP8BcDB7YOXsI71QKBgHpA93E5e8Z0o/1yJxIQZW+HgDkOUx/VnfcGUFDXPdoHOskhTtAYyvInu83Nksi+2mNu4I1Hpn9D7qXVj3+8dkdFy7QKJj1+PHRbLj5uWgmptbC1/eoWbtmrkq2Eix3nX5eNtCNEw9GgEDhW7Tgwsahr1oOOUlvQchDgRcIboPSJAoGBAJBMFQ4X/UM0pbhjiAeve5EbGno86uUO1uBszdKCnk6/jiiF3uQv7Xl2BfsOqEiy30ZdqLJXHNipjMEJYhth/oRZKiSR8PyzHExSawlA/swHQpv5r56gqXOM9ibp54vIduShRDC/o2X79ayHIz1au+t4zOEbyolnnV6xs5vGKO69AoGAMQxbEAMm19mq3+7JIoaAgamtSasgMCmF799rrov8hfcp7wexSz/MvKv7OG+/ShReWxeVNTileEkrg4xCzqnZokj7JVaCv2zlgCPJMhAUvto6BnF19moNplm2m1y+6O2u/1MUXSZ5idrhZg9Q25WFCXpE/yEZTPerRrJ10GNGJD4=";
/// The same key, PKCS#1 (`openssl rsa -traditional -outform DER`), for `keyType = "PKCS1"`.
const APP_PKCS1: &str = "MIIEowIBAAKCAQEAt9uylwyPGOhZiiNZFXAd4GSuK5OleBgZlBxayLnQqgpxlowEazM3gHq5P/4UeNCBvLy/ZRNdZvSJJ64dCa4z0ZVOLDC0c1yfZ4p8zWkIi7tRkN1hMhK0yZ81sAnkGJScZxvyN6ub4o3rGck+kLSVncreBq+XDD0T9/3qDM2vCYbXKbMmoVC2rfD3gbnZkp8vBt/4RLL3Sl04Ciqt3CTx6NmYdhWo9JsuAL39gamBoMzVTT52yzALoqa3OgacftM9Tc2HzUVaMhS60ovM3YIL4umYCdd/0cMU5ogSz0Z4KzXPcc9b1G1c6sECS/yzoIs99i3yqm2MCYkp72yRgGnJdwIDAQABAoIBAENOVo0MSHBWUr0KnqiF8DH+uXHzbX5O2EJLtQJJX7V3+Egj/tQdnkJW6u0dvvHRZsUolapTUfyIJZOUnkW2c3rUfRcZR135+NLnNDPgMQQyMTRmjpfNmEg9E+LbZBiJgs4OQXgWxwzDZl78uH4x1Zm7s9bfvdx5mY9N8Tn5rAvApZT75yMmMUrhhf+bqm621LUyQKKAp4nzt7U8BGGfwzX2ZZWpZRdoZvGIxnvCDb3t8HxwQ8aG5+tHmR+uZ43VE285EE37UjgdpmEGedPmyU/troptfii8b82++XJBGJczLZ0I4cNWXN1LpXrkfkSD3fJ9cCzCK87uWrMno++Ps/0CgYEA4kFOaL5AIwzT6sL9SIxbuTCMp7TnjVJPYZEvrXfoh138PlD3bABPqHWeW/cZDwUGdwfOsrT9A4Q4obufG/266nyJe8bvT/y3sqyJQCRD1rvleM/X+tOPzcKcvJbkZvYt2q2G9iValaSxuasVMIlAlERZ/AtgzMA5Jih5PHmWkhsCgYEA0AeCOm0wrejtc0Evtfo9jhdBarT3ox0HnX4vbJf8ctjTvi4HNWV4ndXcw7UqZUKL8s4d8rKLzhiplrcYmMsDXSjE0U9lMfIkGCm20re7XqMF0wGi77t6G55zTC1Kava6k3dLq3t1hUO9H6iwT+j8Xm6jLSPMD/AXAwe2Dl7CO9UCgYB6QPdxOXvGdKP9cicSEGVvh4A5DlMf1Z33BlBQ1z3aBzrJIU7QGMryJ7vNzZLIvtpjbuCNR6Z/Q+6l1Y9/vHZHRcu0CiY9fjx0Wy4+bloJqbWwtf3qFm7Zq5KthIsd51+XjbQjRMPRoBA4Vu04MLGoa9aDjlJb0HIQ4EXCG6D0iQKBgQCQTBUOF/1DNKW4Y4gHr3uRGxp6POrlDtbgbM3Sgp5Ov44ohd7kL+15dgX7DqhIst9GXaiyVxzYqYzBCWIbYf6EWSokkfD8sxxMUmsJQP7MB0Kb+a+eoKlzjPYm6eeLyHbkoUQwv6Nl+/WshyM9WrvreMzhG8qJZ51esbObxijuvQKBgDEMWxADJtfZqt/uySKGgIGprUmrIDAphe/fa66L/IX3Ke8HsUs/zLyr+zhvv0oUXlsXlTU4pXhJK4OMQs6p2aJI+yVWgr9s5YAjyTIQFL7aOgZxdfZqDaZZtptcvujtrv9TFF0meYna4WYPUNuVhQl6RP8hGUz3q0ayddBjRiQ+";
/// Its public key as a PKCS#1 RSAPublicKey (`openssl rsa -RSAPublicKey_out -outform DER`): what
/// the fake Alipay checks requests with, as Alipay does with the key the app uploaded.
const APP_PUBLIC: &str = "MIIBCgKCAQEAt9uylwyPGOhZiiNZFXAd4GSuK5OleBgZlBxayLnQqgpxlowEazM3gHq5P/4UeNCBvLy/ZRNdZvSJJ64dCa4z0ZVOLDC0c1yfZ4p8zWkIi7tRkN1hMhK0yZ81sAnkGJScZxvyN6ub4o3rGck+kLSVncreBq+XDD0T9/3qDM2vCYbXKbMmoVC2rfD3gbnZkp8vBt/4RLL3Sl04Ciqt3CTx6NmYdhWo9JsuAL39gamBoMzVTT52yzALoqa3OgacftM9Tc2HzUVaMhS60ovM3YIL4umYCdd/0cMU5ogSz0Z4KzXPcc9b1G1c6sECS/yzoIs99i3yqm2MCYkp72yRgGnJdwIDAQAB";
/// The fake Alipay's private key, PKCS#8: it signs the answers.
const ALIPAY_PKCS8: &str = "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCofk8uX2UNblRGJbR27eOwEh6KU1znPjIyxU7Shqa2Rt5EDmKYm1jq/GHXSmVmeADhoj4CvhIFDC5ihWTpNiUuHitEKuR+WECqEryGtelb85TVNwPzufqPDHctU9hPRmsyeLTyXIWqLxRlOz7NUWh/2TtW0J6luYvwV8H73N9cju6l7t8+SV8wrLZ7ryW73UoPYCpWQsVscugfkRRurNhabMLEgiFj7QosQmm78mOeRTFkp7QBDnkcijH3gAHHqYXUmpLENumb4q2X0d3IJ/XZ5Cp1uPMqPvugWkdqjpC/Tx/MfALHM1psienMlS2dXgMzf6l/B91EQgbjGRaONfJ5AgMBAAECggEABnyOWc+sWT8FGYo8D1QLLu0Tpemdqv1W+2NjLHGom13RErenDg709l7u+VXQ34gBKK6RSpO8p9sXMg3Gm7/M4KCis8Ye88o7+xArl9gK+tI+yZKLoWdogPdO4zzWF/8zA0doV+g98RZM57THLypSJpHbWfVAFks1WvRV8HdJVgvOhPbhXp7udEG/XffL/kOxJB6OZteac3W6pOjmZmqh3M17Smye7woL5FIfeI47q9nHn/LM4yTnoZ9orazO5ZIKQ+z67ukSCw6Klu7I0LKj/QWh0JvpcFQjfaPbg8eCXxM2zOMdrKtDyBuT5atxtKD7eX8m5x6yyonPDBqH81LJjQKBgQDpMYJ1qbbvFGX4RiNQG5WG9ZloKTLUTq7V7S3LsC4RQfepxdx/vKz2A2JOVLUPFMNMedmjrF8qP/Ntj3YWzgDRNlH0v+u6LfqOf6YR3a5uEH7yi366lGIRTDsbyuFkDi+0Tdcubg9htSTPDJOXjpoZQ8VZCrDEAirlPYIAo3LnKwKBgQC4+OXvdx2+bGoXbVYPqKHsuJopbbIoNMfQlasXTD2bn61m7jfo6tQ6EiU6FCslCtTYduMVgt+HBUXeK53mRPQcn/vSSHqTKHG+9SCPMKSvfo02eE7qVI+3uCHk8D0J7llesxxMz47fG+lqlD1P1d/OfeuWImVQIKWh6M3FRBQ66wKBgFEIyWMGBPHzzrOF/AN8cmuhsRuHJYithwgEEaP0py2MFPpELamd8STUbDb4LKr+9hb/SOgdoDxYWMk7zzeBgrsw+y3n+4yJKcaXCSiwNks9JEA4xWMk6SdFrEyuJcDVRTKM0jfqOyIjBpWEs005Wsdoy41zr5WNg0aCJ0j9g5JdAoGAStg7gde661BG5U/SYOelDXnstxKx4d7pcxb8caLh0tSbf2ioqtBKK20oLwX2JzjowuXoIM4h0CpsCOexLnl8JRD+/ilhn6Xf0JqzH/1YxcH5Na8cj2jD9lzFKjOjHx+Yfd8Pdm0NrG1I111AKcuqkY0WBFvKjs+G9aqTiFxxqx0CgYABdLT8jL4xtS5OZe77N/MrjstEKi1+n1JJwXuiAgCgXV/ccOniM7k7n8N1proKd20+uTMETilAZWULr4M4u9nnUcVdMgjMYlaX7S/viCEA/pDoyGu5xOzIgWjvrfLAnNTe2pQ4xLy89hN6kFNcSfZTEsfrXjUq++HADosFzpJaQA==";
/// Its public key, SubjectPublicKeyInfo (`openssl pkey -pubout -outform DER`), as Alipay's
/// console shows it: the app's `alipayPublicKey`.
const ALIPAY_SPKI: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqH5PLl9lDW5URiW0du3jsBIeilNc5z4yMsVO0oamtkbeRA5imJtY6vxh10plZngA4aI+Ar4SBQwuYoVk6TYlLh4rRCrkflhAqhK8hrXpW/OU1TcD87n6jwx3LVPYT0ZrMni08lyFqi8UZTs+zVFof9k7VtCepbmL8FfB+9zfXI7upe7fPklfMKy2e68lu91KD2AqVkLFbHLoH5EUbqzYWmzCxIIhY+0KLEJpu/JjnkUxZKe0AQ55HIox94ABx6mF1JqSxDbpm+Ktl9HdyCf12eQqdbjzKj77oFpHao6Qv08fzHwCxzNabInpzJUtnV4DM3+pfwfdREIG4xkWjjXyeQIDAQAB";
/// A third key, PKCS#8: an app configured with the wrong private key, and answers forged by
/// someone who is not Alipay.
const OTHER_PKCS8: &str = "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCeHJth8Fjr1yJPx/cIQeDzIXSfi652ctzN+Fc5EsgVYl/pu5ZE1tALUJgELEhb1wh7AOzXSoJnIak3vL67qlJ9+SwTyaAI/DloLk8L+rjKaJPLtLU5DdpEs+6rIl3y3vWrZgVI91CRFQZyT5XzCGE0LD86fLX1fwZeg6KshwZn31HYrO8xLVDLm69bkGF2lSZoE4p6Dug9gOKTJfcZdTJZCHZ+YVQGEJ82eIlhM4HIYJFjuab81DXJdnoXlXQIWH7mv0OPTwtUgA1uiQGKI2Vtyy2Pa+zzAIJnhorxCbkZhXw+7uTqDB56vrsyXD4ugo/6wlp2MgjoSZhXh+v8EMvdAgMBAAECggEAHX1pb81z0F0aXbYGucgLzF03ktBrNFV9IH+KyS7bGb309LPTtbg5KnsYN2MJBfQn9UU5Z3hStSielrJCAt+kLjHMyk4HZtWgYXGNtcbIM5xowIxOZrtSNBE5WTr6OePi/1pybucN5Fl/D9APQDqWYrREAMUk7QqJphQ4QaSXicTei24cpLw8uyhD/seBTQqmDn7LtlAd7kFCKJM9/Kh+ep13Ze2bHdAgEMLI2tTDTKXXSZA2sREPZr7+awERYh6HuYHTAUD8+Q+CBX/gQ7+34B6wz9VPF64SGayJ7dzq+LH0Zzjx4HtBg71Erzpp3fnmufZBStacU9bnt6Mq/NMZwQKBgQDZFAEmS3js995JA2x7j1CtkwIIupwvYhnLziqHrLpz3Jvn+tUWQ169TZ/8bFkGMi/o++L35AF9j1XdurykN9BR++Y1gsp5Lkz7zHdFzgfrv1EP4bdExpwio2sWBVTamXUvtMuBAz8wgmNdE25o242+pqiTVelWUPgDj3fq0GSI4QKBgQC6dgPsRg5/wdVbDhBbN1L7zvdtmSAjQGMcjaREoRaJGW/Vg4QtWmnMXH9sk2Q5UEdMgjIYkmS8m7b4Mu3kvlLWE0nNfVmPJJD6DQH6fRmRHtYUSPShMxR9mDe9CnmyibhV0FKCsJCtBnIfxdWW56s4BCZxdKqamgP22PH4JOq2fQKBgFgalWjcguTyqSZLHHF9tknse4vdaVyV3VBpibttMHOr2x8pH+kcSMxeQAusUemA3w8ZhIIF6VDzpu8KRlwERymvKj0Xq2PJlfcwgkwzleVpzdW7T627Sk2ItALJASqD1Bsbrujaz3+5u+hf5ZTrXzk83PiHit+8lxyi0xHbqKIhAoGAM5iqlzv/kRy7BFpM7mDNxr5Lu3ku6nJLur/7H76PtNpkFuowrjghpJpH7GyQxEdRo3s3j5Ma6xIPvHijWbPMyk5GEuXH3ZNZxsfIr17kr0KgLLbPcrfmyKZRbi8y49O2PZDK9D0Vm7t34xDkfMCYoYSMesK03tkVlb4MnwTgKiUCgYBW+dRV8exWP7vRIY87TzoEcaZxKwoWd+X8WzrDIeB7oZohqJR6eFo2g9Dt9BWA8rBj+dXOrC1xPM25SJLYCeav11Cwy08U+oOg6sZ9CP19b7lBTV+v/9bM/4T7fhmk6W8g05D3SNbNNKl8BYc+IwdcPyY1lORYdA+72zGUG6KgNA==";

fn der(b64: &str) -> Vec<u8> {
    STANDARD.decode(b64).unwrap()
}

// ---- the fake ------------------------------------------------------------------------------

const APPID: &str = "2021000000000001";
const METHOD: &str = "alipay.system.oauth.token";
const RESPONSE: &str = "alipay_system_oauth_token_response";

/// What the fake saw, and its keys.
struct Fake {
    /// Alipay's own key, signing its answers.
    alipay: RsaKeyPair,
    /// Someone else's, for forged answers.
    forger: RsaKeyPair,
    /// Every request, by what the fake made of it: `ok`, or the `sub_code` it refused with.
    seen: Mutex<Vec<String>>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            alipay: RsaKeyPair::from_pkcs8(&der(ALIPAY_PKCS8)).unwrap(),
            forger: RsaKeyPair::from_pkcs8(&der(OTHER_PKCS8)).unwrap(),
            seen: Mutex::new(Vec::new()),
        }
    }

    fn saw(&self, what: &str) {
        self.seen.lock().unwrap().push(what.to_string());
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    fn count(&self, what: &str) -> usize {
        self.seen().iter().filter(|s| *s == what).count()
    }
}

fn sign(key: &RsaKeyPair, content: &str) -> String {
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        content.as_bytes(),
        &mut signature,
    )
    .unwrap();
    STANDARD.encode(signature)
}

/// A gateway answer: `node` (written out as is) under `name`, signed by `key` unless `None`.
fn answer(name: &str, node: &str, key: Option<&RsaKeyPair>) -> HttpResponse {
    let body = match key {
        Some(key) => format!(r#"{{"{name}":{node},"sign":"{}"}}"#, sign(key, node)),
        None => format!(r#"{{"{name}":{node}}}"#),
    };
    HttpResponse::Ok()
        .content_type("text/html;charset=utf-8")
        .body(body)
}

/// Alipay's refusal, signed as Alipay signs it.
fn refusal(fake: &Fake, code: &str, msg: &str, sub_code: &str, sub_msg: &str) -> HttpResponse {
    fake.saw(sub_code);
    let node = json!({"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg});
    answer("error_response", &node.to_string(), Some(&fake.alipay))
}

/// An Alipay `user_id` for a test user: `2088` and twelve digits.
fn user_id(user: &str) -> String {
    let n = user
        .bytes()
        .fold(7u64, |a, b| (a * 131 + u64::from(b)) % 1_000_000_000_000);
    format!("2088{n:012}")
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A `yyyy-MM-dd HH:mm:ss` China-time timestamp as Unix seconds.
fn china_time(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| ts.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(n(0..4)?, n(5..7)?, n(8..10)?);
    Some(days * 86_400 + n(11..13)? * 3600 + n(14..16)? * 60 + n(17..19)? - 8 * 3600)
}

type Params = HashMap<String, String>;

/// `POST /gateway.do`: checks the request as Alipay's gateway does, then answers by code.
async fn gateway(fake: web::Data<Fake>, query: Query<Params>, form: Form<Params>) -> HttpResponse {
    let (query, form) = (query.into_inner(), form.into_inner());
    let invalid =
        |sub_code: &str| refusal(&fake, "40002", "Invalid Arguments", sub_code, "参数无效");
    // The common parameters in the query, the business ones in the body, nothing else.
    let mut query_keys: Vec<&str> = query.keys().map(String::as_str).collect();
    query_keys.sort_unstable();
    let mut form_keys: Vec<&str> = form.keys().map(String::as_str).collect();
    form_keys.sort_unstable();
    if query_keys
        != [
            "app_id",
            "charset",
            "format",
            "method",
            "sign",
            "sign_type",
            "timestamp",
            "version",
        ]
        || form_keys != ["code", "grant_type"]
    {
        return invalid("isv.invalid-parameter-place");
    }
    if query["method"] != METHOD {
        return refusal(
            &fake,
            "40004",
            "Business Failed",
            "isv.invalid-method",
            "不存在的方法名",
        );
    }
    if query["format"] != "JSON"
        || query["charset"] != "utf-8"
        || query["version"] != "1.0"
        || form["grant_type"] != "authorization_code"
    {
        return invalid("isv.invalid-parameter");
    }
    if query["sign_type"] != "RSA2" {
        return invalid("isv.invalid-signature-type");
    }
    if query["app_id"] != APPID {
        return invalid("isv.invalid-app-id");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if china_time(&query["timestamp"]).is_none_or(|t| (t - now).abs() > 600) {
        return invalid("isv.invalid-timestamp");
    }
    // The app's signature over every other parameter, sorted, `k=v&…`, values as sent.
    let mut pairs: Vec<(&String, &String)> = query
        .iter()
        .chain(form.iter())
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .collect();
    pairs.sort();
    let content = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let signature = STANDARD.decode(&query["sign"]).unwrap_or_default();
    if UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der(APP_PUBLIC))
        .verify(content.as_bytes(), &signature)
        .is_err()
    {
        return invalid("isv.invalid-signature");
    }
    let code = form["code"].clone();
    if code == "slow" {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    fake.saw("ok");
    let user = code.split('-').next().unwrap_or_default().to_string();
    // Written as Alipay's gateway writes it; the escaped slash is one a re-serialiser drops.
    let node = |id_field: &str, id: &str| {
        format!(
            r#"{{"access_token":"authusrB{user}","alipay_user_id":"20880{user}","auth_start":"2026-11-22 08:05:09","expires_in":1296000,"re_expires_in":2592000,"refresh_token":"authusrBr{user}","scope":"auth_base\/auth_user","{id_field}":"{id}"}}"#
        )
    };
    match code.as_str() {
        "bad" => refusal(
            &fake,
            "40002",
            "Invalid Arguments",
            "isv.code-invalid",
            "授权码code无效",
        ),
        "used" => refusal(
            &fake,
            "40002",
            "Invalid Arguments",
            "isv.code-used",
            "授权码已被使用",
        ),
        "garbage" => HttpResponse::BadGateway()
            .content_type("text/html")
            .body("<html>502 Bad Gateway</html>"),
        "junk" => HttpResponse::Ok()
            .content_type("text/html")
            .body("<html>系统繁忙</html>"),
        "nobody" => answer(
            RESPONSE,
            r#"{"access_token":"authusrB","expires_in":1296000}"#,
            Some(&fake.alipay),
        ),
        "inside" => answer(
            RESPONSE,
            r#"{"code":"20001","msg":"Insufficient Token Permissions","sub_code":"aop.invalid-auth-token","sub_msg":"无效的访问令牌"}"#,
            Some(&fake.alipay),
        ),
        "forged" => answer(
            RESPONSE,
            &node("user_id", &user_id("mallory")),
            Some(&fake.forger),
        ),
        "unsigned" => answer(RESPONSE, &node("user_id", &user_id("mallory")), None),
        "tampered" => {
            // Alipay's signature, but over another user than the answer names.
            let signed = sign(&fake.alipay, &node("user_id", &user_id("alice")));
            let body = format!(
                r#"{{"{RESPONSE}":{},"sign":"{signed}"}}"#,
                node("user_id", &user_id("mallory"))
            );
            HttpResponse::Ok().body(body)
        }
        _ if code.starts_with("openid-") => {
            let name = code.trim_start_matches("openid-");
            let node = format!(
                r#"{{"access_token":"authusrB{name}","auth_start":"2026-11-22 08:05:09","expires_in":1296000,"open_id":"074a1Cc{name}Ke4xQC0zgNdId0nxi95b5lsNpaz","re_expires_in":2592000,"refresh_token":"authusrBr{name}"}}"#
            );
            answer(RESPONSE, &node, Some(&fake.alipay))
        }
        _ if !user.is_empty() && user != "slow" => answer(
            RESPONSE,
            &node("user_id", &user_id(&user)),
            Some(&fake.alipay),
        ),
        "slow" => answer(
            RESPONSE,
            &node("user_id", &user_id("slow")),
            Some(&fake.alipay),
        ),
        _ => refusal(
            &fake,
            "40002",
            "Invalid Arguments",
            "isv.code-invalid",
            "授权码code无效",
        ),
    }
}

async fn serve_alipay(fake: Arc<Fake>) -> String {
    let base = crate::support::serve_fake(move |cfg| {
        cfg.app_data(web::Data::from(fake.clone()))
            .route("/gateway.do", web::post().to(gateway));
    });
    format!("{base}/gateway.do")
}

/// The mini program's uni-id credentials: `extra` lines go into `["mp-alipay".oauth.alipay]`.
fn alipay_config(gateway: &str, private_key: &str, extra: &str) -> String {
    format!(
        r#"
[plugins.alipay]
gateway = "{gateway}"
timeoutSecs = 1

["mp-alipay".oauth.alipay]
appid = "{APPID}"
privateKey = "{private_key}"
{extra}
"#
    )
}

/// The app as Alipay's docs advise: its answers checked with Alipay's public key.
async fn app_with_alipay(backend: Backend) -> (TestApp, Arc<Fake>) {
    app_configured(
        backend,
        APP_PKCS8,
        &format!("alipayPublicKey = \"{ALIPAY_SPKI}\""),
    )
    .await
}

async fn app_configured(backend: Backend, private_key: &str, extra: &str) -> (TestApp, Arc<Fake>) {
    let fake = Arc::new(Fake::new());
    let gateway = serve_alipay(fake.clone()).await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&alipay_config(&gateway, private_key, extra))
        .start()
        .await;
    (app, fake)
}

async fn login(app: &TestApp, code: &str) -> Value {
    login_on(app, "mp-alipay", code).await
}

async fn login_on(app: &TestApp, platform: &str, code: &str) -> Value {
    app.call("loginByAlipay")
        .client(json!({"uniPlatform": platform}))
        .params(json!({"code": code}))
        .send()
        .await
}

/// The user's third-party ids as `provider.kind.platform=value`.
async fn slots(app: &TestApp, uid: &str) -> Vec<String> {
    let uid = uid.to_string();
    app.host
        .db
        .run(move |conn| unid_core::accounts::third_party::ids_of(conn, &uid))
        .await
        .unwrap()
        .iter()
        .map(|i| format!("{}.{}.{}={}", i.provider, i.kind, i.platform, i.value))
        .collect()
}

/// Asserts uni-id's `uni-id-get-third-party-account-failed`, in both languages.
async fn assert_account_failed(app: &TestApp, method: &str, code: &str, token: Option<&str>) {
    for (locale, text) in [
        ("zh-Hans", "获取第三方账号失败"),
        ("en", "Get third party account failed"),
    ] {
        let mut call = app
            .call(method)
            .client(json!({"uniPlatform": "mp-alipay"}))
            .locale(locale)
            .params(json!({"code": code}));
        if let Some(token) = token {
            call = call.token(token);
        }
        let r = call.send().await;
        assert_eq!(
            r["errCode"], "uni-id-get-third-party-account-failed",
            "{code}: {r}"
        );
        assert_eq!(r["errMsg"], text, "{code}");
    }
}

// ---- the API -------------------------------------------------------------------------------

async fn an_alipay_user_registers_once_and_then_logs_in(backend: Backend) {
    let (app, fake) = app_with_alipay(backend).await;
    let first = login(&app, "alice-1").await;
    assert_eq!(first["errCode"], 0, "{first}");
    assert_eq!(first["type"], "register");
    assert_eq!(first["passwordConfirmed"], false);
    let before = app.clock.now_ms();
    let again = login(&app, "alice-2").await;
    let after = app.clock.now_ms();
    assert_eq!(again["type"], "login", "{again}");
    assert_eq!(again["uid"], first["uid"]);
    // Both requests passed the fake's checks (method, parameters, timestamp, signature).
    assert_eq!(fake.seen(), ["ok", "ok"]);
    assert_eq!(app.user_count().await, 1);
    assert_eq!(app.log_rows("register", 1).await, 1);
    assert_eq!(app.log_rows("login", 1).await, 1);
    let info = app.account_info(&token_of(&again)).await;
    assert_eq!(info["isAlipayBound"], true);
    assert_eq!(info["isWeixinBound"], false);
    // uni-id's document shape: ali_openid, the Alipay user_id.
    let uid = first["uid"].as_str().unwrap();
    assert_eq!(
        slots(&app, uid).await,
        [format!("alipay.openid.={}", user_id("alice"))]
    );
    // Another Alipay user is another account.
    let bob = login(&app, "bob-1").await;
    assert_eq!(bob["type"], "register", "{bob}");
    assert_ne!(bob["uid"], first["uid"]);
    // The user's tokens are cached under a uni-open-bridge-style key, sealed at rest.
    let key = format!(
        "uni-id:alipay-mp:{APPID}:{}:user-access-token",
        user_id("alice")
    );
    let (host, now) = (app.host.clone(), app.clock.now_ms());
    let cached = app
        .db(move |conn| host.credentials.get(conn, &key, now))
        .await
        .expect("tokens cached");
    let cached: Value = serde_json::from_str(&cached).unwrap();
    assert_eq!(cached["access_token"], "authusrBalice");
    assert_eq!(cached["refresh_token"], "authusrBralice");
    // Alipay's expires_in and re_expires_in after the last login, in ms.
    let expired = |key: &str| cached[key].as_i64().unwrap();
    assert!((before..=after).contains(&(expired("access_token_expired") - 1_296_000_000)));
    assert!((before..=after).contains(&(expired("refresh_token_expired") - 2_592_000_000)));
    let raw = app
        .db(|conn| {
            use diesel::prelude::*;
            use unid_core::db::schema::credential_cache;
            Ok(unid_core::db_run!(conn: {
                credential_cache::table.select(credential_cache::value).load::<String>(conn)
            })?)
        })
        .await;
    assert!(
        !raw.is_empty() && raw.iter().all(|v| !v.contains("authusrB")),
        "sealed"
    );
    // An unknown invite code stops a registration, as uni-id's postRegister does.
    let r = app
        .call("loginByAlipay")
        .client(json!({"uniPlatform": "mp-alipay"}))
        .params(json!({"code": "carol-1", "inviteCode": "NOPE42"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-invite-code", "{r}");
    assert_eq!(app.user_count().await, 2);
}

async fn an_app_in_open_id_mode_signs_in_by_open_id(backend: Backend) {
    let (app, _) = app_with_alipay(backend).await;
    let first = login(&app, "openid-dora").await;
    assert_eq!(first["errCode"], 0, "{first}");
    assert_eq!(first["type"], "register");
    assert_eq!(login(&app, "openid-dora").await["uid"], first["uid"]);
    assert_eq!(
        slots(&app, first["uid"].as_str().unwrap()).await,
        ["alipay.openid.=074a1CcdoraKe4xQC0zgNdId0nxi95b5lsNpaz"]
    );
}

async fn alipay_failures_are_clean_in_both_languages_and_logged(backend: Backend) {
    let (app, fake) = app_with_alipay(backend).await;
    let codes = [
        // Alipay's refusals.
        "bad", "used", "inside",
        // Answers that are not Alipay's: signed by another key, signed over other content,
        // not signed at all.
        "forged", "tampered", "unsigned",
        // Answers that are no answer: an error page, a page with status 200, no user id.
        "garbage", "junk", "nobody",
    ];
    for code in codes {
        assert_account_failed(&app, "loginByAlipay", code, None).await;
    }
    assert_eq!(app.user_count().await, 0, "no account is made");
    assert_eq!(app.log_rows("login", 0).await, 2 * codes.len() as i64);
    assert_eq!(app.log_rows("register", 1).await, 0);
    assert_eq!(fake.count("isv.code-invalid"), 2);
    assert_eq!(fake.count("isv.code-used"), 2);
    // Each request itself was right: the fake refused none for its form.
    assert!(
        fake.seen()
            .iter()
            .all(|s| ["ok", "isv.code-invalid", "isv.code-used"].contains(&s.as_str())),
        "{:?}",
        fake.seen()
    );
}

async fn without_alipay_s_public_key_answers_are_not_checked(backend: Backend) {
    // As uni-id: the answer's signature is checked only when alipayPublicKey is configured.
    let (app, _) = app_configured(backend, APP_PKCS8, "").await;
    let r = login(&app, "unsigned").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["type"], "register");
    let r2 = login(&app, "forged").await;
    assert_eq!(r2["uid"], r["uid"], "{r2}");
    // Refusals and garbage are failures all the same.
    assert_account_failed(&app, "loginByAlipay", "bad", None).await;
    assert_account_failed(&app, "loginByAlipay", "junk", None).await;
    assert_eq!(app.user_count().await, 1);
    assert_eq!(app.log_rows("login", 0).await, 4);
}

async fn a_silent_alipay_times_out(backend: Backend) {
    let (app, _) = app_with_alipay(backend).await;
    let started = std::time::Instant::now();
    let r = login(&app, "slow").await;
    assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed", "{r}");
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "gave up at timeoutSecs"
    );
    assert_eq!(app.user_count().await, 0);
    assert_eq!(app.log_rows("login", 0).await, 1);
}

async fn the_gateway_refuses_a_request_it_cannot_verify(backend: Backend) {
    // The app configured with a private key Alipay does not know.
    let (app, fake) = app_configured(
        backend,
        OTHER_PKCS8,
        &format!("alipayPublicKey = \"{ALIPAY_SPKI}\""),
    )
    .await;
    assert_account_failed(&app, "loginByAlipay", "alice-1", None).await;
    assert_eq!(
        fake.seen(),
        ["isv.invalid-signature", "isv.invalid-signature"]
    );
    assert_eq!(app.user_count().await, 0);
    assert_eq!(app.log_rows("login", 0).await, 2);

    // The right key as PKCS#1 (keyType PKCS1) is the same key.
    let (app, fake) = app_configured(
        backend,
        APP_PKCS1,
        &format!("keyType = \"PKCS1\"\nalipayPublicKey = \"{ALIPAY_SPKI}\""),
    )
    .await;
    let r = login(&app, "alice-1").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(fake.seen(), ["ok"]);
    // A server clock an hour off: Alipay refuses the timestamp.
    app.advance_secs(3600);
    assert_account_failed(&app, "loginByAlipay", "alice-2", None).await;
    assert_eq!(fake.count("isv.invalid-timestamp"), 2);
}

async fn concurrent_first_logins_make_one_user(backend: Backend) {
    let (app, fake) = app_with_alipay(backend).await;
    let app = Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            login(&app, &format!("alice-{i}")).await
        }));
    }
    let mut uids = Vec::new();
    let mut registered = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r["errCode"], 0, "{r}");
        registered += usize::from(r["type"] == "register");
        uids.push(r["uid"].as_str().unwrap().to_string());
    }
    uids.dedup();
    assert_eq!(uids.len(), 1, "one account: {uids:?}");
    assert_eq!(registered, 1);
    assert_eq!(app.user_count().await, 1);
    assert_eq!(fake.count("ok"), 8);
}

async fn bind_and_unbind_keep_uni_id_s_rules(backend: Backend) {
    let (app, _) = app_with_alipay(backend).await;
    let admin = app.admin_token().await;
    for name in ["paula", "quinn"] {
        let r = app
            .call("addUser")
            .token(&admin)
            .params(json!({"username": name, "password": "Secret-Pass-123"}))
            .send()
            .await;
        assert_eq!(r["errCode"], 0, "{r}");
    }
    let paula = token_of(&app.login("paula", "Secret-Pass-123").await);
    let quinn = token_of(&app.login("quinn", "Secret-Pass-123").await);
    let bind = |token: String, code: &'static str| {
        let app = &app;
        async move {
            app.call("bindAlipay")
                .client(json!({"uniPlatform": "mp-alipay"}))
                .token(&token)
                .params(json!({"code": code}))
                .send()
                .await
        }
    };
    assert_eq!(app.account_info(&paula).await["isAlipayBound"], false);
    // uni-id's bindAlipay always fails (spec §17); this one binds.
    let r = bind(paula.clone(), "alice-1").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(app.account_info(&paula).await["isAlipayBound"], true);
    assert_eq!(app.log_rows("bind-alipay", 1).await, 1);
    // The Alipay user now signs in to Paula's account.
    let r = login(&app, "alice-2").await;
    assert_eq!(r["type"], "login", "{r}");
    assert_eq!(r["uid"], app.login("paula", "Secret-Pass-123").await["uid"]);
    // Quinn cannot take it; Paula cannot bind it twice.
    let r = bind(quinn.clone(), "alice-3").await;
    assert_eq!(r["errCode"], "uni-id-bind-conflict", "{r}");
    assert_eq!(r["errMsg"], "此账号已被绑定");
    assert_eq!(
        bind(paula.clone(), "alice-4").await["errCode"],
        "uni-id-bind-conflict"
    );
    // Alipay refusing the code: uni-id's error, a failed bind row, nothing bound.
    assert_account_failed(&app, "bindAlipay", "bad", Some(&quinn)).await;
    assert_eq!(app.log_rows("bind-alipay", 0).await, 4);
    assert_eq!(app.account_info(&quinn).await["isAlipayBound"], false);
    // From another platform than the mini program.
    let r = app
        .call("bindAlipay")
        .client(json!({"uniPlatform": "app"}))
        .token(&quinn)
        .params(json!({"code": "alice-5"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
    // Unbinding: Paula keeps her password, so Alipay may go.
    let unbind = |token: String| {
        let app = &app;
        async move { app.call("unbindAlipay").token(&token).send().await }
    };
    assert_eq!(unbind(paula.clone()).await["errCode"], 0);
    assert_eq!(app.account_info(&paula).await["isAlipayBound"], false);
    assert_eq!(app.log_rows("unbind-alipay", 1).await, 1);
    assert_eq!(
        unbind(paula.clone()).await["errCode"],
        "uni-id-unbind-failed"
    );
    // Now Quinn can bind it, and the Alipay user signs in to Quinn's account.
    assert_eq!(bind(quinn.clone(), "alice-6").await["errCode"], 0);
    let r = login(&app, "alice-7").await;
    assert_eq!(r["uid"], app.login("quinn", "Secret-Pass-123").await["uid"]);
    // An Alipay-only account may not remove its only way in.
    let only = login(&app, "erin-1").await;
    assert_eq!(only["type"], "register");
    let r = unbind(token_of(&only)).await;
    assert_eq!(r["errCode"], "uni-id-unbind-mobile-not-exists", "{r}");
    assert_eq!(
        r["errMsg"],
        "这是当前唯一登录方式，请绑定手机号后再尝试解绑"
    );
    assert_eq!(
        app.account_info(&token_of(&only)).await["isAlipayBound"],
        true
    );
    assert_eq!(app.log_rows("unbind-alipay", 0).await, 2);
    // Without a token: uni-id's token error.
    let r = app.call("unbindAlipay").send().await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed");
    let r = app
        .call("bindAlipay")
        .client(json!({"uniPlatform": "mp-alipay"}))
        .params(json!({"code": "alice-8"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed");
}

async fn supported(app: &TestApp, platform: &str) -> Vec<String> {
    let r = app
        .call("getSupportedLoginType")
        .client(json!({"uniPlatform": platform}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    r["supportedLoginType"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

async fn login_types_follow_the_config(backend: Backend) {
    let (app, _) = app_with_alipay(backend).await;
    assert!(
        supported(&app, "mp-alipay")
            .await
            .contains(&"alipay".to_string())
    );
    for platform in ["app", "web", "mp-weixin"] {
        let types = supported(&app, platform).await;
        assert!(
            !types.contains(&"alipay".to_string()),
            "{platform}: {types:?}"
        );
    }
    // And a server without Alipay credentials offers it nowhere.
    let bare = TestApp::start(backend).await;
    let types = supported(&bare, "mp-alipay").await;
    assert!(!types.contains(&"alipay".to_string()), "{types:?}");
}

async fn missing_or_invalid_credentials_name_the_key(backend: Backend) {
    let expect = |r: &Value, code: &str, text: &str| {
        assert_eq!(r["errCode"], code, "{r}");
        assert_eq!(r["errMsg"], text, "{r}");
    };
    // Nothing configured.
    let bare = TestApp::start(backend).await;
    expect(
        &login(&bare, "alice-1").await,
        "uni-id-config-field-required",
        "缺少配置项: mp-alipay.oauth.alipay.appid",
    );
    let fake = Arc::new(Fake::new());
    let gateway = serve_alipay(fake.clone()).await;
    let with = |oauth: &str| {
        let gateway = gateway.clone();
        let oauth = oauth.to_string();
        async move {
            TestApp::builder(backend)
                .without_test_mode()
                .config(&format!(
                    "[plugins.alipay]\ngateway = \"{gateway}\"\n\n[\"mp-alipay\".oauth.alipay]\n{oauth}\n"
                ))
                .start()
                .await
        }
    };
    let app = with(&format!("appid = \"{APPID}\"")).await;
    expect(
        &login(&app, "alice-1").await,
        "uni-id-config-field-required",
        "缺少配置项: mp-alipay.oauth.alipay.privateKey",
    );
    // A private key that is not one; the answer names the key, never shows it.
    let app = with(&format!(
        "appid = \"{APPID}\"\nprivateKey = \"{}\"",
        &APP_PKCS8[..800]
    ))
    .await;
    let r = login(&app, "alice-1").await;
    expect(
        &r,
        "uni-id-config-field-invalid",
        "配置项: mp-alipay.oauth.alipay.privateKey无效",
    );
    assert!(!r.to_string().contains(&APP_PKCS8[100..140]));
    let r = app
        .call("loginByAlipay")
        .client(json!({"uniPlatform": "mp-alipay"}))
        .locale("en")
        .params(json!({"code": "alice-1"}))
        .send()
        .await;
    expect(
        &r,
        "uni-id-config-field-invalid",
        "Config field: mp-alipay.oauth.alipay.privateKey is invalid",
    );
    // The PKCS#8 key said to be PKCS#1.
    let app = with(&format!(
        "appid = \"{APPID}\"\nprivateKey = \"{APP_PKCS8}\"\nkeyType = \"PKCS1\""
    ))
    .await;
    expect(
        &login(&app, "alice-1").await,
        "uni-id-config-field-invalid",
        "配置项: mp-alipay.oauth.alipay.privateKey无效",
    );
    let app = with(&format!(
        "appid = \"{APPID}\"\nprivateKey = \"{APP_PKCS8}\"\nkeyType = \"PKCS7\""
    ))
    .await;
    expect(
        &login(&app, "alice-1").await,
        "uni-id-config-field-invalid",
        "配置项: mp-alipay.oauth.alipay.keyType无效",
    );
    // Alipay's public key given as a private key, or as garbage.
    for bad in [OTHER_PKCS8, "not-a-key"] {
        let app = with(&format!(
            "appid = \"{APPID}\"\nprivateKey = \"{APP_PKCS8}\"\nalipayPublicKey = \"{bad}\""
        ))
        .await;
        expect(
            &login(&app, "alice-1").await,
            "uni-id-config-field-invalid",
            "配置项: mp-alipay.oauth.alipay.alipayPublicKey无效",
        );
    }
    // None of these reached Alipay, nor made an account or a failed login row: the server's
    // configuration is at fault, not the user's code.
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());
    assert_eq!(app.user_count().await, 0);
    assert_eq!(app.log_rows("login", 0).await, 0);
}

async fn wrong_parameters_are_the_validator_s(backend: Backend) {
    let (app, fake) = app_with_alipay(backend).await;
    let call = |params: Value| {
        let app = &app;
        async move {
            app.call("loginByAlipay")
                .client(json!({"uniPlatform": "mp-alipay"}))
                .params(params)
                .send()
                .await
        }
    };
    for params in [
        json!({"code": 12}),
        json!({"code": ["alice-1"]}),
        json!({"code": "alice-1", "inviteCode": 5}),
    ] {
        let r = call(params.clone()).await;
        assert_eq!(r["errCode"], "uni-id-invalid-param", "{params}: {r}");
        assert_eq!(r["errMsg"], "参数错误");
    }
    let r = call(json!({})).await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    assert_eq!(r["errMsg"], "缺少参数: code");
    // Alipay sign-in is the Alipay mini program's.
    for platform in ["mp-weixin", "app", "web"] {
        let r = login_on(&app, platform, "alice-1").await;
        assert_eq!(r["errCode"], "uni-id-invalid-param", "{platform}: {r}");
    }
    let token = token_of(&login(&app, "alice-1").await);
    let r = app
        .call("bindAlipay")
        .client(json!({"uniPlatform": "mp-alipay"}))
        .token(&token)
        .params(json!({"code": {"a": 1}}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
    assert_eq!(fake.seen(), ["ok"], "only the valid call reached Alipay");
}

async fn the_plugin_section_is_checked_by_name(_: Backend) {
    let build = |toml: &str| {
        let config = Config::from_toml_str(toml, "test").unwrap();
        unid::plugins::build(&config).map(|plugins| {
            plugins
                .iter()
                .map(|p| p.id())
                .collect::<Vec<_>>()
                .contains(&"alipay")
        })
    };
    assert_eq!(build(""), Ok(true), "on by default");
    assert_eq!(build("[plugins.alipay]\nenabled = false"), Ok(false));
    for (toml, key) in [
        (
            "[plugins.alipay]\ntimeoutSecs = 0",
            "plugins.alipay.timeoutSecs",
        ),
        (
            "[plugins.alipay]\ngateway = \"openapi.alipay.com\"",
            "plugins.alipay.gateway",
        ),
        (
            "[plugins.alipay]\ngatway = \"https://openapi.alipay.com/gateway.do\"",
            "gatway",
        ),
        ("[plugins.alipay]\ntimeoutSecs = \"5\"", "timeoutSecs"),
    ] {
        let e = build(toml).expect_err(toml);
        assert!(
            e.contains("plugin alipay") && e.contains(key),
            "{toml}: {e}"
        );
    }
}
