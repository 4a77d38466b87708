//! The audit trail: every upload, decision, comment, role or scope change, token and evidence
//! file is one event (who, when, what, from which address), appended in the same transaction as
//! what it records and never changed: the database refuses an UPDATE or DELETE of an event
//! (triggers of `migrations/*/0003_*.sql`). This module says what an event holds and how the
//! trail is exported; storing it is [`super::db`]'s.

use serde::Serialize;

/// What happened. Each kind has its words (`portal.event_<id>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Upload,
    Submit,
    Return,
    AcceptProvince,
    AcceptNation,
    Comment,
    Evidence,
    AccountInvited,
    RoleChanged,
    TokenCreated,
    TokenRevoked,
    RequestOpened,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::Upload,
        Kind::Submit,
        Kind::Return,
        Kind::AcceptProvince,
        Kind::AcceptNation,
        Kind::Comment,
        Kind::Evidence,
        Kind::AccountInvited,
        Kind::RoleChanged,
        Kind::TokenCreated,
        Kind::TokenRevoked,
        Kind::RequestOpened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Upload => "upload",
            Kind::Submit => "submit",
            Kind::Return => "return",
            Kind::AcceptProvince => "accept_province",
            Kind::AcceptNation => "accept_nation",
            Kind::Comment => "comment",
            Kind::Evidence => "evidence",
            Kind::AccountInvited => "account_invited",
            Kind::RoleChanged => "role_changed",
            Kind::TokenCreated => "token_created",
            Kind::TokenRevoked => "token_revoked",
            Kind::RequestOpened => "request_opened",
        }
    }

    /// The i18n key of its words.
    pub fn key(self) -> String {
        format!("event_{}", self.as_str())
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who acted: an account (its id and email at the time), or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i64>,
    /// The account's email, or `command line (<OS user>)`.
    pub name: String,
    /// The client address (the TCP peer), `local` in-process, `command line` from the CLI.
    pub address: String,
}

impl Actor {
    /// The command line, as the operating system's user who ran it.
    pub fn command_line() -> Actor {
        let who = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Actor {
            id: None,
            name: format!("command line ({who})"),
            address: "command line".into(),
        }
    }
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor: Actor,
    pub kind: Kind,
    pub park_id: Option<String>,
    pub year: Option<i64>,
    /// Filled in by the store when the event records a new version (an upload).
    pub version: Option<i64>,
    /// What else there is to say, as JSON (file names, states, a comment, a token's id).
    pub detail: serde_json::Value,
}

impl NewEvent {
    pub fn new(actor: &Actor, kind: Kind, detail: serde_json::Value) -> NewEvent {
        NewEvent {
            actor: actor.clone(),
            kind,
            park_id: None,
            year: None,
            version: None,
            detail,
        }
    }

    /// About a park's data: the park, the reporting year and the version.
    pub fn about(mut self, park_id: &str, year: Option<i64>, version: Option<i64>) -> NewEvent {
        self.park_id = Some(park_id.to_string());
        self.year = year;
        self.version = version;
        self
    }
}

/// A stored event.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    /// Seconds since 1970 (UTC).
    pub at: i64,
    pub actor: String,
    pub address: String,
    pub kind: String,
    pub park_id: Option<String>,
    pub year: Option<i64>,
    pub version: Option<i64>,
    /// JSON.
    pub detail: String,
}

/// The time of an event as the trail shows and exports it.
pub fn when(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// The events as CSV (UTF-8 with a byte-order mark, for spreadsheets; no cell can run as a
/// formula), oldest first as given, every column kept.
pub fn csv(events: &[Event]) -> Vec<u8> {
    use parkbench_core::csv_out::csv_safe;
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "id", "at", "actor", "address", "event", "park_id", "year", "version", "detail",
    ]);
    for e in events {
        let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        let _ = w.write_record([
            e.id.to_string(),
            when(e.at),
            csv_safe(&e.actor),
            csv_safe(&e.address),
            e.kind.clone(),
            csv_safe(e.park_id.as_deref().unwrap_or("")),
            opt(e.year),
            opt(e.version),
            csv_safe(&e.detail),
        ]);
    }
    let text = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
    parkbench_core::csv_out::for_people(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_keeps_every_column_and_runs_no_formula() {
        let e = Event {
            id: 7,
            at: 1_767_225_600,
            actor: "=cmd|' /C calc'!A0".into(),
            address: "10.0.0.1".into(),
            kind: "return".into(),
            park_id: Some("js-a".into()),
            year: Some(2024),
            version: Some(2),
            detail: r#"{"comment":"line 4, please"}"#.into(),
        };
        let bytes = csv(&[e]);
        let text = String::from_utf8(bytes).unwrap();
        let text = text.trim_start_matches('\u{feff}');
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        assert_eq!(header[0], "id");
        assert_eq!(header.len(), 9);
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[1], "2026-01-01T00:00:00Z");
        assert!(!row[2].starts_with('='), "{}", &row[2]);
        assert_eq!(&row[4], "return");
        assert_eq!(&row[8], r#"{"comment":"line 4, please"}"#);
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
    }
}
