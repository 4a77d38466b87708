//! Logging in and out, and setting a password from a setup link.

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
    let token = auth::form_token(&p.inner.form_key, crate::portal::db::now());
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
pub(super) fn form_token_ok(p: &Portal, v: &Visitor, sent: &str) -> bool {
    v.login_csrf.as_deref().is_some_and(|c| auth::same(c, sent))
        && auth::form_token_ok(
            &p.inner.form_key,
            sent,
            crate::portal::db::now(),
            p.inner.cfg.limits.login_form_secs,
        )
}

pub async fn login_page(State(p): State<Portal>, v: Visitor) -> Page {
    Ok(login_form(&p, &v, StatusCode::OK, false, ""))
}

pub async fn login(State(p): State<Portal>, v: Visitor, Form(f): Form<LoginForm>) -> Page {
    let secure = p.inner.cfg.secure_cookies;
    let email = f.email.trim().to_lowercase();
    if !form_token_ok(&p, &v, &f.csrf) {
        tracing::warn!(email = ?email, address = %v.address, "login CSRF token refused");
        return Err(v.fail(Fail::Forbidden));
    }
    // Throttled: answered before the password is even looked at.
    let wait = p.login_wait(&email, &v.address);
    if wait > 0 {
        tracing::warn!(
            target: "parkbench::audit",
            email = ?email, address = %v.address, wait_secs = wait, outcome = "throttled", "login"
        );
        return Err(v.fail(Fail::Throttled(wait)));
    }
    let user = p
        .db()
        .user_by_email(&email)
        .await
        .map_err(|e| db_error(v.lang, &e))?
        .filter(|u| u.email != auth::IMPORTER);
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
        return Ok(login_form(&p, &v, StatusCode::UNAUTHORIZED, true, &email));
    };
    p.login_succeeded(&email);
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
        &auth::cookie(auth::SESSION_COOKIE, "", 0, p.inner.cfg.secure_cookies),
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
    let form = auth::form_token(&p.inner.form_key, crate::portal::db::now());
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
    if let Some(problem) = auth::password_problem(
        &f.password,
        &user.email,
        p.inner.cfg.limits.password_min_chars,
    ) {
        return Ok(setup_form(&p, &v, &token, Some(&user.email), Some(problem)));
    }
    let password = f.password;
    let hash = match tokio::task::spawn_blocking(move || auth::hash_password(&password)).await {
        Ok(Ok(h)) => h,
        _ => return Err(server_error(v.lang, "password hashing failed")),
    };
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
