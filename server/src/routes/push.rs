use crate::apply::{self, Ctx};
use crate::auth::{now_ms, AuthUser};
use crate::clients;
use crate::db::Tx;
use crate::error::{ApiError, ApplyError};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use studio_core::limits::MUTATIONS_PER_PUSH_MAX;
use studio_core::protocol::{
    ErrorDetail, Mutation, MutationResult, MutationStatus, Platform, PushRequest, PushResponse,
    RawMutation,
};
use studio_core::{CoreError, ErrorCode};

/// Applies a batch of mutations in seq order: runs of them in one write transaction
/// each (one commit, not one per mutation), each mutation under its own savepoint,
/// with the client's new last_seq.
#[utoipa::path(post, path = "/api/{platform}/push", tag = "sync",
    params(("platform" = String, Path, description = "projects | canvas | apps | render")),
    request_body = studio_core::protocol::PushRequest,
    responses(
        (status = 200, body = studio_core::protocol::PushResponse,
            description = "Every mutation's result; a rejected one carries its error"),
        (status = 400, body = studio_core::protocol::ErrorBody, description = "malformed JSON or not a push request"),
        (status = 401, body = studio_core::protocol::ErrorBody, description = "no or bad token"),
        (status = 403, body = studio_core::protocol::ErrorBody, description = "client_id of another user"),
        (status = 404, body = studio_core::protocol::ErrorBody, description = "no such platform"),
        (status = 409, body = studio_core::protocol::ErrorBody,
            description = "seq_gap: details.last_seq is the last processed seq; resend from the next"),
        (status = 413, body = studio_core::protocol::ErrorBody, description = "body over 1 MiB"),
        (status = 415, body = studio_core::protocol::ErrorBody, description = "not application/json"),
        (status = 422, body = studio_core::protocol::ErrorBody, description = "more than 500 mutations"),
    ),
    security(("bearer" = [])))]
pub async fn push(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let platform = super::platform(path)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::Malformed(e.body_text())
        }
    })?;
    check_json_content_type(&headers)?;
    let mut value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::Malformed(format!("not JSON: {e}")))?;
    if !value.is_object() {
        // serde would also take a struct as an array of its fields: a push is an object.
        return Err(ApiError::Malformed(
            "not a push request: expected an object with client_id and mutations".into(),
        ));
    }
    integral_seqs(&mut value);
    let req: PushRequest = serde_json::from_value(value).map_err(|e| {
        ApiError::Malformed(format!(
            "not a push request: {}",
            studio_core::json::serde_message(&e)
        ))
    })?;
    if req.mutations.len() > MUTATIONS_PER_PUSH_MAX {
        return Err(ApiError::Validation(CoreError::validation(
            "mutations",
            format!("more than {MUTATIONS_PER_PUSH_MAX} in one push"),
        )));
    }
    if req.mutations.iter().any(|m| m.seq == 0) {
        // last_seq starts at 0, so a seq 0 would look already processed and vanish.
        return Err(ApiError::Validation(CoreError::validation(
            "mutations.seq",
            "seqs start at 1",
        )));
    }
    let response = push_batch(&state, user, platform, req).await?;
    Ok(Json(response))
}

/// `1.0` is an integer to JSON Schema (and to JavaScript): accept it as a seq.
fn integral_seqs(body: &mut serde_json::Value) {
    let Some(muts) = body.get_mut("mutations").and_then(|m| m.as_array_mut()) else {
        return;
    };
    for m in muts {
        if let Some(seq) = m.get_mut("seq") {
            if let Some(f) = seq
                .as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= 9_007_199_254_740_991.0)
            {
                if !seq.is_u64() {
                    *seq = serde_json::Value::from(f as u64);
                }
            }
        }
    }
}

fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(
            "expected Content-Type: application/json".into(),
        ))
    }
}

fn applied(seq: u64) -> MutationResult {
    MutationResult {
        seq,
        status: MutationStatus::Applied,
        error: None,
    }
}

fn rejected(seq: u64, error: ErrorDetail) -> MutationResult {
    MutationResult {
        seq,
        status: MutationStatus::Rejected,
        error: Some(error),
    }
}

/// The answer already given to a processed seq: its kept rejection, else applied.
fn answered(seq: u64, rejections: &mut HashMap<u64, ErrorDetail>) -> MutationResult {
    match rejections.remove(&seq) {
        Some(e) => rejected(seq, e),
        None => applied(seq),
    }
}

/// A mutation that parses, is valid on its own and belongs to this endpoint.
fn parse(raw: &RawMutation, platform: Platform) -> Result<Mutation, ErrorDetail> {
    let m = Mutation::from_raw(&raw.name, &raw.args).map_err(|e| ErrorDetail::from(&e))?;
    if m.platform() != platform {
        let mut d = ErrorDetail::new(
            ErrorCode::Validation,
            format!(
                "{} belongs to /api/{}/push, not /api/{platform}/push",
                raw.name,
                m.platform()
            ),
        );
        d.details = Some(serde_json::json!({ "field": "name", "platform": m.platform() }));
        return Err(d);
    }
    Ok(m)
}

/// What a client is told of a value the database refused: nothing of SQL or the driver.
fn storage_rejection_message(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Conflict => "conflicts with existing data",
        _ => "a value of this mutation cannot be stored",
    }
}

async fn push_batch(
    state: &AppState,
    user: studio_core::Id,
    platform: Platform,
    req: PushRequest,
) -> Result<PushResponse, ApiError> {
    let client = req.client_id;
    // A foreign client id fails here, before anything changes.
    let first = req.mutations.iter().map(|m| m.seq).min().unwrap_or(0);
    let (last, mut earlier) = {
        let mut tx = state.db.begin().await?;
        let last = clients::last_seq(&mut tx, client, user).await?;
        // A retry after a lost response gets the answers it missed, rejections included.
        let earlier = if first <= last {
            clients::rejections(&mut tx, client, first, last).await?
        } else {
            HashMap::new()
        };
        tx.commit().await?;
        (last, earlier)
    };
    let mut batch = Batch {
        state,
        user,
        platform,
        client,
        last,
        results: Vec::with_capacity(req.mutations.len()),
        wake_runner: false,
        pruned: false,
        first,
        seq_before: None,
    };
    let mut pending = req.mutations.iter().peekable();
    // Answers for what was processed before (a retry), without a write transaction.
    while let Some(raw) = pending.next_if(|raw| raw.seq <= batch.last) {
        batch.results.push(answered(raw.seq, &mut earlier));
    }
    let mut outcome = Ok(());
    while outcome.is_ok() && pending.peek().is_some() {
        outcome = batch.write_run(&mut pending, &mut earlier).await;
    }
    if batch.wake_runner {
        state.runner.notify_one();
    }
    // Also after a seq gap: the runs before it committed.
    batch.poke();
    outcome?;
    Ok(PushResponse {
        results: batch.results,
        last_seq: batch.last,
    })
}

/// How long one write transaction may take mutations of a push before it commits and
/// the next begins: long enough that a push of small mutations costs one commit (one
/// fsync, one lock of the sequence counter) instead of one per mutation, short enough
/// that writers of other users wait no longer than this behind a large push.
const WRITE_RUN_BUDGET: Duration = Duration::from_millis(50);

/// A push being processed: its answers so far and the client's last processed seq.
struct Batch<'a> {
    state: &'a AppState,
    user: studio_core::Id,
    platform: Platform,
    client: studio_core::Id,
    last: u64,
    results: Vec<MutationResult>,
    wake_runner: bool,
    pruned: bool,
    first: u64,
    /// The change sequence when the first run began: what this push committed is above.
    seq_before: Option<i64>,
}

impl Batch<'_> {
    /// Tells the connected readers of what the push committed, without holding up its
    /// answer.
    fn poke(&self) {
        // Nothing committed (a retry, a gap at once): the query finds no rows.
        if let Some(before) = self.seq_before {
            let (live, db, origin) = (self.state.live.clone(), self.state.db.clone(), self.client);
            tokio::spawn(async move { live.changed_since(&db, before, Some(origin)).await });
        }
    }

    /// Applies the next mutations in one write transaction, each under a savepoint (a
    /// rejected one rolls back alone), until the budget is spent or a seq gap; the
    /// client's last_seq and rejections commit with them.
    async fn write_run<'m>(
        &mut self,
        pending: &mut std::iter::Peekable<impl Iterator<Item = &'m RawMutation>>,
        earlier: &mut HashMap<u64, ErrorDetail>,
    ) -> Result<(), ApiError> {
        let started = Instant::now();
        let mut tx = self.state.db.write().await?;
        self.seq_before
            .get_or_insert(crate::live::seq_now(&mut tx).await?);
        // Under the write lock: another request of this client may have moved on.
        let current = clients::last_seq(&mut tx, self.client, self.user).await?;
        if current > self.last {
            earlier
                .extend(clients::rejections(&mut tx, self.client, self.last + 1, current).await?);
            self.last = current;
        }
        if !self.pruned {
            // Rows only grow in write transactions like this one: prune in the first.
            clients::forget_rejections_before(&mut tx, self.client, self.first).await?;
            self.pruned = true;
        }
        let before = self.last;
        let now = now_ms();
        while let Some(raw) = pending.peek().copied() {
            if raw.seq <= self.last {
                // Another request of this client processed it meanwhile.
                self.results.push(answered(raw.seq, earlier));
            } else if raw.seq > self.last + 1 {
                self.finish_run(tx, before, now).await?;
                return Err(ApiError::SeqGap {
                    last_seq: self.last,
                    results: std::mem::take(&mut self.results),
                });
            } else {
                let result = self.apply_one(&mut tx, raw, now).await?;
                self.last = raw.seq;
                self.results.push(result);
            }
            pending.next();
            if started.elapsed() >= WRITE_RUN_BUDGET {
                break;
            }
        }
        self.finish_run(tx, before, now).await
    }

    /// Commits a run, with the client's new last_seq when it moved and the rejections
    /// it answered (kept for a retry after a lost response; after the client's row,
    /// which they belong to).
    async fn finish_run(&self, mut tx: Tx, before: u64, now: i64) -> Result<(), ApiError> {
        if self.last > before {
            clients::set_last_seq(&mut tx, self.client, self.user, self.last, now).await?;
        }
        let run = self.results.iter().filter(|r| r.seq > before);
        for r in run {
            if let Some(e) = &r.error {
                clients::record_rejection(&mut tx, self.client, r.seq, e, now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// One mutation under a savepoint: applied, or rejected and rolled back alone.
    async fn apply_one(
        &mut self,
        tx: &mut Tx,
        raw: &RawMutation,
        now: i64,
    ) -> Result<MutationResult, ApiError> {
        tx.savepoint().await?;
        let outcome = match parse(raw, self.platform) {
            Err(detail) => Err(ApplyError::Rejected(detail)),
            Ok(m) => {
                let ctx = Ctx {
                    user: self.user,
                    now,
                    settings: &self.state.settings,
                };
                self.wake_runner |= matches!(
                    m,
                    Mutation::ExecutionCreate(_) | Mutation::ExecutionReplay(_)
                );
                apply::apply(tx, &ctx, m).await
            }
        };
        Ok(match outcome {
            Ok(()) => {
                tx.release_savepoint().await?;
                applied(raw.seq)
            }
            Err(err) => {
                tx.rollback_to_savepoint().await?;
                let detail = match err {
                    ApplyError::Rejected(d) => d,
                    // Every rule is checked before writing, under the write lock; what
                    // the database still refuses of this mutation's data is its own
                    // rejection, so one bad value cannot fail every retry of the batch.
                    ApplyError::Db(e) => match e.rejection_code() {
                        Some(code) => {
                            tracing::warn!("mutation {} rejected by the database: {e}", raw.seq);
                            ErrorDetail::new(code, storage_rejection_message(code))
                        }
                        None => return Err(e.into()),
                    },
                };
                rejected(raw.seq, detail)
            }
        })
    }
}
