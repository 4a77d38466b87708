//! The programme pages for staff: ranking, levels, failed and missing submissions, exports.

use super::*;

pub(super) fn require_staff(v: &Visitor) -> Result<(), PageError> {
    let u = v.require_login()?;
    if u.role.sees_programme() {
        Ok(())
    } else {
        Err(v.not_found())
    }
}

/// Staff only: the year and set a programme page is for.
pub(super) async fn programme_choice(
    p: &Portal,
    v: &Visitor,
    q: &ParkQuery,
) -> Result<(i32, String), PageError> {
    require_staff(v)?;
    Ok((
        programme_year(p, q).await,
        set_choice(p, q.benchmark.as_deref()),
    ))
}

pub(super) async fn programme_year(p: &Portal, q: &ParkQuery) -> i32 {
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

/// Every counting submission of a year scored together against a set (cached; views at once
/// wait for one computation).
pub(super) async fn programme_result(
    p: &Portal,
    v: &Visitor,
    year: i32,
    set_id: &str,
) -> Result<Option<Arc<Cached>>, String> {
    let lang = v.lang;
    let user = v.user.as_ref().ok_or("not signed in")?;
    // Provincial staff: their province's parks only (the ranking is among them).
    let in_scope: std::collections::BTreeSet<String> = p
        .parks_in_scope(user)
        .await
        .map_err(|f| format!("{f:?}"))?
        .into_iter()
        .map(|x| x.park_id)
        .collect();
    let counting: Vec<Submission> = p
        .db()
        .counting(i64::from(year))
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|s| in_scope.contains(&s.park_id))
        .collect();
    if counting.is_empty() {
        return Ok(None);
    }
    let ids: Vec<String> = counting.iter().map(|s| s.id.to_string()).collect();
    let tech = p.technologies().await?;
    let version = tech.as_ref().map_or(0, |t| match &**t {
        Cached::Technologies(t) => t.meta.version,
        _ => 0,
    });
    let key = format!(
        "programme:{year}:{set_id}:{lang:?}:tech{version}:{}",
        ids.join(",")
    );
    p.computed(&key, || async {
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
            let catalogue = tech.as_deref().and_then(|c| match c {
                Cached::Technologies(t) => Some(&t.catalogue),
                _ => None,
            });
            work::score_programme(refs, year, &subs, set, lang, catalogue)
        })
        .await
        .map_err(|e| e.to_string())??;
        Ok(Cached::Programme(Box::new(result)))
    })
    .await
    .map(Some)
}

pub async fn programme(State(p): State<Portal>, v: Visitor, Query(q): Query<ParkQuery>) -> Page {
    let (year, benchmark) = programme_choice(&p, &v, &q).await?;
    let user = v.require_login()?;
    let parks = p.parks_in_scope(user).await.map_err(|f| v.fail(f))?;
    let visible: std::collections::BTreeSet<&str> =
        parks.iter().map(|x| x.park_id.as_str()).collect();
    let all: Vec<Submission> = p
        .db()
        .submissions_in(i64::from(year))
        .await
        .map_err(|e| db_error(v.lang, &e))?
        .into_iter()
        .filter(|s| visible.contains(s.park_id.as_str()))
        .collect();
    let names: BTreeMap<&str, &str> = parks
        .iter()
        .map(|p| (p.park_id.as_str(), p.name.as_str()))
        .collect();
    let (mut ranking, mut levels, mut svg, mut error) =
        (Vec::new(), BTreeMap::new(), String::new(), String::new());
    let mut technologies = Value::from(());
    match programme_result(&p, &v, year, &benchmark).await {
        Ok(Some(c)) => {
            if let Cached::Programme(r) = &*c {
                svg = r.ranking_svg.clone();
                if let Some(m) = &r.matches {
                    technologies = technology_view(m, v.lang);
                }
                (ranking, levels) = ranking_rows(r, &names, v.lang);
            }
        }
        Ok(None) => {}
        Err(e) => error = e,
    }
    let (latest, failures) = failure_rows(&all);
    let missing: Vec<&RosterPark> = parks
        .iter()
        .filter(|x| !latest.contains_key(x.park_id.as_str()))
        .collect();
    Ok(v.render(
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
            ("technologies", technologies),
            ("catalogue", catalogue_meta(&p).await),
            (
                "tech_limit_mb",
                Value::from(p.refs().limits().technologies.max_bytes >> 20),
            ),
            ("requests", requests_view(&p, &v).await?),
            ("scope_parks", Value::from_serialize(&parks)),
            ("scope", Value::from(scope_words(&p, v.lang, user))),
            (
                "national",
                Value::from(crate::scope::of(user) == crate::scope::Scope::Nation),
            ),
            (
                "note_chars",
                Value::from(p.inner.cfg.limits.request_note_chars),
            ),
        ],
    ))
}

/// The programme's ranking rows (rank, park, level, score, coverage, gate) and the number of
/// parks at each level.
fn ranking_rows(
    r: &work::ProgrammeResult,
    names: &BTreeMap<&str, &str>,
    lang: Lang,
) -> (Vec<BTreeMap<&'static str, String>>, BTreeMap<String, usize>) {
    let (mut ranking, mut levels) = (Vec::new(), BTreeMap::new());
    for (i, s) in r.scores.iter().enumerate() {
        let level = parkbench_core::i18n::Locale::get(lang).text(&s.level_name);
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
                i18n::t(lang, parkbench_report::report::scores::gate_str(s.gate)).to_string(),
            ),
        ]));
    }
    (ranking, levels)
}

/// The latest submission of each park this year, and the failures: parks whose submissions
/// this year all have errors (the latest is shown).
fn failure_rows(
    all: &[Submission],
) -> (
    BTreeMap<&str, &Submission>,
    Vec<BTreeMap<&'static str, Value>>,
) {
    let mut latest: BTreeMap<&str, &Submission> = BTreeMap::new();
    let mut any_valid: std::collections::BTreeSet<&str> = Default::default();
    for s in all {
        latest.insert(&s.park_id, s);
        if s.valid {
            any_valid.insert(&s.park_id);
        }
    }
    let failures = latest
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
    (latest, failures)
}

/// The data requests with parks in the visitor's scope, each with its parks' standings.
async fn requests_view(p: &Portal, v: &Visitor) -> Result<Value, PageError> {
    let user = v.require_login()?;
    let all = p
        .db()
        .requests(None)
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    let now = crate::db::now();
    let mut out = Vec::new();
    for r in &all {
        let standings = p.standings(user, r, now).await.map_err(|f| v.fail(f))?;
        if standings.is_empty() {
            continue;
        }
        let mut row = request_row(p, v, r, None);
        let count = |f: &dyn Fn(&crate::rounds::Standing) -> bool| {
            standings.iter().filter(|s| f(s)).count()
        };
        row.insert(
            "summary",
            Value::from(
                i18n::t(v.lang, "request_summary")
                    .replace("{n}", &standings.len().to_string())
                    .replace(
                        "{submitted}",
                        &count(&|s| s.state.is_some_and(|x| x.is_open())).to_string(),
                    )
                    .replace("{returned}", &count(&|s| s.returned).to_string())
                    .replace("{late}", &count(&|s| s.late).to_string()),
            ),
        );
        let rows: Vec<_> = standings.iter().map(|s| standing_words(v, s)).collect();
        row.insert("standings", Value::from_serialize(&rows));
        out.push(row);
    }
    Ok(Value::from_serialize(&out))
}

/// Staff open a data request from the programme page. Its fields: `csrf`, `year`, `due`
/// (YYYY-MM-DD), `template` (xlsx or csv), `note`, `sets` (one per ticked set) and `parks`
/// (one per chosen park; none: every park in the visitor's scope).
pub async fn request_open(
    State(p): State<Portal>,
    v: Visitor,
    Form(fields): Form<Vec<(String, String)>>,
) -> Page {
    require_staff(&v)?;
    let one = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, x)| x.clone())
            .unwrap_or_default()
    };
    let all = |k: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, x)| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    };
    v.check_csrf(&one("csrf"))?;
    let round = crate::rounds::NewRound {
        year: one("year").trim().parse().ok(),
        sets: all("sets"),
        template: one("template").trim().to_string(),
        due: one("due"),
        note: one("note"),
        parks: all("parks"),
    };
    let caller = v.caller()?;
    p.open_request(&caller, round)
        .await
        .map_err(|f| v.fail(f))?;
    Ok(Redirect::to(&format!("/programme?lang={}#requests", v.code())).into_response())
}

/// Every event of the parks in the visitor's scope (and, for national staff and admins, the
/// accounts' events) as CSV.
pub async fn programme_audit_csv(State(p): State<Portal>, v: Visitor) -> Page {
    require_staff(&v)?;
    let user = v.require_login()?;
    let province = match crate::scope::of(user) {
        crate::scope::Scope::Province(p) => Some(p),
        _ => None,
    };
    let events = p
        .db()
        .events(province.as_deref())
        .await
        .map_err(|e| db_error(v.lang, &e))?;
    Ok(download(
        crate::audit::csv(&events),
        "text/csv; charset=utf-8",
        "audit.csv",
    ))
}

/// The stored catalogue's name, uploader, time and size, for the staff page.
async fn catalogue_meta(p: &Portal) -> Value {
    match p.technologies().await {
        Ok(Some(c)) => match &*c {
            Cached::Technologies(t) => Value::from_serialize(BTreeMap::from([
                ("name", t.meta.name.clone()),
                ("by", t.meta.by.clone()),
                ("at", t.meta.at.clone()),
                ("count", t.catalogue.technologies.len().to_string()),
            ])),
            _ => Value::from(()),
        },
        _ => Value::from(()),
    }
}

/// Technologies by the parks they would serve, and the needs nothing serves.
fn technology_view(m: &parkbench_core::matchmaking::MatchRun, lang: Lang) -> Value {
    let by: Vec<BTreeMap<&str, String>> = m
        .by_technology()
        .into_iter()
        .map(|(id, parks, co2)| {
            let title = m
                .matches
                .iter()
                .find(|x| x.technology == id)
                .map_or(id.clone(), |x| x.title(lang).to_string());
            BTreeMap::from([
                ("title", title),
                ("parks", parks.to_string()),
                ("co2", parkbench_core::scoring::fmt_qty(co2)),
            ])
        })
        .collect();
    let unserved: Vec<String> = m.unserved().map(|n| n.title(lang).to_string()).collect();
    Value::from_serialize(BTreeMap::from([
        ("by", Value::from_serialize(&by)),
        ("unserved", Value::from_serialize(&unserved)),
    ]))
}

/// Staff upload a technology catalogue: checked (every problem located, in the page's
/// language) and stored as the portal's when it has none.
pub async fn technologies_upload(
    State(p): State<Portal>,
    v: Visitor,
    form: axum::extract::Multipart,
) -> Page {
    require_staff(&v)?;
    let user = v.require_login()?.clone();
    // The catalogue serves the whole programme: national staff and admins replace it, not a
    // province.
    if crate::scope::of(&user) != crate::scope::Scope::Nation {
        return Err(v.fail(Fail::Refused(crate::review::Refusal::NotAllowed)));
    }
    let slot = p.upload_slot(user.id).await.map_err(|f| v.fail(f))?;
    let f = read_upload(&p, form, p.inner.cfg.upload_limit)
        .await
        .map_err(|f| v.fail(f));
    drop(slot);
    let f = f?;
    v.check_csrf(&f.csrf)?;
    let Some(up) = f.uploads.into_iter().next() else {
        return Err(v.fail(Fail::BadRequest));
    };
    let max = p.refs().limits().technologies.max_bytes;
    if up.bytes.len() > max {
        return Err(v.fail(Fail::TooLarge(max >> 20)));
    }
    match parkbench_core::matchmaking::TechnologyCatalogue::parse(
        &up.name,
        &up.bytes,
        &p.inner.refs.measures,
        &p.inner.refs.vocab,
    ) {
        Err(problems) => {
            const SHOWN: usize = 200;
            let shown: Vec<String> = problems
                .iter()
                .take(SHOWN)
                .map(|d| d.render(v.lang))
                .collect();
            Ok(v.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "technologies.html",
                vec![
                    ("name", Value::from(up.name.as_str())),
                    ("problems", Value::from_serialize(&shown)),
                    ("more", Value::from(problems.len().saturating_sub(SHOWN))),
                ],
            ))
        }
        Ok(_) => {
            // Checked: stored as text (UTF-8; a BOM dropped).
            let text = String::from_utf8_lossy(
                up.bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&up.bytes),
            )
            .into_owned();
            p.store_technologies(&up.name, &text, &user.email)
                .await
                .map_err(|e| db_error(v.lang, &e))?;
            tracing::info!(user = ?user.email, name = ?up.name, "technology catalogue stored");
            Ok(
                axum::response::Redirect::to(&format!("/programme?lang={}#technologies", v.code()))
                    .into_response(),
            )
        }
    }
}

pub async fn programme_csv(
    State(p): State<Portal>,
    v: Visitor,
    Query(q): Query<ParkQuery>,
) -> Page {
    let (year, benchmark) = programme_choice(&p, &v, &q).await?;
    let result = programme_result(&p, &v, year, &benchmark)
        .await
        .map_err(|e| server_error(v.lang, &e))?;
    let csv = match result.as_deref() {
        Some(Cached::Programme(r)) => r.scores_csv.clone(),
        Some(Cached::Park(_) | Cached::Technologies(_)) => return Err(v.not_found()),
        None => parkbench_report::report::scores::csv(&[]),
    };
    Ok(download(
        csv.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("scores-{year}-{benchmark}.csv"),
    ))
}

pub async fn programme_report(
    State(p): State<Portal>,
    v: Visitor,
    Path(path): Path<String>,
    Query(q): Query<ParkQuery>,
) -> Page {
    let (year, benchmark) = programme_choice(&p, &v, &q).await?;
    let c = programme_result(&p, &v, year, &benchmark)
        .await
        .map_err(|e| server_error(v.lang, &e))?
        .ok_or_else(|| v.not_found())?;
    let Cached::Programme(r) = &*c else {
        return Err(v.not_found());
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
            return Ok(Redirect::to(&to).into_response());
        }
        return Err(v.not_found());
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
    Ok(resp)
}

// ---- accounts
