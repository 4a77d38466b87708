//! The upload portal driven through its HTTP API in-process: accounts, uploads, validation
//! errors, re-upload, scorecard, access control, CSRF and the size limit. The same suite runs
//! on SQLite and on PostgreSQL (`PARKBENCH_TEST_POSTGRES`, which `.ci/run` sets up).

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use parkbench::portal::{AccountRole, Portal, PortalConfig};
use std::collections::BTreeMap;
use tower::ServiceExt;

/// A browser without a browser: keeps cookies, sends forms.
pub struct Client {
    app: Router,
    pub cookies: BTreeMap<String, String>,
    /// Headers sent with every request.
    pub headers: Vec<(String, String)>,
}

pub struct Reply {
    pub status: StatusCode,
    pub location: String,
    pub body: String,
    pub headers: axum::http::HeaderMap,
}

impl Client {
    pub fn new(app: Router) -> Client {
        Client {
            app,
            cookies: BTreeMap::new(),
            headers: Vec::new(),
        }
    }

    async fn send(&mut self, req: axum::http::request::Builder, body: Body) -> Reply {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = req.header(header::COOKIE, cookie);
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let req = req.body(body).unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        for c in resp.headers().get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Strict"),
                "{c}"
            );
            let (kv, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let location = headers
            .get(header::LOCATION)
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            headers,
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Request::get(path), Body::empty()).await
    }

    /// Sends a request as built, with the client's cookies.
    pub async fn request(&mut self, req: axum::http::request::Builder, body: Body) -> Reply {
        self.send(req, body).await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    pub async fn post_files(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, Vec<u8>)],
    ) -> Reply {
        let boundary = "----parkbench-test-boundary";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post(path).header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ),
            Body::from(body),
        )
        .await
    }

    /// Logs in through the login form (its CSRF cookie and field included).
    pub async fn login(&mut self, email: &str, password: &str) -> Reply {
        let page = self.get("/login").await;
        let token = csrf(&page.body);
        self.post_form(
            "/login",
            &[("email", email), ("password", password), ("csrf", &token)],
        )
        .await
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSRF token of the first form on a page.
pub fn csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF field")
        + 19;
    html[at..].split('"').next().unwrap().to_string()
}

/// A park's rows of the sample data: its parks.csv row and its activity.
pub fn sample_park(park: &str) -> (Vec<u8>, Vec<u8>) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let pick = |file: &str| {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let mut lines = text.lines();
        let mut out = format!("{}\n", lines.next().unwrap());
        for l in lines.filter(|l| l.starts_with(&format!("{park},"))) {
            out.push_str(l);
            out.push('\n');
        }
        out.into_bytes()
    };
    (pick("parks.csv"), pick("activity.csv"))
}

/// A park's sample activity, and its lines with line 4's value made `12x4` (an error at
/// line 4, column 4).
pub fn broken_sample(park: &str) -> (Vec<u8>, Vec<String>) {
    let (_, activity) = sample_park(park);
    let text = String::from_utf8(activity.clone()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<&str> = lines[3].split(',').collect();
    cells[3] = "12x4";
    lines[3] = cells.join(",");
    (activity, lines)
}

/// A workbook with these sheets, each filled from CSV text (every cell as text, as operators'
/// workbooks often hold numbers).
pub fn workbook(sheets: &[(&str, &[u8])]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, csv_text) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(*csv_text);
        for (row, rec) in r.records().enumerate() {
            for (col, cell) in rec.unwrap().iter().enumerate() {
                if !cell.is_empty() {
                    ws.write_string(row as u32, col as u16, cell).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The URL of an SQLite database file `name` in `dir`.
pub fn sqlite_url(dir: &std::path::Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

pub const PASSWORD: &str = "a long enough password";

/// A portal on a fresh database with the sample roster, an admin, staff and two operators.
pub async fn portal(db_url: &str, limit: usize) -> Portal {
    portal_with(PortalConfig {
        db_url: db_url.to_string(),
        benchmarks: vec!["cn-zero-carbon-park-2025".into(), "cn-hj274-2015".into()],
        upload_limit: limit,
        ..PortalConfig::default()
    })
    .await
}

/// [`portal`] with a configuration of one's own.
pub async fn portal_with(cfg: PortalConfig) -> Portal {
    let p = Portal::open(cfg).await.expect("portal opens");
    let roster = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/parks.csv");
    assert_eq!(p.import_roster(&roster).await.unwrap(), 12);
    p.create_account("admin@example.org", PASSWORD, AccountRole::Admin, None)
        .await
        .unwrap();
    p.create_account("staff@example.org", PASSWORD, AccountRole::Staff, None)
        .await
        .unwrap();
    p.create_account(
        "op@haiyan.example",
        PASSWORD,
        AccountRole::Operator,
        Some("js-haiyan-zerocarbon"),
    )
    .await
    .unwrap();
    p.create_account(
        "op@yanshan.example",
        PASSWORD,
        AccountRole::Operator,
        Some("hb-yanshan-steel"),
    )
    .await
    .unwrap();
    p
}

const PARK: &str = "js-haiyan-zerocarbon";

/// The operator of [`PARK`], logged in, and the CSRF token of their park page.
async fn operator(app: &axum::Router) -> (Client, String) {
    let mut op = Client::new(app.clone());
    let r = op.login("op@haiyan.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = op.get(&format!("/park/{PARK}?lang=en")).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = csrf(&page.body);
    (op, token)
}

/// Strangers are sent to the login form; a wrong password is refused, the right one (any case of the email) opens the park page.
async fn logins(db_url: &str) {
    let p = portal(db_url, 1 << 20).await;
    let app = p.router();

    // Not logged in: every page sends to the login form.
    let mut anon = Client::new(app.clone());
    let r = anon.get(&format!("/park/{PARK}")).await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (StatusCode::SEE_OTHER, "/login?lang=en")
    );

    // A wrong password, then the right one.
    let mut op = Client::new(app.clone());
    let r = op.login("op@haiyan.example", "wrong password!").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Wrong email or password"), "{}", r.body);
    let r = op.login("OP@haiyan.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = op.get(&r.location).await;
    assert_eq!(r.location, format!("/park/{PARK}?lang=en"));
    let page = op.get(&r.location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("海岩零碳智造产业园") && page.body.contains("upload-form"));
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    assert!(
        !csrf(&page.body).is_empty(),
        "the park page carries a CSRF token"
    );
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    logins(&sqlite_url(dir.path(), "portal.db")).await;
}
/// A bad upload is kept with every problem located and escaped (in both languages); the fixed file counts, with its scorecard, every offered set, downloads and history.
async fn uploads_are_kept_with_their_problems_and_the_fixed_one_counts(db_url: &str) {
    let p = portal(db_url, 1 << 20).await;
    let app = p.router();
    let (mut op, token) = operator(&app).await;
    // A bad upload: a value that is not a number, and a formula-injection note. Kept as v1,
    // with every problem by file, line and column, escaped.
    let (activity, mut lines) = broken_sample(PARK);
    lines.push(format!(
        "{PARK},2024,water_industrial_total,<b>bad</b>,m3,,,=cmd|' /C calc'!A0"
    ));
    let bad = format!("{}\n", lines.join("\n")).into_bytes();
    let upload = format!("/park/{PARK}/upload");
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[("能耗数据 2024.csv", bad)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, format!("/park/{PARK}/2024/1?lang=en"));
    let v1 = op.get(&r.location).await;
    assert_eq!(v1.status, StatusCode::OK);
    assert!(v1.body.contains("has errors"), "{}", v1.body);
    assert!(v1.body.contains("能耗数据 2024.csv:4:4"), "{}", v1.body);
    assert!(v1.body.contains("12x4"));
    // The Chinese page words the stored problems in Chinese.
    let v1_zh = op.get(&format!("/park/{PARK}/2024/1?lang=zh")).await;
    assert!(
        v1_zh.body.contains("数值不是数字（指标") && !v1_zh.body.contains("value is not a number"),
        "{}",
        v1_zh.body
    );
    assert!(
        v1.body.contains("&lt;b&gt;bad") && !v1.body.contains("<b>bad</b>"),
        "{}",
        v1.body
    );
    let r = op.get(&format!("/park/{PARK}?year=2024")).await;
    assert!(r.body.contains("No valid submission"), "{}", r.body);

    // The fixed file: v2 is valid and counts; the scorecard and downloads appear.
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[("能耗数据 2024.csv", activity.clone())],
        )
        .await;
    assert_eq!(r.location, format!("/park/{PARK}/2024/2?lang=en"));
    let v2 = op.get(&r.location).await;
    assert!(
        v2.body.contains("no-problems") || v2.body.contains("warning"),
        "{}",
        v2.body
    );
    assert!(v2.body.contains(">valid<"), "{}", v2.body);
    let page = op.get(&format!("/park/{PARK}?year=2024")).await;
    assert!(page.body.contains("id=\"scorecard\""), "{}", page.body);
    assert!(page.body.contains("<svg"));
    assert!(page.body.contains("v2") && page.body.contains("counts"));
    // The park's energy and CO2 by evidence grade, worded.
    let facts = &page.body[page
        .body
        .find("id=\"park-facts\"")
        .expect("the park's facts")..];
    assert!(
        facts.contains("Energy by evidence grade") && facts.contains("CO2 by evidence grade"),
        "{facts}"
    );
    // The pathway for the chosen set: its summary, and the report's section behind the link.
    let summary = &page.body[page
        .body
        .find("id=\"pathway-summary\"")
        .expect("the pathway summary")..];
    assert!(
        summary.contains("Today:") && summary.contains("After the plan"),
        "{summary}"
    );
    assert!(summary.contains("#pathway\""), "{summary}");
    // Every offered set at a glance.
    let sets = &page.body[page.body.find("id=\"all-sets\"").expect("the sets table")..];
    assert!(
        sets.contains("benchmark=cn-hj274-2015")
            && sets.contains("benchmark=cn-zero-carbon-park-2025")
    );
    let html = op
        .get(&format!(
            "/park/{PARK}/report.html?year=2024&benchmark=cn-zero-carbon-park-2025"
        ))
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("<html") && html.body.contains("海岩零碳智造产业园"));
    assert!(
        html.body.contains("id=\"pathway\""),
        "the report's pathway section"
    );
    let csv = op.get(&format!("/park/{PARK}/scores.csv?year=2024")).await;
    assert!(
        csv.body.starts_with("park_id,year,benchmark,rule"),
        "{}",
        csv.body
    );
    assert!(
        csv.body
            .contains(&format!("{PARK},2024,cn-zero-carbon-park-2025,overall"))
    );
    let md = op.get(&format!("/park/{PARK}/report.md?year=2024")).await;
    assert!(md.headers.get(header::CONTENT_DISPOSITION).is_some());
    // The park's PDF report, linked from its page.
    assert!(page.body.contains("id=\"report-pdf\""));
    let pdf = op.get(&format!("/park/{PARK}/report.pdf?year=2024")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(
        pdf.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .ends_with(".pdf\""),
        "{:?}",
        pdf.headers
    );
    assert!(pdf.body.starts_with("%PDF-"));
    // History keeps both versions.
    assert!(page.body.contains("v1") && page.body.contains("has errors"));

    // In Chinese, by query or by the browser's language.
    let zh = op.get(&format!("/park/{PARK}?year=2024&lang=zh")).await;
    assert!(zh.body.contains("提交记录") && zh.body.contains("lang=\"zh\""));
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_kept_with_their_problems_and_the_fixed_one_counts_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    uploads_are_kept_with_their_problems_and_the_fixed_one_counts(&sqlite_url(
        dir.path(),
        "portal.db",
    ))
    .await;
}
/// Another park's pages, uploads and downloads are not found; another park's data in one's own upload is an error.
async fn operators_reach_only_their_own_park(db_url: &str) {
    let p = portal(db_url, 1 << 20).await;
    let app = p.router();
    let (mut op, token) = operator(&app).await;
    let upload = format!("/park/{PARK}/upload");
    // Access control: another park's pages, uploads and downloads are not found.
    for path in [
        "/park/hb-yanshan-steel".to_string(),
        "/park/hb-yanshan-steel/2024/1".to_string(),
        "/park/hb-yanshan-steel/scores.csv?year=2024".to_string(),
        "/park/no-such-park".to_string(),
        "/programme".to_string(),
        "/programme/scores.csv".to_string(),
        "/admin".to_string(),
    ] {
        assert_eq!(op.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, other) = sample_park("hb-yanshan-steel");
    let r = op
        .post_files(
            "/park/hb-yanshan-steel/upload",
            &[("csrf", &token), ("year", "2024")],
            &[("a.csv", other.clone())],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Another park's data in one's own upload is an error, not a submission for that park.
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[("a.csv", other)],
        )
        .await;
    let v3 = op.get(&r.location).await;
    assert!(v3.body.contains("activity for another park"), "{}", v3.body);
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_reach_only_their_own_park_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    operators_reach_only_their_own_park(&sqlite_url(dir.path(), "portal.db")).await;
}
/// CSRF, the size limit and content sniffing: forged and oversized requests store nothing; files are recognised by content, workbooks by their cells.
async fn forged_oversized_and_disguised_uploads_are_refused(db_url: &str) {
    let p = portal(db_url, 1 << 20).await;
    let app = p.router();
    let (mut op, token) = operator(&app).await;
    let upload = format!("/park/{PARK}/upload");
    let (activity, _) = broken_sample(PARK);
    // CSRF: a missing or wrong token is refused and nothing is stored.
    let before = p.db().submissions(PARK).await.unwrap().len();
    let r = op
        .post_files(
            &upload,
            &[("csrf", "forged"), ("year", "2024")],
            &[("a.csv", activity.clone())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = op
        .post_files(&upload, &[("year", "2024")], &[("a.csv", activity.clone())])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = op.post_form("/logout", &[("csrf", "forged")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut stranger = Client::new(app.clone());
    let r = stranger
        .post_form(
            "/login",
            &[
                ("email", "op@haiyan.example"),
                ("password", PASSWORD),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(p.db().submissions(PARK).await.unwrap().len(), before);

    // Size limit (1 MB here): a clear message, nothing stored.
    let big = vec![b'a'; (1 << 20) + 10];
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[("big.csv", big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.body.contains("larger than the limit of 1 MB"),
        "{}",
        r.body
    );
    assert_eq!(p.db().submissions(PARK).await.unwrap().len(), before);

    // Content, not name: a PDF called .csv and a text file called .xlsx.
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[("data.csv", b"%PDF-1.7\n...".to_vec())],
        )
        .await;
    let v = op.get(&r.location).await;
    assert!(v.body.contains("this is a PDF document"), "{}", v.body);
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[("../../etc/passwd.xlsx", activity.clone())],
        )
        .await;
    let v = op.get(&r.location).await;
    assert!(
        v.body.contains(">valid<"),
        "a CSV named .xlsx is read as CSV: {}",
        v.body
    );
    assert!(v.body.contains("passwd.xlsx") && !v.body.contains("../../etc"));

    // A workbook, named .csv: read as a workbook; without a parks sheet the roster row is used,
    // and a bad cell is named as Excel names it.
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[("haiyan.csv", workbook(&[("activity", &activity)]))],
        )
        .await;
    let v = op.get(&r.location).await;
    assert!(v.body.contains(">valid<"), "{}", v.body);
    let (_, broken) = broken_sample(PARK);
    let broken = format!("{}\n", broken.join("\n")).into_bytes();
    let (parks_row, _) = sample_park(PARK);
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[(
                "海岩.xlsx",
                workbook(&[("园区", &parks_row), ("活动数据", &broken)]),
            )],
        )
        .await;
    let v = op.get(&r.location).await;
    assert!(v.body.contains("海岩.xlsx!活动数据!D4"), "{}", v.body);
    // A ZIP that is no workbook.
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[("book.xlsx", b"PK\x03\x04 not really a zip".to_vec())],
        )
        .await;
    let v = op.get(&r.location).await;
    assert!(v.body.contains("cannot read the workbook"), "{}", v.body);
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_oversized_and_disguised_uploads_are_refused_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    forged_oversized_and_disguised_uploads_are_refused(&sqlite_url(dir.path(), "portal.db")).await;
}
/// An admin submits for any park; staff see the programme and its report; an invitation link works once; logging out ends the session.
async fn staff_see_the_programme_and_admins_invite(db_url: &str) {
    let p = portal(db_url, 1 << 20).await;
    let app = p.router();
    let (mut op, token) = operator(&app).await;
    let upload = format!("/park/{PARK}/upload");
    let (activity, _) = broken_sample(PARK);
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[("能耗数据 2024.csv", activity.clone())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // An admin may submit for any park.
    let mut admin = Client::new(app.clone());
    admin.login("admin@example.org", PASSWORD).await;
    let page = admin.get("/park/gd-nanling-bio").await;
    let (_, nanling) = sample_park("gd-nanling-bio");
    let r = admin
        .post_files(
            "/park/gd-nanling-bio/upload",
            &[("csrf", &csrf(&page.body)), ("year", "2024")],
            &[("nanling.csv", nanling)],
        )
        .await;
    assert_eq!(r.location, "/park/gd-nanling-bio/2024/1?lang=en");

    // Staff: the programme with the park in the ranking and the others not submitted.
    let mut staff = Client::new(app.clone());
    staff.login("staff@example.org", PASSWORD).await;
    let prog = staff.get("/programme?year=2024").await;
    assert_eq!(prog.status, StatusCode::OK, "{}", prog.body);
    let ranking = &prog.body[prog.body.find("id=\"ranking\"").unwrap()..];
    assert!(ranking.contains(PARK), "{ranking}");
    let missing = &prog.body[prog.body.find("id=\"missing\"").unwrap()..];
    assert!(missing.contains("hb-yanshan-steel"));
    let all = staff.get("/programme/scores.csv?year=2024").await;
    assert!(all.body.contains(&format!("{PARK},2024")));
    let index = staff.get("/programme/report/index.html?year=2024").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.body.contains(&format!("parks/{PARK}.html")));
    let park_page = staff
        .get(&format!("/programme/report/parks/{PARK}.html?year=2024"))
        .await;
    assert_eq!(park_page.status, StatusCode::OK);
    let r = staff
        .get("/programme/report/../../Cargo.toml?year=2024")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        staff.get(&format!("/park/{PARK}?year=2024")).await.status,
        StatusCode::OK
    );
    assert_eq!(staff.get("/admin").await.status, StatusCode::NOT_FOUND);

    // Technologies: staff upload a catalogue; a bad one is refused with every problem located,
    // the good one is used; an operator cannot upload one and sees its own park's needs only.
    assert!(prog.body.contains("id=\"catalogue\""), "{}", prog.body);
    let t = csrf(&prog.body);
    let bad = std::fs::read(crate::data("match/bad-technologies.csv")).unwrap();
    let r = staff
        .post_files(
            "/programme/technologies",
            &[("csrf", &t)],
            &[("bad-technologies.csv", bad)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("bad-technologies.csv:3:7: technology readiness level is not 1 to 9"),
        "{}",
        r.body
    );
    let sample = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/technologies.csv"),
    )
    .unwrap();
    let r = op
        .post_files(
            "/programme/technologies",
            &[("csrf", &token)],
            &[("technologies.csv", sample.clone())],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "operators cannot upload a catalogue"
    );
    let r = staff
        .post_files(
            "/programme/technologies",
            &[("csrf", &t)],
            &[("technologies.csv", sample)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let prog = staff.get("/programme?year=2024").await;
    let tech = &prog.body[prog.body.find("id=\"catalogue\"").unwrap()..];
    assert!(
        tech.contains("technologies.csv") && tech.contains("staff@example.org"),
        "{tech}"
    );
    assert!(prog.body.contains("id=\"tech-by\""), "{}", prog.body);
    // The park page (an admin's view of the park with a valid submission) lists that park's
    // needs and technologies only; operators reach only their own park's page (tested above).
    let page = admin.get("/park/gd-nanling-bio?year=2024").await;
    let techs = &page.body[page
        .body
        .find("id=\"park-technologies\"")
        .expect("the park page lists technologies for the park's needs")..];
    let techs = &techs[..techs.find("</div>\n").unwrap_or(techs.len())];
    assert!(
        techs.contains("(fictional)") && techs.contains("南岭"),
        "{techs}"
    );
    assert!(!techs.contains("海岩"), "no other park's needs: {techs}");

    // Admin: invite an operator; the link works once.
    let page = admin.get("/admin").await;
    let t = csrf(&page.body);
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("csrf", &t),
                ("email", "new@park.example"),
                ("role", "operator"),
                ("park_id", "gd-nanling-bio"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.body.replace("&#x2f;", "/");
    let at = body.find("/setup/").unwrap();
    let link = body[at..].split('<').next().unwrap().to_string();
    let mut newbie = Client::new(app.clone());
    let form = newbie.get(&link).await;
    assert!(form.body.contains("new@park.example"));
    let ft = csrf(&form.body);
    let r = newbie
        .post_form(&link, &[("csrf", &ft), ("password", "short")])
        .await;
    assert!(r.body.contains("at least 12 characters"));
    let ft = csrf(&r.body);
    let r = newbie
        .post_form(&link, &[("csrf", &ft), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        newbie.get(&link).await.status,
        StatusCode::NOT_FOUND,
        "a setup link works once"
    );
    let r = newbie.login("new@park.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Logging out ends the session.
    let page = op.get(&format!("/park/{PARK}")).await;
    let r = op
        .post_form("/logout", &[("csrf", &csrf(&page.body))])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        op.get(&format!("/park/{PARK}")).await.status,
        StatusCode::SEE_OTHER
    );
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_the_programme_and_admins_invite_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    staff_see_the_programme_and_admins_invite(&sqlite_url(dir.path(), "portal.db")).await;
}

/// A fresh database on the PostgreSQL server named by `PARKBENCH_TEST_POSTGRES`
/// (postgres://user@host/postgres); None when it is not set outside CI.
/// A fresh database on the PostgreSQL server of `PARKBENCH_TEST_POSTGRES`. The tests that use
/// it are `#[ignore]`d and run only when asked (`-- --ignored`), so a missing server fails
/// them: they never pass without running.
pub async fn postgres_db() -> String {
    let admin_url = std::env::var("PARKBENCH_TEST_POSTGRES").expect(
        "PARKBENCH_TEST_POSTGRES=postgres://USER@HOST/postgres names the server for this test \
         (.ci/run starts one)",
    );
    use sqlx::Connection;
    let name = format!(
        "pb_test_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let mut c = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
}

/// Drops a database made by [`postgres_db`] (its pool closed).
pub async fn drop_postgres_db(url: &str) {
    use sqlx::Connection;
    let admin_url = std::env::var("PARKBENCH_TEST_POSTGRES").unwrap();
    let name = url.rsplit('/').next().unwrap();
    let mut c = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut c)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: PARKBENCH_TEST_POSTGRES=postgres://USER@HOST/postgres cargo test --test it on_postgres -- --ignored (.ci/run does)"]
async fn portal_on_postgres() {
    let url = postgres_db().await;
    logins(&url).await;
    drop_postgres_db(&url).await;
    let url = postgres_db().await;
    uploads_are_kept_with_their_problems_and_the_fixed_one_counts(&url).await;
    drop_postgres_db(&url).await;
    let url = postgres_db().await;
    operators_reach_only_their_own_park(&url).await;
    drop_postgres_db(&url).await;
    let url = postgres_db().await;
    forged_oversized_and_disguised_uploads_are_refused(&url).await;
    drop_postgres_db(&url).await;
    let url = postgres_db().await;
    staff_see_the_programme_and_admins_invite(&url).await;
    drop_postgres_db(&url).await;
}

/// Fifty operators upload at once (twice each): every submission stored once, versions 1 and 2
/// per park, none lost, none duplicated.
async fn concurrent_uploads(db_url: &str) {
    use super::synth::generator;
    use parkbench::portal::auth;
    let dir = tempfile::tempdir().unwrap();
    let cfg = generator::Config {
        parks: 50,
        years: 1,
        first_year: 2024,
        monthly: true,
        ..generator::Config::default()
    };
    generator::generate(&cfg, dir.path()).unwrap();
    let p = Portal::open(PortalConfig {
        db_url: db_url.to_string(),
        benchmarks: vec!["cn-zero-carbon-park-2025".into()],
        ..PortalConfig::default()
    })
    .await
    .unwrap();
    assert_eq!(
        p.import_roster(&dir.path().join("parks.csv"))
            .await
            .unwrap(),
        50
    );
    let text = std::fs::read_to_string(dir.path().join("activity.csv")).unwrap();
    let header = text.lines().next().unwrap();
    let mut tasks = Vec::new();
    for (i, park) in p.db().parks().await.unwrap().into_iter().enumerate() {
        // Sessions made directly: this is about uploads racing, not about logging in.
        let email = format!("op{i}@example.org");
        let _ = p
            .invite(&email, AccountRole::Operator, Some(&park.park_id))
            .await
            .unwrap();
        let user = p.db().user_by_email(&email).await.unwrap().unwrap();
        let (token, csrf) = (auth::token(), auth::token());
        p.db()
            .create_session(&auth::token_hash(&token), user.id, &csrf, 3600)
            .await
            .unwrap();
        let mut file = format!("{header}\n");
        for l in text
            .lines()
            .filter(|l| l.starts_with(&format!("{},", park.park_id)))
        {
            file.push_str(l);
            file.push('\n');
        }
        let mut c = Client::new(p.router());
        c.cookies.insert(auth::SESSION_COOKIE.into(), token);
        tasks.push(tokio::spawn(async move {
            let mut versions = Vec::new();
            for _ in 0..2 {
                let r = c
                    .post_files(
                        &format!("/park/{}/upload", park.park_id),
                        &[("csrf", &csrf), ("year", "2024")],
                        &[("activity.csv", file.clone().into_bytes())],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
                versions.push(r.location);
            }
            versions
        }));
    }
    for t in tasks {
        let locations = t.await.unwrap();
        assert!(
            locations[0].ends_with("/2024/1?lang=en") && locations[1].ends_with("/2024/2?lang=en"),
            "{locations:?}"
        );
    }
    let subs = p.db().submissions_in(2024).await.unwrap();
    assert_eq!(subs.len(), 100);
    assert!(
        subs.iter().all(|s| s.valid),
        "the generated files are valid"
    );
    let mut seen = std::collections::BTreeSet::new();
    for s in &subs {
        assert!(
            seen.insert((s.park_id.clone(), s.version)),
            "{} v{} twice",
            s.park_id,
            s.version
        );
    }
    assert_eq!(p.db().counting(2024).await.unwrap().len(), 50);
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_operators_upload_at_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_uploads(&sqlite_url(dir.path(), "race.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: PARKBENCH_TEST_POSTGRES=postgres://USER@HOST/postgres cargo test --test it on_postgres -- --ignored (.ci/run does)"]
async fn fifty_operators_upload_at_once_on_postgres() {
    let url = postgres_db().await;
    concurrent_uploads(&url).await;
    drop_postgres_db(&url).await;
}

#[test]
fn serve_sets_up_a_programme_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path(), "cli.db");
    let (code, out, err) = super::run(&[
        "serve",
        "--db",
        &db,
        "--roster",
        "sample-data/parks.csv",
        "--init-admin",
        "Admin@Example.org",
        "--no-serve",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "admin Admin@Example.org: set the password at http://127.0.0.1:8080/setup/"
        ),
        "{out}"
    );
    assert!(dir.path().join("cli.db").exists());
    // The sample programme's data as last year's submissions.
    let (code, _, err) = super::run(&[
        "serve",
        "--db",
        &db,
        "--import",
        "sample-data",
        "--year",
        "2024",
        "--no-serve",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("imported 12 parks for 2024 from sample-data: 12 valid, 0 with errors"),
        "{err}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let p = Portal::open(PortalConfig {
            db_url: db.clone(),
            ..PortalConfig::default()
        })
        .await
        .unwrap();
        let counting = p.db().counting(2024).await.unwrap();
        assert_eq!(counting.len(), 12);
        assert!(
            counting
                .iter()
                .all(|s| s.user_email == "import@parkbench.local" && s.version == 1)
        );
        p.db().close().await;
    });
    let (code, _, err) = super::run(&[
        "serve",
        "--db",
        &db,
        "--import",
        "sample-data",
        "--no-serve",
    ]);
    assert_eq!(code, 2, "--import needs --year: {err}");
    let (code, _, err) = super::run(&["serve", "--db", "mysql://x/y", "--no-serve"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected sqlite://FILE or postgres://"),
        "{err}"
    );
    let (code, _, err) = super::run(&[
        "serve",
        "--db",
        &db,
        "--roster",
        "tests/data/bad/parks_traversal_id.csv",
        "--no-serve",
    ]);
    assert_eq!(code, 2, "{err}");
}

/// A park that reports by enterprise: the operator's upload holds the enterprises table and the
/// firms' rows beside the park's own; staff see on the park page who makes the total.
async fn staff_see_who_makes_a_park_s_total(db_url: &str) {
    let p = portal(db_url, 1 << 20).await;
    let app = p.router();
    let park = "zj-xinghu-micro";
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let (_, activity) = sample_park(park);
    let firms = std::fs::read(root.join("enterprises.csv")).unwrap();
    let by_firm = std::fs::read(root.join("activity_enterprises.csv")).unwrap();
    let mut admin = Client::new(app.clone());
    admin.login("admin@example.org", PASSWORD).await;
    let page = admin.get(&format!("/park/{park}")).await;
    let r = admin
        .post_files(
            &format!("/park/{park}/upload"),
            &[("csrf", &csrf(&page.body)), ("year", "2024")],
            &[
                ("企业名单.csv", firms),
                ("activity.csv", activity),
                ("activity_enterprises.csv", by_firm),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sub = admin.get(&r.location).await;
    assert!(sub.body.contains(">valid<"), "{}", sub.body);
    let mut staff = Client::new(app.clone());
    staff.login("staff@example.org", PASSWORD).await;
    let page = staff.get(&format!("/park/{park}?year=2024&lang=en")).await;
    assert_eq!(page.status, StatusCode::OK);
    let table = &page.body[page
        .body
        .find("id=\"park-enterprises\"")
        .unwrap_or_else(|| panic!("no enterprise table in {}", page.body))..];
    let table = &table[..table.find("</table>").unwrap()];
    for want in [
        "星湖晶圆制造有限公司（虚构） (91330400MA2B00001P)",
        "星湖光掩模有限公司（虚构；2024年1月入园）",
        "The park&#x27;s own rows (shared utilities)",
    ] {
        assert!(table.contains(want), "missing {want:?} in {table}");
    }
    // The firm that moved out after 2022 is not in 2024's table.
    assert!(!table.contains("91330400MA2B000041"), "{table}");
    let zh = staff.get(&format!("/park/{park}?year=2024&lang=zh")).await;
    assert!(zh.body.contains("边界内企业：总量由谁构成"), "{}", zh.body);
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_who_makes_a_park_s_total_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    staff_see_who_makes_a_park_s_total(&sqlite_url(dir.path(), "portal.db")).await;
}

/// The portal's reports say whom they are for and who prepared them (`serve --client
/// --preparer`), and are issued the day they are made; a portal started without them says
/// "not given" and invents nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_s_reports_are_identified_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let park = "zj-xinghu-micro";
    let (_, activity) = sample_park(park);
    for (name, issue) in [
        (
            "named.db",
            parkbench::identification::Issue {
                client: Some("示例省发展改革委（虚构）".into()),
                preparer: Some("Example programme office (fictional)".into()),
                issue_date: None,
            },
        ),
        ("unnamed.db", Default::default()),
    ] {
        let p = portal_with(PortalConfig {
            db_url: sqlite_url(dir.path(), name),
            benchmarks: vec!["cn-zero-carbon-park-2025".into()],
            report_issue: issue.clone(),
            ..PortalConfig::default()
        })
        .await;
        let mut admin = Client::new(p.router());
        admin.login("admin@example.org", PASSWORD).await;
        let page = admin.get(&format!("/park/{park}")).await;
        let r = admin
            .post_files(
                &format!("/park/{park}/upload"),
                &[("csrf", &csrf(&page.body)), ("year", "2024")],
                &[("activity.csv", activity.clone())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let html = admin
            .get(&format!(
                "/park/{park}/report.html?year=2024&benchmark=cn-zero-carbon-park-2025&lang=en"
            ))
            .await;
        assert_eq!(html.status, StatusCode::OK);
        let ident = &html.body[html.body.find("class=\"ident\"").expect("an ident block")..];
        let ident = &ident[..ident.find("</table>").unwrap()];
        let today = chrono::Utc::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
        assert!(ident.contains(&today), "{ident}");
        match (&issue.client, &issue.preparer) {
            (Some(client), Some(preparer)) => {
                assert!(ident.contains(client.as_str()), "{ident}");
                assert!(ident.contains(preparer.as_str()), "{ident}");
            }
            _ => assert_eq!(ident.matches("not given").count(), 2, "{ident}"),
        }
        p.db().close().await;
    }
}
