//! The server's per-platform endpoints, over fetch.

use crate::util::{race, sleep};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use studio_core::protocol::pull::PulledPage;
use studio_core::protocol::push::SeqGapDetails;
use studio_core::protocol::{ErrorBody, Me, Platform, PushRequest, PushResponse};
use studio_core::{ErrorCode, Id};

/// A failed exchange, classified for the sync loop.
#[derive(Debug, Clone)]
pub enum HttpError {
    /// No answer (offline, refused, timed out): retry with backoff.
    Network(String),
    /// The server answered with an error body.
    Status {
        status: u16,
        code: ErrorCode,
        message: String,
        /// For a 409 `seq_gap`: where the server is, and its answers before the gap.
        gap: Option<SeqGapDetails>,
    },
}

impl HttpError {
    pub fn code(&self) -> ErrorCode {
        match self {
            HttpError::Network(_) => ErrorCode::Network,
            HttpError::Status { code, .. } => *code,
        }
    }

    pub fn message(&self) -> String {
        match self {
            HttpError::Network(m) => m.clone(),
            HttpError::Status { message, .. } => message.clone(),
        }
    }
}

pub struct Server {
    base: String,
    token: String,
    /// How long one request may take before it counts as lost.
    timeout_ms: u32,
}

impl Server {
    pub fn new(base: &str, token: &str, timeout_ms: u32) -> Self {
        Server {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            timeout_ms: timeout_ms.max(1),
        }
    }

    pub async fn push(
        &self,
        platform: Platform,
        body: &PushRequest,
    ) -> Result<PushResponse, HttpError> {
        let url = format!("{}/api/{}/push", self.base, platform.as_str());
        let req = Request::post(&url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .json(body)
            .map_err(|e| HttpError::Network(e.to_string()))?;
        self.exchange(req).await
    }

    pub async fn pull(
        &self,
        platform: Platform,
        client_id: Id,
        cursor: u64,
        limit: u32,
    ) -> Result<PulledPage, HttpError> {
        let url = format!(
            "{}/api/{}/pull?client_id={client_id}&cursor={cursor}&limit={limit}",
            self.base,
            platform.as_str()
        );
        let req = Request::get(&url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .build()
            .map_err(|e| HttpError::Network(e.to_string()))?;
        self.exchange(req).await
    }

    /// Who the token belongs to.
    pub async fn me(&self) -> Result<Me, HttpError> {
        let req = Request::get(&format!("{}/api/me", self.base))
            .header("Authorization", &format!("Bearer {}", self.token))
            .build()
            .map_err(|e| HttpError::Network(e.to_string()))?;
        self.exchange(req).await
    }

    /// Opens the poke channel: the stream of its events once the server has answered
    /// (within the request timeout; the stream itself stays open).
    pub async fn events(
        &self,
        client_id: Id,
        signal: &web_sys::AbortSignal,
    ) -> Result<web_sys::ReadableStream, HttpError> {
        let req = Request::get(&format!("{}/api/events?client_id={client_id}", self.base))
            .header("Authorization", &format!("Bearer {}", self.token))
            .abort_signal(Some(signal))
            .build()
            .map_err(|e| HttpError::Network(e.to_string()))?;
        let resp = self.send(req).await?;
        if !resp.ok() {
            return Err(read::<serde_json::Value>(resp)
                .await
                .err()
                .unwrap_or_else(|| {
                    HttpError::Network("the poke channel answered without a stream".into())
                }));
        }
        resp.body()
            .ok_or_else(|| HttpError::Network("the poke channel has no body".into()))
    }

    async fn exchange<T: DeserializeOwned>(&self, req: Request) -> Result<T, HttpError> {
        read(self.send(req).await?).await
    }

    /// Sends `req`; its answer's head must arrive within the request timeout.
    async fn send(&self, req: Request) -> Result<Response, HttpError> {
        let sent = async { req.send().await };
        match race(sent, sleep(self.timeout_ms)).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(HttpError::Network(e.to_string())),
            Err(()) => Err(HttpError::Network(
                "the server did not answer in time".into(),
            )),
        }
    }
}

async fn read<T: DeserializeOwned>(resp: Response) -> Result<T, HttpError> {
    let status = resp.status();
    let text = resp
        .text()
        .await
        .map_err(|e| HttpError::Network(e.to_string()))?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&text).map_err(|e| HttpError::Status {
            status,
            code: ErrorCode::Malformed,
            message: format!("the server's answer is malformed: {e}"),
            gap: None,
        });
    }
    let body: Option<ErrorBody> = serde_json::from_str(&text).ok();
    let (code, message, details) = match body {
        Some(b) => (b.error.code, b.error.message, b.error.details),
        None => (
            if status >= 500 {
                ErrorCode::Server
            } else {
                ErrorCode::Malformed
            },
            format!("HTTP {status}"),
            None,
        ),
    };
    let gap = details.and_then(|d| serde_json::from_value::<SeqGapDetails>(d).ok());
    let code = if status >= 500 {
        ErrorCode::Server
    } else {
        code
    };
    Err(HttpError::Status {
        status,
        code,
        message,
        gap,
    })
}
