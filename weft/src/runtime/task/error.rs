//! `JoinError`: why a task produced no output.

use super::Id;
use std::any::Any;
use std::fmt;
use std::io;

/// The error a [`JoinHandle`](crate::task::JoinHandle) returns when its task
/// did not finish normally: it was cancelled (aborted, or its runtime shut
/// down) or it panicked.
pub struct JoinError {
    id: Id,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Payload),
}

/// A panic payload that can be shared between threads: nothing ever reads
/// the `dyn Any` through a shared reference except to downcast it to `&str`
/// or `String`, which are `Sync`.
struct Payload(Box<dyn Any + Send + 'static>);

// SAFETY: see `Payload`: `&Payload` only ever yields `&str` (a `Sync` type)
// through `message`; the box itself is moved out by value.
unsafe impl Sync for Payload {}

impl Payload {
    fn message(&self) -> Option<&str> {
        let any: &(dyn Any + Send) = &*self.0;
        any.downcast_ref::<&'static str>()
            .copied()
            .or_else(|| any.downcast_ref::<String>().map(String::as_str))
    }
}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            id,
            repr: Repr::Panic(Payload(payload)),
        }
    }

    /// Returns `true` if the task was cancelled (aborted, or its runtime
    /// was shut down before it finished).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Returns `true` if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// Returns the payload of the task's panic.
    ///
    /// # Panics
    ///
    /// Panics with "`JoinError` is not a panic" if the task was cancelled.
    /// Use [`try_into_panic`](Self::try_into_panic) to check first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::panic;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let err = weft::spawn(async { panic!("boom") }).await.unwrap_err();
    /// let payload = err.into_panic();
    /// assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");
    /// // To re-raise it in the caller: panic::resume_unwind(payload)
    /// # }
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().expect("`JoinError` is not a panic")
    }

    /// Returns the payload of the task's panic, or the error itself if the
    /// task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload.0),
            Repr::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    pub fn id(&self) -> Id {
        self.id
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task {} was cancelled", self.id),
            Repr::Panic(payload) => match payload.message() {
                Some(message) => write!(f, "task {} panicked with message {message:?}", self.id),
                None => write!(f, "task {} panicked", self.id),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({:?})", self.id),
            Repr::Panic(payload) => match payload.message() {
                Some(message) => write!(f, "JoinError::Panic({:?}, {message:?}, ...)", self.id),
                None => write!(f, "JoinError::Panic({:?}, ...)", self.id),
            },
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for io::Error {
    /// An `io::Error` of kind `Other` saying "task was cancelled" or
    /// "task panicked", as tokio converts it.
    fn from(err: JoinError) -> io::Error {
        io::Error::other(match err.repr {
            Repr::Cancelled => "task was cancelled",
            Repr::Panic(_) => "task panicked",
        })
    }
}
