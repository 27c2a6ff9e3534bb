//! Smaller parts of `weft::sync` that tokio has: `Display` on every guard,
//! `try_map` and `into_mapped` on the mapped and owned guards, cells made
//! initialised in a `const`, `SetOnce`'s value traits, a permit's
//! semaphore, channel handle counts and identity, `watch::Sender::new`,
//! `watch::Receiver::is_closed`, and `time::error::Error`.

mod support;

use std::sync::Arc;
use support::rt_test;
use weft::sync::{
    broadcast, mpsc, watch, MappedMutexGuard, Mutex, MutexGuard, OnceCell, OwnedMappedMutexGuard,
    OwnedMutexGuard, OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard,
    RwLock, RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard, Semaphore, SetOnce,
};

#[test]
fn every_guard_displays_its_value() {
    let m = Arc::new(Mutex::new(String::from("m")));
    assert_eq!(m.try_lock().unwrap().to_string(), "m");
    assert_eq!(
        MutexGuard::map(m.try_lock().unwrap(), |s| s).to_string(),
        "m"
    );
    assert_eq!(m.clone().try_lock_owned().unwrap().to_string(), "m");
    let owned = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |s| s);
    assert_eq!(owned.to_string(), "m");
    drop(owned);

    let l = Arc::new(RwLock::new(7));
    assert_eq!(format!("{}", l.try_read().unwrap()), "7");
    assert_eq!(format!("{}", l.try_write().unwrap()), "7");
    assert_eq!(
        format!("{}", RwLockWriteGuard::map(l.try_write().unwrap(), |v| v)),
        "7"
    );
    assert_eq!(format!("{}", l.clone().try_read_owned().unwrap()), "7");
    assert_eq!(format!("{}", l.clone().try_write_owned().unwrap()), "7");
    let mapped = OwnedRwLockWriteGuard::map(l.clone().try_write_owned().unwrap(), |v| v);
    assert_eq!(format!("{mapped}"), "7");
}

#[test]
fn mutex_mapped_guards_try_map() {
    let m = Arc::new(Mutex::new((1, None::<u8>)));
    let g = MutexGuard::map(m.try_lock().unwrap(), |p| p);
    let g = MappedMutexGuard::try_map(g, |p| p.1.as_mut()).unwrap_err();
    assert!(m.try_lock().is_err(), "the guard came back, still locked");
    let mut first = MappedMutexGuard::try_map(g, |p| Some(&mut p.0)).unwrap();
    *first = 2;
    drop(first);
    assert_eq!(
        m.try_lock().unwrap().0,
        2,
        "unlocked after the mapped guard"
    );

    let g = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |p| p);
    let g = OwnedMappedMutexGuard::try_map(g, |p| p.1.as_mut()).unwrap_err();
    let mut first = OwnedMappedMutexGuard::try_map(g, |p| Some(&mut p.0)).unwrap();
    *first = 3;
    assert!(m.try_lock().is_err());
    drop(first);
    assert_eq!(m.try_lock().unwrap().0, 3);
    assert_eq!(Arc::strong_count(&m), 1, "no Arc leaked");
}

#[test]
fn a_panicking_try_map_unlocks() {
    let m = Mutex::new(1);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let g = MutexGuard::map(m.try_lock().unwrap(), |v| v);
        let _ = MappedMutexGuard::try_map(g, |_| -> Option<&mut i32> { panic!("boom") });
    }));
    assert!(result.is_err());
    assert!(
        m.try_lock().is_ok(),
        "the mapped guard unlocked during the panic"
    );
    let l = Arc::new(RwLock::new(1));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let g = l.clone().try_read_owned().unwrap();
        let _ = OwnedRwLockReadGuard::try_map(g, |_| -> Option<&i32> { panic!("boom") });
    }));
    assert!(result.is_err());
    assert!(
        l.try_write().is_ok(),
        "the owned read guard released during the panic"
    );
}

#[test]
fn rwlock_guards_try_map_and_into_mapped() {
    let l = Arc::new(RwLock::new(vec![1, 2, 3]));
    // Borrowed write guard -> mapped -> try_map.
    let all: RwLockMappedWriteGuard<'_, Vec<i32>> =
        RwLockWriteGuard::into_mapped(l.try_write().unwrap());
    let all = RwLockMappedWriteGuard::try_map(all, |v| v.get_mut(10)).unwrap_err();
    assert!(l.try_read().is_err(), "still write-locked");
    let mut last = RwLockMappedWriteGuard::try_map(all, |v| v.last_mut()).unwrap();
    *last = 30;
    drop(last);
    assert_eq!(*l.try_read().unwrap(), [1, 2, 30]);

    // Owned write guard: try_map, into_mapped, mapped try_map.
    let w = l.clone().try_write_owned().unwrap();
    let w = OwnedRwLockWriteGuard::try_map(w, |v| v.get_mut(10)).unwrap_err();
    let mut first = OwnedRwLockWriteGuard::try_map(w, |v| v.first_mut()).unwrap();
    *first = 10;
    drop(first);
    let mapped: OwnedRwLockMappedWriteGuard<Vec<i32>> =
        OwnedRwLockWriteGuard::into_mapped(l.clone().try_write_owned().unwrap());
    let mapped = OwnedRwLockMappedWriteGuard::try_map(mapped, |v| v.get_mut(10)).unwrap_err();
    let mut second = OwnedRwLockMappedWriteGuard::try_map(mapped, |v| v.get_mut(1)).unwrap();
    *second = 20;
    assert!(l.try_read().is_err());
    drop(second);
    assert_eq!(*l.try_read().unwrap(), [10, 20, 30]);

    // Owned read guard try_map: other readers share, a writer waits.
    let r = l.clone().try_read_owned().unwrap();
    let r = OwnedRwLockReadGuard::try_map(r, |v| v.get(10)).unwrap_err();
    let third = OwnedRwLockReadGuard::try_map(r, |v| v.get(2)).unwrap();
    assert_eq!(*third, 30);
    assert!(l.try_read().is_ok());
    assert!(l.try_write().is_err());
    drop(third);
    assert!(l.try_write().is_ok());
    let _ = RwLockReadGuard::try_map(l.try_read().unwrap(), |v| v.first()).unwrap();
    assert_eq!(Arc::strong_count(&l), 1, "no Arc leaked");
}

#[test]
fn cells_initialised_in_a_const() {
    static CELL: OnceCell<u32> = OnceCell::const_new_with(5);
    static SET: SetOnce<&str> = SetOnce::const_new_with("set");
    assert!(CELL.initialized());
    assert_eq!(CELL.get(), Some(&5));
    assert!(matches!(
        CELL.set(6),
        Err(weft::sync::SetError::AlreadyInitializedError(6))
    ));
    assert!(SET.initialized());
    assert_eq!(SET.get(), Some(&"set"));
    assert_eq!(SET.set("again").unwrap_err().0, "again");
    // An initialised cell's initialiser never runs, and waiting returns.
    let rt = support::current_thread_rt();
    rt.block_on(async {
        assert_eq!(*CELL.get_or_init(|| async { unreachable!() }).await, 5);
        assert_eq!(*SET.wait().await, "set");
    });
}

#[test]
fn set_once_value_traits() {
    let a: SetOnce<u8> = SetOnce::from(1);
    let b = a.clone();
    assert_eq!(b.get(), Some(&1));
    assert_eq!(a, b);
    let empty = SetOnce::<u8>::new();
    assert_ne!(a, empty);
    assert_eq!(empty.clone(), SetOnce::new(), "two empty cells are equal");
    assert!(empty.clone().get().is_none());
}

#[test]
fn permit_knows_its_semaphore() {
    let s = Semaphore::new(3);
    let p = s.try_acquire_many(2).unwrap();
    assert!(std::ptr::eq(p.semaphore(), &s));
    assert_eq!(p.semaphore().available_permits(), 1);
}

#[test]
fn broadcast_receiver_sees_sender_counts() {
    let (tx, rx) = broadcast::channel::<u8>(2);
    let tx2 = tx.clone();
    let weak = tx.downgrade();
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (2, 1));
    drop(tx2);
    drop(weak);
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (1, 0));
    drop(tx);
    assert_eq!(rx.sender_strong_count(), 0);
}

#[test]
fn watch_sender_new_default_and_receiver_is_closed() {
    let tx = watch::Sender::new(1);
    assert_eq!(tx.receiver_count(), 0);
    assert!(tx.send(2).is_err(), "no receiver");
    assert_eq!(tx.send_replace(3), 1);
    let mut rx = tx.subscribe();
    assert_eq!(*rx.borrow_and_update(), 3);
    tx.send(4).unwrap();
    assert!(rx.has_changed().unwrap());
    assert!(!rx.is_closed());
    drop(tx);
    assert!(rx.is_closed());
    assert!(rx.has_changed().is_err());

    let d: watch::Sender<String> = Default::default();
    assert_eq!(*d.borrow(), "");
}

rt_test! {
    fn owned_permits_compare_channels(rt: &Runtime) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<u8>(4);
            let (other, _other_rx) = mpsc::channel::<u8>(1);
            let a = tx.clone().reserve_owned().await.unwrap();
            let b = tx.clone().reserve_owned().await.unwrap();
            let c = other.clone().reserve_owned().await.unwrap();
            assert!(a.same_channel(&b));
            assert!(!a.same_channel(&c));
            assert!(a.same_channel_as_sender(&tx));
            assert!(!c.same_channel_as_sender(&tx));
            a.send(1);
            b.send(2);
            assert_eq!((rx.recv().await, rx.recv().await), (Some(1), Some(2)));

            // A permit iterator stays done once exhausted.
            let mut permits = tx.try_reserve_many(2).unwrap();
            assert!(permits.next().is_some());
            assert!(permits.next().is_some());
            assert!(permits.next().is_none());
            assert!(permits.next().is_none());
            fn fused<I: std::iter::FusedIterator>(_: &I) {}
            fused(&permits);
        });
    }
}

#[test]
fn time_error_kinds() {
    use weft::time::error::Error;
    let (s, c, i) = (Error::shutdown(), Error::at_capacity(), Error::invalid());
    assert!(s.is_shutdown() && !s.is_at_capacity() && !s.is_invalid());
    assert!(c.is_at_capacity() && !c.is_shutdown());
    assert!(i.is_invalid() && !i.is_at_capacity());
    assert_eq!(
        c.to_string(),
        "timer is at capacity and cannot create a new entry"
    );
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(s);
    assert!(boxed.to_string().contains("shutdown"));
}
