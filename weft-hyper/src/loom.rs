//! The sync shim of this crate (as weft's own `loom.rs`): the atomics,
//! `Arc` and `Mutex` of the connection tracker and the server loop come
//! from here, so that `RUSTFLAGS="--cfg weft_loom"` swaps in loom's
//! model-checked versions for the tracker's models (`scripts/loom.sh`).

#[cfg(not(weft_loom))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex, MutexGuard,
};

#[cfg(weft_loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex, MutexGuard,
};
