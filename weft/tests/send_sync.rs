//! Compile-time `Send`/`Sync`/`Unpin` assertions for the public types, as
//! tokio asserts them in its `async_send_sync.rs` (same expectations, so a
//! program that compiles against tokio compiles against weft).
//!
//! Positive assertions are trait bounds; negative ones (`!Send`) use the
//! ambiguity trick: `<T as AmbiguousIfImpl<_>>::some_item` only resolves if
//! exactly one impl applies, i.e. if `T` does *not* implement the trait.
//! Either way, a wrong auto trait fails the build of this file.

#![allow(dead_code)]

use std::cell::Cell;
use std::hash::Hash;
use std::marker::PhantomData;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::rc::Rc;

use weft::runtime::{
    Builder, EnterGuard, Handle, LocalOptions, LocalRuntime, Runtime, RuntimeFlavor,
    RuntimeMetrics, TryCurrentError,
};
use weft::task::{AbortHandle, Id, JoinError, JoinHandle, JoinSet, LocalSet};

/// `T: Trait`.
macro_rules! assert_impl {
    ($ty:ty, $tr:ident) => {
        const _: () = {
            fn bound<T: ?Sized + $tr>() {}
            fn check() {
                bound::<$ty>();
            }
        };
    };
}

/// `T: !Trait`.
macro_rules! assert_not_impl {
    ($ty:ty, $tr:ident) => {
        const _: () = {
            trait AmbiguousIfImpl<A> {
                fn some_item() {}
            }
            impl<T: ?Sized> AmbiguousIfImpl<()> for T {}
            impl<T: ?Sized + $tr> AmbiguousIfImpl<u8> for T {}
            fn check() {
                let _ = <$ty as AmbiguousIfImpl<_>>::some_item;
            }
        };
    };
}

/// `assert_value!(T: Send & !Sync & Unpin)`.
macro_rules! assert_value {
    ($ty:ty: $($traits:tt)*) => {
        assert_value!(@ [$ty] $($traits)*);
    };
    (@ [$ty:ty]) => {};
    (@ [$ty:ty] & $($rest:tt)*) => {
        assert_value!(@ [$ty] $($rest)*);
    };
    (@ [$ty:ty] ! $tr:ident $($rest:tt)*) => {
        assert_not_impl!($ty, $tr);
        assert_value!(@ [$ty] $($rest)*);
    };
    (@ [$ty:ty] $tr:ident $($rest:tt)*) => {
        assert_impl!($ty, $tr);
        assert_value!(@ [$ty] $($rest)*);
    };
}

// Output types: YY = Send + Sync, YN = Send + !Sync, NN = !Send + !Sync.
type YY = u32;
type YN = Cell<u32>;
type NN = Rc<u32>;

// weft::task
assert_value!(JoinHandle<YY>: Send & Sync & Unpin);
assert_value!(JoinHandle<YN>: Send & Sync & Unpin);
assert_value!(JoinHandle<NN>: !Send & !Sync & Unpin);
assert_value!(JoinHandle<Rc<u8>>: !Send & !Sync & Unpin);
assert_value!(AbortHandle: Send & Sync & Unpin);
assert_value!(JoinError: Send & Sync & Unpin);
assert_value!(JoinSet<YY>: Send & Sync & Unpin);
assert_value!(JoinSet<YN>: Send & Sync & Unpin);
assert_value!(JoinSet<NN>: !Send & !Sync & Unpin);
assert_value!(LocalSet: !Send & !Sync & Unpin);
assert_value!(Id: Send & Sync & Unpin);

// weft::runtime
assert_value!(Runtime: Send & Sync & Unpin);
assert_value!(Handle: Send & Sync & Unpin);
assert_value!(Builder: Send & Sync & Unpin);
assert_value!(RuntimeMetrics: Send & Sync & Unpin);
assert_value!(TryCurrentError: Send & Sync & Unpin);
assert_value!(RuntimeFlavor: Send & Sync & Unpin);
assert_value!(weft::runtime::Id: Send & Sync & Unpin);
assert_value!(LocalRuntime: !Send & !Sync & Unpin);
assert_value!(LocalOptions: !Send & !Sync & Unpin);
// weft::task, task-locals and coop
assert_value!(weft::task::LocalKey<u32>: Send & Sync & Unpin);
assert_value!(weft::task::LocalKey<Rc<u32>>: Send & Sync & Unpin);
assert_value!(weft::task::futures::TaskLocalFuture<u32, std::future::Ready<()>>: Send & Sync & !Unpin);
assert_value!(weft::task::TaskLocalFuture<Rc<u32>, std::future::Ready<()>>: !Send & !Sync & !Unpin);
assert_value!(weft::task::TaskLocalFuture<Cell<u32>, std::future::Ready<()>>: Send & !Sync & !Unpin);
assert_value!(weft::task::AccessError: Send & Sync & Unpin);
assert_value!(weft::task::coop::RestoreOnPending: !Send & !Sync & Unpin);
assert_value!(weft::task::coop::Coop<std::future::Ready<()>>: Send & Sync & Unpin);
// tokio: `EnterGuard<'_>: !Send & Sync & Unpin`. The `Sync` half is checked
// at run time below (`enter_guard_is_sync_as_in_tokio`), so that a
// mismatch is a failing test rather than a broken build.
assert_value!(EnterGuard<'static>: !Send & Unpin);

// Other traits the public types share with tokio's.
assert_value!(Id: Copy & Clone & Eq & Ord & Hash);
const _: () = {
    fn traits<T: Copy + Eq + Ord + Hash + std::fmt::Debug + std::fmt::Display>() {}
    fn error<T: std::error::Error + Send + Sync + 'static>() {}
    fn debug<T: std::fmt::Debug>() {}
    fn check() {
        traits::<Id>();
        error::<JoinError>();
        error::<TryCurrentError>();
        debug::<JoinHandle<()>>();
        debug::<AbortHandle>();
        debug::<JoinSet<()>>();
        debug::<LocalSet>();
        debug::<Runtime>();
        debug::<Handle>();
        debug::<Builder>();
        debug::<EnterGuard<'static>>();
        debug::<RuntimeMetrics>();
        let _: fn(JoinError) -> std::io::Error = From::from;
    }
};

// Futures returned by the API (checked on values, as their types are
// unnameable).
fn send_sync<T: Send + Sync>(_: &T) {}
fn unpin<T: Unpin>(_: &T) {}

const _: () = {
    fn check(set: &mut JoinSet<YY>, set_yn: &mut JoinSet<YN>, handle: JoinHandle<YY>) {
        send_sync(&weft::task::yield_now());
        send_sync(&set.join_next());
        send_sync(&set.join_next_with_id());
        send_sync(&set_yn.join_next());
        send_sync(&set.shutdown());
        send_sync(&handle);
        unpin(&handle);
    }
};

// `!Send` futures: `spawn_local` accepts them, `spawn` would not. These
// compile only because `spawn_local` takes no `Send` bound.
const _: () = {
    fn check(local: &LocalSet) {
        let rc = Rc::new(());
        drop(local.spawn_local(async move { drop(rc) }));
        let rc = Rc::new(());
        drop(weft::task::spawn_local(async move { rc }));
    }
};

/// Autoref-based detection of `Sync` at run time, for concrete types.
struct Probe<T: ?Sized>(PhantomData<T>);

trait IsSync {
    fn is_sync(&self) -> bool {
        true
    }
}
impl<T: ?Sized + Sync> IsSync for Probe<T> {}

trait NotSync {
    fn is_sync(&self) -> bool {
        false
    }
}
impl<T: ?Sized> NotSync for &Probe<T> {}

macro_rules! is_sync {
    ($ty:ty) => {
        (&Probe::<$ty>(PhantomData)).is_sync()
    };
}

#[test]
fn the_sync_probe_works() {
    assert!(is_sync!(u32));
    assert!(is_sync!(Handle));
    assert!(!is_sync!(Cell<u32>));
    assert!(!is_sync!(LocalSet));
}

#[test]
fn enter_guard_is_sync_as_in_tokio() {
    assert!(
        is_sync!(EnterGuard<'static>),
        "tokio: `EnterGuard<'_>: !Send & Sync & Unpin`"
    );
}

// weft::io and weft::net, weft::signal: tokio's expectations (its
// `async_send_sync.rs`): every socket, half and adapter over a `Send +
// Sync` stream is `Send + Sync + Unpin`.
mod io_net {
    use super::*;
    use std::os::unix::net::UnixStream as StdUnixStream;
    use weft::io::unix::{AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};
    use weft::io::{
        BufReader, BufStream, BufWriter, Chain, DuplexStream, Empty, Interest, Lines, ReadBuf,
        ReadHalf, Ready, Repeat, SimplexStream, Sink, Split, Stderr, Stdin, Stdout, Take,
        WriteHalf,
    };
    use weft::net::{tcp, unix, TcpListener, TcpSocket, TcpStream, UdpSocket};
    use weft::net::{UnixDatagram, UnixListener, UnixStream};
    use weft::signal::unix::{Signal, SignalKind};

    assert_value!(TcpListener: Send & Sync & Unpin);
    assert_value!(TcpSocket: Send & Sync & Unpin);
    assert_value!(TcpStream: Send & Sync & Unpin);
    assert_value!(tcp::OwnedReadHalf: Send & Sync & Unpin);
    assert_value!(tcp::OwnedWriteHalf: Send & Sync & Unpin);
    assert_value!(tcp::ReadHalf<'static>: Send & Sync & Unpin);
    assert_value!(tcp::WriteHalf<'static>: Send & Sync & Unpin);
    assert_value!(tcp::ReuniteError: Send & Sync & Unpin);
    assert_value!(UdpSocket: Send & Sync & Unpin);
    assert_value!(UnixListener: Send & Sync & Unpin);
    assert_value!(UnixStream: Send & Sync & Unpin);
    assert_value!(UnixDatagram: Send & Sync & Unpin);
    assert_value!(unix::OwnedReadHalf: Send & Sync & Unpin);
    assert_value!(unix::OwnedWriteHalf: Send & Sync & Unpin);
    assert_value!(unix::ReadHalf<'static>: Send & Sync & Unpin);
    assert_value!(unix::WriteHalf<'static>: Send & Sync & Unpin);
    assert_value!(unix::ReuniteError: Send & Sync & Unpin);
    assert_value!(unix::UCred: Send & Sync & Unpin);
    assert_value!(unix::SocketAddr: Send & Sync & Unpin);
    assert_value!(weft::net::UnixSocket: Send & Sync & Unpin);
    assert_value!(unix::pipe::Sender: Send & Sync & Unpin);
    assert_value!(unix::pipe::Receiver: Send & Sync & Unpin);
    assert_value!(unix::pipe::OpenOptions: Send & Sync & Unpin);

    assert_value!(AsyncFd<StdUnixStream>: Send & Sync & Unpin);
    assert_value!(AsyncFdReadyGuard<'static, StdUnixStream>: Send & Sync & Unpin);
    assert_value!(AsyncFdReadyMutGuard<'static, StdUnixStream>: Send & Sync & Unpin);
    assert_value!(TryIoError: Send & Sync & Unpin);
    assert_value!(weft::io::unix::AsyncFdRegisterError<StdUnixStream>: Send & Sync & Unpin);
    assert_value!(weft::io::Join<TcpStream, UnixStream>: Send & Sync & Unpin);

    assert_value!(BufReader<TcpStream>: Send & Sync & Unpin);
    assert_value!(BufWriter<TcpStream>: Send & Sync & Unpin);
    assert_value!(BufStream<TcpStream>: Send & Sync & Unpin);
    assert_value!(DuplexStream: Send & Sync & Unpin);
    assert_value!(SimplexStream: Send & Sync & Unpin);
    assert_value!(ReadHalf<DuplexStream>: Send & Sync & Unpin);
    assert_value!(WriteHalf<DuplexStream>: Send & Sync & Unpin);
    assert_value!(ReadHalf<SimplexStream>: Send & Sync & Unpin);
    assert_value!(WriteHalf<SimplexStream>: Send & Sync & Unpin);
    assert_value!(Lines<BufReader<TcpStream>>: Send & Sync & Unpin);
    assert_value!(Split<BufReader<TcpStream>>: Send & Sync & Unpin);
    assert_value!(Take<TcpStream>: Send & Sync & Unpin);
    assert_value!(Chain<TcpStream, UnixStream>: Send & Sync & Unpin);
    assert_value!(Empty: Send & Sync & Unpin);
    assert_value!(Sink: Send & Sync & Unpin);
    assert_value!(Repeat: Send & Sync & Unpin);
    assert_value!(Stdin: Send & Sync & Unpin);
    assert_value!(Stdout: Send & Sync & Unpin);
    assert_value!(Stderr: Send & Sync & Unpin);
    assert_value!(Interest: Send & Sync & Unpin);
    assert_value!(Ready: Send & Sync & Unpin);
    assert_value!(ReadBuf<'static>: Send & Sync & Unpin);

    assert_value!(Signal: Send & Sync & Unpin);
    assert_value!(SignalKind: Send & Sync & Unpin);

    // Futures of the socket API (unnameable: checked on values).
    fn send<T: Send>(_: &T) {}

    const _: () = {
        #[allow(
            unreachable_code,
            unused_variables,
            clippy::diverging_sub_expression,
            clippy::too_many_arguments
        )]
        fn check(
            listener: &TcpListener,
            stream: &TcpStream,
            udp: &UdpSocket,
            unix_listener: &UnixListener,
            unix_stream: &UnixStream,
            signal: &mut Signal,
            unix_addr: &unix::SocketAddr,
            duplex_a: &mut DuplexStream,
            duplex_b: &mut DuplexStream,
        ) {
            send_sync(&TcpListener::bind("127.0.0.1:0"));
            send_sync(&TcpStream::connect("127.0.0.1:1"));
            send_sync(&listener.accept());
            send_sync(&stream.readable());
            send_sync(&stream.writable());
            send_sync(&stream.ready(Interest::READABLE));
            send_sync(&stream.peek(&mut []));
            send_sync(&UdpSocket::bind("127.0.0.1:0"));
            send_sync(&udp.recv_from(&mut []));
            send_sync(&udp.send_to(&[], "127.0.0.1:1"));
            send_sync(&unix_listener.accept());
            send_sync(&UnixStream::connect("/nonexistent"));
            send_sync(&unix_stream.readable());
            send_sync(&UnixStream::connect_addr(unix_addr));
            send_sync(
                &weft::net::UnixSocket::new_stream()
                    .unwrap()
                    .connect("/nonexistent"),
            );
            send_sync(&udp.recv_buf(&mut Vec::new()));
            send_sync(&udp.recv_buf_from(&mut Vec::new()));
            send_sync(&weft::io::copy_bidirectional_with_sizes(
                duplex_a, duplex_b, 1, 1,
            ));
            send_sync(&weft::net::lookup_host("localhost:1"));
            send_sync(&weft::signal::ctrl_c());
            send(&signal.recv());
        }
    };
}

// weft::fs: tokio's expectations (its `async_send_sync.rs`): the types are
// `Send + Sync + Unpin`, and so is every future of the API.
mod fs {
    use super::*;
    use weft::fs::{DirBuilder, DirEntry, File, OpenOptions, ReadDir};

    assert_value!(File: Send & Sync & Unpin);
    assert_value!(OpenOptions: Send & Sync & Unpin);
    assert_value!(DirBuilder: Send & Sync & Unpin);
    assert_value!(ReadDir: Send & Sync & Unpin);
    assert_value!(DirEntry: Send & Sync & Unpin);

    const _: () = {
        fn check(
            file: &File,
            options: &OpenOptions,
            dir: &mut ReadDir,
            entry: &DirEntry,
            perm: std::fs::Permissions,
        ) {
            send_sync(&File::open("a"));
            send_sync(&File::create("a"));
            send_sync(&File::create_new("a"));
            send_sync(&options.open("a"));
            send_sync(&file.sync_all());
            send_sync(&file.sync_data());
            send_sync(&file.set_len(0));
            send_sync(&file.metadata());
            send_sync(&file.try_clone());
            send_sync(&file.set_permissions(perm.clone()));
            send_sync(&file.set_modified(std::time::SystemTime::UNIX_EPOCH));
            send_sync(&DirBuilder::new().create("a"));
            send_sync(&dir.next_entry());
            send_sync(&entry.metadata());
            send_sync(&entry.file_type());
            send_sync(&weft::fs::read("a"));
            send_sync(&weft::fs::read_to_string("a"));
            send_sync(&weft::fs::write("a", b"x"));
            send_sync(&weft::fs::copy("a", "b"));
            send_sync(&weft::fs::rename("a", "b"));
            send_sync(&weft::fs::remove_file("a"));
            send_sync(&weft::fs::remove_dir("a"));
            send_sync(&weft::fs::remove_dir_all("a"));
            send_sync(&weft::fs::create_dir("a"));
            send_sync(&weft::fs::create_dir_all("a"));
            send_sync(&weft::fs::read_dir("a"));
            send_sync(&weft::fs::metadata("a"));
            send_sync(&weft::fs::symlink_metadata("a"));
            send_sync(&weft::fs::canonicalize("a"));
            send_sync(&weft::fs::hard_link("a", "b"));
            send_sync(&weft::fs::symlink("a", "b"));
            send_sync(&weft::fs::read_link("a"));
            send_sync(&weft::fs::set_permissions("a", perm));
            send_sync(&weft::fs::try_exists("a"));
        }
    };
}

// weft::process: tokio's expectations (its `async_send_sync.rs`).
#[cfg(feature = "process")]
mod process {
    use super::*;
    use weft::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};

    assert_value!(Child: Send & Sync & Unpin);
    assert_value!(ChildStdin: Send & Sync & Unpin);
    assert_value!(ChildStdout: Send & Sync & Unpin);
    assert_value!(ChildStderr: Send & Sync & Unpin);
    assert_value!(Command: Send & Sync & Unpin);

    const _: () = {
        fn check(child: &mut Child, other: Child, command: &mut Command) {
            send_sync(&child.kill());
            send_sync(&child.wait());
            send_sync(&other.wait_with_output());
            send_sync(&command.output());
            send_sync(&command.status());
        }
    };
}

// Types generic over a value they never pin are `Unpin` whatever the
// value, as tokio's are (a stream or future holding one, such as
// tokio-stream's `JoinSetStream`, relies on it).
type NotUnpin = std::marker::PhantomPinned;
assert_value!(JoinHandle<NotUnpin>: Unpin);
assert_value!(JoinSet<NotUnpin>: Unpin);
assert_value!(weft::sync::mpsc::Sender<NotUnpin>: Unpin);
assert_value!(weft::sync::mpsc::Receiver<NotUnpin>: Unpin);
assert_value!(weft::sync::mpsc::UnboundedSender<NotUnpin>: Unpin);
assert_value!(weft::sync::mpsc::UnboundedReceiver<NotUnpin>: Unpin);
assert_value!(weft::sync::mpsc::WeakSender<NotUnpin>: Unpin);
assert_value!(weft::sync::oneshot::Sender<NotUnpin>: Unpin);
assert_value!(weft::sync::oneshot::Receiver<NotUnpin>: Unpin);
assert_value!(weft::sync::broadcast::Sender<NotUnpin>: Unpin);
assert_value!(weft::sync::broadcast::Receiver<NotUnpin>: Unpin);
assert_value!(weft::sync::watch::Sender<NotUnpin>: Unpin);
assert_value!(weft::sync::watch::Receiver<NotUnpin>: Unpin);
assert_value!(weft::sync::OwnedMutexGuard<NotUnpin>: Unpin);
assert_value!(weft::sync::OwnedRwLockReadGuard<NotUnpin>: Unpin);

// A receiver shares no message through `&self`, so it is `Sync` for any
// `T: Send`, as tokio's (tokio's `async_send_sync.rs` asserts it).
assert_value!(weft::sync::mpsc::Receiver<YN>: Send & Sync & Unpin);
assert_value!(weft::sync::mpsc::UnboundedReceiver<YN>: Send & Sync & Unpin);
assert_value!(weft::sync::mpsc::Receiver<NN>: !Send & !Sync & Unpin);

// Unwind safe, as tokio's (`catch_unwind(|| rt.block_on(..))` compiles).
type Panicky = Cell<u32>;
assert_value!(Runtime: UnwindSafe & RefUnwindSafe);
assert_value!(LocalRuntime: UnwindSafe & RefUnwindSafe);
assert_value!(Handle: UnwindSafe & RefUnwindSafe);
assert_value!(JoinHandle<Panicky>: UnwindSafe & RefUnwindSafe);
assert_value!(AbortHandle: UnwindSafe & RefUnwindSafe);
assert_value!(weft::sync::Notify: UnwindSafe & RefUnwindSafe);
assert_value!(weft::net::TcpStream: UnwindSafe & RefUnwindSafe);
assert_value!(weft::net::TcpListener: UnwindSafe & RefUnwindSafe);
assert_value!(weft::net::UdpSocket: UnwindSafe & RefUnwindSafe);
assert_value!(weft::net::UnixStream: UnwindSafe & RefUnwindSafe);
