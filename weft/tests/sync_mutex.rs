//! `weft::sync::Mutex`: FIFO handoff, cancellation that never loses the
//! lock, guards (mapped, owned), blocking use, and contention on every
//! runtime flavor.

mod support;
mod sync_support;

use std::pin::pin;
use std::sync::Arc;
use support::rt_test;
use sync_support::{assert_pending, assert_ready, Counter};
use weft::sync::{MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard};

#[test]
fn try_lock_and_unlock() {
    let m = Mutex::new(5);
    let g = m.try_lock().unwrap();
    let err = m.try_lock().unwrap_err();
    assert_eq!(err.to_string(), "operation would block");
    assert_eq!(*g, 5);
    drop(g);
    *m.try_lock().unwrap() += 1;
    assert_eq!(m.into_inner(), 6);
}

#[test]
fn waiters_get_the_lock_in_fifo_order() {
    let m = Mutex::new(Vec::new());
    let counters: Vec<Counter> = (0..3).map(|_| Counter::new()).collect();
    let held = m.try_lock().unwrap();
    let mut a = pin!(m.lock());
    let mut b = pin!(m.lock());
    let mut c = pin!(m.lock());
    assert_pending(&counters[0], a.as_mut());
    assert_pending(&counters[1], b.as_mut());
    assert_pending(&counters[2], c.as_mut());
    drop(held);
    assert_eq!(
        counters.iter().map(Counter::wakes).collect::<Vec<_>>(),
        [1, 0, 0]
    );
    assert!(m.try_lock().is_err(), "handed to the head, not free");
    // Polled out of order: `c` still waits for its turn.
    assert_pending(&counters[2], c.as_mut());
    let mut ga = assert_ready(&counters[0], a.as_mut());
    ga.push('a');
    drop(ga);
    assert_eq!(counters[1].wakes(), 1);
    assert_ready(&counters[1], b.as_mut()).push('b');
    assert_eq!(counters[2].wakes(), 1);
    assert_ready(&counters[2], c.as_mut()).push('c');
    assert_eq!(*m.try_lock().unwrap(), ['a', 'b', 'c']);
}

#[test]
fn a_cancelled_lock_never_loses_the_lock() {
    let m = Mutex::new(0);
    let (ca, cb) = (Counter::new(), Counter::new());
    let held = m.try_lock().unwrap();
    let mut b = pin!(m.lock());
    {
        let mut a = pin!(m.lock());
        assert_pending(&ca, a.as_mut());
        assert_pending(&cb, b.as_mut());
        drop(held);
        assert_eq!(ca.wakes(), 1);
        // `a` is dropped while the lock is its.
    }
    assert_eq!(cb.wakes(), 1, "passed on to the next waiter");
    drop(assert_ready(&cb, b.as_mut()));
    assert!(m.try_lock().is_ok(), "and free after it");
}

#[test]
fn map_try_map_and_get_mut() {
    let mut m = Mutex::new((1, vec!['x']));
    m.get_mut().0 = 2;
    {
        let g = m.try_lock().unwrap();
        assert!(std::ptr::eq(MutexGuard::mutex(&g), &m));
        let mut chars: MappedMutexGuard<'_, Vec<char>> = MutexGuard::map(g, |v| &mut v.1);
        chars.push('y');
        assert!(m.try_lock().is_err(), "a mapped guard keeps the lock");
        let mut first = MappedMutexGuard::map(chars, |c| &mut c[0]);
        *first = 'z';
    }
    let g = m.try_lock().unwrap();
    let g = match MutexGuard::try_map(g, |_| Option::<&mut u8>::None) {
        Ok(_) => panic!("mapped to None"),
        Err(g) => g,
    };
    assert_eq!(*g, (2, vec!['z', 'y']));
    let first = MutexGuard::try_map(g, |v| Some(&mut v.0)).unwrap();
    assert_eq!(*first, 2);
    drop(first);
    assert!(m.try_lock().is_ok());
    assert_eq!(format!("{:?}", m), "Mutex { data: (2, ['z', 'y']) }");
}

#[test]
fn debug_of_a_locked_mutex() {
    let m = Mutex::new(1);
    let _g = m.try_lock().unwrap();
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
}

#[test]
fn owned_guards_move_between_threads() {
    let m = Arc::new(Mutex::new(0));
    let g: OwnedMutexGuard<i32> = m.clone().try_lock_owned().unwrap();
    assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&g), &m));
    assert!(m.clone().try_lock_owned().is_err());
    std::thread::spawn(move || {
        let mut g = g;
        *g = 7;
    })
    .join()
    .unwrap();
    assert_eq!(*m.try_lock().unwrap(), 7);
}

#[test]
fn owned_mapped_guards() {
    let m = Arc::new(Mutex::new((1, vec![2])));
    let g = m.clone().try_lock_owned().unwrap();
    let g = OwnedMutexGuard::try_map(g, |_| Option::<&mut u8>::None).unwrap_err();
    let mut v: OwnedMappedMutexGuard<_, Vec<i32>> = OwnedMutexGuard::map(g, |p| &mut p.1);
    v.push(3);
    assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&v), &m));
    let mut first = std::thread::spawn(move || OwnedMappedMutexGuard::map(v, |v| &mut v[0]))
        .join()
        .unwrap();
    *first = 20;
    assert!(m.try_lock().is_err());
    drop(first);
    assert_eq!(*m.try_lock().unwrap(), (1, vec![20, 3]));
    let one = OwnedMutexGuard::try_map(m.clone().try_lock_owned().unwrap(), |p| Some(&mut p.0));
    assert_eq!(*one.unwrap(), 1);
}

#[test]
fn blocking_lock_waits_for_another_thread() {
    let m = Arc::new(Mutex::new(0));
    let g = m.clone().blocking_lock_owned();
    let t = {
        let m = m.clone();
        std::thread::spawn(move || {
            *m.blocking_lock() += 1;
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(*g, 0, "the other thread is still waiting");
    drop(g);
    t.join().unwrap();
    assert_eq!(*m.blocking_lock(), 1);
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_lock_inside_a_runtime_panics() {
    let rt = support::current_thread_rt();
    let m = Mutex::new(());
    rt.block_on(async {
        let _ = m.blocking_lock();
    });
}

#[test]
fn const_new_in_a_static() {
    static M: Mutex<Vec<u8>> = Mutex::const_new(Vec::new());
    M.try_lock().unwrap().push(1);
    assert_eq!(*M.try_lock().unwrap(), [1]);
}

rt_test! {
    fn contended_counter(rt: &Runtime) {
        rt.block_on(async {
            let m = Arc::new(Mutex::new(0u64));
            let tasks: Vec<_> = (0..20)
                .map(|i| {
                    let m = m.clone();
                    weft::spawn(async move {
                        for _ in 0..200 {
                            if i % 2 == 0 {
                                let mut g = m.lock().await;
                                let v = *g;
                                weft::task::yield_now().await; // held across .await
                                *g = v + 1;
                            } else {
                                *m.clone().lock_owned().await += 1;
                            }
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(*m.lock().await, 4000);
        });
    }

    fn aborted_lockers_do_not_wedge_the_mutex(rt: &Runtime) {
        rt.block_on(async {
            let m = Arc::new(Mutex::new(0));
            let g = m.clone().lock_owned().await;
            let waiters: Vec<_> = (0..10)
                .map(|_| {
                    let m = m.clone();
                    weft::spawn(async move { *m.lock().await += 1 })
                })
                .collect();
            for _ in 0..3 {
                weft::task::yield_now().await;
            }
            for w in waiters.iter().step_by(2) {
                w.abort();
            }
            drop(g);
            let mut done = 0;
            for w in waiters {
                if w.await.is_ok() {
                    done += 1;
                }
            }
            assert_eq!(*m.lock().await, done);
            assert!(m.try_lock().is_ok());
        });
    }
}
