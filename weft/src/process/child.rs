//! [`Child`]: a spawned process, its pipes, and waiting for it.

use super::{ChildStderr, ChildStdin, ChildStdout, Reaper};
use crate::io::{AsyncRead, ReadBuf};
use crate::runtime::coop;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::process::{ExitStatus, Output};
use std::task::{ready, Context, Poll};

/// Where a child is: still in charge of its reaper, or exited with its
/// status collected.
#[derive(Debug)]
pub(super) enum State {
    Running(Reaper),
    Done(ExitStatus),
}

/// A child process spawned by [`Command::spawn`](super::Command::spawn).
///
/// Waiting ([`wait`](Child::wait)) does not block a thread: weft learns of
/// the exit through its pidfd or `SIGCHLD` (the module docs). A `Child`
/// dropped before it was waited for keeps running (unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set) and is reaped
/// in the background once it exits: no zombie is left.
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use weft::io::{AsyncBufReadExt, BufReader};
/// use weft::process::Command;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut child = Command::new("printf").arg("a\\nb\\n").stdout(Stdio::piped()).spawn()?;
/// let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
/// let waiting = weft::spawn(async move { child.wait().await });
/// let mut seen = Vec::new();
/// while let Some(line) = lines.next_line().await? {
///     seen.push(line);
/// }
/// assert_eq!(seen, ["a", "b"]);
/// assert!(waiting.await.unwrap()?.success());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Child {
    pub(super) state: State,
    /// The parent's end of the child's standard input, if it was
    /// [`Stdio::piped`](std::process::Stdio::piped).
    pub stdin: Option<ChildStdin>,
    /// The parent's end of the child's standard output, if it was
    /// [`Stdio::piped`](std::process::Stdio::piped).
    pub stdout: Option<ChildStdout>,
    /// The parent's end of the child's standard error, if it was
    /// [`Stdio::piped`](std::process::Stdio::piped).
    pub stderr: Option<ChildStderr>,
}

impl Child {
    pub(super) fn new(
        reaper: Reaper,
        stdin: Option<ChildStdin>,
        stdout: Option<ChildStdout>,
        stderr: Option<ChildStderr>,
    ) -> Child {
        Child {
            state: State::Running(reaper),
            stdin,
            stdout,
            stderr,
        }
    }

    /// The child's process id; `None` once its status was collected (the
    /// number may then belong to another process).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut child = Command::new("true").spawn()?;
    /// assert!(child.id().is_some());
    /// child.wait().await?;
    /// assert_eq!(child.id(), None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running(reaper) => Some(reaper.id()),
            State::Done(_) => None,
        }
    }

    /// Sends `SIGKILL` to the child without waiting for it to exit; a
    /// later [`wait`](Child::wait) (or the background reaping of a dropped
    /// `Child`) collects it. Does nothing once the status was collected.
    ///
    /// # Errors
    ///
    /// The signal could not be sent (as std's `Child::kill`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut child = Command::new("sleep").arg("1000").spawn()?;
    /// child.start_kill()?;
    /// let status = child.wait().await?;
    /// assert_eq!(status.signal(), Some(9));
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running(reaper) => reaper.kill(),
            State::Done(_) => Ok(()),
        }
    }

    /// Sends `SIGKILL` and waits for the child to exit.
    ///
    /// # Errors
    ///
    /// As [`start_kill`](Child::start_kill) and [`wait`](Child::wait).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: the signal is sent at the first poll; dropping the
    /// future then leaves the child to a later `wait` or to the
    /// background reaping.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut child = Command::new("sleep").arg("1000").spawn()?;
    /// child.kill().await?;
    /// assert!(child.try_wait()?.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Waits for the child to exit and returns its status. Drops
    /// [`stdin`](Child::stdin) first, so a child reading it sees end of
    /// file instead of waiting for input forever.
    ///
    /// Once the status is collected it is remembered: later calls return
    /// it at once.
    ///
    /// # Errors
    ///
    /// Collecting the status failed (someone else reaped the child:
    /// `ECHILD`), or the runtime shut down.
    ///
    /// # Panics
    ///
    /// On the `SIGCHLD` path (see the module docs), at the first poll
    /// outside a weft runtime with I/O.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut child = Command::new("sh").args(["-c", "exit 7"]).spawn()?;
    /// assert_eq!(child.wait().await?.code(), Some(7));
    /// assert_eq!(child.wait().await?.code(), Some(7), "remembered");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        let reaper = match &mut self.state {
            State::Done(status) => return Poll::Ready(Ok(*status)),
            State::Running(reaper) => reaper,
        };
        let restore = ready!(coop::poll_proceed(cx));
        let status = ready!(reaper.poll_wait(cx))?;
        restore.made_progress();
        // Dropping the reaper deregisters the pidfd; the status is cached
        // in the std child, so its drop sees an exited child.
        self.state = State::Done(status);
        Poll::Ready(Ok(status))
    }

    /// The status if the child has exited, collecting it; `None` if it is
    /// still running. Never waits.
    ///
    /// # Errors
    ///
    /// Collecting the status failed (as std's `Child::try_wait`).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut child = Command::new("sleep").arg("1000").spawn()?;
    /// assert!(child.try_wait()?.is_none());
    /// child.kill().await?;
    /// assert!(child.try_wait()?.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let reaper = match &mut self.state {
            State::Done(status) => return Ok(Some(*status)),
            State::Running(reaper) => reaper,
        };
        let status = reaper.try_wait()?;
        if let Some(status) = status {
            self.state = State::Done(status);
        }
        Ok(status)
    }

    /// Waits for the child to exit while reading all of its standard
    /// output and error (those that are piped; the others come back
    /// empty). Reading both while waiting is what keeps a child that
    /// writes more than a pipe holds from blocking forever. Standard
    /// input is closed first, as by [`wait`](Child::wait).
    ///
    /// # Errors
    ///
    /// Reading a pipe or waiting failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let child = Command::new("sh")
    ///     .args(["-c", "head -c 1000000 /dev/zero"])
    ///     .stdout(Stdio::piped())
    ///     .spawn()?;
    /// let output = child.wait_with_output().await?;
    /// assert!(output.status.success());
    /// assert_eq!(output.stdout.len(), 1_000_000);
    /// assert!(output.stderr.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        let mut stdout = self.stdout.take();
        let mut stderr = self.stderr.take();
        let (status, stdout_bytes, stderr_bytes) = crate::try_join!(
            self.wait(),
            read_all(stdout.as_mut()),
            read_all(stderr.as_mut()),
        )?;
        // The pipes close only now, once all three are done.
        drop((stdout, stderr));
        Ok(Output {
            status,
            stdout: stdout_bytes,
            stderr: stderr_bytes,
        })
    }
}

/// Reads `pipe` to end of file (nothing if there is no pipe).
async fn read_all<R: AsyncRead + Unpin>(pipe: Option<&mut R>) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let Some(pipe) = pipe else {
        return Ok(bytes);
    };
    poll_fn(|cx| loop {
        if bytes.capacity() - bytes.len() < 4096 {
            bytes.reserve(if bytes.is_empty() { 8192 } else { bytes.len() });
        }
        let filled = bytes.len();
        let mut buf = ReadBuf::uninit(bytes.spare_capacity_mut());
        ready!(Pin::new(&mut *pipe).poll_read(cx, &mut buf))?;
        let n = buf.filled().len();
        if n == 0 {
            return Poll::Ready(Ok::<(), io::Error>(()));
        }
        // SAFETY: `poll_read` filled (initialized) the first `n` bytes of
        // the spare capacity, which follow the `filled` bytes already in.
        unsafe { bytes.set_len(filled + n) };
    })
    .await?;
    Ok(bytes)
}
