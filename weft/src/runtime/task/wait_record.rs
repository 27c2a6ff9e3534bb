//! What a tracked task waits on: a few fixed slots in its `TaskMeta`,
//! written by the thread polling it and read by task dumps.
//!
//! # Design note
//!
//! Leaf futures that return `Pending` push a [`WaitingOn`] entry for the
//! task being polled (`runtime::waiting_on::record`); the poll loop
//! empties the record at the start of each poll (`harness::poll_future`),
//! so between polls it lists the leaves the last poll stopped at. A dump
//! reads it from any thread, at any time, and must never wait for the
//! writer.
//!
//! Each entry is encoded into one `u64` (a 3-bit tag and a 61-bit payload,
//! see [`encode`]), so the record is a handful of atomics: a sequence
//! number, a count, and [`SLOTS`] slots. The protocol is a *seqlock* with
//! atomic data, in the fence-based form of H.-J. Boehm, "Can Seqlocks Get
//! Along With Programming Language Memory Models?" (MSPC 2012):
//!
//! 1. **One writer.** Only the thread polling the task writes (the state
//!    word lets one thread poll at a time, and hands the task over with
//!    Release/Acquire, so consecutive writers are ordered). It reads its
//!    own record with relaxed loads.
//! 2. **Write.** The writer stores `seq + 1` (odd: writing), issues a
//!    Release fence, stores the data (`len`, slots) with relaxed stores,
//!    and stores `seq + 2` (even) with Release.
//! 3. **Read.** A reader loads `seq` with Acquire (retrying if odd), loads
//!    the data with relaxed loads, issues an Acquire fence, and loads
//!    `seq` again (relaxed): equal means no write overlapped, so the copy
//!    is one state the writer left. It gives up after [`READ_TRIES`]
//!    attempts (a writer preempted mid-write must not stall a dump) and
//!    reports the record as unavailable.
//! 4. Everything is an atomic, so a torn read is a wrong value, never
//!    undefined behaviour; rule 3 discards it.
//! 5. Emptying an already empty record writes nothing, so a tracked task
//!    that waits on nothing weft knows pays one relaxed load per poll.
//!
//! The loom models in `loom_tests.rs` (`wait_record_*`) check that a
//! reader sees only states the writer left (never a mix of two polls), and
//! the Miri test below runs a writer and a reader on two threads.

use crate::loom::{fence, AtomicU32, AtomicU64, Ordering::*};
use crate::runtime::task::Id;
use crate::runtime::waiting_on::{IoDirection, SyncKind, WaitingOn};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Entries kept per task; further ones are counted, not kept.
pub(crate) const SLOTS: usize = 4;

/// Attempts of a read before it reports the record unavailable (rule 3).
pub(crate) const READ_TRIES: usize = 8;

/// The record: see the module's design note.
pub(crate) struct WaitRecord {
    /// Even: stable; odd: the writer is changing the data (rule 2).
    seq: AtomicU32,
    /// Entries pushed since the record was last emptied (may exceed
    /// [`SLOTS`]).
    len: AtomicU32,
    slots: [AtomicU64; SLOTS],
}

/// A consistent copy of a record (rule 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Waits {
    entries: [u64; SLOTS],
    /// Entries pushed, kept or not.
    total: u32,
}

impl WaitRecord {
    pub(crate) fn new() -> WaitRecord {
        WaitRecord {
            seq: AtomicU32::new(0),
            len: AtomicU32::new(0),
            slots: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Rule 2 around `write`.
    fn write(&self, write: impl FnOnce()) {
        let seq = self.seq.load(Relaxed);
        self.seq.store(seq.wrapping_add(1), Relaxed);
        // Release fence: a reader that sees any store of `write` (and then
        // issues its Acquire fence) also sees the odd `seq` above.
        fence(Release);
        write();
        // Release: a reader that sees the even value sees the data.
        self.seq.store(seq.wrapping_add(2), Release);
    }

    /// Empties the record (start of a poll). Rule 5: free when empty.
    pub(crate) fn clear(&self) {
        if self.len.load(Relaxed) != 0 {
            self.write(|| self.len.store(0, Relaxed));
        }
    }

    /// Adds `what`, unless the same entry is already kept. Only the polling
    /// thread calls this (rule 1).
    pub(crate) fn push(&self, what: WaitingOn) {
        let code = encode(what);
        let len = self.len.load(Relaxed);
        let kept = (len as usize).min(SLOTS);
        if self.slots[..kept]
            .iter()
            .any(|slot| slot.load(Relaxed) == code)
        {
            return;
        }
        self.write(|| {
            if kept < SLOTS {
                self.slots[kept].store(code, Relaxed);
            }
            self.len.store(len.saturating_add(1), Relaxed);
        });
    }

    /// A consistent copy, or `None` if a write overlapped every attempt
    /// (rule 3).
    pub(crate) fn read(&self) -> Option<Waits> {
        for _ in 0..READ_TRIES {
            // Acquire: pairs with the Release store of an even `seq`.
            let before = self.seq.load(Acquire);
            if before & 1 == 1 {
                crate::loom::spin_loop();
                continue;
            }
            let total = self.len.load(Relaxed);
            let mut entries = [0; SLOTS];
            for (entry, slot) in entries.iter_mut().zip(&self.slots) {
                *entry = slot.load(Relaxed);
            }
            // Acquire fence: if a load above saw a store of a later write,
            // the load below sees that write's odd `seq` (or later).
            fence(Acquire);
            if self.seq.load(Relaxed) == before {
                return Some(Waits { entries, total });
            }
            crate::loom::spin_loop();
        }
        None
    }
}

impl Waits {
    /// The kept entries, oldest first.
    pub(crate) fn entries(&self) -> impl Iterator<Item = WaitingOn> + '_ {
        let kept = (self.total as usize).min(SLOTS);
        self.entries[..kept].iter().filter_map(|&code| decode(code))
    }

    /// Entries pushed beyond the kept ones.
    pub(crate) fn dropped(&self) -> u32 {
        self.total.saturating_sub(SLOTS as u32)
    }
}

impl std::fmt::Debug for WaitRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitRecord")
            .field("waits", &self.read())
            .finish()
    }
}

// The encoding: the top 3 bits are the tag, the low 61 the payload.
const TAG_SHIFT: u32 = 61;
const PAYLOAD: u64 = (1 << TAG_SHIFT) - 1;
const TAG_TIMER: u64 = 1;
const TAG_IO: u64 = 2;
const TAG_SYNC: u64 = 3;
const TAG_TASK: u64 = 4;
/// Timer offsets are clamped to ±2^59 ns (about 18 years).
const MAX_OFFSET_NS: i64 = 1 << 59;

/// The instant timer deadlines are stored relative to: the first time one
/// is encoded or decoded in the process.
fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// `what` as one word (see the constants above): a timer's deadline as
/// signed nanoseconds from [`base`], an fd with its direction, a sync
/// kind's index, a task id.
fn encode(what: WaitingOn) -> u64 {
    let (tag, payload) = match what {
        WaitingOn::Timer { deadline } => {
            let base = base();
            let offset = match deadline.checked_duration_since(base) {
                Some(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
                None => {
                    -i64::try_from(base.duration_since(deadline).as_nanos()).unwrap_or(i64::MAX)
                }
            };
            let offset = offset.clamp(-MAX_OFFSET_NS, MAX_OFFSET_NS);
            (TAG_TIMER, (offset as u64) & PAYLOAD)
        }
        WaitingOn::Io { fd, direction } => {
            let direction = match direction {
                IoDirection::Read => 0,
                IoDirection::Write => 1,
                IoDirection::ReadOrWrite => 2,
            };
            (TAG_IO, u64::from(fd as u32) | (direction << 32))
        }
        WaitingOn::Sync(kind) => {
            let index = SyncKind::ALL.iter().position(|&k| k == kind).unwrap_or(0);
            (TAG_SYNC, index as u64)
        }
        WaitingOn::Task(id) => (TAG_TASK, id.as_u64() & PAYLOAD),
    };
    (tag << TAG_SHIFT) | payload
}

/// The entry [`encode`] made `code` from.
fn decode(code: u64) -> Option<WaitingOn> {
    let payload = code & PAYLOAD;
    Some(match code >> TAG_SHIFT {
        TAG_TIMER => {
            // Sign-extend the 61-bit offset.
            let offset = ((payload << 3) as i64) >> 3;
            let base = base();
            let distance = Duration::from_nanos(offset.unsigned_abs());
            let deadline = if offset >= 0 {
                base.checked_add(distance)?
            } else {
                base.checked_sub(distance)?
            };
            WaitingOn::Timer { deadline }
        }
        TAG_IO => WaitingOn::Io {
            fd: payload as u32 as i32,
            direction: match payload >> 32 {
                0 => IoDirection::Read,
                1 => IoDirection::Write,
                _ => IoDirection::ReadOrWrite,
            },
        },
        TAG_SYNC => WaitingOn::Sync(*SyncKind::ALL.get(payload as usize)?),
        TAG_TASK => WaitingOn::Task(Id::from_u64(payload)?),
        _ => return None,
    })
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    fn all_kinds() -> Vec<WaitingOn> {
        let now = Instant::now();
        let mut all = vec![
            WaitingOn::Timer { deadline: now },
            WaitingOn::Timer {
                deadline: now + Duration::from_secs(3600),
            },
            WaitingOn::Io {
                fd: 7,
                direction: IoDirection::Read,
            },
            WaitingOn::Io {
                fd: i32::MAX,
                direction: IoDirection::Write,
            },
            WaitingOn::Io {
                fd: 0,
                direction: IoDirection::ReadOrWrite,
            },
            WaitingOn::Task(Id::from_u64(12345).unwrap()),
        ];
        if let Some(earlier) = base().checked_sub(Duration::from_millis(5)) {
            all.push(WaitingOn::Timer { deadline: earlier });
        }
        all.extend(SyncKind::ALL.iter().map(|&kind| WaitingOn::Sync(kind)));
        all
    }

    #[test]
    fn every_entry_survives_its_encoding() {
        for what in all_kinds() {
            assert_eq!(decode(encode(what)), Some(what), "{what:?}");
        }
        assert_eq!(decode(0), None);
    }

    #[test]
    fn push_keeps_four_counts_the_rest_and_skips_duplicates() {
        let record = WaitRecord::new();
        assert_eq!(record.read().unwrap().entries().count(), 0);
        let kinds = all_kinds();
        record.push(kinds[2]);
        record.push(kinds[2]);
        for &what in &kinds[3..8] {
            record.push(what);
        }
        let waits = record.read().unwrap();
        let entries: Vec<_> = waits.entries().collect();
        assert_eq!(entries, [kinds[2], kinds[3], kinds[4], kinds[5]]);
        assert_eq!(waits.dropped(), 2);
        record.clear();
        assert_eq!(record.read().unwrap().entries().count(), 0);
        assert_eq!(record.read().unwrap().dropped(), 0);
    }

    /// Under Miri: a writer polling (clear, push, push) and a reader on
    /// another thread; every copy the reader gets is a state the writer
    /// left, and nothing is a data race.
    #[test]
    fn concurrent_reader_sees_whole_states() {
        use std::sync::Arc;
        let rounds = if cfg!(miri) { 50 } else { 5_000 };
        let record = Arc::new(WaitRecord::new());
        let a = WaitingOn::Sync(SyncKind::Mutex);
        let b = WaitingOn::Io {
            fd: 3,
            direction: IoDirection::Read,
        };
        let writer = {
            let record = record.clone();
            std::thread::spawn(move || {
                for _ in 0..rounds {
                    record.clear();
                    record.push(a);
                    record.push(b);
                }
            })
        };
        let mut seen = 0;
        while !writer.is_finished() || seen == 0 {
            if let Some(waits) = record.read() {
                let entries: Vec<_> = waits.entries().collect();
                assert!(
                    entries.is_empty() || entries == [a] || entries == [a, b],
                    "a mixed state: {entries:?}"
                );
                seen += 1;
            }
        }
        writer.join().unwrap();
        let entries: Vec<_> = record.read().unwrap().entries().collect();
        assert_eq!(entries, [a, b]);
    }
}

/// Loom models of the seqlock (`scripts/loom.sh wait_record`).
#[cfg(all(test, weft_loom))]
mod loom_tests {
    use super::*;
    use crate::loom::Arc;
    use crate::util::loom_model::model;

    /// A writer empties a record holding `[x]` and pushes `a`, then `b`
    /// (one poll); a reader on another thread sees only a state the writer
    /// left between two writes (rules 2-4), never a mix such as `[x, b]`
    /// or `[a]` with a count of two.
    #[test]
    fn loom_wait_record_reader_sees_whole_states() {
        model(|| {
            let x = WaitingOn::Sync(SyncKind::Notify);
            let a = WaitingOn::Sync(SyncKind::Mutex);
            let b = WaitingOn::Io {
                fd: 3,
                direction: IoDirection::Write,
            };
            let record = Arc::new(WaitRecord::new());
            record.push(x);
            let writer = {
                let record = record.clone();
                loom::thread::spawn(move || {
                    record.clear();
                    record.push(a);
                    record.push(b);
                })
            };
            if let Some(waits) = record.read() {
                let entries: Vec<_> = waits.entries().collect();
                assert!(
                    entries == [x] || entries.is_empty() || entries == [a] || entries == [a, b],
                    "a mixed state: {entries:?}"
                );
                assert_eq!(waits.dropped(), 0);
            }
            writer.join().unwrap();
            let entries: Vec<_> = record.read().unwrap().entries().collect();
            assert_eq!(entries, [a, b]);
        });
    }

    /// Two polls in a row, each on another thread (the task moved between
    /// workers, handed over through the state word: here a join): the
    /// second writer continues the first one's sequence.
    #[test]
    fn loom_wait_record_writers_in_turn() {
        model(|| {
            let a = WaitingOn::Sync(SyncKind::Mutex);
            let b = WaitingOn::Sync(SyncKind::Watch);
            let record = Arc::new(WaitRecord::new());
            let first = {
                let record = record.clone();
                loom::thread::spawn(move || {
                    record.clear();
                    record.push(a);
                })
            };
            first.join().unwrap();
            let second = {
                let record = record.clone();
                loom::thread::spawn(move || {
                    record.clear();
                    record.push(b);
                })
            };
            if let Some(waits) = record.read() {
                let entries: Vec<_> = waits.entries().collect();
                assert!(
                    entries == [a] || entries.is_empty() || entries == [b],
                    "a mixed state: {entries:?}"
                );
            }
            second.join().unwrap();
            let entries: Vec<_> = record.read().unwrap().entries().collect();
            assert_eq!(entries, [b]);
        });
    }
}
