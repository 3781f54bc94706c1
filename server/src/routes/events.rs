//! `GET /api/events?client_id=…`: the poke channel (Server-Sent Events). A `ready`
//! event first — the subscription is live, pull once for what came before it — then a
//! `poke` event, `{"platforms": [...]}`, whenever something this user may read changed
//! on those platforms, and a comment every 15 s so proxies keep the stream open. Not in
//! the OpenAPI document: it is a stream, not a JSON operation (server README).

use crate::auth::AuthUser;
use crate::clients;
use crate::error::ApiError;
use crate::live::Poke;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use studio_core::ids::Id;
use studio_core::protocol::Platform;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

#[derive(Deserialize)]
pub struct EventsQuery {
    /// The listening client: pokes about its own pushes are not sent back to it.
    client_id: Option<Id>,
}

fn poke_event(platforms: impl IntoIterator<Item = Platform>) -> Event {
    let platforms: Vec<Platform> = platforms.into_iter().collect();
    Event::default()
        .event("poke")
        .data(serde_json::json!({ "platforms": platforms }).to_string())
}

/// What one listener holds between events.
struct Listening {
    user: Id,
    client: Option<Id>,
    pokes: broadcast::Receiver<Arc<Poke>>,
    closing: watch::Receiver<bool>,
    ready_sent: bool,
}

impl Listening {
    /// The next event for this listener, or None when the server shuts down.
    async fn next(&mut self) -> Option<Event> {
        if !self.ready_sent {
            self.ready_sent = true;
            return Some(Event::default().event("ready").data("{}"));
        }
        loop {
            if *self.closing.borrow() {
                return None;
            }
            tokio::select! {
                _ = self.closing.changed() => return None,
                got = self.pokes.recv() => match got {
                    Ok(p) if p.reaches(self.user, self.client) => {
                        return Some(poke_event(p.platforms.iter().copied()));
                    }
                    Ok(_) => {}
                    // Fell behind: some poke may have been for us; pull everything.
                    Err(RecvError::Lagged(_)) => return Some(poke_event(Platform::ALL.iter().copied())),
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}

pub async fn events(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::Malformed(e.body_text()))?;
    if let Some(client) = q.client_id {
        // Another user's client id is refused here as on pull (403).
        let mut tx = state.db.begin().await?;
        clients::last_seq(&mut tx, client, user).await?;
        tx.commit().await?;
    }
    let listening = Listening {
        user,
        client: q.client_id,
        pokes: state.live.subscribe(),
        closing: state.live.closing(),
        ready_sent: false,
    };
    let events = stream::unfold(listening, |mut l| async move {
        l.next().await.map(|e| (Ok(e), l))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
