//! An intrusive doubly linked list of waiter nodes.
//!
//! # Design note
//!
//! **What.** Every primitive in `weft::sync` parks waiting tasks in a queue.
//! The queue entries (*nodes*) live *inside the waiting futures*, so waiting
//! allocates nothing: the list only threads raw pointers through the nodes.
//! The idea is the well-known one of tokio's `util::linked_list` (itself the
//! classic intrusive list of the Linux kernel and of Boost.Intrusive); this
//! file is weft's own code.
//!
//! **Ownership.** The list owns nothing: it holds `NonNull` pointers to nodes
//! owned by futures. Each node is embedded in a `!Unpin` future that is
//! pinned before it is first polled, so its address is stable from the first
//! `push` until the future is dropped.
//!
//! **Protocol rules** (the list is always inside the primitive's mutex):
//!
//! 1. The links of a node ([`Pointers`]) are read and written only while the
//!    lock that protects the list is held.
//! 2. A node is in at most one list at a time; the primitive keeps, under the
//!    same lock, whether its node is queued (a flag or a state in the node).
//! 3. A node is pushed only after its future is pinned, and the future's
//!    `Drop` takes the lock and unlinks its node if it is still queued — so
//!    the list never points at freed memory.
//! 4. Whoever pops or removes a node (a waker, or the future itself) clears
//!    its links and the "queued" mark under the lock; after that the list
//!    never touches the node again.
//!
//! The links sit in an `UnsafeCell` and the node type is `!Unpin`
//! (`PhantomPinned`), so holding a `Pin<&mut Future>` while the list holds
//! raw pointers into it is allowed by Rust's aliasing rules (and Miri checks
//! it).

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomPinned;
use std::ptr::NonNull;

/// A type whose values can be threaded onto a [`LinkedList`].
///
/// # Safety
///
/// `pointers` must return a pointer to a [`Pointers`] field inside the value
/// `target` points to, the same field on every call, and implementors must
/// keep values pinned (never moved) while they are in a list.
pub(crate) unsafe trait Link {
    /// Where the node's links are.
    ///
    /// # Safety
    ///
    /// `target` must point to a live value.
    unsafe fn pointers(target: NonNull<Self>) -> NonNull<Pointers<Self>>;
}

/// Implements [`Link`] for a node type whose links are its field `$field`
/// (a [`Pointers`]). The invocation spells out `unsafe impl`: the invoking
/// primitive promises, in a `// SAFETY:` comment above it, that its nodes
/// stay pinned while in a list (rule 3).
macro_rules! link_field {
    // `$unsafe` is the caller's `unsafe`, so the lint that wants a
    // `// SAFETY:` comment looks for it at the invocation.
    ($unsafe:tt impl Link for $node:ident { $field:ident }) => {
        $unsafe impl crate::sync::util::linked_list::Link for $node {
            unsafe fn pointers(
                target: std::ptr::NonNull<$node>,
            ) -> std::ptr::NonNull<crate::sync::util::linked_list::Pointers<$node>> {
                // SAFETY: `target` is live (caller); `addr_of_mut!` makes no
                // reference; a field of a live value is not null.
                unsafe {
                    std::ptr::NonNull::new_unchecked(std::ptr::addr_of_mut!(
                        (*target.as_ptr()).$field
                    ))
                }
            }
        }
    };
}

pub(crate) use link_field;

/// The links of one node.
pub(crate) struct Pointers<T: ?Sized> {
    inner: UnsafeCell<PointersInner<T>>,
}

struct PointersInner<T: ?Sized> {
    prev: Option<NonNull<T>>,
    next: Option<NonNull<T>>,
    /// Nodes must not move while linked.
    _pin: PhantomPinned,
}

impl<T: ?Sized> Pointers<T> {
    /// Unlinked links.
    pub(crate) const fn new() -> Pointers<T> {
        Pointers {
            inner: UnsafeCell::new(PointersInner {
                prev: None,
                next: None,
                _pin: PhantomPinned,
            }),
        }
    }
}

impl<T: ?Sized> fmt::Debug for Pointers<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pointers").finish_non_exhaustive()
    }
}

/// The node's `prev` link.
///
/// # Safety (this and the three helpers below)
///
/// The caller holds the lock that protects the node's list (rule 1) and
/// `node` points to a live node (rule 3), so the links are not accessed
/// concurrently and point to valid memory.
unsafe fn prev<T: Link + ?Sized>(node: NonNull<T>) -> Option<NonNull<T>> {
    // SAFETY: see `# Safety`; `pointers` is valid by `Link`'s contract.
    unsafe { (*T::pointers(node).as_ref().inner.get()).prev }
}

/// The node's `next` link.
///
/// # Safety
///
/// As for [`prev`].
unsafe fn next<T: Link + ?Sized>(node: NonNull<T>) -> Option<NonNull<T>> {
    // SAFETY: as for `prev`.
    unsafe { (*T::pointers(node).as_ref().inner.get()).next }
}

/// Sets the node's `prev` link.
///
/// # Safety
///
/// As for [`prev`].
unsafe fn set_prev<T: Link + ?Sized>(node: NonNull<T>, value: Option<NonNull<T>>) {
    // SAFETY: as for `prev`; no reference to the links is alive.
    unsafe { (*T::pointers(node).as_ref().inner.get()).prev = value }
}

/// Sets the node's `next` link.
///
/// # Safety
///
/// As for [`prev`].
unsafe fn set_next<T: Link + ?Sized>(node: NonNull<T>, value: Option<NonNull<T>>) {
    // SAFETY: as for `set_prev`.
    unsafe { (*T::pointers(node).as_ref().inner.get()).next = value }
}

/// A doubly linked list of nodes owned elsewhere (see the module note).
pub(crate) struct LinkedList<T: Link + ?Sized> {
    head: Option<NonNull<T>>,
    tail: Option<NonNull<T>>,
}

// SAFETY: the list is only a set of pointers; it is moved between threads
// inside a mutex, and the nodes it points to are `Sync` waiter nodes whose
// mutable parts are protected by that mutex (rule 1).
unsafe impl<T: Link + ?Sized + Send> Send for LinkedList<T> {}
// SAFETY: as above; `&LinkedList` gives no access to the nodes.
unsafe impl<T: Link + ?Sized + Sync> Sync for LinkedList<T> {}

impl<T: Link + ?Sized> LinkedList<T> {
    /// An empty list.
    pub(crate) const fn new() -> LinkedList<T> {
        LinkedList {
            head: None,
            tail: None,
        }
    }

    /// Whether the list has no node.
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// The first node (the oldest when pushing at the back).
    pub(crate) fn front(&self) -> Option<NonNull<T>> {
        self.head
    }

    /// Appends `node` at the back.
    ///
    /// # Safety
    ///
    /// `node` must point to a live, pinned node that is in no list, and must
    /// stay valid until it is popped or removed (rules 2 and 3).
    pub(crate) unsafe fn push_back(&mut self, node: NonNull<T>) {
        assert_ne!(self.tail, Some(node), "node pushed twice");
        // SAFETY: `node` is live and unlinked (caller); the tail is a live
        // node of this list (rule 3).
        unsafe {
            set_next(node, None);
            set_prev(node, self.tail);
            match self.tail {
                Some(tail) => set_next(tail, Some(node)),
                None => self.head = Some(node),
            }
        }
        self.tail = Some(node);
    }

    /// Removes and returns the first node, with cleared links.
    pub(crate) fn pop_front(&mut self) -> Option<NonNull<T>> {
        let node = self.head?;
        // SAFETY: `node` is in this list, hence live (rule 3).
        unsafe { self.remove(node) };
        Some(node)
    }

    /// Removes and returns the last node, with cleared links.
    pub(crate) fn pop_back(&mut self) -> Option<NonNull<T>> {
        let node = self.tail?;
        // SAFETY: as in `pop_front`.
        unsafe { self.remove(node) };
        Some(node)
    }

    /// Unlinks `node` and clears its links; returns `false` (and does
    /// nothing) if `node` is visibly not in this list (unlinked and not the
    /// head).
    ///
    /// # Safety
    ///
    /// `node` must be live and either in this list or in no list.
    pub(crate) unsafe fn remove(&mut self, node: NonNull<T>) -> bool {
        // SAFETY: `node` is live (caller), its neighbours are live nodes of
        // this list (rule 3).
        unsafe {
            let prev = prev(node);
            let next = next(node);
            match prev {
                Some(prev) => set_next(prev, next),
                None => {
                    if self.head != Some(node) {
                        return false;
                    }
                    self.head = next;
                }
            }
            match next {
                Some(next) => set_prev(next, prev),
                None => self.tail = prev,
            }
            set_prev(node, None);
            set_next(node, None);
        }
        true
    }
}

impl<T: Link + ?Sized> Default for LinkedList<T> {
    fn default() -> Self {
        LinkedList::new()
    }
}

impl<T: Link + ?Sized> fmt::Debug for LinkedList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkedList")
            .field("head", &self.head)
            .field("tail", &self.tail)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::Pin;

    /// Like the primitives' waiter nodes, every field written while
    /// linked is interior-mutable.
    #[derive(Debug)]
    struct Node {
        value: std::cell::Cell<u32>,
        pointers: Pointers<Node>,
    }

    // SAFETY: `pointers` returns the node's own field; the tests keep nodes
    // pinned in boxes.
    unsafe impl Link for Node {
        unsafe fn pointers(target: NonNull<Node>) -> NonNull<Pointers<Node>> {
            // SAFETY: `target` is live (caller); `addr_of_mut!` creates no
            // reference.
            unsafe { NonNull::new_unchecked(std::ptr::addr_of_mut!((*target.as_ptr()).pointers)) }
        }
    }

    fn node(value: u32) -> Pin<Box<Node>> {
        Box::pin(Node {
            value: std::cell::Cell::new(value),
            pointers: Pointers::new(),
        })
    }

    fn ptr(node: &Pin<Box<Node>>) -> NonNull<Node> {
        NonNull::from(&**node)
    }

    fn drain(list: &mut LinkedList<Node>) -> Vec<u32> {
        let mut out = Vec::new();
        while let Some(n) = list.pop_front() {
            // SAFETY: the node boxes outlive the list in every test.
            out.push(unsafe { n.as_ref().value.get() });
        }
        out
    }

    #[test]
    fn fifo_order_and_pop_back() {
        let nodes: Vec<_> = (0..5).map(node).collect();
        let mut list = LinkedList::new();
        assert!(list.is_empty());
        for n in &nodes {
            // SAFETY: pinned, unlinked, outlives the list.
            unsafe { list.push_back(ptr(n)) };
        }
        assert_eq!(list.front(), Some(ptr(&nodes[0])));
        assert_eq!(list.pop_back(), Some(ptr(&nodes[4])));
        assert_eq!(drain(&mut list), vec![0, 1, 2, 3]);
        assert!(list.is_empty());
        assert_eq!(list.pop_front(), None);
        assert_eq!(list.pop_back(), None);
    }

    #[test]
    fn remove_head_middle_tail_and_absent() {
        let nodes: Vec<_> = (0..5).map(node).collect();
        let mut list = LinkedList::new();
        for n in &nodes {
            // SAFETY: pinned, unlinked, outlives the list.
            unsafe { list.push_back(ptr(n)) };
        }
        // SAFETY: (all removes) the nodes are live and in this list or none.
        unsafe {
            assert!(list.remove(ptr(&nodes[2])));
            assert!(!list.remove(ptr(&nodes[2])), "already removed");
            assert!(list.remove(ptr(&nodes[0])));
            assert!(list.remove(ptr(&nodes[4])));
        }
        assert_eq!(drain(&mut list), vec![1, 3]);
        // A node removed can be pushed again.
        // SAFETY: unlinked and live.
        unsafe { list.push_back(ptr(&nodes[2])) };
        assert_eq!(drain(&mut list), vec![2]);
    }

    /// A node inside a `!Unpin` "future" that is reborrowed `&mut` (as
    /// `poll` does through `Pin::get_unchecked_mut`) while the list holds a
    /// pointer to it: allowed, and Miri checks it.
    #[test]
    fn node_inside_a_future_reborrowed_mutably_while_linked() {
        struct Future {
            polls: u32,
            node: Node,
        }
        let mut a = Box::pin(Future {
            polls: 0,
            node: Node {
                value: std::cell::Cell::new(1),
                pointers: Pointers::new(),
            },
        });
        let b = node(2);
        let mut list = LinkedList::new();
        // SAFETY: pinned, unlinked, outlive the list.
        unsafe {
            list.push_back(NonNull::from(&a.node));
            list.push_back(ptr(&b));
        }
        // SAFETY: `Future` is `!Unpin`; nothing is moved.
        let fut = unsafe { a.as_mut().get_unchecked_mut() };
        fut.polls += 1;
        fut.node.value.set(10);
        assert_eq!(drain(&mut list), vec![10, 2]);
        assert_eq!(a.polls, 1);
    }
}
