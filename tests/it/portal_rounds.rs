//! Issue 29: a programme's round through the API and the pages. Staff ask parks for a year's
//! data by a date; an operator's platform sends it with a bearer token; the checks across years
//! compare it with last year's accepted data; the province returns it with a comment on a cell,
//! the operator sends it again, the province accepts it and national staff accept it; evidence
//! is attached; every step is an event of the park's audit trail, which is checked event by
//! event and cannot be changed. Then every new route against every account that must be
//! refused, the command line's accounts and tokens, the OpenAPI document against the router,
//! and a database from before the round's tables. The same round runs on SQLite and (ignored
//! unless asked, as `.ci/run` does) on PostgreSQL.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use parkbench::portal::audit::Actor;
use parkbench::portal::{AccountRole, NewAccount, Portal};

use super::portal::{
    Client, PASSWORD, Reply, broken_sample, csrf, drop_postgres_db, portal, postgres_db,
    sample_park, sqlite_url,
};

const PARK: &str = "js-haiyan-zerocarbon";
const OTHER: &str = "hb-yanshan-steel";
const SET: &str = "cn-zero-carbon-park-2025";
const OP: &str = "op@haiyan.example";
const JIANGSU: &str = "js@province.example";
const ZHEJIANG: &str = "zj@province.example";
const NATION: &str = "staff@example.org";

/// The sample portal with a provincial reviewer for Jiangsu (PARK's province) and one for
/// Zhejiang.
async fn round_portal(db_url: &str) -> Portal {
    let p = portal(db_url, 4 << 20).await;
    for (email, scope) in [(JIANGSU, "province:江苏"), (ZHEJIANG, "province:zhejiang")] {
        p.create_account_scoped(
            email,
            PASSWORD,
            &NewAccount {
                role: AccountRole::Staff,
                park_id: None,
                scope: Some(scope),
            },
        )
        .await
        .unwrap();
    }
    p
}

async fn token(p: &Portal, email: &str) -> String {
    p.create_token(email, None, "platform", &Actor::command_line())
        .await
        .unwrap()
        .0
}

/// An API call: its status and JSON answer.
async fn api(
    c: &mut Client,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<(&str, Vec<u8>)>,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match body {
        Some((ct, bytes)) => {
            req = req.header(header::CONTENT_TYPE, ct);
            req = req.header(
                header::CONTENT_DISPOSITION,
                if ct == "text/csv" {
                    "attachment; filename=\"activity.csv\""
                } else {
                    "attachment; filename=\"bill.pdf\""
                },
            );
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let r = c.request(req, body).await;
    let v = serde_json::from_str(&r.body)
        .unwrap_or_else(|e| panic!("{method} {path}: {} not JSON ({e}): {}", r.status, r.body));
    (r.status, v)
}

/// Sends a year's data for PARK through the API.
async fn send(
    c: &mut Client,
    token: &str,
    year: i32,
    file: Vec<u8>,
    submit: bool,
) -> (StatusCode, serde_json::Value) {
    let path = format!(
        "/api/v1/parks/{PARK}/submissions?year={year}{}",
        if submit { "&submit=true" } else { "" }
    );
    api(c, Some(token), "POST", &path, Some(("text/csv", file))).await
}

async fn decide(
    c: &mut Client,
    token: &str,
    year: i32,
    version: i64,
    decision: serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let path = format!("/api/v1/parks/{PARK}/submissions/{version}/review?year={year}");
    api(
        c,
        Some(token),
        "POST",
        &path,
        Some(("application/json", decision.to_string().into_bytes())),
    )
    .await
}

/// A decision from a submission's page, as its form sends it.
async fn decide_on_page(c: &mut Client, year: i32, version: i64, fields: &[(&str, &str)]) -> Reply {
    let page = c
        .get(&format!("/park/{PARK}/{year}/{version}?lang=en"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = csrf(&page.body);
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    c.post_form(&format!("/park/{PARK}/{year}/{version}/review"), &all)
        .await
}

async fn logged_in(p: &Portal, email: &str) -> Client {
    let mut c = Client::new(p.router());
    let r = c.login(email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{email}: {}", r.body);
    c
}

/// The events of a CSV export: (event, actor, year, version, detail).
fn events(csv_text: &str) -> Vec<(String, String, String, String, serde_json::Value)> {
    let text = csv_text.trim_start_matches('\u{feff}');
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "id", "at", "actor", "address", "event", "park_id", "year", "version", "detail"
        ]
    );
    r.records()
        .map(|x| {
            let x = x.unwrap();
            assert!(!x[3].is_empty(), "every event says where from: {x:?}");
            (
                x[4].to_string(),
                x[2].to_string(),
                x[6].to_string(),
                x[7].to_string(),
                serde_json::from_str(&x[8]).unwrap(),
            )
        })
        .collect()
}

/// The whole round, API and pages, with the audit trail checked event by event.
async fn a_whole_round(db_url: &str) {
    let p = round_portal(db_url).await;
    let app = p.router();
    let mut machine = Client::new(app.clone());
    let op_token = token(&p, OP).await;
    let js_token = token(&p, JIANGSU).await;
    let zj_token = token(&p, ZHEJIANG).await;
    let nation_token = token(&p, NATION).await;
    let (_, activity) = sample_park(PARK);

    // Last year, accepted at both levels: what this year is checked against.
    let (s, v) = send(&mut machine, &op_token, 2023, activity.clone(), true).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["version"].as_i64(), v["state"].as_str()),
        (Some(1), Some("submitted"))
    );
    let (s, v) = decide(
        &mut machine,
        &js_token,
        2023,
        1,
        serde_json::json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("accepted_province")),
        "{v}"
    );
    let (s, v) = decide(
        &mut machine,
        &nation_token,
        2023,
        1,
        serde_json::json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("accepted_nation")),
        "{v}"
    );

    // Staff ask for 2024 by a date, on the programme page: PARK and OTHER by the end of 2099,
    // OTHER also in a request already past due.
    let mut nation = logged_in(&p, NATION).await;
    let page = nation.get("/programme?lang=en").await;
    let t = csrf(&page.body);
    let r = nation
        .post_form(
            "/programme/requests",
            &[
                ("csrf", &t),
                ("year", "2024"),
                ("due", "2099-12-31"),
                ("template", "xlsx"),
                ("sets", SET),
                ("parks", PARK),
                ("parks", OTHER),
                ("note", "2024 data, with the grid bills"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = nation
        .post_form(
            "/programme/requests",
            &[
                ("csrf", &t),
                ("year", "2024"),
                ("due", "2020-01-01"),
                ("template", "csv"),
                ("sets", SET),
                ("parks", OTHER),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A request naming no set, or a date that is not one, is refused with the reason.
    let r = nation
        .post_form(
            "/programme/requests",
            &[
                ("csrf", &t),
                ("year", "2024"),
                ("due", "31/12/2099"),
                ("template", "xlsx"),
                ("sets", SET),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("YYYY-MM-DD"), "{}", r.body);
    let page = nation.get("/programme?lang=en").await;
    let requests = &page.body[page.body.find("id=\"requests\"").unwrap()..];
    assert!(
        requests.contains("2099-12-31") && requests.contains("2 parks: 0 submitted"),
        "{requests}"
    );
    assert!(
        requests.contains("class=\"bad late\""),
        "OTHER is late in the past-due request"
    );
    // Provincial staff see the request for their park only.
    let mut jiangsu = logged_in(&p, JIANGSU).await;
    let page = jiangsu.get("/programme?lang=en").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(PARK) && !page.body.contains(OTHER),
        "{}",
        page.body
    );
    // The operator sees what is asked and by when, in both languages.
    let mut op = logged_in(&p, OP).await;
    let page = op.get(&format!("/park/{PARK}?lang=en")).await;
    let asked = &page.body[page.body.find("id=\"asked\"").expect("the park's requests")..];
    assert!(
        asked.contains("Data asked of this park")
            && asked.contains("2099-12-31")
            && asked.contains("nothing uploaded"),
        "{asked}"
    );
    let page = op.get(&format!("/park/{PARK}?lang=zh")).await;
    assert!(page.body.contains("要求本园区报送的数据") && page.body.contains("尚未上传"));

    // 2024 from the platform: a file with an error is kept as version 1 and answered 422 with
    // the problem's place; it cannot be submitted.
    let (_, lines) = broken_sample(PARK);
    let bad = format!("{}\n", lines.join("\n")).into_bytes();
    let (s, v) = send(&mut machine, &op_token, 2024, bad, true).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        (
            v["version"].as_i64(),
            v["state"].as_str(),
            v["valid"].as_bool()
        ),
        (Some(1), Some("draft"), Some(false))
    );
    let problem = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["severity"] == "error")
        .expect("an error");
    assert_eq!(
        (
            problem["file"].as_str(),
            problem["line"].as_i64(),
            problem["column"].as_i64()
        ),
        (Some("activity.csv"), Some(4), Some(4)),
        "{problem}"
    );
    assert_eq!(problem["value"], "12x4");
    assert!(
        problem["message"].as_str().unwrap().contains("x4"),
        "{problem}"
    );
    let (s, v) = decide(
        &mut machine,
        &op_token,
        2024,
        1,
        serde_json::json!({"decision": "submit"}),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::CONFLICT, Some("refused_invalid")),
        "{v}"
    );
    // The fixed file: version 2, a draft; its checks compare it with 2023's accepted version.
    let (s, v) = send(&mut machine, &op_token, 2024, activity.clone(), false).await;
    assert_eq!(
        (s, v["version"].as_i64(), v["state"].as_str()),
        (StatusCode::CREATED, Some(2), Some("draft")),
        "{v}"
    );
    let (s, v) = api(
        &mut machine,
        Some(&op_token),
        "GET",
        &format!("/api/v1/parks/{PARK}/submissions/2?year=2024"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["checks"]["against"],
        serde_json::json!({"year": 2023, "version": 1, "state": "accepted_nation"})
    );
    let findings = v["checks"]["findings"].as_array().unwrap();
    // Grid power fell from 90,000 to 20,000 MWh and gas by a fifth: CO2 moved by more than 30 %.
    let co2 = findings
        .iter()
        .find(|f| f["check"] == "moved" && f["total"] == "co2_total_t")
        .unwrap_or_else(|| panic!("CO2 moved: {findings:?}"));
    assert!(co2["share"].as_f64().unwrap() > 0.3, "{co2}");
    assert!(
        co2["threshold"].as_str().unwrap().contains("unconfirmed"),
        "{co2}"
    );
    assert_eq!(v["your_moves"], serde_json::json!(["submit"]));

    // The operator submits it on its page; the province sees the checks and returns it with a
    // comment on a cell.
    let r = decide_on_page(&mut op, 2024, 2, &[("decision", "submit")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = jiangsu.get(&format!("/park/{PARK}/2024/2?lang=en")).await;
    assert!(
        page.body.contains("id=\"findings\"") && page.body.contains("CO2 (t) moved by"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"return-button\"") && page.body.contains("id=\"accept-button\"")
    );
    // A return without a comment is refused, with the reason.
    let r = decide_on_page(&mut jiangsu, 2024, 2, &[("decision", "return")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("A return needs a comment"), "{}", r.body);
    let r = decide_on_page(
        &mut jiangsu,
        2024,
        2,
        &[
            ("decision", "return"),
            ("comment", "Grid power fell by 78 %: send the grid bills."),
            ("cell", "activity.csv:4:4"),
            ("cell_comment", "Is 20,000 MWh the whole year?"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The operator reads the comments on the page (both languages) and through the API.
    let page = op.get(&format!("/park/{PARK}/2024/2?lang=en")).await;
    assert!(
        page.body.contains("Grid power fell by 78 %")
            && page.body.contains("activity.csv:4:4")
            && page.body.contains("Is 20,000 MWh the whole year?"),
        "{}",
        page.body
    );
    assert!(page.body.contains(">returned<"), "{}", page.body);
    let page = op.get(&format!("/park/{PARK}/2024/2?lang=zh")).await;
    assert!(page.body.contains("已退回") && page.body.contains("Is 20,000 MWh the whole year?"));
    let (_, v) = api(
        &mut machine,
        Some(&op_token),
        "GET",
        &format!("/api/v1/parks/{PARK}/submissions/2?year=2024"),
        None,
    )
    .await;
    assert_eq!(v["state"], "returned");
    assert_eq!(v["comments"][0]["file"], "activity.csv");
    assert_eq!(
        (
            v["comments"][0]["line"].as_i64(),
            v["comments"][0]["column"].as_i64()
        ),
        (Some(4), Some(4))
    );
    assert_eq!(
        v["decisions"][1]["comment"],
        "Grid power fell by 78 %: send the grid bills."
    );
    assert_eq!(v["decisions"][1]["level"], "province");
    // A returned version is closed.
    let (s, v) = decide(
        &mut machine,
        &js_token,
        2024,
        2,
        serde_json::json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::CONFLICT, Some("refused_final")),
        "{v}"
    );

    // The resubmission, from the platform, submitted at once.
    let (s, v) = send(&mut machine, &op_token, 2024, activity.clone(), true).await;
    assert_eq!(
        (s, v["version"].as_i64(), v["state"].as_str()),
        (StatusCode::CREATED, Some(3), Some("resubmitted")),
        "{v}"
    );
    // Evidence: a bill for the whole version, and (from the page) one for a rule. A CSV named
    // .pdf is refused by its content.
    let pdf = b"%PDF-1.4\n% a grid bill\n".to_vec();
    let (s, v) = api(
        &mut machine,
        Some(&op_token),
        "POST",
        &format!("/api/v1/parks/{PARK}/submissions/3/evidence?year=2024"),
        Some(("application/pdf", pdf.clone())),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (
            v["evidence"]["kind"].as_str(),
            v["evidence"]["name"].as_str()
        ),
        (Some("pdf"), Some("bill.pdf"))
    );
    let (s, v) = api(
        &mut machine,
        Some(&op_token),
        "POST",
        &format!("/api/v1/parks/{PARK}/submissions/3/evidence?year=2024"),
        Some(("application/pdf", b"park_id,year\n".to_vec())),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("wrong_type")),
        "{v}"
    );
    let (s, v) = api(
        &mut machine,
        Some(&op_token),
        "GET",
        &format!("/api/v1/parks/{PARK}/scores?year=2024&benchmark={SET}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rule = v["rules"][0]["rule"].as_str().unwrap().to_string();
    assert_eq!(v["provenance"]["submission"]["version"], 3);
    assert_eq!(v["provenance"]["benchmark"]["id"], SET);
    assert!(
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["threshold"]["source"].is_string()),
        "thresholds carry their source"
    );
    let page = op.get(&format!("/park/{PARK}/2024/3?lang=en")).await;
    assert!(page.body.contains("id=\"evidence-form\"") && page.body.contains("bill.pdf"));
    let r = op
        .post_files(
            &format!("/park/{PARK}/2024/3/evidence"),
            &[("csrf", &csrf(&page.body)), ("rule", &rule)],
            &[("meter.png", b"\x89PNG\r\n\x1a\n....".to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Who may not decide: the operator, and the other province (which does not even see it).
    let accept = serde_json::json!({"decision": "accept"});
    let (s, v) = decide(&mut machine, &op_token, 2024, 3, accept.clone()).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("refused_not_allowed")),
        "{v}"
    );
    let (s, _) = decide(&mut machine, &zj_token, 2024, 3, accept.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The province that returned it accepts the resubmission; it cannot take the final decision.
    let (s, v) = decide(&mut machine, &js_token, 2024, 3, accept.clone()).await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("accepted_province")),
        "{v}"
    );
    let (s, v) = decide(&mut machine, &js_token, 2024, 3, accept.clone()).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("refused_not_allowed")),
        "{v}"
    );
    // National staff see the evidence beside the numbers and accept on the page.
    let page = nation.get(&format!("/park/{PARK}/2024/3?lang=en")).await;
    assert!(
        page.body.contains("bill.pdf")
            && page.body.contains("meter.png")
            && page.body.contains(&rule),
        "{}",
        page.body
    );
    let ev = &page.body[page.body.find("/evidence/").unwrap() - 60..];
    let href = ev[ev.find("href=\"").unwrap() + 6..]
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let file = nation.get(&href).await;
    assert_eq!(
        (
            file.status,
            file.headers[header::CONTENT_TYPE].to_str().unwrap()
        ),
        (StatusCode::OK, "application/pdf")
    );
    assert!(file.body.starts_with("%PDF-1.4"));
    let r = decide_on_page(&mut nation, 2024, 3, &[("decision", "accept")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = nation.get(&format!("/park/{PARK}/2024/3?lang=zh")).await;
    assert!(page.body.contains("国家已验收"), "{}", page.body);
    let (_, v) = api(
        &mut machine,
        Some(&nation_token),
        "GET",
        &format!("/api/v1/parks/{PARK}/submissions/3?year=2024"),
        None,
    )
    .await;
    assert_eq!(v["state"], "accepted_nation");
    assert_eq!(v["evidence"].as_array().unwrap().len(), 2);
    // Closed: no more evidence, no more decisions.
    let (s, v) = api(
        &mut machine,
        Some(&op_token),
        "POST",
        &format!("/api/v1/parks/{PARK}/submissions/3/evidence?year=2024"),
        Some(("application/pdf", pdf)),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::CONFLICT, Some("evidence_closed")),
        "{v}"
    );
    let (s, _) = decide(&mut machine, &nation_token, 2024, 3, accept).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // The request shows the park accepted; the operator's machine reads the same.
    let page = nation.get("/programme?lang=en").await;
    let requests = &page.body[page.body.find("id=\"requests\"").unwrap()..];
    assert!(requests.contains("accepted nationally"), "{requests}");
    let (s, v) = api(
        &mut machine,
        Some(&op_token),
        "GET",
        &format!("/api/v1/parks/{PARK}/requests"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["requests"][0]["due"], "2099-12-31");
    assert_eq!(v["requests"][0]["standing"]["state"], "accepted_nation");
    assert_eq!(v["requests"][0]["standing"]["late"], false);

    // The audit trail, event by event, from the park's CSV export.
    let csv_reply = nation.get(&format!("/park/{PARK}/audit.csv")).await;
    assert_eq!(csv_reply.status, StatusCode::OK);
    let trail = events(&csv_reply.body);
    let expected: &[(&str, &str, &str, &str)] = &[
        ("account_invited", "command line", "", ""),
        ("token_created", "command line", "", ""),
        ("upload", OP, "2023", "1"),
        ("submit", OP, "2023", "1"),
        ("accept_province", JIANGSU, "2023", "1"),
        ("accept_nation", NATION, "2023", "1"),
        ("request_opened", NATION, "2024", ""),
        ("upload", OP, "2024", "1"),
        ("upload", OP, "2024", "2"),
        ("submit", OP, "2024", "2"),
        ("return", JIANGSU, "2024", "2"),
        ("comment", JIANGSU, "2024", "2"),
        ("upload", OP, "2024", "3"),
        ("submit", OP, "2024", "3"),
        ("evidence", OP, "2024", "3"),
        ("evidence", OP, "2024", "3"),
        ("accept_province", JIANGSU, "2024", "3"),
        ("accept_nation", NATION, "2024", "3"),
    ];
    let got: Vec<(&str, &str, &str, &str)> = trail
        .iter()
        .map(|(k, a, y, v, _)| {
            let a = if a.starts_with("command line (") {
                "command line"
            } else {
                a.as_str()
            };
            (k.as_str(), a, y.as_str(), v.as_str())
        })
        .collect();
    assert_eq!(got, expected);
    // What each event says.
    assert_eq!(trail[2].4["via"], "api");
    assert_eq!(trail[7].4["valid"], false);
    assert!(trail[7].4["errors"].as_u64().unwrap() >= 1);
    assert_eq!(trail[6].4["due"], "2099-12-31");
    assert_eq!(
        (trail[9].4["from"].as_str(), trail[9].4["to"].as_str()),
        (Some("draft"), Some("submitted"))
    );
    assert_eq!(
        trail[10].4["comment"],
        "Grid power fell by 78 %: send the grid bills."
    );
    assert_eq!(trail[10].4["level"], "province");
    assert_eq!(
        (trail[11].4["file"].as_str(), trail[11].4["line"].as_i64()),
        (Some("activity.csv"), Some(4))
    );
    assert_eq!(trail[13].4["to"], "resubmitted");
    assert_eq!(trail[14].4["kind"], "pdf");
    assert_eq!(trail[15].4["rule"], rule.as_str());
    assert_eq!(
        (trail[17].4["from"].as_str(), trail[17].4["level"].as_str()),
        (Some("accepted_province"), Some("nation"))
    );
    // The park page shows the newest events, in both languages.
    let page = op.get(&format!("/park/{PARK}?lang=en")).await;
    let audit = &page.body[page.body.find("id=\"audit-table\"").unwrap()..];
    assert!(
        audit.contains("accepted nationally") && audit.contains("class=\"event-comment\""),
        "{audit}"
    );
    let page = op.get(&format!("/park/{PARK}?lang=zh")).await;
    assert!(page.body.contains("审计记录") && page.body.contains("国家验收"));
    // The operator may export their park's trail, not another's.
    assert_eq!(
        op.get(&format!("/park/{PARK}/audit.csv")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        op.get(&format!("/park/{OTHER}/audit.csv")).await.status,
        StatusCode::NOT_FOUND
    );
    // The programme's export: national staff get the accounts' events too; a province only
    // its parks'.
    let all = events(&nation.get("/programme/audit.csv").await.body);
    assert!(
        all.iter()
            .any(|e| e.0 == "account_invited" && e.4["email"] == JIANGSU)
    );
    assert!(
        all.iter()
            .any(|e| e.0 == "request_opened" && e.4["due"] == "2020-01-01")
    );
    let mine = events(&jiangsu.get("/programme/audit.csv").await.body);
    assert_eq!(
        mine.len(),
        trail.len(),
        "the province sees its park's events and no other"
    );

    // Nothing in the trail can be changed or deleted, not even by hand.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db_url).await.unwrap();
    for sql in [
        "UPDATE audit_events SET actor = 'someone else'",
        "DELETE FROM audit_events",
        "UPDATE moves SET to_state = 'accepted_nation'",
        "DELETE FROM moves",
    ] {
        let e = sqlx::query(sql).execute(&pool).await.expect_err(sql);
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    pool.close().await;
    assert_eq!(
        events(&nation.get(&format!("/park/{PARK}/audit.csv")).await.body).len(),
        trail.len()
    );
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_round_through_the_api_and_the_pages_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_whole_round(&sqlite_url(dir.path(), "round.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: PARKBENCH_TEST_POSTGRES=postgres://USER@HOST/postgres cargo test --test it on_postgres -- --ignored (.ci/run does)"]
async fn a_whole_round_through_the_api_and_the_pages_on_postgres() {
    let url = postgres_db().await;
    a_whole_round(&url).await;
    drop_postgres_db(&url).await;
}

/// Every new route refuses whoever it must: no token, a made-up, expired or revoked token
/// (401), an operator of another park and staff of another province (404, as on the pages),
/// an account of the park's scope that may not do this (403), a stranger on the pages (to the
/// login page); the pages' refusals in both languages.
async fn every_new_route_refuses_who_it_must(db_url: &str) {
    let p = round_portal(db_url).await;
    let app = p.router();
    let mut c = Client::new(app.clone());
    let op = token(&p, OP).await;
    let other_op = token(&p, "op@yanshan.example").await;
    let zj = token(&p, ZHEJIANG).await;
    let js = token(&p, JIANGSU).await;
    let (_, activity) = sample_park(PARK);
    let (s, v) = send(&mut c, &op, 2024, activity.clone(), false).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (expired, expired_id) = p
        .create_token(OP, Some(1), "old", &Actor::command_line())
        .await
        .unwrap();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db_url).await.unwrap();
    sqlx::query("UPDATE api_tokens SET expires_at = 1 WHERE id = $1")
        .bind(expired_id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (revoked, revoked_id) = p
        .create_token(OP, None, "gone", &Actor::command_line())
        .await
        .unwrap();
    p.revoke_token(revoked_id, &Actor::command_line())
        .await
        .unwrap();

    type Payload = Option<(&'static str, Vec<u8>)>;
    let csv = || -> Payload { Some(("text/csv", activity.clone())) };
    let pdf = || -> Payload { Some(("application/pdf", b"%PDF-1.4\n".to_vec())) };
    let accept = || -> Payload { Some(("application/json", br#"{"decision":"accept"}"#.to_vec())) };
    let none = || -> Payload { None };
    let routes: Vec<(&str, String, &dyn Fn() -> Payload)> = vec![
        (
            "POST",
            format!("/api/v1/parks/{PARK}/submissions?year=2024"),
            &csv,
        ),
        (
            "GET",
            format!("/api/v1/parks/{PARK}/submissions/1?year=2024"),
            &none,
        ),
        (
            "POST",
            format!("/api/v1/parks/{PARK}/submissions/1/review?year=2024"),
            &accept,
        ),
        (
            "POST",
            format!("/api/v1/parks/{PARK}/submissions/1/evidence?year=2024"),
            &pdf,
        ),
        (
            "GET",
            format!("/api/v1/parks/{PARK}/scores?year=2024"),
            &none,
        ),
        ("GET", format!("/api/v1/parks/{PARK}/requests"), &none),
    ];
    for (method, path, body) in &routes {
        for (who, t) in [
            ("no token", None),
            ("a made-up token", Some("pbt_0123")),
            ("an expired token", Some(expired.as_str())),
            ("a revoked token", Some(revoked.as_str())),
        ] {
            let (s, v) = api(&mut c, t, method, path, body()).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{who}: {method} {path}: {v}");
            let code = if t.is_none() {
                "token_missing"
            } else {
                "token_bad"
            };
            assert_eq!(v["error"], code, "{who}: {v}");
        }
        for (who, t) in [
            ("another park's operator", &other_op),
            ("another province", &zj),
        ] {
            let (s, v) = api(&mut c, Some(t), method, path, body()).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who}: {method} {path}: {v}");
            assert_eq!(v["error"], "not_found");
        }
    }
    // In the park's scope but not the account's move: staff do not upload or attach evidence,
    // an operator does not accept.
    for (path, body, t) in [
        (
            format!("/api/v1/parks/{PARK}/submissions?year=2024"),
            csv(),
            &js,
        ),
        (
            format!("/api/v1/parks/{PARK}/submissions/1/evidence?year=2024"),
            pdf(),
            &js,
        ),
        (
            format!("/api/v1/parks/{PARK}/submissions/1/review?year=2024"),
            accept(),
            &op,
        ),
    ] {
        let (s, v) = api(&mut c, Some(t), "POST", &path, body).await;
        assert_eq!(
            (s, v["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("refused_not_allowed")),
            "{path}: {v}"
        );
    }
    // Errors name what was wrong, in the caller's language.
    let (s, v) = api(
        &mut c,
        Some(&op),
        "GET",
        &format!("/api/v1/parks/{PARK}/submissions/1"),
        None,
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("missing_year")),
        "{v}"
    );
    let (s, v) = api(
        &mut c,
        Some(&op),
        "POST",
        &format!("/api/v1/parks/{PARK}/submissions?year=2024&lang=zh"),
        Some(("application/pdf", b"%PDF".to_vec())),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("wrong_type")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("请将文件作为请求体发送"),
        "{v}"
    );
    let (s, v) = decide(
        &mut c,
        &js,
        2024,
        1,
        serde_json::json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("api_decision_bad")),
        "{v}"
    );
    let (s, v) = decide(
        &mut c,
        &js,
        2024,
        1,
        serde_json::json!({"decision": "accept", "extra": 1}),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("json")),
        "{v}"
    );
    let long = "x".repeat(
        parkbench::reference::Limits::embedded()
            .unwrap()
            .portal
            .comment_chars
            + 1,
    );
    let (s, v) = decide(
        &mut c,
        &js,
        2024,
        1,
        serde_json::json!({"decision": "return", "comment": long}),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("too_long")),
        "{v}"
    );
    // Comments name a rule of an offered set or a file of the version; evidence too.
    for (comment, code) in [
        (
            serde_json::json!({"rule": "no_such_rule", "comment": "x"}),
            "rule_unknown",
        ),
        (
            serde_json::json!({"file": "other.csv", "line": 2, "column": 1, "comment": "x"}),
            "comment_file_unknown",
        ),
    ] {
        let (s, v) = decide(&mut c, &js, 2024, 1, serde_json::json!({"decision": "return", "comment": "see below", "comments": [comment]})).await;
        assert_eq!(
            (s, v["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{v}"
        );
    }
    let (s, v) = api(
        &mut c,
        Some(&op),
        "POST",
        &format!("/api/v1/parks/{PARK}/submissions/1/evidence?year=2024&rule=no_such_rule"),
        pdf(),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("rule_unknown")),
        "{v}"
    );
    let (s, v) = api(&mut c, Some(&op), "GET", "/api/v1/no/such/route", None).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found")),
        "{v}"
    );
    let (s, _) = api(&mut c, None, "GET", "/api/v1/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK, "the document is public");
    // A body beyond the upload limit stops being read and is refused (the pages' limit).
    let big = vec![b'a'; (4 << 20) + 1];
    let (s, v) = api(
        &mut c,
        Some(&op),
        "POST",
        &format!("/api/v1/parks/{PARK}/submissions?year=2024"),
        Some(("text/csv", big)),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")),
        "{v}"
    );

    // The pages: another park's operator and another province's staff are not found, a
    // stranger goes to the login page; in both languages.
    let mut other = logged_in(&p, "op@yanshan.example").await;
    let mut zhejiang = logged_in(&p, ZHEJIANG).await;
    let mut stranger = Client::new(app.clone());
    for lang in ["en", "zh"] {
        let gets = [
            format!("/park/{PARK}/audit.csv?lang={lang}"),
            format!("/park/{PARK}/2024/1/evidence/1?lang={lang}"),
            format!("/park/{PARK}/2024/1?lang={lang}"),
        ];
        for path in &gets {
            for (who, c) in [
                ("another park's operator", &mut other),
                ("another province", &mut zhejiang),
            ] {
                let r = c.get(path).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}: {path}");
                assert!(r.body.contains(&format!("lang=\"{lang}\"")));
                assert!(
                    r.body.contains(if lang == "zh" {
                        "未找到"
                    } else {
                        "Not found"
                    }),
                    "{}",
                    r.body
                );
            }
            let r = stranger.get(path).await;
            assert_eq!(
                (r.status, r.location.as_str()),
                (
                    StatusCode::SEE_OTHER,
                    format!("/login?lang={lang}").as_str()
                )
            );
        }
        for (who, c) in [
            ("another park's operator", &mut other),
            ("another province", &mut zhejiang),
        ] {
            let t = csrf(&c.get(&format!("/account/password?lang={lang}")).await.body);
            let r = c
                .post_form(
                    &format!("/park/{PARK}/2024/1/review?lang={lang}"),
                    &[("csrf", &t), ("decision", "accept")],
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
            let r = c
                .post_files(
                    &format!("/park/{PARK}/2024/1/evidence?lang={lang}"),
                    &[("csrf", &t)],
                    &[("bill.pdf", b"%PDF-1.4".to_vec())],
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
        }
        // An operator opens no request and exports no programme trail.
        let t = csrf(
            &other
                .get(&format!("/account/password?lang={lang}"))
                .await
                .body,
        );
        let r = other
            .post_form(
                &format!("/programme/requests?lang={lang}"),
                &[
                    ("csrf", &t),
                    ("year", "2024"),
                    ("due", "2099-01-01"),
                    ("sets", SET),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            other
                .get(&format!("/programme/audit.csv?lang={lang}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // A province cannot ask another province's park.
        let t = csrf(&zhejiang.get(&format!("/programme?lang={lang}")).await.body);
        let r = zhejiang
            .post_form(
                &format!("/programme/requests?lang={lang}"),
                &[
                    ("csrf", &t),
                    ("year", "2024"),
                    ("due", "2099-01-01"),
                    ("template", "xlsx"),
                    ("sets", SET),
                    ("parks", PARK),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains(if lang == "zh" {
                "不在您范围内"
            } else {
                "not on the roster within your scope"
            }),
            "{}",
            r.body
        );
    }
    // Failed tokens are throttled by address, as logins are.
    let free = parkbench::reference::Limits::embedded()
        .unwrap()
        .portal
        .login_free_failures_address;
    let path = format!("/api/v1/parks/{PARK}/requests");
    let mut last = StatusCode::OK;
    for _ in 0..free + 5 {
        last = api(&mut c, Some("pbt_guess"), "GET", &path, None).await.0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_new_route_refuses_who_it_must_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    every_new_route_refuses_who_it_must(&sqlite_url(dir.path(), "authz.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: PARKBENCH_TEST_POSTGRES=postgres://USER@HOST/postgres cargo test --test it on_postgres -- --ignored (.ci/run does)"]
async fn every_new_route_refuses_who_it_must_on_postgres() {
    let url = postgres_db().await;
    every_new_route_refuses_who_it_must(&url).await;
    drop_postgres_db(&url).await;
}

/// `parkbench accounts` and `parkbench token` on a database the portal then serves: an operator
/// and provincial staff added with their scopes, a token printed alone on standard output that
/// the API takes, listed without the token, revoked; every change in the audit trail.
#[test]
fn accounts_and_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path(), "cli.db");
    let (code, _, err) = super::run(&[
        "serve",
        "--db",
        &db,
        "--roster",
        "sample-data/parks.csv",
        "--no-serve",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = super::run(&[
        "accounts",
        "add",
        "--db",
        &db,
        "--email",
        "Platform@Haiyan.example",
        "--role",
        "operator",
        "--park",
        PARK,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "operator platform@haiyan.example: set the password at http://127.0.0.1:8080/setup/"
        ),
        "{out}"
    );
    let (code, _, err) = super::run(&[
        "accounts",
        "add",
        "--db",
        &db,
        "--email",
        "js@example.org",
        "--role",
        "staff",
        "--scope",
        "province:江苏",
    ]);
    assert_eq!(code, 0, "{err}");
    // Wrong scopes and parks are refused with what was wrong (exit 2).
    let (code, _, err) = super::run(&[
        "accounts",
        "add",
        "--db",
        &db,
        "--email",
        "x@example.org",
        "--role",
        "staff",
        "--scope",
        "province:atlantis",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not a province") && err.contains("atlantis"),
        "{err}"
    );
    let (code, _, err) = super::run(&[
        "accounts",
        "add",
        "--db",
        &db,
        "--email",
        "x@example.org",
        "--role",
        "operator",
        "--park",
        "no-such-park",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not on the roster") && err.contains("no-such-park"),
        "{err}"
    );
    let (code, _, err) = super::run(&[
        "accounts",
        "add",
        "--db",
        &db,
        "--email",
        "x@example.org",
        "--role",
        "operator",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--park"), "{err}");
    let (code, out, _) = super::run(&["accounts", "list", "--db", &db]);
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("platform@haiyan.example\toperator\tpark:{PARK}")),
        "{out}"
    );
    assert!(
        out.contains("js@example.org\tstaff\tprovince:jiangsu"),
        "{out}"
    );
    // A scope change, then back.
    let (code, _, err) = super::run(&[
        "accounts",
        "change",
        "--db",
        &db,
        "--email",
        "js@example.org",
        "--role",
        "staff",
        "--scope",
        "nation",
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = super::run(&["accounts", "list", "--db", &db]);
    assert!(out.contains("js@example.org\tstaff\tnation"), "{out}");

    // A token: one line on standard output, nothing else.
    let (code, out, err) = super::run(&[
        "token",
        "create",
        "--db",
        &db,
        "--email",
        "platform@haiyan.example",
        "--label",
        "energy platform",
        "--days",
        "30",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    let token = lines[0].to_string();
    assert!(token.starts_with("pbt_") && token.len() == 68, "{token}");
    let (code, _, err) = super::run(&[
        "token",
        "create",
        "--db",
        &db,
        "--email",
        "platform@haiyan.example",
        "--days",
        "400",
    ]);
    assert_eq!(code, 2, "longer than a year: {err}");
    let (code, out, _) = super::run(&["token", "list", "--db", &db]);
    assert_eq!(code, 0);
    assert!(
        out.contains("platform@haiyan.example\tenergy platform") && out.contains("\tlive"),
        "{out}"
    );
    assert!(!out.contains(&token[4..]), "the token is never listed");
    let id = out
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let db2 = db.clone();
    let call = move |token: String| {
        let db = db2.clone();
        async move {
            let p = Portal::open(parkbench::portal::PortalConfig {
                db_url: db,
                ..Default::default()
            })
            .await
            .unwrap();
            let mut c = Client::new(p.router());
            let (s, _) = api(
                &mut c,
                Some(&token),
                "GET",
                &format!("/api/v1/parks/{PARK}/requests"),
                None,
            )
            .await;
            p.db().close().await;
            s
        }
    };
    assert_eq!(rt.block_on(call(token.clone())), StatusCode::OK);
    let (code, _, err) = super::run(&["token", "revoke", "--db", &db, "--id", &id]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = super::run(&["token", "revoke", "--db", &db, "--id", &id]);
    assert_eq!(code, 2, "revoked once: {err}");
    assert_eq!(rt.block_on(call(token.clone())), StatusCode::UNAUTHORIZED);
    let (_, out, _) = super::run(&["token", "list", "--db", &db]);
    assert!(out.contains("\trevoked"), "{out}");

    // The audit trail holds each change, by the command line.
    let trail = rt.block_on(async {
        let p = Portal::open(parkbench::portal::PortalConfig {
            db_url: db.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
        let e = p.db().events(None).await.unwrap();
        p.db().close().await;
        e
    });
    let kinds: Vec<&str> = trail.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "account_invited",
            "account_invited",
            "role_changed",
            "token_created",
            "token_revoked"
        ]
    );
    assert!(
        trail
            .iter()
            .all(|e| e.actor.starts_with("command line (") && e.address == "command line")
    );
    assert!(
        trail[2].detail.contains("province:jiangsu") && trail[2].detail.contains("\"nation\""),
        "{}",
        trail[2].detail
    );
    assert!(
        !trail[3].detail.contains(&token[4..]),
        "the token never reaches the trail"
    );
}

/// The OpenAPI document names every route of the API's router with its methods, and nothing
/// the router lacks; the portal serves it as it is committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_is_in_the_openapi_document() {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/parkbench-portal/src/api.rs"
    ))
    .unwrap();
    let start = source.find("fn routes(").unwrap();
    let body = &source[start..start + source[start..].find("\n}\n").unwrap()];
    let mut routed = std::collections::BTreeSet::new();
    for piece in body.split(".route(").skip(1) {
        let path = piece.split('"').nth(1).unwrap().to_string();
        // The methods of this route: up to the next route.
        for method in ["get", "post", "put", "delete", "patch"] {
            if piece.contains(&format!("{method}(")) {
                routed.insert((path.clone(), method.to_string()));
            }
        }
    }
    assert!(routed.len() >= 7, "{routed:?}");
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/crates/parkbench-portal/src/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented = std::collections::BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.insert((path.clone(), method.clone()));
        }
    }
    assert_eq!(routed, documented);
    // Every parameter in a path is declared.
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (_, op) in ops.as_object().unwrap() {
            for seg in path.split('/').filter(|s| s.starts_with('{')) {
                let name = seg.trim_matches(|c| c == '{' || c == '}');
                assert!(
                    op["parameters"].as_array().is_some_and(|ps| ps
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path")),
                    "{path}: {name}"
                );
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let p = Portal::open(parkbench::portal::PortalConfig {
        db_url: sqlite_url(dir.path(), "doc.db"),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut c = Client::new(p.router());
    let r = c.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.body).unwrap(),
        doc
    );
    p.db().close().await;
}

/// A database made before the round's tables (migrations 1 and 2, with a park and a staff
/// account) opens: staff are national, the park's province is filled in from its roster row,
/// and a version stored without totals or events is a draft the API shows with its checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_before_the_rounds_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "old.db");
    sqlx::any::install_default_drivers();
    {
        let pool = sqlx::AnyPool::connect(&format!("{url}?mode=rwc"))
            .await
            .unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/parkbench-portal/migrations/sqlite");
        let mut m = sqlx::migrate::Migrator::new(path).await.unwrap();
        m.migrations = std::borrow::Cow::Owned(
            m.migrations
                .iter()
                .filter(|x| x.version < 3)
                .cloned()
                .collect(),
        );
        assert_eq!(m.migrations.len(), 2);
        m.run(&pool).await.unwrap();
        let (parks, _) = sample_park(PARK);
        sqlx::query("INSERT INTO parks (park_id, name, meta_csv) VALUES ($1, $2, $3)")
            .bind(PARK)
            .bind("海岩零碳智造产业园")
            .bind(String::from_utf8(parks).unwrap())
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO users (email, role, created_at) VALUES ('old@example.org', 'staff', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let p = Portal::open(parkbench::portal::PortalConfig {
        db_url: url.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    let park = p.db().park(PARK).await.unwrap().unwrap();
    assert_eq!(park.province.as_deref(), Some("jiangsu"));
    let old = p
        .db()
        .user_by_email("old@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(parkbench::portal::scope::of(&old).label(), "nation");
    // An upload stored the old way (no totals, no event) is a draft.
    let (_, activity) = sample_park(PARK);
    let stored = p
        .db()
        .insert_submission(&parkbench::portal::db::NewSubmission {
            park_id: PARK,
            year: 2024,
            user_id: old.id,
            valid: true,
            errors: 0,
            warnings: 0,
            problems: "[]",
            omitted: "[]",
            names: "[\"activity.csv\"]",
            files: &[parkbench::portal::db::StoredFile {
                kind: "activity".into(),
                content: std::sync::Arc::new(activity),
            }],
            idem_key: None,
            keep_invalid: 20,
            totals: None,
            event: None,
        })
        .await
        .unwrap();
    assert_eq!(p.db().totals(stored.id).await.unwrap(), None);
    let token = token(&p, "old@example.org").await;
    let mut c = Client::new(p.router());
    let (s, v) = api(
        &mut c,
        Some(&token),
        "GET",
        &format!("/api/v1/parks/{PARK}/submissions/1?year=2024"),
        None,
    )
    .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("draft")),
        "{v}"
    );
    assert!(
        v["checks"]["note"]
            .as_str()
            .unwrap()
            .contains("No accepted submission for 2023"),
        "{v}"
    );
    p.db().close().await;
}

/// The admin page gives staff a scope (and changes it), worded in both languages, each change an
/// event by the admin; a provincial account sees its province only and does not replace the
/// programme's technology catalogue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_give_staff_a_province_on_the_admin_page() {
    let dir = tempfile::tempdir().unwrap();
    let p = portal(&sqlite_url(dir.path(), "admin.db"), 1 << 20).await;
    let mut admin = logged_in(&p, "admin@example.org").await;
    let page = admin.get("/admin?lang=en").await;
    assert!(
        page.body.contains("value=\"province:jiangsu\""),
        "the roster's provinces are offered"
    );
    let t = csrf(&page.body);
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("csrf", &t),
                ("email", "js@drc.example"),
                ("role", "staff"),
                ("scope", "province:jiangsu"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"setup-link\""));
    let users = &r.body[r.body.find("id=\"users\"").unwrap()..];
    assert!(
        users.contains("<td>js@drc.example</td><td>staff</td><td></td><td>province: jiangsu</td>"),
        "{users}"
    );
    let zh = admin.get("/admin?lang=zh").await;
    assert!(
        zh.body
            .contains("<td>js@drc.example</td><td>staff</td><td></td><td>省级: 江苏</td>"),
        "{}",
        zh.body
    );
    // A province the factor tables do not know is refused with its name.
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("csrf", &t),
                ("email", "x@drc.example"),
                ("role", "staff"),
                ("scope", "province:atlantis"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("not a province") && r.body.contains("atlantis"),
        "{}",
        r.body
    );
    // A provincial account looks at the programme.
    p.create_account_scoped(
        "js2@drc.example",
        PASSWORD,
        &NewAccount {
            role: AccountRole::Staff,
            park_id: None,
            scope: Some("province:jiangsu"),
        },
    )
    .await
    .unwrap();
    let mut js = logged_in(&p, "js2@drc.example").await;
    let page = js.get("/programme?lang=zh").await;
    assert!(
        page.body.contains("省级: 江苏") && page.body.contains(PARK) && !page.body.contains(OTHER),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("id=\"tech-form\""),
        "the catalogue form is national"
    );
    let r = js
        .post_files(
            "/programme/technologies",
            &[("csrf", &csrf(&page.body))],
            &[("t.csv", b"id\n".to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // The change back to national staff: the account is logged out, the event says from what.
    let r = admin
        .post_form(
            "/admin/role",
            &[
                ("csrf", &t),
                ("email", "js2@drc.example"),
                ("role", "staff"),
                ("scope", "nation"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        js.get("/programme").await.status,
        StatusCode::SEE_OTHER,
        "logged out"
    );
    let trail = events(&admin.get("/programme/audit.csv").await.body);
    let changed = trail
        .iter()
        .find(|e| e.0 == "role_changed")
        .expect("the change is an event");
    assert_eq!(changed.1, "admin@example.org");
    assert_eq!(changed.4["from"]["scope"], "province:jiangsu");
    assert_eq!(changed.4["to"]["scope"], "nation");
    assert!(trail.iter().any(|e| e.0 == "account_invited"
        && e.1 == "admin@example.org"
        && e.4["scope"] == "province:jiangsu"));
    p.db().close().await;
}

/// Eight acceptances of one submitted version sent at once: exactly one is stored (the others
/// are told the state changed, or that their level may not move it further), and the trail
/// holds one acceptance.
async fn decisions_at_once(db_url: &str) {
    let p = round_portal(db_url).await;
    let op = token(&p, OP).await;
    let js = token(&p, JIANGSU).await;
    let (_, activity) = sample_park(PARK);
    let mut c = Client::new(p.router());
    let (s, v) = send(&mut c, &op, 2024, activity, true).await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::CREATED, Some("submitted")),
        "{v}"
    );
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (app, js) = (p.router(), js.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(app);
            decide(
                &mut c,
                &js,
                2024,
                1,
                serde_json::json!({"decision": "accept"}),
            )
            .await
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        let (s, v) = t.await.unwrap();
        outcomes.push((s, v["error"].as_str().unwrap_or("").to_string()));
    }
    let stored = outcomes
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .count();
    assert_eq!(stored, 1, "{outcomes:?}");
    for (s, e) in &outcomes {
        assert!(
            *s == StatusCode::OK
                || (*s == StatusCode::CONFLICT && e == "refused_changed")
                || (*s == StatusCode::FORBIDDEN && e == "refused_not_allowed"),
            "{outcomes:?}"
        );
    }
    let moves = p.db().moves(PARK, 2024).await.unwrap();
    assert_eq!(
        moves
            .iter()
            .map(|m| m.to_state.as_str())
            .collect::<Vec<_>>(),
        ["submitted", "accepted_province"]
    );
    let trail = p.db().park_events(PARK, None).await.unwrap();
    assert_eq!(
        trail.iter().filter(|e| e.kind == "accept_province").count(),
        1
    );
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_acceptances_at_once_store_one_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    decisions_at_once(&sqlite_url(dir.path(), "race.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: PARKBENCH_TEST_POSTGRES=postgres://USER@HOST/postgres cargo test --test it on_postgres -- --ignored (.ci/run does)"]
async fn eight_acceptances_at_once_store_one_on_postgres() {
    let url = postgres_db().await;
    decisions_at_once(&url).await;
    drop_postgres_db(&url).await;
}
