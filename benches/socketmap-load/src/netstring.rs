//! Netstrings as Postfix's socketmap uses them: `<decimal length>:<bytes>,`.

/// Postfix's limit on a socketmap reply (and ours on a request).
pub(crate) const MAX_LEN: usize = 100_000;

/// `payload` as a netstring.
pub(crate) fn encode(payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(payload.len() + 8);
    v.extend_from_slice(payload.len().to_string().as_bytes());
    v.push(b':');
    v.extend_from_slice(payload);
    v.push(b',');
    v
}

/// The framing is broken: the connection cannot go on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Malformed;

/// The first netstring of `buf`: `Ok(Some((payload, bytes used)))`, `Ok(None)` when more
/// bytes are needed.
pub(crate) fn parse(buf: &[u8]) -> Result<Option<(&[u8], usize)>, Malformed> {
    let mut len = 0usize;
    let mut i = 0;
    loop {
        let Some(&b) = buf.get(i) else {
            return Ok(None);
        };
        match b {
            b'0'..=b'9' if i < 6 => len = len * 10 + usize::from(b - b'0'),
            b':' if i > 0 => break,
            _ => return Err(Malformed),
        }
        i += 1;
    }
    if len > MAX_LEN {
        return Err(Malformed);
    }
    let start = i + 1;
    let end = start + len;
    match buf.get(end) {
        None => Ok(None),
        Some(b',') => Ok(Some((&buf[start..end], end + 1))),
        Some(_) => Err(Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_partial() {
        let e = encode(b"postfix d1.bench.test");
        assert_eq!(e, b"21:postfix d1.bench.test,");
        assert_eq!(
            parse(&e),
            Ok(Some((&b"postfix d1.bench.test"[..], e.len())))
        );
        for cut in 0..e.len() {
            assert_eq!(parse(&e[..cut]), Ok(None), "cut at {cut}");
        }
        let mut two = e.clone();
        two.extend_from_slice(b"9:NOTFOUND ,");
        let (_, used) = parse(&two).unwrap().unwrap();
        assert_eq!(parse(&two[used..]), Ok(Some((&b"NOTFOUND "[..], 12))));
        assert_eq!(parse(b"0:,"), Ok(Some((&b""[..], 3))));
    }

    #[test]
    fn malformed() {
        assert_eq!(parse(b":x,"), Err(Malformed));
        assert_eq!(parse(b"2:ab;"), Err(Malformed));
        assert_eq!(parse(b"x"), Err(Malformed));
        assert_eq!(parse(b"1234567:"), Err(Malformed));
        assert_eq!(parse(b"999999:"), Err(Malformed));
    }
}
