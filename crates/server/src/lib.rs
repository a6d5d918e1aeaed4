//! The threatledger HTTP server: TAXII 2.1 (discovery, API roots, collections,
//! objects, manifests, versions, status) with users, groups, API tokens,
//! per-collection rights, TLP enforcement, rate limits and an audit log; plus the
//! blocking TAXII client used by `threatledger taxii pull|push`.
//!
//! [`app`] builds the router from an [`AppState`] (tests drive it in-process);
//! [`serve`] binds it to a listener with graceful shutdown. Handlers are thin:
//! they parse, call the store on the blocking pool, and format.
//!
//! **Architecture invariant:** no read path returns, counts or reveals the id of an
//! object above the requesting user's clearance: every query carries the user's
//! `Visibility`, and pagination cursors are opaque server-side tokens bound to the
//! user (the store's cursors, which carry sequence numbers, never leave the server).

pub mod auth;
pub mod client;
pub mod error;
pub mod media;
mod taxii;
pub mod writer;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use stix::Timestamp;
use store::taxii::{AuditEvent, TaxiiStore};
use store::Store;

use crate::auth::{AuthCache, Cached, Credentials, Principal, RateLimiter, RequestUser};
use crate::error::{ApiError, InternalCause};
use crate::writer::{Job, Writer};

/// Server settings (from `threatledger serve` flags or its config file).
#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    pub description: Option<String>,
    pub contact: Option<String>,
    /// Base URL clients reach the server at (`https://taxii.example.org`); when
    /// unset, URLs are built from the request's `Host` header over http.
    pub public_url: Option<String>,
    /// Largest page a client may ask for (and the page size when it asks none).
    pub max_page_size: usize,
    /// Requests per second per user (0 = unlimited), and the burst allowed.
    pub rate_limit: f64,
    pub rate_burst: f64,
    /// Failed logins per second per claimed user name before 429s.
    pub failed_login_rate: f64,
    /// How long verified credentials are trusted without another check.
    pub auth_cache_ttl: Duration,
    /// How long a `next` cursor stays valid.
    pub cursor_ttl: Duration,
    /// How long shutdown waits for open requests.
    pub drain_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "threatledger TAXII server".into(),
            description: Some(
                "STIX 2.1 threat intelligence on state-sponsored financial theft".into(),
            ),
            contact: None,
            public_url: None,
            max_page_size: 1000,
            rate_limit: 100.0,
            rate_burst: 200.0,
            failed_login_rate: 1.0,
            auth_cache_ttl: Duration::from_secs(10),
            cursor_ttl: Duration::from_secs(30 * 60),
            drain_timeout: Duration::from_secs(10),
        }
    }
}

/// Shared state of every handler: cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Arc<dyn Store>,
    config: Config,
    cache: AuthCache,
    limiter: RateLimiter,
    failed_logins: RateLimiter,
    cursors: Cursors,
    /// Last audited 429 per user: floods are audited once per second, not per request.
    throttled: Mutex<HashMap<String, Instant>>,
    /// Bounds concurrent store calls: more would only open more SQLite connections
    /// and contend for the same cores (queueing here is cheaper than there).
    store_slots: tokio::sync::Semaphore,
    catalog: Mutex<Option<(Arc<Catalog>, Instant)>>,
    writer: Writer,
}

/// How long the API roots and collections are cached: CLI changes show within it.
const CATALOG_TTL: Duration = Duration::from_secs(1);

/// API roots and collections (read on nearly every request, changed rarely).
pub(crate) struct Catalog {
    pub(crate) roots: Vec<store::taxii::ApiRoot>,
    pub(crate) collections: Vec<store::taxii::Collection>,
}

impl Catalog {
    pub(crate) fn root(&self, name: &str) -> Result<&store::taxii::ApiRoot, ApiError> {
        self.roots
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| ApiError::NotFound(format!("API root '{name}'")))
    }

    /// The API root and collection a URL names (collection by id or alias).
    pub(crate) fn collection(
        &self,
        root: &str,
        key: &str,
    ) -> Result<(&store::taxii::ApiRoot, &store::taxii::Collection), ApiError> {
        let r = self.root(root)?;
        let c = self
            .collections
            .iter()
            .find(|c| c.api_root == root && (c.id == key || c.alias.as_deref() == Some(key)))
            .ok_or_else(|| {
                ApiError::NotFound(format!("collection '{key}' in API root '{root}'"))
            })?;
        Ok((r, c))
    }
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the {0} backend has no TAXII tables; use SQLite")]
    NoTaxiiTables(&'static str),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
}

impl AppState {
    /// Starts the writer thread; fails when the backend cannot hold TAXII data.
    pub fn new(store: Arc<dyn Store>, config: Config) -> Result<AppState, StartError> {
        if store.taxii().is_none() {
            return Err(StartError::NoTaxiiTables(store.backend()));
        }
        Ok(AppState(Arc::new(Inner {
            writer: Writer::start(store.clone()),
            cache: AuthCache::new(config.auth_cache_ttl),
            limiter: RateLimiter::new(config.rate_limit, config.rate_burst),
            failed_logins: RateLimiter::new(
                config.failed_login_rate,
                config.failed_login_rate.max(1.0) * 5.0,
            ),
            cursors: Cursors::default(),
            throttled: Mutex::new(HashMap::new()),
            catalog: Mutex::new(None),
            store_slots: tokio::sync::Semaphore::new(
                std::thread::available_parallelism()
                    .map_or(4, |n| n.get() * 2)
                    .max(4),
            ),
            store,
            config,
        })))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.0.store
    }

    /// Runs store work on the blocking pool (SQLite calls block).
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store, &dyn TaxiiStore) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _slot = self
            .0
            .store_slots
            .acquire()
            .await
            .map_err(|_| ApiError::ShuttingDown)?;
        let store = self.0.store.clone();
        tokio::task::spawn_blocking(move || {
            let taxii = store
                .taxii()
                .ok_or_else(|| ApiError::Internal("the backend has no TAXII tables".into()))?;
            f(store.as_ref(), taxii)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a storage task failed: {e}")))?
    }

    /// The API roots and collections, at most `CATALOG_TTL` old.
    pub(crate) async fn catalog(&self) -> Result<Arc<Catalog>, ApiError> {
        if let Some((c, at)) = &*self.0.catalog.lock().unwrap_or_else(|p| p.into_inner()) {
            if at.elapsed() < CATALOG_TTL {
                return Ok(c.clone());
            }
        }
        let c = Arc::new(
            self.blocking(|_, t| {
                Ok(Catalog {
                    roots: t.list_api_roots()?,
                    collections: t.list_collections(None)?,
                })
            })
            .await?,
        );
        *self.0.catalog.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((c.clone(), Instant::now()));
        Ok(c)
    }

    pub(crate) fn send(&self, job: Job) -> Result<(), ApiError> {
        if self.0.writer.send(job) {
            Ok(())
        } else {
            Err(ApiError::ShuttingDown)
        }
    }

    /// Resolves an `Authorization` header to a user, applying rate limits.
    pub async fn authenticate(
        &self,
        header: Option<&str>,
        slot: &RequestUser,
    ) -> Result<Arc<Principal>, ApiError> {
        let Some(header) = header else {
            return Err(ApiError::Unauthenticated(
                "no credentials: send HTTP Basic or a bearer token".into(),
            ));
        };
        let creds = auth::parse_authorization(header)?;
        if let Credentials::Basic { user, .. } = &creds {
            let _ = slot.0.set(user.clone());
        }
        let key = app::accounts::digest(header.as_bytes());
        let principal = match self.0.cache.lookup(&key) {
            Cached::Fresh(p) => p,
            Cached::Stale(p) => {
                // Re-verify in the background (one request per credential) and
                // answer this one with the entry verified less than 2 TTLs ago; a
                // revoked credential is dropped from the cache by that check.
                if let Ok(guard) = self.0.cache.gate(&key).try_lock_owned() {
                    let state = self.clone();
                    let p2 = p.clone();
                    tokio::spawn(async move {
                        let _guard = guard;
                        if state.verify(creds, key, Some(p2)).await.is_err() {
                            state.0.cache.remove(&key);
                        }
                    });
                }
                p
            }
            Cached::Missing => {
                // One verification per credential at a time: when a cached entry
                // expires under load, the other requests wait for it instead of each
                // running argon2 (tens of ms of CPU) at once.
                let gate = self.0.cache.gate(&key);
                let _held = gate.lock().await;
                match self.0.cache.get(&key) {
                    Some(p) => p,
                    None => self.verify(creds, key, None).await?,
                }
            }
        };
        let _ = slot.0.set(principal.name().to_string());
        self.0
            .limiter
            .take(principal.name())
            .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
        Ok(principal)
    }

    /// Checks credentials against the store (argon2 or token digest) and caches
    /// the result.
    ///
    /// `known`: the entry being refreshed. Its password hash, if still the stored
    /// one, proves the password again without argon2 (the same password verified
    /// against the same hash); users, disabled flags and rights are re-read anyway.
    async fn verify(
        &self,
        creds: Credentials,
        key: [u8; 32],
        known: Option<Arc<Principal>>,
    ) -> Result<Arc<Principal>, ApiError> {
        let known_phc = known.and_then(|p| p.verified_phc.clone());
        let fail_key = match &creds {
            Credentials::Basic { user, .. } => format!("fail:{user}"),
            Credentials::Bearer(_) => "fail:<token>".to_string(),
        };
        if !self.0.failed_logins.has(&fail_key) {
            return Err(ApiError::RateLimited { retry_after: 1 });
        }
        let resolved = self
            .blocking(move |_, t| {
                let found = match creds {
                    Credentials::Basic { user, password } => {
                        let phc = t.password_hash(&user)?;
                        let ok = match &phc {
                            Some(h) if known_phc.as_ref() == Some(h) => true,
                            Some(h) => app::accounts::verify_password(h, &password),
                            None => false,
                        };
                        if ok {
                            t.get_user(&user)?.map(|u| (u, None, phc))
                        } else {
                            None
                        }
                    }
                    Credentials::Bearer(secret) => t
                        .token_user(&app::accounts::token_digest(&secret))?
                        .map(|(u, id)| (u, Some(id), None)),
                };
                match found {
                    Some((u, tok, phc)) if !u.disabled => {
                        let rights = t.rights_of(&u.name)?;
                        let mut p = Principal::new(u, rights, tok);
                        p.verified_phc = phc;
                        Ok(Some(p))
                    }
                    _ => Ok(None),
                }
            })
            .await?;
        let Some(p) = resolved else {
            let _ = self.0.failed_logins.take(&fail_key);
            return Err(ApiError::Unauthenticated(
                "invalid user name, password or token".into(),
            ));
        };
        let p = Arc::new(p);
        self.0.cache.put(key, p.clone());
        Ok(p)
    }

    /// Base URL for links in discovery and status resources.
    pub(crate) fn base_url(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(u) = &self.0.config.public_url {
            return u.trim_end_matches('/').to_string();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    }
}

/// Opaque pagination tokens: `next` values handed to clients map to the store's
/// cursor server-side, bound to the user and the request's filters, so a client
/// learns nothing (such as sequence numbers, whose gaps would count hidden
/// objects) beyond the objects it may see.
#[derive(Default)]
pub(crate) struct Cursors {
    map: Mutex<(
        HashMap<String, CursorEntry>,
        std::collections::VecDeque<String>,
    )>,
}

/// Most live cursors; the oldest are forgotten first (bounded memory, O(1) per page).
const MAX_CURSORS: usize = 100_000;

struct CursorEntry {
    user: String,
    key: String,
    store_next: String,
    at: Instant,
}

impl Cursors {
    pub(crate) fn issue(&self, user: &str, key: &str, store_next: String, ttl: Duration) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let mut guard = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let (m, order) = &mut *guard;
        while let Some(oldest) = order.front() {
            let expired = m.get(oldest).is_none_or(|e| e.at.elapsed() >= ttl);
            if !expired && order.len() < MAX_CURSORS {
                break;
            }
            if let Some(old) = order.pop_front() {
                m.remove(&old);
            }
        }
        order.push_back(token.clone());
        m.insert(
            token.clone(),
            CursorEntry {
                user: user.to_string(),
                key: key.to_string(),
                store_next,
                at: Instant::now(),
            },
        );
        token
    }

    pub(crate) fn resolve(
        &self,
        token: &str,
        user: &str,
        key: &str,
        ttl: Duration,
    ) -> Result<String, ApiError> {
        let guard = self.map.lock().unwrap_or_else(|p| p.into_inner());
        match guard.0.get(token) {
            Some(e) if e.user == user && e.key == key && e.at.elapsed() < ttl => {
                Ok(e.store_next.clone())
            }
            Some(e) if e.user == user && e.at.elapsed() < ttl => Err(ApiError::BadRequest(
                "the filters changed between pages: send the same filters with 'next'".into(),
            )),
            _ => Err(ApiError::BadRequest(format!(
                "'next' value '{token}' is unknown or has expired"
            ))),
        }
    }
}

pub(crate) fn now() -> Timestamp {
    let us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    Timestamp::from_unix_micros(us)
}

/// The router: `/taxii2/…` (TAXII 2.1) and `/healthz`. More routes (the web UI)
/// can be merged into it; they share the state and the [`auth::Auth`]
/// extractor.
pub fn app(state: AppState) -> Router {
    taxii::routes()
        .route("/healthz", get(healthz))
        // Every error is a TAXII error message, unknown paths and methods included.
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_log,
        ))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.blocking(|s, _| Ok(s.backend())).await {
        Ok(b) => (StatusCode::OK, format!("ok {b}\n")).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Structured request log, and the audit of denied requests (401, 403, 429).
async fn request_log(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let user = RequestUser::default();
    req.extensions_mut().insert(user.clone());
    let resp = next.run(req).await;
    let status = resp.status();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let who = user.get().unwrap_or("-").to_string();
    if let Some(InternalCause(cause)) = resp.extensions().get::<InternalCause>() {
        tracing::error!(id, %method, %path, status = status.as_u16(), user = %who, ms, cause = %cause, "request failed");
    } else {
        tracing::info!(id, %method, %path, status = status.as_u16(), user = %who, ms, "request");
    }
    let denied = matches!(
        status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
    );
    if denied && path != "/healthz" {
        let audit_it = status != StatusCode::TOO_MANY_REQUESTS || {
            let mut t = state.0.throttled.lock().unwrap_or_else(|p| p.into_inner());
            let due = t
                .get(&who)
                .is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
            if due {
                t.insert(who.clone(), Instant::now());
            }
            due
        };
        if audit_it {
            let _ = state.send(Job::Audit(AuditEvent {
                time: now(),
                user: user.get().map(str::to_string),
                action: format!("{method} {path}"),
                outcome: "denied".into(),
                status: status.as_u16(),
                detail: String::new(),
            }));
        }
    }
    resp
}

/// Serves `router` on `listener` until `shutdown` completes, then waits for open
/// requests (at most `drain_timeout`) and for queued writes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let drain = state.config().drain_timeout;
    let router = app(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    // Responses go out in several writes: without TCP_NODELAY, Nagle's algorithm and
    // delayed ACKs add tens of milliseconds to some of them.
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing open requests");
        let _ = tx.send(());
    });
    tokio::select! {
        r = server => r?,
        _ = async { let _ = rx.await; tokio::time::sleep(drain).await } => {
            tracing::warn!("requests still open after {drain:?}: stopping anyway");
        }
    }
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
