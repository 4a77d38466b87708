//! The portal's pages and downloads. Every value from an upload reaches HTML through minijinja's
//! auto-escaping; charts are the library's own SVG.

mod account;
mod admin;
mod park;
mod programme;

pub use account::*;
pub use admin::*;
pub use park::*;
pub use programme::*;

use axum::Form;
use axum::extract::{FromRequestParts, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::Value;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::db::{AccountRole, RosterPark, Submission, User};
use super::error::{Fail, PageError, security_headers};
use super::rounds::Caller;
use super::work::{self, Upload};
use super::{Cached, NewAccount, Portal, PortalError, PortalLimits, auth, i18n, scope};
use parkbench_core::diag::{Diagnostic, Severity};
use parkbench_core::i18n::Lang;

/// What a handler returns: its page, or the error page (or login redirect) it ends with.
pub type Page = Result<Response, PageError>;

pub(super) use super::render::env;

/// Who is asking, in which language.
pub struct Visitor {
    pub lang: Lang,
    pub user: Option<User>,
    /// The session's CSRF token (empty without a session).
    pub csrf: String,
    session_hash: Option<String>,
    /// The login form's CSRF token from its cookie.
    login_csrf: Option<String>,
    /// The client's address (for login throttling): the TCP peer, "local" in-process.
    pub address: String,
}

impl FromRequestParts<Portal> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, p: &Portal) -> Result<Self, Self::Rejection> {
        let lang = super::error::request_lang(&parts.uri, &parts.headers);
        let address = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(|| "local".to_string(), |c| c.0.ip().to_string());
        let cookies: String = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ");
        let names = p.inner.cfg.cookies();
        let login_csrf =
            auth::read_cookie(&cookies, &names.name(auth::LOGIN_CSRF_COOKIE)).map(str::to_string);
        let mut v = Visitor {
            lang,
            user: None,
            csrf: String::new(),
            session_hash: None,
            login_csrf,
            address,
        };
        if let Some(token) = auth::read_cookie(&cookies, &names.name(auth::SESSION_COOKIE)) {
            let hash = auth::token_hash(token);
            match p.db().session(&hash).await {
                Ok(Some((user, csrf))) => {
                    v.user = Some(user);
                    v.csrf = csrf;
                    v.session_hash = Some(hash);
                }
                Ok(None) => {}
                Err(e) => return Err(PageError::from((lang, &e))),
            }
        }
        Ok(v)
    }
}

impl Visitor {
    fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// May this visitor see the park ([`crate::scope`]): national staff and admins every park,
    /// provincial staff their province's, an operator theirs.
    fn sees(&self, park: &RosterPark) -> bool {
        self.user.as_ref().is_some_and(|u| scope::sees(u, park))
    }

    /// May this visitor submit for the park? Its operator, or an admin.
    fn submits(&self, park_id: &str) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| scope::uploads(u, park_id))
    }

    /// The signed-in visitor as the rounds and the audit trail see them.
    fn caller(&self) -> Result<Caller, PageError> {
        let u = self.require_login()?;
        Ok(Caller::new(u, &self.address, self.lang))
    }

    fn render(&self, status: StatusCode, name: &str, page: Vec<(&'static str, Value)>) -> Response {
        let mut ctx: BTreeMap<&str, Value> = BTreeMap::from([
            ("t", Value::from_serialize(i18n::strings(self.lang))),
            ("lang", Value::from(self.code())),
            ("other_lang", Value::from(self.lang.next().code())),
            ("user", Value::from_serialize(&self.user)),
            ("csrf", Value::from(self.csrf.as_str())),
        ]);
        ctx.extend(page);
        match env()
            .get_template(name)
            .and_then(|t| t.render(Value::from_serialize(&ctx)))
        {
            Ok(html) => {
                let mut r = (status, Html(html)).into_response();
                security_headers(r.headers_mut());
                r
            }
            Err(e) => server_error(self.lang, &e.to_string()).into_response(),
        }
    }

    /// A refusal or failure, in the visitor's language.
    fn fail(&self, fail: Fail) -> PageError {
        PageError::new(self.lang, fail)
    }

    fn not_found(&self) -> PageError {
        self.fail(Fail::NotFound)
    }

    /// A page for signed-in visitors: the login page for the others.
    fn require_login(&self) -> Result<&User, PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| self.fail(Fail::LoginRequired))
    }

    fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        if !self.csrf.is_empty() && auth::same(sent, &self.csrf) {
            Ok(())
        } else {
            tracing::warn!(
                user = ?self.user.as_ref().map_or("", |u| u.email.as_str()),
                "CSRF token mismatch"
            );
            Err(self.fail(Fail::Forbidden))
        }
    }
}

pub(super) fn no_store(h: &mut HeaderMap) {
    security_headers(h);
}

/// An internal error (the detail is logged, never shown).
pub(super) fn server_error(lang: Lang, detail: &str) -> PageError {
    PageError::new(lang, Fail::Internal(detail.to_string()))
}

/// A database error: the storage's own page for a storage fault, else an internal error.
pub(super) fn db_error(lang: Lang, e: &super::DbError) -> PageError {
    PageError::from((lang, e))
}

/// Unknown paths: the portal's 404 page (JSON under `/api/`).
pub async fn fallback(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let lang = super::error::request_lang(&uri, &headers);
    if super::error::is_api(&uri) {
        super::error::ApiError::new(lang, Fail::NotFound).into_response()
    } else {
        PageError::new(lang, Fail::NotFound).into_response()
    }
}

pub(super) fn set_cookie(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub(super) fn when(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

// ---- sign-in

pub async fn home(v: Visitor) -> Page {
    let user = v.require_login()?;
    let to = match (&user.role, &user.park_id) {
        (AccountRole::Operator, Some(p)) => format!("/park/{p}?lang={}", v.code()),
        _ => format!("/programme?lang={}", v.code()),
    };
    Ok(Redirect::to(&to).into_response())
}

/// An event's kind in words.
pub(super) fn event_words(lang: Lang, kind: &str) -> String {
    match crate::audit::Kind::parse(kind) {
        Some(k) => i18n::t(lang, &k.key()).to_string(),
        None => kind.to_string(),
    }
}

/// What an event says besides its kind, in words (its JSON is in the CSV export).
pub(super) fn event_detail(lang: Lang, e: &crate::audit::Event) -> String {
    use crate::audit::Kind;
    let t = |k: &str| i18n::t(lang, k).to_string();
    let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
    let s = |k: &str| d.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let n = |k: &str| d.get(k).map(|x| x.to_string()).unwrap_or_default();
    let state = |k: &str| crate::review::State::parse(&s(k)).map_or_else(|| s(k), |x| t(&x.key()));
    let version = e.version.map(|v| format!("v{v} · ")).unwrap_or_default();
    match Kind::parse(&e.kind) {
        Some(Kind::Upload) => {
            let files: Vec<String> = d
                .get("files")
                .and_then(|f| serde_json::from_value(f.clone()).ok())
                .unwrap_or_default();
            let valid = d.get("valid").and_then(|x| x.as_bool()).unwrap_or(false);
            format!(
                "{version}{} · {}",
                files.join(", "),
                if valid { t("valid") } else { t("invalid") }
            )
        }
        Some(Kind::Submit | Kind::Return | Kind::AcceptProvince | Kind::AcceptNation) => {
            let comment = s("comment");
            let mut out = format!("{version}{} → {}", state("from"), state("to"));
            if !comment.is_empty() {
                out.push_str(&format!(" · {comment}"));
            }
            out
        }
        Some(Kind::Comment) => {
            let place = match (s("rule"), s("file")) {
                (r, _) if !r.is_empty() => format!("{}: {r}", t("rule")),
                (_, f) => format!("{f}:{}:{}", n("line"), n("column")),
            };
            format!("{version}{place} · {}", s("comment"))
        }
        Some(Kind::Evidence) => {
            let rule = s("rule");
            let mut out = format!("{version}{} ({}, {} B)", s("name"), s("kind"), n("bytes"));
            if !rule.is_empty() {
                out.push_str(&format!(" · {}: {rule}", t("rule")));
            }
            out
        }
        Some(Kind::AccountInvited) => format!("{} · {} · {}", s("email"), s("role"), s("scope")),
        Some(Kind::RoleChanged) => {
            let part = |k: &str| {
                let x = d.get(k).cloned().unwrap_or_default();
                let g = |f: &str| x.get(f).and_then(|v| v.as_str()).unwrap_or("").to_string();
                format!("{} {}", g("role"), g("scope"))
            };
            format!("{} · {} → {}", s("email"), part("from"), part("to"))
        }
        Some(Kind::TokenCreated | Kind::TokenRevoked) => {
            format!("{} · #{} {}", s("email"), n("token_id"), s("label"))
        }
        Some(Kind::RequestOpened) => t("request_asked_text")
            .replace("{year}", &n("year"))
            .replace("{due}", &s("due")),
        None => e.detail.clone(),
    }
}

/// An account's scope in words: the nation, a province by its name, a park by its id.
pub(super) fn scope_words(p: &Portal, lang: Lang, u: &User) -> String {
    match scope::of(u) {
        scope::Scope::Nation => i18n::t(lang, "scope_nation").to_string(),
        scope::Scope::Province(key) => {
            let zh = p.inner.refs.factors.province_name_zh(&key);
            let name = lang.pick(key.as_str(), zh.unwrap_or(&key)).to_string();
            format!("{}: {name}", i18n::t(lang, "scope_province"))
        }
        scope::Scope::Park(id) => format!("{}: {id}", i18n::t(lang, "park")),
        scope::Scope::Nothing => String::new(),
    }
}
