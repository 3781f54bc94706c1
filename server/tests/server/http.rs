//! The HTTP edges: slow and idle clients are cut off after the configured timeouts, many
//! of them cannot slow the others down, and an oversized body is refused before it is
//! read. Short timeouts through the server's environment keep these fast.

use crate::common::{self, id, Client, Server};
use crate::db_test;
use serde_json::json;
use std::time::{Duration, Instant};
use studio_core::limits::BODY_MAX_BYTES;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEADER_TIMEOUT: Duration = Duration::from_millis(3000);
const BODY_TIMEOUT: Duration = Duration::from_millis(3000);
/// How late past its timeout the server may close a connection on a busy machine.
const SLACK: Duration = Duration::from_secs(6);

async fn start(b: common::Backend, max_connections: &str) -> Server {
    let header = HEADER_TIMEOUT.as_millis().to_string();
    let body = BODY_TIMEOUT.as_millis().to_string();
    Server::start_with_env(
        b,
        &[
            ("STUDIO_HEADER_TIMEOUT_MS", &header),
            ("STUDIO_BODY_TIMEOUT_MS", &body),
            ("STUDIO_MAX_CONNECTIONS", max_connections),
        ],
    )
    .await
}

fn host(s: &Server) -> String {
    s.base.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (EOF or reset); returns what it sent.
/// Panics when it is still open at `deadline`.
async fn until_closed(conn: &mut TcpStream, deadline: Instant) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, conn.read(&mut buf)).await {
            Err(_) => panic!(
                "the server kept the connection open (got {:?})",
                String::from_utf8_lossy(&got)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => return got,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// A slow client: either headers that never end, or a body that never completes, one
/// byte at a time so the connection is never silent.
async fn slow_client(addr: String, dribble_body: bool, opened: Instant) -> Duration {
    let mut conn = TcpStream::connect(&addr).await.expect("connect");
    let head = if dribble_body {
        "POST /api/projects/push HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"
    } else {
        "POST /api/projects/push HTTP/1.1\r\nhost: x\r\n"
    };
    conn.write_all(head.as_bytes()).await.expect("write head");
    let deadline = opened + HEADER_TIMEOUT.max(BODY_TIMEOUT) + SLACK;
    let mut buf = [0u8; 1024];
    loop {
        let byte: &[u8] = if dribble_body { b" " } else { b"x" };
        if conn.write_all(byte).await.is_err() {
            return opened.elapsed();
        }
        match tokio::time::timeout(Duration::from_millis(200), conn.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return opened.elapsed(),
            Ok(Ok(_)) => {}
            Err(_) => {}
        }
        assert!(
            Instant::now() < deadline,
            "a slow client (dribbling its {}) was never cut off",
            if dribble_body { "body" } else { "headers" }
        );
    }
}

/// 200 clients dribbling headers or bodies: normal requests keep being answered fast
/// while they are held, and each slow one is closed by the server after its timeout.
async fn slow_clients_do_not_slow_others(b: common::Backend) {
    let s = start(b, "1024").await;
    let mut c = Client::new(&s.dev_token);
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "Warm"}),
    )
    .await;

    let opened = Instant::now();
    let slow: Vec<_> = (0..200)
        .map(|i| tokio::spawn(slow_client(host(&s), i % 2 == 0, opened)))
        .collect();
    // While the slow ones are held (well inside their timeout), normal work goes on.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut worst = Duration::ZERO;
    while opened.elapsed() < HEADER_TIMEOUT.min(BODY_TIMEOUT) - Duration::from_millis(800) {
        let started = Instant::now();
        let (status, _) = s.get(None, "/api/health").await;
        assert_eq!(status, 200);
        let r = c
            .push(
                &s,
                "projects",
                "project.create",
                json!({"id": id(), "name": "Busy"}),
            )
            .await;
        assert_eq!(r["status"], "applied", "{r}");
        worst = worst.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        worst < Duration::from_millis(2000),
        "a normal request took {worst:?} while slow clients were held"
    );
    for handle in slow {
        let held = handle.await.expect("slow client task");
        assert!(
            held >= HEADER_TIMEOUT.min(BODY_TIMEOUT) - Duration::from_millis(500),
            "a slow client was closed after {held:?}, before its timeout"
        );
    }
}
db_test!(slow_clients, slow_clients_do_not_slow_others);

/// A keep-alive connection left idle after its response is closed by the server.
async fn idle_keep_alive_is_closed(b: common::Backend) {
    let s = start(b, "1024").await;
    let mut conn = TcpStream::connect(host(&s)).await.unwrap();
    conn.write_all(b"GET /api/health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = conn.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    let idle_from = Instant::now();
    until_closed(&mut conn, idle_from + HEADER_TIMEOUT + SLACK).await;
    assert!(idle_from.elapsed() >= HEADER_TIMEOUT - Duration::from_millis(500));
}
db_test!(idle_keep_alive, idle_keep_alive_is_closed);

/// A declared length over the limit is refused at once, without waiting for the body.
async fn declared_oversize_is_refused_early(b: common::Backend) {
    let s = start(b, "1024").await;
    let mut conn = TcpStream::connect(host(&s)).await.unwrap();
    let head = format!(
        "POST /api/projects/push HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        s.dev_token,
        BODY_MAX_BYTES + 1
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    // Well inside the body timeout: the answer must not wait for the body.
    let answer = until_closed(&mut conn, Instant::now() + BODY_TIMEOUT / 2).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("\"payload_too_large\""), "{text}");
    // The server still answers other requests: a whole body over the limit is refused
    // the same way (a chunked one: api.rs, bad_input).
    let (status, body) = s
        .post_raw(
            Some(&s.dev_token),
            "/api/projects/push",
            Some("application/json"),
            vec![b' '; BODY_MAX_BYTES + 1],
        )
        .await;
    common::assert_error(status, &body, 413, "payload_too_large");
}
db_test!(early_413, declared_oversize_is_refused_early);

/// At the connection limit new connections wait until a slot frees (here: until the
/// idle ones are cut off), then are served.
async fn connection_limit_holds(b: common::Backend) {
    let s = start(b, "4").await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(host(&s)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let (status, _) = s.get(None, "/api/health").await;
    assert_eq!(status, 200);
    let waited = started.elapsed();
    assert!(
        waited >= HEADER_TIMEOUT - Duration::from_millis(800),
        "served after {waited:?} although 4 connections held every slot"
    );
    assert!(waited < HEADER_TIMEOUT + SLACK, "served after {waited:?}");
}
db_test!(connection_limit, connection_limit_holds);
