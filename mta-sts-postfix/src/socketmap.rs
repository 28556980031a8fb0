//! The socketmap protocol: netstring framing and requests.
//!
//! Every request and reply is one netstring, `<decimal length>:<bytes>,`; a request is
//! `<map name> <key>` ([socketmap_table(5)](https://www.postfix.org/socketmap_table.5.html)).
//! Postfix keeps a connection open and sends one request after another on it; a client
//! may also pipeline. [`parse_request`] reads one request from the front of a buffer
//! without copying it, so a server keeps one read buffer per connection.

use std::fmt;

/// The default cap on one request's payload: a map name, a space and a next-hop domain
/// (at most 253 bytes, RFC 1035 §2.3.4) fit many times over.
pub const DEFAULT_MAX_REQUEST_LEN: usize = 4096;

/// The largest reply Postfix accepts from a socketmap server (`socketmap_table(5)`:
/// replies are limited to 100000 bytes).
pub const MAX_REPLY_LEN: usize = 100_000;

/// Why a connection's byte stream is not a netstring sequence. The connection cannot
/// be resynchronised after one: close it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The length prefix has a byte that is not a decimal digit, or no digit at all.
    #[error("netstring length is not a decimal number (byte {byte:#04x} at offset {offset})")]
    BadLength {
        /// The offending byte.
        byte: u8,
        /// Its offset in the frame.
        offset: usize,
    },
    /// The announced payload is longer than the configured cap.
    #[error("netstring length exceeds the request limit of {limit} bytes")]
    TooLong {
        /// The cap.
        limit: usize,
    },
    /// The payload is not followed by `,`.
    #[error("netstring payload is not followed by a comma (found byte {found:#04x})")]
    MissingComma {
        /// The byte found instead.
        found: u8,
    },
}

/// One request: the map name and the lookup key, as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The map name: the last field of the Postfix map spec
    /// (`socketmap:inet:127.0.0.1:8461:postfix` sends `postfix`).
    pub name: &'a str,
    /// The key: for `smtp_tls_policy_maps`, the next-hop domain, its parent forms
    /// (`.example.com`) or a bracketed next hop (`[192.0.2.1]:25`).
    pub key: &'a str,
}

/// Why a complete netstring is not a usable request. The framing is intact, so the
/// connection goes on: answer it with a `PERM` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The payload is not UTF-8.
    #[error("request is not UTF-8")]
    NotUtf8,
    /// There is no space between a map name and a key, or one of them is empty.
    #[error("request is not `<name> <key>`")]
    Malformed,
}

/// What [`parse_request`] found at the front of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A whole netstring of `len` bytes (prefix, payload and comma) holding a request.
    Request {
        /// The request.
        request: Request<'a>,
        /// Bytes to drop from the buffer.
        len: usize,
    },
    /// A whole netstring of `len` bytes that is not a usable request.
    Invalid {
        /// What is wrong.
        error: RequestError,
        /// Bytes to drop from the buffer.
        len: usize,
    },
    /// More bytes are needed.
    Incomplete,
}

/// Parses the netstring at the front of `buf`, allowing payloads of at most `max_len`
/// bytes. An oversize length is refused as soon as its digits say so, before the
/// payload arrives, so a peer cannot make the server buffer more than
/// `max_len` plus the length prefix.
///
/// ```
/// use mta_sts_postfix::socketmap::{parse_request, Frame, Request};
///
/// let buf = b"19:postfix example.com,22:postfix [192.0.2.1]:25,";
/// let Frame::Request { request, len } = parse_request(buf, 4096)? else { unreachable!() };
/// assert_eq!(request, Request { name: "postfix", key: "example.com" });
/// assert_eq!(len, 23);
/// assert_eq!(parse_request(&buf[..5], 4096)?, Frame::Incomplete);
/// # Ok::<(), mta_sts_postfix::socketmap::FrameError>(())
/// ```
pub fn parse_request(buf: &[u8], max_len: usize) -> Result<Frame<'_>, FrameError> {
    Ok(match parse_netstring(buf, max_len)? {
        None => Frame::Incomplete,
        Some((data, len)) => match request(data) {
            Ok(request) => Frame::Request { request, len },
            Err(error) => Frame::Invalid { error, len },
        },
    })
}

/// The payload of the netstring at the front of `buf` and the whole frame's length,
/// or `None` until it is complete; payloads over `max_len` are refused from the
/// length digits alone. [`parse_request`] is this plus the request syntax; a client
/// reads replies with it.
pub fn parse_netstring(buf: &[u8], max_len: usize) -> Result<Option<(&[u8], usize)>, FrameError> {
    let mut payload_len: usize = 0;
    let mut digits = 0;
    for (offset, &byte) in buf.iter().enumerate() {
        match byte {
            // A leading zero only in "0:" (the netstring definition).
            b'0'..=b'9' if digits == 1 && payload_len == 0 => {
                return Err(FrameError::BadLength { byte, offset });
            }
            b'0'..=b'9' => {
                payload_len = payload_len
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(usize::from(byte - b'0')))
                    .filter(|&n| n <= max_len)
                    .ok_or(FrameError::TooLong { limit: max_len })?;
                digits += 1;
            }
            b':' if digits > 0 => return payload(buf, offset + 1, payload_len),
            _ => return Err(FrameError::BadLength { byte, offset }),
        }
    }
    Ok(None)
}

/// The payload of `len` bytes that starts at `start`, and the frame's end.
fn payload(buf: &[u8], start: usize, len: usize) -> Result<Option<(&[u8], usize)>, FrameError> {
    let end = start + len;
    let (Some(data), Some(&comma)) = (buf.get(start..end), buf.get(end)) else {
        return Ok(None);
    };
    if comma != b',' {
        return Err(FrameError::MissingComma { found: comma });
    }
    Ok(Some((data, end + 1)))
}

fn request(data: &[u8]) -> Result<Request<'_>, RequestError> {
    let text = std::str::from_utf8(data).map_err(|_| RequestError::NotUtf8)?;
    match text.split_once(' ') {
        Some((name, key)) if !name.is_empty() && !key.is_empty() => Ok(Request { name, key }),
        _ => Err(RequestError::Malformed),
    }
}

/// A socketmap reply ([socketmap_table(5)](https://www.postfix.org/socketmap_table.5.html)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `OK <data>`: the lookup result.
    Ok(String),
    /// `NOTFOUND `: no result; Postfix tries the next table, then its defaults.
    NotFound,
    /// `TEMP <reason>`: a temporary failure; Postfix defers the delivery.
    Temp(String),
    /// `TIMEOUT <reason>`: the lookup timed out; Postfix defers the delivery.
    Timeout(String),
    /// `PERM <reason>`: a permanent failure of the lookup itself; Postfix defers too.
    Perm(String),
}

impl Reply {
    /// The status word with the space that follows it (also after `NOTFOUND`, as the
    /// protocol wants), and the text.
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Self::Ok(data) => ("OK ", data),
            Self::NotFound => ("NOTFOUND ", ""),
            Self::Temp(reason) => ("TEMP ", reason),
            Self::Timeout(reason) => ("TIMEOUT ", reason),
            Self::Perm(reason) => ("PERM ", reason),
        }
    }

    /// Reads a reply payload (what a server sent inside the netstring); `None` when it
    /// has no known status word.
    ///
    /// ```
    /// use mta_sts_postfix::Reply;
    /// assert_eq!(Reply::parse("NOTFOUND "), Some(Reply::NotFound));
    /// assert_eq!(Reply::parse("OK secure"), Some(Reply::Ok("secure".into())));
    /// assert_eq!(Reply::parse("MAYBE"), None);
    /// ```
    pub fn parse(payload: &str) -> Option<Self> {
        let (status, text) = payload.split_once(' ').unwrap_or((payload, ""));
        let text = text.to_owned();
        Some(match status {
            "OK" => Self::Ok(text),
            "NOTFOUND" => Self::NotFound,
            "TEMP" => Self::Temp(text),
            "TIMEOUT" => Self::Timeout(text),
            "PERM" => Self::Perm(text),
            _ => return None,
        })
    }

    /// Appends the reply as one netstring to `out`. A reason is cleaned of control
    /// characters; a reply over [`MAX_REPLY_LEN`] (which Postfix would refuse) becomes
    /// `TEMP reply too long`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let (status, text) = self.parts();
        // Every answer goes through here: copy it as is unless it needs cleaning.
        let suspect = text.bytes().any(|b| !(0x20..0x7f).contains(&b));
        let cleaned = (suspect && text.chars().any(char::is_control)).then(|| self.to_string());
        let (prefix, body) = match &cleaned {
            Some(whole) => ("", whole.as_str()),
            None => (status, text),
        };
        let len = prefix.len() + body.len();
        if len > MAX_REPLY_LEN {
            return Self::Temp("reply too long".to_owned()).encode(out);
        }
        push_decimal(out, len);
        out.push(b':');
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(body.as_bytes());
        out.push(b',');
    }
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            // `n % 10` is a digit.
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(i..).unwrap_or_default());
}

impl fmt::Display for Reply {
    /// The reply payload, as sent inside the netstring.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (status, text) = self.parts();
        f.write_str(status)?;
        for c in text.chars() {
            if c.is_control() {
                f.write_str(" ")?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(buf: &[u8]) -> Result<Frame<'_>, FrameError> {
        parse_request(buf, DEFAULT_MAX_REQUEST_LEN)
    }

    #[test]
    fn parses_pipelined_requests_in_order() {
        let buf = b"19:postfix example.com,15:sts example.org,";
        let Ok(Frame::Request { request, len }) = one(buf) else {
            panic!()
        };
        assert_eq!(request.key, "example.com");
        let Ok(Frame::Request { request, len: l2 }) = one(&buf[len..]) else {
            panic!()
        };
        assert_eq!(
            request,
            Request {
                name: "sts",
                key: "example.org"
            }
        );
        assert_eq!(len + l2, buf.len());
    }

    #[test]
    fn every_prefix_of_a_frame_is_incomplete() {
        let buf = b"19:postfix example.com,";
        for end in 0..buf.len() {
            assert_eq!(one(&buf[..end]), Ok(Frame::Incomplete), "prefix {end}");
        }
    }

    #[test]
    fn framing_errors() {
        assert_eq!(
            one(b"x:"),
            Err(FrameError::BadLength {
                byte: b'x',
                offset: 0
            })
        );
        assert_eq!(
            one(b":abc,"),
            Err(FrameError::BadLength {
                byte: b':',
                offset: 0
            })
        );
        assert_eq!(
            one(b"1 :a,"),
            Err(FrameError::BadLength {
                byte: b' ',
                offset: 1
            })
        );
        assert_eq!(
            one(b"09:postfix a,"),
            Err(FrameError::BadLength {
                byte: b'9',
                offset: 1
            })
        );
        assert_eq!(
            one(b"3:abc;"),
            Err(FrameError::MissingComma { found: b';' })
        );
        assert_eq!(
            parse_request(b"11", 10),
            Err(FrameError::TooLong { limit: 10 })
        );
        // Refused from the digits alone, whatever follows.
        assert_eq!(
            one(b"99999999999999999999999999"),
            Err(FrameError::TooLong {
                limit: DEFAULT_MAX_REQUEST_LEN
            })
        );
    }

    #[test]
    fn bad_requests_keep_the_framing() {
        assert_eq!(
            one(b"7:postfix,"),
            Ok(Frame::Invalid {
                error: RequestError::Malformed,
                len: 10
            })
        );
        assert_eq!(
            one(b"0:,"),
            Ok(Frame::Invalid {
                error: RequestError::Malformed,
                len: 3
            })
        );
        assert_eq!(
            one(b"3:a \xff,"),
            Ok(Frame::Invalid {
                error: RequestError::NotUtf8,
                len: 6
            })
        );
        assert_eq!(
            one(b"8:postfix ,"),
            Ok(Frame::Invalid {
                error: RequestError::Malformed,
                len: 11
            })
        );
    }

    #[test]
    fn replies_encode_as_netstrings() {
        let mut out = Vec::new();
        Reply::NotFound.encode(&mut out);
        Reply::Ok("secure match=a.example".into()).encode(&mut out);
        Reply::Temp("dns\r\nfailure".into()).encode(&mut out);
        assert_eq!(
            out,
            b"9:NOTFOUND ,25:OK secure match=a.example,17:TEMP dns  failure,"
        );
        let mut out = Vec::new();
        Reply::Ok("x".repeat(MAX_REPLY_LEN)).encode(&mut out);
        assert_eq!(out, b"19:TEMP reply too long,");
    }
}
