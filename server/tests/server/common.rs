//! Test harness: starts the real `studio-server` binary on a free port with a fresh
//! database (a SQLite file in a temp dir, or a fresh PostgreSQL database created through
//! `STUDIO_TEST_POSTGRES_URL`) and talks HTTP to it.
#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use uuid::Uuid;

pub const BIN_BUILT: &str = env!("CARGO_BIN_EXE_studio-server");

/// The binary under test: the one cargo built, or `STUDIO_SERVER_BIN` (e.g. a release
/// build for the measurements).
pub fn bin() -> String {
    std::env::var("STUDIO_SERVER_BIN").unwrap_or_else(|_| BIN_BUILT.to_owned())
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Defines `mod $name { sqlite, postgres }`, running `$body(Backend)` on each database.
/// Without `STUDIO_TEST_POSTGRES_URL` the postgres variant says so and passes.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body(common::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if common::postgres_admin_url().is_none() {
                    eprintln!("skipped: STUDIO_TEST_POSTGRES_URL is not set");
                    return;
                }
                $body(common::Backend::Postgres).await;
            }
        }
    };
}

pub fn postgres_admin_url() -> Option<String> {
    std::env::var("STUDIO_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// A fresh, empty database of this backend.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

fn psql(admin: &str, sql: &str) {
    let out = Command::new("psql")
        .arg(admin)
        .args(["-qAtc", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => TestDb {
                url: format!("sqlite://{}", dir.path().join("studio.sqlite").display()),
                dir,
                pg_name: None,
            },
            Backend::Postgres => {
                let admin = postgres_admin_url().expect("STUDIO_TEST_POSTGRES_URL");
                let name = format!("t_{}", Uuid::new_v4().simple());
                psql(&admin, &format!("CREATE DATABASE {name}"));
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                TestDb {
                    url: format!("{base}/{name}"),
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// Runs a CLI command of the server against this database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(bin())
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("STUDIO_DATA_DIR", self.dir.path().join(".data"))
            .output()
            .expect("studio-server runs")
    }

    pub fn token(&self, email: &str) -> String {
        let out = self.cli(&["token", "create", email]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8(out.stdout).expect("utf8");
        let token = token.trim();
        assert_eq!(
            token.lines().count(),
            1,
            "token create prints only the token"
        );
        token.to_owned()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let (Some(name), Some(admin)) = (&self.pg_name, postgres_admin_url()) {
            let _ = Command::new("psql")
                .arg(&admin)
                .args([
                    "-qAtc",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .output();
        }
    }
}

pub struct Server {
    pub base: String,
    /// The dev user's token, printed by the first start.
    pub dev_token: String,
    pub db: std::sync::Arc<TestDb>,
    pub child: Child,
    pub http: reqwest::Client,
    pub www: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub async fn start(backend: Backend) -> Server {
        Self::start_on(TestDb::new(backend)).await
    }

    pub async fn start_on(db: TestDb) -> Server {
        Self::start_shared(std::sync::Arc::new(db)).await
    }

    /// A server with extra environment, e.g. short HTTP timeouts.
    pub async fn start_with_env(backend: Backend, env: &[(&str, &str)]) -> Server {
        Self::start_shared_with_env(std::sync::Arc::new(TestDb::new(backend)), env).await
    }

    /// Another server process on the same database (several servers may share one).
    pub async fn another(&self) -> Server {
        let mut s = Self::start_shared(self.db.clone()).await;
        s.dev_token = self.dev_token.clone();
        s
    }

    async fn start_shared(db: std::sync::Arc<TestDb>) -> Server {
        Self::start_shared_with_env(db, &[]).await
    }

    async fn start_shared_with_env(db: std::sync::Arc<TestDb>, env: &[(&str, &str)]) -> Server {
        let www = db.dir.path().join("www");
        let pkg = db.dir.path().join("pkg");
        std::fs::create_dir_all(&www).unwrap();
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(
            www.join("index.html"),
            "<!doctype html><title>studio</title>",
        )
        .unwrap();
        std::fs::write(pkg.join("studio_store.js"), "export default 1;").unwrap();
        let mut child = Command::new(bin())
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("DATABASE_URL", &db.url)
            .env("STUDIO_DATA_DIR", db.dir.path().join(".data"))
            .env("STUDIO_WWW_DIR", &www)
            .env("STUDIO_PKG_DIR", &pkg)
            .env("STUDIO_RUNNER_DELAY_MS", "60")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("studio-server starts");
        let stdout = child.stdout.take().expect("stdout");
        let (base, dev_token) = tokio::task::spawn_blocking(move || {
            let mut token = String::new();
            for line in BufReader::new(stdout).lines() {
                let line = line.expect("stdout line");
                if let Some(rest) = line.split("token: ").nth(1) {
                    token = rest.split_whitespace().next().unwrap_or("").to_owned();
                }
                if let Some(addr) = line.strip_prefix("listening on ") {
                    return (addr.trim().to_owned(), token);
                }
            }
            panic!("server exited before listening");
        })
        .await
        .expect("reader");
        Server {
            base,
            dev_token,
            db,
            child,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            www,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn post_raw(
        &self,
        token: Option<&str>,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.post(self.url(path)).body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn push_raw(&self, token: &str, platform: &str, body: &Value) -> (StatusCode, Value) {
        self.post_raw(
            Some(token),
            &format!("/api/{platform}/push"),
            Some("application/json"),
            serde_json::to_vec(body).unwrap(),
        )
        .await
    }

    pub async fn pull(
        &self,
        token: &str,
        platform: &str,
        client: Uuid,
        cursor: u64,
        limit: Option<u32>,
    ) -> (StatusCode, Value) {
        let limit = limit.map(|l| format!("&limit={l}")).unwrap_or_default();
        self.get(
            Some(token),
            &format!("/api/{platform}/pull?client_id={client}&cursor={cursor}{limit}"),
        )
        .await
    }

    /// Every change of the platform visible to the token, following has_more.
    pub async fn pull_all(&self, token: &str, platform: &str, cursor: u64) -> (Vec<Value>, u64) {
        let client = Uuid::new_v4();
        let mut cursor = cursor;
        let mut all = Vec::new();
        loop {
            let (status, body) = self.pull(token, platform, client, cursor, Some(1000)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            all.extend(body["changes"].as_array().unwrap().iter().cloned());
            cursor = body["cursor"].as_u64().unwrap();
            if !body["has_more"].as_bool().unwrap() {
                return (all, cursor);
            }
        }
    }

    /// The current state of one entity as the token sees it (None: absent or deleted).
    pub async fn state_of(&self, token: &str, platform: &str, id: Uuid) -> Option<Value> {
        let (changes, _) = self.pull_all(token, platform, 0).await;
        latest(&changes, id)
    }

    pub async fn tool_id(&self, slug: &str) -> Uuid {
        let (changes, _) = self.pull_all(&self.dev_token, "apps", 0).await;
        let tool = changes
            .iter()
            .find(|c| c["entity"] == "tool" && c["value"]["slug"] == slug)
            .expect("tool in catalog");
        tool["id"].as_str().unwrap().parse().unwrap()
    }
}

/// The last state of an entity in a list of changes; None when deleted or absent.
pub fn latest(changes: &[Value], id: Uuid) -> Option<Value> {
    let id = id.to_string();
    changes
        .iter()
        .rfind(|c| c["id"] == id.as_str())
        .and_then(|c| {
            if c["deleted"].as_bool().unwrap_or(false) {
                None
            } else {
                Some(c["value"].clone())
            }
        })
}

/// A sync client of one user: numbers its mutations.
pub struct Client {
    pub token: String,
    pub id: Uuid,
    pub seq: u64,
}

impl Client {
    pub fn new(token: &str) -> Client {
        Client {
            token: token.to_owned(),
            id: Uuid::new_v4(),
            seq: 0,
        }
    }

    /// Pushes one batch; returns the status and body.
    pub async fn push_batch(
        &mut self,
        s: &Server,
        platform: &str,
        mutations: &[(&str, Value)],
    ) -> (StatusCode, Value) {
        let muts: Vec<Value> = mutations
            .iter()
            .map(|(name, args)| {
                self.seq += 1;
                json!({"seq": self.seq, "name": name, "args": args})
            })
            .collect();
        s.push_raw(
            &self.token,
            platform,
            &json!({"client_id": self.id, "mutations": muts}),
        )
        .await
    }

    /// Pushes one mutation; returns its result (`{"seq", "status", "error"?}`).
    pub async fn push(&mut self, s: &Server, platform: &str, name: &str, args: Value) -> Value {
        let (status, body) = self.push_batch(s, platform, &[(name, args)]).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        body["results"][0].clone()
    }

    /// Pushes one mutation that must apply.
    pub async fn ok(&mut self, s: &Server, platform: &str, name: &str, args: Value) {
        let r = self.push(s, platform, name, args.clone()).await;
        assert_eq!(r["status"], "applied", "{name} {args}: {r}");
    }

    /// Pushes one mutation that must be rejected with `code`.
    pub async fn rejected(
        &mut self,
        s: &Server,
        platform: &str,
        name: &str,
        args: Value,
        code: &str,
    ) -> Value {
        let r = self.push(s, platform, name, args.clone()).await;
        assert_eq!(r["status"], "rejected", "{name} {args}: {r}");
        assert_eq!(r["error"]["code"], code, "{name} {args}: {r}");
        r
    }
}

pub fn id() -> Uuid {
    Uuid::new_v4()
}

/// Asserts the error body shape and code, and that it leaks nothing internal.
pub fn assert_error(status: StatusCode, body: &Value, want_status: u16, code: &str) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    let text = body.to_string().to_lowercase();
    for leak in [
        "sqlx",
        "select ",
        "insert ",
        "panicked",
        "stack backtrace",
        "sqlite",
        "postgres",
    ] {
        assert!(!text.contains(leak), "error body leaks {leak:?}: {body}");
    }
}

/// Polls until `f` returns Some, up to `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "timed out waiting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs `sql` on the server's database behind its back, foreign keys not enforced, as a
/// hand edit or an old tool would.
pub async fn raw_sql(s: &Server, b: Backend, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&s.db.url)
        .await
        .expect("connect");
    let unchecked = match b {
        Backend::Sqlite => "PRAGMA foreign_keys = OFF",
        Backend::Postgres => "SET session_replication_role = replica",
    };
    sqlx::raw_sql(unchecked)
        .execute(&mut conn)
        .await
        .expect("fks off");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.expect("close");
}
