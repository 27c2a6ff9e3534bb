//! Small internal helpers shared by several modules.

#[cfg(all(test, weft_loom))]
pub(crate) mod loom_model;
pub(crate) mod rand;
#[cfg(test)]
pub(crate) mod test_waker;
