//! `OpenOptions`: how a file is opened.

use std::fs::OpenOptions as StdOpenOptions;
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::{ops, File};

/// Options and flags for opening a file: the asynchronous version of
/// [`std::fs::OpenOptions`], with the same methods, whose
/// [`open`](OpenOptions::open) returns a weft [`File`].
///
/// Start from [`OpenOptions::new`] (every option off) or [`File::options`],
/// set what is needed, then call `open`.
///
/// # Examples
///
/// ```
/// use weft::fs::OpenOptions;
/// use weft::io::AsyncWriteExt;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-open-options-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let mut file = OpenOptions::new()
///     .read(true)
///     .write(true)
///     .create(true)
///     .truncate(false)
///     .open(dir.join("foo.txt"))
///     .await?;
/// file.write_all(b"data").await?;
/// file.flush().await?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    std: StdOpenOptions,
    /// The same options, readable (std's are not): what the io_uring
    /// backend opens with. `None` for options made from std's
    /// (`From<std::fs::OpenOptions>`), whose settings cannot be read:
    /// those open on the blocking pool.
    own: Option<Own>,
}

/// weft's copy of the options std keeps.
#[derive(Clone, Copy, Debug)]
struct Own {
    access: crate::sys::OpenAccess,
    mode: u32,
}

impl OpenOptions {
    /// Records a setting in weft's copy too.
    fn set_own(&mut self, set: impl FnOnce(&mut Own)) {
        if let Some(own) = &mut self.own {
            set(own);
        }
    }

    /// The `open(2)` flags and mode std would use, if known and valid.
    fn flags(&self) -> Option<(i32, u32)> {
        let own = self.own.as_ref()?;
        Some((crate::sys::open_flags(&own.access)?, own.mode))
    }
}

impl OpenOptions {
    /// Every option off: opening fails until `read`, `write` or `append`
    /// is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::OpenOptions;
    ///
    /// let mut options = OpenOptions::new();
    /// let future = options.read(true).open("foo.txt");
    /// # drop(future);
    /// ```
    #[must_use]
    pub fn new() -> OpenOptions {
        OpenOptions {
            std: StdOpenOptions::new(),
            own: Some(Own {
                access: crate::sys::OpenAccess::default(),
                // std's default: read and write for everyone, before the
                // umask.
                mode: 0o666,
            }),
        }
    }

    /// Opens for reading.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = weft::fs::OpenOptions::new();
    /// options.read(true);
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.std.read(read);
        self.set_own(|own| own.access.read = read);
        self
    }

    /// Opens for writing (from the start of the file, overwriting).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = weft::fs::OpenOptions::new();
    /// options.write(true);
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.std.write(write);
        self.set_own(|own| own.access.write = write);
        self
    }

    /// Opens for appending: every write goes to the end of the file
    /// (`O_APPEND`), whatever the position. Implies write access.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = weft::fs::OpenOptions::new();
    /// options.append(true);
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.std.append(append);
        self.set_own(|own| own.access.append = append);
        self
    }

    /// Truncates an existing file to length 0 on open (needs write
    /// access).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = weft::fs::OpenOptions::new();
    /// options.write(true).truncate(true);
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.std.truncate(truncate);
        self.set_own(|own| own.access.truncate = truncate);
        self
    }

    /// Creates the file if it does not exist (needs write or append
    /// access).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = weft::fs::OpenOptions::new();
    /// options.write(true).create(true);
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.std.create(create);
        self.set_own(|own| own.access.create = create);
        self
    }

    /// Creates the file, failing if it exists (`O_CREAT | O_EXCL`, one
    /// atomic step); `create` and `truncate` are then ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = weft::fs::OpenOptions::new();
    /// options.write(true).create_new(true);
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.std.create_new(create_new);
        self.set_own(|own| own.access.create_new = create_new);
        self
    }

    /// Opens `path` with these options.
    ///
    /// # Errors
    ///
    /// As [`std::fs::OpenOptions::open`], with the same
    /// [`io::ErrorKind`]s (and, like std, without the path in the
    /// message):
    ///
    /// * [`NotFound`](io::ErrorKind::NotFound): the file (or a parent
    ///   directory) does not exist and `create` is off;
    /// * [`PermissionDenied`](io::ErrorKind::PermissionDenied): no
    ///   permission to open the file as asked, or to create it;
    /// * [`AlreadyExists`](io::ErrorKind::AlreadyExists): `create_new` and
    ///   the file exists;
    /// * [`IsADirectory`](io::ErrorKind::IsADirectory): `path` is a
    ///   directory and write access was asked for;
    /// * [`NotADirectory`](io::ErrorKind::NotADirectory): a component of
    ///   the path's directories is a file;
    /// * [`InvalidInput`](io::ErrorKind::InvalidInput): an invalid mix of
    ///   options (say, `truncate` without write access);
    /// * the raw OS error `EMFILE` ("Too many open files") when the process
    ///   has no descriptor left.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::OpenOptions;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let err = OpenOptions::new().read(true).open("/no/such/file").await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # }
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let std = ops::open(path.as_ref().to_owned(), self.std.clone(), self.flags()).await?;
        Ok(File::from_std(std))
    }

    /// The permission bits a newly created file gets (before the umask);
    /// `0o666` by default.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = weft::fs::OpenOptions::new();
    /// options.write(true).create(true).mode(0o600);
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        self.std.mode(mode);
        self.set_own(|own| own.mode = mode);
        self
    }

    /// Extra flags for `open(2)` (such as `O_NOFOLLOW`); the access mode
    /// bits are masked out (set them with `read`/`write`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = weft::fs::OpenOptions::new();
    /// // O_NOFOLLOW on Linux.
    /// options.read(true).custom_flags(0o400000);
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        self.std.custom_flags(flags);
        self.set_own(|own| own.access.custom_flags = flags);
        self
    }
}

impl From<StdOpenOptions> for OpenOptions {
    /// Wraps std's options. Their settings cannot be read back, so a file
    /// opened with them (or with options made from them) opens on the
    /// blocking pool, also where the runtime runs `fs` on io_uring.
    fn from(std: StdOpenOptions) -> OpenOptions {
        OpenOptions { std, own: None }
    }
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self::new()
    }
}
