//! The socketmap request parser (`mta-sts-postfix`), as `mta-stsd` drives it: any byte
//! stream, in any chunking, against a request cap. Checked:
//!
//! - no panic, and a frame's length never exceeds what was buffered;
//! - a payload never exceeds the cap, and a too-long length is refused no later than
//!   the digit that crosses the cap (so the buffer stays bounded);
//! - feeding the stream whole or byte by byte gives the same requests and errors;
//! - an accepted request re-encodes to the same bytes, and its key either has a
//!   Policy Domain (a plain, normalized domain) or is one Postfix may send that has none.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mta_sts_postfix::socketmap::{Frame, parse_request};

#[derive(Arbitrary, Debug)]
struct Input {
    cap: u16,
    stream: Vec<u8>,
}

#[derive(Debug, PartialEq)]
enum Event {
    Request(String, String),
    Invalid,
    Broken,
}

/// Parses everything buffered, as the server does, returning the events and whether
/// the connection stays open.
fn drain(buf: &mut Vec<u8>, cap: usize, events: &mut Vec<Event>) -> bool {
    loop {
        match parse_request(buf, cap) {
            Ok(Frame::Request { request, len }) => {
                assert!(len <= buf.len());
                assert!(request.name.len() + 1 + request.key.len() <= cap);
                let payload = format!("{} {}", request.name, request.key);
                let encoded = format!("{}:{payload},", payload.len());
                assert_eq!(encoded.as_bytes(), &buf[..len], "re-encoding differs");
                if let Some(domain) = mta_sts_postfix::policy_domain(request.key) {
                    assert!(!domain.as_str().is_empty() && !domain.as_str().starts_with('.'));
                    assert_eq!(domain.as_str(), domain.as_str().to_ascii_lowercase());
                }
                events.push(Event::Request(
                    request.name.to_owned(),
                    request.key.to_owned(),
                ));
                buf.drain(..len);
            }
            Ok(Frame::Invalid { len, .. }) => {
                assert!(len <= buf.len());
                events.push(Event::Invalid);
                buf.drain(..len);
            }
            Ok(Frame::Incomplete) => {
                // What is left is at most a length prefix and a capped payload.
                assert!(buf.len() <= cap + 2 + cap.to_string().len());
                return true;
            }
            Err(_) => {
                events.push(Event::Broken);
                return false;
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let cap = usize::from(input.cap % 512) + 1;
    let mut whole = Vec::new();
    let mut buf = input.stream.clone();
    drain(&mut buf, cap, &mut whole);

    let mut bytewise = Vec::new();
    let mut buf = Vec::new();
    for &byte in &input.stream {
        buf.push(byte);
        if !drain(&mut buf, cap, &mut bytewise) {
            break;
        }
    }
    assert_eq!(whole, bytewise);
});
