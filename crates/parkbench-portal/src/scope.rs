//! Who sees and reviews which park. An account's scope follows from its role and columns:
//! an operator's is their park; staff are national (`nation`) or provincial
//! (`province:<key>`, the province key of the factor tables, e.g. `jiangsu`); admins are
//! national. A park's province is the one of its roster row. Pure: the pages and the API ask
//! here, with the account and the park they already hold.

use super::db::{AccountRole, RosterPark, User};
use super::review::Level;

/// Where an account may look and act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Nation,
    Province(String),
    Park(String),
    /// An operator without a park (cannot happen through the portal; sees nothing).
    Nothing,
}

impl Scope {
    /// As written on the command line and shown: `nation`, `province:jiangsu`, `park:ID`.
    pub fn label(&self) -> String {
        match self {
            Scope::Nation => "nation".into(),
            Scope::Province(p) => format!("province:{p}"),
            Scope::Park(p) => format!("park:{p}"),
            Scope::Nothing => String::new(),
        }
    }
}

/// A staff scope as written (`nation`, `province:<name>`): the province as written, still to be
/// looked up in the factor tables. None when it is neither.
pub fn parse_staff_scope(written: &str) -> Option<Option<String>> {
    let w = written.trim();
    if w.eq_ignore_ascii_case("nation") {
        return Some(None);
    }
    let (kind, province) = w.split_once(':')?;
    let province = province.trim();
    (kind.trim().eq_ignore_ascii_case("province") && !province.is_empty())
        .then(|| Some(province.to_string()))
}

pub fn of(user: &User) -> Scope {
    match (user.role, &user.park_id, &user.province) {
        (AccountRole::Operator, Some(p), _) => Scope::Park(p.clone()),
        (AccountRole::Operator, None, _) => Scope::Nothing,
        (AccountRole::Staff, _, Some(province)) => Scope::Province(province.clone()),
        (AccountRole::Staff | AccountRole::Admin, _, _) => Scope::Nation,
    }
}

/// The level at which an account acts on a park; None when the park is outside its scope.
pub fn level(user: &User, park: &RosterPark) -> Option<Level> {
    match of(user) {
        Scope::Nation => Some(Level::Nation),
        Scope::Province(p) => {
            (park.province.as_deref() == Some(p.as_str())).then_some(Level::Province)
        }
        Scope::Park(p) => (p == park.park_id).then_some(Level::Park),
        Scope::Nothing => None,
    }
}

/// May the account see the park (its pages, submissions, scores, audit trail)?
pub fn sees(user: &User, park: &RosterPark) -> bool {
    level(user, park).is_some()
}

/// May the account upload data for the park: its operator, or an admin.
pub fn uploads(user: &User, park_id: &str) -> bool {
    user.role == AccountRole::Admin
        || (user.role == AccountRole::Operator && user.park_id.as_deref() == Some(park_id))
}

/// Does the account see the whole programme page (staff and admins, national or provincial)?
pub fn sees_programme(user: &User) -> bool {
    user.role.sees_programme()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: AccountRole, park: Option<&str>, province: Option<&str>) -> User {
        User {
            id: 1,
            email: "x@example.org".into(),
            role,
            park_id: park.map(str::to_string),
            province: province.map(str::to_string),
            password_hash: None,
        }
    }

    fn park(id: &str, province: Option<&str>) -> RosterPark {
        RosterPark {
            park_id: id.into(),
            name: id.into(),
            province: province.map(str::to_string),
            meta_csv: String::new(),
        }
    }

    #[test]
    fn each_account_sees_its_scope_and_acts_at_its_level() {
        let js = park("js-a", Some("jiangsu"));
        let zj = park("zj-b", Some("zhejiang"));
        let nowhere = park("x-c", None);
        let nation = user(AccountRole::Staff, None, None);
        let jiangsu = user(AccountRole::Staff, None, Some("jiangsu"));
        let op = user(AccountRole::Operator, Some("js-a"), None);
        let admin = user(AccountRole::Admin, None, None);
        for p in [&js, &zj, &nowhere] {
            assert_eq!(level(&nation, p), Some(Level::Nation));
            assert_eq!(level(&admin, p), Some(Level::Nation));
        }
        assert_eq!(level(&jiangsu, &js), Some(Level::Province));
        assert_eq!(level(&jiangsu, &zj), None);
        assert_eq!(
            level(&jiangsu, &nowhere),
            None,
            "a park without a province is national"
        );
        assert_eq!(level(&op, &js), Some(Level::Park));
        assert_eq!(level(&op, &zj), None);
        assert!(uploads(&op, "js-a") && !uploads(&op, "zj-b"));
        assert!(uploads(&admin, "zj-b") && !uploads(&nation, "js-a") && !uploads(&jiangsu, "js-a"));
        assert_eq!(of(&jiangsu).label(), "province:jiangsu");
        assert_eq!(of(&op).label(), "park:js-a");
        assert_eq!(of(&nation).label(), "nation");
    }

    #[test]
    fn staff_scopes_as_written() {
        assert_eq!(parse_staff_scope("nation"), Some(None));
        assert_eq!(parse_staff_scope(" Nation "), Some(None));
        assert_eq!(
            parse_staff_scope("province:jiangsu"),
            Some(Some("jiangsu".into()))
        );
        assert_eq!(
            parse_staff_scope("province:江苏"),
            Some(Some("江苏".into()))
        );
        assert_eq!(parse_staff_scope("province:"), None);
        assert_eq!(parse_staff_scope("park:x"), None);
        assert_eq!(parse_staff_scope("jiangsu"), None);
    }
}
