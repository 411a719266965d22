//! The OpenAPI 3.1 description of uni-id-co, generated from the method table the dispatcher
//! uses (core and plugin methods alike), so it cannot drift from what the server accepts.
//!
//! uni-id-co is RPC over HTTP: every method is `POST /uni-id-co/<method>` with the envelope
//! `{clientInfo, uniIdToken, params}` and every answer is status 200 with `errCode` (0, or one of
//! the codes in `components.schemas.ErrCode`). Parameter schemas come from the validator's
//! rules; each operation lists the error codes its access rule and parameters can produce
//! (`x-unid-error-codes`); any method may also answer the general ones.

use serde_json::{Map, Value, json};

use crate::api::methods::{Access, MethodSpec};
use crate::error::ErrorCode;
use crate::host::Host;
use crate::validator::rules::{MAX_EMAIL_BYTES, MAX_USERNAME_BYTES};

/// Codes any method may answer, whatever its parameters: the envelope, limits and failures.
const GENERAL: [ErrorCode; 4] = [
    ErrorCode::InvalidParam,
    ErrorCode::UnsupportedRequest,
    ErrorCode::SystemError,
    ErrorCode::RateLimited,
];

/// The document for this host's methods.
pub fn document(host: &Host) -> Value {
    let mut specs: Vec<&MethodSpec> = host.methods.iter().collect();
    specs.sort_unstable_by_key(|s| s.name);
    let mut paths = Map::new();
    for spec in specs {
        paths.insert(
            format!("/uni-id-co/{}", spec.name),
            json!({ "post": operation(spec) }),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "uni-id-co (unid)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "DCloud uni-id's cloud object API as unid serves it. Every method is POST /uni-id-co/<method> with {clientInfo, uniIdToken, params}; every answer is status 200 with errCode 0 on success or a uni-id error code, and errMsg in the caller's locale (clientInfo.locale).",
        },
        "servers": [{ "url": host.config.public_url() }],
        "paths": paths,
        "components": { "schemas": components() },
    })
}

fn operation(spec: &MethodSpec) -> Value {
    let needs_token = !matches!(spec.access, Access::Anonymous | Access::Signed);
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (key, field) in spec.schema {
        properties.insert((*key).to_string(), rule_schema(field.rule));
        if field.required {
            required.push(*key);
        }
    }
    let mut envelope_required = vec!["clientInfo"];
    if needs_token {
        envelope_required.push("uniIdToken");
    }
    let access = match spec.access {
        Access::Anonymous => "No token needed.".to_string(),
        Access::Signed => "No token: signed by a server holding requestAuthSecret (headers uni-id-nonce, uni-id-timestamp in ms, uni-id-signature = upper-case hex HMAC-SHA256 keyed by requestAuthSecret + nonce over timestamp + the sorted scalar params as k=v&…). A nonce is accepted once; the timestamp must be within 20 s of the server's clock.".to_string(),
        Access::Auth | Access::AuthNoRefresh => "Needs a valid uniIdToken.".to_string(),
        Access::Role(roles) => format!(
            "Needs a uniIdToken of a user with role admin or one of: {}.",
            roles.join(", ")
        ),
    };
    json!({
        "operationId": spec.name,
        "summary": spec.name,
        "description": access,
        "x-unid-error-codes": error_codes(spec),
        "requestBody": {
            "required": true,
            "content": { "application/json": { "schema": {
                "type": "object",
                "required": envelope_required,
                "properties": {
                    "clientInfo": { "$ref": "#/components/schemas/ClientInfo" },
                    "uniIdToken": { "type": "string" },
                    "params": {
                        "type": "object",
                        "properties": properties,
                        "required": required,
                    },
                },
            }}},
        },
        "responses": {
            "200": {
                "description": "errCode 0 and the method's fields, or a uni-id error.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Answer" } } },
            },
        },
    })
}

/// The codes this method's access rule and parameter rules can produce, then the general ones.
fn error_codes(spec: &MethodSpec) -> Vec<&'static str> {
    let mut codes = Vec::new();
    match spec.access {
        Access::Anonymous => {}
        Access::Signed => codes.extend([ErrorCode::IllegalRequest, ErrorCode::ConfigFieldRequired]),
        _ => codes.extend([ErrorCode::CheckTokenFailed, ErrorCode::TokenExpired]),
    }
    if matches!(spec.access, Access::Role(_)) {
        codes.push(ErrorCode::PermissionError);
    }
    if spec.schema.iter().any(|(_, f)| f.required) {
        codes.push(ErrorCode::ParamRequired);
    }
    for (_, field) in spec.schema {
        let code = match field.rule {
            "username" => Some(ErrorCode::InvalidUsername),
            "password" => Some(ErrorCode::InvalidPassword),
            "mobile" => Some(ErrorCode::InvalidMobile),
            "email" => Some(ErrorCode::InvalidEmail),
            "nickname" => Some(ErrorCode::InvalidNickname),
            _ => None,
        };
        codes.extend(code);
    }
    codes.extend(GENERAL);
    let mut seen = Vec::new();
    for code in codes {
        if !seen.contains(&code.as_str()) {
            seen.push(code.as_str());
        }
    }
    seen
}

/// A validator rule or type expression (`a|b`, `array<T>`) as JSON Schema.
fn rule_schema(rule: &str) -> Value {
    let alternatives = split_top(rule, b'|');
    if alternatives.len() > 1 {
        return json!({ "anyOf": alternatives.into_iter().map(rule_schema).collect::<Vec<_>>() });
    }
    if let Some(inner) = rule
        .strip_prefix("array<")
        .and_then(|r| r.strip_suffix('>'))
    {
        return json!({ "type": "array", "items": rule_schema(inner) });
    }
    match rule {
        "string" => json!({ "type": "string" }),
        "number" => json!({ "type": "number" }),
        "boolean" => json!({ "type": "boolean" }),
        "null" => json!({ "type": "null" }),
        "array" => json!({ "type": "array" }),
        "username" => json!({
            "type": "string",
            "pattern": "^(?![0-9]+$)[A-Za-z0-9_-]+$",
            "maxLength": MAX_USERNAME_BYTES,
            "description": "Letters, digits, _ and -; not all digits.",
        }),
        "password" => json!({
            "type": "string",
            "format": "password",
            "description": "Checked against the configured passwordStrength (unid's default: 8 to 128 characters, not common, not a repeated or sequential run).",
        }),
        "mobile" => json!({ "type": "string", "pattern": "^(1[0-9]{10})?$" }),
        "email" => {
            json!({ "type": "string", "maxLength": MAX_EMAIL_BYTES, "description": "Contains @." })
        }
        "nickname" => json!({
            "type": "string",
            "maxLength": 100,
            "description": "No @, not all digits, no zero-width characters.",
        }),
        // A plugin's or uni-id-co's own rule (idCard, realName, …): described by name.
        other => json!({ "description": format!("Checked by the rule `{other}`.") }),
    }
}

/// `s` split at `sep` where not inside `<…>`.
fn split_top(s: &str, sep: u8) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'<' => depth += 1,
            b'>' => depth = depth.saturating_sub(1),
            b if b == sep && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn components() -> Value {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "ClientInfo": {
            "type": "object",
            "description": "What uni-app's getSystemInfo reports; unid reads these fields.",
            "properties": {
                "appId": { "type": "string", "description": "The DCloud appid." },
                "uniPlatform": { "type": "string", "examples": ["web", "h5", "app", "mp-weixin"] },
                "deviceId": { "type": "string" },
                "locale": { "type": "string", "examples": ["zh-Hans", "en"] },
                "osName": { "type": "string" },
                "ua": { "type": "string" },
            },
        },
        "ErrCode": {
            "description": "0 on success, else one of uni-id's (and unid's) error codes.",
            "oneOf": [
                { "const": 0 },
                { "type": "string", "enum": codes },
            ],
        },
        "Answer": {
            "type": "object",
            "required": ["errCode", "errMsg"],
            "properties": {
                "errCode": { "$ref": "#/components/schemas/ErrCode" },
                "errMsg": { "type": "string" },
                "code": { "type": "integer", "description": "The numeric code uni-captcha and uni-id-common attach to some errors." },
                "newToken": {
                    "type": "object",
                    "required": ["token", "tokenExpired"],
                    "properties": {
                        "token": { "type": "string" },
                        "tokenExpired": { "type": "integer" },
                    },
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_expressions_become_json_schema() {
        assert_eq!(
            rule_schema("string|array<number|array<mobile>>"),
            json!({ "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "anyOf": [
                    { "type": "number" },
                    { "type": "array", "items": { "type": "string", "pattern": "^(1[0-9]{10})?$" } },
                ]}},
            ]})
        );
        assert_eq!(rule_schema("array<string>")["items"]["type"], "string");
    }
}
