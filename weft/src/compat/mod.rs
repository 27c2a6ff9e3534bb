//! Other ecosystems' I/O traits on weft's I/O types, so that crates
//! written against them take a weft socket or stream as it is: today
//! `futures_io::{AsyncRead, AsyncWrite, AsyncBufRead, AsyncSeek}`, feature
//! `futures-io` (`futures_io.rs`).
//!
//! This module holds trait impls only. tokio's I/O traits and hyper's
//! `rt` traits are not here: they come through adapters in the workspace
//! crates `weft-tokio-io` and `weft-hyper`, because those traits live in
//! crates that depend on the `tokio` crate, which weft must not depend on
//! (under the tokio drop-in, `tokio` is weft: a cycle; see the crate docs).
//! An adapter type is generic (`Compat<T>` for any weft `AsyncRead`), so it
//! needs no list.
//!
//! # Design
//!
//! **One list, one macro per dialect.** The orphan rule forbids a blanket
//! impl (`impl<T: weft::io::AsyncRead> futures_io::AsyncRead for T`: both
//! the trait and `T` would be foreign to weft), so each dialect implements
//! its traits type by type. The types are named once, in
//! `for_each_io_type!` (below), each with what it does: `read` (weft's
//! `AsyncRead`), `buf_read` (`AsyncBufRead`), `write` (`AsyncWrite`),
//! `seek` (`AsyncSeek`). Each dialect file defines one macro with an arm
//! for each of those words, and expands the list with it
//! (`for_each_io_type!(futures_io_impl)`). A weft I/O type added to the
//! list gets every dialect at once; a dialect added later (a trait crate
//! that does not depend on `tokio`) is one file and one macro.
//!
//! **The bound is weft's own impl.** The impls for a generic type are
//! bounded by the weft trait they forward to, on the type itself:
//! `impl<R> futures_io::AsyncRead for BufReader<R> where BufReader<R>:
//! weft::io::AsyncRead`. So a dialect impl exists exactly when weft's
//! does, whatever weft's bounds are, and no bound is copied here to drift.
//! A non-generic type needs no bound (an entry that claims a trait the
//! type lacks does not compile).
//!
//! **Who reads, who writes.** Some types go one way only: `Repeat`,
//! `Stdin`, `Chain`, `Take` and every read half only read; `Sink`,
//! `StdWriter` (`Stdout`, `Stderr`) and every write half only write.
//! `buf_read` is for the types with an internal buffer (`BufReader`,
//! `BufWriter` over a buffered reader, `BufStream`, `Chain`, `Take`,
//! `Empty`).
//!
//! **Seeking** (`seek`, weft's `AsyncSeek`, two steps: `start_seek`, then
//! `poll_complete`): futures-io's trait has one call,
//! `poll_seek(position)`, repeated until it is ready; bridging it needs a
//! record of which seek is in flight (so that a repeated call waits for it
//! rather than seeking again), which the type keeps: a type listed with
//! `seek` has an inherent `poll_seek_to(self: Pin<&mut Self>, cx,
//! position)` that the futures-io dialect calls (`File` keeps the target
//! of the seek in flight; `Empty` completes every seek at once). The
//! buffered adapters (`BufReader`, `BufWriter`, `BufStream`) also seek in
//! weft but are not listed (`SEEK_NOT_BRIDGED` below): they keep no such
//! record yet, so futures-io's seek is not offered for them.
//!
//! **Not in the list**: the std and pointer types weft's traits are also
//! implemented for (`Box`, `&mut T`, `Pin<P>`, `&[u8]`, `io::Cursor`,
//! `Vec<u8>`: the orphan rule leaves them to each dialect's own crate).
//!
//! **A type missing from the list is noticed**: a unit test below scans
//! weft's sources for impls of its I/O traits and fails when a type (or
//! one of its traits) is not listed, or when the list claims a trait that
//! no impl in the sources provides.
//! The integration test `io_compat_types` checks every listed type
//! through each dialect's traits from outside the crate.

/// Expands `$dialect!(capability [attributes] [generics] Type [bounded])`
/// for each capability of each weft I/O type, the capability being `read`,
/// `buf_read`, `write` or `seek`, and `bounded` the type again if it is generic
/// (its impl is then bounded by weft's trait), or nothing.
///
/// The list is written `[generics] Type => capabilities;`, behind the
/// `cfg` of the feature that provides the type.
macro_rules! for_each_io_type {
    ($dialect:ident) => {
        for_each_io_type! { @list $dialect
            // In-memory streams.
            [] crate::io::DuplexStream => read write;
            [] crate::io::SimplexStream => read write;
            [] crate::io::Empty => read buf_read write seek;
            [] crate::io::Repeat => read;
            [] crate::io::Sink => write;
            // Buffers and adapters over other readers and writers.
            [R] crate::io::BufReader<R> => read buf_read write;
            [W] crate::io::BufWriter<W> => read buf_read write;
            [S] crate::io::BufStream<S> => read buf_read write;
            [T, U] crate::io::Chain<T, U> => read buf_read;
            [R, W] crate::io::Join<R, W> => read buf_read write;
            [R] crate::io::Take<R> => read buf_read;
            [T] crate::io::ReadHalf<T> => read;
            [T] crate::io::WriteHalf<T> => write;
            // The process's standard streams.
            #[cfg(feature = "io-std")] [] crate::io::Stdin => read;
            #[cfg(feature = "io-std")] [S] crate::io::StdWriter<S> => write;
            // TCP.
            #[cfg(feature = "net")] [] crate::net::TcpStream => read write;
            #[cfg(feature = "net")] ['a] crate::net::tcp::ReadHalf<'a> => read;
            #[cfg(feature = "net")] ['a] crate::net::tcp::WriteHalf<'a> => write;
            #[cfg(feature = "net")] [] crate::net::tcp::OwnedReadHalf => read;
            #[cfg(feature = "net")] [] crate::net::tcp::OwnedWriteHalf => write;
            // Unix domain sockets.
            #[cfg(feature = "net")] [] crate::net::UnixStream => read write;
            #[cfg(feature = "net")] ['a] crate::net::unix::ReadHalf<'a> => read;
            #[cfg(feature = "net")] ['a] crate::net::unix::WriteHalf<'a> => write;
            #[cfg(feature = "net")] [] crate::net::unix::OwnedReadHalf => read;
            #[cfg(feature = "net")] [] crate::net::unix::OwnedWriteHalf => write;
            #[cfg(feature = "net")] [] crate::net::unix::pipe::Receiver => read;
            #[cfg(feature = "net")] [] crate::net::unix::pipe::Sender => write;
            // Files.
            #[cfg(feature = "fs")] [] crate::fs::File => read write seek;
            // A child process's pipes.
            #[cfg(feature = "process")] [] crate::process::ChildStdin => write;
            #[cfg(feature = "process")] [] crate::process::ChildStdout => read;
            #[cfg(feature = "process")] [] crate::process::ChildStderr => read;
        }
    };
    (@list $dialect:ident
        $($(#[$attr:meta])* [$($generics:tt),*] $ty:ty => $($capability:ident)+;)*
    ) => {
        $(for_each_io_type! {
            @type $dialect [$(#[$attr])*] [$($generics),*] $ty => $($capability)+
        })*
    };
    // A generic type's impls are bounded by weft's trait on the type (the
    // last bracket); a non-generic type needs no bound.
    (@type $dialect:ident $attrs:tt [] $ty:ty => $($capability:ident)+) => {
        $($dialect! { $capability $attrs [] $ty [] })+
    };
    (@type $dialect:ident $attrs:tt $generics:tt $ty:ty => $($capability:ident)+) => {
        $($dialect! { $capability $attrs $generics $ty [$ty] })+
    };
}

mod futures_io;

#[cfg(all(test, feature = "rt", not(weft_loom), not(miri)))]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    /// The weft I/O traits a list entry's capability stands for.
    fn trait_of(capability: &str) -> &'static str {
        match capability {
            "read" => "AsyncRead",
            "buf_read" => "AsyncBufRead",
            "write" => "AsyncWrite",
            "seek" => "AsyncSeek",
            other => panic!("unknown capability {other}"),
        }
    }

    /// `crate::net::tcp::ReadHalf<'a>` -> `ReadHalf`.
    fn type_name(path: &str) -> String {
        let path = path.split('<').next().unwrap_or(path);
        path.rsplit("::").next().unwrap_or(path).trim().to_string()
    }

    /// How many list entries give each (type name, weft trait) pair (three
    /// types are named `ReadHalf`, hence a count).
    fn listed() -> BTreeMap<(String, &'static str), usize> {
        let mut listed = BTreeMap::new();
        macro_rules! count {
            ($capability:ident [$(#[$attr:meta])*] $generics:tt $ty:ty [$($bounded:ty)?]) => {
                $(#[$attr])*
                {
                    *listed
                        .entry((type_name(stringify!($ty)), trait_of(stringify!($capability))))
                        .or_insert(0) += 1;
                }
            };
        }
        for_each_io_type!(count);
        listed
    }

    /// The first line of an impl block of one of weft's I/O traits, as
    /// `(type name, trait)`; `None` for any other line (another crate's
    /// trait, such as `futures_io::AsyncRead`, has a path before it).
    fn weft_impl(line: &str) -> Option<(String, &'static str)> {
        let line = line.trim_start();
        if !line.starts_with("impl") {
            return None;
        }
        for name in ["AsyncRead", "AsyncBufRead", "AsyncWrite", "AsyncSeek"] {
            let Some(at) = line.find(&format!(" {name} for ")) else {
                continue;
            };
            let ty = &line[at + name.len() + " for ".len() + 1..];
            let ty = ty.split([' ', '{']).next().unwrap_or(ty);
            return Some((type_name(ty), name));
        }
        None
    }

    /// Types with weft's traits that the dialects' crates cover themselves
    /// (std and pointer types).
    const NOT_LISTED: &[&str] = &["Box", "Pin", "Cursor", "Vec"];

    /// Types whose weft `AsyncSeek` is not bridged (see the module docs:
    /// they keep no record of the seek in flight for futures-io's
    /// one-call seek).
    const SEEK_NOT_BRIDGED: &[&str] = &["BufReader", "BufWriter", "BufStream"];

    fn scan(dir: &Path, found: &mut BTreeMap<(String, &'static str), usize>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("compat") {
                    scan(&path, found);
                }
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for line in source.lines() {
                // Test modules come last in a file; their readers and
                // writers are not weft's.
                if line.trim_start().starts_with("mod tests {") {
                    break;
                }
                if let Some((name, weft_trait)) = weft_impl(line) {
                    // `&T` and a macro's `$ty` (the in-memory std writers)
                    // are not weft's types.
                    let foreign = name.starts_with('&') || name.starts_with('$');
                    let unbridged =
                        weft_trait == "AsyncSeek" && SEEK_NOT_BRIDGED.contains(&name.as_str());
                    if !foreign && !unbridged && !NOT_LISTED.contains(&name.as_str()) {
                        *found.entry((name, weft_trait)).or_insert(0) += 1;
                    }
                }
            }
        }
    }

    #[test]
    fn the_scanner_reads_impl_lines() {
        assert_eq!(
            weft_impl("impl<R: AsyncRead> AsyncBufRead for BufReader<R> {"),
            Some(("BufReader".to_string(), "AsyncBufRead"))
        );
        assert_eq!(
            weft_impl("impl AsyncRead for ReadHalf<'_> {"),
            Some(("ReadHalf".to_string(), "AsyncRead"))
        );
        assert_eq!(weft_impl("impl futures_io::AsyncRead for X {"), None);
        assert_eq!(weft_impl("// impl AsyncRead for X"), None);
    }

    #[test]
    fn every_weft_io_type_is_listed() {
        let mut found = BTreeMap::new();
        scan(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        let listed = listed();
        assert!(found.len() > 20, "the scan found too little: {found:?}");
        let missing: Vec<_> = found
            .iter()
            .filter(|(key, count)| listed.get(*key) != Some(count))
            .collect();
        let stale: Vec<_> = listed
            .iter()
            .filter(|(key, _)| !found.contains_key(*key))
            .collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "for_each_io_type! (src/compat/mod.rs) is out of date: \
             implemented in src but not listed (type, trait, count in src): {missing:?}; \
             listed but not implemented: {stale:?}"
        );
    }
}
