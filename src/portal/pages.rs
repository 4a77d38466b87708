//! The portal's pages and downloads. Every value from an upload reaches HTML through minijinja's
//! auto-escaping; charts are the library's own SVG.

// A refusal is a finished page (`Response`), returned once per request: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use axum::Form;
use axum::extract::{FromRequestParts, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Environment, Value};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use super::db::{Role, RosterPark, Submission, User};
use super::work::{self, Upload};
use super::{Cached, Portal, auth, i18n};
use crate::diag::{Diagnostic, Severity};
use crate::indicators::Lang;

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        for (name, src) in [
            ("base.html", include_str!("templates/base.html")),
            ("login.html", include_str!("templates/login.html")),
            ("setup.html", include_str!("templates/setup.html")),
            ("message.html", include_str!("templates/message.html")),
            ("problems.html", include_str!("templates/problems.html")),
            ("choose.html", include_str!("templates/choose.html")),
            ("park.html", include_str!("templates/park.html")),
            ("submission.html", include_str!("templates/submission.html")),
            ("programme.html", include_str!("templates/programme.html")),
            ("admin.html", include_str!("templates/admin.html")),
        ] {
            env.add_template(name, src).expect("portal template parses");
        }
        env
    })
}

/// Who is asking, in which language.
pub struct Visitor {
    pub lang: Lang,
    pub user: Option<User>,
    /// The session's CSRF token (empty without a session).
    pub csrf: String,
    session_hash: Option<String>,
    /// The login form's CSRF token from its cookie.
    login_csrf: Option<String>,
}

impl FromRequestParts<Portal> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, p: &Portal) -> Result<Self, Self::Rejection> {
        let query_lang = parts.uri.query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("lang="))
                .map(str::to_string)
        });
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|h| h.to_str().ok());
        let lang = i18n::pick(query_lang.as_deref(), accept);
        let cookies: String = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ");
        let login_csrf = auth::read_cookie(&cookies, auth::LOGIN_CSRF_COOKIE).map(str::to_string);
        let mut v = Visitor {
            lang,
            user: None,
            csrf: String::new(),
            session_hash: None,
            login_csrf,
        };
        if let Some(token) = auth::read_cookie(&cookies, auth::SESSION_COOKIE) {
            let hash = auth::token_hash(token);
            match p.db().session(&hash).await {
                Ok(Some((user, csrf))) => {
                    v.user = Some(user);
                    v.csrf = csrf;
                    v.session_hash = Some(hash);
                }
                Ok(None) => {}
                Err(e) => return Err(server_error(lang, &e.to_string())),
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
                no_store(r.headers_mut());
                r
            }
            Err(e) => server_error(self.lang, &e.to_string()),
        }
    }

    fn message(&self, status: StatusCode, text: &str) -> Response {
        self.render(status, "message.html", vec![("message", Value::from(text))])
    }

    fn not_found(&self) -> Response {
        self.message(StatusCode::NOT_FOUND, i18n::t(self.lang, "not_found"))
    }

    /// A page for signed-in visitors: the login page for the others.
    fn require_login(&self) -> Result<&User, Response> {
        self.user
            .as_ref()
            .ok_or_else(|| Redirect::to(&format!("/login?lang={}", self.code())).into_response())
    }

    fn check_csrf(&self, sent: &str) -> Result<(), Response> {
        if !self.csrf.is_empty() && auth::same(sent, &self.csrf) {
            Ok(())
        } else {
            tracing::warn!(
                user = self.user.as_ref().map_or("", |u| u.email.as_str()),
                "CSRF token mismatch"
            );
            Err(self.message(StatusCode::FORBIDDEN, i18n::t(self.lang, "forbidden")))
        }
    }
}

fn no_store(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"),
    );
}

fn server_error(lang: Lang, detail: &str) -> Response {
    tracing::error!(detail, "request failed");
    let text = if lang == Lang::Zh {
        "服务器内部错误"
    } else {
        "internal error"
    };
    (StatusCode::INTERNAL_SERVER_ERROR, text).into_response()
}

fn set_cookie(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn when(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

// ---- sign-in

pub async fn home(v: Visitor) -> Response {
    let user = match v.require_login() {
        Ok(u) => u,
        Err(r) => return r,
    };
    let to = match (&user.role, &user.park_id) {
        (Role::Operator, Some(p)) => format!("/park/{p}?lang={}", v.code()),
        _ => format!("/programme?lang={}", v.code()),
    };
    Redirect::to(&to).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf: String,
}

/// The login form carries a token that must match its cookie (there is no session yet).
fn login_form(
    v: &Visitor,
    status: StatusCode,
    failed: bool,
    email: &str,
    secure: bool,
) -> Response {
    let token = auth::token();
    let mut r = v.render(
        status,
        "login.html",
        vec![
            ("form_csrf", Value::from(token.as_str())),
            ("failed", Value::from(failed)),
            ("email", Value::from(email)),
        ],
    );
    set_cookie(
        &mut r,
        &auth::cookie(auth::LOGIN_CSRF_COOKIE, &token, 3600, secure),
    );
    r
}

pub async fn login_page(State(p): State<Portal>, v: Visitor) -> Response {
    login_form(&v, StatusCode::OK, false, "", p.inner.cfg.secure_cookies)
}

pub async fn login(State(p): State<Portal>, v: Visitor, Form(f): Form<LoginForm>) -> Response {
    let secure = p.inner.cfg.secure_cookies;
    if !v
        .login_csrf
        .as_deref()
        .is_some_and(|c| auth::same(c, &f.csrf))
    {
        tracing::warn!(email = %f.email, "login CSRF token mismatch");
        return v.message(StatusCode::FORBIDDEN, i18n::t(v.lang, "forbidden"));
    }
    let email = f.email.trim().to_lowercase();
    let user = match p.db().user_by_email(&email).await {
        Ok(u) => u,
        Err(e) => return server_error(v.lang, &e.to_string()),
    };
    let password = f.password;
    let user = tokio::task::spawn_blocking(move || {
        let hash = user.as_ref().and_then(|u| u.password_hash.clone());
        let ok = auth::verify_password(&password, hash.as_deref().unwrap_or(auth::dummy_hash()));
        user.filter(|_| ok && hash.is_some())
    })
    .await
    .unwrap_or(None);
    let Some(user) = user else {
        tracing::info!(email = %email, outcome = "failed", "login");
        return login_form(&v, StatusCode::UNAUTHORIZED, true, &email, secure);
    };
    let (token, csrf) = (auth::token(), auth::token());
    if let Err(e) = p
        .db()
        .create_session(&auth::token_hash(&token), user.id, &csrf, auth::SESSION_TTL)
        .await
    {
        return server_error(v.lang, &e.to_string());
    }
    tracing::info!(email = %email, role = user.role.as_str(), outcome = "ok", "login");
    let mut r = Redirect::to(&format!("/?lang={}", v.code())).into_response();
    set_cookie(
        &mut r,
        &auth::cookie(auth::SESSION_COOKIE, &token, auth::SESSION_TTL, secure),
    );
    set_cookie(
        &mut r,
        &auth::cookie(auth::LOGIN_CSRF_COOKIE, "", 0, secure),
    );
    r
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(State(p): State<Portal>, v: Visitor, Form(f): Form<CsrfForm>) -> Response {
    if let Err(r) = v.check_csrf(&f.csrf) {
        return r;
    }
    if let Some(h) = &v.session_hash {
        let _ = p.db().delete_session(h).await;
    }
    let mut r = Redirect::to(&format!("/login?lang={}", v.code())).into_response();
    set_cookie(
        &mut r,
        &auth::cookie(auth::SESSION_COOKIE, "", 0, p.inner.cfg.secure_cookies),
    );
    r
}

#[derive(Deserialize)]
pub struct SetupForm {
    password: String,
    csrf: String,
}

fn setup_form(
    v: &Visitor,
    token: &str,
    account: Option<&str>,
    short: bool,
    secure: bool,
) -> Response {
    let form = auth::token();
    let status = if account.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let mut r = v.render(
        status,
        "setup.html",
        vec![
            ("form_csrf", Value::from(form.as_str())),
            ("account", Value::from(account)),
            ("token", Value::from(token)),
            ("short", Value::from(short)),
        ],
    );
    set_cookie(
        &mut r,
        &auth::cookie(auth::LOGIN_CSRF_COOKIE, &form, 3600, secure),
    );
    r
}

pub async fn setup_page(
    State(p): State<Portal>,
    v: Visitor,
    Path(token): Path<String>,
) -> Response {
    match p.db().setup_user(&auth::token_hash(&token)).await {
        Ok(u) => setup_form(
            &v,
            &token,
            u.as_ref().map(|u| u.email.as_str()),
            false,
            p.inner.cfg.secure_cookies,
        ),
        Err(e) => server_error(v.lang, &e.to_string()),
    }
}

pub async fn setup(
    State(p): State<Portal>,
    v: Visitor,
    Path(token): Path<String>,
    Form(f): Form<SetupForm>,
) -> Response {
    let secure = p.inner.cfg.secure_cookies;
    if !v
        .login_csrf
        .as_deref()
        .is_some_and(|c| auth::same(c, &f.csrf))
    {
        return v.message(StatusCode::FORBIDDEN, i18n::t(v.lang, "forbidden"));
    }
    let hash_of = auth::token_hash(&token);
    let user = match p.db().setup_user(&hash_of).await {
        Ok(u) => u,
        Err(e) => return server_error(v.lang, &e.to_string()),
    };
    let Some(user) = user else {
        return setup_form(&v, &token, None, false, secure);
    };
    if f.password.chars().count() < auth::MIN_PASSWORD {
        return setup_form(&v, &token, Some(&user.email), true, secure);
    }
    let password = f.password;
    let hash = match tokio::task::spawn_blocking(move || auth::hash_password(&password)).await {
        Ok(Ok(h)) => h,
        _ => return server_error(v.lang, "password hashing failed"),
    };
    match p.db().use_setup_token(&hash_of, &hash).await {
        Ok(Some(_)) => {
            tracing::info!(email = %user.email, "password set");
            Redirect::to(&format!("/login?lang={}", v.code())).into_response()
        }
        Ok(None) => setup_form(&v, &token, None, false, secure),
        Err(e) => server_error(v.lang, &e.to_string()),
    }
}

pub async fn template(State(p): State<Portal>, v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    let lang = v.lang;
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let files = crate::template::write(
            dir.path(),
            &p.inner.refs.vocab,
            lang,
            crate::template::TemplateFormat::Xlsx,
        )
        .map_err(|e| e.to_string())?;
        let f = files.first().ok_or("no template written")?;
        std::fs::read(f).map_err(|e| e.to_string())
    })
    .await;
    match bytes {
        Ok(Ok(b)) => download(
            b,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "parkbench-template.xlsx",
        ),
        Ok(Err(e)) => server_error(v.lang, &e),
        Err(e) => server_error(v.lang, &e.to_string()),
    }
}

fn download(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    no_store(h);
    r
}

// ---- a park

#[derive(Deserialize, Default)]
pub struct ParkQuery {
    year: Option<String>,
    benchmark: Option<String>,
}

impl ParkQuery {
    fn year(&self) -> Option<i32> {
        self.year
            .as_deref()
            .and_then(|y| y.trim().parse().ok())
            .filter(|y| crate::input::activity::YEARS.contains(y))
    }
}

/// The park, when the visitor may see it (404 otherwise: another park's existence is not
/// revealed).
async fn visible_park(p: &Portal, v: &Visitor, park_id: &str) -> Result<RosterPark, Response> {
    v.require_login()?;
    if !v.sees(park_id) {
        return Err(v.not_found());
    }
    match p.db().park(park_id).await {
        Ok(Some(park)) => Ok(park),
        Ok(None) => Err(v.not_found()),
        Err(e) => Err(server_error(v.lang, &e.to_string())),
    }
}

fn current_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year() - 1
}

/// The submission that counts for a year: the latest valid one (`history` is newest first).
fn counting_in(history: &[Submission], year: i32) -> Option<&Submission> {
    history
        .iter()
        .find(|s| s.year == i64::from(year) && s.valid)
}

/// The scored result of a park's submission against a set (cached by submission, set and
/// language).
async fn park_result(
    p: &Portal,
    park: &RosterPark,
    sub: &Submission,
    set_id: &str,
    lang: Lang,
) -> Result<Arc<Cached>, String> {
    let key = format!("park:{}:{set_id}:{lang:?}", sub.id);
    if let Some(c) = p.cached(&key) {
        return Ok(c);
    }
    let files = p.db().files(sub.id).await.map_err(|e| e.to_string())?;
    let (p2, park2, set, year) = (p.clone(), park.clone(), set_id.to_string(), sub.year as i32);
    let result = tokio::task::spawn_blocking(move || {
        let refs = &p2.inner.refs;
        let set = refs
            .set(&set)
            .ok_or_else(|| format!("unknown benchmark set {set}"))?;
        work::score_park(refs, &park2, year, &files, set, lang)
    })
    .await
    .map_err(|e| e.to_string())??;
    Ok(p.remember(key, Cached::Park(Box::new(result))))
}

fn set_choice(p: &Portal, q: Option<&str>) -> String {
    q.and_then(|id| p.inner.refs.set(id))
        .or(p.inner.refs.sets.first())
        .map(|s| s.id.clone())
        .unwrap_or_default()
}

fn sets_value(p: &Portal, lang: Lang) -> Value {
    Value::from_serialize(
        p.inner
            .refs
            .sets
            .iter()
            .map(|s| {
                let title = if lang == Lang::Zh && !s.title.zh.is_empty() {
                    &s.title.zh
                } else {
                    &s.title.en
                };
                BTreeMap::from([("id", s.id.clone()), ("title", title.clone())])
            })
            .collect::<Vec<_>>(),
    )
}

fn fmt_score(s: Option<f64>) -> String {
    s.map_or("—".into(), |x| format!("{x:.1}"))
}

pub async fn park(
    State(p): State<Portal>,
    v: Visitor,
    Path(park_id): Path<String>,
    Query(q): Query<ParkQuery>,
) -> Response {
    let park = match visible_park(&p, &v, &park_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let history = match p.db().submissions(&park.park_id).await {
        Ok(h) => h,
        Err(e) => return server_error(v.lang, &e.to_string()),
    };
    let year = q
        .year()
        .or_else(|| history.first().map(|s| s.year as i32))
        .unwrap_or_else(current_year);
    let benchmark = set_choice(&p, q.benchmark.as_deref());
    let (mut result, mut score_error) = (Value::from(()), Value::from(()));
    let counting = counting_in(&history, year);
    if let Some(sub) = counting {
        match park_result(&p, &park, sub, &benchmark, v.lang).await {
            Ok(c) => {
                if let Cached::Park(r) = &*c {
                    let s = &r.score;
                    result = Value::from_serialize(BTreeMap::from([
                        (
                            "level",
                            crate::i18n::Locale::get(v.lang).text(&s.level_name),
                        ),
                        ("score", fmt_score(s.overall.score)),
                        ("coverage", format!("{:.0} %", s.overall.coverage * 100.0)),
                        ("reason", crate::i18n::Locale::get(v.lang).text(&s.reason)),
                        ("svg", r.scorecard_svg.clone()),
                        ("version", format!("v{}", sub.version)),
                    ]));
                }
            }
            Err(e) => score_error = Value::from(e),
        }
    }
    // Every offered set at a glance, once there is a valid submission.
    let mut all_sets = Vec::new();
    if let Some(sub) = counting.filter(|_| !result.is_none()) {
        for set in &p.inner.refs.sets {
            if let Ok(c) = park_result(&p, &park, sub, &set.id, v.lang).await
                && let Cached::Park(r) = &*c
            {
                let s = &r.score;
                all_sets.push(BTreeMap::from([
                    ("id", set.id.clone()),
                    (
                        "title",
                        if v.lang == Lang::Zh && !set.title.zh.is_empty() {
                            set.title.zh.clone()
                        } else {
                            set.title.en.clone()
                        },
                    ),
                    (
                        "level",
                        crate::i18n::Locale::get(v.lang).text(&s.level_name),
                    ),
                    ("score", fmt_score(s.overall.score)),
                    ("coverage", format!("{:.0} %", s.overall.coverage * 100.0)),
                ]));
            }
        }
    }
    // Which version counts, per year: the latest valid one.
    let mut counting: BTreeMap<i64, i64> = BTreeMap::new();
    for s in history.iter().filter(|s| s.valid) {
        let e = counting.entry(s.year).or_insert(s.version);
        *e = (*e).max(s.version);
    }
    let rows: Vec<BTreeMap<&str, Value>> = history
        .iter()
        .map(|s| {
            let names: Vec<String> = serde_json::from_str(&s.names).unwrap_or_default();
            BTreeMap::from([
                ("year", Value::from(s.year)),
                ("version", Value::from(s.version)),
                ("when", Value::from(when(s.created_at))),
                ("user_email", Value::from(s.user_email.as_str())),
                ("valid", Value::from(s.valid)),
                ("errors", Value::from(s.errors)),
                (
                    "counts",
                    Value::from(counting.get(&s.year) == Some(&s.version)),
                ),
                ("names", Value::from_serialize(&names)),
            ])
        })
        .collect();
    v.render(
        StatusCode::OK,
        "park.html",
        vec![
            ("park", Value::from_serialize(&park)),
            ("year", Value::from(year)),
            ("benchmark", Value::from(benchmark)),
            ("sets", sets_value(&p, v.lang)),
            ("result", result),
            ("score_error", score_error),
            ("all_sets", Value::from_serialize(&all_sets)),
            ("history", Value::from_serialize(&rows)),
            ("can_upload", Value::from(v.submits(&park.park_id))),
            ("limit_mb", Value::from(p.inner.cfg.upload_limit >> 20)),
        ],
    )
}

pub async fn upload(
    State(p): State<Portal>,
    v: Visitor,
    Path(park_id): Path<String>,
    mut form: Multipart,
) -> Response {
    let user = match v.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    if !v.submits(&park_id) {
        return v.not_found();
    }
    let too_large = || {
        let mb = p.inner.cfg.upload_limit >> 20;
        tracing::info!(park = %park_id, user = %user.email, outcome = "too large", "upload");
        v.message(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("{} {mb} MB.", i18n::t(v.lang, "too_large")),
        )
    };
    let (mut csrf, mut year, mut uploads) = (None, None, Vec::new());
    let mut total = 0usize;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
            Err(_) => return v.message(StatusCode::BAD_REQUEST, i18n::t(v.lang, "bad_request")),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
            Err(_) => return v.message(StatusCode::BAD_REQUEST, i18n::t(v.lang, "bad_request")),
        };
        match name.as_str() {
            "csrf" => csrf = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "year" => year = String::from_utf8_lossy(&bytes).trim().parse::<i32>().ok(),
            "files" if !bytes.is_empty() || file_name.as_deref().is_some_and(|n| !n.is_empty()) => {
                total += bytes.len();
                uploads.push(Upload {
                    // Only the last path component, for display; control characters dropped.
                    name: file_name
                        .as_deref()
                        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
                        .unwrap_or("upload")
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(200)
                        .collect(),
                    bytes: bytes.to_vec(),
                })
            }
            _ => {}
        }
    }
    if total > p.inner.cfg.upload_limit {
        return too_large();
    }
    if let Err(r) = v.check_csrf(csrf.as_deref().unwrap_or("")) {
        return r;
    }
    let Some(year) = year.filter(|y| crate::input::activity::YEARS.contains(y)) else {
        return v.message(
            StatusCode::BAD_REQUEST,
            &format!("{}: YYYY", i18n::t(v.lang, "year")),
        );
    };
    if uploads.is_empty() {
        return v.message(
            StatusCode::BAD_REQUEST,
            &format!("{}?", i18n::t(v.lang, "files")),
        );
    }
    let park = match p.db().park(&park_id).await {
        Ok(Some(x)) => x,
        Ok(None) => return v.not_found(),
        Err(e) => return server_error(v.lang, &e.to_string()),
    };
    let (p2, park2) = (p.clone(), park.clone());
    let checked = match tokio::task::spawn_blocking(move || {
        work::check(&p2.inner.refs, &park2, year, uploads)
    })
    .await
    {
        Ok(c) => c,
        Err(e) => return server_error(v.lang, &e.to_string()),
    };
    let problems = serde_json::to_string(&checked.problems).unwrap_or_else(|_| "[]".into());
    let names = serde_json::to_string(&checked.names).unwrap_or_else(|_| "[]".into());
    let (errors, warnings) = (checked.errors(), checked.warnings());
    let new = super::db::NewSubmission {
        park_id: &park.park_id,
        year: i64::from(year),
        user_id: user.id,
        valid: errors == 0,
        errors: errors as i64,
        warnings: warnings as i64,
        problems: &problems,
        names: &names,
        files: &checked.files,
    };
    let (_, version) = match p.db().insert_submission(&new).await {
        Ok(x) => x,
        Err(e) => return server_error(v.lang, &e.to_string()),
    };
    tracing::info!(
        park = %park.park_id, year, version, user = %user.email, errors, warnings,
        bytes = total, files = checked.files.len(), outcome = if errors == 0 { "valid" } else { "invalid" },
        "upload"
    );
    Redirect::to(&format!(
        "/park/{}/{year}/{version}?lang={}",
        park.park_id,
        v.code()
    ))
    .into_response()
}

/// A problem as the page shows it.
fn problem_rows(problems: &[Diagnostic], lang: Lang) -> Value {
    let words = crate::i18n::Locale::get(lang);
    Value::from_serialize(
        problems
            .iter()
            .map(|d| {
                BTreeMap::from([
                    (
                        "severity",
                        if d.severity == Severity::Error {
                            "error"
                        } else {
                            "warning"
                        }
                        .to_string(),
                    ),
                    (
                        "location",
                        if d.file.is_empty() {
                            String::new()
                        } else {
                            d.location()
                        },
                    ),
                    ("message", words.text(&d.message)),
                    ("value", d.value.clone().unwrap_or_default()),
                    (
                        "expected",
                        d.expected
                            .as_ref()
                            .map(|e| words.text(e))
                            .unwrap_or_default(),
                    ),
                    (
                        "hint",
                        d.hint.as_ref().map(|h| words.text(h)).unwrap_or_default(),
                    ),
                ])
            })
            .collect::<Vec<_>>(),
    )
}

pub async fn submission(
    State(p): State<Portal>,
    v: Visitor,
    Path((park_id, year, version)): Path<(String, i64, i64)>,
) -> Response {
    let park = match visible_park(&p, &v, &park_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let sub = match p.db().submission(&park.park_id, year, version).await {
        Ok(Some(s)) => s,
        Ok(None) => return v.not_found(),
        Err(e) => return server_error(v.lang, &e.to_string()),
    };
    let problems: Vec<Diagnostic> = serde_json::from_str(&sub.problems).unwrap_or_default();
    let names: Vec<String> = serde_json::from_str(&sub.names).unwrap_or_default();
    v.render(
        StatusCode::OK,
        "submission.html",
        vec![
            ("park", Value::from_serialize(&park)),
            ("sub", Value::from_serialize(&sub)),
            ("when", Value::from(when(sub.created_at))),
            ("names", Value::from_serialize(&names)),
            ("problems", problem_rows(&problems, v.lang)),
        ],
    )
}

async fn park_download(
    p: Portal,
    v: Visitor,
    park_id: String,
    q: ParkQuery,
    what: &str,
) -> Response {
    let park = match visible_park(&p, &v, &park_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(year) = q.year() else {
        return v.not_found();
    };
    let benchmark = set_choice(&p, q.benchmark.as_deref());
    let history = match p.db().submissions(&park.park_id).await {
        Ok(h) => h,
        Err(e) => return server_error(v.lang, &e.to_string()),
    };
    let Some(sub) = counting_in(&history, year) else {
        return v.not_found();
    };
    match park_result(&p, &park, sub, &benchmark, v.lang).await {
        Ok(c) => {
            let Cached::Park(r) = &*c else {
                return v.not_found();
            };
            let base = format!("{}-{year}-{benchmark}", park.park_id);
            match what {
                "html" => {
                    let mut resp = Html(r.html.clone()).into_response();
                    no_store(resp.headers_mut());
                    resp
                }
                "md" => download(
                    r.markdown.clone().into_bytes(),
                    "text/markdown; charset=utf-8",
                    &format!("{base}.md"),
                ),
                _ => download(
                    r.scores_csv.clone().into_bytes(),
                    "text/csv; charset=utf-8",
                    &format!("{base}-scores.csv"),
                ),
            }
        }
        Err(e) => server_error(v.lang, &e),
    }
}

/// A park's downloads: `report.html`, `report.md`, `scores.csv`.
pub async fn park_file(
    State(p): State<Portal>,
    v: Visitor,
    Path((park, file)): Path<(String, String)>,
    Query(q): Query<ParkQuery>,
) -> Response {
    match file.as_str() {
        "report.html" => park_download(p, v, park, q, "html").await,
        "report.md" => park_download(p, v, park, q, "md").await,
        "scores.csv" => park_download(p, v, park, q, "csv").await,
        _ => v.not_found(),
    }
}

// ---- the programme

fn require_staff(v: &Visitor) -> Result<(), Response> {
    let u = v.require_login()?;
    if u.role.sees_programme() {
        Ok(())
    } else {
        Err(v.not_found())
    }
}

/// Staff only: the year and set a programme page is for.
async fn programme_choice(
    p: &Portal,
    v: &Visitor,
    q: &ParkQuery,
) -> Result<(i32, String), Response> {
    require_staff(v)?;
    Ok((
        programme_year(p, q).await,
        set_choice(p, q.benchmark.as_deref()),
    ))
}

async fn programme_year(p: &Portal, q: &ParkQuery) -> i32 {
    match q.year() {
        Some(y) => y,
        None => p
            .db()
            .years()
            .await
            .ok()
            .and_then(|y| y.first().copied())
            .map_or_else(current_year, |y| y as i32),
    }
}

/// Every counting submission of a year scored together against a set (cached).
async fn programme_result(
    p: &Portal,
    year: i32,
    set_id: &str,
    lang: Lang,
) -> Result<Option<Arc<Cached>>, String> {
    let counting = p
        .db()
        .counting(i64::from(year))
        .await
        .map_err(|e| e.to_string())?;
    if counting.is_empty() {
        return Ok(None);
    }
    let ids: Vec<String> = counting.iter().map(|s| s.id.to_string()).collect();
    let key = format!("programme:{year}:{set_id}:{lang:?}:{}", ids.join(","));
    if let Some(c) = p.cached(&key) {
        return Ok(Some(c));
    }
    let mut subs = Vec::new();
    for s in &counting {
        let park = p.db().park(&s.park_id).await.map_err(|e| e.to_string())?;
        let files = p.db().files(s.id).await.map_err(|e| e.to_string())?;
        if let Some(park) = park {
            subs.push((park, files));
        }
    }
    let (p2, set) = (p.clone(), set_id.to_string());
    let result = tokio::task::spawn_blocking(move || {
        let refs = &p2.inner.refs;
        let set = refs
            .set(&set)
            .ok_or_else(|| format!("unknown benchmark set {set}"))?;
        work::score_programme(refs, year, &subs, set, lang)
    })
    .await
    .map_err(|e| e.to_string())??;
    Ok(Some(p.remember(key, Cached::Programme(result))))
}

pub async fn programme(
    State(p): State<Portal>,
    v: Visitor,
    Query(q): Query<ParkQuery>,
) -> Response {
    let (year, benchmark) = match programme_choice(&p, &v, &q).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (parks, all) = match (
        p.db().parks().await,
        p.db().submissions_in(i64::from(year)).await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return server_error(v.lang, &e.to_string()),
    };
    let names: BTreeMap<&str, &str> = parks
        .iter()
        .map(|p| (p.park_id.as_str(), p.name.as_str()))
        .collect();
    let (mut ranking, mut levels, mut svg, mut error) =
        (Vec::new(), BTreeMap::new(), String::new(), String::new());
    match programme_result(&p, year, &benchmark, v.lang).await {
        Ok(Some(c)) => {
            if let Cached::Programme(r) = &*c {
                svg = r.ranking_svg.clone();
                for (i, s) in r.scores.iter().enumerate() {
                    let level = crate::i18n::Locale::get(v.lang).text(&s.level_name);
                    *levels.entry(level.clone()).or_insert(0usize) += 1;
                    ranking.push(BTreeMap::from([
                        ("rank", r.ranks[i].map_or("—".into(), |n| n.to_string())),
                        ("park_id", s.park_id.clone()),
                        (
                            "name",
                            names
                                .get(s.park_id.as_str())
                                .map_or(s.park_name.clone(), |n| n.to_string()),
                        ),
                        ("level", level),
                        ("score", fmt_score(s.overall.score)),
                        ("coverage", format!("{:.0} %", s.overall.coverage * 100.0)),
                        (
                            "gate",
                            i18n::t(v.lang, crate::report::scores::gate_str(s.gate)).to_string(),
                        ),
                    ]));
                }
            }
        }
        Ok(None) => {}
        Err(e) => error = e,
    }
    // Failures: parks whose submissions this year all have errors (the latest is shown).
    let mut latest: BTreeMap<&str, &Submission> = BTreeMap::new();
    let mut any_valid: std::collections::BTreeSet<&str> = Default::default();
    for s in &all {
        latest.insert(&s.park_id, s);
        if s.valid {
            any_valid.insert(&s.park_id);
        }
    }
    let failures: Vec<BTreeMap<&str, Value>> = latest
        .values()
        .filter(|s| !any_valid.contains(s.park_id.as_str()))
        .map(|s| {
            BTreeMap::from([
                ("park_id", Value::from(s.park_id.as_str())),
                ("version", Value::from(s.version)),
                ("errors", Value::from(s.errors)),
            ])
        })
        .collect();
    let missing: Vec<&RosterPark> = parks
        .iter()
        .filter(|x| !latest.contains_key(x.park_id.as_str()))
        .collect();
    v.render(
        StatusCode::OK,
        "programme.html",
        vec![
            ("year", Value::from(year)),
            ("benchmark", Value::from(benchmark)),
            ("sets", sets_value(&p, v.lang)),
            ("ranking", Value::from_serialize(&ranking)),
            ("ranking_svg", Value::from(svg)),
            (
                "levels",
                Value::from_serialize(levels.into_iter().collect::<Vec<_>>()),
            ),
            ("failures", Value::from_serialize(&failures)),
            ("missing", Value::from_serialize(&missing)),
            ("error", Value::from(error)),
        ],
    )
}

pub async fn programme_csv(
    State(p): State<Portal>,
    v: Visitor,
    Query(q): Query<ParkQuery>,
) -> Response {
    let (year, benchmark) = match programme_choice(&p, &v, &q).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match programme_result(&p, year, &benchmark, v.lang).await {
        Ok(Some(c)) => match &*c {
            Cached::Programme(r) => download(
                r.scores_csv.clone().into_bytes(),
                "text/csv; charset=utf-8",
                &format!("scores-{year}-{benchmark}.csv"),
            ),
            Cached::Park(_) => v.not_found(),
        },
        Ok(None) => download(
            crate::report::scores::csv(&[]).into_bytes(),
            "text/csv; charset=utf-8",
            &format!("scores-{year}-{benchmark}.csv"),
        ),
        Err(e) => server_error(v.lang, &e),
    }
}

pub async fn programme_report(
    State(p): State<Portal>,
    v: Visitor,
    Path(path): Path<String>,
    Query(q): Query<ParkQuery>,
) -> Response {
    let (year, benchmark) = match programme_choice(&p, &v, &q).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match programme_result(&p, year, &benchmark, v.lang).await {
        Ok(Some(c)) => {
            let Cached::Programme(r) = &*c else {
                return v.not_found();
            };
            // Only files the report wrote: the path is a key, never a file system path.
            let Some(bytes) = r.files.get(&path) else {
                // A programme of one park has no index page: its park page is the report.
                if path == "index.html"
                    && let [only] = r.scores.as_slice()
                {
                    let to = format!(
                        "parks/{}.html?year={year}&benchmark={benchmark}&lang={}",
                        only.park_id,
                        v.code()
                    );
                    return Redirect::to(&to).into_response();
                }
                return v.not_found();
            };
            let mime = match path.rsplit('.').next() {
                Some("html") => "text/html; charset=utf-8",
                Some("svg") => "image/svg+xml",
                Some("csv") => "text/csv; charset=utf-8",
                Some("md") => "text/markdown; charset=utf-8",
                _ => "application/octet-stream",
            };
            let mut resp = bytes.clone().into_response();
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            no_store(resp.headers_mut());
            resp
        }
        Ok(None) => v.not_found(),
        Err(e) => server_error(v.lang, &e),
    }
}

// ---- accounts

fn require_admin(v: &Visitor) -> Result<(), Response> {
    let u = v.require_login()?;
    if u.role == Role::Admin {
        Ok(())
    } else {
        Err(v.not_found())
    }
}

async fn admin_page(
    p: &Portal,
    v: &Visitor,
    link: Option<String>,
    error: Option<String>,
) -> Response {
    let (users, parks) = match (p.db().users().await, p.db().parks().await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return server_error(v.lang, &e.to_string()),
    };
    v.render(
        if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        "admin.html",
        vec![
            ("users", Value::from_serialize(&users)),
            ("parks", Value::from_serialize(&parks)),
            ("link", Value::from(link)),
            ("error", Value::from(error)),
        ],
    )
}

pub async fn admin(State(p): State<Portal>, v: Visitor) -> Response {
    if let Err(r) = require_admin(&v) {
        return r;
    }
    admin_page(&p, &v, None, None).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    csrf: String,
    email: String,
    role: String,
    #[serde(default)]
    park_id: String,
}

pub async fn admin_create(
    State(p): State<Portal>,
    v: Visitor,
    headers: HeaderMap,
    Form(f): Form<NewUserForm>,
) -> Response {
    if let Err(r) = require_admin(&v) {
        return r;
    }
    if let Err(r) = v.check_csrf(&f.csrf) {
        return r;
    }
    let Some(role) = Role::parse(&f.role) else {
        return admin_page(&p, &v, None, Some(format!("role {}?", f.role))).await;
    };
    let park = Some(f.park_id.trim()).filter(|s| !s.is_empty() && role == Role::Operator);
    match p.invite(&f.email, role, park).await {
        Ok(path) => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            admin_page(&p, &v, Some(format!("http://{host}{path}")), None).await
        }
        Err(e) => admin_page(&p, &v, None, Some(e.to_string())).await,
    }
}
