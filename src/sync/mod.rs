//! Sync with the server: push the outbox in bounded batches, pull every platform by
//! cursor with paging, retry with backoff and jitter, pause while offline. One tab per
//! database syncs (Web Locks); the others hear its status and changes over the tab
//! channel.

pub mod http;
pub mod identity;
mod live;
pub mod lock;
pub mod status;
pub mod storage;
pub mod tabs;

use crate::api::watch::Origin;
use crate::api::Inner;
use crate::error::Failure;
use crate::idb::read;
use crate::idb::txn::IdbTxn;
use crate::util::{now_ms, race, sleep};
use http::{HttpError, Server};
use js_sys::Function;
use lock::Leadership;
use serde::Serialize;
use status::{StatusError, SyncState, SyncStatus};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use studio_core::client::engine::Rejection;
use studio_core::json::serialized_len;
use studio_core::protocol::pull::SetAside;
use studio_core::protocol::{Platform, PushRequest};
use studio_core::{ErrorCode, Id};
use tabs::TabMessage;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Mutations per push request.
const PUSH_BATCH: usize = 100;
/// A push body refused as too large (413) below this size says nothing about its entry.
const TOO_LARGE_FLOOR_BYTES: usize = 64 * 1024;
/// Changes per pull page.
const PULL_LIMIT: u32 = 500;
const BACKOFF_MIN_MS: f64 = 500.0;
/// Damaged records one round sets aside before it gives up: each repair removes one,
/// so this only bounds a store with very many (a graph's buckets, say).
const MAX_REPAIRS: usize = 256;
const BACKOFF_MAX_MS: f64 = 30_000.0;

#[derive(Serialize)]
struct RejectionEvent<'a> {
    seq: u64,
    name: &'a str,
    args: serde_json::Value,
    code: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct SetAsideEvent<'a> {
    platform: &'a str,
    entity: &'a str,
    id: &'a str,
    code: &'a str,
    message: &'a str,
}

/// What a listener subscribes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    Status,
    Rejected,
    SetAside,
}

/// An event listener on the global scope, kept to remove it on stop.
type Listener = (String, Closure<dyn FnMut(JsValue)>);

/// A `sync.now()` waiting for a round: its promise's resolve and reject, and the first
/// round number that counts (one that starts, or in another tab completes, after it).
struct Waiter {
    resolve: Function,
    reject: Function,
    from_round: u64,
}

/// The least pause between automatic rounds, so a burst of edits (a drag) is pushed as
/// a few coalesced mutations rather than one round per edit.
const MIN_GAP_MS: u32 = 1_000;

pub struct Syncer {
    inner: Weak<Inner>,
    server: Server,
    client_id: Id,
    /// The database's user as the server confirmed it; until then, every round checks
    /// first, so nothing is pushed or pulled for the wrong account.
    verified_user: Cell<Option<Id>>,
    auto: Cell<bool>,
    interval_ms: u32,
    status: RefCell<SyncStatus>,
    status_subs: RefCell<Vec<(u32, Function)>>,
    rejected_subs: RefCell<Vec<(u32, Function)>>,
    set_aside_subs: RefCell<Vec<(u32, Function)>>,
    next_sub: Cell<u32>,
    /// Resolves the loop's wait: an edit, `online`, or `sync.now()`.
    wake: RefCell<Option<Function>>,
    waiters: RefCell<Vec<Waiter>>,
    /// Rounds this tab has started.
    rounds_started: Cell<u64>,
    /// Another tab asked for a round.
    requested: Cell<bool>,
    stopped: Cell<bool>,
    leadership: RefCell<Option<Leadership>>,
    listeners: RefCell<Vec<Listener>>,
    /// Ends the poke channel's request when the store closes.
    live_abort: RefCell<Option<web_sys::AbortController>>,
}

/// How a store syncs, from its open options.
pub struct Settings {
    pub url: String,
    pub token: String,
    pub client_id: Id,
    /// The user `open` confirmed with the server, if it could reach it.
    pub verified_user: Option<Id>,
    pub auto: bool,
    /// Listen on the server's poke channel (with `auto`).
    pub live: bool,
    pub interval_ms: u32,
    pub timeout_ms: u32,
    /// Outbox entries not yet answered when the store opened.
    pub pending: u64,
}

impl Syncer {
    pub(crate) fn start(inner: &Rc<Inner>, s: Settings) -> Result<Rc<Syncer>, Failure> {
        let url = &s.url;
        check_url(url)?;
        let syncer = Rc::new(Syncer {
            inner: Rc::downgrade(inner),
            server: Server::new(url, &s.token, s.timeout_ms),
            client_id: s.client_id,
            verified_user: Cell::new(s.verified_user),
            auto: Cell::new(s.auto),
            interval_ms: s.interval_ms.max(50),
            status: RefCell::new(SyncStatus {
                pending: s.pending,
                ..SyncStatus::initial(true)
            }),
            status_subs: RefCell::new(Vec::new()),
            rejected_subs: RefCell::new(Vec::new()),
            set_aside_subs: RefCell::new(Vec::new()),
            next_sub: Cell::new(0),
            wake: RefCell::new(None),
            waiters: RefCell::new(Vec::new()),
            rounds_started: Cell::new(0),
            requested: Cell::new(false),
            stopped: Cell::new(false),
            leadership: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            live_abort: RefCell::new(None),
        });
        syncer.listen_online();
        let weak = Rc::downgrade(&syncer);
        let live = s.live;
        let leadership = Leadership::request(&inner.name, move || {
            if let Some(s) = weak.upgrade() {
                s.update(|st| st.leader = true);
                if live && s.auto.get() {
                    wasm_bindgen_futures::spawn_local(live::listen(Rc::downgrade(&s)));
                }
                wasm_bindgen_futures::spawn_local(Syncer::run(s));
            }
        });
        *syncer.leadership.borrow_mut() = Some(leadership);
        Ok(syncer)
    }

    pub fn client_id(&self) -> Id {
        self.client_id
    }

    pub fn stop(&self) {
        self.stopped.set(true);
        if let Some(abort) = self.live_abort.borrow_mut().take() {
            abort.abort();
        }
        self.leadership.borrow_mut().take();
        for (event, handler) in self.listeners.borrow_mut().drain(..) {
            let target: web_sys::EventTarget = js_sys::global().unchecked_into();
            let _ = target
                .remove_event_listener_with_callback(&event, handler.as_ref().unchecked_ref());
        }
        self.wake_up();
        for w in self.waiters.borrow_mut().drain(..) {
            let _ = w
                .reject
                .call1(&JsValue::NULL, &JsValue::from(Failure::closed()));
        }
    }

    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// New storage figures.
    pub fn show_storage(&self, s: storage::StorageUse) {
        self.update(|st| *st = st.clone().with_storage(s));
    }

    /// The outbox grew (here or in another tab): push soon.
    pub fn outbox_grew(&self) {
        self.update(|s| s.pending += 1);
        self.wake_up();
    }

    /// The server says something this user may read changed: a round now, without the
    /// pause between automatic rounds (that pause batches this tab's own edits).
    fn poked(&self) {
        if self.auto.get() {
            self.requested.set(true);
            self.wake_up();
        }
    }

    /// Another tab's `sync.now()`.
    pub fn round_requested(&self) {
        self.requested.set(true);
        self.wake_up();
    }

    /// Status as the syncing tab reports it, for a tab that does not sync.
    pub fn status_from_tab(&self, status: serde_json::Value) {
        if self.status.borrow().leader {
            return;
        }
        if let Ok(mut s) = serde_json::from_value::<SyncStatus>(status) {
            s.leader = false;
            let done = matches!(
                s.state,
                SyncState::Synced | SyncState::Error | SyncState::Offline
            );
            let round = s.round;
            *self.status.borrow_mut() = s;
            self.emit_status();
            if done {
                self.settle_waiters(round, Ok(()));
            }
        }
    }

    /// Runs a round now (or asks the syncing tab to); resolves when it is done.
    pub fn now(self: &Rc<Self>) -> js_sys::Promise {
        let me = self.clone();
        js_sys::Promise::new(&mut |resolve, reject| {
            if me.stopped.get() {
                let _ = reject.call1(&JsValue::NULL, &JsValue::from(Failure::closed()));
                return;
            }
            // In the syncing tab a round started later counts; elsewhere, a round that
            // completes after the next one the leader reports.
            let from_round = if me.status.borrow().leader {
                me.rounds_started.get() + 1
            } else {
                me.status.borrow().round + 2
            };
            me.waiters.borrow_mut().push(Waiter {
                resolve,
                reject,
                from_round,
            });
            me.auto.set(
                me.auto.get()
                    || me
                        .status
                        .borrow()
                        .error
                        .as_ref()
                        .is_some_and(|e| e.code == "unauthorized"),
            );
            if me.status.borrow().leader {
                me.wake_up();
            } else if let Some(inner) = me.inner.upgrade() {
                if let Some(tabs) = inner.tabs.borrow().as_ref() {
                    tabs.send(&TabMessage::SyncNow);
                }
            }
        })
    }

    /// Adds a listener to `feed` (a status listener hears the current status at once).
    pub fn subscribe(&self, feed: Feed, f: Function) -> u32 {
        let id = self.next_sub.get() + 1;
        self.next_sub.set(id);
        let subs = match feed {
            Feed::Status => {
                let _ = f.call1(&JsValue::NULL, &status_js(&self.status.borrow()));
                &self.status_subs
            }
            Feed::Rejected => &self.rejected_subs,
            Feed::SetAside => &self.set_aside_subs,
        };
        subs.borrow_mut().push((id, f));
        id
    }

    pub fn unsubscribe(&self, id: u32) {
        for subs in [&self.status_subs, &self.rejected_subs, &self.set_aside_subs] {
            subs.borrow_mut().retain(|(i, _)| *i != id);
        }
    }

    fn update(&self, f: impl FnOnce(&mut SyncStatus)) {
        let before = self.status.borrow().clone();
        f(&mut self.status.borrow_mut());
        if *self.status.borrow() != before {
            self.emit_status();
            if self.status.borrow().leader {
                if let Some(inner) = self.inner.upgrade() {
                    if let Some(tabs) = inner.tabs.borrow().as_ref() {
                        tabs.send(&TabMessage::Status {
                            status: tabs::status_value(&*self.status.borrow()),
                        });
                    }
                }
            }
        }
    }

    fn emit_status(&self) {
        let v = status_js(&self.status.borrow());
        let subs: Vec<Function> = self
            .status_subs
            .borrow()
            .iter()
            .map(|(_, f)| f.clone())
            .collect();
        for f in subs {
            let _ = f.call1(&JsValue::NULL, &v);
        }
    }

    fn emit_rejections(&self, rejections: &[Rejection]) {
        let subs: Vec<Function> = self
            .rejected_subs
            .borrow()
            .iter()
            .map(|(_, f)| f.clone())
            .collect();
        for r in rejections {
            let raw = r.mutation.to_raw(r.seq);
            let event = RejectionEvent {
                seq: r.seq,
                name: &raw.name,
                args: raw.args,
                code: r.error.code.as_str(),
                message: &r.error.message,
            };
            let v = crate::idb::codec::to_js(&event).unwrap_or(JsValue::NULL);
            for f in &subs {
                let _ = f.call1(&JsValue::NULL, &v);
            }
        }
    }

    /// Reports pulled changes this client could not use, in the status and one event
    /// each.
    fn report_set_aside(&self, platform: Platform, set_aside: &[SetAside]) {
        if set_aside.is_empty() {
            return;
        }
        self.update(|s| s.set_aside += set_aside.len() as u64);
        let subs: Vec<Function> = self
            .set_aside_subs
            .borrow()
            .iter()
            .map(|(_, f)| f.clone())
            .collect();
        for c in set_aside {
            let event = SetAsideEvent {
                platform: platform.as_str(),
                entity: &c.entity,
                id: &c.id,
                code: ErrorCode::Malformed.as_str(),
                message: &c.reason,
            };
            let v = crate::idb::codec::to_js(&event).unwrap_or(JsValue::NULL);
            for f in &subs {
                let _ = f.call1(&JsValue::NULL, &v);
            }
        }
    }

    fn wake_up(&self) {
        if let Some(resolve) = self.wake.borrow_mut().take() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }

    /// Settles the waiters that round `round` answers.
    fn settle_waiters(&self, round: u64, result: Result<(), &Failure>) {
        let ready: Vec<Waiter> = {
            let mut waiters = self.waiters.borrow_mut();
            let (ready, later) = std::mem::take(&mut *waiters)
                .into_iter()
                .partition(|w| w.from_round <= round);
            *waiters = later;
            ready
        };
        for w in ready {
            let _ = match result {
                Ok(()) => w
                    .resolve
                    .call1(&JsValue::NULL, &status_js(&self.status.borrow())),
                Err(f) => w.reject.call1(&JsValue::NULL, &JsValue::from(f.clone())),
            };
        }
    }

    /// Waits until woken or `ms` pass.
    async fn wait(&self, ms: u32) {
        let woken = js_sys::Promise::new(&mut |resolve, _| {
            *self.wake.borrow_mut() = Some(resolve);
        });
        let _ = race(wasm_bindgen_futures::JsFuture::from(woken), sleep(ms)).await;
        self.wake.borrow_mut().take();
    }

    fn listen_online(self: &Rc<Self>) {
        let target: web_sys::EventTarget = js_sys::global().unchecked_into();
        for event in ["online", "offline"] {
            let weak = Rc::downgrade(self);
            let handler = Closure::<dyn FnMut(JsValue)>::new(move |_| {
                if let Some(s) = weak.upgrade() {
                    s.wake_up();
                }
            });
            let _ =
                target.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
            self.listeners
                .borrow_mut()
                .push((event.to_owned(), handler));
        }
    }

    /// The leader's loop: a round whenever there is something to do, backoff on errors.
    async fn run(me: Rc<Syncer>) {
        let mut failures: i32 = 0;
        while !me.stopped.get() {
            if !online() {
                me.update(|s| s.state = SyncState::Offline);
                let offline = Failure::new(ErrorCode::Network, "the browser is offline");
                me.settle_waiters(u64::MAX, Err(&offline));
                me.wait(me.interval_ms.max(1_000)).await;
                continue;
            }
            let wanted = me.auto.get() || me.requested.take() || !me.waiters.borrow().is_empty();
            if !wanted {
                me.wait(me.interval_ms).await;
                continue;
            }
            let round = me.rounds_started.get() + 1;
            me.rounds_started.set(round);
            let result = me.round().await;
            if me.stopped.get() {
                break;
            }
            let pause = match &result {
                Ok(()) => {
                    failures = 0;
                    me.update(|s| {
                        s.state = SyncState::Synced;
                        s.error = None;
                        s.last_synced_at = Some(now_ms());
                        s.round += 1;
                    });
                    me.interval_ms
                }
                Err(f) => {
                    failures += 1;
                    me.update(|s| {
                        s.state = if f.code == ErrorCode::Network {
                            SyncState::Offline
                        } else {
                            SyncState::Error
                        };
                        s.error = Some(StatusError {
                            code: f.code.as_str().to_owned(),
                            message: f.message.clone(),
                        });
                        s.round += 1;
                    });
                    if matches!(
                        f.code,
                        ErrorCode::Unauthorized | ErrorCode::Closed | ErrorCode::WrongUser
                    ) {
                        // A bad token will not fix itself: stop until `sync.now()`.
                        me.auto.set(false);
                    }
                    backoff_ms(failures)
                }
            };
            me.settle_waiters(round, result.as_ref().map(|_| ()));
            if let Some(inner) = me.inner.upgrade() {
                storage::refresh(&inner).await;
            }
            me.pause(pause).await;
        }
    }

    /// Waits up to `ms` for a reason to sync, but not less than the minimum gap unless
    /// someone waits on `sync.now()`.
    async fn pause(&self, ms: u32) {
        if self.requested.get() {
            // Asked for while the round ran (a poke, another tab): it is due now.
            return;
        }
        let started = now_ms();
        self.wait(ms).await;
        let gap = i64::from(MIN_GAP_MS.min(ms));
        let waited = now_ms() - started;
        if waited < gap
            && self.waiters.borrow().is_empty()
            && !self.requested.get()
            && !self.stopped.get()
        {
            let rest = (gap - waited) as u32;
            // A `sync.now()` during the rest still cuts it short.
            self.wait(rest).await;
        }
    }

    /// One entry alone is too large for the server: it is split, or dropped and
    /// reported, so the outbox behind it drains. Returns how far later seqs moved.
    async fn refuse_oversized(&self, inner: &Inner, seq: u64) -> Result<i64, Failure> {
        let db = inner.db()?;
        let mut txn = IdbTxn::begin(&db)?;
        let out = inner.engine.refuse_oversized(&mut txn, seq).await?;
        txn.commit().await?;
        inner.announce(&out.topics, Origin::Remote);
        self.emit_rejections(out.rejection.as_slice());
        Ok(out.shift)
    }

    /// A round; a damaged record in its way is set aside (and fetched again where the
    /// server has it) and the round starts over, so one bad record never stops sync.
    async fn round(&self) -> Result<(), Failure> {
        let inner = self.inner.upgrade().ok_or_else(Failure::closed)?;
        let mut repairs = 0;
        let mut made_room = false;
        loop {
            match self.round_once(&inner).await {
                Err(f) if f.damage.is_some() && repairs < MAX_REPAIRS => {
                    repairs += 1;
                    if !inner.repair(&f).await.unwrap_or(false) {
                        return Err(f);
                    }
                }
                // A full disk: what the push just had applied is freed without a
                // write, and the round goes again on the room that made.
                Err(f) if f.code == ErrorCode::QuotaExceeded && !made_room => {
                    made_room = true;
                    if !inner.make_room().await.unwrap_or(false) {
                        return Err(f);
                    }
                }
                Ok(()) => {
                    inner.restore_reserve().await;
                    return Ok(());
                }
                done => return done,
            }
        }
    }

    /// Push everything pending, then pull every platform to its end.
    async fn round_once(&self, inner: &Inner) -> Result<(), Failure> {
        self.check_user(inner).await?;
        // An idle poll stays "synced"; only a first sync, pending edits or an error being
        // retried show "syncing", so a status bar does not blink every interval.
        self.update(|s| {
            if s.round == 0 || s.pending > 0 || s.state != SyncState::Synced {
                s.state = SyncState::Syncing;
            }
            s.pulled = 0;
        });
        // Push what was pending when the round began; edits made meanwhile wait for the
        // next round, so a long drag cannot hold off pulling other users' changes.
        let mut before_seq = read::sync_meta(&inner.db()?).await?.next_seq;
        // Shrinks when the server refuses a batch as too large.
        let mut batch_max = PUSH_BATCH;
        loop {
            let db = inner.db()?;
            let mut txn = IdbTxn::begin(&db)?;
            let batch = inner
                .engine
                .next_push(&mut txn, batch_max, before_seq)
                .await?;
            txn.commit().await?;
            let Some((platform, mutations)) = batch else {
                break;
            };
            let sent = mutations.len();
            let first_seq = mutations.first().map_or(0, |m| m.seq);
            let req = PushRequest {
                client_id: self.client_id,
                mutations,
            };
            match self.server.push(platform, &req).await {
                Ok(resp) => {
                    let db = inner.db()?;
                    let mut txn = IdbTxn::begin(&db)?;
                    inner.engine.record_push(&mut txn, &resp).await?;
                    txn.commit().await?;
                }
                Err(HttpError::Status {
                    code: ErrorCode::SeqGap,
                    gap: Some(gap),
                    ..
                }) => {
                    let db = inner.db()?;
                    let mut txn = IdbTxn::begin(&db)?;
                    inner.engine.record_seq_gap(&mut txn, &gap).await?;
                    txn.commit().await?;
                }
                // Too large for the server: fewer at a time, and an entry too large
                // alone is split or dropped, so the outbox behind it always drains.
                Err(HttpError::Status { status: 413, .. }) if sent > 1 => {
                    batch_max = (sent / 2).max(1);
                }
                Err(e @ HttpError::Status { status: 413, .. })
                    if serialized_len(&req) < TOO_LARGE_FLOOR_BYTES =>
                {
                    // Not about this entry: a server or proxy that refuses even small
                    // bodies is misconfigured; fail the round (retried) and drop nothing.
                    return Err(http_failure(e));
                }
                Err(HttpError::Status { status: 413, .. }) => {
                    let shift = self.refuse_oversized(inner, first_seq).await?;
                    before_seq = before_seq.saturating_add_signed(shift);
                }
                Err(e) => return Err(http_failure(e)),
            }
        }
        // The least `last_seq` the round's pages report: what the round may acknowledge.
        let mut through = u64::MAX;
        for platform in Platform::ALL {
            loop {
                let db = inner.db()?;
                let cursor = read::sync_meta(&db)
                    .await?
                    .cursors
                    .get(&platform)
                    .copied()
                    .unwrap_or(0);
                let page = self
                    .server
                    .pull(platform, self.client_id, cursor, PULL_LIMIT)
                    .await
                    .map_err(http_failure)?;
                through = through.min(page.last_seq);
                let last = platform == Platform::Render && !page.has_more;
                let mut txn = IdbTxn::begin(&db)?;
                let out = inner
                    .engine
                    .apply_pull(
                        &mut txn,
                        platform,
                        &page,
                        self.verified_user.get(),
                        last.then_some(through),
                    )
                    .await?;
                txn.commit().await?;
                inner.announce(&out.topics, Origin::Remote);
                self.emit_rejections(&out.rejections);
                self.report_set_aside(platform, &out.set_aside);
                let n = page.changes.len() as u64;
                self.update(|s| s.pulled += n);
                if !page.has_more {
                    break;
                }
            }
        }
        let pending = read::pending(&inner.db()?).await?;
        self.update(|s| s.pending = pending);
        Ok(())
    }
}

impl Syncer {
    /// Before the first push or pull: is this database the token's user's? Another
    /// user's token makes the store refuse everything from then on.
    async fn check_user(&self, inner: &Inner) -> Result<(), Failure> {
        if self.verified_user.get().is_some() {
            return Ok(());
        }
        match identity::verify(&self.server, &inner.db()?, self.client_id).await {
            Ok(user) => {
                self.verified_user.set(Some(user));
                inner.user_id.set(Some(user));
                Ok(())
            }
            Err(f) => {
                if f.code == ErrorCode::WrongUser {
                    inner.refuse(f.clone());
                }
                Err(f)
            }
        }
    }
}

/// A server URL the store can fetch from.
pub fn check_url(url: &str) -> Result<(), Failure> {
    if url.starts_with("http://") || url.starts_with("https://") || url.starts_with('/') {
        Ok(())
    } else {
        Err(Failure::validation("serverUrl", "must be an http(s) URL"))
    }
}

pub(crate) fn http_failure(e: HttpError) -> Failure {
    Failure::new(e.code(), e.message())
}

pub(crate) fn online() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .ok()
        .and_then(|n| js_sys::Reflect::get(&n, &"onLine".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

/// Exponential backoff with jitter, so many clients after an outage do not retry in step.
fn backoff_ms(failures: i32) -> u32 {
    let exp = BACKOFF_MIN_MS * 2f64.powi(failures.clamp(1, 16) - 1);
    let capped = exp.min(BACKOFF_MAX_MS);
    (capped * (0.5 + js_sys::Math::random() * 0.5)) as u32
}

fn status_js(s: &SyncStatus) -> JsValue {
    crate::idb::codec::to_js(s).unwrap_or(JsValue::NULL)
}
