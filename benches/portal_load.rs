//! Load test of the upload portal on loopback: many operators log in and upload at once, over
//! real HTTP, to one portal; afterwards every submission must be there exactly once, with
//! versions 1..n per park. Prints the latency of uploads (p50, p95, max) and the throughput.
//!
//! ```sh
//! cargo bench --bench portal_load                                   # 50 operators x 3 uploads
//! cargo bench --bench portal_load -- --operators 50 --uploads 3 --db postgres://USER:PW@HOST/postgres
//! ```
//!
//! Run by `cargo test --all-targets` (no `--bench` argument) it does a smoke run: 5 operators,
//! one upload each.
//!
//! Each operator's file is their park's activity for 2020-2024 by month (about 850 rows,
//! 60 kB), made by the `synth` example's generator; with `--db postgres://...` a fresh
//! database is created on that server and dropped afterwards.

use parkbench_synth as generator;

use parkbench::portal::{AccountRole, Portal, PortalConfig};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const PASSWORD: &str = "load test password";

struct Args {
    operators: usize,
    uploads: usize,
    db: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        operators: 50,
        uploads: 3,
        db: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if !argv.iter().any(|a| a == "--bench") {
        a.operators = 5;
        a.uploads = 1;
    }
    let mut i = 0;
    while i < argv.len() {
        let next = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--operators" => a.operators = next.parse().expect("--operators N"),
            "--uploads" => a.uploads = next.parse().expect("--uploads N"),
            "--db" => a.db = Some(next),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

fn main() {
    let a = args();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(a));
}

/// The value of `name="csrf" value="..."` in a page.
fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

/// Cookies from `Set-Cookie` headers, as a `Cookie` header value.
fn cookies(resp: &reqwest::Response, jar: &mut BTreeMap<String, String>) -> String {
    for c in resp.headers().get_all(reqwest::header::SET_COOKIE) {
        let c = c.to_str().unwrap();
        let kv = c.split(';').next().unwrap();
        if let Some((k, v)) = kv.split_once('=') {
            jar.insert(k.to_string(), v.to_string());
        }
    }
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One operator: log in, then upload their file `uploads` times; the latency of each upload.
async fn operator(
    site: String,
    email: String,
    park: String,
    file: Vec<u8>,
    uploads: usize,
) -> Vec<(Duration, u64)> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut jar = BTreeMap::new();
    let page = http.get(format!("{site}/login")).send().await.unwrap();
    let cookie = cookies(&page, &mut jar);
    let token = csrf(&page.text().await.unwrap());
    let r = http
        .post(format!("{site}/login"))
        .header("cookie", cookie)
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login of {email}");
    let cookie = cookies(&r, &mut jar);
    let page = http
        .get(format!("{site}/park/{park}"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let token = csrf(&page.text().await.unwrap());
    let mut out = Vec::new();
    for _ in 0..uploads {
        let form = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .text("year", "2024")
            .part(
                "files",
                reqwest::multipart::Part::bytes(file.clone())
                    .file_name(format!("{park}-activity.csv")),
            );
        let t = Instant::now();
        let r = http
            .post(format!("{site}/park/{park}/upload"))
            .header("cookie", &cookie)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let took = t.elapsed();
        assert_eq!(r.status(), 303, "upload of {park}");
        let location = r.headers()["location"].to_str().unwrap().to_string();
        let version: u64 = location
            .split('/')
            .nth(4)
            .and_then(|v| v.split('?').next())
            .and_then(|v| v.parse().ok())
            .expect("the new version in the redirect");
        out.push((took, version));
    }
    out
}

async fn run(a: Args) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = generator::Config {
        parks: a.operators,
        years: 5,
        first_year: 2020,
        monthly: true,
        ..generator::Config::default()
    };
    let gen_dir = dir.path().join("programme");
    generator::generate(&cfg, &gen_dir).unwrap();
    let (db_url, pg_admin) = match &a.db {
        Some(url) if url.starts_with("postgres") => {
            use sqlx::Connection;
            let name = format!("pb_load_{}", std::process::id());
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await
                .unwrap();
            (
                format!("{}/{name}", url.rsplit_once('/').unwrap().0),
                Some((url.clone(), name)),
            )
        }
        Some(url) => (url.clone(), None),
        None => (
            format!("sqlite://{}", dir.path().join("load.db").display()),
            None,
        ),
    };
    let portal = Portal::open(PortalConfig {
        db_url: db_url.clone(),
        benchmarks: vec!["cn-zero-carbon-park-2025".into()],
        ..PortalConfig::default()
    })
    .await
    .unwrap();
    let parks = portal
        .import_roster(&gen_dir.join("parks.csv"))
        .await
        .unwrap();
    assert_eq!(parks, a.operators);
    let roster = portal.db().parks().await.unwrap();
    // Each park's rows of the generated activity file.
    let text = std::fs::read_to_string(gen_dir.join("activity.csv")).unwrap();
    let header = text.lines().next().unwrap().to_string();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for l in text.lines().skip(1) {
        let id = l.split(',').next().unwrap();
        files
            .entry(id.to_string())
            .or_insert_with(|| format!("{header}\n"))
            .push_str(&format!("{l}\n"));
    }
    let mut jobs = Vec::new();
    for (i, p) in roster.iter().enumerate() {
        let email = format!("op{i}@load.example");
        portal
            .create_account(&email, PASSWORD, AccountRole::Operator, Some(&p.park_id))
            .await
            .unwrap();
        jobs.push((
            email,
            p.park_id.clone(),
            files[&p.park_id].clone().into_bytes(),
        ));
    }
    let bytes: usize = jobs.iter().map(|j| j.2.len()).sum::<usize>() / jobs.len().max(1);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let router = portal.router();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let start = Instant::now();
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|(email, park, file)| {
            tokio::spawn(operator(site.clone(), email, park, file, a.uploads))
        })
        .collect();
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await.expect("an operator finished"));
    }
    let wall = start.elapsed();

    // Nothing lost, nothing twice: versions 1..=uploads for every park.
    let subs = portal.db().submissions_in(2024).await.unwrap();
    assert_eq!(
        subs.len(),
        a.operators * a.uploads,
        "every upload stored once"
    );
    let mut per_park: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for s in &subs {
        per_park.entry(&s.park_id).or_default().push(s.version);
        assert!(s.valid, "{} v{} is valid", s.park_id, s.version);
    }
    for (park, mut v) in per_park {
        v.sort_unstable();
        assert_eq!(
            v,
            (1..=a.uploads as i64).collect::<Vec<_>>(),
            "versions of {park}"
        );
    }
    let mut ms: Vec<f64> = latencies
        .iter()
        .map(|(d, _)| d.as_secs_f64() * 1e3)
        .collect();
    ms.sort_by(f64::total_cmp);
    let q = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "portal load ({}): {} operators x {} uploads of ~{} kB at once: all {} stored once, versions 1..{} per park",
        if db_url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        a.operators,
        a.uploads,
        bytes / 1000,
        subs.len(),
        a.uploads
    );
    println!(
        "upload latency: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms; {:.1} uploads/s over {:.1} s (logins included)",
        q(0.5),
        q(0.95),
        ms.last().copied().unwrap_or(0.0),
        ms.len() as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    );
    portal.db().close().await;
    if let Some((url, name)) = pg_admin {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&mut c)
            .await
            .unwrap();
    }
}
