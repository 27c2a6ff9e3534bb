//! Every weft I/O type has the other ecosystems' I/O traits that match what
//! it does (reads, buffered reads, writes, seeks): `futures-io`'s. (tokio's
//! and hyper's come through the generic adapters of the crates
//! `weft-tokio-io` and `weft-hyper`, which need no list.) The checks are
//! compile-time bounds on generic functions; the tests only make them part
//! of the test run.
//!
//! The types are weft's `for_each_io_type!` list (`src/compat/mod.rs`),
//! each made concrete; that list is itself checked against weft's sources
//! by a unit test there, so a new I/O type missing from it fails that test.

#![cfg(all(feature = "rt", feature = "fs"))]

use weft::fs::File;
use weft::io::{
    BufReader, BufStream, BufWriter, Chain, DuplexStream, Empty, ReadHalf, Repeat, SimplexStream,
    Sink, Stderr, Stdin, Stdout, Take, WriteHalf,
};
use weft::net::{tcp, unix, TcpStream, UnixStream};

/// Calls `$read::<T>()` for every type that reads, `$buf_read` for every
/// one that also has a buffer to read from, `$write` for every one that
/// writes, `$seek` for every one whose seek is bridged.
macro_rules! every_io_type {
    ($read:ident, $buf_read:ident, $write:ident, $seek:ident) => {
        // In-memory streams.
        $read::<DuplexStream>();
        $write::<DuplexStream>();
        $read::<SimplexStream>();
        $write::<SimplexStream>();
        $read::<Empty>();
        $buf_read::<Empty>();
        $write::<Empty>();
        $seek::<Empty>();
        $read::<Repeat>();
        $write::<Sink>();
        // Buffers and adapters.
        $read::<BufReader<TcpStream>>();
        $buf_read::<BufReader<TcpStream>>();
        $write::<BufReader<TcpStream>>();
        $read::<BufWriter<TcpStream>>();
        $buf_read::<BufWriter<BufStream<TcpStream>>>();
        $write::<BufWriter<TcpStream>>();
        $read::<BufStream<UnixStream>>();
        $buf_read::<BufStream<UnixStream>>();
        $write::<BufStream<UnixStream>>();
        $read::<Chain<Repeat, TcpStream>>();
        $buf_read::<Chain<Empty, BufReader<TcpStream>>>();
        $read::<Take<Repeat>>();
        $buf_read::<Take<Empty>>();
        $read::<ReadHalf<DuplexStream>>();
        $write::<WriteHalf<DuplexStream>>();
        // The standard streams.
        $read::<Stdin>();
        $write::<Stdout>();
        $write::<Stderr>();
        // Sockets and their halves.
        $read::<TcpStream>();
        $write::<TcpStream>();
        $read::<tcp::ReadHalf<'static>>();
        $write::<tcp::WriteHalf<'static>>();
        $read::<tcp::OwnedReadHalf>();
        $write::<tcp::OwnedWriteHalf>();
        $read::<UnixStream>();
        $write::<UnixStream>();
        $read::<unix::ReadHalf<'static>>();
        $write::<unix::WriteHalf<'static>>();
        $read::<unix::OwnedReadHalf>();
        $write::<unix::OwnedWriteHalf>();
        // Files.
        $read::<File>();
        $write::<File>();
        $seek::<File>();
        // A child process's pipes.
        $write::<weft::process::ChildStdin>();
        $read::<weft::process::ChildStdout>();
        $read::<weft::process::ChildStderr>();
    };
}

#[cfg(feature = "futures-io")]
#[test]
fn every_io_type_speaks_futures_io() {
    fn read<T: futures_io::AsyncRead>() {}
    fn buf_read<T: futures_io::AsyncBufRead>() {}
    fn write<T: futures_io::AsyncWrite>() {}
    fn seek<T: futures_io::AsyncSeek>() {}
    every_io_type!(read, buf_read, write, seek);
}
