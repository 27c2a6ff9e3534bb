//! [`Command`]: std's process builder, spawning children that weft waits
//! for without blocking.

use super::{Child, ChildStderr, ChildStdin, ChildStdout, Reaper};
use crate::runtime::{context, messages};
use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command as StdCommand, ExitStatus, Output, Stdio};

/// A process builder: std's [`std::process::Command`] with asynchronous
/// [`spawn`](Command::spawn), [`status`](Command::status) and
/// [`output`](Command::output).
///
/// Every builder method is std's, applied to the inner std command (which
/// [`as_std`](Command::as_std) and [`as_std_mut`](Command::as_std_mut)
/// reach), plus [`kill_on_drop`](Command::kill_on_drop).
///
/// # Examples
///
/// ```
/// use weft::process::Command;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let output = Command::new("sh")
///     .arg("-c")
///     .arg("echo $GREETING from $PWD")
///     .env("GREETING", "hello")
///     .current_dir("/")
///     .output()
///     .await?;
/// assert!(output.status.success());
/// assert_eq!(output.stdout, b"hello from /\n");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Command {
    std: StdCommand,
    kill_on_drop: bool,
}

impl Command {
    /// A command to run `program`, with no arguments, the parent's
    /// environment and working directory, and (for `spawn` and `status`)
    /// the parent's standard streams. A name without a slash is looked up
    /// in `PATH`, as in std.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// let command = Command::new("ls");
    /// assert_eq!(command.get_program(), "ls");
    /// ```
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(StdCommand::new(program))
    }

    /// The inner std command.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// let mut command = Command::new("ls");
    /// command.arg("-l");
    /// assert_eq!(command.as_std().get_args().count(), 1);
    /// ```
    pub fn as_std(&self) -> &StdCommand {
        &self.std
    }

    /// The inner std command, to change (for builder methods weft does not
    /// forward).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// let mut command = Command::new("ls");
    /// command.as_std_mut().arg("-a");
    /// assert_eq!(command.get_args().collect::<Vec<_>>(), ["-a"]);
    /// ```
    pub fn as_std_mut(&mut self) -> &mut StdCommand {
        &mut self.std
    }

    /// The inner std command (the `kill_on_drop` setting is lost).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// let std_command: std::process::Command = Command::new("true").into_std();
    /// assert_eq!(std_command.get_program(), "true");
    /// ```
    pub fn into_std(self) -> StdCommand {
        self.std
    }

    /// Adds an argument.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("echo").arg("one").arg("two").output().await?;
    /// assert_eq!(output.stdout, b"one two\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds several arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("echo").args(["one", "two"]).output().await?;
    /// assert_eq!(output.stdout, b"one two\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("sh").args(["-c", "echo $COLOR"]).env("COLOR", "red").output().await?;
    /// assert_eq!(output.stdout, b"red\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn env<K, V>(&mut self, key: K, val: V) -> &mut Command
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("sh")
    ///     .args(["-c", "echo $A$B"])
    ///     .envs([("A", "1"), ("B", "2")])
    ///     .output()
    ///     .await?;
    /// assert_eq!(output.stdout, b"12\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from what the child inherits.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("sh")
    ///     .args(["-c", "echo \"[$HOME]\""])
    ///     .env_remove("HOME")
    ///     .output()
    ///     .await?;
    /// assert_eq!(output.stdout, b"[]\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what
    /// [`env`](Command::env) adds afterwards).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("/usr/bin/env").env_clear().env("ONLY", "this").output().await?;
    /// assert_eq!(output.stdout, b"ONLY=this\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("pwd").current_dir("/").output().await?;
    /// assert_eq!(output.stdout, b"/\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's standard input: inherited by default for `spawn`
    /// and `status`; [`Stdio::piped`] gives the parent a [`ChildStdin`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("cat").stdin(Stdio::null()).output().await?;
    /// assert!(output.stdout.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// Sets the child's standard output: inherited by default for `spawn`
    /// and `status`, piped for `output`; [`Stdio::piped`] gives the parent
    /// a [`ChildStdout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let status = Command::new("echo").arg("unseen").stdout(Stdio::null()).status().await?;
    /// assert!(status.success());
    /// # Ok(())
    /// # }
    /// ```
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Sets the child's standard error: inherited by default for `spawn`
    /// and `status`, piped for `output`; [`Stdio::piped`] gives the parent
    /// a [`ChildStderr`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let status = Command::new("sh").args(["-c", "echo x >&2"]).stderr(Stdio::null()).status().await?;
    /// assert!(status.success());
    /// # Ok(())
    /// # }
    /// ```
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether a [`Child`] spawned from this command is killed (`SIGKILL`)
    /// when dropped before it exited. Off by default: a dropped child runs
    /// on. Either way it is reaped once it exits (no zombie is left; see
    /// the module docs).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let child = Command::new("sleep").arg("1000").kill_on_drop(true).spawn()?;
    /// drop(child); // killed, then reaped in the background
    /// # Ok(())
    /// # }
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The [`kill_on_drop`](Command::kill_on_drop) setting.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// assert!(!Command::new("true").get_kill_on_drop());
    /// ```
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// The program to run, as given to [`new`](Command::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// assert_eq!(Command::new("ls").get_program(), "ls");
    /// ```
    pub fn get_program(&self) -> &OsStr {
        self.std.get_program()
    }

    /// The arguments (without the program).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// let mut command = Command::new("ls");
    /// command.args(["-l", "/"]);
    /// assert_eq!(command.get_args().collect::<Vec<_>>(), ["-l", "/"]);
    /// ```
    pub fn get_args(&self) -> std::process::CommandArgs<'_> {
        self.std.get_args()
    }

    /// The environment changes made with `env`, `envs` and `env_remove`
    /// (`None`: removed), as std reports them.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::ffi::OsStr;
    /// use weft::process::Command;
    ///
    /// let mut command = Command::new("ls");
    /// command.env("A", "1").env_remove("B");
    /// let envs: Vec<(&OsStr, Option<&OsStr>)> = command.get_envs().collect();
    /// assert_eq!(envs, [(OsStr::new("A"), Some(OsStr::new("1"))), (OsStr::new("B"), None)]);
    /// ```
    pub fn get_envs(&self) -> std::process::CommandEnvs<'_> {
        self.std.get_envs()
    }

    /// The working directory set with [`current_dir`](Command::current_dir).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use weft::process::Command;
    ///
    /// let mut command = Command::new("ls");
    /// assert_eq!(command.get_current_dir(), None);
    /// command.current_dir("/tmp");
    /// assert_eq!(command.get_current_dir(), Some(Path::new("/tmp")));
    /// ```
    pub fn get_current_dir(&self) -> Option<&Path> {
        self.std.get_current_dir()
    }

    /// Runs the child as user `id` (`setuid`; needs the privilege to).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("id").arg("-u").output().await?;
    /// let uid: u32 = String::from_utf8(output.stdout).unwrap().trim().parse().unwrap();
    /// // Our own uid: always allowed.
    /// let output = Command::new("id").arg("-u").uid(uid).output().await?;
    /// assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), uid.to_string());
    /// # Ok(())
    /// # }
    /// ```
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Runs the child with group `id` (`setgid`; needs the privilege to).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("id").arg("-g").output().await?;
    /// let gid: u32 = String::from_utf8(output.stdout).unwrap().trim().parse().unwrap();
    /// // Our own gid: always allowed.
    /// let output = Command::new("id").arg("-g").gid(gid).output().await?;
    /// assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), gid.to_string());
    /// # Ok(())
    /// # }
    /// ```
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Sets the child's `argv[0]` (by default the program as given).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("sh").arg0("renamed").args(["-c", "echo $0"]).output().await?;
    /// assert_eq!(output.stdout, b"renamed\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Runs `f` in the child just before `exec` (std's
    /// [`CommandExt::pre_exec`]); an `Err` it returns fails the spawn with
    /// that error. Several closures run in the order given.
    ///
    /// # Safety
    ///
    /// `f` runs in the child after `fork`, where only async-signal-safe
    /// operations are sound (no allocation, no lock another thread may
    /// have held at the `fork`); every descriptor and mapping of the parent
    /// is duplicated there, and `f` must not break the invariants of the
    /// libraries that own them. std's [`CommandExt::pre_exec`] spells out
    /// the same contract.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut command = Command::new("true");
    /// // SAFETY: the closure only builds an error value (no allocation for
    /// // an OS error) and returns.
    /// unsafe {
    ///     command.pre_exec(|| Err(std::io::Error::from_raw_os_error(1)));
    /// }
    /// let err = command.status().await.unwrap_err();
    /// assert_eq!(err.raw_os_error(), Some(1));
    /// # Ok(())
    /// # }
    /// ```
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds `pre_exec`'s contract, which is std's.
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// Puts the child in process group `pgroup` (`setpgid`); 0 makes a
    /// new group whose id is the child's pid.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // `kill -0 -PGID` succeeds only if that process group exists.
    /// let output = Command::new("sh")
    ///     .args(["-c", "kill -0 -$$ && echo leader"])
    ///     .process_group(0)
    ///     .output()
    ///     .await?;
    /// assert_eq!(output.stdout, b"leader\n", "the child leads its own group");
    /// # Ok(())
    /// # }
    /// ```
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// Starts the child. Its piped standard streams are in
    /// [`Child::stdin`], [`Child::stdout`] and [`Child::stderr`],
    /// registered with the current runtime's I/O driver.
    ///
    /// The system calls run on the calling thread, as in tokio: std's
    /// spawn (`posix_spawn` or `vfork`+`exec` where it can) returns once
    /// the child has called `exec`, typically in 0.1 to 1 ms (the module
    /// docs give the measurements and why it is not moved to the blocking
    /// pool).
    ///
    /// # Errors
    ///
    /// As std's: the program was not found (`NotFound`), is not
    /// executable (`PermissionDenied`), the working directory does not
    /// exist, a `pre_exec` closure failed, the process limit was reached;
    /// and registering a pipe with the driver failed (the child is then
    /// killed and reaped in the background).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime, or in one without I/O
    /// ([`Builder::enable_io`](crate::runtime::Builder::enable_io)): the
    /// driver is what learns that the child exited.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut child = Command::new("sleep").arg("0.01").spawn()?;
    /// assert!(child.id().is_some());
    /// assert!(child.wait().await?.success());
    ///
    /// let err = Command::new("/no/such/program").spawn().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        require_io_driver();
        super::orphan::spawned();
        let mut child = self.std.spawn()?;
        let pipes = (
            child.stdin.take().map(ChildStdin::from_std).transpose(),
            child.stdout.take().map(ChildStdout::from_std).transpose(),
            child.stderr.take().map(ChildStderr::from_std).transpose(),
        );
        // The reaper takes charge first: should a pipe fail to register,
        // dropping it kills (the spawn reports failure, so nobody else
        // will) and hands the child to the orphan queue.
        let mut reaper = Reaper::new(child, self.kill_on_drop);
        match pipes {
            (Ok(stdin), Ok(stdout), Ok(stderr)) => Ok(Child::new(reaper, stdin, stdout, stderr)),
            (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => {
                reaper.set_kill_on_drop(true);
                Err(err)
            }
        }
    }

    /// Spawns the child with its standard streams inherited (unless set
    /// otherwise), closes the parent's ends of any piped ones, and waits
    /// for it to exit.
    ///
    /// The child is spawned when `status` is called, not when the future
    /// is first polled (as in tokio). Dropping the future before it
    /// completes drops the [`Child`], with the
    /// [`kill_on_drop`](Command::kill_on_drop) setting deciding whether it
    /// is killed.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn), and waiting failed.
    ///
    /// # Panics
    ///
    /// As [`spawn`](Command::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let status = Command::new("sh").args(["-c", "exit 3"]).status().await?;
    /// assert_eq!(status.code(), Some(3));
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let child = self.spawn();
        async {
            let mut child = child?;
            // The child may block writing to (or reading from) a pipe
            // nobody serves: close the parent's ends.
            drop(child.stdin.take());
            drop(child.stdout.take());
            drop(child.stderr.take());
            child.wait().await
        }
    }

    /// Spawns the child with its standard output and error piped (and
    /// standard input inherited unless set otherwise, as in tokio), then
    /// collects both streams and the exit status.
    ///
    /// As in tokio, this sets the command's stdout and stderr to
    /// [`Stdio::piped`] for good, and spawns when called (see
    /// [`status`](Command::status)).
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn), and reading or waiting failed.
    ///
    /// # Panics
    ///
    /// As [`spawn`](Command::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let output = Command::new("sh").args(["-c", "echo out; echo err >&2; exit 1"]).output().await?;
    /// assert_eq!(output.status.code(), Some(1));
    /// assert_eq!(output.stdout, b"out\n");
    /// assert_eq!(output.stderr, b"err\n");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async { child?.wait_with_output().await }
    }
}

impl From<StdCommand> for Command {
    /// Wraps a std command, with `kill_on_drop` off.
    fn from(std: StdCommand) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}

/// Panics with a clear message outside a runtime with an I/O driver.
#[track_caller]
fn require_io_driver() {
    match context::with_current(|handle| handle.io_handle().is_some()) {
        Ok(true) => {}
        // Child exits are learnt through the I/O driver.
        Ok(false) => panic!("{}", messages::IO_DISABLED),
        Err(err) => panic!("{err}"),
    }
}
