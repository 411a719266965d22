//! `createCaptcha`, `refreshCaptcha` (spec §1.3, §8.3): answers shaped like uni-captcha's.

use serde_json::Value;

use crate::api::call::{Call, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::captcha;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::validator::{Field, Schema};
use crate::{method, reply};

static SCENE: &Schema = &[("scene", Field::required("string"))];

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!("createCaptcha", Access::Anonymous, SCENE, create_captcha),
        method!("refreshCaptcha", Access::Anonymous, SCENE, refresh_captcha),
    ]
}

async fn create_captcha(call: Call, params: Value) -> ApiResult<Reply> {
    issue(call, params, false).await
}

async fn refresh_captcha(call: Call, params: Value) -> ApiResult<Reply> {
    issue(call, params, true).await
}

async fn issue(call: Call, params: Value, refresh: bool) -> ApiResult<Reply> {
    let scene = req_str(&params, "scene")?;
    if !captcha::SCENES.contains(&scene.as_str()) {
        return Err(ApiError::new(ErrorCode::InvalidParam));
    }
    let device = call
        .client
        .device_id
        .clone()
        .ok_or_else(|| ApiError::new(ErrorCode::CaptchaDeviceIdRequired))?;
    let image = captcha::issue_image(
        &call.host,
        device,
        scene,
        call.client.client_ip.clone(),
        refresh,
    )
    .await?;
    let msg = call.text("uni-captcha-create-success", &[]);
    Ok(reply! { "code" => 0, "msg" => msg, "captchaBase64" => image })
}
