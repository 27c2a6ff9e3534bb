//! `--load`: a background CPU hog, so the rows can be compared on a machine
//! whose cores are all busy, as on a shared build host.
//!
//! [`Load::start`] starts one thread per available core before the first
//! workload builds its runtime; each spins on integer arithmetic passed
//! through [`std::hint::black_box`] (so the optimizer cannot drop it),
//! touching no memory but its own registers and one shared flag, and never
//! sleeps. On Linux thread `i` is pinned to the `i`-th CPU the process may
//! use: left to itself the kernel often stacked both hogs of a 2-CPU
//! machine on one CPU for a whole run, which left the other CPU to the
//! runtime, so a row's result depended on where the hogs had landed (one
//! row's median moved between 12 and 68 µs from process to process). The threads run at the default priority for the whole run, so
//! every runtime and every round meets the same competition; the memory
//! rows' child processes and `wrk` compete with them too, since the threads
//! keep every core busy while the parent waits for its children. Dropping
//! the [`Load`] raises the flag and joins the threads (each checks it every
//! few microseconds).

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

/// Arithmetic steps between two looks at the stop flag.
const STEPS_PER_CHECK: u32 = 4_096;

/// The running hog threads; dropping it stops them.
#[derive(Debug)]
pub struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<u64>>,
}

impl Load {
    /// The number of hog threads `--load` starts: one per core this process
    /// may run on.
    pub fn default_threads() -> usize {
        thread::available_parallelism().map_or(1, |n| n.get())
    }

    /// Starts `threads` busy threads.
    ///
    /// # Panics
    ///
    /// When the operating system refuses a thread.
    pub fn start(threads: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..threads)
            .map(|i| {
                let stop = stop.clone();
                thread::Builder::new()
                    .name(format!("weft-bench-load-{i}"))
                    .spawn(move || {
                        pin_to_nth_cpu(i);
                        spin(&stop, i as u64)
                    })
                    .expect("starting a --load thread")
            })
            .collect();
        Load { stop, threads }
    }

    /// How many threads are spinning.
    pub fn threads(&self) -> usize {
        self.threads.len()
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        // Relaxed: the flag carries no data; a thread that sees it late
        // only spins one more round of `STEPS_PER_CHECK` steps.
        self.stop.store(true, Relaxed);
        for t in self.threads.drain(..) {
            if t.join().is_err() {
                eprintln!("weft-bench: a --load thread panicked");
            }
        }
    }
}

/// Pins the calling thread to the `n`-th CPU (modulo their count) of those
/// the process may run on; best effort (a refusal leaves it unpinned).
#[cfg(target_os = "linux")]
fn pin_to_nth_cpu(n: usize) {
    // SAFETY: `cpu_set_t` is plain data; zeroed is the empty set.
    let mut allowed: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `allowed` is a valid set of the size passed; 0 is this thread.
    if unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut allowed) } != 0 {
        return;
    }
    let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below `CPU_SETSIZE`, the set's size in CPUs.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &allowed) })
        .collect();
    if cpus.is_empty() {
        return;
    }
    // SAFETY: as above.
    let mut one: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: the CPU number comes from the allowed set, below `CPU_SETSIZE`.
    unsafe { libc::CPU_SET(cpus[n % cpus.len()], &mut one) };
    // SAFETY: a valid set of the size passed; 0 is this thread.
    let _ = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &one) };
}

/// No pinning elsewhere: the hogs are left to the scheduler.
#[cfg(not(target_os = "linux"))]
fn pin_to_nth_cpu(_n: usize) {}

/// Spins until `stop` is set; returns the rounds done (so the work has an
/// observable result).
fn spin(stop: &AtomicBool, seed: u64) -> u64 {
    let mut x = seed | 1;
    let mut rounds = 0u64;
    while !stop.load(Relaxed) {
        for _ in 0..STEPS_PER_CHECK {
            // A 64-bit linear congruential step (Knuth's MMIX constants).
            x = black_box(
                x.wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407),
            );
        }
        rounds += 1;
    }
    black_box(x);
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_start_and_stop_when_dropped() {
        let load = Load::start(2);
        assert_eq!(load.threads(), 2);
        drop(load); // joins: the test would hang if a thread kept spinning
        assert!(Load::default_threads() >= 1);
    }

    #[test]
    fn spin_returns_once_stopped() {
        let stop = AtomicBool::new(true);
        assert_eq!(spin(&stop, 7), 0);
    }
}
