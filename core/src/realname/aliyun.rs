//! The `aliyun` backend: Alibaba Cloud ID verification (金融级实人认证, product Cloudauth, API
//! version 2019-03-07), the service uniCloud's face verification runs on.
//!
//! - `InitFaceVerify` (SceneId, OuterOrderNo, ProductCode `ID_PRO`, CertType `IDENTITY_CARD`,
//!   CertName, CertNo, MetaInfo, UserId) →
//!   `{"Code":"200","ResultObject":{"CertifyId":"…"}}`;
//! - `DescribeFaceVerify` (SceneId, CertifyId) →
//!   `{"Code":"200","ResultObject":{"Passed":"T"|"F","SubCode":"…","MaterialInfo":"<JSON>"}}`,
//!   where MaterialInfo's `facialPictureFront.pictureUrl` is the liveness photo.
//!
//! Both are RPC-style calls signed with Aliyun's signature V1 (shared with the SMS and univerify
//! plugins), sent as POST forms. A `Code` other than `200` is a refusal, except DescribeFaceVerify's
//! `403` (认证未完成, not finished) and `424` (no record yet: the CertifyId was not used, was
//! abandoned, or is still being processed), which cloudauth's error-code table gives for a
//! verification that has not finished; a result without `Passed` is taken the same way.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use super::{CertifyRequest, FaceVerifier, FrvError, FrvFuture, Outcome};
use crate::metrics::Metrics;
use crate::outbound::aliyun_rpc::{encode_pairs, signature};
use crate::outbound::time::iso8601;

const PROVIDER: &str = "frv-aliyun";
const API_VERSION: &str = "2019-03-07";
/// Largest liveness photo downloaded.
const MAX_PICTURE: usize = 4 << 20;

fn default_endpoint() -> String {
    "https://cloudauth.aliyuncs.com".to_string()
}

fn default_timeout() -> u64 {
    10
}

fn default_product() -> String {
    "ID_PRO".to_string()
}

/// `[realname.aliyun]`.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AliyunConfig {
    pub access_key_id: String,
    /// Never printed.
    pub access_key_secret: String,
    /// The authentication scene made in the console.
    pub scene_id: u64,
    /// `ID_PRO` (app SDK) unless the scene says otherwise.
    #[serde(default = "default_product")]
    pub product_code: String,
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

impl fmt::Debug for AliyunConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunConfig")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"****")
            .field("scene_id", &self.scene_id)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

pub struct AliyunVerifier {
    config: AliyunConfig,
    client: reqwest::Client,
}

/// The signed form of `action` with its own `params` (RPC common parameters added).
pub fn signed_params(
    config: &AliyunConfig,
    action: &str,
    params: &[(&str, String)],
    now_secs: i64,
    nonce: &str,
) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = [
        ("AccessKeyId", config.access_key_id.clone()),
        ("Action", action.to_string()),
        ("Format", "JSON".to_string()),
        ("SignatureMethod", "HMAC-SHA1".to_string()),
        ("SignatureNonce", nonce.to_string()),
        ("SignatureVersion", "1.0".to_string()),
        ("Timestamp", iso8601(now_secs)),
        ("Version", API_VERSION.to_string()),
    ]
    .into_iter()
    .chain(params.iter().cloned())
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    all.sort();
    let sig = signature(&config.access_key_secret, "POST", &all);
    all.push(("Signature".to_string(), sig));
    all
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "ResultObject")]
    result: Option<Value>,
}

impl AliyunVerifier {
    pub fn new(config: AliyunConfig) -> Result<AliyunVerifier, String> {
        for (name, value) in [
            ("accessKeyId", &config.access_key_id),
            ("accessKeySecret", &config.access_key_secret),
        ] {
            if value.trim().is_empty() {
                return Err(format!(
                    "config key `realname.aliyun.{name}` must not be empty"
                ));
            }
        }
        crate::outbound::http::check_url("realname.aliyun.endpoint", &config.endpoint)?;
        if !(1..=120).contains(&config.timeout_secs) {
            return Err("config key `realname.aliyun.timeoutSecs` must be 1–120".into());
        }
        let client = super::http_client("realname.aliyun", config.timeout_secs)?;
        Ok(AliyunVerifier { config, client })
    }

    /// `action`'s `ResultObject`; `None`: a verification not finished yet (see the module doc).
    async fn call(
        &self,
        metrics: &Metrics,
        action: &str,
        params: &[(&str, String)],
    ) -> Result<Option<Value>, FrvError> {
        super::observed(metrics, PROVIDER, self.exchange(action, params)).await
    }

    async fn exchange(
        &self,
        action: &str,
        params: &[(&str, String)],
    ) -> Result<Option<Value>, FrvError> {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let now = crate::clock::Clock::system().now_ms() / 1000;
        let body = encode_pairs(&signed_params(&self.config, action, params, now, &nonce));
        let unreachable = |e: reqwest::Error| FrvError::Unreachable(e.without_url().to_string());
        let response = self
            .client
            .post(&self.config.endpoint)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(unreachable)?;
        let answer: Answer = serde_json::from_slice(&bytes).map_err(|_| {
            FrvError::Unreachable(format!(
                "HTTP {status}, an answer that is not Aliyun's JSON"
            ))
        })?;
        match answer.code.as_deref() {
            Some("200") => Ok(Some(answer.result.unwrap_or(Value::Null))),
            Some("403" | "424") if action == "DescribeFaceVerify" => Ok(None),
            code => Err(FrvError::Refused(format!(
                "{} {}",
                code.unwrap_or("?"),
                answer.message.unwrap_or_default()
            ))),
        }
    }

    /// The liveness photo MaterialInfo points to, if any (a failed download is no photo).
    async fn picture(&self, material: Option<&str>) -> Option<Vec<u8>> {
        let material: Value = serde_json::from_str(material?).ok()?;
        let url = material["facialPictureFront"]["pictureUrl"].as_str()?;
        let response = self.client.get(url).send().await.ok()?;
        if !response.status().is_success()
            || response
                .content_length()
                .is_some_and(|n| n > MAX_PICTURE as u64)
        {
            return None;
        }
        let bytes = response.bytes().await.ok()?;
        (bytes.len() <= MAX_PICTURE).then(|| bytes.to_vec())
    }
}

impl FaceVerifier for AliyunVerifier {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn certify_id<'a>(
        &'a self,
        metrics: &'a Metrics,
        req: &'a CertifyRequest,
    ) -> FrvFuture<'a, String> {
        Box::pin(async move {
            let order = hex::encode(rand::random::<[u8; 16]>());
            let result = self
                .call(
                    metrics,
                    "InitFaceVerify",
                    &[
                        ("SceneId", self.config.scene_id.to_string()),
                        ("OuterOrderNo", order),
                        ("ProductCode", self.config.product_code.clone()),
                        ("CertType", "IDENTITY_CARD".to_string()),
                        ("CertName", req.real_name.clone()),
                        ("CertNo", req.id_card.clone()),
                        ("MetaInfo", req.meta_info.clone()),
                        ("UserId", req.user_id.clone()),
                    ],
                )
                .await?
                .unwrap_or(Value::Null);
            result["CertifyId"]
                .as_str()
                .filter(|id| !id.is_empty() && id.len() <= 128)
                .map(str::to_string)
                .ok_or_else(|| FrvError::Refused("no CertifyId in the answer".into()))
        })
    }

    fn result<'a>(&'a self, metrics: &'a Metrics, certify_id: &'a str) -> FrvFuture<'a, Outcome> {
        Box::pin(async move {
            let result = self
                .call(
                    metrics,
                    "DescribeFaceVerify",
                    &[
                        ("SceneId", self.config.scene_id.to_string()),
                        ("CertifyId", certify_id.to_string()),
                    ],
                )
                .await?;
            let Some(result) = result else {
                return Ok(Outcome::Processing);
            };
            Ok(match result["Passed"].as_str() {
                Some("T") => Outcome::Success {
                    picture: self.picture(result["MaterialInfo"].as_str()).await,
                },
                Some("F") => Outcome::Fail,
                None | Some("") => Outcome::Processing,
                Some(other) => Outcome::Unknown(other.chars().take(16).collect()),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_action_and_its_parameters() {
        let config = AliyunConfig {
            access_key_id: "testid".into(),
            access_key_secret: "testsecret".into(),
            scene_id: 1_000_000_006,
            product_code: default_product(),
            endpoint: default_endpoint(),
            timeout_secs: 5,
        };
        let p = signed_params(
            &config,
            "DescribeFaceVerify",
            &[("CertifyId", "c1".into())],
            1_709_280_000,
            "n",
        );
        let get = |k: &str| p.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        assert_eq!(get("Action").as_deref(), Some("DescribeFaceVerify"));
        assert_eq!(get("Timestamp").as_deref(), Some("2024-03-01T08:00:00Z"));
        let unsigned: Vec<_> = p
            .iter()
            .filter(|(k, _)| k != "Signature")
            .cloned()
            .collect();
        assert_eq!(
            get("Signature"),
            Some(signature("testsecret", "POST", &unsigned))
        );
        let other = signed_params(
            &config,
            "DescribeFaceVerify",
            &[("CertifyId", "c2".into())],
            1_709_280_000,
            "n",
        );
        assert_ne!(
            get("Signature"),
            other
                .iter()
                .find(|(k, _)| k == "Signature")
                .map(|(_, v)| v.clone())
        );
    }
}
