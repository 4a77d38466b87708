//! `parkbench serve`: the upload portal for operators and programme staff.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::{CliError, ExitStatus};
use parkbench::portal::{AccountRole, Portal, PortalConfig};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Database: an SQLite file (created on first start) or a PostgreSQL URL
    /// (postgres://USER:PASSWORD@HOST/DB).
    #[arg(long, value_name = "URL", default_value = "sqlite://parkbench.db")]
    pub db: String,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Benchmark sets offered (repeat; default: every shipped set, the first as default).
    #[arg(long = "benchmark", value_name = "ID")]
    pub benchmarks: Vec<String>,
    /// Create a programme admin with this email and print a one-time setup link.
    #[arg(long, value_name = "EMAIL")]
    pub init_admin: Option<String>,
    /// Add (or update) the programme's parks from a parks table (CSV or workbook).
    #[arg(long, value_name = "FILE")]
    pub roster: Vec<PathBuf>,
    /// Submit every park of a dataset folder (parks.csv + activity*.csv) for --year: a
    /// programme's existing data, or the sample programme for a demonstration.
    #[arg(long, value_name = "DIR", requires = "year")]
    pub import: Option<PathBuf>,
    /// Reporting year of --import.
    #[arg(long, value_name = "YYYY")]
    pub year: Option<i32>,
    /// Who the portal's reports are for (their identification block; "not given" without it).
    #[arg(long, value_name = "TEXT")]
    pub client: Option<String>,
    /// Who prepares the portal's reports (the programme office running it).
    #[arg(long, value_name = "TEXT")]
    pub preparer: Option<String>,
    /// Largest upload accepted, in MB.
    #[arg(long, value_name = "MB", default_value_t = 50)]
    pub upload_limit_mb: usize,
    /// Leave the Secure flag off the cookies: only for plain HTTP on a host name other than
    /// localhost (behind TLS, or on 127.0.0.1, keep it on).
    #[arg(long)]
    pub insecure_cookies: bool,
    /// Set up (--init-admin, --roster) and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
    /// The address people reach the portal at (https://portal.example.org): setup links are
    /// built from it. Default: http:// and --bind.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Seconds a client has to send a request's headers (default: indicators/limits.toml).
    #[arg(long, value_name = "SECS")]
    pub header_timeout_secs: Option<u64>,
    /// Seconds a request's body may pause (default: indicators/limits.toml).
    #[arg(long, value_name = "SECS")]
    pub body_timeout_secs: Option<u64>,
    /// Seconds the whole body of a form that is not an upload may take (default:
    /// indicators/limits.toml).
    #[arg(long, value_name = "SECS")]
    pub form_body_secs: Option<u64>,
    /// Slowest average rate of an upload's body after its grace, in bytes a second (default:
    /// indicators/limits.toml).
    #[arg(long, value_name = "BYTES")]
    pub upload_min_bytes_per_sec: Option<u64>,
    /// Connections one client address may hold at once; raise it behind a reverse proxy
    /// (default: indicators/limits.toml).
    #[arg(long, value_name = "N")]
    pub connections_per_address: Option<usize>,
    /// Seconds one request may take in all (default: indicators/limits.toml).
    #[arg(long, value_name = "SECS")]
    pub request_timeout_secs: Option<u64>,
    /// Uploads checked at once over all users (default: indicators/limits.toml).
    #[arg(long, value_name = "N")]
    pub uploads_at_once: Option<usize>,
    /// Invalid versions of a park and year kept whole (default: indicators/limits.toml).
    #[arg(long, value_name = "N")]
    pub keep_invalid_versions: Option<usize>,
}

pub fn run(args: ServeArgs) -> Result<ExitStatus, CliError> {
    init_tracing();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| CliError::Io {
            what: "the runtime".into(),
            source,
        })?;
    rt.block_on(async move {
        let limits = portal_limits(&args)?;
        let public_url = public_url(&args)?;
        let cfg = PortalConfig {
            db_url: args.db.clone(),
            benchmarks: args.benchmarks.clone(),
            upload_limit: args.upload_limit_mb << 20,
            secure_cookies: !args.insecure_cookies,
            public_url,
            limits,
            report_issue: parkbench::identification::Issue {
                client: args
                    .client
                    .as_deref()
                    .and_then(parkbench::identification::given),
                preparer: args
                    .preparer
                    .as_deref()
                    .and_then(parkbench::identification::given),
                issue_date: None,
            },
        };
        let portal = Portal::open(cfg)
            .await
            .map_err(|e| CliError::Usage(e.to_string()))?;
        prepare(&portal, &args).await?;
        if args.no_serve {
            return Ok(ExitStatus::Success);
        }
        parkbench::portal::serve(portal, args.bind).await?;
        Ok(ExitStatus::Success)
    })
}

/// Log lines to stderr, at `RUST_LOG`'s level (info by default), coloured on a terminal.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// The shipped portal limits with the ones given on the command line.
fn portal_limits(args: &ServeArgs) -> Result<parkbench::reference::PortalLimits, CliError> {
    let mut limits = parkbench::reference::Limits::embedded()?.portal;
    let set = |field: &mut u64, v: Option<u64>| *field = v.unwrap_or(*field);
    set(&mut limits.header_timeout_secs, args.header_timeout_secs);
    set(&mut limits.body_idle_secs, args.body_timeout_secs);
    set(&mut limits.request_timeout_secs, args.request_timeout_secs);
    set(&mut limits.form_body_secs, args.form_body_secs);
    set(
        &mut limits.upload_min_bytes_per_sec,
        args.upload_min_bytes_per_sec,
    );
    limits.connections_per_address = args
        .connections_per_address
        .unwrap_or(limits.connections_per_address);
    limits.uploads_at_once = args.uploads_at_once.unwrap_or(limits.uploads_at_once);
    // A waiting upload's body is not read: its wait must end (with "busy") before the
    // connection's idle deadline, or the user gets no answer.
    if limits.upload_wait_secs >= limits.body_idle_secs {
        return Err(CliError::Usage(format!(
            "--body-timeout-secs {}: expected more than the {} s an upload waits for a slot \
             (upload_wait_secs in indicators/limits.toml)",
            limits.body_idle_secs, limits.upload_wait_secs
        )));
    }
    limits.keep_invalid_versions = args
        .keep_invalid_versions
        .unwrap_or(limits.keep_invalid_versions);
    Ok(limits)
}

/// The address people reach the portal at: `--public-url`, else the bound address (with a
/// warning when that is no address people can reach).
fn public_url(args: &ServeArgs) -> Result<String, CliError> {
    match &args.public_url {
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => {
            Ok(u.trim_end_matches('/').to_string())
        }
        Some(u) => Err(CliError::Usage(format!(
            "--public-url {u}: expected https://HOST[:PORT] (or http://)"
        ))),
        None => {
            if args.bind.ip().is_unspecified() {
                tracing::warn!(
                    bind = %args.bind,
                    "no --public-url: setup links will name {}, which people cannot reach",
                    args.bind
                );
            }
            Ok(format!("http://{}", args.bind))
        }
    }
}

/// What the command line asks of the portal before it serves: rosters imported, a folder of
/// a year's data imported, the first admin invited.
async fn prepare(portal: &Portal, args: &ServeArgs) -> Result<(), CliError> {
    for r in &args.roster {
        let n = portal
            .import_roster(r)
            .await
            .map_err(|e| CliError::Usage(e.to_string()))?;
        super::note(format_args!("roster: {n} parks from {}", r.display()));
    }
    if let (Some(dir), Some(year)) = (&args.import, args.year) {
        let (valid, invalid) = portal
            .import(dir, year)
            .await
            .map_err(|e| CliError::Usage(e.to_string()))?;
        super::note(format_args!(
            "imported {} parks for {year} from {}: {valid} valid, {invalid} with errors",
            valid + invalid,
            dir.display()
        ));
    }
    if let Some(email) = &args.init_admin {
        let path = portal
            .invite(email, AccountRole::Admin, None)
            .await
            .map_err(|e| CliError::Usage(e.to_string()))?;
        // The link is the admin's way in: printed even with --quiet.
        println!(
            "admin {email}: set the password at {}",
            portal.public_link(&path)
        );
    }
    Ok(())
}
