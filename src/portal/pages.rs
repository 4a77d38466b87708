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
use super::error::{Fail, PageError, security_headers};
use super::work::{self, Upload};
use super::{Cached, Portal, PortalError, auth, i18n};
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
    /// The client's address (for login throttling): the TCP peer, "local" in-process.
    pub address: String,
}

impl FromRequestParts<Portal> for Visitor {
    type Rejection = Response;

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
        let login_csrf = auth::read_cookie(&cookies, auth::LOGIN_CSRF_COOKIE).map(str::to_string);
        let mut v = Visitor {
            lang,
            user: None,
            csrf: String::new(),
            session_hash: None,
            login_csrf,
            address,
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
                Err(e) => return Err(PageError::from((lang, &e)).into_response()),
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
            Err(e) => server_error(self.lang, &e.to_string()),
        }
    }

    /// A refusal or failure, as the portal's error page in the visitor's language.
    fn fail(&self, fail: Fail) -> Response {
        PageError::new(self.lang, fail).into_response()
    }

    fn not_found(&self) -> Response {
        self.fail(Fail::NotFound)
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
                user = ?self.user.as_ref().map_or("", |u| u.email.as_str()),
                "CSRF token mismatch"
            );
            Err(self.fail(Fail::Forbidden))
        }
    }
}

fn no_store(h: &mut HeaderMap) {
    security_headers(h);
}

fn server_error(lang: Lang, detail: &str) -> Response {
    PageError::new(lang, Fail::Internal(detail.to_string())).into_response()
}

fn db_error(lang: Lang, e: &super::DbError) -> Response {
    PageError::from((lang, e)).into_response()
}

/// The message page for an error, without a visitor (see [`super::error`]).
pub(crate) fn message_page(lang: Lang, status: StatusCode, text: &str) -> String {
    let ctx = BTreeMap::from([
        ("t", Value::from_serialize(i18n::strings(lang))),
        (
            "lang",
            Value::from(if lang == Lang::Zh { "zh" } else { "en" }),
        ),
        (
            "other_lang",
            Value::from(if lang == Lang::Zh { "en" } else { "zh" }),
        ),
        ("message", Value::from(text)),
        ("status", Value::from(status.as_u16())),
    ]);
    env()
        .get_template("message.html")
        .and_then(|t| t.render(Value::from_serialize(&ctx)))
        // The template is embedded and tested: this is a last resort without markup.
        .unwrap_or_else(|_| format!("<!doctype html><title>{}</title>", status.as_u16()))
}

/// Unknown paths: the portal's 404 page.
pub async fn fallback(v: Visitor) -> Response {
    v.not_found()
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

/// The login form carries a token signed by the portal (issued with the page, valid for
/// `login_form_secs`) that must also match its cookie: there is no session yet, and a token
/// made up by another site, or copied into a cookie, is refused.
fn login_form(p: &Portal, v: &Visitor, status: StatusCode, failed: bool, email: &str) -> Response {
    let token = auth::form_token(&p.inner.form_key, super::db::now());
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
        &auth::cookie(
            auth::LOGIN_CSRF_COOKIE,
            &token,
            p.inner.cfg.limits.login_form_secs,
            p.inner.cfg.secure_cookies,
        ),
    );
    r
}

/// Is the login or setup form's token one this portal issued, and the one in its cookie?
fn form_token_ok(p: &Portal, v: &Visitor, sent: &str) -> bool {
    v.login_csrf.as_deref().is_some_and(|c| auth::same(c, sent))
        && auth::form_token_ok(
            &p.inner.form_key,
            sent,
            super::db::now(),
            p.inner.cfg.limits.login_form_secs,
        )
}

pub async fn login_page(State(p): State<Portal>, v: Visitor) -> Response {
    login_form(&p, &v, StatusCode::OK, false, "")
}

pub async fn login(State(p): State<Portal>, v: Visitor, Form(f): Form<LoginForm>) -> Response {
    let secure = p.inner.cfg.secure_cookies;
    let email = f.email.trim().to_lowercase();
    if !form_token_ok(&p, &v, &f.csrf) {
        tracing::warn!(email = ?email, address = %v.address, "login CSRF token refused");
        return v.fail(Fail::Forbidden);
    }
    // Throttled: answered before the password is even looked at.
    let wait = p.login_wait(&email, &v.address);
    if wait > 0 {
        tracing::warn!(
            target: "parkbench::audit",
            email = ?email, address = %v.address, wait_secs = wait, outcome = "throttled", "login"
        );
        return v.fail(Fail::Throttled(wait));
    }
    let user = match p.db().user_by_email(&email).await {
        Ok(u) => u.filter(|u| u.email != auth::IMPORTER),
        Err(e) => return db_error(v.lang, &e),
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
        let failures = p.login_failed(&email, &v.address);
        tracing::warn!(
            target: "parkbench::audit",
            email = ?email, address = %v.address, failures, outcome = "failed", "login"
        );
        return login_form(&p, &v, StatusCode::UNAUTHORIZED, true, &email);
    };
    p.login_succeeded(&email);
    let (token, csrf) = (auth::token(), auth::token());
    if let Err(e) = p
        .db()
        .create_session(
            &auth::token_hash(&token),
            user.id,
            &csrf,
            p.inner.cfg.limits.session_secs,
        )
        .await
    {
        return db_error(v.lang, &e);
    }
    tracing::info!(
        target: "parkbench::audit",
        email = ?email, address = %v.address, role = user.role.as_str(), outcome = "ok", "login"
    );
    let mut r = Redirect::to(&format!("/?lang={}", v.code())).into_response();
    set_cookie(
        &mut r,
        &auth::cookie(
            auth::SESSION_COOKIE,
            &token,
            p.inner.cfg.limits.session_secs,
            secure,
        ),
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

/// The setup form; `problem` is the i18n key of why the last password was refused.
fn setup_form(
    p: &Portal,
    v: &Visitor,
    token: &str,
    account: Option<&str>,
    problem: Option<&str>,
) -> Response {
    let form = auth::form_token(&p.inner.form_key, super::db::now());
    let status = match (account, problem) {
        (None, _) => StatusCode::NOT_FOUND,
        (Some(_), Some(_)) => StatusCode::BAD_REQUEST,
        (Some(_), None) => StatusCode::OK,
    };
    let min = p.inner.cfg.limits.password_min_chars.to_string();
    let mut r = v.render(
        status,
        "setup.html",
        vec![
            ("form_csrf", Value::from(form.as_str())),
            ("account", Value::from(account)),
            ("token", Value::from(token)),
            (
                "problem",
                Value::from(problem.map(|k| i18n::t(v.lang, k).replace("{n}", &min))),
            ),
            (
                "rules",
                Value::from(i18n::t(v.lang, "password_rules").replace("{n}", &min)),
            ),
            ("min", Value::from(min)),
        ],
    );
    set_cookie(
        &mut r,
        &auth::cookie(
            auth::LOGIN_CSRF_COOKIE,
            &form,
            p.inner.cfg.limits.login_form_secs,
            p.inner.cfg.secure_cookies,
        ),
    );
    r
}

pub async fn setup_page(
    State(p): State<Portal>,
    v: Visitor,
    Path(token): Path<String>,
) -> Response {
    match p.db().setup_user(&auth::token_hash(&token)).await {
        Ok(u) => setup_form(&p, &v, &token, u.as_ref().map(|u| u.email.as_str()), None),
        Err(e) => db_error(v.lang, &e),
    }
}

pub async fn setup(
    State(p): State<Portal>,
    v: Visitor,
    Path(token): Path<String>,
    Form(f): Form<SetupForm>,
) -> Response {
    if !form_token_ok(&p, &v, &f.csrf) {
        return v.fail(Fail::Forbidden);
    }
    let hash_of = auth::token_hash(&token);
    let user = match p.db().setup_user(&hash_of).await {
        Ok(u) => u,
        Err(e) => return db_error(v.lang, &e),
    };
    let Some(user) = user else {
        return setup_form(&p, &v, &token, None, None);
    };
    if let Some(problem) = auth::password_problem(
        &f.password,
        &user.email,
        p.inner.cfg.limits.password_min_chars,
    ) {
        return setup_form(&p, &v, &token, Some(&user.email), Some(problem));
    }
    let password = f.password;
    let hash = match tokio::task::spawn_blocking(move || auth::hash_password(&password)).await {
        Ok(Ok(h)) => h,
        _ => return server_error(v.lang, "password hashing failed"),
    };
    match p.db().use_setup_token(&hash_of, &hash).await {
        Ok(Some(_)) => {
            tracing::info!(target: "parkbench::audit", email = ?user.email, "password set");
            Redirect::to(&format!("/login?lang={}", v.code())).into_response()
        }
        Ok(None) => setup_form(&p, &v, &token, None, None),
        Err(e) => db_error(v.lang, &e),
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
        Err(e) => Err(db_error(v.lang, &e)),
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
        Err(e) => return db_error(v.lang, &e),
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
            (
                "max_files",
                Value::from(p.inner.cfg.limits.files_per_upload),
            ),
            // A key for this rendering of the form: the same upload sent twice (a retry, a
            // double click, a browser resending after a lost response) is stored once.
            ("idem", Value::from(auth::token())),
        ],
    )
}

pub async fn upload(
    State(p): State<Portal>,
    v: Visitor,
    Path(park_id): Path<String>,
    form: Multipart,
) -> Response {
    let user = match v.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    if !v.submits(&park_id) {
        return v.not_found();
    }
    // A slot before a byte of the files is read: memory for uploads is bounded by the slots.
    let slot = match p.upload_slot(user.id).await {
        Ok(s) => s,
        Err(f) => {
            tracing::warn!(park = ?park_id, user = ?user.email, refused = ?f, "upload");
            return v.fail(f);
        }
    };
    let r = store_upload(&p, &v, &user, &park_id, form).await;
    drop(slot);
    r.unwrap_or_else(|f| {
        if matches!(f, Fail::TooLarge(_) | Fail::TooManyFiles(_)) {
            tracing::info!(park = ?park_id, user = ?user.email, refused = ?f, "upload");
        }
        v.fail(f)
    })
}

/// An upload's form fields.
struct UploadForm {
    csrf: String,
    year: Option<i32>,
    idem: Option<String>,
    uploads: Vec<Upload>,
    bytes: usize,
}

/// Reads an upload's form: at most `files_per_upload` files and the upload limit in all (the
/// request stops being read at the first file or byte too many).
async fn read_upload(p: &Portal, mut form: Multipart) -> Result<UploadForm, Fail> {
    let limit = p.inner.cfg.upload_limit;
    let max_files = p.inner.cfg.limits.files_per_upload;
    let too_large = Fail::TooLarge(limit >> 20);
    let mut f = UploadForm {
        csrf: String::new(),
        year: None,
        idem: None,
        uploads: Vec::new(),
        bytes: 0,
    };
    let read_err = |e: axum::extract::multipart::MultipartError, too_large: &Fail| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large.clone()
        } else {
            Fail::BadRequest
        }
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(x)) => x,
            Ok(None) => break,
            Err(e) => return Err(read_err(e, &too_large)),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        if name == "files" && f.uploads.len() >= max_files {
            return Err(Fail::TooManyFiles(max_files));
        }
        let bytes = field.bytes().await.map_err(|e| read_err(e, &too_large))?;
        let text = || String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_str() {
            "csrf" => f.csrf = text(),
            "year" => f.year = text().parse::<i32>().ok(),
            // A key of this portal's making: 64 hex digits; anything else is no key.
            "idem" => {
                f.idem = Some(text())
                    .filter(|k| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()))
            }
            "files" if !bytes.is_empty() || file_name.as_deref().is_some_and(|n| !n.is_empty()) => {
                f.bytes += bytes.len();
                if f.bytes > limit {
                    return Err(too_large);
                }
                f.uploads.push(Upload {
                    name: work::shown_name(file_name.as_deref().unwrap_or("upload")),
                    // The request's buffer itself when it is not shared: no second copy.
                    bytes: Vec::from(bytes),
                })
            }
            _ => {}
        }
    }
    Ok(f)
}

async fn store_upload(
    p: &Portal,
    v: &Visitor,
    user: &User,
    park_id: &str,
    form: Multipart,
) -> Result<Response, Fail> {
    let f = read_upload(p, form).await?;
    if let Err(r) = v.check_csrf(&f.csrf) {
        return Ok(r);
    }
    let year = f
        .year
        .filter(|y| crate::input::activity::YEARS.contains(y))
        .ok_or(Fail::MissingYear)?;
    if f.uploads.is_empty() {
        return Err(Fail::NoFiles);
    }
    let park = match p.db().park(park_id).await {
        Ok(Some(x)) => x,
        Ok(None) => return Err(Fail::NotFound),
        Err(e) => return Err(Fail::db(&e)),
    };
    let see = |version: i64| {
        Redirect::to(&format!(
            "/park/{}/{year}/{version}?lang={}",
            park.park_id,
            v.code()
        ))
        .into_response()
    };
    // The same form sent again: the first submission's page, nothing checked or stored.
    if let Some(key) = &f.idem
        && let Some(first) = p
            .db()
            .submission_by_key(user.id, key)
            .await
            .map_err(|e| Fail::db(&e))?
    {
        tracing::info!(park = ?park.park_id, year, version = first.version, user = ?user.email, outcome = "repeated", "upload");
        return Ok(see(first.version));
    }
    let (p2, park2, uploads) = (p.clone(), park.clone(), f.uploads);
    let checked = tokio::task::spawn_blocking(move || {
        let c = work::check(&p2.inner.refs, &park2, year, uploads);
        let (problems, omitted) = work::bound(&c.problems, &p2.inner.cfg.limits);
        let names = serde_json::to_string(&c.names).unwrap_or_else(|_| "[]".into());
        (c.errors(), c.warnings(), problems, omitted, names, c.files)
    })
    .await
    .map_err(|e| Fail::Internal(e.to_string()))?;
    let (errors, warnings, problems, omitted, names, files) = checked;
    let new = super::db::NewSubmission {
        park_id: &park.park_id,
        year: i64::from(year),
        user_id: user.id,
        valid: errors == 0,
        errors: errors as i64,
        warnings: warnings as i64,
        problems: &problems,
        omitted: &omitted,
        names: &names,
        files: &files,
        idem_key: f.idem.as_deref(),
        keep_invalid: p.inner.cfg.limits.keep_invalid_versions,
    };
    // Acknowledged (303) only once the transaction is committed (with SQLite, synced).
    let stored = match p.db().insert_submission(&new).await {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(park = ?park.park_id, year, user = ?user.email, error = %e, outcome = "not stored", "upload");
            return Err(Fail::db(&e));
        }
    };
    tracing::info!(
        park = ?park.park_id, year, version = stored.version, user = ?user.email, errors, warnings,
        bytes = f.bytes, files = files.len(),
        outcome = if stored.repeated { "repeated" } else if errors == 0 { "valid" } else { "invalid" },
        "upload"
    );
    Ok(see(stored.version))
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

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<String>,
}

/// A submission: its header, and one page of its stored problems (`?page=N`), with the
/// problems that were only counted listed by kind.
pub async fn submission(
    State(p): State<Portal>,
    v: Visitor,
    Path((park_id, year, version)): Path<(String, i64, i64)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let park = match visible_park(&p, &v, &park_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let sub = match p.db().submission(&park.park_id, year, version).await {
        Ok(Some(s)) => s,
        Ok(None) => return v.not_found(),
        Err(e) => return db_error(v.lang, &e),
    };
    let (problems, omitted) = match p.db().problems(sub.id).await {
        Ok(x) => x,
        Err(e) => return db_error(v.lang, &e),
    };
    let problems: Vec<Diagnostic> = serde_json::from_str(&problems).unwrap_or_default();
    let omitted: Vec<work::Omitted> = serde_json::from_str(&omitted).unwrap_or_default();
    let names: Vec<String> = serde_json::from_str(&sub.names).unwrap_or_default();
    let per_page = p.inner.cfg.limits.problems_per_page.max(1);
    let pages = problems.len().div_ceil(per_page).max(1);
    let page = q
        .page
        .as_deref()
        .and_then(|x| x.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let from = (page - 1) * per_page;
    let shown = &problems[from.min(problems.len())..(from + per_page).min(problems.len())];
    // A kind is shown as the first kept problem of that kind words it, in the page's language.
    let words = crate::i18n::Locale::get(v.lang);
    let example = |kind: &str| {
        problems
            .iter()
            .find(|d| work::kind(d) == kind)
            .map_or_else(|| kind.to_string(), |d| words.text(&d.message))
    };
    let omitted_rows: Vec<BTreeMap<&str, Value>> = omitted
        .iter()
        .map(|o| {
            BTreeMap::from([
                (
                    "severity",
                    Value::from(if o.severity == Severity::Error {
                        "error"
                    } else {
                        "warning"
                    }),
                ),
                (
                    "kind",
                    Value::from(if o.kind.is_empty() {
                        i18n::t(v.lang, "other_problems").to_string()
                    } else {
                        example(&o.kind)
                    }),
                ),
                ("count", Value::from(o.count)),
            ])
        })
        .collect();
    v.render(
        StatusCode::OK,
        "submission.html",
        vec![
            ("park", Value::from_serialize(&park)),
            ("sub", Value::from_serialize(&sub)),
            ("when", Value::from(when(sub.created_at))),
            ("names", Value::from_serialize(&names)),
            ("problems", problem_rows(shown, v.lang)),
            ("page", Value::from(page)),
            ("pages", Value::from(pages)),
            ("first_shown", Value::from(from + 1)),
            ("last_shown", Value::from(from + shown.len())),
            ("stored", Value::from(problems.len())),
            ("omitted", Value::from_serialize(&omitted_rows)),
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
        Err(e) => return db_error(v.lang, &e),
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
        (Err(e), _) | (_, Err(e)) => return db_error(v.lang, &e),
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
    done: Option<String>,
) -> Response {
    let (users, parks) = match (p.db().users().await, p.db().parks().await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return db_error(v.lang, &e),
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
            ("done", Value::from(done)),
            (
                "link_days",
                Value::from(p.inner.cfg.limits.setup_link_secs / 86_400),
            ),
        ],
    )
}

/// An invitation's or role change's refusal, in the visitor's language.
fn refusal(v: &Visitor, e: &PortalError) -> Result<String, Response> {
    match e {
        PortalError::Refused(key, about) => Ok(format!("{} ({about})", i18n::t(v.lang, key))),
        PortalError::Db(d) => Err(db_error(v.lang, d)),
        other => Err(server_error(v.lang, &other.to_string())),
    }
}

pub async fn admin(State(p): State<Portal>, v: Visitor) -> Response {
    if let Err(r) = require_admin(&v) {
        return r;
    }
    admin_page(&p, &v, None, None, None).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    csrf: String,
    email: String,
    role: String,
    #[serde(default)]
    park_id: String,
}

/// Invites an account (or re-invites one: a reset link that keeps its role). The link is built
/// from the configured public URL, never from the request's Host header.
pub async fn admin_create(
    State(p): State<Portal>,
    v: Visitor,
    Form(f): Form<NewUserForm>,
) -> Response {
    if let Err(r) = require_admin(&v) {
        return r;
    }
    if let Err(r) = v.check_csrf(&f.csrf) {
        return r;
    }
    let Some(role) = Role::parse(&f.role) else {
        return v.fail(Fail::BadRequest);
    };
    let park = Some(f.park_id.trim()).filter(|s| !s.is_empty() && role == Role::Operator);
    match p.invite(&f.email, role, park).await {
        Ok(path) => admin_page(&p, &v, Some(p.public_link(&path)), None, None).await,
        Err(e) => match refusal(&v, &e) {
            Ok(msg) => admin_page(&p, &v, None, Some(msg), None).await,
            Err(r) => r,
        },
    }
}

/// Changes an account's role explicitly (an invitation never does); its sessions end.
pub async fn admin_role(
    State(p): State<Portal>,
    v: Visitor,
    Form(f): Form<NewUserForm>,
) -> Response {
    if let Err(r) = require_admin(&v) {
        return r;
    }
    if let Err(r) = v.check_csrf(&f.csrf) {
        return r;
    }
    let Some(role) = Role::parse(&f.role) else {
        return v.fail(Fail::BadRequest);
    };
    let park = Some(f.park_id.trim()).filter(|s| !s.is_empty() && role == Role::Operator);
    match p.change_role(&f.email, role, park).await {
        Ok(()) => {
            let done = format!("{} ({})", i18n::t(v.lang, "role_changed"), f.email.trim());
            admin_page(&p, &v, None, None, Some(done)).await
        }
        Err(e) => match refusal(&v, &e) {
            Ok(msg) => admin_page(&p, &v, None, Some(msg), None).await,
            Err(r) => r,
        },
    }
}
