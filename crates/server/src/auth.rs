//! Authentication (HTTP Basic with argon2 password hashes, bearer API tokens),
//! per-user rate limits, and the [`Auth`] extractor every protected handler takes.
//!
//! Verifying an argon2 hash costs tens of milliseconds, so a verified
//! `Authorization` header is cached (keyed by its digest) for `auth_cache_ttl`:
//! changes made with the CLI while the server runs take effect within that time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use store::taxii::User;
use store::Visibility;

use crate::error::ApiError;
use crate::AppState;

/// An authenticated user with its rights per collection id.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    rights: HashMap<String, (bool, bool)>,
    /// Public id of the API token used, if any (for the audit log).
    pub token_id: Option<String>,
    /// The password hash the credentials were verified against (Basic): while it
    /// is unchanged in the store, re-checking needs no argon2 run.
    pub(crate) verified_phc: Option<String>,
}

impl Principal {
    pub fn new(
        user: User,
        rights: Vec<(String, bool, bool)>,
        token_id: Option<String>,
    ) -> Principal {
        Principal {
            user,
            rights: rights.into_iter().map(|(c, r, w)| (c, (r, w))).collect(),
            token_id,
            verified_phc: None,
        }
    }
    pub fn name(&self) -> &str {
        &self.user.name
    }
    pub fn can_read(&self, collection: &str) -> bool {
        self.user.admin || self.rights.get(collection).is_some_and(|r| r.0)
    }
    pub fn can_write(&self, collection: &str) -> bool {
        self.user.admin || self.rights.get(collection).is_some_and(|r| r.1)
    }
    pub fn visibility(&self) -> Visibility {
        self.user.visibility()
    }
}

/// The extractor: `Auth(principal)` or a 401/429 response. Reusable by any
/// handler nested into [`crate::app`] (the web UI uses the same users).
pub struct Auth(pub Arc<Principal>);

/// The user a request claimed or authenticated as, filled in by [`Auth`] and read
/// by the request log and the audit of denied requests.
#[derive(Clone, Default)]
pub struct RequestUser(pub Arc<OnceLock<String>>);

impl RequestUser {
    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let slot = parts
            .extensions
            .get::<RequestUser>()
            .cloned()
            .unwrap_or_default();
        let p = state.authenticate(header.as_deref(), &slot).await?;
        Ok(Auth(p))
    }
}

/// Token buckets per key (a user name, or `fail:` + a claimed name).
pub(crate) struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub(crate) fn new(per_second: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            per_second,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token; `Err(seconds to wait)` when the bucket is empty. A rate of
    /// 0 disables the limit.
    pub(crate) fn take(&self, key: &str) -> Result<(), u64> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if b.len() > 100_000 {
            // Idle buckets are full anyway: forgetting them changes nothing.
            let burst = self.burst;
            let rate = self.per_second;
            b.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = b.entry(key.to_string()).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }

    /// Whether a key still has a token, without taking one.
    pub(crate) fn has(&self, key: &str) -> bool {
        if self.per_second <= 0.0 {
            return true;
        }
        let b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        match b.get(key) {
            None => true,
            Some((tokens, at)) => *tokens + at.elapsed().as_secs_f64() * self.per_second >= 1.0,
        }
    }
}

/// What the credential cache knows about an `Authorization` header.
pub(crate) enum Cached {
    Fresh(Arc<Principal>),
    Stale(Arc<Principal>),
    Missing,
}

/// A cached principal and when it was verified.
type CacheEntry = (Arc<Principal>, Instant);

/// Verified credentials by digest of the `Authorization` header.
pub(crate) struct AuthCache {
    ttl: Duration,
    map: Mutex<HashMap<[u8; 32], CacheEntry>>,
    /// Per-credential locks serialising verification (see `AppState::authenticate`).
    gates: Mutex<HashMap<[u8; 32], Arc<tokio::sync::Mutex<()>>>>,
}

impl AuthCache {
    pub(crate) fn new(ttl: Duration) -> AuthCache {
        AuthCache {
            ttl,
            map: Mutex::new(HashMap::new()),
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// The verification lock of one credential.
    pub(crate) fn gate(&self, key: &[u8; 32]) -> Arc<tokio::sync::Mutex<()>> {
        let mut g = self.gates.lock().unwrap_or_else(|p| p.into_inner());
        if g.len() > 10_000 {
            // Locks nobody holds or waits for can go.
            g.retain(|_, m| Arc::strong_count(m) > 1);
        }
        g.entry(*key).or_default().clone()
    }
    pub(crate) fn get(&self, key: &[u8; 32]) -> Option<Arc<Principal>> {
        match self.lookup(key) {
            Cached::Fresh(p) => Some(p),
            Cached::Stale(_) | Cached::Missing => None,
        }
    }

    /// Fresh within the TTL; stale (usable while one request re-verifies in the
    /// background) up to twice the TTL; missing after.
    pub(crate) fn lookup(&self, key: &[u8; 32]) -> Cached {
        let m = self.map.lock().unwrap_or_else(|p| p.into_inner());
        match m.get(key) {
            Some((p, at)) if at.elapsed() < self.ttl => Cached::Fresh(p.clone()),
            Some((p, at)) if at.elapsed() < self.ttl * 2 => Cached::Stale(p.clone()),
            _ => Cached::Missing,
        }
    }

    pub(crate) fn remove(&self, key: &[u8; 32]) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
    pub(crate) fn put(&self, key: [u8; 32], p: Arc<Principal>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut m = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() > 10_000 {
            let ttl = self.ttl;
            m.retain(|_, (_, at)| at.elapsed() < ttl);
        }
        m.insert(key, (p, Instant::now()));
    }
}

/// What an `Authorization` header carries.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Credentials {
    Basic { user: String, password: String },
    Bearer(String),
}

/// Parses an `Authorization` header value.
pub(crate) fn parse_authorization(h: &str) -> Result<Credentials, ApiError> {
    let (scheme, rest) = h.trim().split_once(' ').unwrap_or((h, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let bad = || ApiError::Unauthenticated("malformed Basic credentials".into());
        let raw = base64_decode(rest).ok_or_else(bad)?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let (user, password) = text.split_once(':').ok_or_else(bad)?;
        Ok(Credentials::Basic {
            user: user.to_string(),
            password: password.to_string(),
        })
    } else if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        Ok(Credentials::Bearer(rest.to_string()))
    } else {
        Err(ApiError::Unauthenticated(
            "unsupported authorization scheme (use Basic or Bearer)".into(),
        ))
    }
}

/// Standard base64 (RFC 4648 §4), padding optional; `None` on any other byte.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim_end_matches('=').as_bytes();
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// Standard base64 with padding (for clients building Basic credentials).
pub fn base64_encode(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for s in ["", "a", "ab", "abc", "alice:pässword", "x:y:z"] {
            let e = base64_encode(s.as_bytes());
            assert_eq!(base64_decode(&e).unwrap(), s.as_bytes(), "{s} -> {e}");
        }
        assert_eq!(base64_encode(b"alice:secret"), "YWxpY2U6c2VjcmV0");
        assert!(base64_decode("a$==").is_none());
        assert!(base64_decode("abcde").is_none());
    }

    #[test]
    fn authorization_headers() {
        let check = |h: &str, expect: Option<Credentials>| {
            assert_eq!(parse_authorization(h).ok(), expect, "{h}");
        };
        check(
            "Basic YWxpY2U6c2VjcmV0",
            Some(Credentials::Basic {
                user: "alice".into(),
                password: "secret".into(),
            }),
        );
        check(
            "basic YWxpY2U6YTpi",
            Some(Credentials::Basic {
                user: "alice".into(),
                password: "a:b".into(),
            }),
        );
        check("Bearer tlk_x", Some(Credentials::Bearer("tlk_x".into())));
        check("Bearer ", None);
        check("Basic !!!", None);
        check("Basic YWxpY2U=", None); // no colon
        check("Digest abc", None);
    }

    #[test]
    fn rate_limiter_refuses_past_burst() {
        let r = RateLimiter::new(1.0, 3.0);
        for _ in 0..3 {
            assert!(r.take("u").is_ok());
        }
        assert_eq!(r.take("u"), Err(1));
        assert!(!r.has("u"));
        assert!(r.take("v").is_ok(), "buckets are per key");
        let off = RateLimiter::new(0.0, 1.0);
        for _ in 0..100 {
            assert!(off.take("u").is_ok());
        }
    }
}
