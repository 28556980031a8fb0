//! A loopback HTTPS server that gives every request the same reply.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use mta_sts_core::verify::rustls::{ServerConfig, ServerConnection, StreamOwned};

/// The reply to every request.
#[derive(Clone)]
pub struct Reply {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    chunked: bool,
}

impl Reply {
    /// 200 with `Content-Type: text/plain` and `body`.
    pub fn policy(body: &str) -> Self {
        Self {
            status_line: "HTTP/1.1 200 OK".into(),
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: body.as_bytes().to_vec(),
            chunked: false,
        }
    }

    /// `status` with a small HTML body.
    pub fn status(status: u16, reason: &str) -> Self {
        Self {
            status_line: format!("HTTP/1.1 {status} {reason}"),
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: format!("<h1>{status} {reason}</h1>").into_bytes(),
            chunked: false,
        }
    }

    /// A 301 to `location`.
    pub fn redirect(location: &str) -> Self {
        Self::status(301, "Moved Permanently").header("Location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn content_type(mut self, value: &str) -> Self {
        self.headers.retain(|(n, _)| n != "Content-Type");
        self.headers.push(("Content-Type".into(), value.into()));
        self
    }

    /// Send the body with `Transfer-Encoding: chunked`, in chunks of 7 bytes.
    pub fn chunked(mut self) -> Self {
        self.chunked = true;
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{}\r\n", self.status_line).into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        if self.chunked {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
            for chunk in self.body.chunks(7) {
                out.extend_from_slice(format!("{:x};ext=1\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
        } else {
            out.extend_from_slice(
                format!(
                    "Content-Length: {}\r\nConnection: close\r\n\r\n",
                    self.body.len()
                )
                .as_bytes(),
            );
            out.extend_from_slice(&self.body);
        }
        out
    }
}

/// A request body is kept up to this many bytes (the rest is read and dropped, and
/// [`Request::truncated`] says so).
pub const MAX_BODY: usize = 1 << 20;

/// One request as received.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The request line and headers, up to and including the empty line.
    pub head: String,
    /// The body (by `Content-Length`, or decoded from `Transfer-Encoding: chunked`),
    /// at most [`MAX_BODY`] bytes.
    pub body: Vec<u8>,
    /// The body was longer than [`MAX_BODY`], or ended early.
    pub truncated: bool,
}

/// A running server; its thread ends with the test process.
pub struct HttpsServer {
    /// The listening address.
    pub addr: SocketAddr,
    reply: Arc<Mutex<Reply>>,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl HttpsServer {
    pub fn start(config: Arc<ServerConfig>, reply: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let reply = Arc::new(Mutex::new(reply));
        let current = Arc::clone(&reply);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let config = Arc::clone(&config);
                let reply = current.lock().unwrap().clone();
                let seen = Arc::clone(&seen);
                thread::spawn(move || serve(stream, config, &reply, &seen));
            }
        });
        Self {
            addr,
            reply,
            requests,
        }
    }

    /// Gives `reply` to every request from now on.
    pub fn set_reply(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
    }

    /// The request heads received so far.
    pub fn requests(&self) -> Vec<String> {
        self.received().into_iter().map(|r| r.head).collect()
    }

    /// The requests received so far, heads and bodies.
    pub fn received(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

/// The value of header `name` in `head` (case-insensitive name), trimmed.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Reads the body that follows `head`; `rest` is what was read past the head.
fn read_body(tls: &mut impl Read, head: &str, rest: Vec<u8>) -> (Vec<u8>, bool) {
    let chunked = header(head, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let mut raw = rest;
    let mut buf = [0u8; 4096];
    let mut more = |raw: &mut Vec<u8>| match tls.read(&mut buf) {
        Ok(0) | Err(_) => false,
        Ok(len) => {
            raw.extend_from_slice(&buf[..len]);
            true
        }
    };
    if !chunked {
        let len: usize = header(head, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        // Bounded: past MAX_BODY + 1 bytes nothing more is read.
        while raw.len() < len.min(MAX_BODY + 1) && more(&mut raw) {}
        let truncated = raw.len() < len || len > MAX_BODY;
        raw.truncate(len.min(MAX_BODY));
        return (raw, truncated);
    }
    // Chunked: `size[;ext]\r\n data \r\n` ... `0\r\n\r\n`.
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let line_end = loop {
            if let Some(i) = raw[at..].windows(2).position(|w| w == b"\r\n") {
                break at + i;
            }
            if raw.len() > MAX_BODY * 2 || !more(&mut raw) {
                return (body, true);
            }
        };
        let line = String::from_utf8_lossy(&raw[at..line_end]);
        let size_text = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return (body, true);
        };
        if size == 0 {
            return (body, false);
        }
        let start = line_end + 2;
        while raw.len() < start + size + 2 {
            if raw.len() > MAX_BODY * 2 || !more(&mut raw) {
                return (body, true);
            }
        }
        if body.len() + size > MAX_BODY {
            return (body, true);
        }
        body.extend_from_slice(&raw[start..start + size]);
        at = start + size + 2;
    }
}

fn serve(stream: TcpStream, config: Arc<ServerConfig>, reply: &Reply, seen: &Mutex<Vec<Request>>) {
    let conn = ServerConnection::new(config).unwrap();
    let mut tls = StreamOwned::new(conn, stream);
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return, // the client gave up (a refused certificate)
            Ok(len) => head.extend_from_slice(&buf[..len]),
        }
    }
    let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 4;
    let rest = head.split_off(end);
    let head = String::from_utf8_lossy(&head).into_owned();
    let (body, truncated) = read_body(&mut tls, &head, rest);
    seen.lock().unwrap().push(Request {
        head,
        body,
        truncated,
    });
    let _ = tls.write_all(&reply.to_bytes());
    tls.conn.send_close_notify();
    let _ = tls.flush();
}
