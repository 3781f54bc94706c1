//! The poke channel (`GET /api/events`, issue 13 target 4): a poke reaches the users who
//! may read what changed and nobody else, not the client that pushed it, and on
//! PostgreSQL the clients of another instance too.

use crate::common::{self, assert_error, id, Client, Server};
use crate::db_test;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

/// One listener's stream of events, read as the server sends them.
struct Events {
    res: reqwest::Response,
    buf: String,
}

impl Events {
    async fn open(s: &Server, token: &str, client: Option<Uuid>) -> Events {
        let query = client.map_or(String::new(), |c| format!("?client_id={c}"));
        let res = reqwest::Client::new()
            .get(s.url(&format!("/api/events{query}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("events");
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        let mut e = Events {
            res,
            buf: String::new(),
        };
        assert_eq!(e.next(Duration::from_secs(5)).await.unwrap().0, "ready");
        e
    }

    /// The next event (name, data) within `wait`, skipping keep-alive comments.
    async fn next(&mut self, wait: Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()))
                };
                if let (Some(event), Some(data)) = (field("event:"), field("data:")) {
                    return Some((event, serde_json::from_str(&data).expect("json data")));
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    async fn poke(&mut self) -> Value {
        let (event, data) = self
            .next(Duration::from_secs(5))
            .await
            .expect("a poke within 5 s");
        assert_eq!(event, "poke");
        data
    }

    async fn quiet(&mut self, why: &str) {
        let got = self.next(Duration::from_millis(700)).await;
        assert!(got.is_none(), "{why}: {got:?}");
    }
}

async fn create_project(c: &mut Client, s: &Server, public: bool) -> Uuid {
    let p = id();
    c.ok(
        s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Villa", "is_public": public}),
    )
    .await;
    p
}

async fn pokes_reach_only_readers(b: common::Backend) {
    let s = Server::start(b).await;
    let bob = s.db.token("bob@example.com");
    let mut alice_events = Events::open(&s, &s.dev_token, None).await;
    let mut bob_events = Events::open(&s, &bob, None).await;
    let mut alice = Client::new(&s.dev_token);

    let p = create_project(&mut alice, &s, false).await;
    assert_eq!(
        alice_events.poke().await,
        json!({"platforms": ["projects"]})
    );
    bob_events
        .quiet("bob may not read alice's private project")
        .await;

    alice
        .ok(
            &s,
            "projects",
            "project.update",
            json!({"id": p, "is_public": true}),
        )
        .await;
    assert_eq!(bob_events.poke().await["platforms"], json!(["projects"]));
    alice_events.poke().await;

    // Gone private again: bob is poked, so his pull fetches the revocation.
    alice
        .ok(
            &s,
            "projects",
            "project.update",
            json!({"id": p, "is_public": false}),
        )
        .await;
    bob_events.poke().await;

    // No or a bad token, another user's client id: refused with a code.
    let res = reqwest::get(s.url("/api/events")).await.unwrap();
    let status = res.status();
    assert_error(status, &res.json().await.unwrap(), 401, "unauthorized");
    let (status, body) = s
        .get(Some(&bob), &format!("/api/events?client_id={}", alice.id))
        .await;
    assert_error(status, &body, 403, "forbidden");
}
db_test!(live_pokes_reach_only_readers, pokes_reach_only_readers);

async fn own_pushes_are_not_poked_back(b: common::Backend) {
    let s = Server::start(b).await;
    let mut here = Client::new(&s.dev_token);
    let mut elsewhere = Client::new(&s.dev_token);
    // The client exists once it has pushed.
    create_project(&mut here, &s, false).await;
    let mut events = Events::open(&s, &s.dev_token, Some(here.id)).await;
    create_project(&mut here, &s, false).await;
    events.quiet("its own push").await;
    create_project(&mut elsewhere, &s, false).await;
    events.poke().await;
}
db_test!(
    live_own_pushes_are_not_poked_back,
    own_pushes_are_not_poked_back
);

/// Two instances on one PostgreSQL: a push on one pokes the clients of the other.
async fn pokes_cross_instances(b: common::Backend) {
    if b == common::Backend::Sqlite {
        return; // one instance per SQLite file (server README)
    }
    let s1 = Server::start(b).await;
    let s2 = s1.another().await;
    let mut events = Events::open(&s2, &s1.dev_token, None).await;
    let mut c = Client::new(&s1.dev_token);
    create_project(&mut c, &s1, false).await;
    assert_eq!(events.poke().await["platforms"], json!(["projects"]));
}
db_test!(live_pokes_cross_instances, pokes_cross_instances);

/// SIGTERM ends the event streams and the server exits, on PostgreSQL too (its
/// listener holds a pooled connection that closing the pool would wait for).
async fn shutdown_with_listeners(b: common::Backend) {
    let mut s = Server::start(b).await;
    let mut events = Events::open(&s, &s.dev_token, None).await;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &s.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    assert!(
        events.next(Duration::from_secs(5)).await.is_none(),
        "the stream ends"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while s.child.try_wait().expect("the server process").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not exit on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
db_test!(
    live_shutdown_ends_streams_and_exits,
    shutdown_with_listeners
);
