//! Unix signals as streams of deliveries: [`signal`], [`SignalKind`],
//! [`Signal`].

use super::registry::{Registry, Slot, Subscription};
use super::{handler, pump};
use crate::sys::max_signal;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

/// Which signal to listen for: a signal number with names for the
/// common ones.
///
/// # Examples
///
/// ```
/// use weft::signal::unix::SignalKind;
///
/// assert_eq!(SignalKind::interrupt().as_raw_value(), libc::SIGINT);
/// assert_eq!(SignalKind::from_raw(libc::SIGTERM), SignalKind::terminate());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// Any signal by number, e.g. a real-time signal (`SIGRTMIN() + n`).
    /// Whether the number may be listened for is checked by [`signal`].
    pub const fn from_raw(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal number.
    pub const fn as_raw_value(&self) -> libc::c_int {
        self.0
    }

    /// `SIGALRM`: a real-time timer expired.
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// `SIGCHLD`: a child process changed state.
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// `SIGHUP`: the terminal hung up (often: "reload your configuration").
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGINT`: interrupt from the keyboard (Ctrl-C).
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// `SIGIO`: I/O is possible on a descriptor.
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// `SIGPIPE`: a write to a pipe or socket with no reader.
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// `SIGQUIT`: quit from the keyboard (Ctrl-\\).
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// `SIGTERM`: a polite request to terminate.
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGUSR1`: user-defined signal 1.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`: user-defined signal 2.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// `SIGWINCH`: the terminal window changed size.
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<libc::c_int> for SignalKind {
    fn from(signum: libc::c_int) -> SignalKind {
        SignalKind::from_raw(signum)
    }
}

impl From<SignalKind> for libc::c_int {
    fn from(kind: SignalKind) -> libc::c_int {
        kind.as_raw_value()
    }
}

/// Signals weft refuses to listen for: their default action cannot be
/// changed (`SIGKILL`, `SIGSTOP`), or they report a fault in the thread
/// that got them, which a flag-setting handler would return into and
/// re-execute forever.
const FORBIDDEN: &[(libc::c_int, &str)] = &[
    (libc::SIGKILL, "SIGKILL"),
    (libc::SIGSTOP, "SIGSTOP"),
    (libc::SIGILL, "SIGILL"),
    (libc::SIGFPE, "SIGFPE"),
    (libc::SIGSEGV, "SIGSEGV"),
    (libc::SIGBUS, "SIGBUS"),
];

/// A listener for one kind of signal: each [`recv`](Signal::recv) returns
/// after a delivery of it.
///
/// * **Deliveries coalesce**: all deliveries between two receives count as
///   one (the kernel already merges pending signals of a kind); each
///   `recv` stands for at least one.
/// * **Every listener sees each delivery**: several `Signal`s for the same
///   kind (in one runtime or several) are all woken.
/// * A listener sees deliveries from its creation on: one the runtime had
///   already dispatched before it was created is not seen.
///
/// # Caveats
///
/// The first listener of a kind installs a process-wide handler that
/// replaces the default action (e.g. termination on `SIGINT`) for the rest
/// of the process's life; it is never uninstalled, even when every
/// listener is gone. A handler installed before weft's is still called.
///
/// # Examples
///
/// ```
/// use weft::signal::unix::{signal, SignalKind};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut hangups = signal(SignalKind::hangup())?;
/// // SAFETY: sends a signal to this process, which now handles it.
/// unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
/// hangups.recv().await;
/// println!("got SIGHUP: reloading");
/// # Ok(())
/// # }
/// ```
#[must_use = "a `Signal` does nothing unless `recv` is awaited"]
pub struct Signal {
    kind: SignalKind,
    slot: &'static Slot,
    registry: &'static Registry,
    sub: Subscription,
    /// The driver whose pump this listener last made sure of.
    driver: usize,
}

/// Starts listening for `kind`, installing the process's handler for it
/// if this is the first listener.
///
/// Must be called inside a weft runtime with I/O enabled: deliveries are
/// read through its I/O driver (the self-pipe trick).
///
/// # Errors
///
/// * `kind` is not a signal number of this platform (`InvalidInput`);
/// * `kind` is one of `SIGKILL`, `SIGSTOP`, `SIGILL`, `SIGFPE`, `SIGSEGV`
///   or `SIGBUS`, which cannot or must not be handled (`Other`);
/// * installing the handler failed, now or at an earlier call for the
///   same kind, or the self-pipe could not be set up (the OS error).
///
/// # Panics
///
/// Outside a weft runtime, or in one built without
/// [`enable_io`](crate::runtime::Builder::enable_io), as tokio does (before
/// `kind` is looked at: an invalid one panics there too).
///
/// # Differences from tokio
///
/// tokio also refuses `SIGKILL`, `SIGSTOP`, `SIGILL`, `SIGFPE` and
/// `SIGSEGV`; weft refuses `SIGBUS` as well (a handler that returns from
/// a `SIGBUS` re-executes the faulting access forever).
///
/// # Examples
///
/// ```
/// use weft::signal::unix::{signal, SignalKind};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let err = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
/// assert!(err.to_string().contains("SIGKILL"));
/// let _usr1 = signal(SignalKind::user_defined1())?;
/// # Ok(())
/// # }
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    // The runtime first, then the number, as tokio checks them: outside a
    // runtime with I/O even an invalid `kind` panics.
    pump::current_with_io();
    let signum = kind.as_raw_value();
    if signum <= 0 || signum > max_signal() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "weft::signal: {signum} is not a signal number (valid: 1..={})",
                max_signal()
            ),
        ));
    }
    if let Some((_, name)) = FORBIDDEN.iter().find(|(n, _)| *n == signum) {
        return Err(io::Error::other(format!(
            "weft::signal: refusing to register signal {signum} ({name}): it cannot be \
             caught, or handling it would hide a fault"
        )));
    }
    let registry = Registry::get()?;
    pump::ensure(registry)?;
    handler::install(registry, signum)?;
    let slot = registry.slot(signum).expect("the number was checked");
    let driver = context_driver();
    Ok(Signal {
        kind,
        slot,
        registry,
        sub: slot.subscribe(),
        driver,
    })
}

/// The current runtime's driver id (0 outside one; no driver has id 0).
fn context_driver() -> usize {
    crate::runtime::context::with_current(|h| h.io_handle().map(|io| io.id()))
        .ok()
        .flatten()
        .unwrap_or(0)
}

impl Signal {
    /// Waits for the next delivery.
    ///
    /// Returns `Some(())` once per delivery since the last call (coalesced,
    /// see [`Signal`]). `None` is in the signature for tokio's sake: weft
    /// never returns it (deliveries never end).
    ///
    /// A listener wakes only while some runtime with a listener (and so a
    /// pump reading the self-pipe) is running; after its own runtime shuts
    /// down, polling it in another runtime starts that runtime's pump.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a delivery that arrives while the future is dropped is
    /// returned by the next call.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::signal::unix::{signal, SignalKind};
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut usr2 = signal(SignalKind::user_defined2())?;
    /// // SAFETY: sends a signal to this process, which now handles it.
    /// unsafe { libc::kill(libc::getpid(), libc::SIGUSR2) };
    /// assert_eq!(usr2.recv().await, Some(()));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery: `Ready(Some(()))` once per delivery
    /// since the last `Ready`, else `Pending` (and `cx`'s waker is woken at
    /// the next delivery). For hand-written futures and `Stream` adapters;
    /// see [`recv`](Signal::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use weft::signal::unix::{signal, SignalKind};
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut winch = signal(SignalKind::window_change())?;
    /// // SAFETY: sends a signal to this process, which now handles it.
    /// unsafe { libc::kill(libc::getpid(), libc::SIGWINCH) };
    /// poll_fn(|cx| winch.poll_recv(cx)).await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.driver = pump::ensure_if_possible(self.registry, self.driver);
        self.slot.poll_recv(&mut self.sub, cx).map(Some)
    }
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        self.slot.unsubscribe(&self.sub);
    }
}
