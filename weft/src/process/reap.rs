//! Waiting for one child to exit, and reaping it: through its pidfd in
//! the I/O driver where the kernel has pidfds, else through `SIGCHLD`.
//!
//! # Design note
//!
//! A child that exits stays a zombie until its parent collects its
//! status (`waitpid`); weft collects it with std's `Child::try_wait`
//! (`waitpid(pid, WNOHANG)`), which never blocks and never touches
//! another child. The only question is *when* to ask. A [`Reaper`] owns
//! the std `Child` and answers it in one of two ways, chosen per child at
//! spawn:
//!
//! * **pidfd** (Linux 5.3+, [`sys::pidfd_open`](crate::sys::pidfd_open)):
//!   the child's pidfd turns readable when it exits. It is registered
//!   with the I/O driver like a socket, and waiting is the usual readiness
//!   loop (`PollEvented::poll_io`): `try_wait`, and on "still running"
//!   forget the readiness and wait for the next edge. An exit between the
//!   `try_wait` and the forgetting raises a newer edge, which the
//!   readiness tick keeps (`runtime/io/scheduled_io.rs`), so no exit is
//!   missed. Only the task waiting for this child is woken.
//! * **`SIGCHLD`** (no pidfd: other Unixes, older kernels, a sandbox that
//!   refuses the call, `--cfg weft_sys_fallback`, or forced with the
//!   environment variable `WEFT_PROCESS_REAPER=sigchld`): the waiter
//!   subscribes to `SIGCHLD` through `weft::signal` *before* its first
//!   `try_wait`, then calls `try_wait` after each delivery. Rules:
//!   1. subscribe, then `try_wait`: an exit before the subscription is
//!      seen by that `try_wait`; an exit after it raises a delivery the
//!      subscription sees (the signal registry's rule 5), so the waiter
//!      is woken;
//!   2. deliveries coalesce (several exits, one delivery), so each wake
//!      asks again rather than counting signals;
//!   3. every waiter wakes on every delivery (the signal does not say
//!      which child exited), as in tokio; each wake also reaps the orphan
//!      queue (`orphan.rs`).
//!
//! A child spawned in a runtime that is gone by the time it is waited for
//! moves its pidfd to the runtime that waits (as tokio allows); the
//! `SIGCHLD` path follows the waiting runtime by itself (its listener
//! starts that runtime's pump).
//!
//! The choice is made once per process (pidfd unless forced off or
//! refused with "no such call"); a pidfd that cannot be had for one child
//! (`EMFILE`) puts that child on the `SIGCHLD` path. A `Reaper` dropped
//! before its child was reaped (with `kill_on_drop`, after killing it)
//! hands the child to the orphan queue, which reaps it later: no zombie
//! is left behind.

use super::orphan;
use crate::loom::{AtomicBool, Ordering::Relaxed};
use crate::runtime::io::{Direction, PollEvented};
use crate::signal::unix::{signal, Signal, SignalKind};
use crate::sys;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Child as StdChild, ExitStatus};
use std::sync::OnceLock;
use std::task::{ready, Context, Poll};

/// The environment variable that forces the `SIGCHLD` path
/// (`WEFT_PROCESS_REAPER=sigchld`), read once per process.
pub(crate) const REAPER_ENV: &str = "WEFT_PROCESS_REAPER";

/// How this process waits for children, decided at the first spawn.
struct Choice {
    /// `WEFT_PROCESS_REAPER=sigchld` was set.
    sigchld_forced: bool,
    /// Cleared when `pidfd_open` answers "no such call" (or a sandbox
    /// refuses it): later spawns do not ask again. A hint only (Relaxed):
    /// a stale `true` costs one failed system call.
    pidfd_works: AtomicBool,
}

fn choice() -> &'static Choice {
    static CHOICE: OnceLock<Choice> = OnceLock::new();
    CHOICE.get_or_init(|| Choice {
        sigchld_forced: std::env::var_os(REAPER_ENV).is_some_and(|value| value == "sigchld"),
        pidfd_works: AtomicBool::new(true),
    })
}

/// A child's pidfd as a mio source (mio registers any descriptor).
#[derive(Debug)]
struct PidFd(OwnedFd);

impl AsRawFd for PidFd {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.as_raw_fd()
    }
}

impl mio::event::Source for PidFd {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}

/// How a [`Reaper`] learns that its child may have exited.
#[derive(Debug)]
enum Exit {
    /// The pidfd, registered with the I/O driver.
    Pidfd(PollEvented<PidFd>),
    /// `SIGCHLD` deliveries; subscribed at the first wait (rule 1).
    Sigchld(Option<Signal>),
}

/// Owns a spawned child until its status is collected; hands it to the
/// orphan queue if dropped before.
#[derive(Debug)]
pub(crate) struct Reaper {
    /// `None` only inside `Drop`.
    child: Option<StdChild>,
    exit: Exit,
    /// Kill the child if dropped before it exited.
    kill_on_drop: bool,
}

impl Reaper {
    /// Takes charge of `child` (its pipes already taken out). Must run
    /// inside a runtime with I/O (the caller checked).
    pub(crate) fn new(child: StdChild, kill_on_drop: bool) -> Reaper {
        let choice = choice();
        let exit = if !choice.sigchld_forced && choice.pidfd_works.load(Relaxed) {
            match Self::register_pidfd(&child) {
                Ok(pidfd) => Exit::Pidfd(pidfd),
                Err(_) => Exit::Sigchld(None),
            }
        } else {
            Exit::Sigchld(None)
        };
        Reaper {
            child: Some(child),
            exit,
            kill_on_drop,
        }
    }

    fn register_pidfd(child: &StdChild) -> io::Result<PollEvented<PidFd>> {
        let fd = sys::pidfd_open(child.id()).inspect_err(|err| {
            if sys::pidfd_unavailable(err) {
                choice().pidfd_works.store(false, Relaxed);
            }
        })?;
        PollEvented::new(PidFd(fd))
    }

    fn child(&mut self) -> &mut StdChild {
        self.child
            .as_mut()
            .expect("the child is taken only in drop")
    }

    /// The child's process id.
    pub(crate) fn id(&self) -> u32 {
        self.child
            .as_ref()
            .expect("the child is taken only in drop")
            .id()
    }

    /// Whether this child waits on a pidfd (tests).
    #[cfg(test)]
    pub(crate) fn uses_pidfd(&self) -> bool {
        matches!(self.exit, Exit::Pidfd(_))
    }

    /// Collects the status if the child has exited, without waiting.
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child().try_wait()
    }

    /// Sends `SIGKILL` (std's `Child::kill`); the child is reaped by a
    /// later wait, or by the orphan queue.
    pub(crate) fn kill(&mut self) -> io::Result<()> {
        self.child().kill()
    }

    /// Whether the child is killed on drop.
    pub(crate) fn set_kill_on_drop(&mut self, kill_on_drop: bool) {
        self.kill_on_drop = kill_on_drop;
    }

    /// Waits for the child to exit and collects its status.
    ///
    /// # Panics
    ///
    /// On the `SIGCHLD` path, at the first poll outside a weft runtime
    /// with I/O (as `weft::signal::unix::signal`).
    pub(crate) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        let child = self
            .child
            .as_mut()
            .expect("the child is taken only in drop");
        match &mut self.exit {
            // At most one move: a pidfd registered anew that still reports
            // a shut-down runtime returns that error rather than loop.
            Exit::Pidfd(pidfd) => {
                let mut moved = false;
                loop {
                    let polled = pidfd.poll_io(cx, Direction::Read, |_| match child.try_wait() {
                        Ok(Some(status)) => Ok(status),
                        Ok(None) => Err(io::ErrorKind::WouldBlock.into()),
                        Err(err) => Err(err),
                    });
                    match polled {
                        Poll::Ready(Err(err))
                            if !moved && crate::runtime::is_rt_shutdown_err(&err) =>
                        {
                            // The runtime the child was spawned in is gone: its
                            // pidfd moves to the runtime polling now, as tokio
                            // lets a child spawned in one runtime be waited
                            // for in another (outside any, the error stays).
                            if let Some(status) = child.try_wait()? {
                                return Poll::Ready(Ok(status));
                            }
                            let has_io =
                                crate::runtime::context::with_current(|h| h.io_handle().is_some());
                            if has_io != Ok(true) {
                                return Poll::Ready(Err(err));
                            }
                            *pidfd = PollEvented::new(PidFd(pidfd.get_ref().0.try_clone()?))?;
                            moved = true;
                        }
                        polled => return polled,
                    }
                }
            }
            Exit::Sigchld(listener) => loop {
                // Rule 1: subscribed before the first `try_wait`.
                if listener.is_none() {
                    *listener = Some(signal(SignalKind::child())?);
                }
                if let Some(status) = child.try_wait()? {
                    return Poll::Ready(Ok(status));
                }
                // Rule 2: a delivery means "ask again".
                let subscribed = listener.as_mut().expect("subscribed above");
                ready!(subscribed.poll_recv(cx));
                // Rule 3.
                orphan::reap();
            },
        }
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // Already reaped (a cached status), or exited just now: done.
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        if self.kill_on_drop {
            let _ = child.kill();
        }
        orphan::push(child);
    }
}
