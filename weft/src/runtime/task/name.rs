//! A task's name, kept inline in its record when short, as most are, so
//! naming a task costs no allocation of its own.

/// Names up to this many bytes live inline; longer ones on the heap.
const INLINE: usize = 22;

/// The name `task::Builder::name` gave a task, copied at spawn.
pub(crate) enum TaskName {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl TaskName {
    pub(crate) fn new(name: &str) -> TaskName {
        if name.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..name.len()].copy_from_slice(name.as_bytes());
            TaskName::Inline {
                len: name.len() as u8,
                bytes,
            }
        } else {
            TaskName::Heap(Box::from(name))
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
        for name in [
            "",
            "a",
            "billing-sync",
            "exactly-twenty-two-byt",
            "ünïcödé ✓",
        ] {
            let kept = TaskName::new(name);
            assert!(matches!(kept, TaskName::Inline { .. }), "{name}");
            assert_eq!(kept.as_str(), name);
        }
        let long = "a name longer than twenty-two bytes, with ünïcödé";
        let kept = TaskName::new(long);
        assert!(matches!(kept, TaskName::Heap(_)));
        assert_eq!(kept.as_str(), long);
        // The record's field: one word more than a boxed `str`.
        assert_eq!(std::mem::size_of::<Option<TaskName>>(), 24);
    }
}
