//! The io_uring engine that `weft::fs` runs on (Linux, feature `fs`).
//!
//! # Design note
//!
//! **Ring ownership.** A runtime built with the io_uring backend has one
//! ring per worker of the multi-thread scheduler, and one for the
//! current-thread scheduler, plus one that no scheduler thread owns
//! ([`Rings`], held by the driver handle). An operation goes to the ring
//! of the worker it is created on ([`current_ring`]); a thread that is no
//! scheduler thread of the runtime (a `block_on` caller, the blocking
//! pool) uses the last ring, the one nobody owns ([`Rings::others`]).
//! Such a thread submits at once (rule 7), and an enter takes the whole
//! queue (rule 8): on a worker's ring it would also submit the entries
//! the worker had batched, and the kernel runs an operation's completion
//! through the task work of the thread that submitted it, for as long as
//! the operation lives (a multishot receive: the whole connection). Each
//! such completion then waited for that thread, and interrupted its
//! sleep: with `block_on`'s thread connecting 100 clients while the
//! worker started their servers' receives, `tcp_echo_100conn` on one
//! worker ran at 164,000 messages/s, 191,000 with a ring of its own
//! (`weft-bench profile`, 2 s each). A thread still submits a ring it does
//! not own when it pushes there itself: a cancel or a close of an
//! operation dropped away from its ring's owner, a repeat of rule 10, the
//! I/O driver's reap of a ring whose owner is away (rule 9), each rare
//! and brief next to the operations a thread starts. Every ring sits
//! behind its own mutex: the owner pushes and submits under it, and any
//! other thread that must touch the ring (a task that moved to another
//! worker, the thread that reaps it) takes it too. The mutex is not hot:
//! the owner is almost always the only one to take it, once per push and
//! once per completion taken; another thread takes it only for a task that
//! migrated mid-operation, or to reap a ring whose owner sleeps. An
//! uncontended lock is one atomic RMW each way, next to an
//! `io_uring_enter` amortized over a batch. Lock order: the I/O driver
//! (held by the thread that turns it) before a ring's mutex, a ring's
//! mutex before an orphan's data (rule 4); nothing else is taken under a
//! ring's mutex, and no waker or drop of a caller's value runs under it.
//!
//! **Waiting for completions while workers sleep.** Only one worker sleeps
//! in the I/O driver (`epoll_wait`); the others sleep on condvars
//! (`scheduler/multi_thread/worker_parker.rs`). So each ring's descriptor
//! is registered in the I/O driver's epoll (an io_uring fd polls readable
//! while its completion queue holds entries), with a token of its own
//! (`runtime/io/mod.rs`). Whichever thread turns the driver reaps the ring
//! whose fd fired and wakes the futures waiting on it; the woken tasks
//! land on that thread's worker, as for socket events. A runtime with
//! rings always has the I/O driver (even without `enable_io`; sockets
//! still need `enable_io`).
//!
//! The ring's descriptor is **in epoll only while it is needed**, as a
//! one-shot (`EPOLLONESHOT`), level-triggered entry: a completion posted
//! while the ring's owner is running tasks must not wake the thread asleep
//! in `epoll_wait` (the owner reaps it itself at its next driver check, or
//! when it runs out of tasks), and a wake-up costs the submitting thread
//! more than the operation. Even a disarmed entry costs: it stays on the
//! ring's wait queue, and the kernel takes two interrupt-disabling locks
//! to skip it at every completion. The rules, under the ring's mutex
//! (`armed` records whether the entry is there):
//!
//! * the owner adds the entry when it stops running tasks (out of tasks,
//!   or before it sleeps) with operations still in flight, after its
//!   flush reaped what completed inline;
//! * a thread that submits to a ring it does not own adds it after its
//!   submission (the owner may be asleep);
//! * the event disarms the entry; the driver thread that takes it removes
//!   it, reaps, and adds it again if operations are still in flight.
//!
//! Adding (`EPOLL_CTL_ADD`) checks readiness at once: completions posted
//! before it report too, so none is missed between a reap and a sleep.
//! Measured on a 4 KiB `fs::read` in a loop (`weft-bench profile
//! fs_read_4k`, idle 2-core machine, medians): 3.7 µs with the entry armed
//! for good (the kernel's wake-up of the epoll sleeper inside the owner's
//! `io_uring_enter` was the largest single cost in a `perf` profile, and
//! the sleeper then contended the ring's lock), 2.0 µs with a one-shot
//! entry left disarmed in epoll, 1.9 µs with it removed, 1.8 µs with the
//! only-ready-task rule of rule 7 too (`std::fs::read`: 1.25 µs). The
//! other designs: an edge-triggered entry armed for good (the wake-up per
//! completion above); an eventfd per ring
//! (`IORING_REGISTER_EVENTFD`), which signals every completion just the
//! same; the other direction (epoll's fd polled through a ring) would
//! make the driver's sleep an `io_uring_enter`, and still need a wake-up
//! path for the rings of other workers. The owner also reaps its own ring
//! after each sleep and before it parks. Rings are set up without
//! `IORING_SETUP_COOP_TASKRUN`: completions that need task work are then
//! posted even while the submitting thread sleeps on a condvar.
//!
//! **Completion hand-off.** Each SQE has a slot in its ring's table
//! ([`Slot`](ring::Slot)); its `user_data` is the slot's index and
//! generation. The rules (all under the ring's mutex):
//!
//! 1. A future pushes its SQEs once, on its first poll with room (rule 6);
//!    each gets a fresh slot in state `Waiting(waker)`.
//! 2. While the slot is not `Done`, the future owns the operation's data
//!    (buffers, paths, descriptors, the `statx` buffer); the SQEs point
//!    only into heap memory that data owns, so moving the future or the
//!    data moves no byte the kernel sees.
//! 3. The thread that reaps a completion moves the slot `Waiting → Done`
//!    and wakes the waker it held (after releasing the lock). A poll on
//!    any thread that finds the slot still `Waiting` stores its own waker
//!    there, so a task that moved to another worker is woken where it is.
//! 4. A future dropped while a slot is `Waiting` moves its data into the
//!    slot (`Orphan`, shared by every slot of a chain) and asks the kernel
//!    to cancel (`IORING_OP_ASYNC_CANCEL`, best effort), unless it was
//!    made with `run_to_completion` (writes, `fsync`, path changes: what a
//!    caller expects to happen once started). When the orphan's
//!    completion comes, the data's `discard` releases what the result
//!    holds (a descriptor that the kernel opened is closed), the slot is
//!    freed, and the data is dropped once every slot of its chain has
//!    completed, after the lock is released.
//! 5. A slot is freed only after its completion is taken, and its
//!    `user_data` carries a generation that changes each time the slot is
//!    reused, so a `user_data` names one operation only: a cancel request
//!    that reaches the kernel late finds nothing to cancel rather than the
//!    slot's next operation.
//! 6. At most `cq_entries` SQEs are in flight per ring, so the completion
//!    queue never overflows. A push that finds the submission queue full
//!    submits first; if there is still no room (or too much in flight)
//!    the future registers its waker and waits; every reap that takes
//!    completions wakes those waiters. No operation is lost.
//! 7. **Batching.** SQEs pushed on the owning worker are not submitted at
//!    once: the scheduler flushes its ring (one `io_uring_enter` for all
//!    of them) before it sleeps and at each driver check, the points where
//!    it already does maintenance. So the operations that the tasks of
//!    one run between two driver checks start cost one system call. A
//!    push from a thread that does not own the ring is submitted at once
//!    (no flush would come for it), and what completed inline is reaped
//!    in the same poll. So is a push by the owner's only ready task (no
//!    task queued on the worker nor in the inject queue, [`Submitter`]):
//!    nothing would join its batch before the flush, and taking an inline
//!    completion in the same poll spares the task a wake-up and a second
//!    poll (a 4 KiB `fs::read` in a loop: 1.9 µs before, 1.8 µs after). A worker that runs out of tasks flushes before it
//!    searches or parks, and runs at once what completed inline (reads
//!    from the page cache do), with no trip through the idle protocol.
//! 8. **Whole chains.** Threads enter the kernel for one ring without its
//!    mutex (rule 7's submissions, the owner's sleep), while others push.
//!    The kernel submits `min(to_submit, tail - head)` entries from the
//!    head it finds, so two things keep a linked chain whole: a chain's
//!    entries are pushed in one call, which publishes the queue's tail
//!    once, after all of them; and every enter that submits asks for more
//!    than the queue holds (`sys::io_uring_submit_all`), never a count
//!    read earlier, which another thread's enter can make stale so that
//!    it takes the first entries of a chain pushed since. A chain cut in
//!    two runs its reads before its open (`EBADF`: a CI run saw it on a
//!    ring of four entries). An enter that submits then cannot also wait
//!    (the kernel waits only after submitting exactly the count asked
//!    for), so a sleep with entries still pushed enters twice: submit,
//!    then wait.
//! 9. **No entry is left behind.** Pushes made outside an operation's
//!    first poll follow rule 7 too: a dropped operation's cancel and the
//!    close of `read_file`'s direct descriptor are submitted at once by
//!    a thread that does not own the ring
//!    ([`RingShared::release_after_push`](ring::RingShared::release_after_push)),
//!    a `block_in_place` thread included (its core, and the ring, went to
//!    another thread), or, by a thread that runs a scheduler with a ring
//!    of its own, at that thread's next flush (`owed.rs`); and by the
//!    owner's flush before it searches or sleeps. Closes that a reap pushes once room came are submitted by
//!    the reaping thread if it is not the owner (the I/O driver's thread,
//!    another worker, a `block_on` thread), else before the owner sleeps;
//!    a last flush whose wake-ups dropped an operation's data (which may
//!    push a close) flushes again; an operation that finds no room first
//!    submits what is queued; a sleep whose submission the kernel refused
//!    sleeps at most 1 ms. An entry left in the queue while its owner
//!    sleeps would never complete, and the operations waiting for room
//!    behind it (rule 6), on every thread, would wait forever: a stress
//!    test of eight threads on a four-entry ring hung that way.
//! 10. **Cancels nobody asked for.** The kernel cancels what a thread
//!     submitted when that thread exits: its requests not yet run (waiting
//!     on io-wq, or armed for a poll) end with `ECANCELED`, at the exit or
//!     when they would have run. Since every enter
//!     takes the whole queue (rule 8), a short-lived thread (a
//!     `Handle::block_on` caller, a blocking-pool thread) submits other
//!     threads' entries too, so any operation can meet it. weft itself
//!     cancels only dropped operations (rule 4), whose results nobody
//!     sees, and multishot receives that move to their reader's ring
//!     (`stream.rs`), which are never pushed again;
//!     so an operation whose future is alive and whose first entry ends
//!     with `ECANCELED` was cancelled that way, before it ran (or the file
//!     itself answered so: a FUSE server may give any errno), and its
//!     future pushes it again from the thread that polls it, at most three
//!     times (`op.rs`; an `ECANCELED` that keeps coming is returned). A close is never pushed again: a FUSE
//!     server's `ECANCELED` to its flush comes after the descriptor was
//!     released, and its number may be another file's by then (a
//!     descriptor left open is the lesser harm); a path operation that
//!     took effect before such an answer returns `ENOENT` or `EEXIST` when
//!     repeated. A chain cancelled after its first entry ran is its
//!     caller's to finish (`read_file` reads on from the start; a send
//!     that went part way sends the rest), and a direct descriptor's close
//!     the kernel cancelled is pushed again (the slot is weft's, so no
//!     other file can be in it). An operation left to run to completion
//!     after its future was dropped (a write, `fsync`, a path change) goes
//!     again too, in its slot, when its data keeps open what it names
//!     ([`Operation::orphan_repeat`](op::Operation::orphan_repeat)). A
//!     dropped stream's send does not: the stream's descriptor number is
//!     closed by then (`stream.rs` says what that loses). Found by
//!     review; tests show a read and a dropped write that the exit of
//!     their submitter cancelled: the read returned `ECANCELED` to its
//!     caller before, and the write's bytes were lost.
//!
//! **Shutdown.** Dropping the runtime cancels its tasks, whose dropped
//! operations leave their data in the rings (rule 4). When the last
//! reference to a ring goes (the driver's, or that of an operation that
//! outlives the runtime), the ring cancels what is in flight, except the
//! operations that run to completion once started (writes, sends: bytes a
//! write took reach the kernel, as on epoll), and waits for the
//! completions, at most 10 s; what is still in flight then is leaked on
//! purpose (never freed while the kernel may write it). A runtime dropped
//! with sends still in flight waits for them up to 1 s, then hands their
//! ring to a `weft-uring-linger` thread that waits up to 60 s more, so the
//! bytes reach a peer that reads only later, as a closed socket's send
//! queue does on epoll, and a peer that does not read holds the drop for
//! at most that second. A process that exits meanwhile loses what was not
//! sent yet: `flush()` or `shutdown()` waits for the sends.
//!
//! **A wake-up for a sleeping owner is never lost.** An owner that sleeps
//! in its ring (sockets on io_uring: the driver's sleeper, polling epoll;
//! another worker, polling its unpark eventfd) is woken by a completion.
//! But any thread that submits to the ring reaps it too (rule 7: to take
//! its inline completions), and may take the very completion that was to
//! end the owner's sleep, just before the owner looks at the queue and
//! sleeps. So a reap notes it took one (`owner_wake_taken`), and the
//! release of the ring's lock by a thread that is not the owner hands it
//! on: to an owner falling asleep (`owner_sleeping`, set under the lock
//! after its last look) as a no-op submitted at once, whose completion
//! ends the sleep (a wait wakes on any completion posted after it starts,
//! and does not start while one is queued; a thread that takes the no-op
//! too nudges again); to an owner that is awake as a pending flag that its
//! next sleep sees under the lock before sleeping. (Found by reading the
//! protocol; `tests.rs` shows both hand-offs, and the wake-up lost
//! without them.)
//!
//! **`read_file`.** With direct descriptors (Linux 5.19: a sparse file
//! table registered per ring), the open and the first two reads are one
//! linked chain, one submission: open into a table slot (`IOSQE_IO_LINK`),
//! read up to 16 KiB from the slot at its position, then (hard-linked:
//! `IOSQE_IO_HARDLINK`, as a short read fails an ordinary link) read up
//! to 4 KiB more at the new position into the room after those 16 KiB;
//! its bytes are moved down after the first read's. Reads continue until
//! one returns nothing, as `std::fs::read` does: a short read proves
//! nothing about the end (files of /proc return a page at a time), and the
//! file's type and size would take a `statx`, which the kernel always
//! runs on its io-wq worker threads (a thread hop: measured 3.9 µs per
//! 4 KiB file with `statx` in the chain, 2.1 µs without). So a file
//! shorter than 16 KiB is read whole in one submission (the second read
//! finds its end); the slot is closed through the ring without waiting
//! (the owner's close rides its next flush, another thread's goes at
//! once: rule 9), and for a dropped future only
//! once every read of its chain has completed. Without direct descriptors: open,
//! `statx` and reads on the descriptor, close.
//!
//! **What differs from the system calls.** The kernel's `openat` through
//! io_uring first tries a non-blocking open, so a FIFO opens at once,
//! without waiting for a writer as `open(2)` does (reads then wait as
//! usual); `statx` always runs on the kernel's io-wq threads.
//!
//! **Measured** (the ignored test `measure_read_4k_ring_vs_blocking_pool`
//! in `tests.rs`, release build, 2 busy cores, median per operation of 20
//! rounds of 500): reading a 4 KiB file whole, `read_file` 2.0-2.1 µs on
//! both flavors against 3.3-3.7 µs for `spawn_blocking(std::fs::read)` and
//! 1.15 µs for `std::fs::read` on the calling thread; a 4 KiB positional
//! read of an open file 0.6 µs. Callers pick the ring per operation
//! ([`current_ring`]): a task that keeps one ring across awaits and moves
//! to another worker submits from off its owner, which measured about
//! 3 µs per read.
//!
//! **Using it.** [`current_ring`] gives the calling thread's ring, or
//! `None` when `fs` runs on the blocking pool (no runtime, a runtime built
//! with `FsBackend::BlockingPool`, or the probe said no): ask it for each
//! operation, not once per file. Each [`Ring`] method builds an [`Op`], a
//! future that resolves to the result with the owned resources given back
//! (`(io::Result<usize>, F, Vec<u8>)` for a read or write); errors are the
//! kernel's `errno` as `io::Error::from_raw_os_error`, with no path in the
//! message (the caller adds it where std does).
//!
//! Sources: the io_uring man pages (`io_uring_setup(2)`,
//! `io_uring_enter(2)`, `io_uring_register(2)`: probing, sparse file
//! tables, linked SQEs, `IORING_FEAT_NODROP`), Jens Axboe, "Efficient IO
//! with io_uring" (2019: the submission and completion rings, linked
//! requests, polling the ring fd), and the `io-uring` crate's docs.

#[cfg(feature = "net")]
mod accept;
mod buffers;
mod multishot;
mod op;
mod ops;
mod owed;
mod probe;
mod ring;
mod send_now;
mod stream;
mod waiters;
#[cfg(test)]
mod tests;

pub(crate) use op::Op;
pub(crate) use owed::submit_owed;
pub(crate) use ops::{Close, Fsync, Mkdir, OpenAt, Read, Rename, Statx, Unlink, Write};
pub(crate) use probe::{build_rings, RingConfig};
pub(crate) use ring::RingShared;
#[cfg(feature = "net")]
pub(crate) use accept::RingAccept;
pub(crate) use stream::RingStream;

use crate::loom::Arc;
use crate::runtime::context;
use ops::{OpenRead, ReadDirect, MAX_TRANSFER};
use std::ffi::CString;
use std::time::{Duration, Instant};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, OwnedFd};

/// A runtime's rings: one per worker (one for current-thread), then the
/// ring of every other thread.
pub(crate) struct Rings {
    /// Tells this runtime's rings from another's.
    pub(super) id: usize,
    pub(super) rings: Box<[Arc<RingShared>]>,
    /// `fs` runs on them ([`current_ring`]).
    pub(crate) files: bool,
    /// The stream sockets run on them ([`current_socket_ring`]).
    pub(crate) sockets: bool,
}

impl Rings {
    pub(crate) fn len(&self) -> usize {
        self.rings.len()
    }

    /// The index of the ring of the threads that are no scheduler thread
    /// of the runtime (the last; see "Ring ownership" in the module's
    /// note).
    pub(crate) fn others(&self) -> usize {
        self.rings.len() - 1
    }

    /// Whether ring `index` serves sockets and has operations in flight:
    /// its owner's spin before parking may catch a completion (the
    /// multi-thread worker's "Spinning for ring completions").
    pub(crate) fn awaits_sockets(&self, index: usize) -> bool {
        self.sockets && self.rings.get(index).is_some_and(|ring| ring.busy())
    }

    /// Whether ring `index` has completions to take, or waiting for its
    /// owner to enter the kernel ([`RingShared::has_news`]).
    pub(crate) fn has_news(&self, index: usize) -> bool {
        self.rings.get(index).is_some_and(|ring| ring.has_news())
    }

    /// What the rings have done so far, summed.
    pub(crate) fn counters(&self) -> crate::runtime::backends::RingCounters {
        self.rings.iter().map(|ring| ring.counters()).sum()
    }

    /// Registers ring `index` in the I/O driver's epoll instance `epoll`
    /// (a descriptor of its own, kept as long as the ring) under `token`.
    pub(crate) fn attach_to_epoll(
        &self,
        index: usize,
        epoll: Arc<OwnedFd>,
        token: u64,
    ) -> io::Result<()> {
        self.rings[index].attach_to_epoll(epoll, token)
    }

    /// Submits what ring `index` batched (rule 7) and reaps it; with
    /// `arm`, operations left in flight arm its epoll entry (the owner
    /// stops running tasks). Returns whether that woke a task.
    pub(crate) fn flush(&self, index: usize, arm: bool) -> bool {
        // Rings that serve sockets are armed only when their owner sleeps
        // elsewhere than in them (`arm`).
        let arm = arm && !self.waits_in_ring();
        // What this thread pushed to other threads' rings goes with its
        // own batch (`owed.rs`).
        submit_owed();
        self.rings.get(index).is_some_and(|ring| ring.flush(arm))
    }

    /// Whether the owner of ring `index`, when it sleeps in the I/O
    /// driver, waits in the ring rather than in epoll (the rings serve
    /// sockets: their receives are always in flight).
    pub(crate) fn waits_in_ring(&self) -> bool {
        self.sockets
    }

    /// The index of the ring the calling thread owns, if these rings
    /// serve sockets (so that thread sleeps in its ring).
    pub(crate) fn owned_by_current_thread(&self) -> Option<usize> {
        if !self.waits_in_ring() {
            return None;
        }
        context::with_scheduler(|cx| cx.and_then(|cx| cx.uring_position()))
            .filter(|&(id, _)| id == self.id)
            .map(|(_, index)| index)
    }

    /// The owner's sleep in ring `index` ([`RingShared::wait`]).
    pub(crate) fn wait(&self, index: usize, timeout: Option<std::time::Duration>) -> (bool, bool) {
        self.rings[index].wait(timeout, ring::WakeSource::Epoll)
    }

    /// A worker's sleep in its ring `index` while another thread holds the
    /// I/O driver: its completions or a write to its unpark eventfd `fd`
    /// end it. Returns whether the reap woke a task.
    pub(crate) fn wait_for_unpark(
        &self,
        index: usize,
        timeout: Option<std::time::Duration>,
        fd: std::os::fd::RawFd,
    ) -> bool {
        self.rings[index].wait(timeout, ring::WakeSource::Unpark(fd)).1
    }

    /// Adds ring `index`'s epoll entry if it has operations in flight:
    /// its owner sleeps elsewhere (a worker on its condvar).
    pub(crate) fn arm(&self, index: usize) {
        if let Some(ring) = self.rings.get(index) {
            ring.arm_now();
        }
    }

    /// Reaps ring `index` and wakes what completed.
    pub(crate) fn reap(&self, index: usize) {
        if let Some(ring) = self.rings.get(index) {
            ring.reap();
        }
    }

    /// Reaps ring `index` after its epoll entry fired (which disarmed it).
    pub(crate) fn reap_after_event(&self, index: usize) {
        if let Some(ring) = self.rings.get(index) {
            ring.reap_after_event();
        }
    }

    pub(crate) fn id(&self) -> usize {
        self.id
    }

    /// The runtime shut down ([`RingShared::shut_down`], each ring).
    pub(crate) fn shut_down(&self) {
        for ring in self.rings.iter() {
            ring.shut_down();
        }
    }
}

/// How long a runtime's drop waits for its sends still in flight (a peer
/// that reads: the process may exit right after, and take unsent bytes
/// with it).
const SHUTDOWN_WAIT: Duration = Duration::from_secs(1);
/// How long a ring keeps waiting after that, on a thread of its own (a
/// peer that reads slowly, or only once the runtime is gone).
const LINGER_LIMIT: Duration = Duration::from_secs(60);

impl Drop for Rings {
    /// A ring with sends in flight whose futures are gone holds bytes a
    /// write reported as written. On epoll they would sit in the socket's
    /// send queue and reach the peer after the runtime is gone, even after
    /// the process exits: here the drop waits for them a while
    /// (`SHUTDOWN_WAIT`), then a thread keeps the ring until they are sent
    /// (`LINGER_LIMIT`), so a peer that is not reading does not hold the
    /// runtime's drop.
    fn drop(&mut self) {
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        for ring in std::mem::take(&mut self.rings).into_vec() {
            if Arc::strong_count(&ring) > 1 || !ring.has_orphans_that_complete() {
                continue;
            }
            ring.linger(deadline);
            if !ring.has_orphans_that_complete() {
                continue;
            }
            // Spawning may fail: the closure, and the ring with it, is then
            // dropped here (the ring's own drop waits a shorter while).
            let _ = std::thread::Builder::new()
                .name("weft-uring-linger".into())
                .spawn(move || ring.linger(Instant::now() + LINGER_LIMIT));
        }
    }
}

impl std::fmt::Debug for Rings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rings")
            .field("rings", &self.rings.len())
            .finish()
    }
}

/// A handle to one ring, to submit operations to. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Ring {
    shared: Arc<RingShared>,
}

/// The ring the calling thread should submit file operations to: its
/// worker's on a worker of the current runtime, the ring nobody owns
/// elsewhere in it ([`Rings::others`]);
/// `None` if there is no current runtime or it runs `fs` on the blocking
/// pool.
pub(crate) fn current_ring() -> Option<Ring> {
    current_ring_if(|rings| rings.files)
}

/// As [`current_ring`], for the stream sockets: `None` if the current
/// runtime runs them on epoll (or there is none).
pub(crate) fn current_socket_ring() -> Option<Ring> {
    current_ring_if(|rings| rings.sockets)
}

fn current_ring_if(wanted: impl FnOnce(&Rings) -> bool) -> Option<Ring> {
    // One reference count taken (the ring's), not two: this runs for each
    // socket operation.
    context::with_current(|handle| {
        let rings = handle.uring_rings().filter(|rings| wanted(rings))?;
        let index = context::with_scheduler(|cx| cx.and_then(|cx| cx.uring_position()))
            .filter(|&(id, _)| id == rings.id)
            .map_or(rings.others(), |(_, index)| index);
        Some(Ring {
            shared: rings.rings[index].clone(),
        })
    })
    .ok()
    .flatten()
}

/// Who submits an operation's SQEs (rule 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Submitter {
    /// The ring's owner, with other tasks ready to run: the SQEs wait for
    /// the flush, with theirs.
    OwnerBatching,
    /// The ring's owner running its only ready task: no other task would
    /// add to the batch before the flush, so it submits at once and takes
    /// what completed inline in the same poll, sparing the task a wake-up
    /// and a second poll.
    OwnerAlone,
    /// Another thread: no flush would come for it, so it submits at once
    /// (and arms the ring's epoll entry: the owner may sleep).
    Other,
}

/// Classifies the calling thread for `ring`.
pub(super) fn submitter(ring: &RingShared) -> Submitter {
    context::with_scheduler(|cx| match cx {
        Some(cx) if cx.uring_position() == Some((ring.rings_id, ring.index)) => {
            if !ring.submit_alone_at_once || cx.other_tasks_ready() {
                Submitter::OwnerBatching
            } else {
                Submitter::OwnerAlone
            }
        }
        _ => Submitter::Other,
    })
}


impl Ring {
    /// Which of its runtime's rings this is (the worker's index).
    pub(crate) fn index(&self) -> usize {
        self.shared.index
    }

    /// How many times an operation found this ring full and waited for
    /// room (rule 6).
    #[cfg(test)]
    pub(crate) fn room_waits(&self) -> u64 {
        self.shared.lock().room_waits
    }

    /// Submits what this ring batched now, without waiting for the
    /// scheduler's flush (rule 7), and reaps what completed: for an
    /// operation whose result no one may wait for (a write started and not
    /// awaited, an operation dropped mid-flight), so that it reaches the
    /// kernel even if this thread then blocks.
    pub(crate) fn submit_now(&self) {
        self.shared.flush(true);
    }

    /// `openat(AT_FDCWD, path, flags | O_CLOEXEC, mode)`.
    pub(crate) fn open(&self, path: CString, flags: i32, mode: u32) -> Op<OpenAt> {
        Op::new(self.shared.clone(), OpenAt { path, flags, mode })
    }

    /// Reads up to `len` bytes (at most 1 GiB) into `buf` after its
    /// initialized bytes, at `offset` (`None`: the file's current
    /// position, which it advances). Resolves to the bytes read, `fd` and
    /// `buf` (its length grown by what was read).
    pub(crate) fn read<F: AsRawFd + Send + 'static>(
        &self,
        fd: F,
        mut buf: Vec<u8>,
        len: usize,
        offset: Option<u64>,
    ) -> Op<Read<F>> {
        let len = len.min(MAX_TRANSFER);
        buf.reserve(len);
        Op::new(
            self.shared.clone(),
            Read {
                fd,
                buf,
                len,
                offset,
            },
        )
    }

    /// Writes `buf[start..]` (at most 1 GiB of it) at `offset` (`None`:
    /// the current position). Resolves to the bytes written, `fd`, `buf`.
    pub(crate) fn write<F: AsRawFd + Send + 'static>(
        &self,
        fd: F,
        buf: Vec<u8>,
        start: usize,
        offset: Option<u64>,
    ) -> Op<Write<F>> {
        assert!(start <= buf.len(), "write start past the buffer's end");
        Op::new(
            self.shared.clone(),
            Write {
                fd,
                buf,
                start,
                offset,
            },
        )
    }

    /// `fsync` (`fdatasync` with `data_only`).
    pub(crate) fn fsync<F: AsRawFd + Send + 'static>(&self, fd: F, data_only: bool) -> Op<Fsync<F>> {
        Op::new(self.shared.clone(), Fsync { fd, data_only })
    }

    /// `statx` of `path` (following a final symlink if `follow_symlinks`).
    pub(crate) fn statx_path(&self, path: CString, follow_symlinks: bool) -> Op<Statx<OwnedFd>> {
        Op::new(
            self.shared.clone(),
            Statx {
                fd: None,
                path,
                follow_symlinks,
                buf: Box::new(MaybeUninit::uninit()),
            },
        )
    }

    /// `statx` of an open descriptor.
    pub(crate) fn statx_fd<F: AsRawFd + Send + 'static>(&self, fd: F) -> Op<Statx<F>> {
        Op::new(
            self.shared.clone(),
            Statx {
                fd: Some(fd),
                path: CString::default(),
                follow_symlinks: true,
                buf: Box::new(MaybeUninit::uninit()),
            },
        )
    }

    /// `close(fd)`.
    pub(crate) fn close(&self, fd: OwnedFd) -> Op<Close> {
        Op::new(self.shared.clone(), Close { fd: Some(fd) })
    }

    /// `renameat(AT_FDCWD, from, AT_FDCWD, to)`.
    pub(crate) fn rename(&self, from: CString, to: CString) -> Op<Rename> {
        Op::new(self.shared.clone(), Rename { from, to })
    }

    /// `unlinkat`: removes a file, or an empty directory with `dir`.
    pub(crate) fn unlink(&self, path: CString, dir: bool) -> Op<Unlink> {
        Op::new(self.shared.clone(), Unlink { path, dir })
    }

    /// `mkdirat(AT_FDCWD, path, mode)`.
    pub(crate) fn mkdir(&self, path: CString, mode: u32) -> Op<Mkdir> {
        Op::new(self.shared.clone(), Mkdir { path, mode })
    }

    /// The whole file at `path`, as `std::fs::read` returns it (see the
    /// design note: the open and the first read are one submission).
    pub(crate) async fn read_file(&self, path: CString) -> io::Result<Vec<u8>> {
        /// The first read's size: most files read whole are small.
        const FIRST_READ: usize = 16 * 1024;
        /// The second read of the first submission, which finds the end
        /// of a file shorter than `FIRST_READ`.
        const PROBE: usize = 4 * 1024;
        let Some(file) = self.shared.take_file_slot() else {
            return self.read_file_fd(path).await;
        };
        let first = Op::new(
            self.shared.clone(),
            OpenRead {
                path,
                file,
                buf: Vec::with_capacity(FIRST_READ + PROBE),
                len: FIRST_READ,
                probe: PROBE,
            },
        )
        .await;
        first.open?;
        let mut more = match first.read {
            Ok(n) => n > 0 && !first.at_end,
            // Only the open ran: the kernel cancelled the reads unasked
            // (rule 10), and the loop reads from the start.
            Err(err) if err.raw_os_error() == Some(libc::ECANCELED) => true,
            Err(err) => return Err(err),
        };
        let mut file = first.file;
        let mut buf = first.buf;
        // Until a read returns nothing, as std reads: a short read proves
        // nothing about the end (files of /proc return a page at a time).
        while more {
            // Into the room left (the end of a small file is found there,
            // with no reallocation); else double the buffer.
            if buf.capacity() - buf.len() < 512 {
                buf.reserve(buf.capacity().max(FIRST_READ));
            }
            let want = (buf.capacity() - buf.len()).min(MAX_TRANSFER);
            let offset = buf.len() as u64;
            let result;
            (result, file, buf) = Op::new(
                self.shared.clone(),
                ReadDirect {
                    file,
                    buf,
                    len: want,
                    offset,
                },
            )
            .await;
            more = result? > 0;
        }
        if buf.capacity() - buf.len() > buf.len() {
            // At most twice the bytes held, as a caller of `fs::read` would
            // expect of a buffer sized to the file.
            buf.shrink_to_fit();
        }
        Ok(buf)
    }

    /// `read_file` without direct descriptors: open, `statx`, reads,
    /// close.
    async fn read_file_fd(&self, path: CString) -> io::Result<Vec<u8>> {
        let fd = self.open(path, libc::O_RDONLY, 0).await?;
        let (stx, fd) = self.statx_fd(fd).await;
        let fd = fd.expect("statx_fd gives its descriptor back");
        let size = stx
            .ok()
            .filter(|stx| u32::from(stx.stx_mode) & libc::S_IFMT == libc::S_IFREG)
            .map(|stx| stx.stx_size as usize);
        let mut buf = Vec::with_capacity(size.map_or(8 * 1024, |size| size + 1));
        let mut fd = fd;
        loop {
            let want = (buf.capacity() - buf.len()).max(8 * 1024);
            let offset = buf.len() as u64;
            let (result, returned, returned_buf) = self.read(fd, buf, want, Some(offset)).await;
            fd = returned;
            buf = returned_buf;
            if result? == 0 || size == Some(buf.len()) {
                break;
            }
        }
        self.close(fd).await?;
        Ok(buf)
    }
}
