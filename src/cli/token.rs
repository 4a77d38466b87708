//! `parkbench token`: bearer tokens for the portal's API. `create` prints the token (the only
//! time it is shown: the portal stores its SHA-256) on standard output and nothing else, so
//! `T=$(parkbench token create ...)` works; `list` and `revoke` manage them. Each creation and
//! revocation is an event of the portal's audit trail.

use clap::{Args, Subcommand};

use super::accounts::{DbArgs, open};
use super::{CliError, ExitStatus};

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create a token for an account and print it.
    Create(CreateArgs),
    /// List tokens (never the tokens themselves): id, account, label, dates, status.
    List(ListArgs),
    /// Revoke a token by its id (from `token list`).
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Days the token works (default and maximum: api_token_days and api_token_max_days in
    /// indicators/limits.toml).
    #[arg(long, value_name = "N")]
    pub days: Option<i64>,
    /// What the token is for (the machine that uses it), shown in lists and the audit trail.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub label: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Only this account's tokens.
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, value_name = "N")]
    pub id: i64,
}

fn day(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

pub fn run(cmd: TokenCmd) -> Result<ExitStatus, CliError> {
    let actor = parkbench::portal::audit::Actor::command_line();
    match cmd {
        TokenCmd::Create(a) => {
            let (rt, portal) = open(&a.db.db, None)?;
            let (token, id) = rt
                .block_on(portal.create_token(&a.email, a.days, &a.label, &actor))
                .map_err(|e| CliError::Usage(e.to_string()))?;
            println!("{token}");
            super::note(format_args!(
                "token {id} for {}: keep it secret, it is not shown again",
                a.email.trim()
            ));
            rt.block_on(portal.db().close());
            Ok(ExitStatus::Success)
        }
        TokenCmd::List(a) => {
            let (rt, portal) = open(&a.db.db, None)?;
            let email = a.email.as_deref().map(|e| e.trim().to_lowercase());
            let tokens = rt
                .block_on(portal.db().tokens(email.as_deref()))
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let now = parkbench::portal::db::now();
            println!("id\temail\tlabel\tcreated\texpires\tstatus");
            for t in &tokens {
                let status = if t.revoked_at.is_some() {
                    "revoked"
                } else if t.expires_at <= now {
                    "expired"
                } else {
                    "live"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{status}",
                    t.id,
                    t.email,
                    t.label,
                    day(t.created_at),
                    day(t.expires_at)
                );
            }
            rt.block_on(portal.db().close());
            Ok(ExitStatus::Success)
        }
        TokenCmd::Revoke(a) => {
            let (rt, portal) = open(&a.db.db, None)?;
            rt.block_on(portal.revoke_token(a.id, &actor))
                .map_err(|e| CliError::Usage(e.to_string()))?;
            super::note(format_args!("token {} revoked", a.id));
            rt.block_on(portal.db().close());
            Ok(ExitStatus::Success)
        }
    }
}
