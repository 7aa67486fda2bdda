//! The preview's HTTP/1.1 layer: std::net, one thread per connection.
//!
//! A browser keeps several connections open per host (idle keep-alive
//! sockets, preconnected sockets it may never use, one event stream per tab),
//! so a connection must never wait for another to finish. Each accepted
//! connection gets its own thread for its whole life: an idle or slow client
//! holds only its own thread, and a request is read and answered as soon as it
//! arrives. Every read and write is bounded in size and time, and the number
//! of open connections is capped, so garbage, half-sent requests and clients
//! that never read cannot pile up.

use super::*;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::sync::atomic::AtomicUsize;

/// Connections open at once; beyond this a new one gets a 503 and is closed.
/// A browser opens a few per host and one per tab's event stream.
const MAX_CONNECTIONS: usize = 256;
/// The request line and headers together, at most.
const HEAD_LIMIT: usize = 16 * 1024;
/// Time to send a whole request head once its first byte arrived.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A keep-alive connection with no new request for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// A client that does not read what it asked for within this is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// A request body (none is used) is read and discarded up to this size, so the
/// connection can be kept; a larger one closes the connection after the answer.
const BODY_DRAIN_LIMIT: u64 = 64 * 1024;

/// A request head, parsed.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Request {
    pub(super) method: String,
    /// The request target as sent (`/fy24/eng/?x`).
    pub(super) target: String,
    /// The connection may carry another request after this one.
    pub(super) keep_alive: bool,
    /// `Content-Length` of a body to skip; None for a body of unknown length
    /// (chunked), after which the connection is closed.
    pub(super) body: Option<u64>,
}

/// A complete response: okra's responses are rendered in memory, so every one
/// has a `Content-Length` and is written in one piece.
pub(super) struct Response {
    pub(super) status: u16,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: Vec<u8>,
}

impl Response {
    /// Every response of the preview: never cached, so a reload shows the new build.
    pub(super) fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![
                ("Content-Type", content_type.to_string()),
                ("Cache-Control", "no-store".to_string()),
                ("X-Content-Type-Options", "nosniff".to_string()),
            ],
            body,
        }
    }

    pub(super) fn text(status: u16, text: &str) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    pub(super) fn with_header(mut self, name: &'static str, value: String) -> Response {
        self.headers.push((name, value));
        self
    }
}

/// What a request is answered with.
pub(super) enum Reply {
    Response(Response),
    /// The live-reload event stream: the connection becomes the stream.
    Events,
}

/// Accepts connections until the process ends, each on its own thread.
pub(super) fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            // Out of file descriptors, or a connection reset before it was
            // accepted: wait a moment rather than spin.
            Err(_) => {
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        if shared.stopping.load(Ordering::SeqCst) {
            continue;
        }
        if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            refuse(stream);
            continue;
        }
        let slot = Slot::take(&open);
        let shared = Arc::clone(&shared);
        // If the thread cannot be made, the closure is dropped: the
        // connection closes and its slot is given back.
        let _ = thread::Builder::new()
            .name("okra-serve-connection".to_string())
            .spawn(move || {
                let _slot = slot;
                connection(stream, &shared);
            });
    }
}

/// One of the [`MAX_CONNECTIONS`] slots, given back when the connection ends.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(open: &Arc<AtomicUsize>) -> Slot {
        open.fetch_add(1, Ordering::SeqCst);
        Slot(Arc::clone(open))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Too many connections: a short 503, written without waiting on the client.
fn refuse(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let response = Response::text(503, "okra serve: too many open connections\n")
        .with_header("Retry-After", "1".to_string());
    let _ = write_response(&mut stream, &response, false, false);
}

/// Answers the requests of one connection, in order, until it closes, stays
/// idle for [`IDLE_TIMEOUT`], asks to close, sends something that is not
/// HTTP, or becomes an event stream.
fn connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut out = stream;
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(status) => {
                let response = Response::text(status, &format!("{}\n", reason(status)));
                if write_response(&mut out, &response, false, false).is_ok() {
                    linger(&out, &mut reader);
                }
                return;
            }
        };
        let head_only = request.method == "HEAD";
        let mut keep_alive = request.keep_alive && !shared.stopping.load(Ordering::SeqCst);
        match request.body {
            Some(0) => {}
            Some(n) if n <= BODY_DRAIN_LIMIT => {
                let drained = io::copy(&mut (&mut reader).take(n), &mut io::sink());
                keep_alive &= drained.is_ok_and(|read| read == n);
            }
            _ => keep_alive = false,
        }
        match super::http::answer(&request, shared) {
            Reply::Events => {
                super::http::stream_events(out, shared, head_only);
                return;
            }
            Reply::Response(response) => {
                let written = write_response(&mut out, &response, head_only, keep_alive);
                if written.is_err() {
                    return;
                }
                if !keep_alive {
                    linger(&out, &mut reader);
                    return;
                }
            }
        }
    }
}

/// Closes a connection after its last response without losing it: closing
/// with unread input (a body not read, the rest of an oversized head) makes the
/// system reset the connection, and the client may then never see the answer.
/// So the sending side is shut first and what the client still sends is read
/// and dropped, for a bounded time and amount, until it closes its side.
fn linger(out: &TcpStream, reader: &mut BufReader<TcpStream>) {
    const LINGER: Duration = Duration::from_millis(500);
    const LINGER_BYTES: u64 = 1024 * 1024;
    if out.shutdown(std::net::Shutdown::Write).is_err() {
        return;
    }
    let _ = reader.get_ref().set_read_timeout(Some(LINGER));
    let deadline = Instant::now() + LINGER;
    let mut left = LINGER_BYTES;
    let mut buf = [0; 8192];
    while left > 0 && Instant::now() < deadline {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n as u64),
        }
    }
}

/// Reads one request head. `Ok(None)`: the client closed the connection or
/// sent nothing for [`IDLE_TIMEOUT`]; `Err(status)`: a request that gets
/// that error status, after which the connection is closed.
fn read_request(reader: &mut BufReader<TcpStream>) -> Result<Option<Request>, u16> {
    // Idle between requests: wait for a first byte.
    if reader.buffer().is_empty() {
        if reader
            .get_ref()
            .set_read_timeout(Some(IDLE_TIMEOUT))
            .is_err()
        {
            return Ok(None);
        }
        loop {
            match reader.fill_buf() {
                Ok([]) => return Ok(None),
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Ok(None),
            }
        }
    }
    // The head must then come whole within HEAD_TIMEOUT, and be at most HEAD_LIMIT.
    let deadline = Instant::now() + HEAD_TIMEOUT;
    let mut head = Vec::with_capacity(1024);
    loop {
        if reader.buffer().is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || reader.get_ref().set_read_timeout(Some(left)).is_err() {
                return Err(408);
            }
        }
        let buf = match reader.fill_buf() {
            Ok([]) => return Ok(None), // closed halfway through a request
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(408);
            }
            Err(_) => return Ok(None),
        };
        let mut used = 0;
        let mut complete = false;
        for &byte in buf {
            used += 1;
            // Empty lines before a request line are ignored (RFC 9112 §2.2).
            if head.is_empty() && (byte == b'\r' || byte == b'\n') {
                continue;
            }
            head.push(byte);
            if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
                complete = true;
                break;
            }
        }
        reader.consume(used);
        if complete {
            return parse_head(&head).map(Some);
        }
        if head.len() > HEAD_LIMIT {
            return Err(431);
        }
    }
}

/// Parses a request line and headers (ending with an empty line).
pub(super) fn parse_head(head: &[u8]) -> Result<Request, u16> {
    if head.len() > HEAD_LIMIT {
        return Err(431);
    }
    let text = std::str::from_utf8(head).map_err(|_| 400u16)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(400);
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    // The target must be visible ASCII: nothing of it can end up splitting a
    // header of the response (a redirect's Location repeats it).
    let visible = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
    if !token(method) || !visible(target) {
        return Err(400);
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        v if v.starts_with("HTTP/") => return Err(505),
        _ => return Err(400),
    };
    let mut connection = Vec::new();
    let mut content_length: Option<u64> = None;
    let mut chunked = false;
    for line in lines.take_while(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or(400u16)?;
        if !token(name) {
            return Err(400);
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("connection") {
            connection.extend(value.split(',').map(|t| t.trim().to_ascii_lowercase()));
        } else if name.eq_ignore_ascii_case("content-length") {
            let length = value.parse::<u64>().map_err(|_| 400u16)?;
            if content_length.is_some_and(|l| l != length) {
                return Err(400);
            }
            content_length = Some(length);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = true;
        }
    }
    let keep_alive = if http11 {
        !connection.iter().any(|t| t == "close")
    } else {
        connection.iter().any(|t| t == "keep-alive")
    };
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        keep_alive,
        body: if chunked {
            None
        } else {
            Some(content_length.unwrap_or(0))
        },
    })
}

/// Writes a response in one piece, with its length and whether the
/// connection stays open.
pub(super) fn write_response(
    out: &mut TcpStream,
    response: &Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: {}\r\n\r\n",
        response.body.len(),
        if keep_alive { "keep-alive" } else { "close" }
    ));
    let mut bytes = head.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&response.body);
    }
    out.write_all(&bytes)?;
    out.flush()
}

/// The reason phrase of the statuses okra serve answers with.
pub(super) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_heads() {
        let request = parse_head(b"GET /fy24/eng/?x=1 HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert_eq!(
            request,
            Request {
                method: "GET".into(),
                target: "/fy24/eng/?x=1".into(),
                keep_alive: true,
                body: Some(0),
            }
        );
        let close = parse_head(b"GET / HTTP/1.1\r\nConnection: Upgrade, Close\r\n\r\n").unwrap();
        assert!(!close.keep_alive);
        let old = parse_head(b"GET / HTTP/1.0\n\n").unwrap();
        assert!(!old.keep_alive);
        let old_kept = parse_head(b"GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n").unwrap();
        assert!(old_kept.keep_alive);
        let post = parse_head(b"POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n").unwrap();
        assert_eq!(post.body, Some(12));
        let chunked = parse_head(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        assert_eq!(chunked.body, None);
    }

    #[test]
    fn refuses_malformed_heads() {
        for (head, status) in [
            (&b"garbage\r\n\r\n"[..], 400),
            (b"GET /\r\n\r\n", 400),
            (b"GET  / HTTP/1.1\r\n\r\n", 400),
            (b"GET / HTTP/1.1 x\r\n\r\n", 400),
            (b"GET / HTTP/2.0\r\n\r\n", 505),
            (b"GET / FTP/1.1\r\n\r\n", 400),
            (b"G(T / HTTP/1.1\r\n\r\n", 400),
            (b"GET /a\x01b HTTP/1.1\r\n\r\n", 400),
            (b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n", 400),
            (b"GET /\xff HTTP/1.1\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nno colon\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nbad name: x\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
            (
                b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                400,
            ),
        ] {
            assert_eq!(
                parse_head(head),
                Err(status),
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(HEAD_LIMIT));
        assert_eq!(parse_head(long.as_bytes()), Err(431));
    }

    #[test]
    fn writes_whole_responses() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let response = Response::text(404, "not here\n");
        write_response(&mut server, &response, false, false).unwrap();
        write_response(&mut server, &response, true, false).unwrap();
        drop(server);
        let mut raw = String::new();
        client.read_to_string(&mut raw).unwrap();
        let head = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\
                    Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\
                    Content-Length: 9\r\nConnection: close\r\n\r\n";
        assert_eq!(raw, format!("{head}not here\n{head}"));
    }
}
