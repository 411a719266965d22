//! The verification mail itself: subject, plain-text and HTML bodies in the caller's language,
//! naming what the code is for and how long it lasts. Every text comes from Fluent; the HTML
//! body escapes everything it inserts, so a sender name or a translation can never inject markup.

use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

/// What a mail says, before it becomes a MIME message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The facts a mail carries.
pub struct Facts<'a> {
    /// The code's scene (`register`, `login-by-email`…).
    pub scene: &'a str,
    pub code: &'a str,
    pub ttl_secs: u64,
    /// `fromName`: names the app in the subject.
    pub app_name: Option<&'a str>,
    /// `zh-Hans` or `en`, for the HTML `lang` attribute.
    pub lang: &'a str,
}

/// Whole minutes a code lasts, as uni-id rounds its SMS `expMinute` (never 0).
pub fn minutes(ttl_secs: u64) -> u64 {
    ((ttl_secs + 30) / 60).max(1)
}

/// Composes the mail with `text(id, args)` (the caller's locale).
pub fn compose(facts: &Facts, text: impl Fn(&str, &[(&str, String)]) -> String) -> Content {
    let purpose = text(&format!("unid-email-purpose-{}", facts.scene), &[]);
    let minutes = minutes(facts.ttl_secs);
    let plural = if minutes == 1 { "one" } else { "other" };
    let mut subject = text("unid-email-subject", &[("purpose", purpose.clone())]);
    if let Some(name) = facts.app_name.filter(|n| !n.trim().is_empty()) {
        subject = text(
            "unid-email-subject-named",
            &[("name", name.trim().to_string()), ("subject", subject)],
        );
    }
    let greeting = text("unid-email-greeting", &[]);
    let intro = text("unid-email-intro", &[("purpose", purpose)]);
    let validity = text(
        "unid-email-validity",
        &[
            ("minutes", minutes.to_string()),
            ("plural", plural.to_string()),
        ],
    );
    let ignore = text("unid-email-ignore", &[]);
    let code = facts.code;
    let plain = format!("{greeting}\n\n{intro}\n\n    {code}\n\n{validity}\n{ignore}\n");
    let e = escape_html;
    let html = format!(
        "<!DOCTYPE html>\n\
         <html lang=\"{lang}\">\n\
         <head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{subject_html}</title></head>\n\
         <body style=\"margin:0;padding:24px;background:#f5f5f5;color:#333;font-family:-apple-system,'PingFang SC','Microsoft YaHei',Helvetica,Arial,sans-serif;font-size:15px;line-height:1.6\">\n\
         <div style=\"max-width:480px;margin:0 auto;background:#fff;border-radius:8px;padding:32px\">\n\
         <p>{greeting}</p>\n\
         <p>{intro}</p>\n\
         <p style=\"font-size:32px;font-weight:bold;letter-spacing:8px;margin:24px 0\">{code}</p>\n\
         <p>{validity}</p>\n\
         <p style=\"color:#999;font-size:13px\">{ignore}</p>\n\
         </div>\n\
         </body>\n\
         </html>\n",
        lang = e(facts.lang),
        subject_html = e(&subject),
        greeting = e(&greeting),
        intro = e(&intro),
        code = e(code),
        validity = e(&validity),
        ignore = e(&ignore),
    );
    Content {
        subject,
        text: plain,
        html,
    }
}

/// Escapes text for an HTML element or a quoted attribute.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The MIME message: `multipart/alternative` with the text and HTML bodies.
pub fn build(from: &Mailbox, to: Address, content: Content) -> Result<Message, String> {
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, to))
        .subject(content.subject)
        .multipart(MultiPart::alternative_plain_html(
            content.text,
            content.html,
        ))
        .map_err(|e| format!("cannot build the message: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use unid_core::plugin::i18n::{I18n, Locale};

    fn i18n() -> I18n {
        let mut i18n = I18n::new();
        for (locale, text) in crate::LOCALES {
            i18n.add(*locale, text).expect("plugin strings parse");
        }
        i18n
    }

    fn facts<'a>(scene: &'a str, lang: &'a str, ttl_secs: u64) -> Facts<'a> {
        Facts {
            scene,
            code: "042917",
            ttl_secs,
            app_name: None,
            lang,
        }
    }

    #[test]
    fn every_scene_has_a_purpose_in_both_languages() {
        let i18n = i18n();
        for scene in crate::SCENES {
            for locale in Locale::ALL {
                let id = format!("unid-email-purpose-{scene}");
                assert!(i18n.has(locale, &id), "{id} in {}", locale.tag());
            }
        }
    }

    #[test]
    fn chinese_mail_names_the_purpose_code_and_minutes() {
        let i18n = i18n();
        let c = compose(&facts("reset-pwd-by-email", "zh-Hans", 180), |id, args| {
            i18n.message(Locale::ZhHans, id, args)
        });
        assert_eq!(c.subject, "重置密码验证码");
        assert!(c.text.contains("您正在重置密码，验证码为："), "{}", c.text);
        assert!(c.text.contains("    042917\n"));
        assert!(c.text.contains("验证码 3 分钟内有效"));
        assert!(c.html.contains("<html lang=\"zh-Hans\">"));
        assert!(c.html.contains(">042917</p>"));
        assert!(c.html.contains("验证码 3 分钟内有效"));
    }

    #[test]
    fn english_mail_counts_minutes_properly() {
        let i18n = i18n();
        let text = |id: &str, args: &[(&str, String)]| i18n.message(Locale::En, id, args);
        let c = compose(&facts("login-by-email", "en", 300), text);
        assert_eq!(c.subject, "Your verification code to sign in");
        assert!(c.text.contains("Use this code to sign in:"));
        assert!(
            c.text
                .contains("It is valid for 5 minutes. Do not share it with anyone."),
            "{}",
            c.text
        );
        let c = compose(&facts("register", "en", 60), text);
        assert!(c.text.contains("valid for 1 minute. "), "{}", c.text);
    }

    #[test]
    fn the_sender_name_is_escaped_in_html() {
        let i18n = i18n();
        let mut f = facts("bind-email", "en", 180);
        f.app_name = Some("<b>Tom & Jerry's</b>");
        let c = compose(&f, |id, args| i18n.message(Locale::En, id, args));
        assert_eq!(
            c.subject,
            "<b>Tom & Jerry's</b>: Your verification code to link this e-mail address to your account"
        );
        assert!(!c.html.contains("<b>"), "{}", c.html);
        assert!(
            c.html
                .contains("<title>&lt;b&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;: Your")
        );
    }

    #[test]
    fn minutes_round_like_uni_id_and_never_reach_zero() {
        assert_eq!(minutes(180), 3);
        assert_eq!(minutes(150), 3);
        assert_eq!(minutes(149), 2);
        assert_eq!(minutes(10), 1);
        assert_eq!(minutes(600), 10);
    }

    #[test]
    fn the_message_is_multipart_alternative() {
        let from: Mailbox = "unid <noreply@example.com>".parse().expect("mailbox");
        let to: Address = "user@example.com".parse().expect("address");
        let content = Content {
            subject: "s".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
        };
        let raw = String::from_utf8(build(&from, to, content).expect("builds").formatted())
            .expect("utf-8");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("To: user@example.com"), "{raw}");
    }
}
