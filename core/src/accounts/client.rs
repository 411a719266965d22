//! Who is calling, as far as account rules care: the app and platform (which pick the config),
//! the device (captchas are bound to it), the address (limits, the login log) and the agent.
//! The JSON API reads it from `clientInfo`; the pages build it from the browser request.

#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// As sent (`app-android`, `h5`, `mp-weixin`…).
    pub uni_platform: String,
    /// Normalised (`app`, `web`, `mp-weixin`…): picks the platform config section.
    pub platform: String,
    pub app_id: String,
    pub device_id: Option<String>,
    pub locale: Option<String>,
    pub client_ip: String,
    pub user_agent: Option<String>,
    pub os_name: Option<String>,
    pub app_name: Option<String>,
    pub app_version: Option<String>,
    pub app_version_code: Option<String>,
    pub channel: Option<String>,
    pub scene: Option<String>,
    /// What the request came through: the uni-id-co method, or the page's path (for the login
    /// log's `method`; not part of uni-id's clientInfo).
    pub via: Option<String>,
    /// What an app says about the device it runs on (`setPushCid` records it).
    pub device: DeviceInfo,
}

/// The device fields of uni-app's clientInfo, as `opendb-device` keeps them (spec §12.6).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceInfo {
    /// `deviceBrand`, stored as `vendor`.
    pub brand: Option<String>,
    pub model: Option<String>,
    pub os_version: Option<String>,
    pub os_language: Option<String>,
    pub os_theme: Option<String>,
    pub rom_name: Option<String>,
    pub rom_version: Option<String>,
    pub pixel_ratio: Option<f64>,
    pub window_width: Option<f64>,
    pub window_height: Option<f64>,
    pub screen_width: Option<f64>,
    pub screen_height: Option<f64>,
}
