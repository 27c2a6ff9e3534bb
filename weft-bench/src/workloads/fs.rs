//! File workloads: small whole-file reads (one at a time and 1,000 at
//! once), 1,000 `metadata` calls at once, a 1 MiB write made durable with
//! `sync_all`, and a large file streamed through `File` + `BufReader`; each
//! on weft's and tokio's `fs` and smol's `async-fs`, and, as the physical
//! reference, the same calls through `std::fs` on one thread.
//!
//! The files live in one scratch directory per process
//! (`$TMPDIR/weft-bench-fs-<pid>-<n>`), shared by the three runtimes and the
//! reference (so the large file exists once), made before the first sample
//! and removed when the last sampler is dropped. Reads come from the page
//! cache, the same for all.

use std::future::Future;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use crate::rt::{Files, Flavor, Rt};
use crate::stats::Unit;
use crate::workload::{FsTimed, Sampler, Settings};

/// Size of the small files.
pub const SMALL: usize = 4 * 1024;
/// Reads of one small file per `fs_read_4k` sample (`--quick`: 200).
pub const READS: usize = 1_000;
/// Files read (or stat'ed) at once by the concurrent rows.
pub const FILES: usize = 1_000;
/// Bytes written per `fs_write_1m_sync_all` sample.
pub const WRITE: usize = 1024 * 1024;
/// Size of the streamed file (`--quick`: 16 MiB).
pub const STREAM: usize = 64 * 1024 * 1024;

fn reads(settings: &Settings) -> usize {
    if settings.quick {
        200
    } else {
        READS
    }
}

fn stream_size(settings: &Settings) -> usize {
    if settings.quick {
        16 * 1024 * 1024
    } else {
        STREAM
    }
}

/// The process's scratch directory, removed with its last user.
#[derive(Debug)]
pub struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    /// The shared fixture, created on first use.
    ///
    /// # Errors
    ///
    /// When the directory cannot be created.
    pub fn get() -> io::Result<Arc<Fixture>> {
        static SHARED: Mutex<Weak<Fixture>> = Mutex::new(Weak::new());
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(fixture) = shared.upgrade() {
            return Ok(fixture);
        }
        // A new name for each fixture: one made while the last is being
        // removed never shares its directory.
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("weft-bench-fs-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let fixture = Arc::new(Fixture { dir });
        *shared = Arc::downgrade(&fixture);
        Ok(fixture)
    }

    /// `n` files of [`SMALL`] bytes (made if missing), each with its own
    /// contents.
    ///
    /// # Errors
    ///
    /// When a file cannot be written.
    pub fn small_files(&self, n: usize) -> io::Result<Vec<PathBuf>> {
        (0..n)
            .map(|i| {
                let path = self.dir.join(format!("small-{i}"));
                if std::fs::metadata(&path).map(|m| m.len()).ok() != Some(SMALL as u64) {
                    std::fs::write(&path, small_contents(i))?;
                }
                Ok(path)
            })
            .collect()
    }

    /// A file of `size` bytes (made if missing).
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn big_file(&self, size: usize) -> io::Result<PathBuf> {
        let path = self.dir.join(format!("big-{size}"));
        if std::fs::metadata(&path).map(|m| m.len()).ok() != Some(size as u64) {
            let mut file = io::BufWriter::new(std::fs::File::create(&path)?);
            let chunk: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
            for _ in 0..size / chunk.len() {
                file.write_all(&chunk)?;
            }
            file.write_all(&chunk[..size % chunk.len()])?;
            file.flush()?;
        }
        Ok(path)
    }

    /// Where a writer named `who` writes.
    pub fn target(&self, who: &str) -> PathBuf {
        self.dir.join(format!("written-{who}"))
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The contents of small file `i`: its number, then filler.
fn small_contents(i: usize) -> Vec<u8> {
    let mut contents = format!("small file {i}\n").into_bytes();
    contents.resize(SMALL, b'.');
    contents
}

/// Checks a small file's contents.
fn check_small(i: usize, contents: &[u8]) -> io::Result<()> {
    if contents.len() == SMALL && contents.starts_with(format!("small file {i}\n").as_bytes()) {
        Ok(())
    } else {
        Err(io::Error::other(format!("small file {i} read back wrong")))
    }
}

/// Checks a byte count: `what` (a verb) `got` bytes, `want` expected.
fn check_bytes(what: &str, got: u64, want: usize) -> io::Result<()> {
    if got == want as u64 {
        Ok(())
    } else {
        Err(io::Error::other(format!("{what} {got} bytes, not {want}")))
    }
}

/// Runs `f` as one task on `rt` (on a worker, not on the thread in
/// `block_on`) and waits for its result.
fn in_task<R: Rt, T: Send + 'static>(
    rt: &R::Runtime,
    f: impl Future<Output = io::Result<T>> + Send + 'static,
) -> io::Result<T> {
    let sp = R::spawner(rt);
    R::block_on(rt, async move { R::spawn(sp, f).await })
}

/// Microseconds since `start`.
fn micros(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e6
}

/// `fs_read_4k`: `fs::read` of one 4 KiB file, over and over, one at a
/// time; µs per read.
#[derive(Debug)]
pub struct Read4k;

impl FsTimed for Read4k {
    const NAME: &'static str = "fs_read_4k";
    const UNIT: Unit = Unit::lower("µs/op");
    const ABOUT: &'static str =
        "fs::read of one 4 KiB file, 1,000 in a row in one task (200 with --quick); µs per read";

    fn prepare<R: Files>(settings: &Settings) -> io::Result<Sampler> {
        let fixture = Fixture::get()?;
        let path = fixture.small_files(1)?.remove(0);
        let rt = R::build(Flavor::MultiThread(settings.workers))?;
        let n = reads(settings);
        Ok(Box::new(move || {
            let _fixture = &fixture;
            let path = path.clone();
            in_task::<R, _>(&rt, async move {
                let start = Instant::now();
                for _ in 0..n {
                    check_small(0, &R::read_file(path.clone()).await?)?;
                }
                Ok(micros(start) / n as f64)
            })
        }))
    }

    fn reference(settings: &Settings) -> io::Result<Sampler> {
        let fixture = Fixture::get()?;
        let path = fixture.small_files(1)?.remove(0);
        let n = reads(settings);
        Ok(Box::new(move || {
            let _fixture = &fixture;
            let start = Instant::now();
            for _ in 0..n {
                check_small(0, &std::fs::read(&path)?)?;
            }
            Ok(micros(start) / n as f64)
        }))
    }
}

/// The sampler of a concurrent row on `R`: each sample spawns one task
/// per small file ([`FILES`] of them) running `op(i, path)` and waits for
/// all; µs per file.
fn concurrent<R, T, F, Fut>(settings: &Settings, op: F) -> io::Result<Sampler>
where
    R: Files,
    F: Fn(usize, PathBuf) -> Fut + 'static,
    Fut: Future<Output = io::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let fixture = Fixture::get()?;
    let paths = fixture.small_files(FILES)?;
    let rt = R::build(Flavor::MultiThread(settings.workers))?;
    Ok(Box::new(move || {
        let _fixture = &fixture;
        let sp = R::spawner(&rt);
        let futures: Vec<_> = paths
            .iter()
            .enumerate()
            .map(|(i, path)| op(i, path.clone()))
            .collect();
        R::block_on(&rt, async move {
            let start = Instant::now();
            let handles: Vec<_> = futures.into_iter().map(|f| R::spawn(sp, f)).collect();
            for handle in handles {
                handle.await?;
            }
            Ok::<_, io::Error>(micros(start))
        })
        .map(|total| total / paths.len() as f64)
    }))
}

/// The reference of a concurrent row: `op(i, path)` on each small file in
/// turn, on the calling thread; µs per file.
fn in_turn(op: fn(usize, &Path) -> io::Result<()>) -> io::Result<Sampler> {
    let fixture = Fixture::get()?;
    let paths = fixture.small_files(FILES)?;
    Ok(Box::new(move || {
        let _fixture = &fixture;
        let start = Instant::now();
        for (i, path) in paths.iter().enumerate() {
            op(i, path)?;
        }
        Ok(micros(start) / paths.len() as f64)
    }))
}

/// `fs_read_4k_1000_concurrent`: 1,000 tasks each `fs::read` a different
/// 4 KiB file; µs per read (the batch's wall time over 1,000).
#[derive(Debug)]
pub struct Read4kConcurrent;

impl FsTimed for Read4kConcurrent {
    const NAME: &'static str = "fs_read_4k_1000_concurrent";
    const UNIT: Unit = Unit::lower("µs/op");
    const ABOUT: &'static str = "1,000 tasks each fs::read a different 4 KiB file, all at once; \
         wall time over 1,000 (µs per read)";

    fn prepare<R: Files>(settings: &Settings) -> io::Result<Sampler> {
        concurrent::<R, _, _, _>(settings, |i, path| async move {
            check_small(i, &R::read_file(path).await?)
        })
    }

    fn reference(_settings: &Settings) -> io::Result<Sampler> {
        in_turn(|i, path| check_small(i, &std::fs::read(path)?))
    }
}

/// `fs_metadata_1000`: 1,000 tasks each call `fs::metadata` on a different
/// file; µs per call (the batch's wall time over 1,000).
#[derive(Debug)]
pub struct Metadata1000;

impl FsTimed for Metadata1000 {
    const NAME: &'static str = "fs_metadata_1000";
    const UNIT: Unit = Unit::lower("µs/op");
    const ABOUT: &'static str = "1,000 tasks each fs::metadata a different file, all at once; \
         wall time over 1,000 (µs per call)";

    fn prepare<R: Files>(settings: &Settings) -> io::Result<Sampler> {
        concurrent::<R, _, _, _>(settings, |_, path| async move {
            check_bytes("metadata says", R::file_len(path).await?, SMALL)
        })
    }

    fn reference(_settings: &Settings) -> io::Result<Sampler> {
        in_turn(|_, path| check_bytes("metadata says", std::fs::metadata(path)?.len(), SMALL))
    }
}

/// `fs_write_1m_sync_all`: create a file, write 1 MiB with `write_all`,
/// flush, `sync_all`; ms per file.
#[derive(Debug)]
pub struct Write1mSyncAll;

fn check_written(path: &Path) -> io::Result<()> {
    check_bytes("wrote", std::fs::metadata(path)?.len(), WRITE)
}

impl FsTimed for Write1mSyncAll {
    const NAME: &'static str = "fs_write_1m_sync_all";
    const UNIT: Unit = Unit::lower("ms");
    const ABOUT: &'static str =
        "File::create, write_all of 1 MiB, flush, sync_all (the same file each sample); ms";

    fn prepare<R: Files>(settings: &Settings) -> io::Result<Sampler> {
        let fixture = Fixture::get()?;
        let path = fixture.target(R::KIND.name());
        let data = Arc::new(vec![0x5a_u8; WRITE]);
        let rt = R::build(Flavor::MultiThread(settings.workers))?;
        Ok(Box::new(move || {
            let (path, data) = (path.clone(), Arc::clone(&data));
            let ms = in_task::<R, _>(&rt, async move {
                let start = Instant::now();
                R::write_and_sync(path, data).await?;
                Ok(micros(start) / 1e3)
            })?;
            check_written(&fixture.target(R::KIND.name()))?;
            Ok(ms)
        }))
    }

    fn reference(_settings: &Settings) -> io::Result<Sampler> {
        let fixture = Fixture::get()?;
        let path = fixture.target("std");
        let data = vec![0x5a_u8; WRITE];
        Ok(Box::new(move || {
            let _fixture = &fixture;
            let start = Instant::now();
            let mut file = std::fs::File::create(&path)?;
            file.write_all(&data)?;
            file.flush()?;
            file.sync_all()?;
            let ms = micros(start) / 1e3;
            check_written(&path)?;
            Ok(ms)
        }))
    }
}

/// `fs_stream_64m_bufreader`: a 64 MiB file read through `File` and
/// `BufReader`; ms per file.
#[derive(Debug)]
pub struct Stream64mBufReader;

impl FsTimed for Stream64mBufReader {
    const NAME: &'static str = "fs_stream_64m_bufreader";
    const UNIT: Unit = Unit::lower("ms");
    const ABOUT: &'static str = "a 64 MiB file (16 MiB with --quick) read through File and \
         BufReader (8 KiB) with fill_buf/consume; ms";

    fn prepare<R: Files>(settings: &Settings) -> io::Result<Sampler> {
        let fixture = Fixture::get()?;
        let size = stream_size(settings);
        let path = fixture.big_file(size)?;
        let rt = R::build(Flavor::MultiThread(settings.workers))?;
        Ok(Box::new(move || {
            let _fixture = &fixture;
            let path = path.clone();
            in_task::<R, _>(&rt, async move {
                let start = Instant::now();
                let total = R::stream_file(path).await?;
                check_bytes("streamed", total, size)?;
                Ok(micros(start) / 1e3)
            })
        }))
    }

    fn reference(settings: &Settings) -> io::Result<Sampler> {
        let fixture = Fixture::get()?;
        let size = stream_size(settings);
        let path = fixture.big_file(size)?;
        Ok(Box::new(move || {
            let _fixture = &fixture;
            let start = Instant::now();
            let mut reader = io::BufReader::new(std::fs::File::open(&path)?);
            let mut total = 0u64;
            loop {
                let n = reader.fill_buf()?.len();
                if n == 0 {
                    break;
                }
                reader.consume(n);
                total += n as u64;
            }
            check_bytes("streamed", total, size)?;
            Ok(micros(start) / 1e3)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::{SmolRt, TokioRt, WeftRt};

    /// One sample of `B` on `R` and of its reference, with `--quick` sizes:
    /// each checks its files' contents and sizes itself.
    fn check<B: FsTimed, R: Files>() {
        let settings = Settings {
            workers: 2,
            quick: true,
        };
        let value = (B::prepare::<R>(&settings).unwrap())().unwrap();
        assert!(value > 0.0, "{} on {}: {value}", B::NAME, R::KIND);
        let reference = (B::reference(&settings).unwrap())().unwrap();
        assert!(reference > 0.0, "{} reference: {reference}", B::NAME);
    }

    fn on_every_runtime<B: FsTimed>() {
        check::<B, WeftRt>();
        check::<B, TokioRt>();
        check::<B, SmolRt>();
    }

    #[test]
    fn fs_workloads_complete_on_every_runtime_and_std() {
        on_every_runtime::<Read4k>();
        on_every_runtime::<Read4kConcurrent>();
        on_every_runtime::<Metadata1000>();
        on_every_runtime::<Write1mSyncAll>();
        on_every_runtime::<Stream64mBufReader>();
    }

    #[test]
    fn the_fixture_is_shared_and_makes_its_files() {
        let a = Fixture::get().unwrap();
        let b = Fixture::get().unwrap();
        assert_eq!(a.dir, b.dir);
        let files = a.small_files(3).unwrap();
        check_small(2, &std::fs::read(&files[2]).unwrap()).unwrap();
        assert!(check_small(1, &std::fs::read(&files[2]).unwrap()).is_err());
        let big = b.big_file(100_000).unwrap();
        assert_eq!(std::fs::metadata(big).unwrap().len(), 100_000);
    }
}
