//! A task's name, kept inline in its record when short, as most are, so
//! naming a task costs no allocation of its own.
//!
//! The whole field is two words: 14 bytes of name, its length and the
//! variant's tag. A longer name is boxed twice (a thin pointer to the
//! `Box<str>`), which costs a second small allocation at spawn but keeps
//! every tracked task's record 8 bytes smaller than a fat pointer would.
//! The record's size matters more than a long name's spawn: it decides
//! the allocator's size class of every tracked cell (`task::meta`).

/// Names up to this many bytes live inline; longer ones on the heap.
const INLINE: usize = 14;

/// The name `task::Builder::name` gave a task, copied at spawn.
pub(crate) enum TaskName {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<Box<str>>),
}

impl TaskName {
    /// Stores `name` in `slot`, in place: a short name's bytes are copied
    /// straight into the slot (see `TaskMeta::write_new` for why).
    pub(crate) fn set(slot: &mut Option<TaskName>, name: &str) {
        if name.len() <= INLINE {
            let TaskName::Inline { bytes, .. } = slot.insert(TaskName::Inline {
                len: name.len() as u8,
                bytes: [0; INLINE],
            }) else {
                unreachable!("just stored inline")
            };
            bytes[..name.len()].copy_from_slice(name.as_bytes());
        } else {
            *slot = Some(TaskName::Heap(Box::new(Box::from(name))));
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            TaskName::Inline { len, bytes } => std::str::from_utf8(&bytes[..usize::from(*len)])
                .expect("an inline name is a whole `str` copied at spawn"),
            TaskName::Heap(name) => name,
        }
    }
}

impl std::fmt::Debug for TaskName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_inline_and_long_ones_whole() {
        for name in ["", "a", "billing-sync", "fourteen-bytes", "ünïcöd ✓"] {
            let mut kept = None;
            TaskName::set(&mut kept, name);
            let kept = kept.expect("set");
            assert!(matches!(kept, TaskName::Inline { .. }), "{name}");
            assert_eq!(kept.as_str(), name);
        }
        let long = "a name longer than fourteen bytes, with ünïcödé";
        let mut kept = None;
        TaskName::set(&mut kept, long);
        let kept = kept.expect("set");
        assert!(matches!(kept, TaskName::Heap(_)));
        assert_eq!(kept.as_str(), long);
        // The record's field: two words (see the module's note).
        assert_eq!(std::mem::size_of::<Option<TaskName>>(), 16);
        let mut edge = None;
        TaskName::set(&mut edge, "fifteen-bytes-x");
        assert!(matches!(edge, Some(TaskName::Heap(_))));
    }
}
