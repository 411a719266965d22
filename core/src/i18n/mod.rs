//! Messages by key, in the caller's language (zh-Hans default, en).
//!
//! Texts live in `locales/<lang>/*.ftl` (Fluent). A key is the uni-id error code or another
//! message id; plugins add their own resources at start-up. A locale without a text for a key
//! falls back to zh-Hans, as uni-id does.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    ZhHans,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhHans, Locale::En];

    /// uni-id: `clientInfo.locale`; a language without a message table falls back to zh-Hans.
    pub fn from_tag(tag: Option<&str>) -> Locale {
        match tag {
            // Bytes, not `&t[..2]`: a client's tag may start with a multi-byte character.
            Some(t)
                if t.as_bytes()
                    .get(..2)
                    .is_some_and(|b| b.eq_ignore_ascii_case(b"en")) =>
            {
                Locale::En
            }
            _ => Locale::ZhHans,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhHans => "zh-Hans",
            Locale::En => "en",
        }
    }
}

/// The host's own resources, compiled in.
pub const CORE_RESOURCES: &[(Locale, &str, &str)] = &[
    (
        Locale::ZhHans,
        "errors.ftl",
        include_str!("../../../locales/zh-Hans/errors.ftl"),
    ),
    (
        Locale::En,
        "errors.ftl",
        include_str!("../../../locales/en/errors.ftl"),
    ),
    (
        Locale::ZhHans,
        "pages.ftl",
        include_str!("../../../locales/zh-Hans/pages.ftl"),
    ),
    (
        Locale::En,
        "pages.ftl",
        include_str!("../../../locales/en/pages.ftl"),
    ),
    (
        Locale::ZhHans,
        "admin.ftl",
        include_str!("../../../locales/zh-Hans/admin.ftl"),
    ),
    (
        Locale::En,
        "admin.ftl",
        include_str!("../../../locales/en/admin.ftl"),
    ),
];

pub struct I18n {
    bundles: HashMap<Locale, FluentBundle<FluentResource>>,
    /// Messages without placeables, formatted once: pages show dozens per render.
    plain: HashMap<Locale, HashMap<String, String>>,
    /// Page texts asked for in a locale that has no such message (see [`I18n::text`]).
    missing: Mutex<BTreeSet<(&'static str, String)>>,
}

impl I18n {
    /// The core strings; panics only if a shipped `.ftl` file is malformed, which the unit
    /// tests catch.
    pub fn new() -> Self {
        let mut i18n = I18n {
            bundles: HashMap::new(),
            plain: HashMap::new(),
            missing: Mutex::new(BTreeSet::new()),
        };
        for locale in Locale::ALL {
            let langid: LanguageIdentifier = locale
                .tag()
                .parse()
                .unwrap_or_else(|_| LanguageIdentifier::default());
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            // Bidi isolation marks would end up inside uni-id's plain-text errMsg.
            bundle.set_use_isolating(false);
            i18n.bundles.insert(locale, bundle);
        }
        for (locale, name, text) in CORE_RESOURCES {
            if let Err(e) = i18n.add(*locale, text) {
                panic!("locales/{}/{name}: {e}", locale.tag());
            }
        }
        i18n
    }

    /// Adds a resource (a plugin's strings); later messages override earlier ones.
    pub fn add(&mut self, locale: Locale, ftl: &str) -> Result<(), String> {
        let resource = FluentResource::try_new(ftl.to_string())
            .map_err(|(_, errors)| format!("{errors:?}"))?;
        let ids: Vec<String> = resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect();
        let bundle = self
            .bundles
            .get_mut(&locale)
            .ok_or_else(|| format!("no bundle for {}", locale.tag()))?;
        bundle.add_resource_overriding(resource);
        let plain = self.plain.entry(locale).or_default();
        for id in ids {
            let Some(pattern) = bundle.get_message(&id).and_then(|m| m.value()) else {
                continue;
            };
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, None, &mut errors);
            if errors.is_empty() {
                plain.insert(id, text.into_owned());
            } else {
                // Needs arguments: formatted per use.
                plain.remove(&id);
            }
        }
        Ok(())
    }

    /// A page text without arguments. Unlike [`I18n::message`], a text missing in `locale` is
    /// recorded (see [`I18n::missing`]) before falling back, so a test can fail on it.
    pub fn text<'a>(&'a self, locale: Locale, id: &'a str) -> &'a str {
        if let Some(text) = self.plain.get(&locale).and_then(|m| m.get(id)) {
            return text;
        }
        self.note_missing(locale, id);
        self.plain
            .get(&Locale::ZhHans)
            .and_then(|m| m.get(id))
            .map_or(id, String::as_str)
    }

    /// A page text with arguments; a text missing in `locale` is recorded like [`I18n::text`].
    pub fn text_with(&self, locale: Locale, id: &str, args: &[(&str, String)]) -> String {
        if !self.has(locale, id) {
            self.note_missing(locale, id);
        }
        self.message(locale, id, args)
    }

    fn note_missing(&self, locale: Locale, id: &str) {
        tracing::warn!(locale = locale.tag(), id, "page text missing");
        if let Ok(mut missing) = self.missing.lock() {
            missing.insert((locale.tag(), id.to_string()));
        }
    }

    /// Every `(locale, id)` a page asked for that its locale lacks, since start.
    pub fn missing(&self) -> Vec<(&'static str, String)> {
        self.missing
            .lock()
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn has(&self, locale: Locale, id: &str) -> bool {
        self.bundles.get(&locale).is_some_and(|b| b.has_message(id))
    }

    /// The text of `id` in `locale` (falling back to zh-Hans, then to the id itself).
    pub fn message(&self, locale: Locale, id: &str, args: &[(&str, String)]) -> String {
        for l in [locale, Locale::ZhHans] {
            let Some(bundle) = self.bundles.get(&l) else {
                continue;
            };
            let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
                continue;
            };
            let mut fargs = FluentArgs::new();
            for (name, value) in args {
                fargs.set(*name, FluentValue::from(value.as_str()));
            }
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
            return text.into_owned();
        }
        id.to_string()
    }
}

impl Default for I18n {
    fn default() -> Self {
        I18n::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn every_error_code_has_both_texts() {
        let i18n = I18n::new();
        for code in ErrorCode::ALL {
            for locale in Locale::ALL {
                assert!(
                    i18n.has(locale, code.as_str()),
                    "{} missing in {}",
                    code,
                    locale.tag()
                );
            }
        }
    }

    /// The spec §2.1 keys that are words or alternative texts rather than error codes.
    #[test]
    fn uni_id_words_and_alternative_texts_exist_in_both_languages() {
        let i18n = I18n::new();
        for id in ["login", "verify-mobile", "uni-id-admin-exist-in-other-apps"] {
            for locale in Locale::ALL {
                assert!(i18n.has(locale, id), "{id} missing in {}", locale.tag());
            }
        }
        assert_eq!(i18n.message(Locale::ZhHans, "login", &[]), "登录");
        assert_eq!(
            i18n.message(Locale::En, "verify-mobile", &[]),
            "verify phone number"
        );
    }

    #[test]
    fn interpolates_without_isolation_marks() {
        let i18n = I18n::new();
        let args = [("param", "username".to_string())];
        assert_eq!(
            i18n.message(Locale::ZhHans, "uni-id-param-required", &args),
            "缺少参数: username"
        );
        assert_eq!(
            i18n.message(Locale::En, "uni-id-param-required", &args),
            "Parameter required: username"
        );
    }

    #[test]
    fn picks_locale_like_uni_id() {
        assert_eq!(Locale::from_tag(Some("en")), Locale::En);
        assert_eq!(Locale::from_tag(Some("en-US")), Locale::En);
        assert_eq!(Locale::from_tag(Some("zh-Hans")), Locale::ZhHans);
        assert_eq!(Locale::from_tag(Some("fr")), Locale::ZhHans);
        assert_eq!(Locale::from_tag(None), Locale::ZhHans);
    }
}
