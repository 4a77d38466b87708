//! Logging in and out, setting a password from a setup link, and changing one's own.

use super::*;

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf: String,
}

/// The login form carries a token signed by the portal (issued with the page, valid for
/// `login_form_secs`) that must also match its cookie: there is no session yet, and a token
/// made up by another site, or copied into a cookie, is refused.
pub(super) fn login_form(
    p: &Portal,
    v: &Visitor,
    status: StatusCode,
    failed: bool,
    email: &str,
) -> Response {
    let token = auth::form_token(&p.inner.form_key, crate::db::now());
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
        &p.inner.cfg.cookies().set(
            auth::LOGIN_CSRF_COOKIE,
            &token,
            p.inner.cfg.limits.login_form_secs,
        ),
    );
    r
}

/// Is the login or setup form's token one this portal issued, and the one in its cookie?
pub(super) fn form_token_ok(p: &Portal, v: &Visitor, sent: &str) -> bool {
    v.login_csrf.as_deref().is_some_and(|c| auth::same(c, sent))
        && auth::form_token_ok(
            &p.inner.form_key,
            sent,
            crate::db::now(),
            p.inner.cfg.limits.login_form_secs,
        )
}

pub async fn login_page(State(p): State<Portal>, v: Visitor) -> Page {
    Ok(login_form(&p, &v, StatusCode::OK, false, ""))
}

/// Typed values longer than the portal takes are refused at once, before anything is logged,
/// looked up, remembered or hashed (only their field and length are logged).
/// `form` names the form in the log line (`login`, `password change`).
fn refuse_long(
    v: &Visitor,
    form: &str,
    (email, password): (&str, &str),
    l: &PortalLimits,
) -> Result<(), PageError> {
    let too_long = |s: &str, max: usize| s.chars().nth(max).is_some();
    let fail = if too_long(email, l.email_max_chars) {
        Fail::FieldTooLong("email_too_long", l.email_max_chars)
    } else if too_long(password, l.password_max_chars) {
        Fail::FieldTooLong("password_long", l.password_max_chars)
    } else {
        return Ok(());
    };
    tracing::info!(address = %v.address, refused = ?fail, "{form}");
    Err(v.fail(fail))
}

pub async fn login(State(p): State<Portal>, v: Visitor, Form(f): Form<LoginForm>) -> Page {
    let cookies = p.inner.cfg.cookies();
    let email = f.email.trim().to_lowercase();
    refuse_long(&v, "login", (&email, &f.password), &p.inner.cfg.limits)?;
    let shown = crate::net::logged(&email);
    if !form_token_ok(&p, &v, &f.csrf) {
        tracing::warn!(email = ?shown, address = %v.address, "login CSRF token refused");
        return Err(v.fail(Fail::Forbidden));
    }
    // Counted before the password is looked at; throttled, it is not looked at.
    let attempt = p.login_attempt(&email, &v.address).await.map_err(|fail| {
        tracing::warn!(
            target: "parkbench::audit",
            email = ?shown, address = %v.address, refused = ?fail, outcome = "throttled", "login"
        );
        v.fail(fail)
    })?;
    let user = p
        .db()
        .user_by_email(&email)
        .await
        .map_err(|e| db_error(v.lang, &e))?
        .filter(|u| u.email != auth::IMPORTER);
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let (ok, failures) = attempt.verify(f.password, hash).await;
    let Some(user) = user.filter(|_| ok) else {
        tracing::warn!(
            target: "parkbench::audit",
            email = ?shown, address = %v.address, failures, outcome = "failed", "login"
        );
        return Ok(login_form(&p, &v, StatusCode::UNAUTHORIZED, true, &email));
    };
    let (token, csrf) = (auth::token(), auth::token());
    p.db()
        .create_session(
            &auth::token_hash(&token),
            user.id,
            &csrf,
            p.inner.cfg.limits.session_secs,
        )
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    tracing::info!(
        target: "parkbench::audit",
        email = ?shown, address = %v.address, role = user.role.as_str(), outcome = "ok", "login"
    );
    let mut r = Redirect::to(&format!("/?lang={}", v.code())).into_response();
    set_cookie(
        &mut r,
        &cookies.set(
            auth::SESSION_COOKIE,
            &token,
            p.inner.cfg.limits.session_secs,
        ),
    );
    set_cookie(&mut r, &cookies.set(auth::LOGIN_CSRF_COOKIE, "", 0));
    Ok(r)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(State(p): State<Portal>, v: Visitor, Form(f): Form<CsrfForm>) -> Page {
    v.check_csrf(&f.csrf)?;
    if let Some(h) = &v.session_hash {
        let _ = p.db().delete_session(h).await;
    }
    let mut r = Redirect::to(&format!("/login?lang={}", v.code())).into_response();
    set_cookie(
        &mut r,
        &p.inner.cfg.cookies().set(auth::SESSION_COOKIE, "", 0),
    );
    Ok(r)
}

#[derive(Deserialize)]
pub struct SetupForm {
    password: String,
    csrf: String,
}

/// The setup form; `problem` is the i18n key of why the last password was refused.
pub(super) fn setup_form(
    p: &Portal,
    v: &Visitor,
    token: &str,
    account: Option<&str>,
    problem: Option<&str>,
) -> Response {
    let form = auth::form_token(&p.inner.form_key, crate::db::now());
    let status = match (account, problem) {
        (None, _) => StatusCode::NOT_FOUND,
        (Some(_), Some(_)) => StatusCode::BAD_REQUEST,
        (Some(_), None) => StatusCode::OK,
    };
    let l = &p.inner.cfg.limits;
    let mut page = vec![
        ("form_csrf", Value::from(form.as_str())),
        ("account", Value::from(account)),
        ("token", Value::from(token)),
    ];
    page.extend(password_words(v, l, problem));
    let mut r = v.render(status, "setup.html", page);
    set_cookie(
        &mut r,
        &p.inner.cfg.cookies().set(
            auth::LOGIN_CSRF_COOKIE,
            &form,
            p.inner.cfg.limits.login_form_secs,
        ),
    );
    r
}

pub async fn setup_page(State(p): State<Portal>, v: Visitor, Path(token): Path<String>) -> Page {
    let user = p
        .db()
        .setup_user(&auth::token_hash(&token))
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    let account = user.as_ref().map(|u| u.email.as_str());
    Ok(setup_form(&p, &v, &token, account, None))
}

pub async fn setup(
    State(p): State<Portal>,
    v: Visitor,
    Path(token): Path<String>,
    Form(f): Form<SetupForm>,
) -> Page {
    if !form_token_ok(&p, &v, &f.csrf) {
        return Err(v.fail(Fail::Forbidden));
    }
    let hash_of = auth::token_hash(&token);
    let user = p
        .db()
        .setup_user(&hash_of)
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    let Some(user) = user else {
        return Ok(setup_form(&p, &v, &token, None, None));
    };
    if let Some(problem) = auth::password_problem(&f.password, &user.email, &p.inner.cfg.limits) {
        return Ok(setup_form(&p, &v, &token, Some(&user.email), Some(problem)));
    }
    let hash = p.hash_password(f.password).await.map_err(|f| v.fail(f))?;
    let used = p
        .db()
        .use_setup_token(&hash_of, &hash)
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    if used.is_none() {
        return Ok(setup_form(&p, &v, &token, None, None));
    }
    tracing::info!(target: "parkbench::audit", email = ?user.email, "password set");
    Ok(Redirect::to(&format!("/login?lang={}", v.code())).into_response())
}

/// The words of a password form: the rules, the minimum and maximum for the browser, and why
/// the last password was refused (`problem`, an i18n key whose `{n}` is a length).
fn password_words(
    v: &Visitor,
    l: &PortalLimits,
    problem: Option<&str>,
) -> Vec<(&'static str, Value)> {
    let (min, max) = (l.password_min_chars, l.password_max_chars);
    let problem = problem.map(|k| {
        let n = if k == "password_long" { max } else { min };
        i18n::t(v.lang, k).replace("{n}", &n.to_string())
    });
    let rules = i18n::t(v.lang, "password_rules")
        .replace("{n}", &min.to_string())
        .replace("{max}", &max.to_string());
    vec![
        ("problem", Value::from(problem)),
        ("rules", Value::from(rules)),
        ("min", Value::from(min)),
        ("max", Value::from(max)),
    ]
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
}

/// The change-password page; `problem` is the i18n key of why the last try was refused.
fn password_form(v: &Visitor, l: &PortalLimits, problem: Option<&str>, done: bool) -> Response {
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut page = password_words(v, l, problem);
    page.push(("done", Value::from(done)));
    v.render(status, "password.html", page)
}

pub async fn password_page(State(p): State<Portal>, v: Visitor) -> Page {
    v.require_login()?;
    Ok(password_form(&v, &p.inner.cfg.limits, None, false))
}

/// A signed-in user changes their password: the current one is required (and throttled as a
/// login), the new one follows the rules; the account's other sessions end.
pub async fn change_password(
    State(p): State<Portal>,
    v: Visitor,
    Form(f): Form<PasswordForm>,
) -> Page {
    let user = v.require_login()?.clone();
    v.check_csrf(&f.csrf)?;
    let l = p.inner.cfg.limits;
    refuse_long(&v, "password change", ("", &f.current), &l)?;
    if let Some(problem) = auth::password_problem(&f.new, &user.email, &l) {
        return Ok(password_form(&v, &l, Some(problem), false));
    }
    let attempt = p
        .login_attempt(&user.email, &v.address)
        .await
        .map_err(|fail| v.fail(fail))?;
    let (ok, failures) = attempt.verify(f.current, user.password_hash.clone()).await;
    if !ok {
        tracing::warn!(
            target: "parkbench::audit",
            email = ?user.email, address = %v.address, failures, outcome = "wrong current password",
            "password change"
        );
        return Ok(password_form(&v, &l, Some("current_password_wrong"), false));
    }
    let hash = p.hash_password(f.new).await.map_err(|f| v.fail(f))?;
    let keep = v.session_hash.as_deref().unwrap_or_default();
    let ended = p
        .db()
        .change_password(user.id, &hash, keep)
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    tracing::info!(
        target: "parkbench::audit",
        email = ?user.email, address = %v.address, other_sessions_ended = ended, outcome = "ok",
        "password change"
    );
    Ok(password_form(&v, &l, None, true))
}
