//! `Interest`: which readiness events a registration waits for.

use std::fmt;
use std::ops;

/// The kinds of readiness an I/O resource is interested in: a small set of
/// flags combined with `|`.
///
/// # Examples
///
/// ```
/// use weft::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert!(!both.is_error());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

const READABLE: u8 = 0b0001;
const WRITABLE: u8 = 0b0010;
const ERROR: u8 = 0b0100;
const PRIORITY: u8 = 0b1000;

impl Interest {
    /// Readable: data can be read, or the read side was closed.
    pub const READABLE: Interest = Interest(READABLE);
    /// Writable: data can be written, or the write side was closed.
    pub const WRITABLE: Interest = Interest(WRITABLE);
    /// Error readiness. Errors are always reported, so this is only useful
    /// to wait for an error alone.
    pub const ERROR: Interest = Interest(ERROR);
    /// Priority (out-of-band) data; only reported on Linux and Android.
    pub const PRIORITY: Interest = Interest(PRIORITY);

    /// Whether the interest includes readable.
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    /// Whether the interest includes writable.
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// Whether the interest includes error.
    pub const fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Whether the interest includes priority.
    pub const fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }

    /// The union of two interests (also `self | other`).
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// `self` without `other`; `None` if nothing would be left (an
    /// interest is never empty).
    #[must_use]
    pub const fn remove(self, other: Interest) -> Option<Interest> {
        let bits = self.0 & !other.0;
        if bits == 0 {
            None
        } else {
            Some(Interest(bits))
        }
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (READABLE, "READABLE"),
            (WRITABLE, "WRITABLE"),
            (ERROR, "ERROR"),
            (PRIORITY, "PRIORITY"),
        ];
        let mut first = true;
        for (bit, name) in names {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}
