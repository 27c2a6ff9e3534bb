//! Small internal helpers shared by several modules.

pub(crate) mod rand;
#[cfg(all(test, not(weft_loom)))]
pub(crate) mod test_waker;
