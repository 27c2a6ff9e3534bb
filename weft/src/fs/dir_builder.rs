//! `DirBuilder`: how a directory is created.

use std::io;
use std::path::Path;

use super::ops;

/// A builder for creating directories in various ways: the asynchronous
/// version of [`std::fs::DirBuilder`].
///
/// # Examples
///
/// ```
/// use weft::fs::DirBuilder;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-dir-builder-{}", std::process::id()));
/// DirBuilder::new().recursive(true).create(dir.join("a/b/c")).await?;
/// assert!(std::fs::metadata(dir.join("a/b/c"))?.is_dir());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct DirBuilder {
    recursive: bool,
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder with the defaults: not recursive, mode `0o777` (before
    /// the umask).
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = weft::fs::DirBuilder::new();
    /// # drop(builder);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        DirBuilder::default()
    }

    /// Whether to create the missing parent directories too; with it, a
    /// directory that already exists is not an error.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut builder = weft::fs::DirBuilder::new();
    /// builder.recursive(true);
    /// ```
    pub fn recursive(&mut self, recursive: bool) -> &mut Self {
        self.recursive = recursive;
        self
    }

    /// The permission bits of the new directories (before the umask).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut builder = weft::fs::DirBuilder::new();
    /// builder.mode(0o755);
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.mode = Some(mode);
        self
    }

    /// Creates the directory at `path` with these options.
    ///
    /// # Errors
    ///
    /// As [`std::fs::DirBuilder::create`]: the path exists (without
    /// `recursive`: [`AlreadyExists`](io::ErrorKind::AlreadyExists)), a
    /// parent is missing (without `recursive`:
    /// [`NotFound`](io::ErrorKind::NotFound)), no permission, ...
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::DirBuilder;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-dir-builder-create-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// DirBuilder::new().mode(0o700).create(dir.join("private")).await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        ops::create_dir(path.as_ref().to_owned(), self.recursive, self.mode).await
    }
}
