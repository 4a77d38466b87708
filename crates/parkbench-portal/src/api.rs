//! The API for machines under `/api/v1`, documented by `openapi.json` (served at
//! `/api/v1/openapi.json`): a park's energy-carbon platform sends its data, reads its state,
//! checks and scores; reviewers decide. Calls carry `Authorization: Bearer <token>`
//! (`parkbench token create`); the account's scope decides what it sees, as on the pages. Data
//! goes the pages' way ([`Portal::receive`]), under the same body limit, upload slots,
//! timeouts and audit trail. Answers are JSON, errors too (`{"error", "message"}`).

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::db::{CellComment, RosterPark, Submission};
use super::error::{ApiError, Fail, json_body, request_lang, security_headers};
use super::review::{Action, State as ReviewState};
use super::rounds::{self, Caller, Decision, Intake};
use super::work::{self, Upload};
use super::{Cached, Portal, auth, crossyear, scope};

/// The OpenAPI 3 document of these routes (a test checks that every route is in it).
pub const OPENAPI: &str = include_str!("openapi.json");

/// The API's routes (state: the portal). A decision's JSON is a form's size at most
/// (`form_body_bytes`, the default limit), so the memory connections may hold stays as stated;
/// files are read within the upload limit, holding an upload slot.
pub(super) fn routes() -> Router<Portal> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/parks/{park_id}/submissions", post(upload))
        .route(
            "/api/v1/parks/{park_id}/submissions/{version}",
            get(submission),
        )
        .route(
            "/api/v1/parks/{park_id}/submissions/{version}/review",
            post(review),
        )
        .route(
            "/api/v1/parks/{park_id}/submissions/{version}/evidence",
            post(evidence),
        )
        .route("/api/v1/parks/{park_id}/scores", get(scores))
        .route("/api/v1/parks/{park_id}/requests", get(requests))
}

/// What an API handler returns.
type Answer = Result<Response, ApiError>;

/// A JSON answer with the pages' security headers.
fn json(status: StatusCode, v: &serde_json::Value) -> Response {
    let mut r = (status, json_body(v)).into_response();
    security_headers(r.headers_mut());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The caller of an API route: the account of a live bearer token. Failed tokens are counted
/// per client address in the login throttle's table: after `login_free_failures_address`
/// failures each further call waits, doubling, as logins do.
pub(crate) struct ApiCaller {
    pub c: Caller,
}

/// Longest token accepted for a look-up (a token is `pbt_` and 64 hex digits).
const TOKEN_MAX_CHARS: usize = 128;

impl FromRequestParts<Portal> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, p: &Portal) -> Result<Self, Self::Rejection> {
        let lang = request_lang(&parts.uri, &parts.headers);
        let fail = |f| ApiError::new(lang, f);
        let address = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(|| "local".to_string(), |c| c.0.ip().to_string());
        let key = auth::throttle_key("api-address", &address);
        let free = p.inner.cfg.limits.login_free_failures_address;
        let now = std::time::Instant::now();
        let wait = p.throttle().wait(&key, free, now);
        if wait > 0 {
            return Err(fail(Fail::Throttled(wait)));
        }
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| token.trim().to_string())
            })
            .filter(|t| !t.is_empty());
        let Some(token) = given else {
            return Err(fail(Fail::TokenMissing));
        };
        let found = if token.chars().nth(TOKEN_MAX_CHARS).is_some() {
            None
        } else {
            p.db()
                .token_user(&auth::token_hash(&token))
                .await
                .map_err(|e| fail(Fail::db(&e)))?
        };
        let Some((user, token_id)) = found else {
            let failures = p.throttle().failed(&key, now);
            tracing::warn!(
                target: "parkbench::audit",
                address = %address, failures, path = ?super::net::logged(parts.uri.path()),
                outcome = "refused", "API token"
            );
            return Err(fail(Fail::TokenBad));
        };
        tracing::debug!(user = ?user.email, token = token_id, "API call");
        Ok(ApiCaller {
            c: Caller::new(&user, &address, lang),
        })
    }
}

impl ApiCaller {
    fn fail(&self, f: Fail) -> ApiError {
        ApiError::new(self.c.lang, f)
    }

    async fn park(&self, p: &Portal, park_id: &str) -> Result<RosterPark, ApiError> {
        p.visible_park(&self.c.user, park_id)
            .await
            .map_err(|f| self.fail(f))
    }

    async fn submission(
        &self,
        p: &Portal,
        park: &RosterPark,
        year: i64,
        version: i64,
    ) -> Result<Submission, ApiError> {
        p.db()
            .submission(&park.park_id, year, version)
            .await
            .map_err(|e| self.fail(Fail::db(&e)))?
            .ok_or_else(|| self.fail(Fail::NotFound))
    }
}

/// `?year=Y` (and the options some routes take).
#[derive(Deserialize, Default)]
struct ApiQuery {
    year: Option<String>,
    benchmark: Option<String>,
    rule: Option<String>,
    submit: Option<String>,
}

impl ApiQuery {
    fn year(&self) -> Result<i32, Fail> {
        self.year
            .as_deref()
            .and_then(|y| y.trim().parse::<i32>().ok())
            .filter(|y| parkbench_core::input::activity::YEARS.contains(y))
            .ok_or(Fail::MissingYear)
    }

    fn submit(&self) -> bool {
        matches!(self.submit.as_deref(), Some("true" | "1" | "yes"))
    }
}

/// The query of a request, parsed here: a query that does not parse is the caller's 400 in
/// JSON (axum's own rejection would be bare text).
fn query(uri: &axum::http::Uri) -> Result<ApiQuery, Fail> {
    Query::<ApiQuery>::try_from_uri(uri)
        .map(|Query(q)| q)
        .map_err(|_| Fail::BadRequest)
}

/// The file name a body is stored under: the `filename` of its Content-Disposition, else
/// `upload` with the extension of its content type.
fn body_name(headers: &HeaderMap, ext: &str) -> String {
    let given = headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(';').find_map(|part| {
                let (k, v) = part.trim().split_once('=')?;
                (k.trim().eq_ignore_ascii_case("filename"))
                    .then(|| v.trim().trim_matches('"').to_string())
            })
        });
    work::shown_name(&given.unwrap_or_else(|| format!("upload.{ext}")))
}

/// The content types a data file may be sent as, and the extension each implies.
fn data_type(headers: &HeaderMap) -> Option<&'static str> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())?
        .split(';')
        .next()?
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "text/csv" => Some("csv"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some("xlsx"),
        "application/vnd.ms-excel.sheet.macroenabled.12" => Some("xlsm"),
        "application/vnd.ms-excel.sheet.binary.macroenabled.12" => Some("xlsb"),
        "application/vnd.ms-excel" => Some("xls"),
        "application/vnd.oasis.opendocument.spreadsheet" => Some("ods"),
        _ => None,
    }
}

/// An `Idempotency-Key` header as the store keeps keys (64 hex digits: its SHA-256), so a
/// retried call stores nothing new.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Fail> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| Fail::Bad("api_idempotency_key"))?
        .trim();
    if v.is_empty() || v.len() > 200 {
        return Err(Fail::Bad("api_idempotency_key"));
    }
    Ok(Some(auth::token_hash(&format!("api:{v}"))))
}

/// Reads a request body, refusing it at the first byte beyond `limit` (the rest is not read).
/// Its declared length (bounded by `limit`) is allocated at once, so the buffer is not grown
/// to twice its size on the way.
async fn read_body(mut body: Body, limit: usize) -> Result<Vec<u8>, Fail> {
    use hyper::body::Body as _;
    let declared = body.size_hint().exact().unwrap_or(0);
    let mut out = Vec::with_capacity(usize::try_from(declared).unwrap_or(limit).min(limit));
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => return Ok(out),
            // A body that stopped or was too slow (the pace's own answer replaces this one).
            Some(Err(_)) => return Err(Fail::BadRequest),
            Some(Ok(f)) => {
                if let Ok(data) = f.into_data() {
                    if out.len() + data.len() > limit {
                        return Err(Fail::TooLarge(limit >> 20));
                    }
                    out.extend_from_slice(&data);
                }
            }
        }
    }
}

async fn openapi() -> Response {
    let mut r = OPENAPI.into_response();
    security_headers(r.headers_mut());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `POST /api/v1/parks/{park_id}/submissions?year=Y`: the body is one data file.
async fn upload(
    State(p): State<Portal>,
    caller: ApiCaller,
    Path(park_id): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let q = query(&uri).map_err(|f| caller.fail(f))?;
    let park = caller.park(&p, &park_id).await?;
    let user = &caller.c.user;
    if !scope::uploads(user, &park.park_id) {
        return Err(caller.fail(Fail::Refused(super::review::Refusal::NotAllowed)));
    }
    let year = q.year().map_err(|f| caller.fail(f))?;
    let ext =
        data_type(&headers).ok_or_else(|| caller.fail(Fail::WrongType("api_content_type")))?;
    let idem = idempotency_key(&headers).map_err(|f| caller.fail(f))?;
    // A slot before a byte of the body is read, as for the pages.
    let slot = p.upload_slot(user.id).await.map_err(|f| caller.fail(f))?;
    let limit = p.inner.cfg.upload_limit;
    let bytes = read_body(body, limit).await.map_err(|f| caller.fail(f))?;
    if bytes.is_empty() {
        return Err(caller.fail(Fail::NoFiles));
    }
    let intake = Intake {
        park: park.clone(),
        year,
        bytes: bytes.len(),
        uploads: vec![Upload {
            name: body_name(&headers, ext),
            bytes,
        }],
        idem,
        via: "api",
    };
    let received = p.receive(&caller.c, intake).await;
    drop(slot);
    let received = received.map_err(|f| caller.fail(f))?;
    let year = i64::from(year);
    let mut submitted = serde_json::Value::Null;
    if q.submit() && received.valid && !received.repeated {
        let d = Decision {
            action: Action::Submit,
            comment: String::new(),
            comments: Vec::new(),
        };
        if let Err(f) = p.decide(&caller.c, &park, year, received.version, d).await {
            submitted = serde_json::json!({"error": f.code(), "message": f.text(caller.c.lang)});
        }
    }
    let review = p
        .year_review(&park.park_id, year)
        .await
        .map_err(|f| caller.fail(f))?;
    let sub = caller.submission(&p, &park, year, received.version).await?;
    let status = if !received.valid {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if received.repeated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut body = serde_json::json!({
        "park_id": park.park_id,
        "year": year,
        "version": received.version,
        "state": review.state(sub.id),
        "valid": received.valid,
        "repeated": received.repeated,
        "problems": rounds::problems_json(&received.problems, caller.c.lang),
        "omitted": received.omitted,
    });
    if !submitted.is_null() {
        body["submit_refused"] = submitted;
    }
    let mut r = json(status, &body);
    let location = format!(
        "/api/v1/parks/{}/submissions/{}?year={year}",
        park.park_id, received.version
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// `GET /api/v1/parks/{park_id}/submissions/{version}?year=Y`: its state, problems, checks
/// across years, decisions, comments and evidence.
async fn submission(
    State(p): State<Portal>,
    caller: ApiCaller,
    Path((park_id, version)): Path<(String, i64)>,
    uri: axum::http::Uri,
) -> Answer {
    let q = query(&uri).map_err(|f| caller.fail(f))?;
    let park = caller.park(&p, &park_id).await?;
    let year = i64::from(q.year().map_err(|f| caller.fail(f))?);
    let sub = caller.submission(&p, &park, year, version).await?;
    let v = submission_json(&p, &caller.c, &park, &sub)
        .await
        .map_err(|f| caller.fail(f))?;
    Ok(json(StatusCode::OK, &v))
}

/// A version as the API shows it.
pub(crate) async fn submission_json(
    p: &Portal,
    c: &Caller,
    park: &RosterPark,
    sub: &Submission,
) -> Result<serde_json::Value, Fail> {
    let lang = c.lang;
    let (problems, omitted) = p.db().problems(sub.id).await.map_err(|e| Fail::db(&e))?;
    let problems: Vec<parkbench_core::diag::Diagnostic> =
        serde_json::from_str(&problems).unwrap_or_default();
    let omitted: Vec<work::Omitted> = serde_json::from_str(&omitted).unwrap_or_default();
    let review = p.year_review(&park.park_id, sub.year).await?;
    let checks = p.checks(park, sub).await?;
    let comments = p.db().comments(sub.id).await.map_err(|e| Fail::db(&e))?;
    let evidence = p.db().evidence(sub.id).await.map_err(|e| Fail::db(&e))?;
    let names: Vec<String> = serde_json::from_str(&sub.names).unwrap_or_default();
    let moves: Vec<_> = review
        .moves
        .iter()
        .filter(|m| m.submission_id == sub.id)
        .map(|m| {
            serde_json::json!({
                "action": m.action,
                "from": m.from_state,
                "to": m.to_state,
                "level": m.level,
                "by": m.user_email,
                "at": super::audit::when(m.at),
                "comment": m.comment,
            })
        })
        .collect();
    let findings: Vec<_> = checks
        .findings
        .iter()
        .map(|f| {
            let (message, source) = crossyear::words(f, sub.year - 1, lang, &p.refs().vocab);
            let mut v = serde_json::to_value(f).unwrap_or_default();
            v["message"] = message.into();
            v["threshold"] = source.into();
            v
        })
        .collect();
    let state = review.state(sub.id);
    let level = rounds::level_on(&c.user, park);
    let offered: Vec<&str> = level
        .map(|l| super::review::offered(state, l))
        .unwrap_or_default()
        .iter()
        .map(|a| a.as_str())
        .collect();
    Ok(serde_json::json!({
        "park_id": park.park_id,
        "year": sub.year,
        "version": sub.version,
        "state": state,
        "valid": sub.valid,
        "errors": sub.errors,
        "warnings": sub.warnings,
        "uploaded_at": super::audit::when(sub.created_at),
        "uploaded_by": sub.user_email,
        "files": names,
        "problems": rounds::problems_json(&problems, lang),
        "omitted": omitted,
        "checks": {
            "against": checks.against.map(|(y, v, s)| serde_json::json!({"year": y, "version": v, "state": s})),
            "findings": findings,
            "note": checks.note.map(|k| {
                super::i18n::t(lang, k).replace("{year}", &(sub.year - 1).to_string())
            }),
        },
        "decisions": moves,
        "comments": comments,
        "evidence": evidence,
        "your_moves": offered,
    }))
}

/// A decision's body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    decision: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    comments: Vec<CellComment>,
}

/// `POST /api/v1/parks/{park_id}/submissions/{version}/review?year=Y`:
/// `{"decision": "return" | "accept" | "submit", "comment": "...", "comments": [...]}`.
async fn review(
    State(p): State<Portal>,
    caller: ApiCaller,
    Path((park_id, version)): Path<(String, i64)>,
    uri: axum::http::Uri,
    body: Bytes,
) -> Answer {
    let q = query(&uri).map_err(|f| caller.fail(f))?;
    let park = caller.park(&p, &park_id).await?;
    let year = i64::from(q.year().map_err(|f| caller.fail(f))?);
    let b: ReviewBody = serde_json::from_slice(&body).map_err(|e| {
        let detail = super::net::logged(&e.to_string());
        caller.fail(Fail::Json(detail))
    })?;
    let action = Action::parse(b.decision.trim())
        .ok_or_else(|| caller.fail(Fail::Bad("api_decision_bad")))?;
    let d = Decision {
        action,
        comment: b.comment,
        comments: b.comments,
    };
    let state: ReviewState = p
        .decide(&caller.c, &park, year, version, d)
        .await
        .map_err(|f| caller.fail(f))?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"park_id": park.park_id, "year": year, "version": version, "state": state}),
    ))
}

/// `POST /api/v1/parks/{park_id}/submissions/{version}/evidence?year=Y[&rule=ID]`: the body is
/// one evidence file (PDF, PNG, JPEG or xlsx, told by its content).
async fn evidence(
    State(p): State<Portal>,
    caller: ApiCaller,
    Path((park_id, version)): Path<(String, i64)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let q = query(&uri).map_err(|f| caller.fail(f))?;
    let park = caller.park(&p, &park_id).await?;
    let year = i64::from(q.year().map_err(|f| caller.fail(f))?);
    let sub = caller.submission(&p, &park, year, version).await?;
    if !scope::uploads(&caller.c.user, &park.park_id) {
        return Err(caller.fail(Fail::Refused(super::review::Refusal::NotAllowed)));
    }
    let slot = p
        .upload_slot(caller.c.user.id)
        .await
        .map_err(|f| caller.fail(f))?;
    let limit = p.inner.cfg.limits.evidence_bytes;
    let bytes = read_body(body, limit).await.map_err(|f| caller.fail(f));
    drop(slot);
    let bytes = bytes?;
    if bytes.is_empty() {
        return Err(caller.fail(Fail::NoFiles));
    }
    let file = Upload {
        name: body_name(&headers, "bin"),
        bytes,
    };
    let id = p
        .add_evidence(&caller.c, &park, &sub, file, q.rule.clone())
        .await
        .map_err(|f| caller.fail(f))?;
    let listed = p
        .db()
        .evidence(sub.id)
        .await
        .map_err(|e| caller.fail(Fail::db(&e)))?;
    let e = listed.into_iter().find(|e| e.id == id);
    Ok(json(
        StatusCode::CREATED,
        &serde_json::json!({"evidence": e}),
    ))
}

/// `GET /api/v1/parks/{park_id}/scores?year=Y&benchmark=ID`: the score of the version that
/// counts (the latest valid one), with every rule's result and where its numbers came from.
async fn scores(
    State(p): State<Portal>,
    caller: ApiCaller,
    Path(park_id): Path<String>,
    uri: axum::http::Uri,
) -> Answer {
    let q = query(&uri).map_err(|f| caller.fail(f))?;
    let park = caller.park(&p, &park_id).await?;
    let year = q.year().map_err(|f| caller.fail(f))?;
    let set = match q.benchmark.as_deref() {
        Some(id) => p
            .inner
            .refs
            .set(id)
            .ok_or_else(|| caller.fail(Fail::Bad("api_benchmark_unknown")))?,
        None => p
            .inner
            .refs
            .sets
            .first()
            .ok_or_else(|| caller.fail(Fail::Internal("no benchmark set".into())))?,
    };
    let history = p
        .db()
        .submissions(&park.park_id)
        .await
        .map_err(|e| caller.fail(Fail::db(&e)))?;
    let sub = history
        .iter()
        .find(|s| s.year == i64::from(year) && s.valid)
        .ok_or_else(|| caller.fail(Fail::Absent("no_valid")))?;
    let c = p
        .park_result(&park, sub, &set.id, caller.c.lang)
        .await
        .map_err(|e| caller.fail(Fail::Internal(e)))?;
    let Cached::Park(r) = &*c else {
        return Err(caller.fail(Fail::Internal("not a park's result".into())));
    };
    let review = p
        .year_review(&park.park_id, i64::from(year))
        .await
        .map_err(|f| caller.fail(f))?;
    let words = parkbench_core::i18n::Locale::get(caller.c.lang);
    let s = &r.score;
    let mut v = serde_json::to_value(s).unwrap_or_default();
    v["level_name"] = words.text(&s.level_name).into();
    v["reason"] = words.text(&s.reason).into();
    v["score"] = serde_json::to_value(s.overall.score).unwrap_or_default();
    v["coverage"] = serde_json::to_value(s.overall.coverage).unwrap_or_default();
    v["provenance"] = serde_json::json!({
        "submission": {
            "version": sub.version,
            "state": review.state(sub.id),
            "uploaded_at": super::audit::when(sub.created_at),
            "uploaded_by": sub.user_email,
        },
        "benchmark": {
            "id": set.id,
            "version": set.version,
            "publisher": set.publisher,
            "document": set.document,
            "url": set.url,
        },
        "thresholds": "each rule's threshold carries its source and status (rules[].threshold)",
        "parkbench": env!("CARGO_PKG_VERSION"),
    });
    Ok(json(StatusCode::OK, &v))
}

/// `GET /api/v1/parks/{park_id}/requests`: what the programme asks of the park, and by when.
async fn requests(
    State(p): State<Portal>,
    caller: ApiCaller,
    Path(park_id): Path<String>,
) -> Answer {
    let park = caller.park(&p, &park_id).await?;
    let asked = p
        .db()
        .requests(Some(&park.park_id))
        .await
        .map_err(|e| caller.fail(Fail::db(&e)))?;
    let now = super::db::now();
    let mut out = Vec::new();
    for r in &asked {
        let standing = p
            .standings(&caller.c.user, r, now)
            .await
            .map_err(|f| caller.fail(f))?
            .into_iter()
            .find(|s| s.park_id == park.park_id);
        out.push(serde_json::json!({
            "id": r.id,
            "year": r.year,
            "sets": r.sets,
            "template": r.template,
            "due": r.due,
            "note": r.note,
            "standing": standing,
        }));
    }
    Ok(json(StatusCode::OK, &serde_json::json!({"requests": out})))
}
