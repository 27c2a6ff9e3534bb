//! A `String` lent out as a byte vector while a read appends to it, and
//! put back — valid UTF-8 only — when the read finishes or is cancelled.

use std::io;

/// Holds `string`'s bytes while a read appends to them.
///
/// The `String` is left empty meanwhile (it must never hold invalid
/// UTF-8, even briefly, because the future holding this can be dropped at
/// any `Pending`). [`finish`](StringBytes::finish) puts the bytes back if
/// the appended part is valid UTF-8, and otherwise only the original
/// contents. Dropped unfinished (the read was cancelled), it keeps the
/// longest valid UTF-8 prefix of the appended bytes.
#[derive(Debug)]
pub(crate) struct StringBytes<'a> {
    string: &'a mut String,
    bytes: Vec<u8>,
    /// Length of the original contents.
    start: usize,
    finished: bool,
}

impl<'a> StringBytes<'a> {
    pub(crate) fn new(string: &'a mut String) -> StringBytes<'a> {
        let bytes = std::mem::take(string).into_bytes();
        StringBytes {
            string,
            start: bytes.len(),
            bytes,
            finished: false,
        }
    }

    pub(crate) fn bytes_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Puts the bytes back after a read that returned `result`, as
    /// tokio's `read_to_string` and `read_line` do.
    ///
    /// With valid UTF-8 appended, the string keeps it and `result` is
    /// returned, except that after an I/O error with `keep_on_io_error`
    /// false (`read_to_string`) the appended part is dropped too. With
    /// invalid UTF-8 appended, the string gets its original contents back
    /// and the result is `result`'s error, or `InvalidData` if it was `Ok`,
    /// with the `std::str::Utf8Error` of the whole string (original part
    /// included, as tokio) inside.
    pub(crate) fn finish(
        &mut self,
        result: io::Result<usize>,
        keep_on_io_error: bool,
    ) -> io::Result<usize> {
        assert!(!self.finished, "read future polled after completion");
        self.finished = true;
        // Only the appended part needs checking: the original part is a
        // `String`'s, which ends on a character boundary. The error itself
        // is the whole string's, as tokio's (its `valid_up_to` counts the
        // original part), computed on that rare path only.
        let utf8 = match std::str::from_utf8(&self.bytes[self.start..]) {
            Ok(_) => Ok(()),
            Err(_) => Err(std::str::from_utf8(&self.bytes).expect_err("the appended part is not")),
        };
        if utf8.is_err() || (result.is_err() && !keep_on_io_error) {
            self.bytes.truncate(self.start);
        }
        self.restore();
        match (result, utf8) {
            (Ok(_), Err(invalid)) => Err(io::Error::new(io::ErrorKind::InvalidData, invalid)),
            (result, _) => result,
        }
    }

    /// Moves the bytes back into the string.
    fn restore(&mut self) {
        let bytes = std::mem::take(&mut self.bytes);
        debug_assert!(std::str::from_utf8(&bytes).is_ok());
        // Why this is sound: the first `start` bytes came from a `String`, and every
        // caller truncates the rest to valid UTF-8 first (and only whole
        // characters are appended after a valid prefix: a valid prefix
        // followed by a valid suffix is valid UTF-8).
        // SAFETY: as argued just above.
        *self.string = unsafe { String::from_utf8_unchecked(bytes) };
    }
}

impl Drop for StringBytes<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let valid = match std::str::from_utf8(&self.bytes[self.start..]) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        };
        self.bytes.truncate(self.start + valid);
        self.restore();
    }
}
