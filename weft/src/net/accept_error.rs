//! `AcceptErrorKind`: what an error of a listener's `accept` means for the
//! loop that accepts.

use std::io;

/// What an error returned by [`TcpListener::accept`](super::TcpListener::accept)
/// or [`UnixListener::accept`](super::UnixListener::accept) (or their
/// `poll_accept`) means for a server's accept loop: go on, pause, or stop.
///
/// An accept error is not always about the listener. The connection being
/// accepted may have been reset or aborted while it waited in the queue,
/// or a network error may be pending on it: the next connection can be
/// accepted at once. Or the process has no file descriptor left for the
/// new connection: accepting again at once fails again (and spins), while
/// a pause lets open connections finish and free theirs. Which `errno`
/// values mean what is operating-system knowledge; [`of`](Self::of) holds
/// it, so that an accept loop need not.
///
/// # Differences from tokio
///
/// tokio has no such type: an accept loop built on tokio (hyper-util's
/// examples, `axum::serve`) compares [`io::ErrorKind`]s itself and sleeps
/// on everything else. weft's own HTTP server loop (the `weft-hyper`
/// crate) uses this one.
///
/// # Examples
///
/// An accept loop that skips errors about one connection, backs off when
/// out of descriptors, and stops on an error about the listener:
///
/// ```
/// use std::time::Duration;
/// use weft::net::{AcceptErrorKind, TcpListener};
///
/// # async fn run(listener: TcpListener) -> std::io::Result<()> {
/// let mut pause = Duration::from_millis(5);
/// loop {
///     match listener.accept().await {
///         Ok((stream, _peer)) => {
///             pause = Duration::from_millis(5);
///             weft::spawn(async move { drop(stream) });
///         }
///         Err(err) => match AcceptErrorKind::of(&err) {
///             AcceptErrorKind::Connection => {}
///             AcceptErrorKind::OutOfResources => {
///                 weft::time::sleep(pause).await;
///                 pause = (pause * 2).min(Duration::from_secs(1));
///             }
///             _ => return Err(err),
///         },
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AcceptErrorKind {
    /// The error concerns only the connection being accepted: it was
    /// reset or aborted before the accept (`ECONNABORTED`, `ECONNRESET`),
    /// a network error was pending on it (`EPROTO`, `ENETUNREACH`,
    /// `EHOSTUNREACH`, `ETIMEDOUT`, ...; Linux hands those to `accept`), a
    /// firewall rule refused it (`EPERM`), or the call was interrupted
    /// (`EINTR`). Accept the next connection.
    Connection,
    /// The process or the system ran out of something a new connection
    /// needs: file descriptors (`EMFILE`, `ENFILE`), buffers or memory
    /// (`ENOBUFS`, `ENOMEM`), or watches of the I/O driver's epoll
    /// (`ENOSPC`, when the new connection is registered). Accepting again
    /// at once fails the same way: pause (so that open connections can
    /// finish and free theirs), then accept again.
    OutOfResources,
    /// Anything else: the error is about the listener itself (it is not
    /// listening, its descriptor is invalid, the runtime shut down).
    /// Stop accepting.
    Listener,
}

impl AcceptErrorKind {
    /// Sorts an error returned by a listener's `accept` (see the
    /// [type](AcceptErrorKind)).
    ///
    /// An error that no `accept` returns is sorted by the same rules: a
    /// made-up error of kind [`io::ErrorKind::Other`] is
    /// [`Listener`](AcceptErrorKind::Listener).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use weft::net::AcceptErrorKind;
    ///
    /// let reset = io::Error::from(io::ErrorKind::ConnectionReset);
    /// assert_eq!(AcceptErrorKind::of(&reset), AcceptErrorKind::Connection);
    /// let other = io::Error::other("not listening");
    /// assert_eq!(AcceptErrorKind::of(&other), AcceptErrorKind::Listener);
    /// ```
    pub fn of(err: &io::Error) -> AcceptErrorKind {
        // The errno values are the platform layer's.
        if crate::sys::is_out_of_resources(err) {
            return AcceptErrorKind::OutOfResources;
        }
        if crate::sys::is_accepted_connection_error(err) {
            return AcceptErrorKind::Connection;
        }
        use io::ErrorKind::*;
        match err.kind() {
            ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock => {
                AcceptErrorKind::Connection
            }
            _ => AcceptErrorKind::Listener,
        }
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    #[test]
    fn accept_errors_are_sorted_by_what_they_concern() {
        let os = io::Error::from_raw_os_error;
        for errno in [
            libc::EMFILE,
            libc::ENFILE,
            libc::ENOBUFS,
            libc::ENOMEM,
            libc::ENOSPC,
        ] {
            assert_eq!(
                AcceptErrorKind::of(&os(errno)),
                AcceptErrorKind::OutOfResources,
                "errno {errno}"
            );
        }
        for errno in [
            libc::ECONNABORTED,
            libc::ECONNRESET,
            libc::EPROTO,
            libc::ENETUNREACH,
            libc::EPERM,
            libc::EINTR,
        ] {
            assert_eq!(
                AcceptErrorKind::of(&os(errno)),
                AcceptErrorKind::Connection,
                "errno {errno}"
            );
        }
        for errno in [libc::EBADF, libc::EINVAL, libc::ENOTSOCK] {
            assert_eq!(
                AcceptErrorKind::of(&os(errno)),
                AcceptErrorKind::Listener,
                "errno {errno}"
            );
        }
        // Errors made by kind, with no errno.
        let kind = |kind: io::ErrorKind| AcceptErrorKind::of(&io::Error::from(kind));
        assert_eq!(
            kind(io::ErrorKind::ConnectionAborted),
            AcceptErrorKind::Connection
        );
        assert_eq!(kind(io::ErrorKind::WouldBlock), AcceptErrorKind::Connection);
        assert_eq!(kind(io::ErrorKind::InvalidInput), AcceptErrorKind::Listener);
    }

    #[test]
    fn a_runtime_that_shut_down_stops_the_loop() {
        assert_eq!(
            AcceptErrorKind::of(&crate::runtime::io::shutdown_error()),
            AcceptErrorKind::Listener
        );
    }
}
