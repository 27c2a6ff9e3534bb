//! `weft::sync::Semaphore`: FIFO fairness, batch acquisition, cancellation
//! that never loses a permit (checked by counting), close, owned permits;
//! the same contention workload on every runtime flavor.

mod support;
mod sync_support;

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use support::rt_test;
use sync_support::{assert_pending, assert_ready, Counter};
use weft::sync::{AcquireError, Semaphore, TryAcquireError};

#[test]
fn try_acquire_counts_permits() {
    let s = Semaphore::new(3);
    let a = s.try_acquire().unwrap();
    let b = s.try_acquire_many(2).unwrap();
    assert_eq!(s.available_permits(), 0);
    assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    assert!(s.try_acquire().unwrap_err().is_no_permits());
    drop(a);
    assert_eq!(s.available_permits(), 1);
    assert_eq!(b.num_permits(), 2);
    drop(b);
    assert_eq!(s.available_permits(), 3);
    assert!(s.try_acquire_many(4).is_err());
    assert_eq!(s.available_permits(), 3, "a failed try takes nothing");
}

#[test]
fn fifo_a_large_request_at_the_head_is_not_overtaken() {
    let s = Semaphore::new(0);
    let (ca, cb, cc) = (Counter::new(), Counter::new(), Counter::new());
    let mut a = pin!(s.acquire_many(2));
    let mut b = pin!(s.acquire());
    let mut c = pin!(s.acquire());
    assert_pending(&ca, a.as_mut());
    assert_pending(&cb, b.as_mut());
    assert_pending(&cc, c.as_mut());

    s.add_permits(1);
    assert_eq!(s.available_permits(), 0, "set aside for the head");
    assert_eq!((ca.wakes(), cb.wakes()), (0, 0));
    assert_pending(&cb, b.as_mut());
    assert!(s.try_acquire().is_err(), "a newcomer cannot barge either");

    s.add_permits(1);
    assert_eq!((ca.wakes(), cb.wakes(), cc.wakes()), (1, 0, 0));
    let pa = assert_ready(&ca, a.as_mut()).unwrap();
    assert_eq!(pa.num_permits(), 2);

    s.add_permits(2);
    assert_eq!((cb.wakes(), cc.wakes()), (1, 1));
    let pb = assert_ready(&cb, b.as_mut()).unwrap();
    let pc = assert_ready(&cc, c.as_mut()).unwrap();
    drop((pa, pb, pc));
    assert_eq!(s.available_permits(), 4);
}

#[test]
fn dropping_a_partially_served_waiter_gives_its_permits_back() {
    let s = Semaphore::new(0);
    let cw = Counter::new();
    {
        let mut a = pin!(s.acquire_many(3));
        assert_pending(&cw, a.as_mut());
        s.add_permits(2);
        assert_eq!(s.available_permits(), 0);
    }
    assert_eq!(
        s.available_permits(),
        2,
        "the two assigned permits came back"
    );
    assert_eq!(cw.wakes(), 0);
}

#[test]
fn dropping_a_granted_but_unpolled_waiter_passes_the_permit_on() {
    let s = Semaphore::new(0);
    let (ca, cb) = (Counter::new(), Counter::new());
    let mut b = pin!(s.acquire());
    {
        let mut a = pin!(s.acquire());
        assert_pending(&ca, a.as_mut());
        assert_pending(&cb, b.as_mut());
        s.add_permits(1);
        assert_eq!(ca.wakes(), 1, "granted to the head");
        assert_eq!(cb.wakes(), 0);
        // `a` is cancelled before it sees its permit.
    }
    assert_eq!(cb.wakes(), 1, "the permit went to the next waiter");
    let permit = assert_ready(&cb, b.as_mut()).unwrap();
    drop(permit);
    assert_eq!(s.available_permits(), 1, "exactly one permit exists");
}

#[test]
fn dropping_a_waiter_in_the_middle_keeps_the_order() {
    let s = Semaphore::new(0);
    let counters: Vec<Counter> = (0..3).map(|_| Counter::new()).collect();
    let mut a = pin!(s.acquire());
    let mut c = pin!(s.acquire());
    assert_pending(&counters[0], a.as_mut());
    {
        let mut b = pin!(s.acquire());
        assert_pending(&counters[1], b.as_mut());
        assert_pending(&counters[2], c.as_mut());
    }
    s.add_permits(1);
    assert_eq!(counters[0].wakes(), 1);
    assert_eq!(counters[2].wakes(), 0);
    s.add_permits(1);
    assert_eq!(counters[2].wakes(), 1);
    assert!(assert_ready(&counters[0], a.as_mut()).is_ok());
    assert!(assert_ready(&counters[2], c.as_mut()).is_ok());
    assert_eq!(counters[1].wakes(), 0, "the dropped one was never woken");
}

#[test]
fn close_fails_waiters_and_later_acquires_but_permits_still_return() {
    let s = Semaphore::new(1);
    let held = s.try_acquire().unwrap();
    let (ca, cb) = (Counter::new(), Counter::new());
    let mut a = pin!(s.acquire_many(2));
    let mut b = pin!(s.acquire());
    assert_pending(&ca, a.as_mut());
    assert_pending(&cb, b.as_mut());
    s.close();
    assert!(s.is_closed());
    assert_eq!((ca.wakes(), cb.wakes()), (1, 1));
    assert_eq!(assert_ready(&ca, a.as_mut()).unwrap_err(), first_err());
    assert!(assert_ready(&cb, b.as_mut()).is_err());
    assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::Closed);
    assert!(s.try_acquire().unwrap_err().is_closed());
    let mut late = pin!(s.acquire());
    assert!(assert_ready(&ca, late.as_mut()).is_err());
    drop(held);
    assert_eq!(s.available_permits(), 1, "held permits are still returned");
    assert_eq!(first_err().to_string(), "semaphore closed");
    assert_eq!(
        TryAcquireError::NoPermits.to_string(),
        "no permits available"
    );
}

/// An `AcquireError` (the type is opaque), from a closed semaphore.
fn first_err() -> AcquireError {
    let s = Semaphore::new(0);
    s.close();
    let mut f = pin!(s.acquire());
    assert_ready(&Counter::new(), f.as_mut()).unwrap_err()
}

#[test]
fn forget_add_split_merge() {
    let s = Semaphore::new(5);
    assert_eq!(s.forget_permits(2), 2);
    assert_eq!(s.forget_permits(10), 3, "only what is available");
    assert_eq!(s.available_permits(), 0);
    s.add_permits(4);
    let mut p = s.try_acquire_many(4).unwrap();
    let q = p.split(1).unwrap();
    assert!(p.split(4).is_none());
    assert_eq!((p.num_permits(), q.num_permits()), (3, 1));
    p.merge(q);
    assert_eq!(p.num_permits(), 4);
    let r = p.split(2).unwrap();
    r.forget();
    drop(p);
    assert_eq!(s.available_permits(), 2, "the forgotten two are gone");
}

/// Merging permits of two semaphores panics, naming the caller's line
/// (as tokio's `sync_panic` tests expect).
#[test]
fn merging_permits_of_different_semaphores_panics_at_the_caller() {
    let (a, b) = (Semaphore::new(1), Semaphore::new(1));
    let (mut p, q) = (a.try_acquire().unwrap(), b.try_acquire().unwrap());
    let (message, file) = support::panic_site(move || p.merge(q));
    assert!(message.contains("different semaphores"), "{message}");
    assert_eq!(file, file!());
    let (a, b) = (Arc::new(Semaphore::new(1)), Arc::new(Semaphore::new(1)));
    let (mut p, q) = (
        a.try_acquire_owned().unwrap(),
        b.try_acquire_owned().unwrap(),
    );
    let (message, file) = support::panic_site(move || p.merge(q));
    assert!(message.contains("different semaphores"), "{message}");
    assert_eq!(file, file!());
}

#[test]
#[should_panic(expected = "permits")]
fn too_many_permits_panics() {
    let _ = Semaphore::new(Semaphore::MAX_PERMITS + 1);
}

#[test]
#[should_panic(expected = "permits")]
fn add_permits_overflow_panics() {
    let s = Semaphore::new(Semaphore::MAX_PERMITS);
    s.add_permits(1);
}

#[test]
fn owned_permits_outlive_the_borrow() {
    let s = Arc::new(Semaphore::new(2));
    let a = s.clone().try_acquire_owned().unwrap();
    let mut b = s.clone().try_acquire_many_owned(1).unwrap();
    assert!(Arc::ptr_eq(a.semaphore(), &s));
    assert!(s.clone().try_acquire_owned().is_err());
    let moved = std::thread::spawn(move || drop(a));
    moved.join().unwrap();
    assert_eq!(s.available_permits(), 1);
    let c = b.split(1).unwrap();
    assert_eq!(b.num_permits(), 0);
    drop(c);
    assert_eq!(s.available_permits(), 2);
}

#[test]
fn const_new_in_a_static() {
    static S: Semaphore = Semaphore::const_new(2);
    let p = S.try_acquire_many(2).unwrap();
    assert_eq!(S.available_permits(), 0);
    drop(p);
    assert_eq!(S.available_permits(), 2);
}

#[test]
fn blocking_acquire_waits_for_a_release_from_another_thread() {
    let sem = Arc::new(Semaphore::new(1));
    let held = sem.clone().try_acquire_owned().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = {
        let sem = sem.clone();
        std::thread::spawn(move || {
            tx.send(()).unwrap();
            let permit = sem.blocking_acquire().unwrap();
            assert_eq!(permit.num_permits(), 1);
            let many = sem.blocking_acquire_many(0).unwrap();
            assert_eq!(many.num_permits(), 0);
        })
    };
    rx.recv().unwrap();
    drop(held);
    thread.join().unwrap();
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn blocking_acquire_variants_take_their_permits() {
    let sem = Arc::new(Semaphore::new(5));
    let a = sem.blocking_acquire().unwrap();
    let b = sem.blocking_acquire_many(2).unwrap();
    assert_eq!(sem.available_permits(), 2);
    let c = sem.clone().blocking_acquire_owned().unwrap();
    let d = sem.clone().blocking_acquire_many_owned(1).unwrap();
    assert_eq!((c.num_permits(), d.num_permits()), (1, 1));
    assert_eq!(sem.available_permits(), 0);
    drop((a, b, c, d));
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn blocking_acquire_on_a_closed_semaphore_errs() {
    let sem = Arc::new(Semaphore::new(0));
    let waiter = {
        let sem = sem.clone();
        std::thread::spawn(move || sem.clone().blocking_acquire_many_owned(3).map(|_| ()))
    };
    // Closing wakes the blocked thread (or it finds it closed).
    sem.close();
    assert!(waiter.join().unwrap().is_err());
}

rt_test! {
    #[should_panic(expected = "Cannot block the current thread from within a runtime")]
    fn blocking_acquire_inside_the_runtime_panics(rt: &Runtime) {
        rt.block_on(async {
            let sem = Semaphore::new(1);
            let _ = sem.blocking_acquire();
        });
    }

    fn at_most_n_tasks_hold_permits(rt: &Runtime) {
        rt.block_on(async {
            let s = Arc::new(Semaphore::new(3));
            let inside = Arc::new(AtomicUsize::new(0));
            let max = Arc::new(AtomicUsize::new(0));
            let mut tasks = Vec::new();
            for i in 0..50 {
                let (s, inside, max) = (s.clone(), inside.clone(), max.clone());
                tasks.push(weft::spawn(async move {
                    let permit = if i % 2 == 0 {
                        s.acquire().await.unwrap()
                    } else {
                        s.acquire_many(1).await.unwrap()
                    };
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    max.fetch_max(now, SeqCst);
                    weft::task::yield_now().await;
                    inside.fetch_sub(1, SeqCst);
                    drop(permit);
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            assert!(max.load(SeqCst) <= 3, "max {}", max.load(SeqCst));
            assert_eq!(s.available_permits(), 3);
        });
    }

    fn owned_acquire_across_tasks_and_close(rt: &Runtime) {
        rt.block_on(async {
            let s = Arc::new(Semaphore::new(0));
            let waiters: Vec<_> = (0..8)
                .map(|_| weft::spawn(s.clone().acquire_many_owned(2)))
                .collect();
            weft::task::yield_now().await;
            s.add_permits(4);
            s.close();
            let mut ok = 0;
            let mut held = Vec::new();
            for w in waiters {
                match w.await.unwrap() {
                    Ok(p) => {
                        ok += 1;
                        held.push(p);
                    }
                    Err(e) => assert_eq!(e.to_string(), "semaphore closed"),
                }
            }
            assert!(ok <= 2);
            drop(held);
            assert_eq!(s.available_permits(), 4, "every permit is accounted for");
        });
    }
}
