//! Building blocks shared by the primitives.

pub(crate) mod block_on;
pub(crate) mod linked_list;
pub(crate) mod macros;
pub(crate) mod once_slot;
pub(crate) mod trace;
pub(crate) mod wake_list;
pub(crate) mod waker_cell;

/// The `Debug` output of a lock: `Name { data: .. }` with the data if the
/// lock could be taken now (`data` is `Some`, borrowed from the guard the
/// caller holds during the call), `<locked>` otherwise.
pub(crate) fn fmt_lock<T: ?Sized + std::fmt::Debug>(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    data: Option<&T>,
) -> std::fmt::Result {
    let mut d = f.debug_struct(name);
    match data {
        Some(data) => d.field("data", &data),
        None => d.field("data", &format_args!("<locked>")),
    };
    d.finish()
}
