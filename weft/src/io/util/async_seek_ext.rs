//! `AsyncSeekExt`: `async`-style seeking helpers for every `AsyncSeek`.

use std::io::SeekFrom;

use super::seek::{seek, Rewind, Seek};
use crate::io::AsyncSeek;

/// Seeking helpers for every [`AsyncSeek`].
///
/// # Examples
///
/// ```
/// use std::io::{Cursor, SeekFrom};
/// use weft::io::AsyncSeekExt;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut cursor = Cursor::new(vec![0u8; 10]);
/// assert_eq!(cursor.seek(SeekFrom::End(-3)).await?, 7);
/// assert_eq!(cursor.stream_position().await?, 7);
/// cursor.rewind().await?;
/// assert_eq!(cursor.stream_position().await?, 0);
/// # Ok(())
/// # }
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Seeks to `position`, returning the new position from the start.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped after the seek started,
    /// the position is unspecified (the seek may or may not happen).
    fn seek(&mut self, position: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        seek(self, position)
    }

    /// Seeks to the start.
    fn rewind(&mut self) -> Rewind<'_, Self>
    where
        Self: Unpin,
    {
        Rewind(seek(self, SeekFrom::Start(0)))
    }

    /// The current position from the start (a seek of `Current(0)`).
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}
