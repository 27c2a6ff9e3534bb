//! The errors of [`mpsc`](super), as tokio has them.

use crate::sync::util::macros::{error_impls, opaque_debug};

/// The receiver is gone (dropped or closed): the message comes back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

opaque_debug!(SendError<T>);
error_impls!(SendError<T>: "channel closed");

// API twin of `SendTimeoutError` (the same shape and `into_inner` on both
// error types, as in tokio).

/// Why [`Sender::try_send`](super::Sender::try_send) (or a `try_reserve*`)
/// failed; the message comes back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The channel is full.
    Full(T),
    /// The receiver is gone.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value) | TrySendError::Closed(value) => value,
        }
    }
}

opaque_debug!(TrySendError<T> { Full, Closed });
error_impls!(TrySendError<T> {
    Full(_) => "no available capacity",
    Closed(_) => "channel closed",
});

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> TrySendError<T> {
        TrySendError::Closed(err.0)
    }
}

// API twin of `TrySendError` above.

/// Why [`Sender::send_timeout`](super::Sender::send_timeout) failed; the
/// message comes back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendTimeoutError<T> {
    /// No slot freed up before the timeout.
    Timeout(T),
    /// The receiver is gone.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The message.
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(value) | SendTimeoutError::Closed(value) => value,
        }
    }
}

opaque_debug!(SendTimeoutError<T> { Timeout, Closed });
error_impls!(SendTimeoutError<T> {
    Timeout(_) => "timed out waiting on send operation",
    Closed(_) => "channel closed",
});

/// Why `try_recv` returned no message.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum TryRecvError {
    /// Nothing is queued now, but senders remain.
    Empty,
    /// Nothing is queued and nothing will be: every sender is gone, or the
    /// receiver closed the channel.
    Disconnected,
}

error_impls!(TryRecvError {
    Empty => "receiving on an empty channel",
    Disconnected => "receiving on a closed channel",
});
