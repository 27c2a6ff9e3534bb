//! The futures of `join!`, `try_join!` and `select!` are no larger than
//! tokio's for the same branches.
//!
//! Each expansion is one `PollWith` future: the branches' futures in a
//! tuple (each in a `MaybeDone` for `join!`/`try_join!`), plus 4 bytes of
//! round-robin state (`join!`/`try_join!`) or the 8-byte disabled mask
//! (`select!`), plus a polling closure that captures nothing. The `async`
//! block awaiting it adds its one-byte state discriminant. The tests pin
//! exactly that layout (so they fail if anything is added), and compare it
//! with the sizes tokio 1.54's macros give for the same `async` blocks,
//! measured with rustc 1.95 (`size_of_val` of the same expressions, with
//! tokio's `join!`/`try_join!`/`select!` in place of weft's):
//!
//! | expression                    | tokio | weft |
//! |-------------------------------|-------|------|
//! | `join!` 1 × 32-byte future    |   64  |  56  |
//! | `join!` 2 × 32-byte futures   |  104  |  96  |
//! | `join!` 3 × 32-byte futures   |  144  | 136  |
//! | `join!` 8 × 8-byte futures    |  152  | 144  |
//! | `join!(biased; ..)` 2 × 32    |   96  |  96  |
//! | `try_join!` 2 × 32            |  104  |  96  |
//! | `try_join!` 3 × 32            |  144  | 136  |
//! | `select!` 1 × 32              |   56  |  48  |
//! | `select!` 2 × 32              |   88  |  80  |
//! | `select!` 3 × 32 (or biased)  |  120  | 112  |
//! | `select!` 2 × 32, `if`, else  |   88  |  80  |

use std::future::Future;
use std::mem::{align_of, size_of, size_of_val};
use std::pin::Pin;
use std::task::{Context, Poll};

use weft::macros::support::MaybeDone;

/// A future of exactly `8 * K` bytes whose output is a `u64`.
struct F<const K: usize>([u64; K]);

impl<const K: usize> Future for F<K> {
    type Output = u64;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<u64> {
        Poll::Ready(self.0[0])
    }
}

/// A future of exactly `8 * K` bytes whose output is a `Result`.
struct R<const K: usize>([u64; K]);

impl<const K: usize> Future for R<K> {
    type Output = Result<u64, ()>;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<u64, ()>> {
        Poll::Ready(Ok(self.0[0]))
    }
}

fn f<const K: usize>() -> F<K> {
    F([0; K])
}

fn r<const K: usize>() -> R<K> {
    R([0; K])
}

fn round_up(n: usize, align: usize) -> usize {
    n.div_ceil(align) * align
}

/// Size of an `async` block whose only state across its one `.await` is a
/// future of `payload` bytes aligned to 8: the payload and the block's
/// one-byte discriminant.
fn awaiting(payload: usize) -> usize {
    round_up(round_up(payload, 8) + 1, 8)
}

/// `join!`/`try_join!` of `n` futures whose `MaybeDone` is `slot` bytes:
/// the slots plus the 4-byte round-robin start.
fn join_size(n: usize, slot: usize) -> usize {
    awaiting(n * slot + 4)
}

/// `select!` of `n` futures of `each` bytes: the futures plus the 8-byte
/// disabled mask.
fn select_size(n: usize, each: usize) -> usize {
    awaiting(n * each + 8)
}

#[test]
fn the_test_futures_have_the_assumed_layout() {
    assert_eq!(size_of::<F<4>>(), 32);
    assert_eq!(size_of::<MaybeDone<F<4>>>(), 40);
    assert_eq!(size_of::<MaybeDone<F<1>>>(), 16);
    assert_eq!(size_of::<MaybeDone<R<4>>>(), 40);
    assert_eq!(align_of::<MaybeDone<F<4>>>(), 8);
}

#[test]
fn join_is_its_futures_and_four_bytes() {
    let md4 = size_of::<MaybeDone<F<4>>>();
    let md1 = size_of::<MaybeDone<F<1>>>();
    let one = async { weft::join!(f::<4>()) };
    let two = async { weft::join!(f::<4>(), f::<4>()) };
    let three = async { weft::join!(f::<4>(), f::<4>(), f::<4>()) };
    let eight = async {
        weft::join!(
            f::<1>(),
            f::<1>(),
            f::<1>(),
            f::<1>(),
            f::<1>(),
            f::<1>(),
            f::<1>(),
            f::<1>()
        )
    };
    let biased = async { weft::join!(biased; f::<4>(), f::<4>()) };
    let cases = [
        ("join 1x32", size_of_val(&one), join_size(1, md4), 64),
        ("join 2x32", size_of_val(&two), join_size(2, md4), 104),
        ("join 3x32", size_of_val(&three), join_size(3, md4), 144),
        ("join 8x8", size_of_val(&eight), join_size(8, md1), 152),
        (
            "join biased 2x32",
            size_of_val(&biased),
            join_size(2, md4),
            96,
        ),
    ];
    for (what, size, layout, tokio) in cases {
        assert_eq!(size, layout, "{what}: the expansion's layout changed");
        assert!(size <= tokio, "{what}: {size} bytes, tokio's is {tokio}");
    }
}

#[test]
fn try_join_is_its_futures_and_four_bytes() {
    let md = size_of::<MaybeDone<R<4>>>();
    let two = async { weft::try_join!(r::<4>(), r::<4>()) };
    let three = async { weft::try_join!(r::<4>(), r::<4>(), r::<4>()) };
    let cases = [
        ("try_join 2x32", size_of_val(&two), join_size(2, md), 104),
        ("try_join 3x32", size_of_val(&three), join_size(3, md), 144),
    ];
    for (what, size, layout, tokio) in cases {
        assert_eq!(size, layout, "{what}: the expansion's layout changed");
        assert!(size <= tokio, "{what}: {size} bytes, tokio's is {tokio}");
    }
}

#[test]
fn select_is_its_futures_and_the_mask() {
    let each = size_of::<F<4>>();
    let one = async {
        weft::select! { v = f::<4>() => v }
    };
    let two = async {
        weft::select! {
            v = f::<4>() => v,
            v = f::<4>() => v,
        }
    };
    let three = async {
        weft::select! {
            v = f::<4>() => v,
            v = f::<4>() => v,
            v = f::<4>() => v,
        }
    };
    let biased = async {
        weft::select! {
            biased;
            v = f::<4>() => v,
            v = f::<4>() => v,
            v = f::<4>() => v,
        }
    };
    let with_else = async {
        weft::select! {
            v = f::<4>() => v,
            v = f::<4>(), if false => v,
            else => 0,
        }
    };
    let cases = [
        ("select 1x32", size_of_val(&one), select_size(1, each), 56),
        ("select 2x32", size_of_val(&two), select_size(2, each), 88),
        (
            "select 3x32",
            size_of_val(&three),
            select_size(3, each),
            120,
        ),
        (
            "select biased 3x32",
            size_of_val(&biased),
            select_size(3, each),
            120,
        ),
        (
            "select 2x32 else",
            size_of_val(&with_else),
            select_size(2, each),
            88,
        ),
    ];
    for (what, size, layout, tokio) in cases {
        assert_eq!(size, layout, "{what}: the expansion's layout changed");
        assert!(size <= tokio, "{what}: {size} bytes, tokio's is {tokio}");
    }
}

#[test]
fn the_sizes_grow_by_exactly_one_branch_per_branch() {
    // Nothing per branch but the branch's own future (no pointer, no
    // capture): adding a 32-byte branch adds 40 bytes (its `MaybeDone`) to
    // `join!` and 32 to `select!`.
    let j2 = size_of_val(&async { weft::join!(f::<4>(), f::<4>()) });
    let j3 = size_of_val(&async { weft::join!(f::<4>(), f::<4>(), f::<4>()) });
    assert_eq!(j3 - j2, size_of::<MaybeDone<F<4>>>());
    let s2 = size_of_val(&async {
        weft::select! { v = f::<4>() => v, v = f::<4>() => v }
    });
    let s3 = size_of_val(&async {
        weft::select! { v = f::<4>() => v, v = f::<4>() => v, v = f::<4>() => v }
    });
    assert_eq!(s3 - s2, size_of::<F<4>>());
}
