//! Client platforms as uni-id names them (spec §1.1 step 3, §4.1).

/// `app|app-plus|app-android|app-ios → app`, `web|h5 → web`, anything else unchanged.
pub fn normalize(platform: &str) -> &str {
    match platform {
        "app" | "app-plus" | "app-android" | "app-ios" => "app",
        "web" | "h5" => "web",
        other => other,
    }
}

/// Whether a top-level config key names a per-platform section rather than a setting.
/// `h5` and `app-plus` are uni-id's legacy names; they are accepted and merged like uni-id-common.
pub fn is_platform_key(key: &str) -> bool {
    matches!(key, "app" | "web" | "h5" | "app-plus" | "app-harmony")
        || key.starts_with("mp-")
        || key.starts_with("quickapp-")
}

/// The legacy section name uni-id-common also merges for a normalised platform.
pub fn legacy_alias(platform: &str) -> Option<&'static str> {
    match platform {
        "app" => Some("app-plus"),
        "web" => Some("h5"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_uni_id() {
        for (input, out) in [
            ("app", "app"),
            ("app-plus", "app"),
            ("app-android", "app"),
            ("app-ios", "app"),
            ("h5", "web"),
            ("web", "web"),
            ("mp-weixin", "mp-weixin"),
            ("app-harmony", "app-harmony"),
        ] {
            assert_eq!(normalize(input), out, "{input}");
        }
    }

    #[test]
    fn recognizes_platform_sections() {
        assert!(is_platform_key("mp-weixin"));
        assert!(is_platform_key("app"));
        assert!(!is_platform_key("tokenSecret"));
        assert!(!is_platform_key("server"));
    }
}
