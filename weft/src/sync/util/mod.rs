//! Building blocks shared by the primitives.

pub(crate) mod block_on;
pub(crate) mod linked_list;
pub(crate) mod wake_list;
