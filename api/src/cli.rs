//! The command line: `serve` (the default), `migrate`, `schema`, `user` and
//! `token`.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use sea_orm::DatabaseConnection;
use tandem_entities::Role;

use crate::caller::Caller;
use crate::config::{AuthSettings, DatabaseSettings, LogFormat, ServeSettings, Settings};
use crate::db::{self, StatementCounter};
use crate::error::AppError;
use crate::services::api_tokens::{self, ApiTokenScope, NewApiToken};
use crate::services::auth;
use crate::services::users::{self, NewUser};
use crate::services::{clients, contacts};
use crate::startup::Application;

mod report;

/// Tandem: the GraphQL API for joint CMO/CIO engagements and budgets.
///
/// Without a command, serves the API as `tandem serve` does, with its
/// settings from the environment (flags go after `serve`). Exit codes: 0 on
/// success, 1 when the command failed (one `error:` line on stderr), 2 for
/// a command line that does not parse.
#[derive(Debug, Parser)]
#[command(name = "tandem", version, about)]
pub struct Cli {
    /// Log filter, e.g. `info` or `tandem=debug,info` (default: `info` when
    /// serving, `warn` for other commands).
    #[arg(long, env = "TANDEM_LOG", global = true)]
    pub log_level: Option<String>,
    /// Log format.
    #[arg(
        long,
        env = "TANDEM_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    /// Log colours: `auto` (only when stderr is a terminal), `always` or
    /// `never`.
    #[arg(
        long,
        env = "TANDEM_LOG_COLOR",
        value_enum,
        default_value = "auto",
        global = true
    )]
    pub log_color: crate::telemetry::Color,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What serving needs: the database, authentication and the server's own
/// settings.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseSettings,
    #[command(flatten)]
    pub auth: AuthSettings,
    #[command(flatten)]
    pub settings: ServeSettings,
}

/// The database an administrative command works on (the pool settings are
/// `serve`'s alone).
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://USER@HOST:PORT/DB`.
    #[arg(
        long = "database-url",
        env = "DATABASE_URL",
        default_value = crate::config::DEFAULT_DATABASE_URL,
        global = true
    )]
    pub url: String,
}

impl DatabaseArg {
    fn settings(&self) -> DatabaseSettings {
        DatabaseSettings::new(self.url.clone())
    }
}

/// `tandem` without a command: `serve`'s settings, from the environment.
#[derive(Debug, Parser)]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations and serve the API (the default).
    Serve(ServeArgs),
    /// Manage the database schema.
    Migrate {
        #[command(flatten)]
        database: DatabaseArg,
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Manage users.
    User {
        #[command(flatten)]
        database: DatabaseArg,
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens for scripts.
    Token {
        #[command(flatten)]
        database: DatabaseArg,
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Fetch a report from a Tandem server as a table, CSV or JSON.
    Report(report::ReportArgs),
    /// Load demo data (`--demo`) or a large synthetic data set
    /// (`--scale N`) into a database without clients.
    Seed {
        #[command(flatten)]
        database: DatabaseArg,
        #[command(flatten)]
        args: crate::seed::SeedArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the last migration (or `--steps N`).
    Down {
        /// How many migrations to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

/// Roles, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    AccountManager,
    Delivery,
    Client,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::AccountManager => Role::AccountManager,
            RoleArg::Delivery => Role::Delivery,
            RoleArg::Client => Role::Client,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a user; the password is read from stdin with
    /// `--password-stdin`, else a one-time password is printed.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Code of the client a CLIENT user belongs to.
        #[arg(long)]
        client: Option<String>,
        /// E-mail of the contact a CLIENT user is.
        #[arg(long)]
        contact_email: Option<String>,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Set a user's password, read from the first line of stdin.
    SetPassword {
        #[arg(long)]
        email: String,
    },
    /// Disable a user: their tokens stop working at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create an API token for a user; it is printed once.
    Create {
        /// The user the token acts as.
        #[arg(long)]
        email: String,
        /// A name to recognise the token by.
        #[arg(long)]
        name: String,
        /// `read` or `write` (write includes read).
        #[arg(long, default_value = "read")]
        scope: String,
        /// Days until the token expires; never when omitted.
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// Revoke a token by the prefix shown in lists (e.g. `tdm_pat_AbCd`).
    Revoke {
        #[arg(long)]
        prefix: String,
    },
    /// List tokens (never the tokens themselves).
    List,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", crate::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
    let level = cli
        .log_level
        .clone()
        .unwrap_or_else(|| if serving { "info" } else { "warn" }.to_owned());
    crate::telemetry::init(&level, cli.log_format, cli.log_color);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line per failure, on stderr (not a log line as well).
            eprintln!("error: {}", one_line(&err.to_string()));
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

/// A message on one line: line breaks become `; `.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A service error, as one line for the console.
#[derive(Debug)]
struct CliError(String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

fn app_err(e: AppError) -> Box<dyn std::error::Error> {
    Box::new(CliError(e.message()))
}

async fn open(
    database: &DatabaseSettings,
) -> Result<DatabaseConnection, Box<dyn std::error::Error>> {
    let db = db::connect(database, Arc::new(StatementCounter::default())).await?;
    db::migrate_up(&db).await?;
    Ok(db)
}

fn read_password() -> Result<String, Box<dyn std::error::Error>> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Runs one command.
pub async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Some(Command::Schema) => Ok(()),
        None => serve(ServeOnly::try_parse_from(["tandem"])?.args).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Migrate { database, action }) => migrate(&database.settings(), action).await,
        Some(Command::User { database, action }) => user(&database.settings(), action).await,
        Some(Command::Token { database, action }) => token(&database.settings(), action).await,
        Some(Command::Report(args)) => report::run(args).await,
        Some(Command::Seed { database, args }) => {
            Ok(crate::seed::run(&open(&database.settings()).await?, args).await?)
        }
    }
}

async fn migrate(database: &DatabaseSettings, action: MigrateAction) -> CliResult {
    let db = db::connect(database, Arc::new(StatementCounter::default())).await?;
    match action {
        MigrateAction::Up => {
            db::migrate_up(&db).await?;
            println!("migrations applied");
        }
        MigrateAction::Down { steps } => {
            db::migrate_down(&db, Some(steps)).await?;
            println!("rolled back {steps} migration(s)");
        }
        MigrateAction::Status => {
            for (name, applied) in db::migration_status(&db).await? {
                println!("{} {name}", if applied { "applied" } else { "pending" });
            }
        }
    }
    Ok(())
}

async fn user(database: &DatabaseSettings, action: UserAction) -> CliResult {
    let db = open(database).await?;
    let system = Caller::System;
    match action {
        UserAction::Create {
            email,
            name,
            role,
            client,
            contact_email,
            password_stdin,
        } => {
            let client_id = match client {
                Some(code) => Some(
                    clients::find_by_code(&db, &system, &code)
                        .await
                        .map_err(app_err)?
                        .map(|c| c.id)
                        .ok_or_else(|| CliError(format!("no client with code {code}")))?,
                ),
                None => None,
            };
            let contact_id =
                match contact_email {
                    Some(email) => {
                        let filter = contacts::ContactFilter {
                            email: Some(crate::services::filter::TextFilter {
                                eq: Some(email.clone()),
                                ..Default::default()
                            }),
                            client_id: client_id.map(|id| crate::services::filter::IdFilter {
                                eq: Some(id),
                                ..Default::default()
                            }),
                            ..Default::default()
                        };
                        let page = crate::services::pagination::PageRequest::first_page();
                        let cond = crate::services::filter::build(&filter).map_err(app_err)?;
                        let order = contacts::ContactOrder::default().ordering();
                        let found = crate::resource::list::<crate::resource::Contacts>(
                            &db, &system, cond, &order, &page,
                        )
                        .await
                        .map_err(app_err)?;
                        Some(found.items.first().map(|c| c.id).ok_or_else(|| {
                            CliError(format!("no contact {email} at that client"))
                        })?)
                    }
                    None => None,
                };
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let input = NewUser {
                email,
                name,
                password,
                role: role.into(),
                client_id,
                contact_id,
            };
            let (user, generated) = users::create(&db, &system, input).await.map_err(app_err)?;
            println!("created {} ({:?})", user.email, user.role);
            if let Some(pw) = generated {
                println!("one-time password: {pw}");
            }
        }
        UserAction::List => {
            for u in users::all(&db).await.map_err(app_err)? {
                println!(
                    "{}\t{}\t{:?}\t{}",
                    u.email,
                    u.name,
                    u.role,
                    if u.active { "active" } else { "disabled" }
                );
            }
        }
        UserAction::SetPassword { email } => {
            let password = read_password()?;
            users::set_password(&db, &system, &email, &password)
                .await
                .map_err(app_err)?;
            println!("password set for {email}");
        }
        UserAction::Disable { email } => {
            let user = users::find_by_email(&db, &email)
                .await
                .map_err(app_err)?
                .ok_or_else(|| CliError(format!("no user {email}")))?;
            users::set_active(&db, &system, user.id, false)
                .await
                .map_err(app_err)?;
            println!("disabled {email}");
        }
    }
    Ok(())
}

async fn token(database: &DatabaseSettings, action: TokenAction) -> CliResult {
    let db = open(database).await?;
    match action {
        TokenAction::Create {
            email,
            name,
            scope,
            expires_in_days,
        } => {
            let user = users::find_by_email(&db, &email)
                .await
                .map_err(app_err)?
                .ok_or_else(|| CliError(format!("no user {email}")))?;
            if !user.active {
                return Err(Box::new(CliError(format!("{email} is disabled"))));
            }
            let scopes = match scope.as_str() {
                "read" => vec![ApiTokenScope::Read],
                "write" => vec![ApiTokenScope::Read, ApiTokenScope::Write],
                other => {
                    return Err(Box::new(CliError(format!(
                        "unknown scope {other:?}: use read or write"
                    ))));
                }
            };
            let caller = Caller::User(Box::new(
                auth::principal(&db, &user, true).await.map_err(app_err)?,
            ));
            let input = NewApiToken {
                name,
                scopes,
                expires_at: expires_in_days.map(|d| Utc::now() + TimeDelta::days(d)),
            };
            let (_, token) = api_tokens::create(&db, &caller, input)
                .await
                .map_err(app_err)?;
            println!("{token}");
        }
        TokenAction::Revoke { prefix } => {
            let n = api_tokens::revoke_by_prefix(&db, &prefix)
                .await
                .map_err(app_err)?;
            if n == 0 {
                return Err(Box::new(CliError(format!(
                    "no active token with prefix {prefix}"
                ))));
            }
            println!("revoked {n} token(s)");
        }
        TokenAction::List => {
            for t in api_tokens::all(&db).await.map_err(app_err)? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{state}",
                    t.prefix,
                    t.name,
                    t.scopes,
                    t.created_at.to_rfc3339()
                );
            }
        }
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> CliResult {
    let settings = Settings {
        database: args.database,
        auth: args.auth,
        serve: args.settings,
    };
    let bind = settings.serve.bind;
    let app = Application::build(settings).await?;
    let url = format!("http://{}:{}", bind.ip(), app.port());
    tracing::info!(%url, "Tandem is listening");
    // A closed stdout must not stop the server.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "Tandem is listening on {url}");
    let _ = writeln!(out, "GraphiQL: {url}/graphql");
    let _ = out.flush();
    app.run_until_stopped().await?;
    tracing::info!("Tandem stopped");
    Ok(())
}
