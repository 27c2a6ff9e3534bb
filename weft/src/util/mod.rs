//! Small internal helpers shared by several modules.

pub(crate) mod rand;
