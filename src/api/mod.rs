//! The JS surface: `StudioStore` and its namespaces, promise-based, typed in the
//! generated `.d.ts`, throwing `StudioStoreError`s with a stable `code`.

mod apps;
mod canvas;
pub(crate) mod damage;
pub mod inputs;
mod projects;
mod render;
mod sync_api;
mod ts;
pub mod watch;

pub use apps::Apps;
pub use canvas::Canvas;
pub use projects::Projects;
pub use render::Renders;
pub use sync_api::Sync;

use crate::error::{bad_input, Failure, Result};
use crate::idb::codec::to_js;
use crate::idb::txn::IdbTxn;
use crate::idb::{open, schema};
use crate::sync::tabs::{TabMessage, Tabs};
use crate::sync::Syncer;
use crate::util::now_ms;
use indexed_db_futures::database::Database;
use inputs::OpenOptions;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::Future;
use std::rc::Rc;
use studio_core::build::Ctx;
use studio_core::client::engine::EditOutcome;
use studio_core::client::{Engine, Topic};
use studio_core::protocol::Mutation;
use studio_core::ErrorCode;
use wasm_bindgen::prelude::*;
use watch::{parse_topic, Origin, Watchers};

/// State shared by the store and its namespaces.
pub(crate) struct Inner {
    pub name: String,
    db: RefCell<Option<Database>>,
    closed: Cell<bool>,
    /// Why the store refuses every call (another user's token), once known.
    refused: RefCell<Option<Failure>>,
    /// The user the database is bound to: optimistic rows are theirs.
    pub user_id: Cell<Option<studio_core::Id>>,
    pub engine: Engine,
    pub watchers: Rc<Watchers>,
    pub damage: damage::DamageEvents,
    /// Persistence and use of the site's storage, for the status.
    pub storage: RefCell<crate::sync::storage::StorageUse>,
    pub tabs: RefCell<Option<Tabs>>,
    pub syncer: RefCell<Option<Rc<Syncer>>>,
    /// The full-disk reserve was spent and is to be put back ([`crate::idb::reserve`]).
    pub reserve_spent: Cell<bool>,
}

impl Inner {
    pub fn db(&self) -> Result<Database> {
        if let Some(f) = self.refused.borrow().as_ref() {
            return Err(f.clone());
        }
        if self.closed.get() {
            return Err(Failure::closed());
        }
        self.db.borrow().clone().ok_or_else(Failure::closed)
    }

    /// An optimistic edit: one transaction writes the new visible state and the outbox
    /// entry; the promise resolves when it has committed. A damaged record in its way
    /// is set aside (reported) and the edit tried again on what is left.
    /// On a full disk, an edit that only removes gets room made once (the reserve, an
    /// outbox the server has applied) and is tried again; one that adds content fails
    /// `quota_exceeded` and leaves the reserve to deletes and sync.
    pub async fn edit(&self, m: &Mutation) -> Result<EditOutcome> {
        let mut repairs = 0;
        let mut made_room = false;
        loop {
            match self.edit_once(m).await {
                Err(f) if f.damage.is_some() && repairs < MAX_REPAIRS => {
                    repairs += 1;
                    if !self.repair(&f).await.unwrap_or(false) {
                        return Err(f);
                    }
                }
                Err(f) if f.code == ErrorCode::QuotaExceeded && !made_room && m.only_removes() => {
                    made_room = true;
                    if !self.make_room().await.unwrap_or(false) {
                        return Err(f);
                    }
                }
                done => return done,
            }
        }
    }

    /// Frees what a full disk lets go of: the reserve, and the outbox entries and bases
    /// of an outbox the server has applied (both transactions only delete, which a full
    /// disk still commits). True when anything was freed.
    pub async fn make_room(&self) -> Result<bool> {
        let db = self.db()?;
        let mut freed = crate::idb::reserve::release(&db).await?;
        if freed {
            self.reserve_spent.set(true);
        }
        let mut txn = IdbTxn::begin(&db)?;
        if self.engine.release_acknowledged(&mut txn).await? {
            txn.commit().await?;
            freed = true;
        }
        Ok(freed)
    }

    /// Puts the reserve back once it was spent and there may be room again.
    pub async fn restore_reserve(&self) {
        if !self.reserve_spent.get() {
            return;
        }
        if let Ok(db) = self.db() {
            if crate::idb::reserve::restore(&db).await.is_ok() {
                self.reserve_spent.set(false);
            }
        }
    }

    async fn edit_once(&self, m: &Mutation) -> Result<EditOutcome> {
        let db = self.db()?;
        let ctx = Ctx {
            user_id: self.user_id.get(),
            now: now_ms(),
        };
        let mut txn = IdbTxn::begin(&db)?;
        let out = self.engine.edit(&mut txn, m, ctx).await?;
        txn.commit().await?;
        self.announce(&out.topics, Origin::Local);
        // A merged edit did not add an entry: the count stands and a push is due anyway.
        if out.seq.is_some() && !out.merged {
            if let Some(tabs) = self.tabs.borrow().as_ref() {
                tabs.send(&TabMessage::OutboxGrew);
            }
            if let Some(s) = self.syncer.borrow().as_ref() {
                s.outbox_grew();
            }
        }
        Ok(out)
    }

    /// From now on every call fails with `f` (the database is another user's).
    pub fn refuse(&self, f: Failure) {
        *self.refused.borrow_mut() = Some(f);
    }

    /// Tells this tab's watchers and the other tabs what changed.
    pub fn announce(&self, topics: &BTreeSet<Topic>, origin: Origin) {
        self.watchers.notify(topics, origin);
        if origin != Origin::Tab {
            if let Some(tabs) = self.tabs.borrow().as_ref() {
                tabs.changed(topics, origin == Origin::Remote);
            }
        }
    }

    fn close(&self) {
        self.closed.set(true);
        if let Some(db) = self.db.borrow_mut().take() {
            db.close();
        }
        if let Some(s) = self.syncer.borrow_mut().take() {
            s.stop();
        }
        self.tabs.borrow_mut().take();
        self.watchers.clear();
    }
}

/// Runs an async body as a JS promise, turning failures into thrown errors.
pub(crate) fn promise<F>(body: F) -> js_sys::Promise
where
    F: Future<Output = Result<JsValue>> + 'static,
{
    wasm_bindgen_futures::future_to_promise(async move { body.await.map_err(JsValue::from) })
}

/// Parses a JS argument; a wrong shape is a `validation` error naming what was wrong.
pub(crate) fn arg<T: DeserializeOwned>(what: &str, value: JsValue) -> Result<T> {
    if value.is_undefined() {
        return Err(Failure::validation(what, "is required"));
    }
    let text = crate::idb::codec::json_text(&value)
        .ok_or_else(|| Failure::validation(what, "must be plain JSON data"))?;
    serde_json::from_str(&text).map_err(|e| bad_input(what, e))
}

pub(crate) fn id_arg(what: &str, value: JsValue) -> Result<studio_core::Id> {
    let text = value
        .as_string()
        .ok_or_else(|| Failure::validation(what, "must be a UUID string"))?;
    text.parse()
        .map_err(|_| Failure::validation(what, format!("{text:?} is not a UUID")))
}

pub(crate) fn out<T: Serialize>(value: &T) -> Result<JsValue> {
    Ok(to_js(value)?)
}

/// The store. `StudioStore.open({ name, serverUrl?, token? })`.
#[wasm_bindgen]
pub struct StudioStore {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl StudioStore {
    /// Opens (creating or upgrading) the store's database. With a `serverUrl`, the store
    /// syncs with that server; without, it is local only.
    #[wasm_bindgen(unchecked_return_type = "Promise<StudioStore>")]
    pub fn open(
        #[wasm_bindgen(unchecked_param_type = "OpenOptions")] options: JsValue,
    ) -> js_sys::Promise {
        promise(async move {
            let opts: OpenOptions = arg("options", options)?;
            if opts.name.trim().is_empty() || opts.name.len() > 200 {
                return Err(Failure::validation("name", "must be 1 to 200 characters"));
            }
            let db = open::open(&opts.name, opts.blocked_timeout_ms.unwrap_or(3_000)).await?;
            let prepared = open::prepare(&db).await?;
            let meta = prepared.meta.clone();
            let verified_user = match &opts.server_url {
                Some(url) => {
                    let token = opts.token.as_deref().unwrap_or_default();
                    let timeout = opts.request_timeout_ms.unwrap_or(20_000);
                    check_user_at_open(&db, url, token, timeout, meta.client_id).await?
                }
                None => None,
            };
            let inner = Rc::new(Inner {
                name: opts.name.clone(),
                db: RefCell::new(Some(db.clone())),
                closed: Cell::new(false),
                refused: RefCell::new(None),
                user_id: Cell::new(verified_user.or(meta.user_id)),
                engine: Engine,
                watchers: Rc::new(Watchers::default()),
                damage: damage::DamageEvents::default(),
                storage: RefCell::new(Default::default()),
                tabs: RefCell::new(None),
                syncer: RefCell::new(None),
                // Put in at open when missing (a new database, or spent and not back).
                reserve_spent: Cell::new(true),
            });
            damage::register(&inner);
            if let Some(why) = &prepared.rebuilt {
                inner.report_at_open(schema::v1::META, crate::idb::txn::META_KEY, why);
            }
            watch_version_changes(&inner, &db);
            let weak = Rc::downgrade(&inner);
            let tabs = Tabs::join(&opts.name, move |msg| {
                let Some(inner) = weak.upgrade() else { return };
                match msg {
                    TabMessage::Changed { topics, .. } => inner
                        .watchers
                        .notify(&topics.into_iter().collect(), Origin::Tab),
                    TabMessage::OutboxGrew => {
                        if let Some(s) = inner.syncer.borrow().as_ref() {
                            s.outbox_grew();
                        }
                    }
                    TabMessage::SyncNow => {
                        if let Some(s) = inner.syncer.borrow().as_ref() {
                            s.round_requested();
                        }
                    }
                    TabMessage::Status { status } => {
                        if let Some(s) = inner.syncer.borrow().as_ref() {
                            s.status_from_tab(status);
                        }
                    }
                }
            });
            *inner.tabs.borrow_mut() = tabs;
            if let Some(url) = opts.server_url {
                // What an earlier session left unsent counts from the start, not only
                // once the first round has ended.
                let pending = crate::idb::read::pending(&db).await?;
                let settings = crate::sync::Settings {
                    url,
                    token: opts.token.unwrap_or_default(),
                    client_id: meta.client_id,
                    verified_user,
                    auto: opts.auto_sync.unwrap_or(true),
                    live: opts.live_updates.unwrap_or(true),
                    interval_ms: opts.sync_interval_ms.unwrap_or(2_000),
                    timeout_ms: opts.request_timeout_ms.unwrap_or(20_000),
                    pending,
                };
                let syncer = Syncer::start(&inner, settings)?;
                *inner.syncer.borrow_mut() = Some(syncer);
            }
            crate::sync::storage::start(&inner);
            // Not awaited: the open does not wait on a quarter-megabyte write.
            let reserving = inner.clone();
            wasm_bindgen_futures::spawn_local(async move { reserving.restore_reserve().await });
            Ok(StudioStore { inner }.into())
        })
    }

    /// The database name this store was opened with.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// The schema version of the database.
    #[wasm_bindgen(getter, js_name = schemaVersion)]
    pub fn schema_version(&self) -> u32 {
        schema::CURRENT.number()
    }

    #[wasm_bindgen(getter)]
    pub fn projects(&self) -> Projects {
        Projects::new(self.inner.clone())
    }

    #[wasm_bindgen(getter)]
    pub fn canvas(&self) -> Canvas {
        Canvas::new(self.inner.clone())
    }

    #[wasm_bindgen(getter)]
    pub fn apps(&self) -> Apps {
        Apps::new(self.inner.clone())
    }

    #[wasm_bindgen(getter)]
    pub fn render(&self) -> Renders {
        Renders::new(self.inner.clone())
    }

    #[wasm_bindgen(getter)]
    pub fn sync(&self) -> Sync {
        Sync::new(self.inner.clone())
    }

    /// Calls `callback(event)` whenever something under the topic changes: a local edit,
    /// another tab's edit, or a pulled change. Returns the function that unsubscribes.
    /// Topics: `projects`, `tools` (no id); `project`, `files`, `chains` (project id);
    /// `canvas` (file id); `executions`, `templates` (tool id or slug); `execution`
    /// (execution id); `renders` (chain id).
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn watch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WatchTopic")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Id | null")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(event: WatchEvent) => void")]
        callback: js_sys::Function,
    ) -> std::result::Result<js_sys::Function, JsValue> {
        let name = topic
            .as_string()
            .ok_or_else(|| JsValue::from(Failure::validation("topic", "must be a string")))?;
        let id = if id.is_null() || id.is_undefined() {
            None
        } else {
            let text = id.as_string().unwrap_or_default();
            let parsed = text.parse().ok().or_else(|| {
                // Tools may be named by slug.
                (name == "executions" || name == "templates")
                    .then(|| studio_core::ids::tool_id_for(&text))
            });
            Some(parsed.ok_or_else(|| {
                JsValue::from(Failure::validation("id", format!("{text:?} is not a UUID")))
            }))
            .transpose()?
        };
        let t = parse_topic(&name, id).ok_or_else(|| {
            JsValue::from(Failure::validation(
                "topic",
                format!("unknown topic {name:?} or missing id"),
            ))
        })?;
        if self.inner.closed.get() {
            return Err(Failure::closed().into());
        }
        let sub = self.inner.watchers.add(t, callback);
        let watchers = Rc::downgrade(&self.inner.watchers);
        let unsubscribe = Closure::once_into_js(move || {
            if let Some(w) = watchers.upgrade() {
                w.remove(&t, sub);
            }
        });
        Ok(unsubscribe.unchecked_into())
    }

    /// Calls `callback(status)` on every sync status change; returns the unsubscribe function.
    #[wasm_bindgen(js_name = onSyncStatus, unchecked_return_type = "() => void")]
    pub fn on_sync_status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(status: SyncStatus) => void")]
        callback: js_sys::Function,
    ) -> js_sys::Function {
        self.sync().on_status(callback)
    }

    /// Calls `callback(rejection)` when the server rejects a mutation (its effect is
    /// gone from the visible state by then); returns the unsubscribe function.
    #[wasm_bindgen(js_name = onRejected, unchecked_return_type = "() => void")]
    pub fn on_rejected(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(rejection: Rejection) => void")]
        callback: js_sys::Function,
    ) -> js_sys::Function {
        self.sync().on_rejected(callback)
    }

    /// Calls `callback(change)` for each pulled change this client cannot use and sets
    /// aside (sync goes on with the rest); returns the unsubscribe function.
    #[wasm_bindgen(js_name = onSetAside, unchecked_return_type = "() => void")]
    pub fn on_set_aside(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(change: SetAsideChange) => void")]
        callback: js_sys::Function,
    ) -> js_sys::Function {
        self.sync().on_set_aside(callback)
    }

    /// Calls `callback(event)` when a stored record turns out damaged (it does not
    /// decode): `{store, key, message, action}`. The record is set aside and, where the
    /// server has it, fetched again. Returns the unsubscribe function.
    #[wasm_bindgen(js_name = onDamaged, unchecked_return_type = "() => void")]
    pub fn on_damaged(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(event: DamageEvent) => void")]
        callback: js_sys::Function,
    ) -> js_sys::Function {
        let id = self.inner.damage.subscribe(callback);
        let weak = Rc::downgrade(&self.inner);
        Closure::once_into_js(move || {
            if let Some(inner) = weak.upgrade() {
                inner.damage.unsubscribe(id);
            }
        })
        .unchecked_into()
    }

    /// Closes the database; later calls fail with `closed`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn close(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner.close();
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// Damaged records one edit sets aside before it gives up: each repair removes one.
const MAX_REPAIRS: usize = 256;

/// How long `open` waits for the server to say who the token is before it lets the
/// store be used locally (the sync loop then checks before its first push).
const OPEN_CHECK_MS: u32 = 3_000;

/// Is the database the token's user's? `Some(user)` when the server said so, `None`
/// when it could not be asked (offline, down, bad token: local use goes on, and sync
/// checks on first contact); another user's token fails the open with `wrong_user`.
async fn check_user_at_open(
    db: &Database,
    url: &str,
    token: &str,
    timeout_ms: u32,
    client_id: studio_core::Id,
) -> Result<Option<studio_core::Id>> {
    crate::sync::check_url(url)?;
    if !crate::sync::online() {
        return Ok(None);
    }
    let server = crate::sync::http::Server::new(url, token, timeout_ms.min(OPEN_CHECK_MS));
    match crate::sync::identity::verify(&server, db, client_id).await {
        Ok(user) => Ok(Some(user)),
        Err(f) if f.code == studio_core::ErrorCode::WrongUser => {
            db.clone().close();
            Err(f)
        }
        Err(_) => Ok(None),
    }
}

/// Another tab wants a newer schema: let go at once so its upgrade is not blocked; this
/// store then fails with `closed`.
fn watch_version_changes(inner: &Rc<Inner>, db: &Database) {
    let Ok(mut listener) = db.version_changes() else {
        return;
    };
    let weak = Rc::downgrade(inner);
    wasm_bindgen_futures::spawn_local(async move {
        if listener.recv().await.is_some() {
            if let Some(inner) = weak.upgrade() {
                inner.close();
            }
        }
    });
}

/// A stand-in for ids the caller left out.
pub(crate) fn id_or_new(id: Option<studio_core::Id>) -> studio_core::Id {
    id.unwrap_or_else(studio_core::ids::new_id)
}
