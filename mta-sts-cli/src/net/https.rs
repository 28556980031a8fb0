//! A minimal blocking HTTPS GET for the policy fetch (RFC 8461 §3.3).
//!
//! Why not an HTTP client crate such as ureq: the fetch must use the core's own rustls
//! configuration (`policy_host_client_config`, SNI and identity `mta-sts.<domain>`),
//! connect wherever `--connect-to` says while still validating the policy host name,
//! never follow a redirect but show its `Location`, cap the body at the core's limit + 1,
//! and hand back the rustls error itself so that `classify_tls_error` gives the exact
//! TLS-RPT result type. A client crate hides or reshapes each of those (its own TLS
//! setup and error types, redirect handling, connection pooling), and one GET of a
//! small text file over HTTP/1.1 with `Connection: close` is little code.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

use mta_sts_core::verify::rustls::{self, ClientConfig, ClientConnection, StreamOwned};
use mta_sts_core::verify::{Peer, classify_tls_error, pki_types::ServerName};
use mta_sts_core::{Failure, TransportError};

use super::connect::Connector;
use super::{is_timeout, time_left};

/// Largest response head (status line and headers) read: ours, far above what a policy
/// host sends, small enough to bound memory.
pub(crate) const MAX_HEAD_LEN: usize = 16 * 1024;

/// Longest chunk-size line of a chunked body (`1a2b;ext=...`): ours.
const MAX_CHUNK_LINE_LEN: usize = 1024;

/// What the server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    /// The `Location` header of a redirect, shown, never followed.
    pub(crate) location: Option<String>,
    /// At most `max_body` bytes (the caller passes the core's limit + 1).
    pub(crate) body: Vec<u8>,
}

/// Why no response arrived.
#[derive(Debug)]
pub(crate) enum GetError {
    /// Before or outside TLS: the core's transport error class and what happened.
    Transport {
        error: TransportError,
        detail: String,
    },
    /// The TLS connection failed, classified for the policy host.
    Tls { failure: Failure, detail: String },
}

impl GetError {
    fn transport(error: TransportError, detail: impl fmt::Display) -> Self {
        Self::Transport {
            error,
            detail: detail.to_string(),
        }
    }

    /// What happened, for people.
    pub(crate) fn detail(&self) -> &str {
        match self {
            Self::Transport { detail, .. } | Self::Tls { detail, .. } => detail,
        }
    }
}

/// GETs `path` from `host` over HTTPS with `config`, checking the certificate for
/// `server_name`, reading at most `max_body` body bytes.
pub(crate) fn get(
    connector: &Connector,
    host: &str,
    path: &str,
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    max_body: usize,
) -> Result<Response, GetError> {
    let socket = connector.connect(host, 443).map_err(|e| {
        let class = match &e {
            _ if e.is_timeout() => TransportError::Timeout,
            super::connect::ConnectError::Resolve { .. } => TransportError::Dns,
            _ => TransportError::Connect,
        };
        GetError::transport(class, e)
    })?;
    let deadline = Instant::now() + connector.timeout();
    let conn = ClientConnection::new(config, server_name).map_err(|e| GetError::Tls {
        failure: classify_tls_error(&e, Peer::PolicyHost),
        detail: format!("TLS setup failed: {e}"),
    })?;
    let mut tls = StreamOwned::new(conn, socket);
    if let Err(error) = super::complete_handshake(&mut tls.conn, &mut tls.sock, deadline) {
        return Err(tls_failure(
            &error,
            "TLS handshake with",
            TransportError::TlsHandshake,
        ));
    }
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mta-sts/{}\r\n\
         Accept: text/plain\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    tls.write_all(request.as_bytes())
        .and_then(|()| tls.flush())
        .map_err(|e| tls_failure(&e, "sending the request to", TransportError::Http))?;
    let mut reader = BodyReader {
        stream: tls,
        pending: Vec::new(),
        deadline,
    };
    let head = loop {
        let head = reader.head()?;
        // Interim responses (103 Early Hints, ...) come before the real one.
        if !(100..200).contains(&head.status) {
            break head;
        }
    };
    let body = if head.status == 200 {
        reader.body(&head, max_body)?
    } else {
        Vec::new()
    };
    Ok(Response {
        status: head.status,
        content_type: head.content_type,
        location: head.location,
        body,
    })
}

/// A failed TLS read or write: a rustls error inside the I/O error is classified
/// by the core; a timeout is [`TransportError::Timeout`], anything else (a reset, an
/// end of stream without close_notify) is `otherwise`.
fn tls_failure(error: &io::Error, doing: &str, otherwise: TransportError) -> GetError {
    let rustls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(e) => GetError::Tls {
            failure: classify_tls_error(e, Peer::PolicyHost),
            detail: format!("{doing} the policy host failed: {e}"),
        },
        None if is_timeout(error) => GetError::transport(
            TransportError::Timeout,
            format!("{doing} the policy host took longer than the time limit"),
        ),
        None => GetError::transport(
            otherwise,
            format!("{doing} the policy host failed: {error}"),
        ),
    }
}

/// The parts of a response head the fetch needs.
#[derive(Debug, Default, PartialEq, Eq)]
struct Head {
    status: u16,
    content_type: Option<String>,
    location: Option<String>,
    content_length: Option<usize>,
    chunked: bool,
}

/// Parses a response head (without its final blank line).
fn parse_head(head: &[u8]) -> Result<Head, String> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut words = status_line.splitn(3, ' ');
    let version = words.next().unwrap_or_default();
    let code = words.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") || code.len() != 3 {
        return Err(format!("not an HTTP/1.x status line: {status_line:?}"));
    }
    let status = code
        .parse()
        .map_err(|_| format!("bad status code in {status_line:?}"))?;
    let mut parsed = Head {
        status,
        ..Head::default()
    };
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("header line without a colon: {line:?}"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-type") {
            parsed.content_type = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("location") {
            parsed.location = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            parsed.chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        } else if name.eq_ignore_ascii_case("content-length") {
            let len = value
                .parse()
                .map_err(|_| format!("bad Content-Length {value:?}"))?;
            if parsed.content_length.is_some_and(|seen| seen != len) {
                return Err("conflicting Content-Length headers".into());
            }
            parsed.content_length = Some(len);
        }
    }
    Ok(parsed)
}

/// Reads the response from the TLS stream, keeping bytes read ahead.
struct BodyReader {
    stream: StreamOwned<ClientConnection, TcpStream>,
    pending: Vec<u8>,
    deadline: Instant,
}

impl BodyReader {
    /// Reads more bytes into `pending`; `Ok(false)` at a clean end of stream.
    fn fill(&mut self) -> Result<bool, GetError> {
        let left = time_left(self.deadline).ok_or_else(|| {
            GetError::transport(
                TransportError::Timeout,
                "the policy host took longer than the time limit to answer",
            )
        })?;
        self.stream
            .sock
            .set_read_timeout(Some(left))
            .map_err(|e| GetError::transport(TransportError::Http, e))?;
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return Ok(false),
                Ok(len) => {
                    self.pending
                        .extend_from_slice(buf.get(..len).unwrap_or_default());
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(tls_failure(
                        &e,
                        "reading the response from",
                        TransportError::Http,
                    ));
                }
            }
        }
    }

    fn cut_off() -> GetError {
        GetError::transport(
            TransportError::Http,
            "the policy host closed the connection before the response was complete",
        )
    }

    /// Reads and parses the next response head.
    fn head(&mut self) -> Result<Head, GetError> {
        loop {
            if let Some(end) = find(&self.pending, b"\r\n\r\n") {
                let head = parse_head(self.pending.get(..end).unwrap_or_default())
                    .map_err(|e| GetError::transport(TransportError::Http, e))?;
                self.pending
                    .drain(..end.saturating_add(4).min(self.pending.len()));
                return Ok(head);
            }
            if self.pending.len() > MAX_HEAD_LEN {
                return Err(GetError::transport(
                    TransportError::Http,
                    format!("response head longer than {MAX_HEAD_LEN} bytes"),
                ));
            }
            if !self.fill()? {
                return Err(Self::cut_off());
            }
        }
    }

    /// Reads the body of `head`, at most `max` bytes.
    fn body(&mut self, head: &Head, max: usize) -> Result<Vec<u8>, GetError> {
        if head.chunked {
            return self.chunked(max);
        }
        let want = head.content_length.map_or(max, |len| len.min(max));
        while self.pending.len() < want {
            if !self.fill()? {
                if head.content_length.is_some() {
                    return Err(Self::cut_off());
                }
                break;
            }
        }
        self.pending.truncate(want);
        Ok(std::mem::take(&mut self.pending))
    }

    /// Decodes a chunked body (RFC 9112 §7.1) until its last chunk or `max` bytes.
    fn chunked(&mut self, max: usize) -> Result<Vec<u8>, GetError> {
        let mut body = Vec::new();
        loop {
            let line = self.line()?;
            let size_text = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| {
                GetError::transport(
                    TransportError::Http,
                    format!("bad chunk size line {line:?}"),
                )
            })?;
            if size == 0 {
                return Ok(body);
            }
            let take = size.min(max.saturating_sub(body.len()));
            while self.pending.len() < take {
                if !self.fill()? {
                    return Err(Self::cut_off());
                }
            }
            body.extend(self.pending.drain(..take));
            if body.len() >= max {
                return Ok(body);
            }
            // The chunk's closing CRLF.
            if !self.line()?.is_empty() {
                return Err(GetError::transport(
                    TransportError::Http,
                    "chunk longer than its size line says",
                ));
            }
        }
    }

    /// One CRLF-terminated line, without the CRLF.
    fn line(&mut self) -> Result<String, GetError> {
        loop {
            if let Some(end) = find(&self.pending, b"\r\n") {
                let line = String::from_utf8_lossy(self.pending.get(..end).unwrap_or_default())
                    .into_owned();
                self.pending
                    .drain(..end.saturating_add(2).min(self.pending.len()));
                return Ok(line);
            }
            if self.pending.len() > MAX_CHUNK_LINE_LEN {
                return Err(GetError::transport(
                    TransportError::Http,
                    "chunk size line too long",
                ));
            }
            if !self.fill()? {
                return Err(Self::cut_off());
            }
        }
    }
}

/// The offset of the first `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_with_the_headers_the_fetch_needs() {
        let head = parse_head(
            b"HTTP/1.1 301 Moved Permanently\r\nlocation:  https://elsewhere.example/p \r\n\
              Content-Type: text/html; charset=utf-8\r\nContent-Length: 12\r\nX-Other: y",
        )
        .unwrap();
        assert_eq!(head.status, 301);
        assert_eq!(
            head.location.as_deref(),
            Some("https://elsewhere.example/p")
        );
        assert_eq!(
            head.content_type.as_deref(),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(head.content_length, Some(12));
        assert!(!head.chunked);
    }

    #[test]
    fn chunked_is_the_last_transfer_coding() {
        let head = parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked").unwrap();
        assert!(head.chunked);
        let head = parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip").unwrap();
        assert!(!head.chunked);
    }

    #[test]
    fn malformed_heads_are_errors() {
        for bad in [
            &b"SSH-2.0-OpenSSH"[..],
            b"HTTP/2 200",
            b"HTTP/1.1 20 OK",
            b"HTTP/1.1 2x0 OK",
            b"HTTP/1.1 200 OK\r\nno colon here",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2",
        ] {
            assert!(
                parse_head(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn status_without_reason_phrase() {
        assert_eq!(parse_head(b"HTTP/1.0 404").unwrap().status, 404);
    }

    #[test]
    fn find_finds_the_first() {
        assert_eq!(find(b"ab\r\n\r\ncd\r\n\r\n", b"\r\n\r\n"), Some(2));
        assert_eq!(find(b"abc", b"\r\n"), None);
        assert_eq!(find(b"", b"\r\n"), None);
    }
}
