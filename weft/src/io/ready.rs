//! `Ready`: the readiness an I/O resource reported.

use std::fmt;
use std::ops;

/// A set of readiness events that happened on an I/O resource, combined
/// with `|` and tested with the `is_*` methods.
///
/// # Examples
///
/// ```
/// use weft::io::Ready;
///
/// let ready = Ready::READABLE | Ready::READ_CLOSED;
/// assert!(ready.is_readable() && ready.is_read_closed());
/// assert!(!ready.is_writable());
/// assert!((ready - Ready::READABLE).is_read_closed());
/// assert!(Ready::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ready(u8);

const READABLE: u8 = 0b0_0001;
const WRITABLE: u8 = 0b0_0010;
const READ_CLOSED: u8 = 0b0_0100;
const WRITE_CLOSED: u8 = 0b0_1000;
const ERROR: u8 = 0b1_0000;
const PRIORITY: u8 = 0b10_0000;
const ALL: u8 = READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | ERROR | PRIORITY;

impl Ready {
    /// No readiness.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(READABLE);
    /// Writable.
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// The read side was closed by the peer (end of stream).
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    /// The write side was closed.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    /// An error is pending on the resource.
    pub const ERROR: Ready = Ready(ERROR);
    /// Priority (out-of-band) data is available (Linux and Android only).
    pub const PRIORITY: Ready = Ready(PRIORITY);
    /// Every readiness flag.
    pub const ALL: Ready = Ready(ALL);

    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether readable is set.
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    /// Whether writable is set.
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// Whether read-closed is set.
    pub const fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// Whether write-closed is set.
    pub const fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }

    /// Whether error is set.
    pub const fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Whether priority is set.
    pub const fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }

    /// Whether every flag of `other` is set in `self`.
    pub const fn contains(self, other: Ready) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether `self` and `other` share a flag.
    #[cfg_attr(
        not(any(feature = "net", feature = "signal", feature = "fs")),
        allow(dead_code)
    )]
    pub(crate) const fn intersects(self, other: Ready) -> bool {
        self.0 & other.0 != 0
    }

    /// The raw flag bits (for the reactor).
    #[cfg_attr(
        not(any(feature = "net", feature = "signal", feature = "fs")),
        allow(dead_code)
    )]
    pub(crate) const fn as_bits(self) -> u8 {
        self.0
    }

    /// A `Ready` from raw bits; bits outside [`Ready::ALL`] are dropped.
    #[cfg_attr(
        not(any(feature = "net", feature = "signal", feature = "fs")),
        allow(dead_code)
    )]
    pub(crate) const fn from_bits(bits: u8) -> Ready {
        Ready(bits & ALL)
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;

    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;

    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_error", &self.is_error())
            .field("is_priority", &self.is_priority())
            .finish()
    }
}
