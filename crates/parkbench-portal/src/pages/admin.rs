//! Accounts: invitations, reset links and role changes.

use super::*;

pub(super) fn require_admin(v: &Visitor) -> Result<(), PageError> {
    let u = v.require_login()?;
    if u.role == AccountRole::Admin {
        Ok(())
    } else {
        Err(v.not_found())
    }
}

pub(super) async fn admin_page(
    p: &Portal,
    v: &Visitor,
    link: Option<String>,
    error: Option<String>,
    done: Option<String>,
) -> Page {
    let users = p.db().users().await.map_err(|e| db_error(v.lang, &e))?;
    let parks = p.db().parks().await.map_err(|e| db_error(v.lang, &e))?;
    let users: Vec<BTreeMap<&str, Value>> = users
        .iter()
        .map(|u| {
            BTreeMap::from([
                ("email", Value::from(u.email.as_str())),
                ("role", Value::from(u.role.as_str())),
                ("park_id", Value::from(u.park_id.clone())),
                ("scope", Value::from(scope_words(p, v.lang, u))),
            ])
        })
        .collect();
    // The provinces of the roster's parks, for a provincial scope.
    let mut provinces: Vec<&str> = parks.iter().filter_map(|x| x.province.as_deref()).collect();
    provinces.sort_unstable();
    provinces.dedup();
    Ok(v.render(
        if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        "admin.html",
        vec![
            ("users", Value::from_serialize(&users)),
            ("parks", Value::from_serialize(&parks)),
            ("provinces", Value::from_serialize(&provinces)),
            ("link", Value::from(link)),
            ("error", Value::from(error)),
            ("done", Value::from(done)),
            (
                "link_days",
                Value::from(p.inner.cfg.limits.setup_link_secs / 86_400),
            ),
        ],
    ))
}

/// An invitation's or role change's refusal, in the visitor's language.
pub(super) fn refusal(v: &Visitor, e: &PortalError) -> Result<String, PageError> {
    match e {
        PortalError::Refused(key, about) => Ok(format!("{} ({about})", i18n::t(v.lang, key))),
        PortalError::Db(d) => Err(db_error(v.lang, d)),
        other => Err(server_error(v.lang, &other.to_string())),
    }
}

pub async fn admin(State(p): State<Portal>, v: Visitor) -> Page {
    require_admin(&v)?;
    admin_page(&p, &v, None, None, None).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    csrf: String,
    email: String,
    role: String,
    #[serde(default)]
    park_id: String,
    /// Staff: `nation` or `province:<key>` (empty: nation).
    #[serde(default)]
    scope: String,
}

impl NewUserForm {
    fn account(&self) -> Option<NewAccount<'_>> {
        let role = AccountRole::parse(&self.role)?;
        Some(NewAccount {
            role,
            park_id: Some(self.park_id.trim())
                .filter(|s| !s.is_empty() && role == AccountRole::Operator),
            scope: Some(self.scope.trim()).filter(|s| !s.is_empty() && role == AccountRole::Staff),
        })
    }
}

/// Invites an account (or re-invites one: a reset link that keeps its role). The link is built
/// from the configured public URL, never from the request's Host header.
pub async fn admin_create(State(p): State<Portal>, v: Visitor, Form(f): Form<NewUserForm>) -> Page {
    require_admin(&v)?;
    v.check_csrf(&f.csrf)?;
    let Some(account) = f.account() else {
        return Err(v.fail(Fail::BadRequest));
    };
    let actor = v.caller()?.actor;
    match p.invite_as(&f.email, &account, &actor).await {
        Ok(path) => admin_page(&p, &v, Some(p.public_link(&path)), None, None).await,
        Err(e) => admin_page(&p, &v, None, Some(refusal(&v, &e)?), None).await,
    }
}

/// Changes an account's role explicitly (an invitation never does); its sessions end.
pub async fn admin_role(State(p): State<Portal>, v: Visitor, Form(f): Form<NewUserForm>) -> Page {
    require_admin(&v)?;
    v.check_csrf(&f.csrf)?;
    let Some(account) = f.account() else {
        return Err(v.fail(Fail::BadRequest));
    };
    let actor = v.caller()?.actor;
    match p.change_role_as(&f.email, &account, &actor).await {
        Ok(()) => {
            let done = format!("{} ({})", i18n::t(v.lang, "role_changed"), f.email.trim());
            admin_page(&p, &v, None, None, Some(done)).await
        }
        Err(e) => admin_page(&p, &v, None, Some(refusal(&v, &e)?), None).await,
    }
}
