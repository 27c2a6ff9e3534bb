//! `ReadBuf`: the filled <= initialized <= capacity invariant, and clear
//! panics on misuse. Runs under Miri (no runtime needed).

use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};

use weft::io::ReadBuf;

fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap()
}

#[test]
fn new_is_fully_initialized_and_empty() {
    let mut storage = [7u8; 6];
    let mut buf = ReadBuf::new(&mut storage);
    assert_eq!(buf.capacity(), 6);
    assert_eq!(buf.remaining(), 6);
    assert!(buf.filled().is_empty());
    assert_eq!(buf.initialized(), &[7; 6]);
    // Already-initialized bytes are not zeroed by initialize_unfilled.
    assert_eq!(buf.initialize_unfilled_to(2), &[7, 7]);
}

#[test]
fn uninit_tracks_regions() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    let mut buf = ReadBuf::uninit(&mut storage);
    assert!(buf.initialized().is_empty());
    buf.put_slice(b"ab");
    assert_eq!(buf.filled(), b"ab");
    assert_eq!(buf.initialized(), b"ab");
    assert_eq!(buf.initialize_unfilled_to(3), &[0, 0, 0]);
    assert_eq!(buf.initialized().len(), 5);
    assert_eq!(buf.filled().len(), 2);
    buf.advance(3);
    assert_eq!(buf.filled(), &[b'a', b'b', 0, 0, 0]);
    buf.filled_mut()[2] = b'c';
    assert_eq!(&buf.filled()[..3], b"abc");
    buf.set_filled(1);
    assert_eq!(buf.filled(), b"a");
    assert_eq!(
        buf.initialized().len(),
        5,
        "shrinking filled keeps initialized"
    );
    buf.clear();
    assert!(buf.filled().is_empty());
    assert_eq!(buf.remaining(), 8);
    assert_eq!(buf.initialize_unfilled().len(), 8);
    assert_eq!(buf.initialized().len(), 8);
}

#[test]
fn unfilled_mut_then_assume_init() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    let mut buf = ReadBuf::uninit(&mut storage);
    buf.put_slice(b"x");
    // SAFETY: only initialized bytes are written.
    let unfilled = unsafe { buf.unfilled_mut() };
    assert_eq!(unfilled.len(), 3);
    unfilled[0].write(b'y');
    unfilled[1].write(b'z');
    // SAFETY: the two bytes were just written.
    unsafe { buf.assume_init(2) };
    buf.advance(2);
    assert_eq!(buf.filled(), b"xyz");
    // assume_init never shrinks.
    // SAFETY: zero bytes claimed.
    unsafe { buf.assume_init(0) };
    assert_eq!(buf.initialized().len(), 3);
    // SAFETY: nothing is de-initialized.
    assert_eq!(unsafe { buf.inner_mut() }.len(), 4);
}

#[test]
fn take_limits_and_carries_initialized() {
    let mut storage = [1u8; 10];
    let mut buf = ReadBuf::new(&mut storage);
    buf.put_slice(b"abc");
    let mut part = buf.take(4);
    assert_eq!(part.capacity(), 4);
    assert_eq!(part.initialized().len(), 4);
    part.put_slice(b"de");
    assert_eq!(part.filled(), b"de");
    let n = part.filled().len();
    buf.advance(n);
    assert_eq!(buf.filled(), b"abcde");
    // take beyond remaining is clamped.
    assert_eq!(buf.take(100).capacity(), 5);
}

#[test]
fn advance_past_initialized_panics() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    let mut buf = ReadBuf::uninit(&mut storage);
    buf.put_slice(b"a");
    let msg = panic_message(|| buf.advance(2));
    assert!(
        msg.contains("must not become larger than initialized"),
        "{msg}"
    );
    assert_eq!(buf.filled(), b"a", "unchanged after the panic");
}

#[test]
fn set_filled_past_initialized_panics() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    let mut buf = ReadBuf::uninit(&mut storage);
    let msg = panic_message(|| buf.set_filled(1));
    assert!(
        msg.contains("filled (1) must not become larger than initialized (0)"),
        "{msg}"
    );
}

#[test]
fn put_slice_overflow_panics() {
    let mut storage = [0u8; 2];
    let mut buf = ReadBuf::new(&mut storage);
    let msg = panic_message(|| buf.put_slice(b"abc"));
    assert!(msg.contains("does not fit in remaining (2)"), "{msg}");
}

#[test]
fn initialize_unfilled_to_overflow_panics() {
    let mut storage = [0u8; 2];
    let mut buf = ReadBuf::new(&mut storage);
    buf.put_slice(b"a");
    let msg = panic_message(|| {
        buf.initialize_unfilled_to(2);
    });
    assert!(msg.contains("exceeds remaining (1)"), "{msg}");
}

#[test]
fn advance_overflow_panics() {
    let mut storage = [0u8; 2];
    let mut buf = ReadBuf::new(&mut storage);
    buf.advance(1);
    let msg = panic_message(|| buf.advance(usize::MAX));
    assert!(msg.contains("overflows"), "{msg}");
}

#[test]
fn debug_shows_the_regions() {
    let mut storage = [0u8; 3];
    let mut buf = ReadBuf::new(&mut storage);
    buf.put_slice(b"a");
    assert_eq!(
        format!("{buf:?}"),
        "ReadBuf { filled: 1, initialized: 3, capacity: 3 }"
    );
}
