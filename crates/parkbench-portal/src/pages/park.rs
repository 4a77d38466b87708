//! A park's pages: its scorecard and history, uploads, a submission's problems, templates and
//! downloads.

use super::*;

pub async fn template(State(p): State<Portal>, v: Visitor) -> Page {
    v.require_login()?;
    let lang = v.lang;
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let files = parkbench_report::template::write(
            dir.path(),
            &p.inner.refs.vocab,
            lang,
            parkbench_report::template::TemplateFormat::Xlsx,
        )
        .map_err(|e| e.to_string())?;
        let f = files.first().ok_or("no template written")?;
        std::fs::read(f).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| server_error(v.lang, &e.to_string()))?
    .map_err(|e| server_error(v.lang, &e))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "parkbench-template.xlsx",
    ))
}

pub(super) fn download(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
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
    pub(super) year: Option<String>,
    pub(super) benchmark: Option<String>,
}

impl ParkQuery {
    pub(super) fn year(&self) -> Option<i32> {
        self.year
            .as_deref()
            .and_then(|y| y.trim().parse().ok())
            .filter(|y| parkbench_core::input::activity::YEARS.contains(y))
    }
}

/// The park, when the visitor may see it (404 otherwise: another park's existence is not
/// revealed).
pub(super) async fn visible_park(
    p: &Portal,
    v: &Visitor,
    park_id: &str,
) -> Result<RosterPark, PageError> {
    v.require_login()?;
    let park = p
        .db()
        .park(park_id)
        .await
        .map_err(|e| db_error(v.lang, &e))?
        .ok_or_else(|| v.not_found())?;
    if v.sees(&park) {
        Ok(park)
    } else {
        Err(v.not_found())
    }
}

pub(super) fn current_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year() - 1
}

/// The submission that counts for a year: the latest valid one (`history` is newest first).
pub(super) fn counting_in(history: &[Submission], year: i32) -> Option<&Submission> {
    history
        .iter()
        .find(|s| s.year == i64::from(year) && s.valid)
}

/// The scored result of a park's submission against a set ([`Portal::park_result`]).
pub(super) async fn park_result(
    p: &Portal,
    park: &RosterPark,
    sub: &Submission,
    set_id: &str,
    lang: Lang,
) -> Result<Arc<Cached>, String> {
    p.park_result(park, sub, set_id, lang).await
}

pub(super) fn set_choice(p: &Portal, q: Option<&str>) -> String {
    q.and_then(|id| p.inner.refs.set(id))
        .or(p.inner.refs.sets.first())
        .map(|s| s.id.clone())
        .unwrap_or_default()
}

pub(super) fn sets_value(p: &Portal, lang: Lang) -> Value {
    Value::from_serialize(
        p.inner
            .refs
            .sets
            .iter()
            .map(|s| {
                let title = s.title.get(lang).to_string();
                BTreeMap::from([("id", s.id.clone()), ("title", title)])
            })
            .collect::<Vec<_>>(),
    )
}

pub(super) fn fmt_score(s: Option<f64>) -> String {
    s.map_or("—".into(), |x| format!("{x:.1}"))
}

pub async fn park(
    State(p): State<Portal>,
    v: Visitor,
    Path(park_id): Path<String>,
    Query(q): Query<ParkQuery>,
) -> Page {
    let park = visible_park(&p, &v, &park_id).await?;
    let history = p
        .db()
        .submissions(&park.park_id)
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    let year = q
        .year()
        .or_else(|| history.first().map(|s| s.year as i32))
        .unwrap_or_else(current_year);
    let benchmark = set_choice(&p, q.benchmark.as_deref());
    let (mut result, mut score_error) = (Value::from(()), Value::from(()));
    let mut facts = Value::from(());
    let mut enterprises = Value::from(());
    let counting = counting_in(&history, year);
    if let Some(sub) = counting {
        match park_result(&p, &park, sub, &benchmark, v.lang).await {
            Ok(c) => {
                if let Cached::Park(r) = &*c {
                    facts = Value::from_serialize(&r.facts);
                    enterprises = Value::from_serialize(&r.enterprises);
                    result = result_view(&p, r, sub, &benchmark, v.lang);
                }
            }
            Err(e) => score_error = Value::from(e),
        }
    }
    // Every offered set at a glance, once there is a valid submission.
    let all_sets = match counting.filter(|_| !result.is_none()) {
        Some(sub) => all_sets(&p, &park, sub, v.lang).await,
        None => Vec::new(),
    };
    let rows = history_rows(&p, &v, &park, &history).await?;
    Ok(v.render(
        StatusCode::OK,
        "park.html",
        vec![
            ("park", Value::from_serialize(&park)),
            ("year", Value::from(year)),
            ("benchmark", Value::from(benchmark)),
            ("sets", sets_value(&p, v.lang)),
            ("result", result),
            ("facts", facts),
            ("enterprises", enterprises),
            ("score_error", score_error),
            ("all_sets", Value::from_serialize(&all_sets)),
            ("history", Value::from_serialize(&rows)),
            ("asked", asked_of(&p, &v, &park).await?),
            ("audit", audit_rows(&p, &v, &park).await?),
            (
                "audit_shown",
                Value::from(p.inner.cfg.limits.audit_rows_shown),
            ),
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
    ))
}

/// A park's result under the set chosen: level, score, coverage, why, the scorecard, the
/// version it is of, the technologies that serve its needs and its pathway in short.
fn result_view(
    p: &Portal,
    r: &work::ParkResult,
    sub: &Submission,
    benchmark: &str,
    lang: Lang,
) -> Value {
    let s = &r.score;
    let words = parkbench_core::i18n::Locale::get(lang);
    let pathway = match (&r.plan, p.inner.refs.set(benchmark)) {
        (Some(pl), Some(set)) => {
            parkbench_report::report::pathway_summary(pl, set, &p.inner.refs.measures, lang)
        }
        _ => String::new(),
    };
    Value::from_serialize(BTreeMap::from([
        ("level", words.text(&s.level_name)),
        ("score", fmt_score(s.overall.score)),
        ("coverage", format!("{:.0} %", s.overall.coverage * 100.0)),
        ("reason", words.text(&s.reason)),
        ("svg", r.scorecard_svg.clone()),
        ("version", format!("v{}", sub.version)),
        (
            "technologies",
            r.matches
                .as_ref()
                .map(|m| technologies_html(m, lang))
                .unwrap_or_default(),
        ),
        ("pathway", pathway),
    ]))
}

/// The park's level, score and coverage under every set the portal offers.
async fn all_sets(
    p: &Portal,
    park: &RosterPark,
    sub: &Submission,
    lang: Lang,
) -> Vec<BTreeMap<&'static str, String>> {
    let mut all_sets = Vec::new();
    for set in &p.inner.refs.sets {
        if let Ok(c) = park_result(p, park, sub, &set.id, lang).await
            && let Cached::Park(r) = &*c
        {
            let s = &r.score;
            all_sets.push(BTreeMap::from([
                ("id", set.id.clone()),
                ("title", set.title.get(lang).to_string()),
                (
                    "level",
                    parkbench_core::i18n::Locale::get(lang).text(&s.level_name),
                ),
                ("score", fmt_score(s.overall.score)),
                ("coverage", format!("{:.0} %", s.overall.coverage * 100.0)),
            ]));
        }
    }
    all_sets
}

/// Every submission of the park: its year, version, review state, who sent it when, whether
/// it is valid and whether it is the version that counts (the latest valid one of its year).
async fn history_rows(
    p: &Portal,
    v: &Visitor,
    park: &RosterPark,
    history: &[Submission],
) -> Result<Vec<BTreeMap<&'static str, Value>>, PageError> {
    let mut counting: BTreeMap<i64, i64> = BTreeMap::new();
    for s in history.iter().filter(|s| s.valid) {
        let e = counting.entry(s.year).or_insert(s.version);
        *e = (*e).max(s.version);
    }
    // Each version's review state, per year.
    let mut states: BTreeMap<i64, crate::review::State> = BTreeMap::new();
    let mut years: Vec<i64> = history.iter().map(|s| s.year).collect();
    years.dedup();
    for y in years {
        let review = p
            .year_review(&park.park_id, y)
            .await
            .map_err(|f| v.fail(f))?;
        for s in history.iter().filter(|s| s.year == y) {
            states.insert(s.id, review.state(s.id));
        }
    }
    Ok(history
        .iter()
        .map(|s| {
            let names: Vec<String> = serde_json::from_str(&s.names).unwrap_or_default();
            let state = states
                .get(&s.id)
                .copied()
                .unwrap_or(crate::review::State::Draft);
            BTreeMap::from([
                ("year", Value::from(s.year)),
                ("version", Value::from(s.version)),
                ("state", Value::from(state.as_str())),
                ("state_words", Value::from(i18n::t(v.lang, &state.key()))),
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
        .collect())
}

/// What the programme asks of a park (its data requests), with where it stands in each.
async fn asked_of(p: &Portal, v: &Visitor, park: &RosterPark) -> Result<Value, PageError> {
    let user = v.require_login()?;
    let requests = p
        .db()
        .requests(Some(&park.park_id))
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    let now = crate::db::now();
    let mut rows = Vec::new();
    for r in &requests {
        let standing = p
            .standings(user, r, now)
            .await
            .map_err(|f| v.fail(f))?
            .into_iter()
            .next();
        rows.push(request_row(p, v, r, standing.as_ref()));
    }
    Ok(Value::from_serialize(&rows))
}

/// A data request as a page shows it (with one park's standing, when given).
pub(super) fn request_row(
    p: &Portal,
    v: &Visitor,
    r: &crate::db::Request,
    standing: Option<&crate::rounds::Standing>,
) -> BTreeMap<&'static str, Value> {
    let titles: Vec<String> = r
        .sets
        .iter()
        .map(|id| {
            p.inner
                .refs
                .set(id)
                .map_or(id.clone(), |s| s.title.get(v.lang).to_string())
        })
        .collect();
    let mut row = BTreeMap::from([
        ("id", Value::from(r.id)),
        ("year", Value::from(r.year)),
        ("due", Value::from(r.due.as_str())),
        ("sets", Value::from(titles.join(", "))),
        (
            "template",
            Value::from(i18n::t(v.lang, &format!("template_{}", r.template))),
        ),
        ("template_id", Value::from(r.template.as_str())),
        ("note", Value::from(r.note.as_str())),
        ("by", Value::from(r.by.as_str())),
        ("parks", Value::from(r.parks.len())),
    ]);
    if let Some(s) = standing {
        row.extend(standing_words(v, s));
    }
    row
}

/// A park's standing in a request, worded.
pub(super) fn standing_words(
    v: &Visitor,
    s: &crate::rounds::Standing,
) -> BTreeMap<&'static str, Value> {
    BTreeMap::from([
        ("park_id", Value::from(s.park_id.as_str())),
        ("name", Value::from(s.name.as_str())),
        ("state", Value::from(s.state.map_or("none", |x| x.as_str()))),
        (
            "state_words",
            Value::from(match s.state {
                Some(x) => i18n::t(v.lang, &x.key()),
                None => i18n::t(v.lang, "request_not_submitted"),
            }),
        ),
        ("latest", Value::from(s.latest)),
        ("late", Value::from(s.late)),
        ("returned", Value::from(s.returned)),
    ])
}

/// The newest events of a park's audit trail, worded.
async fn audit_rows(p: &Portal, v: &Visitor, park: &RosterPark) -> Result<Value, PageError> {
    let events = p
        .db()
        .park_events(&park.park_id, Some(p.inner.cfg.limits.audit_rows_shown))
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    let rows: Vec<BTreeMap<&str, Value>> = events
        .iter()
        .map(|e| {
            BTreeMap::from([
                ("id", Value::from(e.id)),
                ("at", Value::from(crate::audit::when(e.at))),
                ("actor", Value::from(e.actor.as_str())),
                ("address", Value::from(e.address.as_str())),
                ("kind", Value::from(e.kind.as_str())),
                ("event", Value::from(event_words(v.lang, &e.kind))),
                ("year", Value::from(e.year)),
                ("version", Value::from(e.version)),
                ("detail", Value::from(event_detail(v.lang, e))),
            ])
        })
        .collect();
    Ok(Value::from_serialize(&rows))
}

pub async fn upload(
    State(p): State<Portal>,
    v: Visitor,
    Path(park_id): Path<String>,
    form: Multipart,
) -> Page {
    let user = v.require_login()?.clone();
    if !v.submits(&park_id) {
        return Err(v.not_found());
    }
    // A slot before a byte of the files is read: memory for uploads is bounded by the slots.
    let slot = p.upload_slot(user.id).await.map_err(|f| {
        tracing::warn!(park = ?crate::net::logged(&park_id), user = ?user.email, refused = ?f, "upload");
        v.fail(f)
    })?;
    let r = store_upload(&p, &v, &user, &park_id, form).await;
    drop(slot);
    r.map_err(|f| {
        if matches!(f, Fail::TooLarge(_) | Fail::TooManyFiles(_)) {
            tracing::info!(park = ?crate::net::logged(&park_id), user = ?user.email, refused = ?f, "upload");
        }
        v.fail(f)
    })
}

/// An upload's form fields.
pub(super) struct UploadForm {
    pub(super) csrf: String,
    year: Option<i32>,
    idem: Option<String>,
    /// The rule an evidence file is for (the evidence form).
    pub(super) rule: Option<String>,
    pub(super) uploads: Vec<Upload>,
    bytes: usize,
}

/// Reads an upload's form: at most `files_per_upload` files and `limit` bytes in all (the
/// request stops being read at the first file or byte too many).
pub(super) async fn read_upload(
    p: &Portal,
    mut form: Multipart,
    limit: usize,
) -> Result<UploadForm, Fail> {
    let max_files = p.inner.cfg.limits.files_per_upload;
    let too_large = Fail::TooLarge(limit >> 20);
    let mut f = UploadForm {
        csrf: String::new(),
        year: None,
        idem: None,
        rule: None,
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
            "rule" => f.rule = Some(text()).filter(|r| !r.is_empty()),
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

pub(super) async fn store_upload(
    p: &Portal,
    v: &Visitor,
    user: &User,
    park_id: &str,
    form: Multipart,
) -> Result<Response, Fail> {
    let f = read_upload(p, form, p.inner.cfg.upload_limit).await?;
    // A refusal of `check_csrf` is a `Fail::Forbidden` (logged there): it stays one.
    v.check_csrf(&f.csrf).map_err(|e| e.fail)?;
    let year = f
        .year
        .filter(|y| parkbench_core::input::activity::YEARS.contains(y))
        .ok_or(Fail::MissingYear)?;
    if f.uploads.is_empty() {
        return Err(Fail::NoFiles);
    }
    let park = match p.db().park(park_id).await {
        Ok(Some(x)) => x,
        Ok(None) => return Err(Fail::NotFound),
        Err(e) => return Err(Fail::db(&e)),
    };
    let caller = Caller::new(user, &v.address, v.lang);
    let intake = crate::rounds::Intake {
        park: park.clone(),
        year,
        uploads: f.uploads,
        bytes: f.bytes,
        idem: f.idem,
        via: "page",
    };
    let received = p.receive(&caller, intake).await?;
    // Acknowledged (303) only once the transaction is committed (with SQLite, synced).
    Ok(Redirect::to(&format!(
        "/park/{}/{year}/{}?lang={}",
        park.park_id,
        received.version,
        v.code()
    ))
    .into_response())
}

/// A problem as the page shows it.
pub(super) fn problem_rows(problems: &[Diagnostic], lang: Lang) -> Value {
    let words = parkbench_core::i18n::Locale::get(lang);
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
) -> Page {
    let park = visible_park(&p, &v, &park_id).await?;
    let sub = p
        .db()
        .submission(&park.park_id, year, version)
        .await
        .map_err(|e| db_error(v.lang, &e))?
        .ok_or_else(|| v.not_found())?;
    let (problems, omitted) = p
        .db()
        .problems(sub.id)
        .await
        .map_err(|e| db_error(v.lang, &e))?;
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
    let words = parkbench_core::i18n::Locale::get(v.lang);
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
    let mut ctx = review_view(&p, &v, &park, &sub).await?;
    ctx.extend([
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
    ]);
    Ok(v.render(StatusCode::OK, "submission.html", ctx))
}

/// A version's review as its page shows it: its state, what the visitor may do, the decisions
/// and comments so far, the checks across years and the evidence.
async fn review_view(
    p: &Portal,
    v: &Visitor,
    park: &RosterPark,
    sub: &Submission,
) -> Result<Vec<(&'static str, Value)>, PageError> {
    let user = v.require_login()?;
    let fail = |f| v.fail(f);
    let review = p.year_review(&park.park_id, sub.year).await.map_err(fail)?;
    let state = review.state(sub.id);
    let level = crate::rounds::level_on(user, park);
    let offered: Vec<&str> = level
        .map(|l| crate::review::offered(state, l))
        .unwrap_or_default()
        .iter()
        .map(|a| a.as_str())
        .collect();
    let decisions = decision_rows(&review, sub, v.lang);
    let comments = comment_rows(p, sub, v.lang).await?;
    let checks = p.checks(park, sub).await.map_err(fail)?;
    let findings: Vec<BTreeMap<&str, String>> = checks
        .findings
        .iter()
        .map(|f| {
            let (message, source) =
                crate::crossyear::words(f, sub.year - 1, v.lang, &p.refs().vocab);
            BTreeMap::from([("message", message), ("source", source)])
        })
        .collect();
    let against = checks.against.map(|(y, ver, st)| {
        i18n::t(v.lang, "checks_against")
            .replace("{year}", &y.to_string())
            .replace("{version}", &ver.to_string())
            .replace("{state}", i18n::t(v.lang, &st.key()))
    });
    let evidence = evidence_rows(p, sub, v.lang).await?;
    let l = p.inner.cfg.limits;
    let evidence_open =
        sub.valid && !state.is_accepted() && state != crate::review::State::Returned;
    let rules = rule_ids(p);
    Ok(vec![
        ("state", Value::from(state.as_str())),
        ("state_words", Value::from(i18n::t(v.lang, &state.key()))),
        ("offered", Value::from_serialize(&offered)),
        ("decisions", Value::from_serialize(&decisions)),
        ("comments", Value::from_serialize(&comments)),
        ("findings", Value::from_serialize(&findings)),
        ("checks_against", Value::from(against)),
        (
            "checks_note",
            Value::from(
                checks
                    .note
                    .map(|k| i18n::t(v.lang, k).replace("{year}", &(sub.year - 1).to_string())),
            ),
        ),
        ("evidence", Value::from_serialize(&evidence)),
        (
            "can_add_evidence",
            Value::from(evidence_open && v.submits(&park.park_id)),
        ),
        ("evidence_mb", Value::from(l.evidence_bytes >> 20)),
        ("evidence_max", Value::from(l.evidence_per_submission)),
        ("rules", Value::from_serialize(&rules)),
        ("comment_chars", Value::from(l.comment_chars)),
    ])
}

/// The review decisions on a submission: when, by whom, at which level, from which state to
/// which, with the comment.
fn decision_rows(
    review: &crate::rounds::YearReview,
    sub: &Submission,
    lang: Lang,
) -> Vec<BTreeMap<&'static str, Value>> {
    let word = |s: &str| {
        crate::review::State::parse(s)
            .map_or_else(|| s.to_string(), |x| i18n::t(lang, &x.key()).to_string())
    };
    review
        .moves
        .iter()
        .filter(|m| m.submission_id == sub.id)
        .map(|m| {
            BTreeMap::from([
                ("at", Value::from(crate::audit::when(m.at))),
                ("by", Value::from(m.user_email.as_str())),
                (
                    "level",
                    Value::from(i18n::t(lang, &format!("level_{}", m.level))),
                ),
                ("from", Value::from(word(&m.from_state))),
                ("to", Value::from(word(&m.to_state))),
                ("to_id", Value::from(m.to_state.as_str())),
                ("comment", Value::from(m.comment.as_str())),
            ])
        })
        .collect()
}

/// The reviewers' comments on a submission, each with the rule or the cell it is about.
async fn comment_rows(
    p: &Portal,
    sub: &Submission,
    lang: Lang,
) -> Result<Vec<BTreeMap<&'static str, Value>>, PageError> {
    Ok(p.db()
        .comments(sub.id)
        .await
        .map_err(|e| db_error(lang, &e))?
        .into_iter()
        .map(|c| {
            let place = match (&c.at.rule, &c.at.file) {
                (Some(r), _) => format!("{}: {r}", i18n::t(lang, "rule")),
                (None, Some(f)) => format!(
                    "{f}:{}:{}",
                    c.at.line.unwrap_or(0),
                    c.at.column.unwrap_or(0)
                ),
                (None, None) => String::new(),
            };
            BTreeMap::from([
                ("place", Value::from(place)),
                ("comment", Value::from(c.at.comment)),
            ])
        })
        .collect())
}

/// The evidence files kept with a submission.
async fn evidence_rows(
    p: &Portal,
    sub: &Submission,
    lang: Lang,
) -> Result<Vec<BTreeMap<&'static str, Value>>, PageError> {
    Ok(p.db()
        .evidence(sub.id)
        .await
        .map_err(|e| db_error(lang, &e))?
        .into_iter()
        .map(|e| {
            BTreeMap::from([
                ("id", Value::from(e.id)),
                ("name", Value::from(e.name)),
                ("kind", Value::from(e.kind)),
                ("kb", Value::from((e.bytes + 1023) / 1024)),
                ("rule", Value::from(e.rule)),
                ("sha256", Value::from(e.sha256)),
                ("by", Value::from(e.by)),
                ("at", Value::from(crate::audit::when(e.created_at))),
            ])
        })
        .collect())
}

/// The ids of every rule of the sets offered, sorted, once each (what evidence may be for).
fn rule_ids(p: &Portal) -> Vec<String> {
    let mut r: Vec<String> = p
        .inner
        .refs
        .sets
        .iter()
        .flat_map(|s| s.rules.iter().map(|x| x.id.clone()))
        .collect();
    r.sort();
    r.dedup();
    r
}

#[derive(Deserialize)]
pub struct ReviewForm {
    csrf: String,
    decision: String,
    #[serde(default)]
    comment: String,
    /// A comment on one rule (with `rule`) or one cell (with `cell`: file:line:column).
    #[serde(default)]
    rule: String,
    #[serde(default)]
    cell: String,
    #[serde(default)]
    cell_comment: String,
}

/// A cell as typed (`activity.csv:4:4`): the file, line and column; None when it is not one.
fn parse_cell(cell: &str) -> Option<(String, i64, i64)> {
    let mut parts = cell.trim().rsplitn(3, ':');
    let column = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.trim().parse().ok()?;
    let file = parts.next()?.trim().to_string();
    (!file.is_empty()).then_some((file, line, column))
}

/// A decision on a version from its page (submit, return with comments, accept).
pub async fn submission_review(
    State(p): State<Portal>,
    v: Visitor,
    Path((park_id, year, version)): Path<(String, i64, i64)>,
    Form(f): Form<ReviewForm>,
) -> Page {
    let park = visible_park(&p, &v, &park_id).await?;
    v.check_csrf(&f.csrf)?;
    let action =
        crate::review::Action::parse(f.decision.trim()).ok_or_else(|| v.fail(Fail::BadRequest))?;
    let mut comments = Vec::new();
    let text = f.cell_comment.trim();
    if !text.is_empty() || !f.rule.trim().is_empty() || !f.cell.trim().is_empty() {
        let mut c = crate::db::CellComment {
            rule: None,
            file: None,
            line: None,
            column: None,
            comment: text.to_string(),
        };
        if !f.rule.trim().is_empty() {
            c.rule = Some(f.rule.trim().to_string());
        } else if !f.cell.trim().is_empty() {
            let (file, line, column) =
                parse_cell(&f.cell).ok_or_else(|| v.fail(Fail::Bad("comment_where")))?;
            c.file = Some(file);
            c.line = Some(line);
            c.column = Some(column);
        }
        comments.push(c);
    }
    let d = crate::rounds::Decision {
        action,
        comment: f.comment,
        comments,
    };
    let caller = v.caller()?;
    p.decide(&caller, &park, year, version, d)
        .await
        .map_err(|f| v.fail(f))?;
    Ok(Redirect::to(&format!(
        "/park/{}/{year}/{version}?lang={}#review",
        park.park_id,
        v.code()
    ))
    .into_response())
}

/// An evidence file attached to a version from its page.
pub async fn evidence_upload(
    State(p): State<Portal>,
    v: Visitor,
    Path((park_id, year, version)): Path<(String, i64, i64)>,
    form: Multipart,
) -> Page {
    let park = visible_park(&p, &v, &park_id).await?;
    let user = v.require_login()?.clone();
    if !v.submits(&park.park_id) {
        return Err(v.fail(Fail::Refused(crate::review::Refusal::NotAllowed)));
    }
    let sub = p
        .db()
        .submission(&park.park_id, year, version)
        .await
        .map_err(|e| db_error(v.lang, &e))?
        .ok_or_else(|| v.not_found())?;
    let slot = p.upload_slot(user.id).await.map_err(|f| v.fail(f))?;
    let f = read_upload(&p, form, p.inner.cfg.limits.evidence_bytes).await;
    drop(slot);
    let f = f.map_err(|f| v.fail(f))?;
    v.check_csrf(&f.csrf)?;
    let Some(file) = f.uploads.into_iter().next() else {
        return Err(v.fail(Fail::NoFiles));
    };
    let caller = v.caller()?;
    p.add_evidence(&caller, &park, &sub, file, f.rule)
        .await
        .map_err(|f| v.fail(f))?;
    Ok(Redirect::to(&format!(
        "/park/{}/{year}/{version}?lang={}#evidence",
        park.park_id,
        v.code()
    ))
    .into_response())
}

/// An evidence file, for whoever sees its park.
pub async fn evidence_file(
    State(p): State<Portal>,
    v: Visitor,
    Path((park_id, year, version, id)): Path<(String, i64, i64, i64)>,
) -> Page {
    let park = visible_park(&p, &v, &park_id).await?;
    let sub = p
        .db()
        .submission(&park.park_id, year, version)
        .await
        .map_err(|e| db_error(v.lang, &e))?
        .ok_or_else(|| v.not_found())?;
    let listed = p
        .db()
        .evidence(sub.id)
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    let e = listed
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| v.not_found())?;
    let bytes = p
        .db()
        .evidence_content(sub.id, id)
        .await
        .map_err(|e| db_error(v.lang, &e))?
        .ok_or_else(|| v.not_found())?;
    // Served as a download under its type told by content, never rendered in the portal's
    // origin (a PDF could carry script).
    Ok(download(
        bytes,
        crate::rounds::evidence_mime(&e.kind),
        &format!(
            "evidence-{}.{}",
            e.id,
            if e.kind == "jpeg" { "jpg" } else { &e.kind }
        ),
    ))
}

/// A park's whole audit trail as CSV.
pub(super) async fn park_audit_csv(p: Portal, v: Visitor, park_id: String) -> Page {
    let park = visible_park(&p, &v, &park_id).await?;
    let events = p
        .db()
        .park_events(&park.park_id, None)
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    Ok(download(
        crate::audit::csv(&events),
        "text/csv; charset=utf-8",
        &format!("audit-{}.csv", park.park_id),
    ))
}

pub(super) async fn park_download(
    p: Portal,
    v: Visitor,
    park_id: String,
    q: ParkQuery,
    what: &str,
) -> Page {
    let park = visible_park(&p, &v, &park_id).await?;
    let year = q.year().ok_or_else(|| v.not_found())?;
    let benchmark = set_choice(&p, q.benchmark.as_deref());
    let history = p
        .db()
        .submissions(&park.park_id)
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    let sub = counting_in(&history, year).ok_or_else(|| v.not_found())?;
    let c = park_result(&p, &park, sub, &benchmark, v.lang)
        .await
        .map_err(|e| server_error(v.lang, &e))?;
    let Cached::Park(r) = &*c else {
        return Err(v.not_found());
    };
    let base = format!("{}-{year}-{benchmark}", park.park_id);
    Ok(match what {
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
        "pdf" => download(r.pdf.clone(), "application/pdf", &format!("{base}.pdf")),
        _ => download(
            r.scores_csv.clone().into_bytes(),
            "text/csv; charset=utf-8",
            &format!("{base}-scores.csv"),
        ),
    })
}

/// A park's downloads: `report.html`, `report.md`, `report.pdf`, `scores.csv`.
pub async fn park_file(
    State(p): State<Portal>,
    v: Visitor,
    Path((park, file)): Path<(String, String)>,
    Query(q): Query<ParkQuery>,
) -> Page {
    match file.as_str() {
        "report.html" => park_download(p, v, park, q, "html").await,
        "report.md" => park_download(p, v, park, q, "md").await,
        "report.pdf" => park_download(p, v, park, q, "pdf").await,
        "scores.csv" => park_download(p, v, park, q, "csv").await,
        "audit.csv" => park_audit_csv(p, v, park).await,
        _ => Err(v.not_found()),
    }
}

// ---- the programme

/// A park's needs and the technologies that serve them, as a small HTML fragment (escaped here:
/// the page shows it as it is).
pub(super) fn technologies_html(m: &parkbench_core::matchmaking::MatchRun, lang: Lang) -> String {
    const TOP: usize = 3;
    let esc = |s: &str| minijinja::HtmlEscape(s).to_string();
    let words = parkbench_core::i18n::Locale::get(lang);
    let mut out = String::new();
    for n in &m.needs {
        out.push_str(&format!(
            "<div class=\"need\"><p><strong>{}</strong><br>{}</p>",
            esc(n.title(lang)),
            esc(n.description(lang))
        ));
        let matches: Vec<&parkbench_core::matchmaking::Match> =
            m.for_need(&n.id).take(TOP).collect();
        if matches.is_empty() {
            out.push_str(&format!(
                "<p class=\"muted\">{}</p>",
                esc(&words.text(&t!("needs.unserved")))
            ));
        } else {
            out.push_str("<ol class=\"matches\">");
            for x in matches {
                out.push_str(&format!(
                    "<li><strong>{}</strong> · {} · {}</li>",
                    esc(x.title(lang)),
                    esc(&x.provider),
                    esc(&words.text(&x.why))
                ));
            }
            out.push_str("</ol>");
        }
        out.push_str("</div>");
    }
    out
}
