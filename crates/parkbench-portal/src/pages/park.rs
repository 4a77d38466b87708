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
    if !v.sees(park_id) {
        return Err(v.not_found());
    }
    p.db()
        .park(park_id)
        .await
        .map_err(|e| db_error(v.lang, &e))?
        .ok_or_else(|| v.not_found())
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

/// The scored result of a park's submission against a set (cached by submission, set and
/// language; views at once wait for one computation).
pub(super) async fn park_result(
    p: &Portal,
    park: &RosterPark,
    sub: &Submission,
    set_id: &str,
    lang: Lang,
) -> Result<Arc<Cached>, String> {
    let tech = p.technologies().await?;
    let version = tech.as_ref().map_or(0, |t| match &**t {
        Cached::Technologies(t) => t.meta.version,
        _ => 0,
    });
    let key = format!("park:{}:{set_id}:{lang:?}:tech{version}", sub.id);
    p.computed(&key, || async {
        let files = p.db().files(sub.id).await.map_err(|e| e.to_string())?;
        let (p2, park2, set, year) = (p.clone(), park.clone(), set_id.to_string(), sub.year as i32);
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
                    let s = &r.score;
                    facts = Value::from_serialize(&r.facts);
                    enterprises = Value::from_serialize(&r.enterprises);
                    result = Value::from_serialize(BTreeMap::from([
                        (
                            "level",
                            parkbench_core::i18n::Locale::get(v.lang).text(&s.level_name),
                        ),
                        ("score", fmt_score(s.overall.score)),
                        ("coverage", format!("{:.0} %", s.overall.coverage * 100.0)),
                        (
                            "reason",
                            parkbench_core::i18n::Locale::get(v.lang).text(&s.reason),
                        ),
                        ("svg", r.scorecard_svg.clone()),
                        ("version", format!("v{}", sub.version)),
                        (
                            "technologies",
                            r.matches
                                .as_ref()
                                .map(|m| technologies_html(m, v.lang))
                                .unwrap_or_default(),
                        ),
                        (
                            "pathway",
                            match (&r.plan, p.inner.refs.set(&benchmark)) {
                                (Some(pl), Some(set)) => parkbench_report::report::pathway_summary(
                                    pl,
                                    set,
                                    &p.inner.refs.measures,
                                    v.lang,
                                ),
                                _ => String::new(),
                            },
                        ),
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
                        parkbench_core::i18n::Locale::get(v.lang).text(&s.level_name),
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
    pub(super) uploads: Vec<Upload>,
    bytes: usize,
}

/// Reads an upload's form: at most `files_per_upload` files and the upload limit in all (the
/// request stops being read at the first file or byte too many).
pub(super) async fn read_upload(p: &Portal, mut form: Multipart) -> Result<UploadForm, Fail> {
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

pub(super) async fn store_upload(
    p: &Portal,
    v: &Visitor,
    user: &User,
    park_id: &str,
    form: Multipart,
) -> Result<Response, Fail> {
    let f = read_upload(p, form).await?;
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
    let checked = p
        .inner
        .checking
        .run(move || {
            let c = work::check(&p2.inner.refs, &park2, year, uploads);
            let (problems, omitted) = c.bounded(&p2.inner.cfg.limits);
            let names = serde_json::to_string(&c.names).unwrap_or_else(|_| "[]".into());
            (c.errors(), c.warnings(), problems, omitted, names, c.files)
        })
        .await
        .map_err(Fail::Internal)?;
    let (errors, warnings, problems, omitted, names, files) = checked;
    let new = crate::db::NewSubmission {
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
    Ok(v.render(
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
