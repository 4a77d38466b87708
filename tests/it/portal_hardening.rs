//! Issue 14: the portal under a hostile or careless operator. Each test proves one finding
//! fixed: problems stored bounded, uploads stored once and only when committed, a full disk and
//! a read-only database, login throttling and the signed login token, accounts and passwords,
//! log lines, file names, timeouts over loopback, upload slots, retention, and error pages.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use parkbench::portal::{AccountRole, Portal, PortalConfig, auth};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::portal::{
    Client, PASSWORD, Reply, csrf, portal, portal_with, postgres_db, sample_park, sqlite_url,
};

const PARK: &str = "js-haiyan-zerocarbon";

/// The value of a hidden form field.
fn field(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("a field {name} in {html}"))
        + name.len()
        + 15;
    html[at..].split('"').next().unwrap().to_string()
}

fn config(db_url: &str) -> PortalConfig {
    PortalConfig {
        db_url: db_url.to_string(),
        benchmarks: vec!["cn-zero-carbon-park-2025".into()],
        ..PortalConfig::default()
    }
}

/// The operator of PARK, logged in, and the park page's CSRF token and form key.
async fn operator(p: &Portal) -> (Client, String, String) {
    let mut op = Client::new(p.router());
    let r = op.login("op@haiyan.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = op.get(&format!("/park/{PARK}")).await;
    (op, csrf(&page.body), field(&page.body, "idem"))
}

/// Every error page: the portal's own, with the security headers.
fn assert_portal_page(r: &Reply) {
    assert!(
        r.body.contains("<html") && r.body.contains("id=\"message\""),
        "{}",
        r.body
    );
    for (h, v) in [
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
    ] {
        assert_eq!(
            r.headers.get(h).map(|x| x.to_str().unwrap()),
            Some(v),
            "{h}"
        );
    }
    assert!(
        r.headers
            .get(header::CONTENT_SECURITY_POLICY)
            .is_some_and(|v| v.to_str().unwrap().contains("default-src 'none'"))
    );
}

// ---- 1. problems stored bounded, list pages small

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_thousand_problems_are_stored_bounded_and_pages_stay_small() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sqlite_url(dir.path(), "many.db"));
    cfg.upload_limit = 64 << 20;
    // Fewer problems per page than are kept of one kind, so the page has a next one.
    cfg.limits.problems_per_page = 40;
    let p = portal_with(cfg).await;
    let l = p.config().limits;
    let (mut op, token, idem) = operator(&p).await;
    // The park's valid rows, then 200,000 rows whose value is not a number.
    let (_, activity) = sample_park(PARK);
    let mut text = String::from_utf8(activity).unwrap();
    let row = text.lines().nth(1).unwrap().to_string();
    let cells: Vec<&str> = row.split(',').collect();
    for i in 0..200_000 {
        let mut c = cells.clone();
        let bad = format!("x{i}");
        c[3] = &bad;
        text.push_str(&c.join(","));
        text.push('\n');
    }
    let r = op
        .post_files(
            &format!("/park/{PARK}/upload"),
            &[("csrf", &token), ("year", "2024"), ("idem", &idem)],
            &[("many.csv", text.into_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let subs = p.db().submissions(PARK).await.unwrap();
    let sub = &subs[0];
    assert!(sub.errors >= 200_000, "{} errors", sub.errors);
    let (kept, omitted) = p.db().problems(sub.id).await.unwrap();
    eprintln!(
        "stored problems: {} + {} bytes of JSON",
        kept.len(),
        omitted.len()
    );
    assert!(
        kept.len() <= l.problems_bytes,
        "stored problems: {} bytes",
        kept.len()
    );
    let kept: Vec<serde_json::Value> = serde_json::from_str(&kept).unwrap();
    let omitted: Vec<serde_json::Value> = serde_json::from_str(&omitted).unwrap();
    assert!(kept.len() <= l.problems_stored && !kept.is_empty());
    let counted: u64 = omitted.iter().map(|o| o["count"].as_u64().unwrap()).sum();
    assert_eq!(
        kept.len() as u64 + counted,
        (sub.errors + sub.warnings) as u64,
        "every problem is either kept or counted"
    );
    eprintln!(
        "{} problems: {} kept, {counted} counted in {} kinds",
        sub.errors + sub.warnings,
        kept.len(),
        omitted.len()
    );

    // The submission's page: one page of problems, a link to the next, the counted kinds.
    let page = op.get(&r.location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.len() < 1 << 20, "{} bytes", page.body.len());
    assert!(page.body.contains("id=\"next-page\"") && page.body.contains("id=\"omitted\""));
    assert!(page.body.contains("value is not a number"));
    let rows = page.body.matches("<tr class=\"error\"").count();
    assert_eq!(rows, l.problems_per_page.min(kept.len()));
    let last = op.get(&format!("/park/{PARK}/2024/1?page=999999")).await;
    assert_eq!(last.status, StatusCode::OK);
    assert!(last.body.contains("id=\"prev-page\"") && !last.body.contains("id=\"next-page\""));

    // The lists never load problems: the park page and the programme page stay small.
    let park = op.get(&format!("/park/{PARK}?year=2024")).await;
    assert!(
        park.body.len() < 100_000,
        "park page {} bytes",
        park.body.len()
    );
    let mut staff = Client::new(p.router());
    staff.login("staff@example.org", PASSWORD).await;
    let prog = staff.get("/programme?year=2024").await;
    assert_eq!(prog.status, StatusCode::OK);
    assert!(
        prog.body.len() < 200_000,
        "programme page {} bytes",
        prog.body.len()
    );
    eprintln!(
        "pages: submission {} bytes, park {} bytes, programme {} bytes",
        page.body.len(),
        park.body.len(),
        prog.body.len()
    );
    p.db().close().await;
}

// ---- 2. stored once, only when committed; read-only and full storage

async fn uploads_are_idempotent(db_url: &str) {
    let p = portal(db_url, 1 << 20).await;
    let (mut op, token, idem) = operator(&p).await;
    let (_, activity) = sample_park(PARK);
    let upload = format!("/park/{PARK}/upload");
    async fn send(op: &mut Client, upload: &str, token: &str, idem: &str, file: &[u8]) -> Reply {
        op.post_files(
            upload,
            &[("csrf", token), ("year", "2024"), ("idem", idem)],
            &[("activity.csv", file.to_vec())],
        )
        .await
    }
    let first = send(&mut op, &upload, &token, &idem, &activity).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    // The same form again (a retry after a lost response, a double click): the first
    // submission's page, nothing new stored.
    let again = send(&mut op, &upload, &token, &idem, &activity).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location, first.location);
    assert_eq!(p.db().submissions(PARK).await.unwrap().len(), 1);
    // A new rendering of the form has a new key: a new version.
    let page = op.get(&format!("/park/{PARK}")).await;
    let fresh = field(&page.body, "idem");
    assert_ne!(fresh, idem);
    let second = send(&mut op, &upload, &token, &fresh, &activity).await;
    assert_eq!(second.location, format!("/park/{PARK}/2024/2?lang=en"));
    // Another account cannot reach a submission through someone's key.
    assert_eq!(p.db().submissions(PARK).await.unwrap().len(), 2);
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_sent_twice_is_stored_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    uploads_are_idempotent(&sqlite_url(dir.path(), "idem.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: PARKBENCH_TEST_POSTGRES=postgres://USER@HOST/postgres cargo test --test it on_postgres -- --ignored (.ci/run does)"]
async fn a_form_sent_twice_is_stored_once_on_postgres() {
    let url = postgres_db().await;
    uploads_are_idempotent(&url).await;
    super::portal::drop_postgres_db(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_form_raced_twice_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = portal(&sqlite_url(dir.path(), "race.db"), 1 << 20).await;
    let (op, token, idem) = operator(&p).await;
    let (_, activity) = sample_park(PARK);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let mut c = Client::new(p.router());
        c.cookies = op.cookies.clone();
        let (token, idem, activity) = (token.clone(), idem.clone(), activity.clone());
        tasks.push(tokio::spawn(async move {
            c.post_files(
                &format!("/park/{PARK}/upload"),
                &[("csrf", &token), ("year", "2024"), ("idem", &idem)],
                &[("activity.csv", activity)],
            )
            .await
        }));
    }
    let mut seen = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        seen.push((r.status, r.location));
    }
    // One upload per account at a time: the others are refused (429) or answered with the
    // first submission; never stored twice.
    assert!(
        seen.iter().all(|(s, l)| *s == StatusCode::TOO_MANY_REQUESTS
            || (*s == StatusCode::SEE_OTHER && l.ends_with("/2024/1?lang=en"))),
        "{seen:?}"
    );
    assert_eq!(p.db().submissions(PARK).await.unwrap().len(), 1);
    p.db().close().await;
}

#[test]
fn a_read_only_database_refuses_to_start_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "ro.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let p = Portal::open(config(&url)).await.unwrap();
        p.db().close().await;
        let e = Portal::open(config(&format!("{url}?mode=ro")))
            .await
            .err()
            .expect("a read-only database is refused")
            .to_string();
        assert!(
            e.contains("cannot be written") && e.contains("ro.db"),
            "{e}"
        );
    });
    let (code, _, err) = super::run(&["serve", "--db", &format!("{url}?mode=ro"), "--no-serve"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be written"), "{err}");
}

#[test]
fn commits_are_synced_to_disk() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let p = Portal::open(config(&sqlite_url(dir.path(), "sync.db")))
            .await
            .unwrap();
        // Every pooled connection: synchronous = FULL (2), journal in WAL.
        for _ in 0..3 {
            let (sync, journal) = p.db().sqlite_pragmas().await.unwrap();
            assert_eq!((sync, journal.as_str()), (2, "wal"));
        }
        p.db().close().await;
    });
}

/// Unmounts when dropped.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Fills a file system until it is full; returns the filler file.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 16 << 10];
    loop {
        match f.write_all(&chunk).and_then(|()| f.sync_all()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("filling: {e}"),
        }
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "mounts a 4 MB tmpfs (root): PARKBENCH_TEST_MOUNT=1 cargo test --test it full_disk -- --ignored (.ci/run does)"]
async fn a_full_disk_refuses_uploads_cleanly_and_the_portal_recovers() {
    assert_eq!(
        std::env::var("PARKBENCH_TEST_MOUNT").as_deref(),
        Ok("1"),
        "set PARKBENCH_TEST_MOUNT=1 (as root) to run this test"
    );
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&mnt)
        .status()
        .unwrap();
    assert!(ok.success(), "mount -t tmpfs needs root");
    let _mounted = Mounted(mnt.clone());
    let url = sqlite_url(&mnt, "full.db");
    let p = portal(&url, 8 << 20).await;
    let (mut op, token, _) = operator(&p).await;
    let upload = format!("/park/{PARK}/upload");
    // Rows to make uploads of any size from.
    let (_, activity) = sample_park(PARK);
    let row = String::from_utf8(activity.clone())
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    let filler = fill(&mnt);
    // Uploads of every size on the full disk: each is either refused with the storage page
    // (and not stored) or acknowledged (and stored, checked after a restart below).
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    for (i, size) in [4usize << 10, 64 << 10, 256 << 10, 1 << 20, 1 << 20, 4 << 10]
        .into_iter()
        .enumerate()
    {
        let lang = if i % 2 == 0 { "en" } else { "zh" };
        let mut file = String::from_utf8(activity.clone()).unwrap();
        while file.len() < size {
            file.push_str(&row);
            file.push('\n');
        }
        let r = op
            .post_files(
                &format!("{upload}?lang={lang}"),
                &[("csrf", &token), ("year", "2024")],
                &[("big.csv", file.into_bytes())],
            )
            .await;
        if r.status == StatusCode::SEE_OTHER {
            acknowledged.push(r.location);
            continue;
        }
        refused += 1;
        assert_eq!(r.status, StatusCode::INSUFFICIENT_STORAGE, "{}", r.body);
        let text = if lang == "en" {
            "storage is full"
        } else {
            "存储空间已满"
        };
        assert!(r.body.contains(text), "{}", r.body);
        assert_portal_page(&r);
    }
    assert!(refused >= 2, "the disk was not full: {acknowledged:?}");
    eprintln!(
        "on the full disk: {refused} refused, {} stored",
        acknowledged.len()
    );
    assert_eq!(
        p.db().submissions(PARK).await.unwrap().len(),
        acknowledged.len()
    );
    // Space comes back: logins and uploads work at once, no "database is locked", no restart.
    std::fs::remove_file(&filler).unwrap();
    let mut again = Client::new(p.router());
    let r = again.login("op@haiyan.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = again.get(&format!("/park/{PARK}")).await;
    let r = again
        .post_files(
            &upload,
            &[("csrf", &csrf(&page.body)), ("year", "2024")],
            &[("activity.csv", activity.clone())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    acknowledged.push(r.location);
    // A restart finds exactly what was acknowledged, each with its file.
    p.db().close().await;
    drop(p);
    let p = Portal::open(config(&url)).await.unwrap();
    let subs = p.db().submissions(PARK).await.unwrap();
    let mut stored: Vec<String> = subs
        .iter()
        .map(|s| format!("/park/{PARK}/2024/{}", s.version))
        .collect();
    stored.sort();
    let mut acked: Vec<String> = acknowledged
        .iter()
        .map(|l| l.split('?').next().unwrap().to_string())
        .collect();
    acked.sort();
    assert_eq!(stored, acked, "stored = acknowledged");
    for s in &subs {
        assert_eq!(p.db().files(s.id).await.unwrap().len(), 1);
    }
    p.db().close().await;
}

// ---- 3. logins, accounts, passwords, logs, names

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_guessing_is_slowed_and_the_login_token_must_be_the_portals() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sqlite_url(dir.path(), "throttle.db"));
    cfg.limits.login_free_failures = 2;
    // Long enough that two slow password checks on a loaded machine do not outlast it.
    cfg.limits.login_delay_secs = 3;
    cfg.limits.login_max_delay_secs = 6;
    let p = portal_with(cfg).await;
    let mut c = Client::new(p.router());
    for i in 0..2 {
        let r = c
            .login("op@haiyan.example", &format!("wrong password {i}"))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Throttled: even the right password must wait, and is told how long.
    let r = c.login("op@haiyan.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("Too many failed logins"), "{}", r.body);
    let wait: u64 = r
        .headers
        .get(header::RETRY_AFTER)
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&wait), "Retry-After {wait}");
    assert_portal_page(&r);
    // Another account is not slowed by this one's failures.
    let mut staff = Client::new(p.router());
    let r = staff.login("staff@example.org", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    tokio::time::sleep(Duration::from_millis(wait * 1_000 + 200)).await;
    let r = c.login("op@haiyan.example", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "after the wait: {}",
        r.body
    );

    // A token that only matches its cookie, made up without the login page: refused.
    let mut forger = Client::new(p.router());
    forger
        .cookies
        .insert(auth::LOGIN_CSRF_COOKIE.into(), "made-up".into());
    let r = forger
        .post_form(
            "/login",
            &[
                ("email", "staff@example.org"),
                ("password", PASSWORD),
                ("csrf", "made-up"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A token another portal signed (another database, another key): refused.
    let other = Portal::open(config(&sqlite_url(dir.path(), "other.db")))
        .await
        .unwrap();
    let mut elsewhere = Client::new(other.router());
    let page = elsewhere.get("/login").await;
    let foreign = csrf(&page.body);
    forger
        .cookies
        .insert(auth::LOGIN_CSRF_COOKIE.into(), foreign.clone());
    let r = forger
        .post_form(
            "/login",
            &[
                ("email", "staff@example.org"),
                ("password", PASSWORD),
                ("csrf", &foreign),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    other.db().close().await;
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_keep_roles_end_sessions_and_passwords_follow_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sqlite_url(dir.path(), "accounts.db"));
    cfg.public_url = "https://portal.example.org".into();
    let p = portal_with(cfg).await;
    let (mut op, _, _) = operator(&p).await;
    let mut admin = Client::new(p.router());
    admin.login("admin@example.org", PASSWORD).await;
    // A request naming another host: the link still names the public URL.
    admin.headers.push(("host".into(), "evil.example".into()));
    let t = csrf(&admin.get("/admin").await.body);
    async fn invite(c: &mut Client, t: &str, email: &str, role: &str, park: &str) -> Reply {
        c.post_form(
            "/admin/users",
            &[
                ("csrf", t),
                ("email", email),
                ("role", role),
                ("park_id", park),
            ],
        )
        .await
    }
    // Re-inviting the operator: a reset link, the role kept, the old session ended.
    let r = invite(&mut admin, &t, "op@haiyan.example", "operator", PARK).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.body.replace("&#x2f;", "/");
    assert!(
        body.contains("https://portal.example.org/setup/") && !body.contains("evil.example"),
        "{body}"
    );
    let at = body.find("/setup/").unwrap();
    let link = body[at..].split('<').next().unwrap().to_string();
    assert_eq!(
        op.get(&format!("/park/{PARK}")).await.status,
        StatusCode::SEE_OTHER,
        "the old session ended"
    );
    let u = p
        .db()
        .user_by_email("op@haiyan.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (u.role, u.park_id.as_deref()),
        (AccountRole::Operator, Some(PARK))
    );
    // A different role is refused: it needs an explicit change.
    let r = invite(&mut admin, &t, "op@haiyan.example", "staff", "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("another role"), "{}", r.body);
    // The importer is never invited.
    let r = invite(&mut admin, &t, "import@parkbench.local", "staff", "").await;
    assert!(r.body.contains("importer"), "{}", r.body);
    assert!(
        p.db()
            .user_by_email(auth::IMPORTER)
            .await
            .unwrap()
            .is_none()
    );

    // Password rules on the reset link.
    let mut newbie = Client::new(p.router());
    let mut form = newbie.get(&link).await;
    for (password, says) in [
        ("          ", "only spaces"),
        ("short", "at least 12 characters"),
        ("password12", "at least 12 characters"),
        ("qazwsxedcrfv", "most common passwords"),
        ("OP@haiyan.example", "cannot be your email"),
    ] {
        let r = newbie
            .post_form(
                &link,
                &[("csrf", &csrf(&form.body)), ("password", password)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{password:?}");
        assert!(r.body.contains(says), "{password:?}: {}", r.body);
        form = r;
    }
    let r = newbie
        .post_form(
            &link,
            &[
                ("csrf", &csrf(&form.body)),
                ("password", "a new long password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        newbie.login("op@haiyan.example", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        newbie
            .login("op@haiyan.example", "a new long password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // The explicit change: the role changes and the account's sessions end.
    let r = admin
        .post_form(
            "/admin/role",
            &[
                ("csrf", &t),
                ("email", "op@haiyan.example"),
                ("role", "staff"),
                ("park_id", ""),
            ],
        )
        .await;
    assert!(r.body.contains("Role changed"), "{}", r.body);
    let u = p
        .db()
        .user_by_email("op@haiyan.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((u.role, u.park_id), (AccountRole::Staff, None));
    assert_eq!(newbie.get("/programme").await.status, StatusCode::SEE_OTHER);

    // The importer cannot log in, even if its account had a password.
    let id = p
        .db()
        .create_user(
            auth::IMPORTER,
            &parkbench::portal::db::AccountScope {
                role: AccountRole::Staff,
                park_id: None,
                province: None,
            },
            None,
        )
        .await
        .unwrap();
    p.db()
        .set_password(
            id,
            &auth::hash_password(PASSWORD, &p.config().limits).unwrap(),
        )
        .await
        .unwrap();
    let mut imp = Client::new(p.router());
    assert_eq!(
        imp.login(auth::IMPORTER, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    p.db().close().await;
}

/// A writer for log lines into a shared buffer.
#[derive(Clone, Default)]
struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_typed_email_cannot_forge_a_log_line() {
    let lines = Lines::default();
    let out = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || out.clone())
        .with_ansi(false)
        .finish();
    let dir = tempfile::tempdir().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        // One thread: every handler's log line goes to this subscriber.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let p = Portal::open(config(&sqlite_url(dir.path(), "log.db")))
                .await
                .unwrap();
            let mut c = Client::new(p.router());
            let r = c
                .login(
                    "x@y.z\n2026-12-01 info parkbench: login outcome=ok forged",
                    "wrong password",
                )
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            p.db().close().await;
        });
    });
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("forged"), "the attempt is logged: {text}");
    for l in text.lines() {
        assert!(
            !l.starts_with("2026-12-01 info"),
            "a forged line: {l}\n{text}"
        );
    }
    assert!(
        text.contains("\\n2026-12-01 info"),
        "the newline escaped: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shown_file_names_lose_bidi_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let p = portal(&sqlite_url(dir.path(), "names.db"), 1 << 20).await;
    let (mut op, token, _) = operator(&p).await;
    let (_, activity) = sample_park(PARK);
    let r = op
        .post_files(
            &format!("/park/{PARK}/upload"),
            &[("csrf", &token), ("year", "2024")],
            &[("report\u{202e}vsc.exe\u{2066}.csv", activity)],
        )
        .await;
    let page = op.get(&r.location).await;
    assert!(page.body.contains("reportvsc.exe.csv"), "{}", page.body);
    assert!(!page.body.contains('\u{202e}') && !page.body.contains('\u{2066}'));
    let park = op.get(&format!("/park/{PARK}")).await;
    assert!(!park.body.contains('\u{202e}'));
    p.db().close().await;
}

// ---- 4. timeouts, sizes, slots, retention

/// A server on loopback for `p`; stops when the sender is dropped.
async fn serve(p: &Portal) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let p = p.clone();
    tokio::spawn(async move {
        parkbench::portal::serve_on(p, listener, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx)
}

/// Reads a socket until the server closes it; None when it is still open after `secs`.
fn read_until_closed(s: &mut TcpStream, secs: u64) -> Option<String> {
    s.set_read_timeout(Some(Duration::from_secs(secs))).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(String::from_utf8_lossy(&out).into_owned()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(String::from_utf8_lossy(&out).into_owned());
            }
            Err(_) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_an_absurd_length_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sqlite_url(dir.path(), "slow.db"));
    cfg.limits.header_timeout_secs = 1;
    cfg.limits.body_idle_secs = 1;
    cfg.limits.request_timeout_secs = 30;
    let p = Portal::open(cfg).await.unwrap();
    let (addr, stop) = serve(&p).await;
    let results = tokio::task::spawn_blocking(move || {
        // 200 clients that never finish their headers.
        let mut half: Vec<TcpStream> = (0..200)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    .unwrap();
                s
            })
            .collect();
        let start = Instant::now();
        let closed = half
            .iter_mut()
            .map(|s| read_until_closed(s, 5))
            .filter(Option::is_some)
            .count();
        let header_secs = start.elapsed().as_secs_f64();
        // A body that stops halfway.
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=a",
        )
        .unwrap();
        let start = Instant::now();
        let body_reply = read_until_closed(&mut s, 10);
        let body_secs = start.elapsed().as_secs_f64();
        // A Content-Length of a terabyte: 413 at once, nothing read.
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(
            format!("POST /park/{PARK}/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000000000\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
        let big_reply = read_until_closed(&mut s, 5);
        // A kept-alive connection that sends nothing more is closed too.
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let idle = read_until_closed(&mut s, 5);
        // And the server still answers.
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let health = read_until_closed(&mut s, 5);
        (closed, header_secs, body_reply, body_secs, big_reply, health, idle)
    })
    .await
    .unwrap();
    let (closed, header_secs, body_reply, body_secs, big_reply, health, idle) = results;
    let idle = idle.expect("an idle kept-alive connection is closed");
    assert!(idle.starts_with("HTTP/1.1 200"), "{idle}");
    eprintln!(
        "200 half headers closed in {header_secs:.1} s; half body closed in {body_secs:.1} s"
    );
    assert_eq!(closed, 200, "every half-header connection is closed");
    assert!(header_secs < 5.0, "{header_secs}");
    let body_reply = body_reply.expect("the stalled body's connection is closed");
    assert!(body_secs < 10.0);
    assert!(
        body_reply.is_empty() || body_reply.starts_with("HTTP/1.1 4"),
        "{body_reply}"
    );
    let big = big_reply.expect("answered and closed");
    assert!(big.starts_with("HTTP/1.1 413"), "{big}");
    assert!(
        big.contains("content-security-policy") && big.contains("larger than the limit of 50 MB"),
        "{big}"
    );
    assert!(health.unwrap().starts_with("HTTP/1.1 200"));
    drop(stop);
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_bounded_in_files_and_in_slots() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sqlite_url(dir.path(), "slots.db"));
    cfg.limits.uploads_at_once = 1;
    cfg.limits.upload_wait_secs = 1;
    cfg.limits.body_idle_secs = 20;
    let p = portal_with(cfg).await;
    let max = p.config().limits.files_per_upload;
    let (mut op, token, _) = operator(&p).await;
    let (_, activity) = sample_park(PARK);
    let upload = format!("/park/{PARK}/upload");
    // One file too many: refused, nothing stored.
    let files: Vec<(&str, Vec<u8>)> = (0..=max).map(|_| ("a.csv", activity.clone())).collect();
    let r = op
        .post_files(&upload, &[("csrf", &token), ("year", "2024")], &files)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains(&format!("at most {max}")), "{}", r.body);
    assert!(p.db().submissions(PARK).await.unwrap().is_empty());

    // An upload in progress over loopback (its body still coming) holds the account's slot and
    // the only slot of the portal.
    let (addr, stop) = serve(&p).await;
    let session = op.cookies[auth::SESSION_COOKIE].clone();
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(
        format!(
            "POST {upload} HTTP/1.1\r\nHost: x\r\nCookie: {}={session}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n",
            auth::SESSION_COOKIE
        )
        .as_bytes(),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = op
        .post_files(
            &upload,
            &[("csrf", &token), ("year", "2024")],
            &[("a.csv", activity.clone())],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(
        r.body.contains("already have an upload in progress"),
        "{}",
        r.body
    );
    let mut admin = Client::new(p.router());
    admin.login("admin@example.org", PASSWORD).await;
    let page = admin.get(&format!("/park/{PARK}")).await;
    let r = admin
        .post_files(
            &upload,
            &[("csrf", &csrf(&page.body)), ("year", "2024")],
            &[("a.csv", activity.clone())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.body.contains("busy") && r.headers.get(header::RETRY_AFTER).is_some());
    // The stalled upload is dropped: the slots come back.
    drop(slow);
    let mut stored = None;
    for _ in 0..50 {
        let r = op
            .post_files(
                &upload,
                &[("csrf", &token), ("year", "2024")],
                &[("a.csv", activity.clone())],
            )
            .await;
        if r.status == StatusCode::SEE_OTHER {
            stored = Some(r.location);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        stored.as_deref(),
        Some(&*format!("/park/{PARK}/2024/1?lang=en"))
    );
    drop(stop);
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_invalid_versions_lose_their_files_and_valid_ones_stay() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sqlite_url(dir.path(), "keep.db"));
    cfg.limits.keep_invalid_versions = 2;
    let p = portal_with(cfg).await;
    let (mut op, token, _) = operator(&p).await;
    let (_, activity) = sample_park(PARK);
    let (_, broken) = super::portal::broken_sample(PARK);
    let broken = format!("{}\n", broken.join("\n")).into_bytes();
    let upload = format!("/park/{PARK}/upload");
    for file in [&activity, &broken, &broken, &broken, &broken] {
        let r = op
            .post_files(
                &upload,
                &[("csrf", &token), ("year", "2024")],
                &[("a.csv", file.clone())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let subs = p.db().submissions(PARK).await.unwrap();
    let by_version = |v: i64| subs.iter().find(|s| s.version == v).unwrap();
    for (v, pruned) in [(1, false), (2, true), (3, true), (4, false), (5, false)] {
        let s = by_version(v);
        assert_eq!(s.pruned, pruned, "v{v}");
        assert_eq!(p.db().files(s.id).await.unwrap().is_empty(), pruned, "v{v}");
        assert!(s.errors > 0 || v == 1);
    }
    let page = op.get(&format!("/park/{PARK}/2024/2")).await;
    assert!(page.body.contains("id=\"pruned\""), "{}", page.body);
    // The valid version still counts.
    let park = op.get(&format!("/park/{PARK}?year=2024")).await;
    assert!(park.body.contains("id=\"scorecard\""));
    p.db().close().await;
}

// ---- 5. error pages

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_a_portal_page_in_both_languages_and_echoes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = portal(&sqlite_url(dir.path(), "errors.db"), 1 << 20).await;
    let (mut op, _, _) = operator(&p).await;
    let form = |path: &str, ct: &str| {
        Request::post(path.to_string()).header(header::CONTENT_TYPE, ct.to_string())
    };
    let cases: Vec<(axum::http::request::Builder, Body, StatusCode)> = vec![
        (
            Request::get("/logout"),
            Body::empty(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Request::get("/no/such/page?x=1%20OR%201=1"),
            Body::empty(),
            StatusCode::NOT_FOUND,
        ),
        (
            form("/login", "text/plain"),
            Body::from("email=1 OR 1=1"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            form("/login", "application/x-www-form-urlencoded"),
            Body::from("email=1%20OR%201=1"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Request::get(format!("/park/{PARK}/1%20OR%201=1/1")),
            Body::empty(),
            StatusCode::BAD_REQUEST,
        ),
        (
            form(&format!("/park/{PARK}/upload"), "multipart/form-data"),
            Body::from("1 OR 1=1"),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (req, body, status) in cases {
        let r = op.request(req, body).await;
        assert_eq!(r.status, status, "{}", r.body);
        assert_portal_page(&r);
        assert!(
            !r.body.contains("OR 1=1")
                && !r.body.contains("Cannot parse")
                && !r.body.contains("Failed to"),
            "echoed: {}",
            r.body
        );
    }
    op.headers
        .push(("accept-language".into(), "zh-CN,zh;q=0.9".into()));
    let r = op.get("/logout").await;
    assert!(
        r.body.contains("此地址不接受") && r.body.contains("lang=\"zh\""),
        "{}",
        r.body
    );
    let r = op.get("/no/such/page").await;
    assert!(r.body.contains("未找到"), "{}", r.body);
    // A server error (the database gone): the portal's 500 page, in both languages.
    p.db().close().await;
    let r = op.get(&format!("/park/{PARK}")).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_portal_page(&r);
    assert!(r.body.contains("服务器出错"), "{}", r.body);
    op.headers.clear();
    let r = op.get(&format!("/park/{PARK}")).await;
    assert!(r.body.contains("Something went wrong"), "{}", r.body);
    assert!(
        !r.body.to_lowercase().contains("pool"),
        "no detail shown: {}",
        r.body
    );
}

/// Peak resident memory of a process (VmHWM), in MB.
fn peak_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024
}

/// Kills a child process when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sixteen operators each upload a 20 MB file at once to a `parkbench serve` process that
/// checks `slots` uploads at once; returns its peak memory in MB and the answers' statuses.
async fn sixteen_uploads_at_once(slots: usize) -> (u64, Vec<u16>) {
    const SIZE: usize = 20 << 20;
    static FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let file: &'static [u8] = FILE.get_or_init(|| {
        let mut f = b"park_id,year,metric,value,unit\n".to_vec();
        f.resize(SIZE, b'x');
        f
    });
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "rss.db");
    let p = portal(&url, 50 << 20).await;
    let parks = p.db().parks().await.unwrap();
    let mut who = Vec::new();
    for i in 0..16 {
        let park = &parks[i % parks.len()].park_id;
        let email = format!("op{i}@rss.example");
        p.invite(&email, AccountRole::Operator, Some(park))
            .await
            .unwrap();
        let user = p.db().user_by_email(&email).await.unwrap().unwrap();
        let (token, csrf) = (auth::token(), auth::token());
        p.db()
            .create_session(&auth::token_hash(&token), user.id, &csrf, 3600)
            .await
            .unwrap();
        who.push((park.clone(), token, csrf));
    }
    p.db().close().await;
    drop(p);
    let (child, base) = serve_process(&url, &["--uploads-at-once", &slots.to_string()]).await;
    let pid = child.0.id();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let before = peak_mb(pid);
    let mut tasks = Vec::new();
    for (park, token, csrf) in who {
        let (http, base) = (http.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf)
                .text("year", "2024")
                .part(
                    "files",
                    reqwest::multipart::Part::bytes(file).file_name("big.csv"),
                );
            http.post(format!("{base}/park/{park}/upload"))
                .header("cookie", format!("{}={token}", auth::SESSION_COOKIE))
                .multipart(form)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let peak = peak_mb(pid);
    eprintln!(
        "{slots} upload slots, 16 x 20 MB at once: peak RSS {peak} MB (idle {before} MB); answers {statuses:?}"
    );
    drop(child);
    (peak, statuses)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_of_sixteen_big_uploads_at_once_is_bounded_by_the_slots() {
    let (bounded, answers) = sixteen_uploads_at_once(2).await;
    // Each is answered: stored (303), or "busy, try again" (503) after waiting for a slot.
    assert!(
        answers.iter().all(|s| *s == 303 || *s == 503),
        "{answers:?}"
    );
    assert!(answers.contains(&303));
    let (unbounded, _) = sixteen_uploads_at_once(16).await;
    assert!(
        bounded * 2 < unbounded,
        "2 slots: {bounded} MB, 16 slots: {unbounded} MB"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_panics_answers_the_portals_500_page() {
    let limits = PortalConfig::default().limits;
    let app = parkbench::portal::protect(
        axum::Router::new().route(
            "/boom",
            axum::routing::get(|| async {
                panic!("secret detail 1 OR 1=1");
                #[allow(unreachable_code)]
                ""
            }),
        ),
        1 << 20,
        &limits,
    );
    let mut c = Client::new(app);
    c.headers.push(("accept-language".into(), "zh-CN".into()));
    let r = c.get("/boom").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_portal_page(&r);
    assert!(
        r.body.contains("服务器出错") && !r.body.contains("secret"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fuzz_seeds_of_issue_14_are_refused_with_their_limit_through_the_portal() {
    let dir = tempfile::tempdir().unwrap();
    let p = portal(&sqlite_url(dir.path(), "seeds.db"), 4 << 20).await;
    let (mut op, token, _) = operator(&p).await;
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (file, says) in [
        ("xlsx_loader/far-cell.xlsx", "beyond the 1000 columns read"),
        (
            "xlsx_loader/wide-header.xlsx",
            "beyond the 1000 columns read",
        ),
        ("xlsx_loader/zip-bomb.xlsx", "too big to read"),
    ] {
        let bytes = std::fs::read(corpus.join(file)).unwrap();
        assert!(bytes.len() < 2 << 20, "{file} is a small file");
        let r = op
            .post_files(
                &format!("/park/{PARK}/upload"),
                &[("csrf", &token), ("year", "2024")],
                &[("book.xlsx", bytes)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{file}: {}", r.body);
        let page = op.get(&r.location).await;
        assert!(page.body.contains(says), "{file}: {}", page.body);
    }
    p.db().close().await;
}

/// Starts `parkbench serve` on a free port of loopback; returns it and its base URL once it
/// answers.
async fn serve_process(db_url: &str, extra: &[&str]) -> (Child, String) {
    serve_process_within(db_url, extra, None).await
}

/// [`serve_process`] under an address-space limit (bytes), so that a server that would hold
/// more fails its allocation instead of taking the machine down.
async fn serve_process_within(
    db_url: &str,
    extra: &[&str],
    address_space: Option<u64>,
) -> (Child, String) {
    use std::os::unix::process::CommandExt;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_parkbench"));
    cmd.args([
        "serve",
        "--db",
        db_url,
        "--bind",
        &format!("127.0.0.1:{port}"),
    ])
    .args(extra)
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    if let Some(limit) = address_space {
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let l = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &l) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let child = Child(cmd.spawn().unwrap());
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_resent_after_kill_9_is_neither_lost_nor_stored_twice() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "kill.db");
    let p = portal(&url, 1 << 20).await;
    let user = p
        .db()
        .user_by_email("op@haiyan.example")
        .await
        .unwrap()
        .unwrap();
    let (token, csrf) = (auth::token(), auth::token());
    p.db()
        .create_session(&auth::token_hash(&token), user.id, &csrf, 3600)
        .await
        .unwrap();
    p.db().close().await;
    drop(p);
    let (_, activity) = sample_park(PARK);
    let idem = auth::token();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let send = |base: String| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("year", "2024")
            .text("idem", idem.clone())
            .part(
                "files",
                reqwest::multipart::Part::bytes(activity.clone()).file_name("activity.csv"),
            );
        http.post(format!("{base}/park/{PARK}/upload"))
            .header("cookie", format!("{}={token}", auth::SESSION_COOKIE))
            .multipart(form)
            .send()
    };
    // The server answers 303 and is killed at once (kill -9: no shutdown of any kind).
    let (mut server, base) = serve_process(&url, &[]).await;
    let first = send(base).await.unwrap();
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    assert_eq!(first.status().as_u16(), 303);
    let location = first.headers()["location"].to_str().unwrap().to_string();
    // The browser resends the same form to the restarted server: the same submission.
    let (server, base) = serve_process(&url, &[]).await;
    let again = send(base).await.unwrap();
    assert_eq!(again.status().as_u16(), 303);
    assert_eq!(again.headers()["location"].to_str().unwrap(), location);
    drop(server);
    let p = Portal::open(config(&url)).await.unwrap();
    let subs = p.db().submissions(PARK).await.unwrap();
    assert_eq!(subs.len(), 1, "stored once");
    assert_eq!(p.db().files(subs[0].id).await.unwrap().len(), 1);
    assert_eq!(location, format!("/park/{PARK}/2024/1?lang=en"));
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problems_stored_before_the_bound_are_bounded_at_start() {
    use parkbench::diag::Diagnostic;
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "old.db");
    let p = portal(&url, 1 << 20).await;
    let l = p.config().limits;
    // A row as the portal stored them before: every problem, here 50,000 (4 MB of JSON).
    let all: Vec<Diagnostic> = (0..50_000)
        .map(|i| {
            Diagnostic::error(
                "a.csv",
                i + 2,
                4,
                parkbench::i18n::Text::verbatim("value is not a number"),
            )
            .value(format!("x{i}"))
        })
        .collect();
    // Messages as they were stored then: plain text, not a key with arguments.
    let json = serde_json::to_string(&all).unwrap().replace(
        r#"{"key":"verbatim","args":{"text":"value is not a number"}}"#,
        r#""value is not a number""#,
    );
    assert!(json.contains(r#""message":"value is not a number""#));
    assert!(json.len() > l.problems_bytes);
    let user = p
        .db()
        .user_by_email("op@haiyan.example")
        .await
        .unwrap()
        .unwrap();
    let stored = p
        .db()
        .insert_submission(&parkbench::portal::db::NewSubmission {
            park_id: PARK,
            year: 2024,
            user_id: user.id,
            valid: false,
            errors: 50_000,
            warnings: 0,
            problems: &json,
            omitted: "[]",
            names: "[\"a.csv\"]",
            files: &[],
            idem_key: None,
            keep_invalid: l.keep_invalid_versions,
            totals: None,
            event: None,
        })
        .await
        .unwrap();
    p.db().close().await;
    drop(p);
    // As a database from before: the pass over old rows not made yet.
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DELETE FROM settings WHERE name = 'problems_bounded'")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let p = Portal::open(config(&url)).await.unwrap();
    let (kept, omitted) = p.db().problems(stored.id).await.unwrap();
    assert!(kept.len() <= l.problems_bytes, "{}", kept.len());
    let kept: Vec<Diagnostic> = serde_json::from_str(&kept).unwrap();
    assert_eq!(kept.len(), l.problems_per_kind);
    assert_eq!(kept[0].location(), "a.csv:2:4", "the first ones kept");
    assert!(omitted.contains("\"count\":49900"), "{omitted}");
    p.db().close().await;
}

/// Resident memory now (VmRSS), in MB.
fn rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_a_park_with_200_000_problems_cost_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "pages.db");
    let p = portal(&url, 1 << 20).await;
    let mut cookies = Vec::new();
    for email in ["op@haiyan.example", "staff@example.org"] {
        let user = p.db().user_by_email(email).await.unwrap().unwrap();
        let (token, csrf) = (auth::token(), auth::token());
        p.db()
            .create_session(&auth::token_hash(&token), user.id, &csrf, 3600)
            .await
            .unwrap();
        cookies.push((format!("{}={token}", auth::SESSION_COOKIE), csrf));
    }
    p.db().close().await;
    drop(p);
    let (_, activity) = sample_park(PARK);
    let mut text = String::from_utf8(activity).unwrap();
    let row = text.lines().nth(1).unwrap().to_string();
    let cells: Vec<&str> = row.split(',').collect();
    for i in 0..200_000 {
        let mut c = cells.clone();
        let bad = format!("x{i}");
        c[3] = &bad;
        text.push_str(&c.join(","));
        text.push('\n');
    }
    let (server, base) = serve_process(&url, &["--upload-limit-mb", "64"]).await;
    let pid = server.0.id();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (op, csrf) = cookies[0].clone();
    let staff = cookies[1].0.clone();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("year", "2024")
        .part(
            "files",
            reqwest::multipart::Part::bytes(text.into_bytes()).file_name("many.csv"),
        );
    let r = http
        .post(format!("{base}/park/{PARK}/upload"))
        .header("cookie", &op)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let upload_peak = peak_mb(pid);
    // The peak from here on: reset (Linux: 5 > clear_refs), then the pages, ten times each.
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").unwrap();
    let idle = rss_mb(pid);
    let mut biggest = 0;
    for _ in 0..10 {
        for (path, who) in [
            (format!("/park/{PARK}/2024/1"), &op),
            (format!("/park/{PARK}/2024/1?page=3"), &op),
            (format!("/park/{PARK}?year=2024"), &op),
            ("/programme?year=2024".to_string(), &staff),
        ] {
            let r = http
                .get(format!("{base}{path}"))
                .header("cookie", who)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "{path}");
            biggest = biggest.max(r.bytes().await.unwrap().len());
        }
    }
    let pages_peak = peak_mb(pid);
    eprintln!(
        "upload of 200,000 problems: peak {upload_peak} MB; then 40 page views: peak {pages_peak} MB \
         from {idle} MB, largest page {biggest} bytes"
    );
    assert!(pages_peak <= idle + 50, "{pages_peak} MB from {idle} MB");
    assert!(biggest < 100_000, "{biggest}");
    drop(server);
}

// ---- 6. a hostile crowd: slow bodies, half-open connections, login bursts, long values

/// Runs `f` on a one-thread runtime with every log line captured (each handler logs on that
/// thread); returns its value and the log.
fn with_logs<T, Fut: std::future::Future<Output = T>>(f: impl FnOnce() -> Fut) -> (T, String) {
    let lines = Lines::default();
    let out = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || out.clone())
        .with_ansi(false)
        .finish();
    let value = tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f())
    });
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    (value, text)
}

/// Browsers that each fetched the login form (its token and cookie).
async fn login_forms(p: &Portal, n: usize) -> Vec<(Client, String)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let mut c = Client::new(p.router());
        let page = c.get("/login").await;
        let token = csrf(&page.body);
        out.push((c, token));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_wrong_logins_at_once_for_one_account_check_only_the_free_failures() {
    let dir = tempfile::tempdir().unwrap();
    let p = portal_with(config(&sqlite_url(dir.path(), "burst.db"))).await;
    let free = p.config().limits.login_free_failures;
    let before = p.counters().password_checks;
    let mut tasks = Vec::new();
    for (i, (mut c, token)) in login_forms(&p, 50).await.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let password = format!("wrong password {i}");
            let fields = [
                ("email", "op@haiyan.example"),
                ("password", password.as_str()),
                ("csrf", token.as_str()),
            ];
            c.post_form("/login", &fields).await.status.as_u16()
        }));
    }
    let mut answers = std::collections::BTreeMap::new();
    for t in tasks {
        *answers.entry(t.await.unwrap()).or_insert(0) += 1;
    }
    let checked = p.counters().password_checks - before;
    eprintln!("50 wrong logins at once: {checked} passwords checked; answers {answers:?}");
    assert_eq!(checked, u64::from(free));
    assert_eq!(answers.get(&401), Some(&(free as usize)), "{answers:?}");
    assert_eq!(
        answers.get(&429),
        Some(&(50 - free as usize)),
        "{answers:?}"
    );
    p.db().close().await;
}

/// The audit log's login lines of a `parkbench serve` process, by outcome.
fn login_outcomes(log: &str) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for l in log.lines().filter(|l| l.contains("parkbench::audit")) {
        if let Some(at) = l.find("outcome=") {
            let outcome = l[at + 8..].split(' ').next().unwrap().trim_matches('"');
            *out.entry(outcome.to_string()).or_insert(0) += 1;
        }
    }
    out
}

/// `parkbench serve` as [`serve_process`] does, its log (RUST_LOG) written to a file.
async fn serve_logged(db_url: &str, log: &std::path::Path, filter: &str) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_parkbench"))
            .args(["serve", "--db", db_url])
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", filter)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, base)
}

/// A login form fetched with reqwest: its token and the cookie header that goes with it.
async fn reqwest_login_form(http: &reqwest::Client, base: &str) -> (String, String) {
    let page = http.get(format!("{base}/login")).send().await.unwrap();
    let cookie = page
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ");
    (csrf(&page.text().await.unwrap()), cookie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_logins_at_once_hold_the_memory_of_the_hashing_slots_only() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "argon.db");
    portal(&url, 1 << 20).await.db().close().await;
    let log = dir.path().join("serve.log");
    let (server, base) = serve_logged(&url, &log, "parkbench::audit=info").await;
    let pid = server.0.id();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // One login first: the dummy hash for unknown accounts is made once, at the first.
    let (token, cookie) = reqwest_login_form(&http, &base).await;
    let first = [
        ("email", "nobody@example.org"),
        ("password", "x"),
        ("csrf", &token),
    ];
    let r = http.post(format!("{base}/login")).header("cookie", cookie);
    assert_eq!(r.form(&first).send().await.unwrap().status().as_u16(), 401);
    let mut forms = Vec::new();
    for _ in 0..50 {
        forms.push(reqwest_login_form(&http, &base).await);
    }
    let before = peak_mb(pid);
    let mut tasks = Vec::new();
    for (i, (token, cookie)) in forms.into_iter().enumerate() {
        let (http, base) = (http.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let email = format!("guess{i}@example.org");
            let fields = [
                ("email", email.as_str()),
                ("password", "a wrong password"),
                ("csrf", token.as_str()),
            ];
            let r = http.post(format!("{base}/login")).header("cookie", cookie);
            r.form(&fields).send().await.unwrap().status().as_u16()
        }));
    }
    let mut answers = std::collections::BTreeMap::new();
    for t in tasks {
        *answers.entry(t.await.unwrap()).or_insert(0) += 1;
    }
    let peak = peak_mb(pid);
    let outcomes = login_outcomes(&std::fs::read_to_string(&log).unwrap());
    eprintln!(
        "50 wrong logins at once for 50 accounts: peak RSS {peak} MB (before {before} MB); \
         answers {answers:?}; audit log {outcomes:?}"
    );
    let l = PortalConfig::default().limits;
    let slots_mb = u64::from(l.argon2_memory_kib) * l.password_hashes_at_once as u64 / 1024;
    assert!(
        peak <= before + slots_mb + 20,
        "{peak} MB from {before} MB ({slots_mb} MB of hashing slots)"
    );
    // From one address: checked up to its free failures (one was spent first); the others
    // told to wait (429), or that the portal is busy (503, when the slots stayed taken for
    // `password_wait_secs`: argon2 takes about a second in a debug build).
    let checked = outcomes.get("failed").copied().unwrap_or(0);
    assert!(
        checked <= l.login_free_failures_address as usize,
        "{checked}"
    );
    assert!(
        answers.keys().all(|s| [401, 429, 503].contains(s)),
        "{answers:?}"
    );
    drop(server);
}

/// A connection to `server` from the loopback address 127.0.0.`from` (a client address of its
/// own: the portal counts connections by address).
async fn connect_from(
    from: u8,
    server: std::net::SocketAddr,
) -> std::io::Result<tokio::net::TcpStream> {
    let s = tokio::net::TcpSocket::new_v4()?;
    s.bind(std::net::SocketAddr::from(([127, 0, 0, from], 0)))?;
    s.connect(server).await
}

/// Reads until the server closes the connection or `secs` pass; what was read, or None when
/// still open.
async fn closed_within(s: &mut tokio::net::TcpStream, secs: f64) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let until = tokio::time::Instant::now() + Duration::from_secs_f64(secs);
    loop {
        match tokio::time::timeout_at(until, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&out).into_owned()),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

/// One slow POST: a login form's headers, then a byte of its body every `every` until the
/// server closes the connection. Returns how long the server kept it and whether it answered
/// with the 408 page; None when it was closed at once without an answer (no place for it).
async fn slow_post(
    from: u8,
    server: std::net::SocketAddr,
    every: Duration,
) -> Option<(Duration, bool)> {
    use tokio::io::AsyncWriteExt;
    let mut s = connect_from(from, server).await.ok()?;
    let start = Instant::now();
    s.write_all(
        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\nemail=",
    )
    .await
    .ok()?;
    loop {
        if let Some(answer) = closed_within(&mut s, every.as_secs_f64()).await {
            if answer.is_empty() && start.elapsed() < every {
                return None;
            }
            return Some((start.elapsed(), answer.starts_with("HTTP/1.1 408")));
        }
        if s.write_all(b"a").await.is_err() {
            return Some((start.elapsed(), false));
        }
    }
}

/// One half-open connection: half a request head, then nothing; how long until the server
/// closed it.
async fn half_open(from: u8, server: std::net::SocketAddr, hold: Duration) -> Option<Duration> {
    use tokio::io::AsyncWriteExt;
    let mut s = connect_from(from, server).await.ok()?;
    let start = Instant::now();
    s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .ok()?;
    closed_within(&mut s, hold.as_secs_f64()).await?;
    Some(start.elapsed())
}

/// A normal request from 127.0.0.1: its status line and how long the answer took.
async fn normal_request(server: std::net::SocketAddr, path: &str) -> (String, Duration) {
    use tokio::io::AsyncWriteExt;
    let start = Instant::now();
    let mut s = connect_from(1, server).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let answer = closed_within(&mut s, 30.0).await.unwrap_or_default();
    let status = answer.lines().next().unwrap_or("").to_string();
    (status, start.elapsed())
}

/// Runs `client` from address `from` again and again until `until`; collects what each
/// returned.
fn crowd<T: Send + 'static, F, Fut>(
    from: u8,
    until: Instant,
    pause: Duration,
    client: F,
) -> tokio::task::JoinHandle<Vec<T>>
where
    F: Fn(u8) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Option<T>> + Send,
{
    tokio::spawn(async move {
        let mut out = Vec::new();
        while Instant::now() < until {
            if let Some(x) = client(from).await {
                out.push(x);
            }
            tokio::time::sleep(pause).await;
        }
        out
    })
}

fn seconds(mut d: Vec<Duration>) -> (f64, f64, usize) {
    d.sort();
    let at = |q: f64| {
        d.get(((d.len() as f64 - 1.0) * q) as usize)
            .map_or(0.0, Duration::as_secs_f64)
    };
    (at(0.5), at(1.0), d.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_post_crowd_and_half_open_connections_do_not_stop_a_normal_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sqlite_url(dir.path(), "crowd.db"));
    cfg.limits.connections = 64;
    cfg.limits.connections_per_address = 16;
    cfg.limits.header_timeout_secs = 2;
    cfg.limits.form_body_secs = 2;
    // The pause deadline alone would not catch a byte every half second.
    cfg.limits.body_idle_secs = 30;
    cfg.limits.request_timeout_secs = 30;
    let l = cfg.limits;
    let p = Portal::open(cfg).await.unwrap();
    let (server, stop) = serve(&p).await;
    let until = Instant::now() + Duration::from_secs(9);
    let every = Duration::from_millis(500);
    // 3 addresses x 40 slow POSTs and 10 addresses x 20 half-open connections, each started
    // again when it ends: 320 connections for 64 places.
    let mut slow = Vec::new();
    let mut half = Vec::new();
    for i in 0..40 {
        for from in 2..=4u8 {
            slow.push(crowd(from, until, every, move |from| {
                slow_post(from, server, every)
            }));
        }
        if i < 20 {
            for from in 10..=19u8 {
                half.push(crowd(from, until, every, move |from| {
                    half_open(from, server, Duration::from_secs(5))
                }));
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut normal = Vec::new();
    while Instant::now() + Duration::from_secs(1) < until {
        for path in ["/healthz", "/login"] {
            let (status, took) = normal_request(server, path).await;
            assert!(status.starts_with("HTTP/1.1 200"), "{path}: {status:?}");
            normal.push(took);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let mut slow_lived = Vec::new();
    let mut timed_out = 0;
    for t in slow {
        for (lived, answered) in t.await.unwrap() {
            slow_lived.push(lived);
            timed_out += usize::from(answered);
        }
    }
    let mut half_lived = Vec::new();
    for t in half {
        half_lived.extend(t.await.unwrap());
    }
    let (n50, nmax, n) = seconds(normal);
    let (s50, smax, sn) = seconds(slow_lived);
    let (h50, hmax, hn) = seconds(half_lived);
    eprintln!(
        "crowd of 120 slow POSTs and 200 half-open connections on 64 places: {n} normal requests \
         answered in {n50:.3} s (median), {nmax:.3} s (slowest); {sn} slow POSTs cut after \
         {s50:.1} s (median), {smax:.1} s (longest), {timed_out} of them with the 408 page; \
         {hn} half-open connections closed after {h50:.2} s (median), {hmax:.2} s (longest)"
    );
    assert!(nmax < 2.0, "a normal request took {nmax:.3} s");
    assert!(
        sn > 100 && timed_out > 0,
        "{sn} slow POSTs, {timed_out} answered 408"
    );
    // A slow POST lasts its form deadline, not the request timeout (30 s here).
    assert!(smax < l.form_body_secs as f64 + 1.5, "{smax}");
    assert!(hmax <= l.header_timeout_secs as f64 + 1.0, "{hmax}");
    drop(stop);
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_upload_is_dropped_after_its_grace_not_after_the_request_timeout() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sqlite_url(dir.path(), "trickle.db"));
    cfg.limits.upload_grace_secs = 1;
    cfg.limits.upload_min_bytes_per_sec = 10_000;
    cfg.limits.body_idle_secs = 30;
    cfg.limits.request_timeout_secs = 30;
    let p = portal_with(cfg).await;
    let (op, _, _) = operator(&p).await;
    let (server, stop) = serve(&p).await;
    let session = op.cookies[auth::SESSION_COOKIE].clone();
    let mut s = connect_from(1, server).await.unwrap();
    s.write_all(
        format!(
            "POST /park/{PARK}/upload HTTP/1.1\r\nHost: x\r\nCookie: {}={session}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n",
            auth::SESSION_COOKIE
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let start = Instant::now();
    let answer = loop {
        if let Some(a) = closed_within(&mut s, 0.2).await {
            break a;
        }
        if s.write_all(b"x").await.is_err() || start.elapsed() > Duration::from_secs(20) {
            break String::new();
        }
    };
    let took = start.elapsed().as_secs_f64();
    eprintln!("an upload trickling 5 bytes a second: answered after {took:.1} s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("took too long"), "{answer}");
    assert!(took < 1.0 + 1.5, "{took}");
    // The same upload at full speed is stored.
    let (mut op, token, _) = operator(&p).await;
    let (_, activity) = sample_park(PARK);
    let r = op
        .post_files(
            &format!("/park/{PARK}/upload"),
            &[("csrf", &token), ("year", "2024")],
            &[("activity.csv", activity)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    drop(stop);
    p.db().close().await;
}

#[test]
fn an_overlong_email_or_password_is_refused_before_it_is_logged_or_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let long_email = format!("{}@example.org", "x".repeat(60_000));
    let huge_email = format!("{}@example.org", "z".repeat(1_900_000));
    let longest = format!("{}@example.org", "y".repeat(254 - 12));
    let ((), log) = with_logs(|| async {
        let p = portal_with(config(&sqlite_url(dir.path(), "long.db"))).await;
        let l = p.config().limits;
        let checks = p.counters().password_checks;
        let mut c = Client::new(p.router());
        let r = c.login(&long_email, "a wrong password").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("longer than 254 characters"), "{}", r.body);
        assert_portal_page(&r);
        let r = c.login("op@haiyan.example", &"p".repeat(129)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("at most 128 characters"), "{}", r.body);
        // 1.9 MB: larger than any form the portal takes.
        let r = c.login(&huge_email, "a wrong password").await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert_eq!(p.counters().password_checks, checks, "no password checked");
        assert_eq!(p.counters().throttle_keys, 0, "nothing remembered");
        // The longest email taken: remembered as two keys of 32 bytes, logged cut.
        let r = c.login(&longest, "a wrong password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(p.counters().throttle_keys, 2);
        assert_eq!(p.counters().password_checks, checks + 1);
        assert!(l.log_value_chars < 254);
        p.db().close().await;
    });
    let longest_line = log.lines().map(str::len).max().unwrap_or(0);
    eprintln!(
        "log of the overlong logins: {} bytes, longest line {longest_line}",
        log.len()
    );
    assert!(!log.contains(&"x".repeat(100)) && !log.contains(&"z".repeat(100)));
    assert!(
        log.contains("more characters") && !log.contains(&longest),
        "{log}"
    );
    assert!(longest_line < 1_000, "{longest_line}");
}

#[test]
fn a_signed_in_user_changes_the_password_and_the_other_sessions_end() {
    let dir = tempfile::tempdir().unwrap();
    let ((), log) = with_logs(|| async {
        let p = portal_with(config(&sqlite_url(dir.path(), "change.db"))).await;
        let (mut here, _, _) = operator(&p).await;
        let (mut elsewhere, _, _) = operator(&p).await;
        let mut page = here.get("/account/password?lang=en").await;
        assert_eq!(page.status, StatusCode::OK);
        let change = |current: &str, new: &str, token: &str| {
            [
                ("csrf", token.to_string()),
                ("current", current.to_string()),
                ("new", new.to_string()),
            ]
        };
        let checks = p.counters().password_checks;
        let long = "n".repeat(129);
        for (current, new, says) in [
            (
                "a wrong password",
                "a brand new password",
                "current password is wrong",
            ),
            (PASSWORD, "password1234", "most common passwords"),
            (PASSWORD, "1234567890", "at least 12 characters"),
            (PASSWORD, long.as_str(), "at most 128 characters"),
            (PASSWORD, "op@haiyan.example", "cannot be your email"),
        ] {
            let fields = change(current, new, &csrf(&page.body));
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = here.post_form("/account/password", &fields).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{new}: {}", r.body);
            assert!(r.body.contains(says), "{new}: {}", r.body);
            page = r;
        }
        assert_eq!(
            p.counters().password_checks,
            checks + 1,
            "a refused new password is refused before the current one is checked"
        );
        // Without the page's token: refused.
        let r = here
            .post_form(
                "/account/password",
                &[
                    ("csrf", "x"),
                    ("current", PASSWORD),
                    ("new", "a brand new password"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let fields = change(PASSWORD, "a brand new password", &csrf(&page.body));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = here.post_form("/account/password", &fields).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"password-changed\""), "{}", r.body);
        // This session goes on; the other one ended.
        assert_eq!(
            here.get(&format!("/park/{PARK}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            elsewhere.get(&format!("/park/{PARK}")).await.status,
            StatusCode::SEE_OTHER
        );
        let mut again = Client::new(p.router());
        assert_eq!(
            again.login("op@haiyan.example", PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            again
                .login("op@haiyan.example", "a brand new password")
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        // In Chinese too; and only for someone signed in.
        let page = again.get("/account/password?lang=zh").await;
        assert!(page.body.contains("修改密码") && page.body.contains("当前密码"));
        let mut stranger = Client::new(p.router());
        let r = stranger.get("/account/password").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        p.db().close().await;
    });
    let audit: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("parkbench::audit") && l.contains("password change"))
        .collect();
    assert_eq!(audit.len(), 2, "{log}");
    assert!(
        audit[0].contains("wrong current password") && audit[1].contains("other_sessions_ended=1"),
        "{audit:?}"
    );
    assert!(!log.contains("a brand new password") && !log.contains(PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_says_no_referrer_and_hsts_and_host_cookies_come_with_https() {
    let header_of = |r: &Reply, h: &str| r.headers.get(h).map(|v| v.to_str().unwrap().to_string());
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sqlite_url(dir.path(), "https.db"));
    cfg.public_url = "https://portal.example.org".into();
    let p = portal_with(cfg).await;
    let mut c = Client::new(p.router());
    let login = c.get("/login").await;
    let cookie = header_of(&login, "set-cookie").unwrap();
    assert!(cookie.starts_with("__Host-pb_login="), "{cookie}");
    assert!(
        cookie.contains("; Path=/;") && cookie.ends_with("; Secure") && !cookie.contains("Domain")
    );
    let r = c.login("op@haiyan.example", PASSWORD).await;
    let session = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.contains("pb_session"))
        .unwrap();
    assert!(
        session.starts_with("__Host-pb_session=") && session.ends_with("; Secure"),
        "{session}"
    );
    let mut answers = vec![login, r];
    for path in [
        format!("/park/{PARK}"),
        "/healthz".into(),
        "/no/such/page".into(),
        format!("/park/{PARK}/2099/1"),
    ] {
        answers.push(c.get(&path).await);
    }
    answers.push(Client::new(p.router()).get(&format!("/park/{PARK}")).await);
    for r in &answers {
        assert_eq!(
            header_of(r, "referrer-policy").as_deref(),
            Some("no-referrer"),
            "{}",
            r.status
        );
        assert_eq!(
            header_of(r, "strict-transport-security").as_deref(),
            Some("max-age=31536000"),
            "{}",
            r.status
        );
    }
    let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [200, 303, 200, 200, 404, 404, 303]);
    p.db().close().await;

    // A plain-HTTP public URL (the portal on 127.0.0.1): no HSTS; Secure cookies with plain
    // names (browsers have disagreed on `__Host-` cookies from http://localhost); without
    // Secure (`--insecure-cookies`) no prefix either.
    for secure in [true, false] {
        let mut cfg = config(&sqlite_url(dir.path(), &format!("http-{secure}.db")));
        cfg.secure_cookies = secure;
        let p = portal_with(cfg).await;
        let mut c = Client::new(p.router());
        let login = c.get("/login").await;
        assert_eq!(
            header_of(&login, "referrer-policy").as_deref(),
            Some("no-referrer")
        );
        assert_eq!(header_of(&login, "strict-transport-security"), None);
        let cookie = header_of(&login, "set-cookie").unwrap();
        assert!(cookie.starts_with("pb_login="), "{cookie}");
        assert_eq!(cookie.ends_with("; Secure"), secure, "{cookie}");
        let r = c.login("op@haiyan.example", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(c.cookies.contains_key("pb_session"));
        assert_eq!(c.get(&format!("/park/{PARK}")).await.status, StatusCode::OK);
        p.db().close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_first_views_of_the_programme_at_once_compute_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "views.db");
    let p = portal(&url, 1 << 20).await;
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    p.import(&sample, 2024).await.unwrap();
    p.db().close().await;
    drop(p);
    let log = dir.path().join("serve.log");
    let (server, base) = serve_logged(&url, &log, "parkbench_portal=debug").await;
    let pid = server.0.id();
    let staff = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (token, cookie) = reqwest_login_form(&staff, &base).await;
    let fields = [
        ("email", "staff@example.org"),
        ("password", PASSWORD),
        ("csrf", &token),
    ];
    let r = staff
        .post(format!("{base}/login"))
        .header("cookie", cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    let session = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.contains("pb_session") && !c.ends_with('='))
        .unwrap();
    let before = peak_mb(pid);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (http, base, session) = (staff.clone(), base.clone(), session.clone());
        tasks.push(tokio::spawn(async move {
            let r = http
                .get(format!("{base}/programme?year=2024"))
                .header("cookie", session)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.text().await.unwrap().contains("id=\"ranking\""),
            )
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), (200, true));
    }
    let peak = peak_mb(pid);
    let computed = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| l.contains("computing a result"))
        .count();
    eprintln!(
        "50 first views of the programme (12 parks) at once: {computed} computation; peak RSS \
         {peak} MB (before {before} MB)"
    );
    assert_eq!(computed, 1);
    drop(server);
}

#[test]
fn the_readme_states_the_memory_the_limits_allow() {
    use parkbench::portal::memory::Memory;
    let cfg = PortalConfig::default();
    let m = Memory::of(&cfg.limits, cfg.upload_limit);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mib = |b: u64| {
        let x = b as f64 / f64::from(1 << 20);
        if x.fract() == 0.0 {
            format!("{x:.0} MiB")
        } else {
            format!("{x:.1} MiB")
        }
    };
    for (row, bytes) in [
        ("| logins |", m.logins),
        ("| connections |", m.connections),
        ("| failed-login table |", m.throttle),
        ("| kept results |", m.results),
        ("| uploads being checked |", m.uploads),
        ("| all of these |", m.total()),
    ] {
        let line = readme
            .lines()
            .find(|l| l.starts_with(row))
            .unwrap_or_else(|| panic!("README has no row {row}"));
        assert!(
            line.ends_with(&format!("| {} |", mib(bytes))),
            "{line}: expected {}",
            mib(bytes)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_over_its_bound_is_refused() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let p = Portal::open(config(&sqlite_url(dir.path(), "head.db")))
        .await
        .unwrap();
    let max = p.config().limits.request_head_bytes;
    let (server, stop) = serve(&p).await;
    let mut answers = Vec::new();
    for size in [max / 2, max + 1] {
        let mut s = connect_from(1, server).await.unwrap();
        let head = format!(
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
            "b".repeat(size)
        );
        // A refused head may be answered before it is all sent.
        let _ = s.write_all(head.as_bytes()).await;
        let answer = closed_within(&mut s, 10.0).await.unwrap_or_default();
        answers.push(answer.lines().next().unwrap_or("").to_string());
    }
    eprintln!(
        "request heads of {} and {} bytes: {answers:?}",
        max / 2,
        max + 1
    );
    assert!(answers[0].starts_with("HTTP/1.1 200"), "{answers:?}");
    assert!(answers[1].starts_with("HTTP/1.1 431"), "{answers:?}");
    drop(stop);
    p.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_that_finds_every_hashing_slot_taken_is_told_the_portal_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sqlite_url(dir.path(), "busy.db"));
    cfg.limits.password_hashes_at_once = 1;
    cfg.limits.password_wait_secs = 1;
    let p = portal_with(cfg).await;
    // The operator's hash costs twenty times as many passes: checking it holds the only slot
    // for seconds, far longer than the other login waits (1 s), however loaded the machine.
    let mut slow = p.config().limits;
    slow.argon2_iterations *= 20;
    let op = p
        .db()
        .user_by_email("op@haiyan.example")
        .await
        .unwrap()
        .unwrap();
    let hash = auth::hash_password(PASSWORD, &slow).unwrap();
    p.db().set_password(op.id, &hash).await.unwrap();
    let mut forms = login_forms(&p, 3).await;
    let (mut first, token) = forms.remove(0);
    let holder = tokio::spawn(async move {
        let fields = [
            ("email", "op@haiyan.example"),
            ("password", PASSWORD),
            ("csrf", &token),
        ];
        first.post_form("/login", &fields).await.status
    });
    // (Only to let the first login take the slot before the second asks.)
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut second, token) = forms.remove(0);
    let fields = [
        ("email", "staff@example.org"),
        ("password", PASSWORD),
        ("csrf", &token),
    ];
    let r = second.post_form("/login", &fields).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.body.contains("busy with other logins"), "{}", r.body);
    let wait: u64 = r
        .headers
        .get(header::RETRY_AFTER)
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&wait), "Retry-After {wait}");
    assert_portal_page(&r);
    assert_eq!(holder.await.unwrap(), StatusCode::SEE_OTHER);
    // Nothing was counted against the account that was told to wait.
    let (mut third, token) = forms.remove(0);
    let fields = [
        ("email", "staff@example.org"),
        ("password", "a wrong password"),
        ("csrf", &token),
    ];
    assert_eq!(
        third.post_form("/login", &fields).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut again = Client::new(p.router());
    assert_eq!(
        again
            .login("staff@example.org", "a wrong password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        again.login("staff@example.org", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    p.db().close().await;
}

/// The hostile files of `tests/data/attacks/make.py` uploaded by six operators at once to a
/// `parkbench serve` process with its default four upload slots: each is refused with its
/// message on its submission page, and the server's peak memory stays within what the portal
/// states it may hold (`portal::memory::Memory::total`, README "Security").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_uploads_at_once_are_refused_within_the_stated_memory() {
    use parkbench::portal::memory::Memory;
    let files = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("python3")
        .arg("tests/data/attacks/make.py")
        .arg(files.path())
        .args(["--cells", "2000001", "--bomb"])
        .output()
        .expect("python3 runs tests/data/attacks/make.py (standard library only)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    std::fs::copy(
        "tests/data/attacks/far-cell.xls",
        files.path().join("far-cell.xls"),
    )
    .unwrap();
    let cases: [(&str, &str); 7] = [
        (
            "junk-lines.csv",
            "the row has 1 fields but the header has 5",
        ),
        ("repeated.ods", "the sheet has more than 4000000 cells"),
        ("encrypted-bomb.xlsx", "encrypted or protected"),
        // Its declared 1 GB is past the portal's 268 MB before anything is inflated.
        ("billion-char.xlsx", "it inflates to more than 268 MB"),
        ("far-cell.xls", "the row has 256 fields"),
        ("many-cells.xlsx", "the row has 1000 fields"),
        ("bomb-100mb.xlsx", "duplicate row for park"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "hostile.db");
    let p = portal(&url, 50 << 20).await;
    let parks = p.db().parks().await.unwrap();
    let mut who = Vec::new();
    for (i, _) in cases.iter().enumerate() {
        let park = parks[i % parks.len()].park_id.clone();
        let email = format!("hostile{i}@attack.example");
        p.invite(&email, AccountRole::Operator, Some(&park))
            .await
            .unwrap();
        let user = p.db().user_by_email(&email).await.unwrap().unwrap();
        let (token, csrf) = (auth::token(), auth::token());
        p.db()
            .create_session(&auth::token_hash(&token), user.id, &csrf, 3600)
            .await
            .unwrap();
        who.push((park, token, csrf));
    }
    p.db().close().await;
    drop(p);
    // The stated memory and room for the threads' stacks and allocator arenas: past it an
    // allocation fails (a refused upload, or a dead server this test sees) before the machine
    // suffers.
    let cfg = PortalConfig::default();
    let stated = Memory::of(&cfg.limits, cfg.upload_limit).total();
    let (child, base) = serve_process_within(&url, &[], Some(stated + (2 << 30))).await;
    let pid = child.0.id();
    let idle = peak_mb(pid);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for ((file, says), (park, token, csrf)) in cases.iter().zip(who) {
        let bytes = std::fs::read(files.path().join(file)).unwrap();
        let (http, base, file, says) = (http.clone(), base.clone(), *file, *says);
        tasks.push(tokio::spawn(async move {
            let cookie = format!("{}={token}", auth::SESSION_COOKIE);
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf)
                .text("year", "2024")
                .part(
                    "files",
                    reqwest::multipart::Part::bytes(bytes).file_name(file),
                );
            let r = http
                .post(format!("{base}/park/{park}/upload"))
                .header("cookie", &cookie)
                .multipart(form)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let page = http
                .get(format!("{base}{location}"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            (file, says, status, page)
        }));
    }
    let mut failures = Vec::new();
    for t in tasks {
        let (file, says, status, page) = t.await.unwrap();
        if status != 303 || !page.contains(says) {
            let text: String = page.chars().filter(|c| *c != '\n').collect();
            let at = text.find("<main").unwrap_or(0);
            failures.push(format!(
                "{file}: {status}, page lacks {says:?}: {}",
                &text[at..(at + 3000).min(text.len())]
            ));
        }
    }
    let peak = peak_mb(pid);
    drop(child);
    let stated = stated >> 20;
    eprintln!(
        "{} hostile uploads at once: peak {peak} MB (idle {idle} MB), stated {stated} MB",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(peak <= stated, "peak {peak} MB > stated {stated} MB");
}
