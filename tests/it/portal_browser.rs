//! The portal end to end in headless Chromium, driven over WebDriver by Debian's chromedriver:
//! an operator logs in, uploads a bad file, sees the errors, uploads the fixed file and sees the
//! scorecard; staff log in and see the park in the ranking. Screenshots are checked (size, not
//! blank, colours of the charts) and kept under `target/portal-screenshots/`.
//! It is `#[ignore]`d unless asked (`-- --ignored`, as `.ci/run` does), so a machine without
//! Chromium never reports it as passed; asked without Chromium or chromedriver, it fails.

use base64::Engine;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::portal::{PASSWORD, broken_sample, portal, sqlite_url};

const PARK: &str = "js-haiyan-zerocarbon";

fn tools() -> (PathBuf, PathBuf) {
    let find = |names: &[&str]| names.iter().map(PathBuf::from).find(|p| p.exists());
    let chromium = std::env::var("PARKBENCH_CHROMIUM")
        .ok()
        .map(PathBuf::from)
        .or_else(|| find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]));
    let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => (c, d),
        _ => panic!(
            "chromium or chromedriver is missing (.ci/run installs chromium and chromium-driver)"
        ),
    }
}

struct Driver {
    child: Child,
    http: reqwest::Client,
    base: String,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Driver {
    async fn start(chromium: &Path, driver: &Path, profile: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut d = Driver {
            child,
            http,
            base,
            session: String::new(),
        };
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1600", "--lang=en-GB", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let v = d.call("POST", "/session", Some(caps)).await;
        d.session = v["sessionId"]
            .as_str()
            .expect("a WebDriver session")
            .to_string();
        d
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let resp = req.send().await.expect("chromedriver answers");
        let v: Value = resp.json().await.expect("JSON from chromedriver");
        assert!(
            v["value"]["error"].is_null(),
            "WebDriver {method} {path}: {v}"
        );
        v.get("value").cloned().unwrap_or(v)
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    async fn go(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(json!({"url": url})))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                "POST",
                &self.s("/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    async fn typ(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.call("POST", &self.s(&format!("/element/{e}/clear")), None)
            .await;
        self.call(
            "POST",
            &self.s(&format!("/element/{e}/value")),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.call("POST", &self.s(&format!("/element/{e}/click")), None)
            .await;
    }

    /// A WebDriver GET whose value is a string.
    async fn get_str(&self, rest: &str) -> String {
        self.call("GET", &self.s(rest), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.get_str(&format!("/element/{e}/text")).await
    }

    async fn url(&self) -> String {
        self.get_str("/url").await
    }

    /// Waits (up to 10 s) for the browser to arrive at a URL containing `part`; the URL.
    async fn arrive(&self, part: &str) -> String {
        let mut url = String::new();
        for _ in 0..100 {
            url = self.url().await;
            if url.contains(part) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected to arrive at {part}, but the browser is at {url}");
    }

    async fn source(&self) -> String {
        self.get_str("/source").await
    }

    /// Saves a screenshot under `target/portal-screenshots/` and measures it (see [`Shot`]).
    async fn screenshot(&self, name: &str) -> Shot {
        let b64 = self.call("GET", &self.s("/screenshot"), None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/portal-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
        Shot::decode(&png)
    }
}

struct Shot {
    width: u32,
    height: u32,
    /// Share of pixels that are not the page background.
    ink: f64,
    /// Pixels that are clearly coloured (not grey).
    colourful: usize,
}

impl Shot {
    fn decode(bytes: &[u8]) -> Shot {
        let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
        dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        let px: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
        let background = [0xf6u8, 0xf7, 0xf9];
        let ink = px
            .iter()
            .filter(|p| p[..3] != background && p[..3] != [255, 255, 255])
            .count() as f64
            / px.len() as f64;
        let colourful = px
            .iter()
            .filter(|p| {
                let (mx, mn) = (*p[..3].iter().max().unwrap(), *p[..3].iter().min().unwrap());
                mx - mn > 60
            })
            .count();
        Shot {
            width: info.width,
            height: info.height,
            ink,
            colourful,
        }
    }

    fn check(&self, name: &str) {
        assert!(
            self.width >= 1000 && self.height >= 800,
            "{name}: {}x{}",
            self.width,
            self.height
        );
        assert!(
            self.ink > 0.02,
            "{name}: the screenshot is blank ({:.3})",
            self.ink
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver (Debian chromium, chromium-driver): cargo test --test it in_chromium -- --ignored (.ci/run does)"]
async fn an_operator_fixes_an_upload_and_staff_see_the_park_ranked_in_chromium() {
    let (chromium, chromedriver) = tools();
    let dir = tempfile::tempdir().unwrap();
    let p = portal(&sqlite_url(dir.path(), "e2e.db"), 50 << 20).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let router = p.router();
    tokio::spawn(async move { axum::serve(listener, router).await });

    // The operator's files: one with a broken value, then the fixed one.
    let (activity, lines) = broken_sample(PARK);
    let bad = dir.path().join("haiyan-activity.csv");
    std::fs::write(&bad, format!("{}\n", lines.join("\n"))).unwrap();
    let good = dir.path().join("haiyan-activity-fixed.csv");
    std::fs::write(&good, &activity).unwrap();

    let profile = dir.path().join("profile");
    let d = Driver::start(&chromium, &chromedriver, &profile).await;

    // Log in as the operator.
    d.go(&format!("{site}/login")).await;
    d.typ("#email", "op@haiyan.example").await;
    d.typ("#password", PASSWORD).await;
    d.click("#login-button").await;
    d.arrive(&format!("/park/{PARK}")).await;
    assert_eq!(d.text("#who").await, "op@haiyan.example");
    d.screenshot("1-park").await.check("park page");

    // The bad file: the errors, by file, line and column.
    d.typ("#upload-year", "2024").await;
    d.typ("#files", &bad.display().to_string()).await;
    d.click("#upload-button").await;
    d.arrive(&format!("/park/{PARK}/2024/1?lang=en")).await;
    let status = d.text("#status").await;
    assert!(status.contains("has errors"), "{status}");
    let problems = d.text("#problems").await;
    assert!(
        problems.contains("haiyan-activity.csv:4:4") && problems.contains("12x4"),
        "{problems}"
    );
    let shot = d.screenshot("2-errors").await;
    shot.check("errors");

    // The fixed file: valid, and the scorecard is on the park page.
    d.click("#back-to-park").await;
    d.typ("#upload-year", "2024").await;
    d.typ("#files", &good.display().to_string()).await;
    d.click("#upload-button").await;
    d.arrive("/2024/2?lang=en").await;
    assert!(d.text("#status").await.contains("valid"));
    d.click("#back-to-park").await;
    d.arrive(&format!("/park/{PARK}?year=2024")).await;
    let level = d.text("#level").await;
    assert!(!level.is_empty());
    assert!(d.source().await.contains("<svg"));
    let shot = d.screenshot("3-scorecard").await;
    shot.check("scorecard");
    assert!(
        shot.colourful > 500,
        "the scorecard chart shows its colours: {}",
        shot.colourful
    );
    let history = d.text("#history").await;
    assert!(
        history.contains("v2") && history.contains("counts") && history.contains("v1"),
        "{history}"
    );

    // Log out; staff log in and find the park in the ranking.
    d.click("header form button").await;
    d.arrive("/login").await;
    d.typ("#email", "staff@example.org").await;
    d.typ("#password", PASSWORD).await;
    d.click("#login-button").await;
    d.arrive("/programme").await;
    let ranking = d.text("#ranking").await;
    assert!(
        ranking.contains(PARK) && ranking.contains("海岩零碳智造产业园"),
        "{ranking}"
    );
    let missing = d.text("#missing").await;
    assert!(missing.contains("hb-yanshan-steel"), "{missing}");
    let shot = d.screenshot("4-programme").await;
    shot.check("programme");
    assert!(
        shot.colourful > 500,
        "the ranking chart shows: {}",
        shot.colourful
    );

    // The same page in Chinese.
    d.click("#lang-switch").await;
    assert!(d.source().await.contains("排名"));
    d.screenshot("5-programme-zh").await.check("programme zh");
    let _ = d.call("DELETE", &d.s(""), None).await;
}
