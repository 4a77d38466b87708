//! The portal's one error type: every refusal and failure of a handler, and every rejection by
//! axum itself (a form that does not parse, a wrong method, an unknown path, a body too big),
//! becomes a page in the visitor's language with the same security headers as the other pages.
//! Nothing from the request is ever echoed; details go to the log only.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::db::{DbError, StorageFault};
use super::i18n;
use parkbench_core::i18n::Lang;

/// What went wrong, as the visitor is told.
#[derive(Debug, Clone)]
pub enum Fail {
    NotFound,
    /// A CSRF token that does not match.
    Forbidden,
    BadRequest,
    /// An upload without a valid reporting year.
    MissingYear,
    /// An upload without files.
    NoFiles,
    /// The upload (or a request) is larger than the limit, in MB.
    TooLarge(usize),
    /// More files in one upload than allowed.
    TooManyFiles(usize),
    MethodNotAllowed,
    UnsupportedType,
    Timeout,
    /// Too many failed logins: try again in this many seconds.
    Throttled(u64),
    /// This account already has an upload in progress.
    UploadInProgress,
    /// Every upload slot is taken: try again in this many seconds.
    Busy(u64),
    /// Every password-hashing slot stayed taken: try again in this many seconds.
    LoginBusy(u64),
    /// A typed value longer than allowed, refused before it was logged or stored: the i18n
    /// key of the message (its `{n}`: the maximum in characters) and the maximum.
    FieldTooLong(&'static str, usize),
    /// The storage under the database refused a write.
    Storage(StorageFault),
    /// Anything else (details logged, never shown).
    Internal(String),
    /// A page for signed-in visitors asked for without a session: answered by a redirect to
    /// the login page, not by the message page.
    LoginRequired,
    /// An API call without a bearer token.
    TokenMissing,
    /// An API call with a token that is unknown, expired or revoked.
    TokenBad,
    /// A review move the state machine refuses ([`crate::review::Refusal`]).
    Refused(crate::review::Refusal),
    /// A decision taken on a state that changed meanwhile (another move was stored first).
    Changed,
    /// A request that names something wrong: the i18n key of what.
    Bad(&'static str),
    /// A JSON body that does not parse as the call's: what the parser said.
    Json(String),
    /// A file whose content is not of a type this place takes: the i18n key of what it takes.
    WrongType(&'static str),
    /// Nothing to answer with, and why (the i18n key): no valid version for the year, say.
    Absent(&'static str),
    /// The request conflicts with what is stored (a version that holds as many evidence files
    /// as it may, one whose review is closed): the i18n key (its `{n}`) and a number.
    Conflict(&'static str, usize),
}

impl Fail {
    pub fn status(&self) -> StatusCode {
        match self {
            Fail::NotFound | Fail::Absent(_) => StatusCode::NOT_FOUND,
            Fail::Forbidden => StatusCode::FORBIDDEN,
            Fail::BadRequest
            | Fail::MissingYear
            | Fail::NoFiles
            | Fail::FieldTooLong(..)
            | Fail::Bad(_)
            | Fail::Json(_) => StatusCode::BAD_REQUEST,
            Fail::TokenMissing | Fail::TokenBad => StatusCode::UNAUTHORIZED,
            Fail::Refused(crate::review::Refusal::NotAllowed) => StatusCode::FORBIDDEN,
            Fail::Refused(_) | Fail::Changed | Fail::Conflict(..) => StatusCode::CONFLICT,
            Fail::WrongType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Fail::TooLarge(_) | Fail::TooManyFiles(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Fail::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Fail::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Fail::Timeout => StatusCode::REQUEST_TIMEOUT,
            Fail::Throttled(_) | Fail::UploadInProgress => StatusCode::TOO_MANY_REQUESTS,
            Fail::Busy(_) | Fail::LoginBusy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Fail::Storage(StorageFault::Full) => StatusCode::INSUFFICIENT_STORAGE,
            Fail::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
            Fail::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Fail::LoginRequired => StatusCode::SEE_OTHER,
        }
    }

    /// The sentence shown, in a language.
    pub fn text(&self, lang: Lang) -> String {
        let t = |k| i18n::t(lang, k);
        match self {
            Fail::NotFound => t("not_found").into(),
            Fail::Forbidden => t("forbidden").into(),
            Fail::BadRequest => t("bad_request").into(),
            Fail::MissingYear => format!("{}: YYYY", t("year")),
            Fail::NoFiles => format!("{}?", t("files")),
            Fail::TooLarge(0) => t("request_too_large").into(),
            Fail::TooLarge(mb) => format!("{} {mb} MB.", t("too_large")),
            Fail::TooManyFiles(n) => t("too_many_files").replace("{n}", &n.to_string()),
            Fail::MethodNotAllowed => t("method_not_allowed").into(),
            Fail::UnsupportedType => t("unsupported_type").into(),
            Fail::Timeout => t("timeout").into(),
            Fail::Throttled(s) => t("throttled").replace("{n}", &s.to_string()),
            Fail::UploadInProgress => t("upload_in_progress").into(),
            Fail::Busy(s) => t("busy").replace("{n}", &s.to_string()),
            Fail::LoginBusy(s) => t("login_busy").replace("{n}", &s.to_string()),
            Fail::FieldTooLong(key, n) => t(key).replace("{n}", &n.to_string()),
            Fail::Storage(StorageFault::Full) => t("storage_full").into(),
            Fail::Storage(StorageFault::ReadOnly) => t("storage_read_only").into(),
            Fail::Storage(StorageFault::Io) => t("storage_failed").into(),
            Fail::Internal(_) => t("internal_error").into(),
            Fail::LoginRequired => t("login_required").into(),
            Fail::TokenMissing => t("api_token_missing").into(),
            Fail::TokenBad => t("api_token_bad").into(),
            Fail::Refused(r) => t(r.key()).into(),
            Fail::Changed => t("refused_changed").into(),
            Fail::Bad(key) | Fail::WrongType(key) | Fail::Absent(key) => t(key).into(),
            Fail::Json(detail) => format!("{} {detail}", t("api_json")),
            Fail::Conflict(key, n) => t(key).replace("{n}", &n.to_string()),
        }
    }

    /// A stable name of what went wrong, for programs (the API's `error`).
    pub fn code(&self) -> &'static str {
        match self {
            Fail::NotFound => "not_found",
            Fail::Forbidden => "forbidden",
            Fail::BadRequest => "bad_request",
            Fail::MissingYear => "missing_year",
            Fail::NoFiles => "no_files",
            Fail::TooLarge(_) => "too_large",
            Fail::TooManyFiles(_) => "too_many_files",
            Fail::MethodNotAllowed => "method_not_allowed",
            Fail::UnsupportedType => "unsupported_type",
            Fail::Timeout => "timeout",
            Fail::Throttled(_) => "throttled",
            Fail::UploadInProgress => "upload_in_progress",
            Fail::Busy(_) | Fail::LoginBusy(_) => "busy",
            Fail::FieldTooLong(..) => "too_long",
            Fail::Storage(_) => "storage",
            Fail::Internal(_) => "internal",
            Fail::LoginRequired | Fail::TokenMissing => "token_missing",
            Fail::TokenBad => "token_bad",
            Fail::Refused(r) => r.key(),
            Fail::Changed => "refused_changed",
            Fail::Bad(key) | Fail::Absent(key) => key,
            Fail::Json(_) => "json",
            Fail::WrongType(_) => "wrong_type",
            Fail::Conflict(key, _) => key,
        }
    }

    /// A database error: the storage's fault with its own page, else an internal error.
    pub fn db(e: &DbError) -> Fail {
        match e.storage_fault() {
            Some(f) => Fail::Storage(f),
            None => Fail::Internal(e.to_string()),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Fail::Throttled(s) | Fail::Busy(s) | Fail::LoginBusy(s) => Some(*s),
            Fail::Storage(_) => Some(crate::shipped_limits().portal.storage_retry_secs),
            _ => None,
        }
    }
}

/// A failed request: what failed, and the language to say it in. Renders the message page.
#[derive(Debug)]
pub struct PageError {
    pub lang: Lang,
    pub fail: Fail,
}

impl PageError {
    pub fn new(lang: Lang, fail: Fail) -> PageError {
        PageError { lang, fail }
    }
}

impl From<(Lang, &DbError)> for PageError {
    fn from((lang, e): (Lang, &DbError)) -> PageError {
        PageError::new(lang, Fail::db(e))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let Fail::LoginRequired = self.fail {
            // A 303 to the login page in the visitor's language (the security headers are added
            // by `pages_for_errors`, as for every response that is not a page of ours).
            let code = self.lang.code();
            return Redirect::to(&format!("/login?lang={code}")).into_response();
        }
        match &self.fail {
            Fail::Internal(detail) => tracing::error!(detail = ?detail, "request failed"),
            Fail::Storage(f) => tracing::error!(fault = ?f, "storage refused a write"),
            _ => {}
        }
        let status = self.fail.status();
        let text = self.fail.text(self.lang);
        let html = super::render::message_page(self.lang, status, &text);
        let mut r = (status, Html(html)).into_response();
        security_headers(r.headers_mut());
        if let Some(s) = self.fail.retry_after()
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

/// The headers every page carries: no caching, no sniffing, no framing, no script, no
/// referrer (a setup link's token or a page's query never leaves with a click).
pub fn security_headers(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        ),
    );
}

/// The language of a request, from `?lang=` or `Accept-Language`.
pub fn request_lang(uri: &axum::http::Uri, headers: &HeaderMap) -> Lang {
    let query_lang = uri.query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .map(str::to_string)
    });
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok());
    i18n::pick(query_lang.as_deref(), accept)
}

/// Middleware: a response that is an error and not one of the portal's own pages (axum's
/// rejections, the fallback, timeouts) is replaced by the portal's page for its status, so no
/// error is bare text and none echoes the request. Responses without the security headers get
/// them.
pub async fn pages_for_errors(req: Request, next: Next) -> Response {
    let lang = request_lang(req.uri(), req.headers());
    let api = is_api(req.uri());
    let mut r = next.run(req).await;
    let ours = r.headers().contains_key(header::CONTENT_SECURITY_POLICY);
    let status = r.status();
    if !ours && (status.is_client_error() || status.is_server_error()) {
        let fail = match status {
            StatusCode::NOT_FOUND => Fail::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Fail::MethodNotAllowed,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Fail::UnsupportedType,
            StatusCode::REQUEST_TIMEOUT => Fail::Timeout,
            StatusCode::PAYLOAD_TOO_LARGE => Fail::TooLarge(0),
            s if s.is_server_error() => Fail::Internal(format!("{s} from a layer")),
            _ => Fail::BadRequest,
        };
        if api {
            let mut r = ApiError::new(lang, fail).into_response();
            *r.status_mut() = status;
            return r;
        }
        // The page for the status, the status kept (a 422 stays a 422).
        let mut page = PageError::new(lang, fail).into_response();
        *page.status_mut() = status;
        return page;
    }
    if !ours {
        security_headers(r.headers_mut());
    }
    r
}

/// Is this a call of the API (`/api/...`), answered in JSON instead of pages?
pub fn is_api(uri: &axum::http::Uri) -> bool {
    uri.path() == "/api" || uri.path().starts_with("/api/")
}

/// A failed API call: the same refusals as the pages, as JSON
/// (`{"error": code, "message": words}`) in the caller's language, with the pages' security
/// headers; a 401 says how to authenticate.
#[derive(Debug)]
pub struct ApiError {
    pub lang: Lang,
    pub fail: Fail,
}

impl ApiError {
    pub fn new(lang: Lang, fail: Fail) -> ApiError {
        ApiError { lang, fail }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self.fail {
            Fail::Internal(detail) => tracing::error!(detail = ?detail, "API call failed"),
            Fail::Storage(f) => tracing::error!(fault = ?f, "storage refused a write"),
            _ => {}
        }
        let status = match self.fail {
            // No redirect to a login page for a program.
            Fail::LoginRequired => StatusCode::UNAUTHORIZED,
            ref f => f.status(),
        };
        let body = serde_json::json!({
            "error": self.fail.code(),
            "message": self.fail.text(self.lang),
        });
        let mut r = (status, json_body(&body)).into_response();
        security_headers(r.headers_mut());
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"parkbench\""),
            );
        }
        if let Some(s) = self.fail.retry_after()
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

/// A JSON value as a response body.
pub fn json_body(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}
