//! `parkbench accounts`: the portal's accounts from the command line: invite one with its role
//! and scope (printing its one-time setup link), change one's role or scope, list them. Every
//! change is an event of the portal's audit trail, made by "command line (<OS user>)".

use clap::{Args, Subcommand};

use super::{CliError, ExitStatus};
use parkbench::portal::{AccountRole, NewAccount, Portal, PortalConfig};

#[derive(Debug, Subcommand)]
pub enum AccountsCmd {
    /// Invite an account and print its one-time setup link (an existing account with the same
    /// role and scope gets a new link: a password reset).
    Add(AccountArgs),
    /// Change an account's role, park or scope (it is logged out everywhere).
    Change(AccountArgs),
    /// List the accounts with their role and scope.
    List(DbArgs),
}

/// The portal's database.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// The portal's database: sqlite://FILE or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, value_name = "URL", default_value = "sqlite://parkbench.db")]
    pub db: String,
}

#[derive(Debug, Args)]
pub struct AccountArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// operator (one park), staff (a scope) or admin.
    #[arg(long, value_name = "ROLE", value_parser = ["operator", "staff", "admin"])]
    pub role: String,
    /// An operator's park (its id on the roster).
    #[arg(long, value_name = "ID")]
    pub park: Option<String>,
    /// Staff: `nation` (every park; the final decision) or `province:<name>` (its parks; the
    /// province's assessment), e.g. province:jiangsu or province:江苏. Default: nation.
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// The address people reach the portal at, for the setup link (default
    /// http://127.0.0.1:8080).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

/// Opens the portal's database (migrating it) on a runtime of its own.
pub(crate) fn open(
    db: &str,
    public_url: Option<&str>,
) -> Result<(tokio::runtime::Runtime, Portal), CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|source| CliError::Io {
            what: "the runtime".into(),
            source,
        })?;
    let mut cfg = PortalConfig {
        db_url: db.to_string(),
        ..PortalConfig::default()
    };
    if let Some(u) = public_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(CliError::Usage(format!(
                "--public-url {u}: expected https://HOST[:PORT] (or http://)"
            )));
        }
        cfg.public_url = u.trim_end_matches('/').to_string();
    }
    let portal = rt
        .block_on(Portal::open(cfg))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    Ok((rt, portal))
}

pub fn run(cmd: AccountsCmd) -> Result<ExitStatus, CliError> {
    match cmd {
        AccountsCmd::Add(a) => {
            let (rt, portal) = open(&a.db.db, a.public_url.as_deref())?;
            let account = account(&a)?;
            let actor = parkbench::portal::audit::Actor::command_line();
            let path = rt
                .block_on(portal.invite_as(&a.email, &account, &actor))
                .map_err(|e| CliError::Usage(e.to_string()))?;
            println!(
                "{} {}: set the password at {}",
                a.role,
                a.email.trim().to_lowercase(),
                portal.public_link(&path)
            );
            rt.block_on(portal.db().close());
            Ok(ExitStatus::Success)
        }
        AccountsCmd::Change(a) => {
            let (rt, portal) = open(&a.db.db, None)?;
            let account = account(&a)?;
            let actor = parkbench::portal::audit::Actor::command_line();
            rt.block_on(portal.change_role_as(&a.email, &account, &actor))
                .map_err(|e| CliError::Usage(e.to_string()))?;
            super::note(format_args!("{}: role changed", a.email.trim()));
            rt.block_on(portal.db().close());
            Ok(ExitStatus::Success)
        }
        AccountsCmd::List(d) => {
            let (rt, portal) = open(&d.db, None)?;
            let users = rt
                .block_on(portal.db().users())
                .map_err(|e| CliError::Usage(e.to_string()))?;
            println!("email\trole\tscope");
            for u in &users {
                println!(
                    "{}\t{}\t{}",
                    u.email,
                    u.role.as_str(),
                    parkbench::portal::scope::of(u).label()
                );
            }
            rt.block_on(portal.db().close());
            Ok(ExitStatus::Success)
        }
    }
}

fn account(a: &AccountArgs) -> Result<NewAccount<'_>, CliError> {
    let role = AccountRole::parse(&a.role)
        .ok_or_else(|| CliError::Usage("--role: expected operator, staff or admin".into()))?;
    if role != AccountRole::Operator && a.park.is_some() {
        return Err(CliError::Usage(format!(
            "--park: only an operator has a park (--role {})",
            a.role
        )));
    }
    if role == AccountRole::Operator && a.park.is_none() {
        return Err(CliError::Usage("--role operator needs --park ID".into()));
    }
    Ok(NewAccount {
        role,
        park_id: a.park.as_deref(),
        scope: a.scope.as_deref(),
    })
}
