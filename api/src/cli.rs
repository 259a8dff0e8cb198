//! The command line: `serve` (the default), `migrate`, `schema`.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::config::{DatabaseSettings, LogFormat, ServeSettings, Settings};
use crate::db::{self, StatementCounter};
use crate::startup::Application;

/// Tandem: the GraphQL API for joint CMO/CIO engagements and budgets.
#[derive(Debug, Parser)]
#[command(name = "tandem", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseSettings,
    /// Log filter, e.g. `info` or `tandem=debug,info`.
    #[arg(long, env = "TANDEM_LOG", default_value = "info", global = true)]
    pub log_level: String,
    /// Log format.
    #[arg(
        long,
        env = "TANDEM_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    /// Serve settings, for `tandem` without a command.
    #[command(flatten)]
    pub serve: ServeSettings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations and serve the API (the default).
    Serve(ServeSettings),
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
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

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", crate::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    crate::telemetry::init(&cli.log_level, cli.log_format);
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
            tracing::error!(error = %err, "tandem stopped with an error");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command.
pub async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Some(Command::Schema) => Ok(()),
        None => serve(cli.database, cli.serve).await,
        Some(Command::Serve(settings)) => serve(cli.database, settings).await,
        Some(Command::Migrate { action }) => {
            let db = db::connect(&cli.database, Arc::new(StatementCounter::default())).await?;
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
    }
}

async fn serve(
    database: DatabaseSettings,
    serve: ServeSettings,
) -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings { database, serve };
    let bind = settings.serve.bind;
    let app = Application::build(settings).await?;
    let url = format!("http://{}:{}", bind.ip(), app.port());
    tracing::info!(%url, "Tandem is listening");
    println!("Tandem is listening on {url}");
    println!("GraphiQL: {url}/graphql");
    app.run_until_stopped().await?;
    tracing::info!("Tandem stopped");
    Ok(())
}
