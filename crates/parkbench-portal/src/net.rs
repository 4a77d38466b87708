//! The portal on the network: connections (how many, per client address, which one makes room
//! for a new one), the bounds around every request (deadlines for headers and bodies, sizes,
//! the request timeout, the portal's pages for errors) and the HTTP/1.1 server itself. What a
//! request asks for is the pages' business, not this module's.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::{Frame, SizeHint};
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

use super::error::{self, Fail, PageError};
use super::{Portal, PortalError, PortalLimits};

/// Room for an upload form's fields other than the files (the CSRF token, year, form key).
pub(super) const FORM_ROOM: usize = 64 << 10;

/// The portal's bounds around a router (see [`Portal::router`]): the body deadlines (a pause
/// of `body_idle_secs`; a form's whole body in `form_body_secs`; an upload at
/// `upload_min_bytes_per_sec` after its grace), the size of a form body, the Content-Length
/// check against `max_body`, the 500 page for a handler that panics, the request timeout, and
/// the portal's pages for every error. Public so that tests can wrap a route of their own (one
/// that panics) exactly as the portal's routes are wrapped.
pub fn protect(routes: Router, max_body: usize, l: &PortalLimits) -> Router {
    routes
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            Duration::from_secs(l.body_idle_secs),
        ))
        .layer(axum::middleware::from_fn_with_state(
            Paces::of(l),
            pace_body,
        ))
        // Forms; the upload routes set their own, larger limit.
        .layer(DefaultBodyLimit::max(l.form_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            max_body,
            refuse_oversized,
        ))
        // A bug that panics in a handler: the portal's 500 page, the server stays up.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(l.request_timeout_secs),
        ))
        .layer(axum::middleware::from_fn(error::pages_for_errors))
}

/// `Strict-Transport-Security` on every answer (the portal's public URL is https).
pub(super) fn strict_transport(routes: Router, max_age_secs: u64) -> Router {
    let value = HeaderValue::from_str(&format!("max-age={max_age_secs}")).ok();
    routes.layer(axum::middleware::map_response(move |mut r: Response| {
        let value = value.clone();
        async move {
            if let Some(v) = value {
                r.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, v);
            }
            r
        }
    }))
}

/// A request whose Content-Length says it is larger than anything the portal accepts is
/// answered 413 before a byte of its body is read, and the connection is closed.
async fn refuse_oversized(State(max): State<usize>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        let lang = error::request_lang(req.uri(), req.headers());
        tracing::info!(declared = ?declared, path = ?logged(req.uri().path()), "request too large, refused unread");
        let mb = max.saturating_sub(FORM_ROOM) >> 20;
        return closing(PageError::new(lang, Fail::TooLarge(mb)).into_response());
    }
    next.run(req).await
}

/// A response after which the connection is closed (its request's body was not all read).
fn closing(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// A typed value (a path, an email) as a log line shows it ([`super::auth::for_log`]).
pub(super) fn logged(value: &str) -> String {
    super::auth::for_log(value, crate::shipped_limits().portal.log_value_chars)
}

// ---- body deadlines

/// How fast a request body must arrive: after `grace` from its first read, at least
/// `bytes_per_sec` on average. With a rate of 0, `grace` is a deadline for the whole body.
#[derive(Debug, Clone, Copy)]
struct Pace {
    grace: Duration,
    bytes_per_sec: u64,
}

impl Pace {
    /// The moment a body that started at `start` and has brought `read` bytes is too slow.
    fn deadline(&self, start: Instant, read: u64) -> Instant {
        let earned = match self.bytes_per_sec {
            0 => Duration::ZERO,
            rate => Duration::from_secs_f64(read as f64 / rate as f64),
        };
        start + self.grace.max(earned)
    }
}

/// The paces of the two kinds of body: forms (a total deadline) and uploads (a rate).
#[derive(Debug, Clone, Copy)]
struct Paces {
    form: Pace,
    upload: Pace,
}

impl Paces {
    fn of(l: &PortalLimits) -> Paces {
        Paces {
            form: Pace {
                grace: Duration::from_secs(l.form_body_secs),
                bytes_per_sec: 0,
            },
            upload: Pace {
                grace: Duration::from_secs(l.upload_grace_secs),
                bytes_per_sec: l.upload_min_bytes_per_sec,
            },
        }
    }
}

/// Middleware: the request's body must keep its pace (a multipart body is an upload: only the
/// upload handlers read one; any other body is a form). A body too slow ends with an error for
/// the handler, and the answer is the 408 page, the connection closed.
async fn pace_body(State(paces): State<Paces>, req: Request, next: Next) -> Response {
    // Uploads: forms with files, and files sent to the API as a body (anything but JSON).
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim_start);
    let upload = content_type.is_some_and(|v| v.starts_with("multipart/"))
        || (error::is_api(req.uri())
            && content_type.is_some_and(|v| !v.starts_with("application/json")));
    let pace = if upload { paces.upload } else { paces.form };
    let lang = error::request_lang(req.uri(), req.headers());
    let path = logged(req.uri().path());
    let late = Arc::new(AtomicBool::new(false));
    let req = req.map(|b| Body::new(Paced::new(b, pace, late.clone())));
    let r = next.run(req).await;
    if !late.load(Ordering::Relaxed) {
        return r;
    }
    tracing::info!(path = ?path, upload, "request body too slow, dropped");
    closing(PageError::new(lang, Fail::Timeout).into_response())
}

/// A request body that fails once it is later than its [`Pace`] allows.
struct Paced {
    inner: Body,
    pace: Pace,
    start: Option<Instant>,
    read: u64,
    timer: Pin<Box<Sleep>>,
    late: Arc<AtomicBool>,
}

impl Paced {
    fn new(inner: Body, pace: Pace, late: Arc<AtomicBool>) -> Paced {
        Paced {
            inner,
            pace,
            start: None,
            read: 0,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
            late,
        }
    }

    fn too_slow(&self) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        self.late.store(true, Ordering::Relaxed);
        Poll::Ready(Some(Err(axum::Error::new("request body too slow"))))
    }
}

impl hyper::body::Body for Paced {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let now = Instant::now();
        let start = *self.start.get_or_insert(now);
        let deadline = self.pace.deadline(start, self.read);
        if now >= deadline {
            return self.too_slow();
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let n = frame.data_ref().map_or(0, |d| d.len() as u64);
                self.read += n;
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                self.timer.as_mut().reset(deadline);
                match self.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => self.too_slow(),
                    Poll::Pending => Poll::Pending,
                }
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that holds a value (a connection's mark of a request in progress) until
/// it has been sent.
struct Holding<T> {
    inner: Body,
    _held: T,
}

impl<T: Unpin> hyper::body::Body for Holding<T> {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

// ---- connections

/// The open connections: how many each client address holds, and, by age, whether each has a
/// request in progress (one that has none can be closed to make room for a new connection).
struct Conns {
    max: usize,
    per_address: usize,
    table: Mutex<ConnTable>,
    /// Told when a connection ends (a place may be free).
    ended: Notify,
}

#[derive(Default)]
struct ConnTable {
    by_address: HashMap<IpAddr, Place>,
    /// By id (ids increase with age); a connection closed to make room leaves at once.
    open: HashMap<u64, Conn>,
    next: u64,
}

/// An address's connections: how many (those closing to make room included), and which have
/// no request in progress, oldest first.
#[derive(Default)]
struct Place {
    count: usize,
    idle: BTreeSet<u64>,
}

struct Conn {
    address: IpAddr,
    requests: usize,
    close: Arc<Notify>,
}

/// Why a connection was not given a place.
#[derive(Debug, PartialEq, Eq)]
enum NoPlace {
    /// Its address holds `connections_per_address`: closed at once.
    Address,
    /// Every place has a request in progress: it waits for one to end.
    Full,
}

/// A connection's place in [`Conns`], given back when dropped.
struct Admitted {
    conns: Arc<Conns>,
    id: u64,
    address: IpAddr,
    close: Arc<Notify>,
}

/// A request in progress on a connection, until its response has been sent.
struct InProgress {
    conns: Arc<Conns>,
    id: u64,
}

impl Conns {
    fn new(l: &PortalLimits) -> Arc<Conns> {
        Arc::new(Conns {
            max: l.connections.max(1),
            per_address: l.connections_per_address.max(1),
            table: Mutex::new(ConnTable::default()),
            ended: Notify::new(),
        })
    }

    fn table(&self) -> std::sync::MutexGuard<'_, ConnTable> {
        // The table holds counts only: a panic elsewhere cannot leave it half-changed.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a connection from `address`, made by closing another when all are taken
    /// ([`ConnTable::make_room`]).
    fn admit(self: &Arc<Self>, address: IpAddr) -> Result<Admitted, NoPlace> {
        let mut t = self.table();
        if t.by_address.get(&address).map_or(0, |p| p.count) >= self.per_address {
            return Err(NoPlace::Address);
        }
        if t.open.len() >= self.max && !t.make_room() {
            return Err(NoPlace::Full);
        }
        let id = t.next;
        t.next += 1;
        let place = t.by_address.entry(address).or_default();
        place.count += 1;
        place.idle.insert(id);
        let close = Arc::new(Notify::new());
        let conn = Conn {
            address,
            requests: 0,
            close: close.clone(),
        };
        t.open.insert(id, conn);
        Ok(Admitted {
            conns: self.clone(),
            id,
            address,
            close,
        })
    }

    /// Waits until a place may be free (a connection ended).
    async fn wait_for_place(&self) {
        self.ended.notified().await;
    }

    fn in_progress(self: &Arc<Self>, id: u64) -> InProgress {
        self.table().requests(id, 1);
        InProgress {
            conns: self.clone(),
            id,
        }
    }
}

impl ConnTable {
    /// Closes a connection without a request in progress (it has not finished its headers, or
    /// is idle between requests): the oldest of the address that holds the most connections,
    /// so a crowd from a few addresses makes room from its own connections, not from a
    /// visitor's one. False when every connection has a request in progress.
    fn make_room(&mut self) -> bool {
        let greediest = self
            .by_address
            .values_mut()
            .filter_map(|p| Some((p.count, std::cmp::Reverse(*p.idle.first()?), p)))
            .max_by_key(|(count, oldest, _)| (*count, *oldest))
            .map(|(_, _, p)| p);
        let Some(id) = greediest.and_then(|p| p.idle.pop_first()) else {
            return false;
        };
        if let Some(c) = self.open.remove(&id) {
            c.close.notify_one();
        }
        true
    }

    /// A connection's requests in progress change by `delta` (+1 or -1); with none it is idle.
    fn requests(&mut self, id: u64, delta: isize) {
        let Some(c) = self.open.get_mut(&id) else {
            return;
        };
        c.requests = c.requests.saturating_add_signed(delta);
        let (idle, address) = (c.requests == 0, c.address);
        if let Some(p) = self.by_address.get_mut(&address) {
            if idle {
                p.idle.insert(id);
            } else {
                p.idle.remove(&id);
            }
        }
    }

    /// A connection ended: its place given back.
    fn remove(&mut self, id: u64, address: IpAddr) {
        self.open.remove(&id);
        if let Some(p) = self.by_address.get_mut(&address) {
            p.idle.remove(&id);
            p.count = p.count.saturating_sub(1);
            if p.count == 0 {
                self.by_address.remove(&address);
            }
        }
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.conns.table().remove(self.id, self.address);
        self.conns.ended.notify_one();
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.conns.table().requests(self.id, -1);
    }
}

/// Serves the portal until Ctrl-C (or SIGTERM).
pub async fn serve(portal: Portal, bind: SocketAddr) -> Result<(), PortalError> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(address = %listener.local_addr()?, "parkbench portal listening");
    serve_on(portal, listener, shutdown()).await
}

/// Serves the portal on a listener until `stop` completes. Each connection is HTTP/1.1 with a
/// deadline for its request headers (`header_timeout_secs`: a client that sends half a header
/// is disconnected) and a bounded buffer (`request_head_bytes`). A client address holds at most
/// `connections_per_address` connections (more are closed at once); over all, at most
/// `connections`: a new one closes a connection without a request in progress (of the address
/// that holds the most), and only when every one has a request does it wait. The client
/// address is given to the handlers (login throttling).
pub async fn serve_on(
    portal: Portal,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), PortalError> {
    let l = portal.config().limits;
    let app = portal.router();
    let conns = Conns::new(&l);
    let (closing, closed) = tokio::sync::watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    'accept: loop {
        let (stream, addr) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let admitted = loop {
            match conns.admit(addr.ip()) {
                Ok(a) => break a,
                Err(NoPlace::Address) => {
                    tracing::debug!(address = %addr.ip(), "connection refused: too many from this address");
                    continue 'accept;
                }
                Err(NoPlace::Full) => tokio::select! {
                    () = conns.wait_for_place() => {}
                    () = &mut stop => break 'accept,
                },
            }
        };
        let conn = Connection {
            app: app.clone(),
            addr,
            admitted,
            limits: l,
        };
        tokio::spawn(conn.serve(stream, closed.clone()));
    }
    drop(listener);
    let _ = closing.send(true);
    // Requests in progress finish (each is bounded by the request timeout).
    let drained = async {
        while !conns.table().by_address.is_empty() {
            let _ = tokio::time::timeout(Duration::from_millis(50), conns.wait_for_place()).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(l.request_timeout_secs), drained).await;
    portal.db().close().await;
    Ok(())
}

/// One accepted connection and what it holds.
struct Connection {
    app: Router,
    addr: SocketAddr,
    admitted: Admitted,
    limits: PortalLimits,
}

impl Connection {
    async fn serve(
        self,
        stream: tokio::net::TcpStream,
        mut closed: tokio::sync::watch::Receiver<bool>,
    ) {
        use hyper_util::rt::{TokioIo, TokioTimer};
        use tower::ServiceExt;
        let Connection {
            app,
            addr,
            admitted,
            limits: l,
        } = self;
        let (conns, id) = (admitted.conns.clone(), admitted.id);
        let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let mark = conns.in_progress(id);
            let mut req = req.map(Body::new);
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
            let app = app.clone();
            async move {
                let r = app.oneshot(req).await?;
                Ok::<_, std::convert::Infallible>(r.map(|b| {
                    Body::new(Holding {
                        inner: b,
                        _held: mark,
                    })
                }))
            }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(l.header_timeout_secs))
            .max_header_size(l.request_head_bytes)
            .max_buf_size(l.request_head_bytes.max(8192))
            .serve_connection(TokioIo::new(stream), svc);
        let mut conn = std::pin::pin!(conn);
        tokio::select! {
            _ = conn.as_mut() => {}
            // Closed to make room for a new connection: dropped at once.
            () = admitted.close.notified() => {}
            _ = closed.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
        }
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_per_address_and_room_made_from_the_address_that_holds_most() {
        let mut l = crate::shipped_limits().portal;
        l.connections = 4;
        l.connections_per_address = 3;
        let conns = Conns::new(&l);
        let ip = |n: u8| IpAddr::from([127, 0, 0, n]);
        let crowd: Vec<Admitted> = (0..3).map(|_| conns.admit(ip(2)).unwrap()).collect();
        assert_eq!(conns.admit(ip(2)).err(), Some(NoPlace::Address));
        let visitor = conns.admit(ip(1)).unwrap();
        let _busy = conns.in_progress(crowd[0].id);
        // Full: the newcomer's place comes from the crowd's oldest idle connection, not from
        // the visitor's older one.
        let newcomer = conns.admit(ip(3)).unwrap();
        let open = |id| conns.table().open.contains_key(&id);
        assert!(open(visitor.id) && open(crowd[0].id) && !open(crowd[1].id));
        let _more = conns.admit(ip(4)).unwrap();
        assert!(open(visitor.id) && !open(crowd[2].id));
        // The crowd now holds one place, busy: the oldest idle one of the others goes.
        let _again = conns.admit(ip(5)).unwrap();
        assert!(!open(visitor.id) && open(newcomer.id));
        drop(crowd);
        assert!(!conns.table().by_address.contains_key(&ip(2)), "given back");
    }

    #[test]
    fn a_pace_is_a_deadline_that_moves_with_the_bytes() {
        let start = Instant::now();
        let form = Pace {
            grace: Duration::from_secs(5),
            bytes_per_sec: 0,
        };
        assert_eq!(
            form.deadline(start, 1 << 30),
            start + Duration::from_secs(5)
        );
        let upload = Pace {
            grace: Duration::from_secs(10),
            bytes_per_sec: 1000,
        };
        assert_eq!(upload.deadline(start, 0), start + Duration::from_secs(10));
        assert_eq!(
            upload.deadline(start, 30_000),
            start + Duration::from_secs(30)
        );
    }
}
