//! Blocking network I/O for `mta-sts check`: the transports the sans-IO cores leave to
//! their caller. Each step has a time limit (`--timeout`); nothing here decides
//! anything about MTA-STS, it only moves bytes and says precisely what went wrong.

pub(crate) mod connect;
pub(crate) mod dns;
pub(crate) mod https;
pub(crate) mod resolv;
pub(crate) mod smtp;

use std::io;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use mta_sts_core::verify::rustls::ClientConnection;

/// Whether an I/O error means a socket timeout expired (`WouldBlock` on Unix,
/// `TimedOut` on Windows and for `connect_timeout`).
pub(crate) fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The time left before `deadline`, or `None` once it has passed (a zero socket
/// timeout would mean "no timeout" to the standard library).
pub(crate) fn time_left(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|left| !left.is_zero())
}

/// Drives a TLS client handshake on `socket` to its end, or to `deadline`.
pub(crate) fn complete_handshake(
    conn: &mut ClientConnection,
    socket: &mut TcpStream,
    deadline: Instant,
) -> io::Result<()> {
    while conn.is_handshaking() {
        let left = time_left(deadline).ok_or_else(|| io::Error::from(io::ErrorKind::TimedOut))?;
        socket.set_read_timeout(Some(left))?;
        conn.complete_io(socket)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passed_deadline_leaves_no_time() {
        assert_eq!(time_left(Instant::now()), None);
        let later = Instant::now() + Duration::from_secs(60);
        assert!(time_left(later).is_some_and(|left| left > Duration::from_secs(59)));
    }

    #[test]
    fn timeouts_are_recognised_by_kind() {
        assert!(is_timeout(&io::Error::from(io::ErrorKind::WouldBlock)));
        assert!(is_timeout(&io::Error::from(io::ErrorKind::TimedOut)));
        assert!(!is_timeout(&io::Error::from(
            io::ErrorKind::ConnectionRefused
        )));
    }
}
