//! The readiness bits the driver caches per resource.
//!
//! Internal to the driver; the public `io::Ready` and `io::Interest` are
//! built from these at the API boundary.

use std::ops;

/// A set of readiness bits, as reported by the OS for one resource.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Ready(u8);

impl Ready {
    pub(crate) const EMPTY: Ready = Ready(0);
    pub(crate) const READABLE: Ready = Ready(0b0_0001);
    pub(crate) const WRITABLE: Ready = Ready(0b0_0010);
    pub(crate) const READ_CLOSED: Ready = Ready(0b0_0100);
    pub(crate) const WRITE_CLOSED: Ready = Ready(0b0_1000);
    pub(crate) const ERROR: Ready = Ready(0b1_0000);
    pub(crate) const ALL: Ready = Ready(0b1_1111);

    /// The readiness a mio event reports.
    pub(crate) fn from_mio(event: &mio::event::Event) -> Ready {
        let mut ready = Ready::EMPTY;
        if event.is_readable() {
            ready = ready | Ready::READABLE;
        }
        if event.is_writable() {
            ready = ready | Ready::WRITABLE;
        }
        if event.is_read_closed() {
            ready = ready | Ready::READ_CLOSED;
        }
        if event.is_write_closed() {
            ready = ready | Ready::WRITE_CLOSED;
        }
        if event.is_error() {
            ready = ready | Ready::ERROR;
        }
        ready
    }

    pub(crate) fn as_usize(self) -> usize {
        usize::from(self.0)
    }

    pub(crate) fn from_usize(bits: usize) -> Ready {
        Ready((bits & Ready::ALL.as_usize()) as u8)
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn intersects(self, other: Ready) -> bool {
        self.0 & other.0 != 0
    }

    pub(crate) fn is_readable(self) -> bool {
        self.intersects(Ready::READABLE)
    }

    pub(crate) fn is_writable(self) -> bool {
        self.intersects(Ready::WRITABLE)
    }

    pub(crate) fn is_read_closed(self) -> bool {
        self.intersects(Ready::READ_CLOSED)
    }

    pub(crate) fn is_write_closed(self) -> bool {
        self.intersects(Ready::WRITE_CLOSED)
    }

    pub(crate) fn is_error(self) -> bool {
        self.intersects(Ready::ERROR)
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
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

impl std::fmt::Debug for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ready")
            .field("readable", &self.is_readable())
            .field("writable", &self.is_writable())
            .field("read_closed", &self.is_read_closed())
            .field("write_closed", &self.is_write_closed())
            .field("error", &self.is_error())
            .finish()
    }
}
