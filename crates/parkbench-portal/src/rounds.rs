//! A programme's round as the portal runs it: data received for a park and year (from a page or
//! the API, through one path: [`Portal::receive`]), the review's moves ([`Portal::decide`],
//! over [`crate::review`]'s table), the checks across years shown beside them, evidence files
//! and data requests. Every change is stored with its audit event in one transaction. The
//! pages and the API call these with who is asking ([`Caller`]); how to answer is theirs.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::audit::{Actor, Kind, NewEvent};
use super::crossyear::{self, Finding, Totals};
use super::db::{self, CellComment, Move, RosterPark, Submission, User};
use super::error::Fail;
use super::review::{self, Action, Level, Refusal, State};
use super::scope;
use super::work::{self, Upload};
use super::{Cached, Portal, PortalLimits};
use parkbench_core::diag::{Diagnostic, Severity};
use parkbench_core::i18n::Lang;
use std::sync::Arc;

/// Who is asking: the account, how the audit trail names them, and their language.
pub(crate) struct Caller {
    pub user: User,
    pub actor: Actor,
    pub lang: Lang,
}

impl Caller {
    pub fn new(user: &User, address: &str, lang: Lang) -> Caller {
        Caller {
            actor: Actor {
                id: Some(user.id),
                name: user.email.clone(),
                address: address.to_string(),
            },
            user: user.clone(),
            lang,
        }
    }
}

/// Data for a park and year, as read from a form or a request body.
pub(crate) struct Intake {
    pub park: RosterPark,
    pub year: i32,
    pub uploads: Vec<Upload>,
    /// Bytes of the files, for the log.
    pub bytes: usize,
    /// A key that makes a repeated request store nothing new (64 hex digits).
    pub idem: Option<String>,
    /// `page` or `api`: how it came (the audit event says).
    pub via: &'static str,
}

/// What became of an intake.
pub(crate) struct Received {
    pub version: i64,
    /// Stored by an earlier request with the same key: nothing new was stored.
    pub repeated: bool,
    pub valid: bool,
    /// The problems kept in full (bounded), and those only counted.
    pub problems: Vec<Diagnostic>,
    pub omitted: Vec<work::Omitted>,
}

/// The review of a park's year: its moves in order and each version's state.
pub(crate) struct YearReview {
    pub moves: Vec<Move>,
    states: BTreeMap<i64, State>,
}

impl YearReview {
    fn of(moves: Vec<Move>) -> YearReview {
        let mut states = BTreeMap::new();
        for m in &moves {
            if let Some(s) = State::parse(&m.to_state) {
                states.insert(m.submission_id, s);
            }
        }
        YearReview { moves, states }
    }

    /// A version's state (a draft until it is submitted).
    pub fn state(&self, submission_id: i64) -> State {
        self.states
            .get(&submission_id)
            .copied()
            .unwrap_or(State::Draft)
    }

    /// What a move on `sub` depends on besides its state.
    pub fn context(&self, sub: &Submission, has_comment: bool) -> review::Context {
        review::Context {
            valid: sub.valid,
            returned_before: self
                .states
                .iter()
                .any(|(id, s)| *id != sub.id && *s == State::Returned),
            other_open: self
                .states
                .iter()
                .any(|(id, s)| *id != sub.id && s.is_open()),
            has_comment,
        }
    }

    /// The year's state as a whole: its last move's, else None (nothing submitted).
    pub fn current(&self) -> Option<(&Move, State)> {
        let m = self.moves.last()?;
        Some((m, State::parse(&m.to_state)?))
    }

    /// The version accepted at the highest level, when one is.
    pub fn accepted(&self) -> Option<(i64, State)> {
        let best = |want: State| {
            self.states
                .iter()
                .filter(|(_, s)| **s == want)
                .map(|(id, s)| (*id, *s))
                .max()
        };
        best(State::AcceptedNation).or_else(|| best(State::AcceptedProvince))
    }

    /// When the year's data was first submitted.
    pub fn first_submitted(&self) -> Option<i64> {
        self.moves
            .iter()
            .find(|m| m.action == Action::Submit.as_str())
            .map(|m| m.at)
    }
}

/// A decision on a version.
pub(crate) struct Decision {
    pub action: Action,
    pub comment: String,
    pub comments: Vec<CellComment>,
}

/// The checks across years of a version, as shown beside it.
pub(crate) struct Checks {
    /// The year, version and state compared with.
    pub against: Option<(i64, i64, State)>,
    pub findings: Vec<Finding>,
    /// Why nothing was compared (`checks_invalid`, `checks_none_before`, `checks_no_totals`).
    pub note: Option<&'static str>,
}

/// An evidence file's type, told by its content: PDF, PNG, JPEG or an xlsx workbook (a ZIP
/// container holding `xl/workbook.xml`). None for anything else, whatever its name.
pub fn evidence_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg")
    } else if bytes.starts_with(b"PK\x03\x04") && bytes.windows(15).any(|w| w == b"xl/workbook.xml")
    {
        Some("xlsx")
    } else {
        None
    }
}

/// The content type an evidence file of a kind is served as.
pub fn evidence_mime(kind: &str) -> &'static str {
    match kind {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpeg" => "image/jpeg",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// Checks a decision's comments against the bounds, before anything is stored: each at most
/// `comment_chars`, at most `comments_per_decision`, a cell comment naming a file.
fn check_comments(d: &Decision, l: &PortalLimits) -> Result<(), Fail> {
    let long = |s: &str| s.chars().nth(l.comment_chars).is_some();
    if d.comments.len() > l.comments_per_decision {
        return Err(Fail::FieldTooLong(
            "too_many_comments",
            l.comments_per_decision,
        ));
    }
    let texts = std::iter::once(d.comment.as_str())
        .chain(d.comments.iter().map(|c| c.comment.as_str()))
        .chain(d.comments.iter().filter_map(|c| c.rule.as_deref()))
        .chain(d.comments.iter().filter_map(|c| c.file.as_deref()));
    for t in texts {
        if long(t) {
            return Err(Fail::FieldTooLong("comment_too_long", l.comment_chars));
        }
    }
    for c in &d.comments {
        if c.comment.trim().is_empty() {
            return Err(Fail::Bad("comment_empty"));
        }
        if c.rule.is_none() && c.file.is_none() {
            return Err(Fail::Bad("comment_where"));
        }
        if c.line.is_some_and(|n| n < 0) || c.column.is_some_and(|n| n < 0) {
            return Err(Fail::Bad("comment_where"));
        }
    }
    Ok(())
}

/// The end of a due date (`YYYY-MM-DD`): the next day's midnight, UTC, in seconds.
pub fn due_end(due: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(due.trim(), "%Y-%m-%d").ok()?;
    Some(d.succ_opt()?.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

/// A park's standing in a data request.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Standing {
    pub park_id: String,
    pub name: String,
    /// The year's review state (its last move's), `draft` with uploads only, None without data.
    pub state: Option<State>,
    /// The newest version uploaded for the year.
    pub latest: Option<i64>,
    /// Not submitted by the due date.
    pub late: bool,
    /// Sent back and not submitted again yet.
    pub returned: bool,
}

/// A new data request as typed.
pub(crate) struct NewRound {
    pub year: Option<i32>,
    pub sets: Vec<String>,
    pub template: String,
    pub due: String,
    pub note: String,
    /// Empty: every park in the caller's scope.
    pub parks: Vec<String>,
}

impl Portal {
    /// The one path data takes into the portal, from a page or the API (the caller holds an
    /// upload slot): checked by the command line's validator on the checking threads, its
    /// totals computed when it is valid, then stored as the park and year's next version with
    /// its audit event in one transaction. A key seen before returns the first version and
    /// stores nothing.
    pub(crate) async fn receive(&self, who: &Caller, i: Intake) -> Result<Received, Fail> {
        let user = &who.user;
        if let Some(key) = &i.idem
            && let Some(first) = self
                .db()
                .submission_by_key(user.id, key)
                .await
                .map_err(|e| Fail::db(&e))?
        {
            tracing::info!(park = ?i.park.park_id, year = i.year, version = first.version, user = ?user.email, outcome = "repeated", via = i.via, "upload");
            return self
                .received(&i.park, i64::from(i.year), first.version, true)
                .await;
        }
        let (p2, park2, year, uploads) = (self.clone(), i.park.clone(), i.year, i.uploads);
        let checked = self
            .inner
            .checking
            .run(move || {
                let c = work::check(&p2.inner.refs, &park2, year, uploads);
                let (problems, omitted) = c.bounded(&p2.inner.cfg.limits);
                let names = serde_json::to_string(&c.names).unwrap_or_else(|_| "[]".into());
                let totals = c
                    .totals
                    .as_ref()
                    .and_then(|t| serde_json::to_string(t).ok());
                let shown: Vec<String> = c.names.clone();
                let counts = (c.errors(), c.warnings());
                (counts, problems, omitted, names, shown, totals, c.files)
            })
            .await
            .map_err(Fail::Internal)?;
        let ((errors, warnings), problems, omitted, names, shown, totals, files) = checked;
        let event = NewEvent::new(
            &who.actor,
            Kind::Upload,
            serde_json::json!({
                "via": i.via,
                "files": shown,
                "bytes": i.bytes,
                "valid": errors == 0,
                "errors": errors,
                "warnings": warnings,
            }),
        )
        .about(&i.park.park_id, Some(i64::from(year)), None);
        let new = db::NewSubmission {
            park_id: &i.park.park_id,
            year: i64::from(year),
            user_id: user.id,
            valid: errors == 0,
            errors: errors as i64,
            warnings: warnings as i64,
            problems: &problems,
            omitted: &omitted,
            names: &names,
            files: &files,
            idem_key: i.idem.as_deref(),
            keep_invalid: self.inner.cfg.limits.keep_invalid_versions,
            totals: totals.as_deref(),
            event: Some(&event),
        };
        // Acknowledged only once the transaction is committed (with SQLite, synced).
        let stored = match self.db().insert_submission(&new).await {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(park = ?i.park.park_id, year, user = ?user.email, error = %e, outcome = "not stored", via = i.via, "upload");
                return Err(Fail::db(&e));
            }
        };
        tracing::info!(
            park = ?i.park.park_id, year, version = stored.version, user = ?user.email, errors, warnings,
            bytes = i.bytes, files = files.len(), via = i.via,
            outcome = if stored.repeated { "repeated" } else if errors == 0 { "valid" } else { "invalid" },
            "upload"
        );
        Ok(Received {
            version: stored.version,
            repeated: stored.repeated,
            valid: errors == 0,
            problems: serde_json::from_str(&problems).unwrap_or_default(),
            omitted: serde_json::from_str(&omitted).unwrap_or_default(),
        })
    }

    /// A stored version as [`Received`].
    async fn received(
        &self,
        park: &RosterPark,
        year: i64,
        version: i64,
        repeated: bool,
    ) -> Result<Received, Fail> {
        let sub = self
            .db()
            .submission(&park.park_id, year, version)
            .await
            .map_err(|e| Fail::db(&e))?
            .ok_or(Fail::NotFound)?;
        let (problems, omitted) = self.db().problems(sub.id).await.map_err(|e| Fail::db(&e))?;
        Ok(Received {
            version,
            repeated,
            valid: sub.valid,
            problems: serde_json::from_str(&problems).unwrap_or_default(),
            omitted: serde_json::from_str(&omitted).unwrap_or_default(),
        })
    }

    /// The review of a park's year.
    pub(crate) async fn year_review(&self, park_id: &str, year: i64) -> Result<YearReview, Fail> {
        let moves = self
            .db()
            .moves(park_id, year)
            .await
            .map_err(|e| Fail::db(&e))?;
        Ok(YearReview::of(moves))
    }

    /// A decision on a version by the caller, at the level their scope gives them on the park:
    /// checked against the table of moves ([`review::next`]) and stored with its comments and
    /// audit events, or refused with the reason. Two decisions at once on the same state: the
    /// second is refused (`Fail::Changed`), never stored on a stale state.
    pub(crate) async fn decide(
        &self,
        who: &Caller,
        park: &RosterPark,
        year: i64,
        version: i64,
        d: Decision,
    ) -> Result<State, Fail> {
        let level = scope::level(&who.user, park).ok_or(Fail::NotFound)?;
        check_comments(&d, &self.inner.cfg.limits)?;
        let sub = self
            .db()
            .submission(&park.park_id, year, version)
            .await
            .map_err(|e| Fail::db(&e))?
            .ok_or(Fail::NotFound)?;
        // Comments name a rule of an offered set, or a file of this version.
        let names: Vec<String> = serde_json::from_str(&sub.names).unwrap_or_default();
        for c in &d.comments {
            if let Some(r) = &c.rule
                && !self.is_rule(r)
            {
                return Err(Fail::Bad("rule_unknown"));
            }
            if let Some(f) = &c.file
                && !names.iter().any(|n| n == f)
            {
                return Err(Fail::Bad("comment_file_unknown"));
            }
        }
        let review = self.year_review(&park.park_id, year).await?;
        let from = review.state(sub.id);
        let has_comment = !d.comment.trim().is_empty() || !d.comments.is_empty();
        let ctx = review.context(&sub, has_comment);
        let to = review::next(from, d.action, level, &ctx).map_err(|r| {
            tracing::info!(
                target: "parkbench::audit",
                park = ?park.park_id, year, version, user = ?who.user.email,
                action = d.action.as_str(), from = from.as_str(), refused = r.key(), "review"
            );
            Fail::Refused(r)
        })?;
        let kind = match (d.action, to) {
            (Action::Submit, _) => Kind::Submit,
            (Action::Return, _) => Kind::Return,
            (Action::Accept, State::AcceptedNation) => Kind::AcceptNation,
            (Action::Accept, _) => Kind::AcceptProvince,
        };
        let about = |e: NewEvent| e.about(&park.park_id, Some(year), Some(version));
        let mut events = vec![about(NewEvent::new(
            &who.actor,
            kind,
            serde_json::json!({
                "from": from.as_str(),
                "to": to.as_str(),
                "level": level.as_str(),
                "comment": d.comment.trim(),
            }),
        ))];
        for c in &d.comments {
            events.push(about(NewEvent::new(
                &who.actor,
                Kind::Comment,
                serde_json::to_value(c).unwrap_or_default(),
            )));
        }
        let seq = review.moves.last().map_or(0, |m| m.seq) + 1;
        let stored = self
            .db()
            .record_move(&db::NewMove {
                park_id: &park.park_id,
                year,
                seq,
                submission_id: sub.id,
                action: d.action,
                from,
                to,
                level,
                user_id: who.user.id,
                comment: d.comment.trim(),
                comments: &d.comments,
                events: &events,
            })
            .await
            .map_err(|e| Fail::db(&e))?;
        if stored.is_none() {
            return Err(Fail::Changed);
        }
        tracing::info!(
            target: "parkbench::audit",
            park = ?park.park_id, year, version, user = ?who.user.email, level = level.as_str(),
            action = d.action.as_str(), from = from.as_str(), to = to.as_str(), "review"
        );
        Ok(to)
    }

    /// Is this the id of a rule of a set the portal offers?
    fn is_rule(&self, id: &str) -> bool {
        self.inner
            .refs
            .sets
            .iter()
            .any(|s| s.rules.iter().any(|x| x.id == id))
    }

    /// A version's totals: stored with it, or (a version stored before totals were kept) read
    /// from its files once and kept. None for a version with errors.
    async fn version_totals(
        &self,
        park: &RosterPark,
        sub: &Submission,
    ) -> Result<Option<Totals>, Fail> {
        if !sub.valid {
            return Ok(None);
        }
        if let Some(json) = self.db().totals(sub.id).await.map_err(|e| Fail::db(&e))? {
            return Ok(serde_json::from_str(&json).ok());
        }
        let files = self.db().files(sub.id).await.map_err(|e| Fail::db(&e))?;
        let (p2, park2, year) = (self.clone(), park.clone(), sub.year as i32);
        let totals =
            tokio::task::spawn_blocking(move || work::totals(&p2.inner.refs, &park2, year, &files))
                .await
                .map_err(|e| Fail::Internal(e.to_string()))?;
        if let Some(t) = &totals
            && let Ok(json) = serde_json::to_string(t)
        {
            self.db()
                .fill_totals(sub.id, &json)
                .await
                .map_err(|e| Fail::db(&e))?;
        }
        Ok(totals)
    }

    /// A version's checks across years: its totals against the park's accepted version of the
    /// year before (accepted nationally, else by the province), as accepted now.
    pub(crate) async fn checks(&self, park: &RosterPark, sub: &Submission) -> Result<Checks, Fail> {
        let none = |note| Checks {
            against: None,
            findings: Vec::new(),
            note: Some(note),
        };
        if !sub.valid {
            return Ok(none("checks_invalid"));
        }
        let before = sub.year - 1;
        let review = self.year_review(&park.park_id, before).await?;
        let Some((last_id, state)) = review.accepted() else {
            return Ok(none("checks_none_before"));
        };
        let history = self
            .db()
            .submissions(&park.park_id)
            .await
            .map_err(|e| Fail::db(&e))?;
        let Some(last) = history.iter().find(|s| s.id == last_id) else {
            return Ok(none("checks_none_before"));
        };
        let (Some(now), Some(then)) = (
            self.version_totals(park, sub).await?,
            self.version_totals(park, last).await?,
        ) else {
            return Ok(none("checks_no_totals"));
        };
        Ok(Checks {
            against: Some((before, last.version, state)),
            findings: crossyear::compare(&self.inner.thresholds, &then, &now),
            note: None,
        })
    }

    /// Attaches an evidence file to a version (for one rule of an offered set, or the whole
    /// version): by the park's operator (or an admin), to a version without errors whose review
    /// is not closed; bounded in size and count; typed by its content.
    pub(crate) async fn add_evidence(
        &self,
        who: &Caller,
        park: &RosterPark,
        sub: &Submission,
        file: Upload,
        rule: Option<String>,
    ) -> Result<i64, Fail> {
        let l = self.inner.cfg.limits;
        if !scope::uploads(&who.user, &park.park_id) {
            return Err(Fail::Refused(Refusal::NotAllowed));
        }
        if file.bytes.len() > l.evidence_bytes {
            return Err(Fail::TooLarge(l.evidence_bytes >> 20));
        }
        let rule = rule.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
        if let Some(r) = &rule
            && !self.is_rule(r)
        {
            return Err(Fail::Bad("rule_unknown"));
        }
        if !sub.valid {
            return Err(Fail::Conflict("evidence_closed", 0));
        }
        let state = self
            .year_review(&park.park_id, sub.year)
            .await?
            .state(sub.id);
        if state.is_accepted() || state == State::Returned {
            return Err(Fail::Conflict("evidence_closed", 0));
        }
        let kind = evidence_kind(&file.bytes).ok_or(Fail::WrongType("evidence_type"))?;
        let sha256: String = Sha256::digest(&file.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let event = NewEvent::new(
            &who.actor,
            Kind::Evidence,
            serde_json::json!({
                "name": file.name,
                "kind": kind,
                "bytes": file.bytes.len(),
                "sha256": sha256,
                "rule": rule,
            }),
        )
        .about(&park.park_id, Some(sub.year), Some(sub.version));
        let id = self
            .db()
            .add_evidence(&db::NewEvidence {
                submission_id: sub.id,
                rule: rule.as_deref(),
                name: &file.name,
                kind,
                sha256: &sha256,
                content: &file.bytes,
                user_id: who.user.id,
                max_files: l.evidence_per_submission,
                event: &event,
            })
            .await
            .map_err(|e| Fail::db(&e))?
            .ok_or(Fail::Conflict(
                "evidence_too_many",
                l.evidence_per_submission,
            ))?;
        tracing::info!(
            target: "parkbench::audit",
            park = ?park.park_id, year = sub.year, version = sub.version, user = ?who.user.email,
            kind, bytes = file.bytes.len(), "evidence added"
        );
        Ok(id)
    }

    /// A park the account may see; not found otherwise (another park's existence is not
    /// revealed).
    pub(crate) async fn visible_park(
        &self,
        user: &User,
        park_id: &str,
    ) -> Result<RosterPark, Fail> {
        let park = self
            .db()
            .park(park_id)
            .await
            .map_err(|e| Fail::db(&e))?
            .ok_or(Fail::NotFound)?;
        if scope::sees(user, &park) {
            Ok(park)
        } else {
            Err(Fail::NotFound)
        }
    }

    /// The scored result of a park's submission against a set (cached by submission, set,
    /// language and technology catalogue; views at once wait for one computation).
    pub(crate) async fn park_result(
        &self,
        park: &RosterPark,
        sub: &Submission,
        set_id: &str,
        lang: Lang,
    ) -> Result<Arc<Cached>, String> {
        let p = self;
        let tech = p.technologies().await?;
        let version = tech.as_ref().map_or(0, |t| match &**t {
            Cached::Technologies(t) => t.meta.version,
            _ => 0,
        });
        let key = format!("park:{}:{set_id}:{lang:?}:tech{version}", sub.id);
        p.computed(&key, || async {
            let files = p.db().files(sub.id).await.map_err(|e| e.to_string())?;
            let (p2, park2, set, year) =
                (p.clone(), park.clone(), set_id.to_string(), sub.year as i32);
            let result = tokio::task::spawn_blocking(move || {
                let refs = &p2.inner.refs;
                let set = refs
                    .set(&set)
                    .ok_or_else(|| format!("unknown benchmark set {set}"))?;
                let catalogue = tech.as_deref().and_then(|c| match c {
                    Cached::Technologies(t) => Some(&t.catalogue),
                    _ => None,
                });
                work::score_park(refs, &park2, year, &files, set, lang, catalogue)
            })
            .await
            .map_err(|e| e.to_string())??;
            Ok(Cached::Park(Box::new(result)))
        })
        .await
    }

    /// The parks an account sees, in roster order.
    pub(crate) async fn parks_in_scope(&self, user: &User) -> Result<Vec<RosterPark>, Fail> {
        let parks = self.db().parks().await.map_err(|e| Fail::db(&e))?;
        Ok(parks.into_iter().filter(|p| scope::sees(user, p)).collect())
    }

    /// Staff open a data request for parks in their scope (all of them when none are named).
    pub(crate) async fn open_request(&self, who: &Caller, r: NewRound) -> Result<i64, Fail> {
        let l = self.inner.cfg.limits;
        if !scope::sees_programme(&who.user) {
            return Err(Fail::NotFound);
        }
        let year = r
            .year
            .filter(|y| parkbench_core::input::activity::YEARS.contains(y))
            .ok_or(Fail::MissingYear)?;
        if r.note.chars().nth(l.request_note_chars).is_some() {
            return Err(Fail::FieldTooLong(
                "request_note_too_long",
                l.request_note_chars,
            ));
        }
        let due = r.due.trim();
        if due_end(due).is_none() {
            return Err(Fail::Bad("request_due_bad"));
        }
        if r.sets.is_empty() || r.sets.iter().any(|s| self.inner.refs.set(s).is_none()) {
            return Err(Fail::Bad("request_sets_bad"));
        }
        if !matches!(r.template.as_str(), "xlsx" | "csv") {
            return Err(Fail::Bad("request_template_bad"));
        }
        let visible = self.parks_in_scope(&who.user).await?;
        let parks: Vec<String> = if r.parks.is_empty() {
            visible.iter().map(|p| p.park_id.clone()).collect()
        } else {
            let mut chosen = r.parks.clone();
            chosen.sort();
            chosen.dedup();
            if chosen
                .iter()
                .any(|id| !visible.iter().any(|p| p.park_id == *id))
            {
                return Err(Fail::Bad("request_park_unknown"));
            }
            chosen
        };
        if parks.is_empty() {
            return Err(Fail::Bad("request_no_parks"));
        }
        let events: Vec<NewEvent> = parks
            .iter()
            .map(|p| {
                NewEvent::new(
                    &who.actor,
                    Kind::RequestOpened,
                    serde_json::json!({
                        "year": year,
                        "due": due,
                        "sets": r.sets,
                        "template": r.template,
                    }),
                )
                .about(p, Some(i64::from(year)), None)
            })
            .collect();
        let id = self
            .db()
            .create_request(&db::NewRequest {
                year: i64::from(year),
                sets: &r.sets,
                template: &r.template,
                due,
                note: r.note.trim(),
                user_id: who.user.id,
                parks: &parks,
                events: &events,
            })
            .await
            .map_err(|e| Fail::db(&e))?;
        tracing::info!(
            target: "parkbench::audit",
            request = id, year, due, parks = parks.len(), user = ?who.user.email, "data request opened"
        );
        Ok(id)
    }

    /// Where each park of a request stands (the parks the caller sees), at `now`.
    pub(crate) async fn standings(
        &self,
        user: &User,
        req: &db::Request,
        now: i64,
    ) -> Result<Vec<Standing>, Fail> {
        let due = due_end(&req.due).unwrap_or(i64::MAX);
        let mut out = Vec::new();
        for park_id in &req.parks {
            let Some(park) = self.db().park(park_id).await.map_err(|e| Fail::db(&e))? else {
                continue;
            };
            if !scope::sees(user, &park) {
                continue;
            }
            let review = self.year_review(park_id, req.year).await?;
            let latest = self
                .db()
                .submissions(park_id)
                .await
                .map_err(|e| Fail::db(&e))?
                .into_iter()
                .filter(|s| s.year == req.year)
                .map(|s| s.version)
                .max();
            let state = review
                .current()
                .map(|(_, s)| s)
                .or(latest.map(|_| State::Draft));
            let late = match review.first_submitted() {
                Some(at) => at >= due,
                None => now >= due,
            };
            out.push(Standing {
                park_id: park.park_id.clone(),
                name: park.name.clone(),
                state,
                latest,
                late,
                returned: state == Some(State::Returned),
            });
        }
        Ok(out)
    }
}

/// The problems of a version for a program: file, line, column, severity and message in a
/// language.
pub(crate) fn problems_json(problems: &[Diagnostic], lang: Lang) -> Vec<serde_json::Value> {
    let words = parkbench_core::i18n::Locale::get(lang);
    problems
        .iter()
        .map(|d| {
            serde_json::json!({
                "file": d.file,
                "sheet": d.sheet,
                "line": d.line,
                "column": d.column,
                "severity": if d.severity == Severity::Error { "error" } else { "warning" },
                "message": words.text(&d.message),
                "value": d.value,
            })
        })
        .collect()
}

/// The level an account acts at on a park (for what a page offers), None outside its scope.
pub(crate) fn level_on(user: &User, park: &RosterPark) -> Option<Level> {
    scope::level(user, park)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_typed_by_its_content_not_its_name() {
        assert_eq!(evidence_kind(b"%PDF-1.7\n..."), Some("pdf"));
        assert_eq!(evidence_kind(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(evidence_kind(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("jpeg"));
        let mut xlsx = b"PK\x03\x04 ...".to_vec();
        xlsx.extend_from_slice(b"....xl/workbook.xml....");
        assert_eq!(evidence_kind(&xlsx), Some("xlsx"));
        // A ZIP that is not a workbook, a script, a CSV: refused.
        assert_eq!(evidence_kind(b"PK\x03\x04 word/document.xml"), None);
        assert_eq!(evidence_kind(b"#!/bin/sh\nrm -rf /"), None);
        assert_eq!(evidence_kind(b"park_id,year\n"), None);
        assert_eq!(evidence_kind(b""), None);
    }

    #[test]
    fn a_due_date_ends_at_the_next_midnight_utc() {
        assert_eq!(due_end("2026-01-01"), Some(1_767_312_000));
        assert_eq!(due_end(" 2026-01-01 "), Some(1_767_312_000));
        assert_eq!(due_end("2026-02-30"), None);
        assert_eq!(due_end("tomorrow"), None);
    }

    #[test]
    fn comments_are_bounded_and_say_where() {
        let l = crate::shipped_limits().portal;
        let d = |comment: &str, comments: Vec<CellComment>| Decision {
            action: Action::Return,
            comment: comment.into(),
            comments,
        };
        let cell = |c: &str| CellComment {
            rule: None,
            file: Some("activity.csv".into()),
            line: Some(4),
            column: Some(4),
            comment: c.into(),
        };
        assert!(check_comments(&d("fix line 4", vec![cell("not a number")]), &l).is_ok());
        assert!(matches!(
            check_comments(&d(&"x".repeat(l.comment_chars + 1), vec![]), &l),
            Err(Fail::FieldTooLong("comment_too_long", _))
        ));
        let many = (0..=l.comments_per_decision).map(|_| cell("x")).collect();
        assert!(matches!(
            check_comments(&d("", many), &l),
            Err(Fail::FieldTooLong("too_many_comments", _))
        ));
        let nowhere = CellComment {
            file: None,
            ..cell("x")
        };
        assert!(matches!(
            check_comments(&d("", vec![nowhere]), &l),
            Err(Fail::Bad("comment_where"))
        ));
        assert!(matches!(
            check_comments(&d("", vec![cell("  ")]), &l),
            Err(Fail::Bad("comment_empty"))
        ));
    }
}
