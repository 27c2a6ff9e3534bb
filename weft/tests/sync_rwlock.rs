//! `weft::sync::RwLock`: many readers or one writer, writer preference
//! (a waiting writer blocks new readers), FIFO fairness, cancellation,
//! `max_readers`, mapped/owned guards, `downgrade`, every flavor.

mod support;
mod sync_support;

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use support::rt_test;
use sync_support::{assert_pending, assert_ready, Counter};
use weft::sync::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};

#[test]
fn readers_share_writers_exclude() {
    let lock = RwLock::new(1);
    let r1 = lock.try_read().unwrap();
    let r2 = lock.try_read().unwrap();
    assert!(lock.try_write().is_err());
    drop((r1, r2));
    let mut w = lock.try_write().unwrap();
    assert!(lock.try_read().is_err());
    *w = 2;
    drop(w);
    assert_eq!(*lock.try_read().unwrap(), 2);
    assert_eq!(lock.into_inner(), 2);
}

#[test]
fn a_waiting_writer_blocks_new_readers() {
    let lock = RwLock::new(0);
    let (cw, cr) = (Counter::new(), Counter::new());
    let reader = lock.try_read().unwrap();
    let mut writer = pin!(lock.write());
    assert_pending(&cw, writer.as_mut());
    assert!(lock.try_read().is_err(), "write-preferring: no new reader");
    let mut late_reader = pin!(lock.read());
    assert_pending(&cr, late_reader.as_mut());
    drop(reader);
    assert_eq!((cw.wakes(), cr.wakes()), (1, 0), "the writer goes first");
    let mut w = assert_ready(&cw, writer.as_mut());
    *w = 5;
    drop(w);
    assert_eq!(cr.wakes(), 1);
    assert_eq!(*assert_ready(&cr, late_reader.as_mut()), 5);
}

#[test]
fn readers_queued_behind_a_writer_enter_together() {
    let lock = RwLock::new(());
    let w = lock.try_write().unwrap();
    let cs: Vec<Counter> = (0..3).map(|_| Counter::new()).collect();
    let mut readers: Vec<_> = (0..3).map(|_| Box::pin(lock.read())).collect();
    for (r, c) in readers.iter_mut().zip(&cs) {
        assert_pending(c, r.as_mut());
    }
    drop(w);
    assert!(cs.iter().all(|c| c.wakes() == 1));
    let guards: Vec<_> = readers
        .iter_mut()
        .zip(&cs)
        .map(|(r, c)| assert_ready(c, r.as_mut()))
        .collect();
    assert_eq!(guards.len(), 3);
}

#[test]
fn a_cancelled_writer_lets_readers_in() {
    let lock = RwLock::new(0);
    let c = Counter::new();
    let reader = lock.try_read().unwrap();
    {
        let mut writer = pin!(lock.write());
        assert_pending(&c, writer.as_mut());
        assert!(lock.try_read().is_err());
    }
    assert!(lock.try_read().is_ok(), "the permits set aside came back");
    drop(reader);
    assert!(lock.try_write().is_ok(), "nothing lost");
}

#[test]
fn max_readers_limits_concurrent_readers() {
    let lock = RwLock::with_max_readers(0, 2);
    let a = lock.try_read().unwrap();
    let b = lock.try_read().unwrap();
    assert!(lock.try_read().is_err());
    drop(a);
    let c = lock.try_read().unwrap();
    drop((b, c));
    assert!(lock.try_write().is_ok());
}

#[test]
#[should_panic(expected = "a RwLock may not be created with 0 readers")]
fn zero_max_readers_panics() {
    let _ = RwLock::with_max_readers((), 0);
}

#[test]
#[should_panic(expected = "a RwLock may not be created with 0 readers")]
fn zero_max_readers_panics_in_the_const_constructor() {
    let _ = RwLock::const_with_max_readers((), 0);
}

#[test]
#[should_panic(expected = "a RwLock may not be created with more than 536870911 readers")]
fn too_many_max_readers_panics() {
    let _ = RwLock::with_max_readers((), u32::MAX);
}

#[test]
fn mapped_guards_and_downgrade() {
    let lock = RwLock::new((1, vec![2]));
    {
        let w = lock.try_write().unwrap();
        let mut v: RwLockMappedWriteGuard<'_, Vec<i32>> = RwLockWriteGuard::map(w, |p| &mut p.1);
        v.push(3);
        let mut first = RwLockMappedWriteGuard::map(v, |v| &mut v[0]);
        *first = 20;
        assert!(lock.try_read().is_err());
    }
    let r = lock.try_read().unwrap();
    let r = RwLockReadGuard::try_map(r, |_| Option::<&u8>::None).unwrap_err();
    let v = RwLockReadGuard::map(r, |p| &p.1);
    assert_eq!(*v, [20, 3]);
    drop(v);
    let w = lock.try_write().unwrap();
    let w = RwLockWriteGuard::try_map(w, |_| Option::<&mut u8>::None).unwrap_err();
    let r = RwLockWriteGuard::downgrade(w);
    let other = lock.try_read().expect("downgraded: readers may join");
    assert!(lock.try_write().is_err());
    drop((r, other));
    assert!(lock.try_write().is_ok());
    assert_eq!(format!("{lock:?}"), "RwLock { data: (1, [20, 3]) }");
}

#[test]
fn owned_guards() {
    let lock = Arc::new(RwLock::new(String::from("a")));
    let mut w = lock.clone().try_write_owned().unwrap();
    assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&w), &lock));
    w.push('b');
    let r = std::thread::spawn(move || OwnedRwLockWriteGuard::downgrade(w))
        .join()
        .unwrap();
    let len = OwnedRwLockReadGuard::map(r, |s| s.as_str());
    assert_eq!(&*len, "ab");
    assert!(lock.clone().try_read_owned().is_ok());
    assert!(lock.clone().try_write_owned().is_err());
    drop(len);
    let w = lock.clone().try_write_owned().unwrap();
    let mut bytes = OwnedRwLockWriteGuard::map(w, |s| s.as_mut_str());
    bytes.make_ascii_uppercase();
    let first = OwnedRwLockMappedWriteGuard::map(bytes, |s| &mut s[..1]);
    assert!(Arc::ptr_eq(
        OwnedRwLockMappedWriteGuard::rwlock(&first),
        &lock
    ));
    assert!(lock.try_read().is_err());
    drop(first);
    assert_eq!(*lock.try_read().unwrap(), "AB");
}

#[test]
fn blocking_read_and_write_across_threads() {
    let lock = Arc::new(RwLock::new(0));
    let writer = {
        let lock = lock.clone();
        std::thread::spawn(move || *lock.blocking_write() += 1)
    };
    writer.join().unwrap();
    assert_eq!(*lock.blocking_read(), 1);
}

#[test]
fn const_new_in_a_static() {
    static L: RwLock<u8> = RwLock::const_new(3);
    static M: RwLock<u8> = RwLock::const_with_max_readers(4, 1);
    assert_eq!(*L.try_read().unwrap(), 3);
    let m = M.try_read().unwrap();
    assert!(M.try_read().is_err());
    drop(m);
}

#[test]
fn downgrade_map_narrows_and_lets_readers_in_but_no_writer_between() {
    let lock = RwLock::new((1, String::from("a")));
    let c = Counter::new();
    let mut w = lock.try_write().unwrap();
    let mut reader = pin!(lock.read());
    assert_pending(&c, reader.as_mut());
    w.0 = 2;
    let r = RwLockWriteGuard::downgrade_map(w, |p| &p.1);
    assert_eq!(*r, "a");
    assert_eq!(c.wakes(), 1, "the waiting reader is let in");
    assert_eq!(assert_ready(&c, reader.as_mut()).0, 2);
    assert!(
        lock.try_write().is_err(),
        "the mapped read guard still holds the lock"
    );
    drop(r);
}

#[test]
fn try_downgrade_map_gives_the_write_guard_back_on_none() {
    let lock = RwLock::new(vec![1, 2, 3]);
    let w = lock.try_write().unwrap();
    let mut w = RwLockWriteGuard::try_downgrade_map(w, |v| v.get(10)).unwrap_err();
    w.push(4); // still writable
    assert!(lock.try_read().is_err(), "still exclusive");
    let last = RwLockWriteGuard::try_downgrade_map(w, |v| v.last()).unwrap();
    assert_eq!(*last, 4);
    assert!(lock.try_read().is_ok());
    drop(last);
    assert!(lock.try_write().is_ok());
}

#[test]
fn owned_downgrade_map_and_try_downgrade_map() {
    let lock = Arc::new(RwLock::new([5, 6]));
    let w = lock.clone().try_write_owned().unwrap();
    let w = OwnedRwLockWriteGuard::try_downgrade_map(w, |a| a.get(7)).unwrap_err();
    assert!(lock.try_read().is_err());
    let second: OwnedRwLockReadGuard<[i32; 2], i32> =
        OwnedRwLockWriteGuard::try_downgrade_map(w, |a| a.get(1)).unwrap();
    assert_eq!(*second, 6);
    assert!(lock.try_read().is_ok());
    assert!(lock.try_write().is_err());
    drop(second);
    let w = lock.clone().try_write_owned().unwrap();
    let first = OwnedRwLockWriteGuard::downgrade_map(w, |a| &a[0]);
    assert_eq!(*first, 5);
    assert!(lock.try_write().is_err());
    drop(first);
    assert!(lock.try_write().is_ok());
    assert_eq!(Arc::strong_count(&lock), 1);
}

#[test]
fn downgrade_map_with_a_panicking_closure_releases_the_lock() {
    let lock = RwLock::new(0);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let w = lock.try_write().unwrap();
        let _r = RwLockWriteGuard::downgrade_map(w, |_| -> &i32 { panic!("boom") });
    }));
    assert!(result.is_err());
    assert!(
        lock.try_write().is_ok(),
        "the write guard was dropped by the panic"
    );
}

rt_test! {
    fn readers_and_writers_on_every_flavor(rt: &Runtime) {
        rt.block_on(async {
            let lock = Arc::new(RwLock::new(0u64));
            let readers_in = Arc::new(AtomicUsize::new(0));
            let writer_in = Arc::new(AtomicUsize::new(0));
            let mut tasks = Vec::new();
            for i in 0..20 {
                let (lock, readers_in, writer_in) =
                    (lock.clone(), readers_in.clone(), writer_in.clone());
                tasks.push(weft::spawn(async move {
                    for _ in 0..50 {
                        if i % 4 == 0 {
                            let mut w = lock.write().await;
                            assert_eq!(writer_in.fetch_add(1, SeqCst), 0, "two writers");
                            assert_eq!(readers_in.load(SeqCst), 0, "a reader with a writer");
                            weft::task::yield_now().await;
                            *w += 1;
                            writer_in.fetch_sub(1, SeqCst);
                        } else {
                            let r = lock.clone().read_owned().await;
                            readers_in.fetch_add(1, SeqCst);
                            assert_eq!(writer_in.load(SeqCst), 0, "a writer with a reader");
                            let _ = *r;
                            weft::task::yield_now().await;
                            readers_in.fetch_sub(1, SeqCst);
                        }
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(*lock.read().await, 5 * 50);
        });
    }
}
