//! What a workload is, and the list of them.
//!
//! A workload is one type implementing [`Timed`] (the sample is measured in
//! this process) or [`Memory`] (the sample is measured in a child process
//! with the counting allocator on). Its code is generic over [`Rt`], so the
//! runtimes run the same lines with the same parameters; [`timed`] and
//! [`memory`] turn it into an [`Entry`] that dispatches on [`Kind`]. Adding a
//! workload is a small file plus one line in [`all`].
//!
//! A workload whose sockets carry the work says so ([`Timed::NETWORK`],
//! [`Memory::NETWORK`], [`Entry::network`]): it also runs on weft's
//! io_uring socket backend ([`Kind::WeftUring`]); the others run on weft
//! (epoll), tokio and smol only ([`Kind::RUNTIME_ONLY`]).

use std::io;

use crate::child;
use crate::rt::{Channels, Files, Kind, Rt, SmolRt, Timers, TokioRt, WeftRt, WeftUringRt};
use crate::stats::Unit;
use crate::workloads::process::ProcessTimed;
use crate::workloads::{
    clients, current, dropin, echo, fs, http, memory as mem, multi, process, sync, timers,
};

/// Takes one sample, in the workload's [`Unit`].
pub type Sampler = Box<dyn FnMut() -> io::Result<f64>>;

/// Takes one sample of a [`Multi`] workload: one value per [`Row`], in order.
pub type MultiSampler = Box<dyn FnMut() -> io::Result<Vec<f64>>>;

/// One row of a [`Multi`] workload's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Unique name (starting with the entry's).
    pub name: &'static str,
    /// What the value measures.
    pub unit: Unit,
    /// One line.
    pub about: &'static str,
}

/// A workload whose every sample is a run of seconds that measures several
/// values at once (a `wrk` run: requests per second and latency
/// percentiles). Each value gets its own row; they share the samples, so
/// the rows of one round come from the same run. Its own round counts
/// replace the plan's (a sample takes seconds).
#[derive(Debug, Clone, Copy)]
pub struct Multi {
    /// The rows, in the order a sample returns the values.
    pub rows: &'static [Row],
    /// Builds the sampler for one runtime.
    pub prepare: fn(Kind, &Settings) -> io::Result<MultiSampler>,
    /// Untimed samples per runtime first.
    pub warmup: usize,
    /// Rounds (one sample per runtime each).
    pub rounds: usize,
    /// Rounds under `--quick`.
    pub quick_rounds: usize,
}

/// Parameters shared by every workload of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Worker threads for the multi_thread workloads (2 by default, the
    /// same for every runtime).
    pub workers: usize,
    /// `--quick`: smaller message counts where a sample would be long.
    pub quick: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            workers: 2,
            quick: false,
        }
    }
}

/// A workload measured in this process.
pub trait Timed {
    /// Unique name (`--filter` matches a part of it).
    const NAME: &'static str;
    /// Group in the table (`rt_multi_threaded`, `current_thread`, `net`, ...).
    const GROUP: &'static str;
    /// What a sample measures.
    const UNIT: Unit;
    /// One line: what one sample does.
    const ABOUT: &'static str;
    /// Whether the work goes through TCP sockets, so the row also runs on
    /// weft's io_uring backend ([`Kind::WeftUring`]).
    const NETWORK: bool = false;
    /// Builds the runtime and returns the sampler that owns it.
    ///
    /// # Errors
    ///
    /// When the runtime cannot be built.
    fn prepare<R: Rt>(settings: &Settings) -> io::Result<Sampler>;
}

/// A workload measured in a child process (one per sample) with the
/// counting allocator on: heap bytes, or anything else that must not see
/// the other runtimes' state (peak RSS).
pub trait Memory {
    /// Unique name.
    const NAME: &'static str;
    /// Group in the table.
    const GROUP: &'static str = "memory";
    /// What a sample measures.
    const UNIT: Unit = Unit::lower("B");
    /// What is measured, including which side of a connection.
    const ABOUT: &'static str;
    /// Whether the measurement is of TCP connections, so the row also runs
    /// on weft's io_uring backend ([`Kind::WeftUring`]).
    const NETWORK: bool = false;
    /// Runs in the child: the sample.
    ///
    /// # Errors
    ///
    /// When the runtime or a socket fails.
    fn measure<R: Rt>() -> io::Result<f64>;
}

/// A [`Timed`] workload that needs [`Timers`].
pub trait TimerTimed {
    /// Unique name.
    const NAME: &'static str;
    /// What a sample measures.
    const UNIT: Unit;
    /// What a sample does.
    const ABOUT: &'static str;
    /// Builds the runtime and returns the sampler that owns it.
    ///
    /// # Errors
    ///
    /// When the runtime cannot be built.
    fn prepare<R: Timers>(settings: &Settings) -> io::Result<Sampler>;
}

/// A [`Timed`] workload that needs [`Channels`].
pub trait SyncTimed {
    /// Unique name.
    const NAME: &'static str;
    /// What a sample measures.
    const UNIT: Unit;
    /// What a sample does.
    const ABOUT: &'static str;
    /// Builds the runtime and returns the sampler that owns it.
    ///
    /// # Errors
    ///
    /// When the runtime cannot be built.
    fn prepare<R: Channels>(settings: &Settings) -> io::Result<Sampler>;
}

/// A [`Timed`] workload that needs [`Files`], with a reference: the same
/// work done by `std::fs` on one thread, with no runtime.
pub trait FsTimed {
    /// Unique name.
    const NAME: &'static str;
    /// What a sample measures.
    const UNIT: Unit;
    /// What a sample does.
    const ABOUT: &'static str;
    /// Builds the runtime and returns the sampler that owns it.
    ///
    /// # Errors
    ///
    /// When the runtime cannot be built or the files cannot be made.
    fn prepare<R: Files>(settings: &Settings) -> io::Result<Sampler>;
    /// The reference sampler: the same work through `std::fs` on the
    /// calling thread, in the same unit.
    ///
    /// # Errors
    ///
    /// When the files cannot be made.
    fn reference(settings: &Settings) -> io::Result<Sampler>;
}

/// A [`Memory`] workload that needs [`Timers`].
pub trait TimerMemory {
    /// Unique name.
    const NAME: &'static str;
    /// What is measured.
    const ABOUT: &'static str;
    /// Runs in the child: heap bytes per unit.
    ///
    /// # Errors
    ///
    /// When the runtime fails.
    fn measure<R: Timers>() -> io::Result<f64>;
}

/// The prefix of a runtime's outcome that is pending rather than failed.
pub const PENDING_PREFIX: &str = "pending: ";

/// The error a runtime without the feature returns from `prepare`.
pub fn pending(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("{PENDING_PREFIX}{what}"),
    )
}

/// The prefix of an outcome skipped for want of an outside tool.
pub const SKIPPED_PREFIX: &str = "skipped: ";

/// The error `prepare` returns when a tool the workload needs (`wrk`) is
/// missing; `why` says how to get it.
pub fn skipped(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("{SKIPPED_PREFIX}{why}"))
}

/// The prefix of a runtime's outcome when that runtime cannot run on this
/// machine at all (weft's io_uring backend refused by the kernel): the
/// cell says "n/a" and the reason is printed under the table.
pub const UNAVAILABLE_PREFIX: &str = "n/a: ";

/// The outcome of a runtime that cannot run here, `why` saying why.
pub fn unavailable(why: &str) -> String {
    format!("{UNAVAILABLE_PREFIX}{why}")
}

/// A workload, dispatching on the runtime.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// Unique name.
    pub name: &'static str,
    /// Group in the table.
    pub group: &'static str,
    /// What a sample measures.
    pub unit: Unit,
    /// What a sample does.
    pub about: &'static str,
    /// Builds the sampler for one runtime.
    pub prepare: fn(Kind, &Settings) -> io::Result<Sampler>,
    /// For memory workloads, the measurement the child process runs.
    pub child: Option<fn(Kind) -> io::Result<f64>>,
    /// For workloads with several rows per sample: those rows (the harness
    /// then uses `multi.prepare`, not `prepare`).
    pub multi: Option<Multi>,
    /// For workloads with a reference outside any runtime (the fs rows:
    /// `std::fs` on one thread), its sampler; the harness takes one
    /// reference sample per round, after the runtimes'.
    pub reference: Option<fn(&Settings) -> io::Result<Sampler>>,
    /// Whether the workload's work goes through sockets: then it runs on
    /// every [`Kind`], weft's io_uring backend included; otherwise on
    /// [`Kind::RUNTIME_ONLY`] (see [`Entry::runtimes`]).
    pub network: bool,
}

/// `$b::$f::<R>($args)` with `R` the [`Rt`] type `$kind` names: how an
/// [`Entry`] dispatches a runtime-generic workload on a [`Kind`].
macro_rules! on_runtime {
    ($kind:expr, $b:ident::$f:ident($($arg:expr),*)) => {
        match $kind {
            Kind::Weft => $b::$f::<WeftRt>($($arg),*),
            Kind::WeftUring => $b::$f::<WeftUringRt>($($arg),*),
            Kind::Tokio => $b::$f::<TokioRt>($($arg),*),
            Kind::Smol => $b::$f::<SmolRt>($($arg),*),
        }
    };
}

impl Entry {
    /// The runtimes the harness runs it on, in the order of a round:
    /// [`Kind::ALL`] for a network workload, [`Kind::RUNTIME_ONLY`] for the
    /// others (weft's io_uring backend changes only how stream sockets do
    /// their I/O).
    pub fn runtimes(&self) -> &'static [Kind] {
        if self.network {
            &Kind::ALL
        } else {
            &Kind::RUNTIME_ONLY
        }
    }

    /// A workload measured in this process by `prepare`'s sampler, with no
    /// child measurement, no rows of its own and no reference, not a
    /// network one.
    fn in_process(
        name: &'static str,
        group: &'static str,
        unit: Unit,
        about: &'static str,
        prepare: fn(Kind, &Settings) -> io::Result<Sampler>,
    ) -> Entry {
        Entry {
            name,
            group,
            unit,
            about,
            prepare,
            child: None,
            multi: None,
            reference: None,
            network: false,
        }
    }

    /// A workload whose every sample is one child process (named after the
    /// entry) running `child`.
    fn in_child(
        name: &'static str,
        group: &'static str,
        unit: Unit,
        about: &'static str,
        prepare: fn(Kind, &Settings) -> io::Result<Sampler>,
        child: fn(Kind) -> io::Result<f64>,
    ) -> Entry {
        Entry {
            child: Some(child),
            ..Entry::in_process(name, group, unit, about, prepare)
        }
    }
}

/// The [`Entry`] of a [`Timed`] workload.
pub fn timed<B: Timed>() -> Entry {
    Entry {
        network: B::NETWORK,
        ..Entry::in_process(B::NAME, B::GROUP, B::UNIT, B::ABOUT, |kind, settings| {
            on_runtime!(kind, B::prepare(settings))
        })
    }
}

/// The [`Entry`] of a [`Memory`] workload: each sample is one child process.
pub fn memory<B: Memory>() -> Entry {
    Entry {
        network: B::NETWORK,
        ..Entry::in_child(
            B::NAME,
            B::GROUP,
            B::UNIT,
            B::ABOUT,
            |kind, _| Ok(child::sampler(B::NAME, kind)),
            |kind| on_runtime!(kind, B::measure()),
        )
    }
}

/// The [`Entry`] of a [`TimerTimed`] workload.
pub fn timer_timed<B: TimerTimed>() -> Entry {
    Entry::in_process(B::NAME, "time", B::UNIT, B::ABOUT, |kind, settings| {
        on_runtime!(kind, B::prepare(settings))
    })
}

/// The [`Entry`] of a [`SyncTimed`] workload.
pub fn sync_timed<B: SyncTimed>() -> Entry {
    Entry::in_process(B::NAME, "sync", B::UNIT, B::ABOUT, |kind, settings| {
        on_runtime!(kind, B::prepare(settings))
    })
}

/// The [`Entry`] of a [`ProcessTimed`] workload.
pub fn process_timed<B: ProcessTimed>() -> Entry {
    Entry::in_process(B::NAME, "process", B::UNIT, B::ABOUT, |kind, settings| {
        on_runtime!(kind, B::prepare(settings))
    })
}

/// The [`Entry`] of a [`TimerMemory`] workload.
pub fn timer_child<B: TimerMemory>() -> Entry {
    Entry::in_child(
        B::NAME,
        "memory",
        Unit::lower("B"),
        B::ABOUT,
        |kind, _| Ok(child::sampler(B::NAME, kind)),
        |kind| on_runtime!(kind, B::measure()),
    )
}

/// The [`Entry`] of an [`FsTimed`] workload.
pub fn fs_timed<B: FsTimed>() -> Entry {
    Entry {
        reference: Some(B::reference),
        ..Entry::in_process(B::NAME, "fs", B::UNIT, B::ABOUT, |kind, settings| {
            on_runtime!(kind, B::prepare(settings))
        })
    }
}

/// Every workload, in table order.
pub fn all() -> Vec<Entry> {
    vec![
        timed::<multi::SpawnManyLocal>(),
        timed::<multi::SpawnManyRemoteIdle>(),
        timed::<multi::YieldMany>(),
        timed::<multi::PingPong>(),
        timed::<multi::ChainedSpawn>(),
        timed::<current::SpawnAwait>(),
        timed::<current::YieldRoundTrip>(),
        memory::<mem::PerTask>(),
        memory::<mem::PerIdleServerConn>(),
        memory::<mem::PerIdleClientConn>(),
        timer_child::<timers::PerTaskOnSleep>(),
        timed::<echo::Echo<1>>(),
        timed::<echo::Echo<10>>(),
        timed::<echo::Echo<100>>(),
        memory::<clients::ThousandClientsWall>(),
        memory::<clients::ThousandClientsRss>(),
        timer_timed::<timers::CreatePollDrop>(),
        timer_timed::<timers::ConcurrentSleeps>(),
        timer_timed::<timers::SleepLateness>(),
        timer_timed::<timers::TogetherLateness>(),
        sync_timed::<sync::BoundedContention>(),
        sync_timed::<sync::BoundedFullContention>(),
        sync_timed::<sync::UnboundedContention>(),
        sync_timed::<sync::BoundedUncontended>(),
        sync_timed::<sync::UnboundedUncontended>(),
        sync_timed::<sync::RequestReply>(),
        sync_timed::<sync::RequestReplyServed>(),
        sync_timed::<sync::RequestReplyCt>(),
        sync_timed::<sync::SemaphoreContended>(),
        sync_timed::<sync::SemaphoreUncontended>(),
        sync_timed::<sync::RwLockReadContended>(),
        sync_timed::<sync::RwLockReadUncontended>(),
        fs_timed::<fs::Read4k>(),
        fs_timed::<fs::Read4kConcurrent>(),
        fs_timed::<fs::Metadata1000>(),
        fs_timed::<fs::Write1mSyncAll>(),
        fs_timed::<fs::Stream64mBufReader>(),
        process_timed::<process::SpawnWaitSequential>(),
        process_timed::<process::SpawnWaitConcurrent>(),
        http::entry(),
        dropin::axum_entry(),
        dropin::reqwest_entry(),
    ]
}

/// Workloads planned but not written yet, with the reason; printed under
/// the table and written to the JSON. (A workload whose weft side is
/// missing instead runs on tokio and smol and shows weft as pending in its
/// row, see [`pending`].)
pub const PENDING: &[(&str, &str)] = &[];

/// The entries whose name, or one of whose rows' names, contains `filter`
/// or one of its comma-separated parts (all when `None`), in the order of
/// `entries`.
pub fn select(entries: Vec<Entry>, filter: Option<&str>) -> Vec<Entry> {
    match filter {
        None => entries,
        Some(filter) => entries
            .into_iter()
            .filter(|e| {
                filter
                    .split(',')
                    .filter(|part| !part.is_empty())
                    .any(|f| e.name.contains(f) || e.row_names().any(|n| n.contains(f)))
            })
            .collect(),
    }
}

impl Entry {
    /// The names of the rows it produces: its own, or its [`Multi`] rows.
    pub fn row_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        let rows = self.multi.map_or(&[][..], |m| m.rows);
        let own = self.multi.is_none().then_some(self.name);
        own.into_iter().chain(rows.iter().map(|r| r.name))
    }
}

/// Looks an entry up by exact name.
pub fn find(name: &str) -> Option<Entry> {
    all().into_iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_not_pending() {
        let entries = all();
        let names: HashSet<_> = entries.iter().map(|e| e.name).collect();
        assert_eq!(names.len(), entries.len());
        let rows: Vec<_> = entries.iter().flat_map(|e| e.row_names()).collect();
        let unique: HashSet<_> = rows.iter().collect();
        assert_eq!(unique.len(), rows.len(), "row names are unique");
        for (pending, _) in PENDING {
            assert!(
                !names.contains(pending),
                "{pending} is both pending and run"
            );
        }
    }

    #[test]
    fn memory_entries_have_a_child() {
        for e in all() {
            if e.group == "memory" {
                assert!(e.child.is_some(), "{}", e.name);
            }
        }
        assert!(find("echo_1000_clients_ms").and_then(|e| e.child).is_some());
        assert!(find("yield_many").and_then(|e| e.child).is_none());
    }

    #[test]
    fn only_the_network_rows_run_on_weft_uring() {
        let network: Vec<_> = all()
            .into_iter()
            .filter(|e| e.network)
            .map(|e| e.name)
            .collect();
        assert_eq!(
            network,
            [
                "mem_per_idle_conn_server",
                "mem_per_idle_conn_client",
                "tcp_echo_1conn",
                "tcp_echo_10conn",
                "tcp_echo_100conn",
                "echo_1000_clients_ms",
                "echo_1000_clients_rss",
                "hyper_hello",
                "dropin_axum",
                "dropin_reqwest_1000_get",
            ]
        );
        let echo = find("tcp_echo_1conn").unwrap();
        assert_eq!(echo.runtimes(), Kind::ALL);
        let spawn = find("spawn_many_local").unwrap();
        assert_eq!(spawn.runtimes(), Kind::RUNTIME_ONLY);
        assert!(!spawn.runtimes().contains(&Kind::WeftUring));
    }

    #[test]
    fn filter_keeps_matching_names() {
        let picked = select(all(), Some("tcp_echo"));
        let names: Vec<_> = picked.iter().map(|e| e.name).collect();
        assert_eq!(
            names,
            ["tcp_echo_1conn", "tcp_echo_10conn", "tcp_echo_100conn"]
        );
        assert!(select(all(), Some("no such workload")).is_empty());
        let http: Vec<_> = select(all(), Some("hello_p99"))
            .iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(http, ["hyper_hello"], "a row's name selects its entry");
        let several: Vec<_> = select(all(), Some("ping_pong,yield_many"))
            .iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(several, ["yield_many", "ping_pong"], "in the run's order");
        assert_eq!(select(all(), None).len(), all().len());
        assert_eq!(
            find("yield_many").map(|e| e.group),
            Some("rt_multi_threaded")
        );
        assert!(find("yield").is_none(), "find wants the exact name");
    }
}
