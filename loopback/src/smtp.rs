//! A loopback SMTP server with optional STARTTLS (RFC 3207).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use mta_sts_core::verify::rustls::{ServerConfig, ServerConnection, StreamOwned};

/// A running server; its thread ends with the test process.
pub struct SmtpServer {
    pub addr: SocketAddr,
}

impl SmtpServer {
    /// Offers STARTTLS with `tls`, or does not offer it when `tls` is `None`.
    pub fn start(tls: Option<Arc<ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let tls = tls.clone();
                thread::spawn(move || serve(stream, tls));
            }
        });
        Self { addr }
    }
}

/// One line, read a byte at a time so nothing after it is consumed before STARTTLS.
fn read_line(stream: &mut impl Read) -> Option<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match stream.read(&mut byte) {
            Ok(1) => {
                if byte[0] == b'\n' {
                    return Some(String::from_utf8_lossy(&line).trim_end().to_owned());
                }
                line.push(byte[0]);
            }
            _ => return None,
        }
    }
}

fn serve(mut stream: TcpStream, tls: Option<Arc<ServerConfig>>) {
    let _ = stream.write_all(b"220 mx.loopback.test ESMTP test server\r\n");
    while let Some(line) = read_line(&mut stream) {
        let verb = line
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => {
                let reply = if tls.is_some() {
                    "250-mx.loopback.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n"
                } else {
                    "250-mx.loopback.test\r\n250 PIPELINING\r\n"
                };
                let _ = stream.write_all(reply.as_bytes());
            }
            "STARTTLS" if tls.is_some() => {
                let _ = stream.write_all(b"220 2.0.0 ready to start TLS\r\n");
                let config = tls.clone().unwrap();
                let conn = ServerConnection::new(config).unwrap();
                serve_tls(StreamOwned::new(conn, stream));
                return;
            }
            "QUIT" => {
                let _ = stream.write_all(b"221 2.0.0 bye\r\n");
                return;
            }
            _ => {
                let _ = stream.write_all(b"502 5.5.2 command not recognized\r\n");
            }
        }
    }
}

fn serve_tls(mut tls: StreamOwned<ServerConnection, TcpStream>) {
    while let Some(line) = read_line(&mut tls) {
        if line.eq_ignore_ascii_case("QUIT") {
            let _ = tls.write_all(b"221 2.0.0 bye\r\n");
            tls.conn.send_close_notify();
            let _ = tls.flush();
            return;
        }
        let _ = tls.write_all(b"250 ok\r\n");
    }
}
