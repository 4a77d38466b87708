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

use super::db::{Role, RosterPark, Submission, User};
use super::error::{Fail, PageError, security_headers};
use super::work::{self, Upload};
use super::{Cached, Portal, PortalError, PortalLimits, auth, i18n};
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
        match self.lang {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// May this visitor see the park? Staff and admins see every park; an operator only theirs.
    fn sees(&self, park_id: &str) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role.sees_programme() || u.park_id.as_deref() == Some(park_id))
    }

    /// May this visitor submit for the park? Its operator, or an admin.
    fn submits(&self, park_id: &str) -> bool {
        self.user.as_ref().is_some_and(|u| {
            u.role == Role::Admin
                || (u.role == Role::Operator && u.park_id.as_deref() == Some(park_id))
        })
    }

    fn render(&self, status: StatusCode, name: &str, page: Vec<(&'static str, Value)>) -> Response {
        let mut ctx: BTreeMap<&str, Value> = BTreeMap::from([
            ("t", Value::from_serialize(i18n::strings(self.lang))),
            ("lang", Value::from(self.code())),
            (
                "other_lang",
                Value::from(if self.lang == Lang::Zh { "en" } else { "zh" }),
            ),
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

/// Unknown paths: the portal's 404 page.
pub async fn fallback(v: Visitor) -> Page {
    Err(v.not_found())
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
        (Role::Operator, Some(p)) => format!("/park/{p}?lang={}", v.code()),
        _ => format!("/programme?lang={}", v.code()),
    };
    Ok(Redirect::to(&to).into_response())
}
