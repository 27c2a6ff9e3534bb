//! `ReadBuf`: a byte buffer that tracks how much of it is filled and how
//! much is initialized, so readers can fill memory that was never zeroed.

use std::fmt;
use std::mem::MaybeUninit;

/// A wrapper around a byte buffer that is incrementally filled and
/// initialized.
///
/// The buffer is split into three regions, each a prefix of the next:
///
/// ```text
/// [             capacity              ]
/// [ filled |         unfilled         ]
/// [    initialized    | uninitialized ]
/// ```
///
/// * **filled**: bytes a reader has written and the caller may read;
/// * **initialized**: bytes known to hold values (filled ones, plus bytes a
///   previous read or [`initialize_unfilled`](ReadBuf::initialize_unfilled)
///   wrote), so they can be handed out as `&mut [u8]` without zeroing;
/// * the rest may be uninitialized memory.
///
/// The invariant `filled <= initialized <= capacity` always holds; methods
/// that would break it panic.
///
/// # Examples
///
/// ```
/// use weft::io::ReadBuf;
/// use std::mem::MaybeUninit;
///
/// let mut storage = [MaybeUninit::<u8>::uninit(); 8];
/// let mut buf = ReadBuf::uninit(&mut storage);
/// buf.put_slice(b"abc");
/// assert_eq!(buf.filled(), b"abc");
/// assert_eq!(buf.remaining(), 5);
/// ```
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    initialized: usize,
}

impl<'a> ReadBuf<'a> {
    /// Creates a `ReadBuf` over a fully initialized buffer (nothing filled).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut storage = [0u8; 4];
    /// let buf = weft::io::ReadBuf::new(&mut storage);
    /// assert_eq!(buf.capacity(), 4);
    /// assert_eq!(buf.initialized().len(), 4);
    /// assert!(buf.filled().is_empty());
    /// ```
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // Why this is sound: `[u8]` and `[MaybeUninit<u8>]` have the same layout, and the
        // resulting slice is only ever written with initialized bytes: every
        // method that writes through it writes `u8` values, never
        // `MaybeUninit::uninit()`, and `initialized` starts at the full
        // length, so the caller's `&mut [u8]` stays valid.
        // SAFETY: as argued just above.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf {
            buf,
            filled: 0,
            initialized,
        }
    }

    /// Creates a `ReadBuf` over a possibly uninitialized buffer (nothing
    /// filled, nothing known to be initialized).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    /// let buf = weft::io::ReadBuf::uninit(&mut storage);
    /// assert!(buf.initialized().is_empty());
    /// ```
    #[inline]
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf {
            buf,
            filled: 0,
            initialized: 0,
        }
    }

    /// The total size of the buffer.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The filled part of the buffer.
    #[inline]
    pub fn filled(&self) -> &[u8] {
        let slice = &self.buf[..self.filled];
        // SAFETY: `filled <= initialized`, so these bytes are initialized.
        unsafe { slice_assume_init(slice) }
    }

    /// The filled part of the buffer, mutably.
    #[inline]
    pub fn filled_mut(&mut self) -> &mut [u8] {
        let slice = &mut self.buf[..self.filled];
        // SAFETY: `filled <= initialized`, so these bytes are initialized.
        unsafe { slice_assume_init_mut(slice) }
    }

    /// The initialized part of the buffer (includes the filled part).
    #[inline]
    pub fn initialized(&self) -> &[u8] {
        let slice = &self.buf[..self.initialized];
        // SAFETY: the first `initialized` bytes are initialized (invariant).
        unsafe { slice_assume_init(slice) }
    }

    /// The initialized part of the buffer, mutably (includes the filled
    /// part).
    #[inline]
    pub fn initialized_mut(&mut self) -> &mut [u8] {
        let slice = &mut self.buf[..self.initialized];
        // SAFETY: the first `initialized` bytes are initialized (invariant).
        unsafe { slice_assume_init_mut(slice) }
    }

    /// A new `ReadBuf` over at most `n` bytes of this one's unfilled part.
    ///
    /// Its filled part starts empty; what is known to be initialized carries
    /// over. Filling the new buffer does not advance this one: call
    /// [`advance`](ReadBuf::advance) or [`assume_init`](ReadBuf::assume_init)
    /// afterwards to account for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut storage = [0u8; 8];
    /// let mut buf = weft::io::ReadBuf::new(&mut storage);
    /// let mut small = buf.take(3);
    /// assert_eq!(small.capacity(), 3);
    /// small.put_slice(b"xyz");
    /// let n = small.filled().len();
    /// buf.advance(n);
    /// assert_eq!(buf.filled(), b"xyz");
    /// ```
    #[inline]
    pub fn take(&mut self, n: usize) -> ReadBuf<'_> {
        let max = n.min(self.remaining());
        let initialized = (self.initialized - self.filled).min(max);
        ReadBuf {
            buf: &mut self.buf[self.filled..self.filled + max],
            filled: 0,
            initialized,
        }
    }

    /// Initializes (zeroes) whatever of the unfilled part is not yet
    /// initialized, and returns the whole unfilled part.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    /// let mut buf = weft::io::ReadBuf::uninit(&mut storage);
    /// assert_eq!(buf.initialize_unfilled(), &[0, 0, 0, 0]);
    /// assert_eq!(buf.initialized().len(), 4);
    /// ```
    #[inline]
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// Initializes (zeroes) the first `n` bytes of the unfilled part where
    /// needed, and returns them.
    ///
    /// # Panics
    ///
    /// If `n` is larger than [`remaining`](ReadBuf::remaining).
    #[inline]
    #[track_caller]
    pub fn initialize_unfilled_to(&mut self, n: usize) -> &mut [u8] {
        assert!(
            self.remaining() >= n,
            "ReadBuf::initialize_unfilled_to: n ({n}) exceeds remaining ({})",
            self.remaining()
        );
        let end = self.filled + n;
        if self.initialized < end {
            self.buf[self.initialized..end].fill(MaybeUninit::new(0));
            self.initialized = end;
        }
        let slice = &mut self.buf[self.filled..end];
        // SAFETY: every byte below `end <= initialized` is initialized.
        unsafe { slice_assume_init_mut(slice) }
    }

    /// The unfilled part, which may be uninitialized.
    ///
    /// # Safety
    ///
    /// The caller must not write uninitialized bytes (such as
    /// `MaybeUninit::uninit()`) into the returned slice: bytes below
    /// [`initialized`](ReadBuf::initialized) must stay initialized, and the
    /// buffer may be borrowed from a `&mut [u8]` (see [`ReadBuf::new`]).
    #[inline]
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// The whole buffer, which may be partly uninitialized.
    ///
    /// # Safety
    ///
    /// As for [`unfilled_mut`](ReadBuf::unfilled_mut): the caller must not
    /// de-initialize any byte.
    #[inline]
    pub unsafe fn inner_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// How many bytes can still be filled: `capacity - filled`.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Empties the filled part (initialized bytes stay initialized).
    #[inline]
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Marks `n` more bytes as filled.
    ///
    /// The bytes must already be initialized (written through
    /// [`initialize_unfilled`](ReadBuf::initialize_unfilled), or declared
    /// with [`assume_init`](ReadBuf::assume_init)).
    ///
    /// # Panics
    ///
    /// If the filled part would grow past the initialized part (or the
    /// count overflows).
    #[inline]
    #[track_caller]
    pub fn advance(&mut self, n: usize) {
        let new = self
            .filled
            .checked_add(n)
            .expect("ReadBuf::advance: filled length overflows usize");
        self.set_filled(new);
    }

    /// Sets the filled length to `n` (it may shrink).
    ///
    /// # Panics
    ///
    /// If `n` is larger than the initialized length.
    #[inline]
    #[track_caller]
    pub fn set_filled(&mut self, n: usize) {
        assert!(
            n <= self.initialized,
            "ReadBuf: filled ({n}) must not become larger than initialized ({})",
            self.initialized
        );
        self.filled = n;
    }

    /// Declares that the first `n` bytes of the unfilled part are
    /// initialized. Never shrinks the initialized part.
    ///
    /// # Safety
    ///
    /// The first `n` bytes of the unfilled part must really be initialized
    /// (for example, written by a system call through
    /// [`unfilled_mut`](ReadBuf::unfilled_mut)), and `n` must not exceed
    /// [`remaining`](ReadBuf::remaining).
    #[inline]
    pub unsafe fn assume_init(&mut self, n: usize) {
        debug_assert!(n <= self.remaining(), "ReadBuf::assume_init past capacity");
        let end = self.filled + n;
        if end > self.initialized {
            self.initialized = end;
        }
    }

    /// Appends `data` to the filled part, marking it initialized.
    ///
    /// # Panics
    ///
    /// If `data` is longer than [`remaining`](ReadBuf::remaining).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut storage = [0u8; 4];
    /// let mut buf = weft::io::ReadBuf::new(&mut storage);
    /// buf.put_slice(b"ab");
    /// buf.put_slice(b"cd");
    /// assert_eq!(buf.filled(), b"abcd");
    /// ```
    #[inline]
    #[track_caller]
    pub fn put_slice(&mut self, data: &[u8]) {
        assert!(
            self.remaining() >= data.len(),
            "ReadBuf::put_slice: data ({} bytes) does not fit in remaining ({})",
            data.len(),
            self.remaining()
        );
        let end = self.filled + data.len();
        let dst = &mut self.buf[self.filled..end];
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`; `dst` and `data`
        // have the same length and cannot overlap (`dst` is borrowed
        // mutably, `data` shared).
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), dst.as_mut_ptr().cast::<u8>(), data.len());
        }
        if self.initialized < end {
            self.initialized = end;
        }
        self.filled = end;
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// # Safety
///
/// Every byte of `slice` must be initialized.
#[inline]
unsafe fn slice_assume_init(slice: &[MaybeUninit<u8>]) -> &[u8] {
    // SAFETY: same layout; the caller promises the bytes are initialized.
    unsafe { &*(slice as *const [MaybeUninit<u8>] as *const [u8]) }
}

/// # Safety
///
/// Every byte of `slice` must be initialized.
#[inline]
unsafe fn slice_assume_init_mut(slice: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    // SAFETY: same layout; the caller promises the bytes are initialized,
    // and `u8` has no invalid values to write through the result.
    unsafe { &mut *(slice as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

/// A `ReadBuf` is a `bytes::BufMut` (feature `io-util`), as tokio's is: its
/// unfilled part is the chunk, and advancing marks bytes initialized and
/// filled at once. Code that fills a buffer through `BufMut` (a decoder, a
/// `put_u32`) writes into a `ReadBuf` directly.
///
/// # Examples
///
/// ```
/// use bytes::BufMut;
///
/// let mut storage = [0u8; 6];
/// let mut buf = weft::io::ReadBuf::new(&mut storage);
/// buf.put_u16(0x0102);
/// buf.put_slice(b"abcd");
/// assert_eq!(buf.filled(), b"\x01\x02abcd");
/// assert_eq!(buf.remaining_mut(), 0);
/// ```
// SAFETY: `chunk_mut` is the unfilled part, exactly `remaining_mut` bytes
// long (`BufMut`'s contract: the chunk is writable memory of at most that
// length); `advance_mut(cnt)` is only called (its own contract) after the
// first `cnt` bytes of that chunk were written, so declaring them
// initialized and filled is true.
#[cfg(feature = "io-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "io-util")))]
unsafe impl bytes::BufMut for ReadBuf<'_> {
    fn remaining_mut(&self) -> usize {
        self.remaining()
    }

    unsafe fn advance_mut(&mut self, cnt: usize) {
        // SAFETY: the caller wrote the first `cnt` bytes of the chunk, the
        // unfilled part (`advance_mut`'s contract), so they are initialized.
        unsafe { self.assume_init(cnt) };
        self.advance(cnt);
    }

    fn chunk_mut(&mut self) -> &mut bytes::buf::UninitSlice {
        // SAFETY: an `UninitSlice` lets its user write bytes only, never
        // de-initialize one, which is what `unfilled_mut` asks.
        bytes::buf::UninitSlice::uninit(unsafe { self.unfilled_mut() })
    }
}
