//! The runtime-agnostic I/O utilities: extension traits and the futures
//! they return, buffered adapters, copies, and in-memory streams.

pub(crate) mod async_buf_read_ext;
pub(crate) mod async_read_ext;
pub(crate) mod async_seek_ext;
pub(crate) mod async_write_ext;
pub(crate) mod buf_reader;
pub(crate) mod buf_stream;
pub(crate) mod buf_writer;
pub(crate) mod chain;
pub(crate) mod copy;
pub(crate) mod copy_bidirectional;
pub(crate) mod copy_buf;
pub(crate) mod duplex;
pub(crate) mod empty;
pub(crate) mod fill_buf;
pub(crate) mod flush;
pub(crate) mod lines;
mod pipe;
pub(crate) mod read;
pub(crate) mod read_buf;
pub(crate) mod read_exact;
pub(crate) mod read_int;
pub(crate) mod read_to_end;
pub(crate) mod read_to_string;
pub(crate) mod read_until;
pub(crate) mod repeat;
pub(crate) mod seek;
pub(crate) mod shutdown;
pub(crate) mod simplex;
pub(crate) mod sink;
pub(crate) mod split;
pub(crate) mod string_bytes;
pub(crate) mod take;
pub(crate) mod vec_read;
pub(crate) mod write;
pub(crate) mod write_all;
pub(crate) mod write_int;
