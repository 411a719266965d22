//! `greeting`: the smallest useful unid plugin. It adds one authenticated method, `greet`, with
//! its own config section, validator rule and strings, and a page, `/greeting`, that is a second
//! face over the same rule — everything a login plugin uses, without the login. Compiled and
//! loaded by the test suite (tests/it/plugins.rs), quoted by docs/plugins.md.

use std::sync::Arc;

use askama::Template;
use serde::Deserialize;
use serde_json::{Value, json};
use unid_core::plugin::Host;
use unid_core::plugin::Plugin;
use unid_core::plugin::accounts::Caller;
use unid_core::plugin::accounts::ThirdPartyId;
use unid_core::plugin::actix_web::http::StatusCode;
use unid_core::plugin::actix_web::{HttpRequest, HttpResponse, web};
use unid_core::plugin::api::{Access, MethodSpec, Reply};
use unid_core::plugin::api::{Call, req_str};
use unid_core::plugin::api::{method, reply};
use unid_core::plugin::config::Config;
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};
use unid_core::plugin::i18n::Locale;
use unid_core::plugin::pages::{Page, PageCtx, ProfileAction, ProfileItem, UserView};
use unid_core::plugin::validator::{Field, Rule, Schema};

/// `[plugins.greeting]`: typed, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GreetingConfig {
    /// End the greeting with "!".
    #[serde(default)]
    pub exclamation: bool,
}

pub struct GreetingPlugin {
    config: GreetingConfig,
}

impl GreetingPlugin {
    /// Built by the plugin list (src/plugins.rs) from the whole config; an error names the key.
    pub fn from_config(config: &Config) -> Result<GreetingPlugin, String> {
        let config = config
            .plugin_section("greeting")
            .map_err(|e| e.to_string())?;
        Ok(GreetingPlugin { config })
    }
}

/// `mood` must pass the plugin's own rule, registered below as a validator mixin.
static GREET: &Schema = &[("mood", Field::required("greetingMood"))];

impl Plugin for GreetingPlugin {
    fn id(&self) -> &'static str {
        "greeting"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn methods(&self) -> Vec<MethodSpec> {
        vec![method!("greet", Access::Auth, GREET, greet)]
    }

    fn validator_mixins(&self) -> Vec<(&'static str, Rule)> {
        let mood: Rule = Arc::new(|value: &Value| match value.as_str() {
            Some("happy" | "calm") => Ok(()),
            _ => Err(ApiError::new(ErrorCode::InvalidParam)),
        });
        vec![("greetingMood", mood)]
    }

    fn locales(&self) -> Vec<(Locale, &'static str)> {
        vec![
            (
                Locale::ZhHans,
                "greeting-hello = 你好，{ $name }\ngreeting-title = 问候\ngreeting-mood = 心情\ngreeting-submit = 问候我",
            ),
            (
                Locale::En,
                "greeting-hello = Hello, { $name }\ngreeting-title = Greeting\ngreeting-mood = Mood\ngreeting-submit = Greet me",
            ),
        ]
    }

    /// The page: registered beside the host's own (when `[pages] enabled`).
    fn pages(&self, cfg: &mut web::ServiceConfig) {
        cfg.service(
            web::resource("/greeting")
                .route(web::get().to(greeting_page))
                .route(web::post().to(greeting_submit)),
        );
    }

    /// A row on `/userinfo` that links to it.
    fn profile_items(
        &self,
        ctx: &PageCtx,
        _user: &UserView,
        _linked: &[ThirdPartyId],
    ) -> Vec<ProfileItem> {
        vec![ProfileItem {
            id: "greeting",
            label: ctx.t("greeting-title").to_string(),
            value: None,
            action: Some(ProfileAction {
                href: "/greeting".into(),
                label: ctx.t("greeting-submit").to_string(),
                post: false,
            }),
        }]
    }
}

/// The rule both faces call: a greeting for the signed-in caller.
fn greeting_for(call: &Caller) -> ApiResult<String> {
    let user = &call.auth()?.user;
    let name = user
        .nickname
        .clone()
        .or_else(|| user.username.clone())
        .unwrap_or_default();
    let mut greeting = call.text("greeting-hello", &[("name", name)]);
    // A method reaches its plugin's state through the host.
    let plugin = call
        .host
        .plugin::<GreetingPlugin>()
        .ok_or_else(|| ApiError::system("greeting plugin is not loaded"))?;
    if plugin.config.exclamation {
        greeting.push('!');
    }
    Ok(greeting)
}

/// `greet` (token required): `{greeting, mood}` in the caller's language.
async fn greet(call: Call, params: Value) -> ApiResult<Reply> {
    let mood = req_str(&params, "mood")?;
    let greeting = greeting_for(&call)?;
    Ok(reply! { "greeting" => greeting, "mood" => mood })
}

/// The page's body; the host puts it in the site's layout. `ctx` gives the texts and the form
/// token every form carries.
#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<div class="error-slot" role="alert">{% if let Some(e) = error %}<p class="error">{{ e }}</p>{% endif %}</div>
<p class="tip">{{ greeting }} ({{ mood }})</p>
<form method="post" action="/greeting" class="form">
  <input type="hidden" name="csrf" value="{{ ctx.csrf }}">
  <div class="field">
    <label for="mood">{{ ctx.t("greeting-mood") }}</label>
    <input id="mood" name="mood" type="text" value="{{ mood }}">
  </div>
  <button type="submit" class="primary">{{ ctx.t("greeting-submit") }}</button>
</form>"#
)]
struct GreetingBody<'a> {
    ctx: &'a PageCtx,
    greeting: String,
    mood: String,
    error: Option<String>,
}

/// The form's fields carry the method's parameter names.
#[derive(Deserialize)]
struct GreetingForm {
    #[serde(default)]
    mood: String,
}

/// `GET /greeting`: signed-in visitors only (others are sent to sign in and come back).
async fn greeting_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(page) => page,
        Err(to_login) => return to_login,
    };
    show(page, "happy".into(), None)
}

/// `POST /greeting`: the form token is checked, the parameters validated with the method's own
/// schema, and the same rule runs.
async fn greeting_submit(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(page) => page,
        Err(to_login) => return to_login,
    };
    let form: GreetingForm = match page.form(&req, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    match page.caller().validate(&json!({ "mood": form.mood }), GREET) {
        Ok(()) => show(page, form.mood, None),
        Err(e) => {
            let text = page.error_text(&e);
            show(page, form.mood, Some(text))
        }
    }
}

fn show(page: Page, mood: String, error: Option<String>) -> HttpResponse {
    let greeting = match greeting_for(&page.caller()) {
        Ok(g) => g,
        Err(e) => {
            let text = page.error_text(&e);
            return page.error_text_page(StatusCode::SERVICE_UNAVAILABLE, Some(text));
        }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.show(status, "greeting-title", |ctx| {
        GreetingBody {
            ctx,
            greeting,
            mood,
            error,
        }
        .render()
    })
}
