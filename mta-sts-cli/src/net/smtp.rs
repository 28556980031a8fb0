//! STARTTLS to one MX host on port 25 (RFC 3207): greeting, EHLO, STARTTLS, and the TLS
//! handshake checked by the core's `MxCertVerifier` (RFC 8461 §4.2).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

use mta_sts_core::TlsOutcome;
use mta_sts_core::verify::rustls::{
    self, ClientConnection, ProtocolVersion, RootCertStore, StreamOwned,
};
use mta_sts_core::verify::{Enforcement, MxCertVerifier, mx_client_config};

use super::connect::{ConnectError, Connector};
use super::{is_timeout, time_left};

/// The SMTP port (RFC 5321 §4.5.4.2... and IANA).
pub(crate) const SMTP_PORT: u16 = 25;

/// Longest reply line accepted: RFC 5321 §4.5.3.1.5 says 512 octets; ours allows
/// servers some slack.
const MAX_REPLY_LINE_LEN: usize = 4096;

/// Most lines in one multi-line reply (an EHLO reply lists a few extensions): ours.
const MAX_REPLY_LINES: usize = 100;

/// What the STARTTLS attempt found.
#[derive(Debug)]
pub(crate) struct Probe {
    /// The server's greeting line (the first line of its 220 reply).
    pub(crate) greeting: String,
    /// The result to hand to `Candidate::verdict` and to TLS-RPT.
    pub(crate) outcome: TlsOutcome,
    /// The negotiated TLS version, when the handshake finished.
    pub(crate) tls_version: Option<&'static str>,
    /// Why STARTTLS or the handshake failed, for people.
    pub(crate) detail: Option<String>,
}

/// Why the SMTP dialogue did not get as far as STARTTLS.
#[derive(Debug)]
pub(crate) enum SmtpError {
    Connect(ConnectError),
    /// The MX host is not a DNS name the verifier can check.
    BadHost(String),
    /// The connection broke or timed out during the dialogue.
    Io {
        step: &'static str,
        error: io::Error,
    },
    /// The server answered with an unexpected reply.
    Reply {
        step: &'static str,
        reply: String,
    },
}

impl fmt::Display for SmtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect(e) => write!(f, "{e}"),
            Self::BadHost(e) => write!(f, "{e}"),
            Self::Io { step, error } if is_timeout(error) => {
                write!(f, "{step}: no answer within the time limit")
            }
            Self::Io { step, error } => write!(f, "{step}: {error}"),
            Self::Reply { step, reply } => write!(f, "{step}: the server answered {reply:?}"),
        }
    }
}

/// Connects to `mx_host` port 25 and tries STARTTLS, validating the certificate
/// against `roots` with the core's verifier in `enforcement` mode.
pub(crate) fn starttls(
    connector: &Connector,
    mx_host: &str,
    roots: Arc<RootCertStore>,
    enforcement: Enforcement,
) -> Result<Probe, SmtpError> {
    let verifier = Arc::new(
        MxCertVerifier::new(mx_host, roots, enforcement)
            .map_err(|e| SmtpError::BadHost(e.to_string()))?,
    );
    let socket = connector
        .connect(mx_host, SMTP_PORT)
        .map_err(SmtpError::Connect)?;
    let local = socket.local_addr().ok();
    let mut smtp = Dialogue {
        socket,
        pending: Vec::new(),
        deadline: Instant::now() + connector.timeout(),
    };
    let greeting = smtp.reply("greeting")?;
    if greeting.code != 220 {
        return Err(SmtpError::Reply {
            step: "greeting",
            reply: greeting.first_line,
        });
    }
    // EHLO with our address literal: we have no host name the server could check.
    let ehlo_name = match local.map(|a| a.ip()) {
        Some(std::net::IpAddr::V6(ip)) => format!("[IPv6:{ip}]"),
        Some(ip) => format!("[{ip}]"),
        None => "[127.0.0.1]".to_owned(),
    };
    smtp.send("EHLO", &format!("EHLO {ehlo_name}\r\n"))?;
    let ehlo = smtp.reply("EHLO")?;
    if ehlo.code != 250 {
        return Err(SmtpError::Reply {
            step: "EHLO",
            reply: ehlo.first_line,
        });
    }
    let greeting = greeting.first_line;
    if !ehlo.has_keyword("STARTTLS") {
        smtp.quit();
        return Ok(Probe {
            greeting,
            outcome: TlsOutcome::StarttlsNotOffered,
            tls_version: None,
            detail: Some("the EHLO reply does not offer STARTTLS".into()),
        });
    }
    smtp.send("STARTTLS", "STARTTLS\r\n")?;
    let ready = smtp.reply("STARTTLS")?;
    if ready.code != 220 {
        smtp.quit();
        return Ok(Probe {
            greeting,
            outcome: TlsOutcome::StarttlsNotOffered,
            tls_version: None,
            detail: Some(format!("STARTTLS refused: {}", ready.first_line)),
        });
    }
    if !smtp.pending.is_empty() {
        // Bytes sent before the handshake would be taken as if protected by TLS
        // (the STARTTLS command injection of CVE-2011-0411): refuse them.
        return Err(SmtpError::Reply {
            step: "STARTTLS",
            reply: "data after the 220 reply, before the TLS handshake".into(),
        });
    }
    Ok(handshake(smtp.socket, smtp.deadline, &verifier, greeting))
}

/// The TLS handshake after `220` to STARTTLS, then QUIT inside TLS.
fn handshake(
    socket: TcpStream,
    deadline: Instant,
    verifier: &Arc<MxCertVerifier>,
    greeting: String,
) -> Probe {
    let config = match mx_client_config(Arc::clone(verifier)) {
        Ok(config) => Arc::new(config),
        Err(e) => return handshake_failed(verifier, greeting, Some(&e), e.to_string()),
    };
    let conn = match ClientConnection::new(config, verifier.server_name()) {
        Ok(conn) => conn,
        Err(e) => return handshake_failed(verifier, greeting, Some(&e), e.to_string()),
    };
    let mut tls = StreamOwned::new(conn, socket);
    if let Err(error) = super::complete_handshake(&mut tls.conn, &mut tls.sock, deadline) {
        let rustls_error = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        let detail = match rustls_error {
            Some(e) => format!("TLS handshake failed: {e}"),
            None if is_timeout(&error) => {
                "TLS handshake: no answer within the time limit".to_owned()
            }
            None => format!("TLS handshake failed: {error}"),
        };
        return handshake_failed(verifier, greeting, rustls_error, detail);
    }
    let tls_version = tls.conn.protocol_version().map(version_name);
    let outcome = verifier.tls_outcome(Ok(()));
    // Be polite; what the server says to QUIT changes nothing.
    if tls
        .write_all(b"QUIT\r\n")
        .and_then(|()| tls.flush())
        .is_ok()
    {
        let mut buf = [0u8; 512];
        let _ = tls.read(&mut buf);
    }
    tls.conn.send_close_notify();
    let _ = tls.conn.complete_io(&mut tls.sock);
    // Testing mode: the certificate was refused but the handshake went on; the
    // outcome says everything there is to say.
    Probe {
        greeting,
        outcome,
        tls_version,
        detail: None,
    }
}

fn handshake_failed(
    verifier: &MxCertVerifier,
    greeting: String,
    error: Option<&rustls::Error>,
    detail: String,
) -> Probe {
    let outcome = match error {
        Some(e) => verifier.tls_outcome(Err(e)),
        // Not a TLS error (a reset, a timeout): the certificate verdict if one was
        // reached, else a handshake failure.
        None => match verifier.outcome() {
            Some(Err(failure)) => TlsOutcome::CertificateInvalid(failure),
            _ => TlsOutcome::HandshakeFailed,
        },
    };
    Probe {
        greeting,
        outcome,
        tls_version: None,
        detail: Some(detail),
    }
}

fn version_name(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::TLSv1_3 => "TLS 1.3",
        ProtocolVersion::TLSv1_2 => "TLS 1.2",
        _ => "TLS (older than 1.2)",
    }
}

/// One SMTP reply: its code and lines.
#[derive(Debug, PartialEq, Eq)]
struct Reply {
    code: u16,
    first_line: String,
    lines: Vec<String>,
}

impl Reply {
    /// Whether an EHLO reply line (after the first) starts with `keyword`.
    fn has_keyword(&self, keyword: &str) -> bool {
        self.lines.iter().skip(1).any(|line| {
            line.get(4..)
                .and_then(|text| text.split_whitespace().next())
                .is_some_and(|word| word.eq_ignore_ascii_case(keyword))
        })
    }
}

/// The plaintext part of the SMTP dialogue.
struct Dialogue {
    socket: TcpStream,
    pending: Vec<u8>,
    deadline: Instant,
}

impl Dialogue {
    fn send(&mut self, step: &'static str, command: &str) -> Result<(), SmtpError> {
        self.socket
            .write_all(command.as_bytes())
            .map_err(|error| SmtpError::Io { step, error })
    }

    /// Reads one (possibly multi-line) reply (RFC 5321 §4.2.1).
    fn reply(&mut self, step: &'static str) -> Result<Reply, SmtpError> {
        let mut lines = Vec::new();
        loop {
            let line = self.line(step)?;
            let code = line
                .get(..3)
                .and_then(|c| c.parse::<u16>().ok())
                .filter(|c| (200..600).contains(c));
            let Some(code) = code else {
                return Err(SmtpError::Reply { step, reply: line });
            };
            let last = line.as_bytes().get(3).is_none_or(|&b| b != b'-');
            lines.push(line);
            if last {
                let first_line = lines.first().cloned().unwrap_or_default();
                return Ok(Reply {
                    code,
                    first_line,
                    lines,
                });
            }
            if lines.len() >= MAX_REPLY_LINES {
                return Err(SmtpError::Reply {
                    step,
                    reply: format!("more than {MAX_REPLY_LINES} reply lines"),
                });
            }
        }
    }

    /// One line without its CRLF (a bare LF is accepted too).
    fn line(&mut self, step: &'static str) -> Result<String, SmtpError> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let raw: Vec<u8> = self.pending.drain(..=end).collect();
                let text = String::from_utf8_lossy(&raw);
                return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
            }
            if self.pending.len() > MAX_REPLY_LINE_LEN {
                return Err(SmtpError::Reply {
                    step,
                    reply: format!("a reply line longer than {MAX_REPLY_LINE_LEN} bytes"),
                });
            }
            let left = time_left(self.deadline).ok_or_else(|| SmtpError::Io {
                step,
                error: io::ErrorKind::TimedOut.into(),
            })?;
            self.socket
                .set_read_timeout(Some(left))
                .map_err(|error| SmtpError::Io { step, error })?;
            let mut buf = [0u8; 1024];
            match self.socket.read(&mut buf) {
                Ok(0) => {
                    return Err(SmtpError::Io {
                        step,
                        error: io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the server closed the connection",
                        ),
                    });
                }
                Ok(len) => self
                    .pending
                    .extend_from_slice(buf.get(..len).unwrap_or_default()),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(SmtpError::Io { step, error }),
            }
        }
    }

    /// Says goodbye without waiting long for the answer.
    fn quit(&mut self) {
        if self.send("QUIT", "QUIT\r\n").is_ok() {
            let _ = self.reply("QUIT");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::thread;
    use std::time::Duration;

    use super::*;
    use crate::cli::ConnectTo;

    /// A one-connection SMTP server that answers each command with the next reply of
    /// `script` (the first entry is the greeting), then STARTTLS to `mx.example.com`.
    fn starttls_against(script: &'static [&'static str]) -> Result<Probe, SmtpError> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 512];
            for (n, reply) in script.iter().enumerate() {
                if n > 0 && stream.read(&mut buf).unwrap_or(0) == 0 {
                    return;
                }
                stream.write_all(reply.as_bytes()).unwrap();
            }
            let _ = stream.read(&mut buf);
        });
        let connector = Connector::new(
            vec![ConnectTo {
                host: "mx.example.com".into(),
                port: SMTP_PORT,
                addr,
            }],
            Duration::from_secs(5),
        );
        starttls(
            &connector,
            "mx.example.com",
            Arc::new(RootCertStore::empty()),
            Enforcement::Enforce,
        )
    }

    #[test]
    fn rfc3207_data_after_the_220_to_starttls_is_refused() {
        let err = starttls_against(&[
            "220 mx ESMTP\r\n",
            "250-mx\r\n250 STARTTLS\r\n",
            "220 go ahead\r\n250 injected\r\n",
        ])
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("data after the 220 reply, before the TLS handshake"),
            "{err}"
        );
    }

    #[test]
    fn rfc3207_starttls_refused_is_starttls_not_supported() {
        let probe = starttls_against(&[
            "220 mx ESMTP\r\n",
            "250-mx\r\n250-SIZE 100\r\n250 STARTTLS\r\n",
            "454 4.7.0 TLS not available\r\n",
            "221 bye\r\n",
        ])
        .unwrap();
        assert_eq!(probe.outcome, TlsOutcome::StarttlsNotOffered);
        assert_eq!(probe.greeting, "220 mx ESMTP");
        assert_eq!(
            probe.detail.as_deref(),
            Some("STARTTLS refused: 454 4.7.0 TLS not available")
        );
    }

    #[test]
    fn rfc5321_s4_2_refusing_greeting_ends_the_dialogue() {
        let err = starttls_against(&["554 5.3.2 no service here\r\n"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "greeting: the server answered \"554 5.3.2 no service here\""
        );
    }

    #[test]
    fn garbage_instead_of_a_reply_is_an_error() {
        let err = starttls_against(&["SSH-2.0-OpenSSH_9.6\r\n"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "greeting: the server answered \"SSH-2.0-OpenSSH_9.6\""
        );
    }

    #[test]
    fn ip_address_mx_is_refused_before_connecting() {
        let connector = Connector::new(Vec::new(), Duration::from_secs(1));
        let err = starttls(
            &connector,
            "192.0.2.1",
            Arc::new(RootCertStore::empty()),
            Enforcement::Enforce,
        )
        .unwrap_err();
        assert!(matches!(err, SmtpError::BadHost(_)), "{err}");
    }

    fn reply(lines: &[&str]) -> Reply {
        Reply {
            code: 250,
            first_line: lines[0].to_owned(),
            lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        }
    }

    #[test]
    fn ehlo_keywords_are_found_case_insensitively() {
        let ehlo = reply(&["250-mx.example.com", "250-PIPELINING", "250 starttls"]);
        assert!(ehlo.has_keyword("STARTTLS"));
        assert!(ehlo.has_keyword("pipelining"));
        assert!(!ehlo.has_keyword("SMTPUTF8"));
        // The greeting line is the server name, never a keyword.
        let only_name = reply(&["250 STARTTLS"]);
        assert!(!only_name.has_keyword("STARTTLS"));
    }

    #[test]
    fn tls_versions_have_readable_names() {
        assert_eq!(version_name(ProtocolVersion::TLSv1_3), "TLS 1.3");
        assert_eq!(version_name(ProtocolVersion::TLSv1_2), "TLS 1.2");
    }
}
