//! Child processes: [`Command`] spawns them, [`Child`] waits for them,
//! and [`ChildStdin`], [`ChildStdout`], [`ChildStderr`] are their pipes.
//!
//! This is tokio's `process` module: the same types, methods and
//! behaviour. [`Command`] is std's builder with asynchronous `spawn`,
//! `status` and `output`; waiting for a child and reading or writing its
//! pipes never blocks a worker thread. Feature `process`, part of `full`
//! (it implies `signal`). A runtime needs I/O enabled
//! ([`Builder::enable_io`](crate::runtime::Builder::enable_io), part of
//! `enable_all` and of `#[weft::main]`).
//!
//! ```
//! use weft::process::Command;
//!
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let output = Command::new("echo").arg("hello").arg("world").output().await?;
//! assert!(output.status.success());
//! assert_eq!(output.stdout, b"hello world\n");
//! # Ok(())
//! # }
//! ```
//!
//! Feeding a child's standard input while reading its output:
//!
//! ```
//! use std::process::Stdio;
//! use weft::io::AsyncWriteExt;
//! use weft::process::Command;
//!
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let mut child = Command::new("sort")
//!     .stdin(Stdio::piped())
//!     .stdout(Stdio::piped())
//!     .spawn()?;
//! let mut stdin = child.stdin.take().unwrap();
//! let writer = weft::spawn(async move {
//!     stdin.write_all(b"pear\napple\nfig\n").await
//!     // `stdin` is dropped here: sort sees end of file.
//! });
//! let output = child.wait_with_output().await?;
//! writer.await.unwrap()?;
//! assert_eq!(output.stdout, b"apple\nfig\npear\n");
//! # Ok(())
//! # }
//! ```
//!
//! # How a child is waited for and reaped
//!
//! An exited child stays a zombie until its parent collects its status.
//! weft collects it with `waitpid(pid, WNOHANG)` (std's `try_wait`) when
//! it learns the child may have exited:
//!
//! * On Linux 5.3 and later, through the child's **pidfd**, registered
//!   with the I/O driver: the waiting task is woken when that child
//!   exits, and only it.
//! * Elsewhere (other Unixes, older kernels, sandboxes that refuse
//!   `pidfd_open`), through **`SIGCHLD`**, with weft's signal handling:
//!   every waiting task looks again at each delivery. Setting the
//!   environment variable `WEFT_PROCESS_REAPER=sigchld` (read once per
//!   process) forces this path on Linux too, to run a program as it runs
//!   where there is no pidfd.
//!
//! A [`Child`] dropped before its status was collected (after being
//! killed, with [`kill_on_drop`](Command::kill_on_drop)) joins a
//! process-wide **orphan queue**. A small task in the runtime where it was
//! dropped listens for `SIGCHLD` and reaps the queue at each delivery
//! until it is empty, then ends; `SIGCHLD` waiters reap it too when they
//! wake. A `Child` dropped outside any runtime waits in the queue until
//! the next [`Command::spawn`] inside one. No zombie is left behind as
//! long as some weft runtime runs.
//!
//! # Spawning on the calling thread
//!
//! [`Command::spawn`] makes std's system calls on the calling thread, as
//! tokio does. std spawns with `posix_spawn` (glibc: `clone(CLONE_VM |
//! CLONE_VFORK)`, no copy of the parent's memory) unless a `pre_exec`
//! closure, `uid`/`gid` or similar need `fork`, and returns once the child
//! has called `exec`. Measured on a busy two-core Linux machine: about
//! 0.13 to 0.9 ms per spawn of `/bin/true` (0.6 to 1.6 ms with the wait),
//! pipes included. Moving the spawn to the blocking pool would free the
//! worker for that time, but costs a thread hand-off in each direction
//! (tens of µs) on every spawn and cannot apply to `spawn` itself, which
//! is synchronous in tokio's API; a program spawning in a tight loop can
//! call `spawn` inside [`spawn_blocking`](crate::task::spawn_blocking) or
//! [`block_in_place`](crate::task::block_in_place).
//!
//! # Differences from tokio
//!
//! * `Command` also has std's getters (`get_program`, `get_args`,
//!   `get_envs`, `get_current_dir`), which tokio reaches only through
//!   [`as_std`](Command::as_std).
//! * The orphan reaper is a task: while dropped children are still
//!   running it counts in
//!   [`RuntimeMetrics::num_alive_tasks`](crate::runtime::RuntimeMetrics::num_alive_tasks)
//!   (tokio reaps from its signal driver). It ends when the queue is
//!   empty.
//! * `WEFT_PROCESS_REAPER=sigchld` has no tokio equivalent.
//! * Windows is not supported (weft is Unix-only), so there is no
//!   `raw_handle`, `creation_flags` or `raw_arg`.

mod child;
mod command;
mod orphan;
mod reap;
mod stdio;

pub use child::Child;
pub use command::Command;
pub use stdio::{ChildStderr, ChildStdin, ChildStdout};

use reap::Reaper;

#[cfg(all(test, not(weft_loom), not(miri)))]
mod tests;
