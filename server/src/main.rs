//! studio-server: the reference sync server of studio-store.

mod apply;
mod auth;
mod catalog;
mod changelog;
mod clients;
mod config;
mod db;
mod error;
mod http;
mod legacy;
mod live;
mod routes;
mod runner;
mod settings_schema;
mod state;
mod store;

use clap::{Parser, Subcommand};
use db::Db;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "studio-server",
    version,
    about = "Reference sync server for studio-store"
)]
struct Cli {
    /// `postgres://...` for PostgreSQL; otherwise a SQLite file (created when missing).
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the app (www/ at /, pkg/ at /pkg/).
    Serve {
        #[arg(long, env = "STUDIO_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        #[arg(long, env = "STUDIO_WWW_DIR")]
        www_dir: Option<PathBuf>,
        #[arg(long, env = "STUDIO_PKG_DIR")]
        pkg_dir: Option<PathBuf>,
        #[command(flatten)]
        limits: HttpArgs,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Apply the schema migrations only.
    Migrate,
    /// Move a database in the legacy layout (renders.settings.imageType,
    /// canvas_graphs.chain_id) to the target layout, in place.
    MigrateLegacy {
        /// Report what would move; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a messy legacy-layout fixture into an empty database (for tests and demos).
    #[command(hide = true)]
    LegacyFixture {
        #[arg(long, default_value_t = 10_000)]
        renders: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// How long a client may take, and how many may be connected (see `http`).
#[derive(clap::Args)]
struct HttpArgs {
    /// Time to receive a request's head, from when the server starts waiting for it
    /// (a new connection, or the end of the last response): also the idle timeout.
    #[arg(long, env = "STUDIO_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    header_timeout_ms: u64,
    /// Time to receive a whole request body.
    #[arg(long, env = "STUDIO_BODY_TIMEOUT_MS", default_value_t = 30_000)]
    body_timeout_ms: u64,
    /// Connections served at once; more wait to be accepted.
    #[arg(long, env = "STUDIO_MAX_CONNECTIONS", default_value_t = 1024)]
    max_connections: usize,
}

impl HttpArgs {
    fn limits(&self) -> http::HttpLimits {
        http::HttpLimits {
            header_timeout: std::time::Duration::from_millis(self.header_timeout_ms.max(1)),
            body_timeout: std::time::Duration::from_millis(self.body_timeout_ms.max(1)),
            max_connections: self.max_connections.max(1),
        }
    }
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for the user with this email (created when missing); prints only
    /// the token.
    Create { email: String },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_max_level(tracing::Level::INFO)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error + Send + Sync>;

async fn open(url: Option<String>) -> Result<Db, AnyError> {
    let url = url.unwrap_or_else(config::default_database_url);
    Ok(Db::connect(&url).await?)
}

/// Opens the database with the current schema, refusing a legacy one.
async fn open_migrated(url: Option<String>) -> Result<Db, AnyError> {
    let db = open(url).await?;
    if legacy::needs_migration(&db).await? {
        return Err(
            "this database is in the legacy layout: run `studio-server migrate-legacy` first"
                .into(),
        );
    }
    db.migrate().await?;
    Ok(db)
}

async fn run(cli: Cli) -> Result<(), AnyError> {
    match cli.command {
        Command::Serve {
            addr,
            www_dir,
            pkg_dir,
            limits,
        } => serve(cli.database_url, addr, www_dir, pkg_dir, limits.limits()).await,
        Command::Token {
            command: TokenCommand::Create { email },
        } => {
            let email = email.trim().to_ascii_lowercase();
            if email.is_empty() || !email.contains('@') || email.len() > 320 {
                return Err("give an email address".into());
            }
            let db = open_migrated(cli.database_url).await?;
            let (_, token) = auth::create_token(&db, &email).await?;
            println!("{token}");
            db.close().await;
            Ok(())
        }
        Command::Migrate => {
            let db = open_migrated(cli.database_url).await?;
            db.close().await;
            eprintln!("schema up to date ({})", db.backend().as_str());
            Ok(())
        }
        Command::MigrateLegacy { dry_run, json } => {
            let db = open(cli.database_url).await?;
            let report = legacy::migrate::run(&db, dry_run).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.to_text());
            }
            db.close().await;
            if report.reconciles() {
                Ok(())
            } else {
                Err("the report does not reconcile".into())
            }
        }
        Command::LegacyFixture { renders, seed } => {
            let db = open(cli.database_url).await?;
            let counts = legacy::fixture::generate(&db, renders, seed).await?;
            println!("{}", serde_json::to_string_pretty(&counts)?);
            db.close().await;
            Ok(())
        }
    }
}

async fn serve(
    url: Option<String>,
    addr: String,
    www_dir: Option<PathBuf>,
    pkg_dir: Option<PathBuf>,
    limits: http::HttpLimits,
) -> Result<(), AnyError> {
    let db = open_migrated(url).await?;
    let loaded = catalog::load(&db).await?;
    if loaded > 0 {
        tracing::info!("loaded {loaded} tools from the catalog");
    }
    if !auth::has_users(&db).await? {
        // First start on an empty database: a dev user, so the app works at once.
        let (_, token) = auth::create_token(&db, auth::DEV_EMAIL).await?;
        let path = config::data_dir().join("dev-token");
        let written = std::fs::create_dir_all(config::data_dir())
            .and_then(|_| std::fs::write(&path, format!("{token}\n")));
        match written {
            Ok(()) => println!(
                "dev user {} created; token: {token} (also in {})",
                auth::DEV_EMAIL,
                path.display()
            ),
            Err(_) => println!("dev user {} created; token: {token}", auth::DEV_EMAIL),
        }
    }
    let root = config::repo_root();
    let dirs = routes::StaticDirs {
        www: www_dir.unwrap_or_else(|| root.join("www")),
        pkg: pkg_dir.unwrap_or_else(|| root.join("pkg")),
    };
    let state = state::AppState {
        db: db.clone(),
        settings: Arc::default(),
        runner: Arc::default(),
        live: live::Hub::default(),
    };
    state.live.listen(&state.db);
    let state_live = state.live.clone();
    tokio::spawn(runner::run(state.clone(), config::runner_delay()));
    let app = routes::router(state, &dirs);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?;
    println!("listening on http://{local}");
    tracing::info!(
        "serving {} at / and {} at /pkg/ ({} database)",
        dirs.www.display(),
        dirs.pkg.display(),
        db.backend().as_str()
    );
    let live = state_live;
    let shutdown = async move {
        shutdown_signal().await;
        // The event streams end, or a graceful shutdown would wait on them forever.
        live.close();
    };
    http::serve(listener, app, limits, shutdown).await;
    db.close().await;
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, finish the requests in flight.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}
