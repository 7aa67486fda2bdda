//! `okra serve`'s HTTP side: files rendered on request from the served
//! build, folder redirects and 404s decided without the filesystem, the
//! live-reload script injected into HTML, the status JSON and the event stream.

use super::server::{Reply, Request, Response};
use super::*;
use std::net::TcpStream;

/// The answer to a request: a file of the served build, the status JSON,
/// or the event stream. The served build is read once, so everything in one
/// response (a page, a redirect, the 404 page) comes from the same build.
pub(super) fn answer(request: &Request, shared: &Shared) -> Reply {
    let path = request.target.split(['?', '#']).next().unwrap_or_default();
    if request.method != "GET" && request.method != "HEAD" {
        let response = Response::text(405, "okra serve only answers GET and HEAD\n")
            .with_header("Allow", "GET, HEAD".to_string());
        return Reply::Response(response);
    }
    Reply::Response(match path {
        EVENTS_PATH => return Reply::Events,
        STATUS_PATH => {
            let status = shared.state().status.clone();
            let body = serde_json::json!({
                "ok": status.ok,
                "errors": status.errors,
                "warnings": status.warnings,
                "text": status.text,
            })
            .to_string();
            Response::new(200, "application/json", body.into_bytes())
        }
        _ => {
            let (served, status) = {
                let state = shared.state();
                (state.served.clone(), state.status.clone())
            };
            match served {
                Some(site) => file_response(&site, path),
                None => Response::new(
                    500,
                    "text/html; charset=utf-8",
                    error_page(&status.text).into_bytes(),
                ),
            }
        }
    })
}

/// Where a request path leads in the site.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// An output file, by its path in the site (`fy24/eng/index.html`).
    File(String),
    /// A path without a trailing slash (`okra.css`, or `fy24/eng`): a file, or
    /// a folder with a page, redirected to `/fy24/eng/` since relative links only
    /// work from there.
    Bare(String),
    BadRequest,
}

/// Maps a URL path to a file of the site: `/a/b/` is `a/b/index.html`.
/// Percent-escapes are decoded first, then any `.`/`..` segment, backslash, colon
/// or NUL is refused (files are looked up by name, never on disk, but a URL that
/// tries to climb out is still a bad request).
pub(super) fn resolve(url_path: &str) -> Target {
    let Some(decoded) = percent_decode(url_path) else {
        return Target::BadRequest;
    };
    if !decoded.starts_with('/') {
        return Target::BadRequest;
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        let unsafe_segment =
            segment == "." || segment == ".." || segment.contains(['\\', ':', '\0']);
        if unsafe_segment {
            return Target::BadRequest;
        }
        segments.push(segment);
    }
    let path = segments.join("/");
    if decoded.ends_with('/') {
        Target::File(if path.is_empty() {
            "index.html".to_string()
        } else {
            format!("{path}/index.html")
        })
    } else {
        Target::Bare(path)
    }
}

/// Decodes `%XX` escapes; None for a malformed escape or a result that is not UTF-8.
pub(super) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The response for a path of the served site: the file, rendered now; a
/// redirect; or the site's own 404 page. A page whose template fails gets the
/// error page with the diagnostic.
pub(super) fn file_response(site: &Prepared, url_path: &str) -> Response {
    let (file, folder) = match resolve(url_path) {
        Target::BadRequest => return Response::text(400, "bad request\n"),
        Target::File(file) => (file, None),
        Target::Bare(path) => (path.clone(), Some(path)),
    };
    match site.render_file(&file) {
        Some(Ok(data)) => page_response(200, &file, data),
        Some(Err(d)) => failed_page(&d),
        None => {
            let index = folder.map(|f| format!("{f}/index.html"));
            match index.and_then(|index| site.render_file(&index)) {
                // The path is visible ASCII (server::parse_head): safe in a header.
                Some(_) => {
                    Response::text(301, "moved\n").with_header("Location", format!("{url_path}/"))
                }
                None => match site.render_file(crate::render::urls::NOT_FOUND) {
                    Some(Ok(data)) => page_response(404, crate::render::urls::NOT_FOUND, data),
                    Some(Err(d)) => failed_page(&d),
                    None => Response::text(404, "not found\n"),
                },
            }
        }
    }
}

/// A page whose template failed while serving it: the diagnostic, as a page.
pub(super) fn failed_page(d: &crate::diag::Diagnostic) -> Response {
    let mut diags = Diagnostics::new();
    diags.push(d.clone());
    let text = diags.render_human(false);
    Response::new(
        500,
        "text/html; charset=utf-8",
        error_page(&text).into_bytes(),
    )
}

/// A file with its content type; HTML gets the live-reload script.
pub(super) fn page_response(status: u16, file: &str, data: Vec<u8>) -> Response {
    let content_type = content_type(Path::new(file), &data);
    let data = if content_type.starts_with("text/html") {
        inject_script(data)
    } else {
        data
    };
    Response::new(status, content_type, data)
}

/// Inserts [`LIVE_RELOAD_SCRIPT`] right before the last `</body>` (any case), or at
/// the end of a page without one.
pub(super) fn inject_script(mut html: Vec<u8>) -> Vec<u8> {
    let needle = b"</body>";
    let at = html
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
        .unwrap_or(html.len());
    html.splice(at..at, LIVE_RELOAD_SCRIPT.bytes());
    html
}

/// Content type by extension; `.xml` is told apart as an Atom feed by its root element.
pub(super) fn content_type(file: &Path, data: &[u8]) -> &'static str {
    let ext = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "xml" if is_atom(data) => "application/atom+xml; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "atom" => "application/atom+xml; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

pub(super) fn is_atom(data: &[u8]) -> bool {
    let head = &data[..data.len().min(512)];
    head.windows(5).any(|w| w == b"<feed")
}

/// Served for every path while no build has succeeded yet: the diagnostics, and
/// the script, so the page reloads into the site once they are fixed.
pub(super) fn error_page(text: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>Build failed · okra serve</title>\n\
         <style>body{{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#1d2330;background:#fff5f5}}\
         pre{{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;\
         overflow-wrap:anywhere;background:#3b0d0d;color:#ffe3e3;padding:1rem;border-radius:4px}}</style>\n\
         </head>\n<body>\n<h1>The site has errors</h1>\n\
         <p>okra serve keeps watching: this page turns into the site as soon as they are fixed.</p>\n\
         <pre id=\"okra-error-text\">{}</pre>\n{LIVE_RELOAD_SCRIPT}</body>\n</html>\n",
        escape_html(text)
    )
}

/// An open page's event stream, on its connection's thread: it may stay open
/// for hours. The client is registered before the headers go out, so a page
/// that has seen them gets every later event. It ends when the page goes away
/// (a write fails) or the server stops (the channel closes).
pub(super) fn stream_events(mut out: TcpStream, shared: &Shared, head_only: bool) {
    let (sender, events) = mpsc::channel();
    if !head_only {
        shared.clients().push(sender);
    }
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
                Connection: close\r\nX-Accel-Buffering: no\r\n\r\n";
    if send(&mut out, head.as_bytes()).is_err() || head_only {
        return;
    }
    if send(&mut out, b"retry: 1000\n\n").is_err() {
        return;
    }
    loop {
        let chunk: &[u8] = match events.recv_timeout(KEEP_ALIVE) {
            Ok(LiveEvent::Reload) => b"data: reload\n\n",
            Ok(LiveEvent::Error) => b"data: error\n\n",
            Err(RecvTimeoutError::Timeout) => b":\n\n",
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // A failed write means the page is gone; dropping `events` makes the
        // next broadcast forget it.
        if send(&mut out, chunk).is_err() {
            return;
        }
    }
}

pub(super) fn send(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(bytes)?;
    out.flush()
}
