//! A plain HTTP visitor of the pages: keeps cookies like a browser, never follows redirects by
//! itself, and fills in each form's CSRF token from the last page it read.

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

pub struct Visitor {
    base: String,
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
    csrf: Mutex<Option<String>>,
    accept_language: Mutex<Option<String>>,
}

#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The `Set-Cookie` headers, raw.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `value` of the first input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let at = self.body.find(&format!("name=\"{name}\""))?;
        let tag_start = self.body[..at].rfind('<')?;
        let tag_end = at + self.body[at..].find('>')?;
        let tag = &self.body[tag_start..tag_end];
        let start = tag.find(" value=\"")? + " value=\"".len();
        let end = tag[start..].find('"')? + start;
        Some(html_unescape(&tag[start..end]))
    }

    /// The text of the page's error box, if any.
    pub fn error(&self) -> Option<String> {
        let start = self.body.find("<p class=\"error\">")? + "<p class=\"error\">".len();
        let end = self.body[start..].find("</p>")? + start;
        Some(html_unescape(&self.body[start..end]))
    }
}

/// The text of an HTML attribute value as askama escapes it.
pub fn html_unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

impl Visitor {
    pub fn new(base: &str) -> Visitor {
        Visitor {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Mutex::new(BTreeMap::new()),
            csrf: Mutex::new(None),
            accept_language: Mutex::new(None),
        }
    }

    pub fn accept_language(&self, value: &str) {
        *self.accept_language.lock().unwrap() = Some(value.to_string());
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// The CSRF token of the last page read.
    pub fn csrf(&self) -> Option<String> {
        self.csrf.lock().unwrap().clone()
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        let cookies = self.cookies.lock().unwrap();
        if !cookies.is_empty() {
            let header = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            r = r.header("cookie", header);
        }
        if let Some(lang) = self.accept_language.lock().unwrap().as_deref() {
            r = r.header("accept-language", lang);
        }
        r.header("accept", "text/html")
    }

    async fn read(&self, r: reqwest::RequestBuilder) -> Page {
        let response = r.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.expect("a body");
        let page = Page {
            status,
            headers,
            body,
        };
        {
            let mut jar = self.cookies.lock().unwrap();
            for c in page.set_cookies() {
                let first = c.split(';').next().unwrap_or_default();
                if let Some((k, v)) = first.split_once('=') {
                    let removal = c.contains("Max-Age=0") || v.is_empty();
                    if removal {
                        jar.remove(k.trim());
                    } else {
                        jar.insert(k.trim().to_string(), v.trim().to_string());
                    }
                }
            }
        }
        if let Some(token) = page.input_value("csrf") {
            *self.csrf.lock().unwrap() = Some(token);
        }
        page
    }

    pub async fn get(&self, path: &str) -> Page {
        self.read(self.request(reqwest::Method::GET, path)).await
    }

    /// Posts a form; the CSRF token of the last page is added unless `fields` has one.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !fields.iter().any(|(k, _)| k == "csrf")
            && let Some(t) = self.csrf()
        {
            fields.push(("csrf".into(), t));
        }
        let body = serde_urlencoded_pairs(&fields);
        self.post_raw(path, body, "application/x-www-form-urlencoded")
            .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
        content_type: &str,
    ) -> Page {
        let r = self
            .request(reqwest::Method::POST, path)
            .header("content-type", content_type)
            .body(body);
        self.read(r).await
    }

    /// GETs where a redirect points.
    pub async fn follow(&self, page: &Page) -> Page {
        let to = page
            .location()
            .unwrap_or_else(|| panic!("not a redirect: {} {}", page.status, page.body))
            .to_string();
        self.get(&to).await
    }
}

/// `application/x-www-form-urlencoded` of `pairs`.
pub fn serde_urlencoded_pairs(pairs: &[(String, String)]) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    out.push(char::from(b))
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}
