//! The one place where errors become HTTP responses: every variant of
//! [`ApiError`] and of [`StoreError`] is matched here (no wildcard), and every
//! error body is a TAXII 2.1 error message (§3.6.1).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use store::StoreError;

use crate::media::TAXII_MEDIA_TYPE;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credentials, or credentials that do not identify an enabled user.
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    /// Authenticated, but without the right to do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Unknown (or invisible to this user: the two are indistinguishable).
    #[error("not found: {0}")]
    NotFound(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error(
        "none of the accepted media types is served here (this server answers {TAXII_MEDIA_TYPE})"
    )]
    NotAcceptable,
    #[error("unsupported content type '{0}' (send {TAXII_MEDIA_TYPE})")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than this API root's max_content_length ({limit} bytes)")]
    PayloadTooLarge { limit: u64 },
    #[error("too many requests from this user: retry in {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error("this method is not allowed on this endpoint")]
    MethodNotAllowed,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// Status code and a short title (TAXII error `title`).
    fn status(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "Authentication required"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "Forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "Bad request"),
            ApiError::NotAcceptable => (StatusCode::NOT_ACCEPTABLE, "Not acceptable"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type")
            }
            ApiError::PayloadTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "Request too large")
            }
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
            ApiError::ShuttingDown => (StatusCode::SERVICE_UNAVAILABLE, "Service unavailable"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
            ApiError::Store(e) => match e {
                StoreError::Conflict { .. } => (StatusCode::CONFLICT, "Conflict"),
                StoreError::InvalidQuery(_) => (StatusCode::BAD_REQUEST, "Bad request"),
                StoreError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
                StoreError::SchemaTooNew { .. }
                | StoreError::Backend(_)
                | StoreError::Corrupt(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
            },
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
        }
    }
}

/// The real cause of a 5xx, attached to the response for the request log (the
/// client only sees a generic message).
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, title) = self.status();
        let description = if status.is_server_error() {
            "Something went wrong on the server; the request log has the details".to_string()
        } else {
            self.to_string()
        };
        let body = json!({
            "title": title,
            "description": description,
            "http_status": status.as_u16().to_string(),
        });
        let mut resp = (status, body.to_string()).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(TAXII_MEDIA_TYPE),
        );
        match &self {
            ApiError::Unauthenticated(_) => {
                // Both schemes are accepted; Basic first so that browsers and
                // taxii2-client prompt for a password.
                h.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        "Basic realm=\"threatledger\", Bearer realm=\"threatledger\"",
                    ),
                );
            }
            ApiError::RateLimited { retry_after } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    h.insert(header::RETRY_AFTER, v);
                }
            }
            _ => {}
        }
        if status.is_server_error() {
            resp.extensions_mut()
                .insert(InternalCause(self.to_string()));
        }
        resp
    }
}
