//! Macros for the impls that families of public `sync` types share: the
//! error types' `Display`/`Error` (and, for errors that carry a value, a
//! `Debug` that does not print it), and the lock guards' `Deref`,
//! `DerefMut` and `Debug`. Each public type keeps its own definition and
//! docs; only these impls, the same on every member of a family, are
//! written once here.

/// Implements `Display` (tokio's message) and `std::error::Error` for an
/// error type: a struct with one message, or an enum with a message per
/// variant (a variant's fields may be bound by its pattern and used in the
/// message, as in `Lagged(n) => "channel lagged by {n}"`).
///
/// A generic type may name a bound for its `Error` impl (`SetError<T:
/// Debug>` when its `Debug` is derived); `Display` needs none.
macro_rules! error_impls {
    ($name:ident $(<$t:ident $(: $bound:path)?>)? : $msg:literal) => {
        impl $(<$t>)? std::fmt::Display for $name $(<$t>)? {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($msg)
            }
        }

        impl $(<$t $(: $bound)?>)? std::error::Error for $name $(<$t>)? {}
    };
    (
        $name:ident $(<$t:ident $(: $bound:path)?>)?
        { $($variant:ident $(($field:pat))? => $msg:literal),+ $(,)? }
    ) => {
        impl $(<$t>)? std::fmt::Display for $name $(<$t>)? {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $($name::$variant $(($field))? => write!(f, $msg),)+
                }
            }
        }

        impl $(<$t $(: $bound)?>)? std::error::Error for $name $(<$t>)? {}
    };
}

/// Implements `Debug` for an error that gives back a value of any type
/// `T` without printing it: a struct prints as `Name { .. }`, an enum
/// whose variants each hold the value as `Variant(..)`.
macro_rules! opaque_debug {
    ($name:ident<$t:ident>) => {
        impl<$t> std::fmt::Debug for $name<$t> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
    ($name:ident<$t:ident> { $($variant:ident),+ $(,)? }) => {
        impl<$t> std::fmt::Debug for $name<$t> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $($name::$variant(_) => f.write_str(concat!(stringify!($variant), "(..)")),)+
                }
            }
        }
    };
}

/// Implements `Deref` to the guarded data, `DerefMut` for the guards that
/// give exclusive access (`mut`), and a `Debug` that prints the data, for
/// a lock guard given with its generics (`[T: ?Sized] Guard<'_, T> => T`).
/// How the guard reaches its data:
///
/// * `data`: a raw pointer field `data`, valid while the guard lives;
/// * `mutex`: through `self.mutex` (a `&Mutex<T>` or `Arc<Mutex<T>>`);
/// * `reference`: a `&mut` field `data` (no `unsafe` needed).
///
/// A guard exists only while it holds its lock's permits (a read permit:
/// shared access; all of them: exclusive access), which is what makes the
/// dereferences sound; `mut` is for the exclusive guards only.
macro_rules! guard_impls {
    (data [$($gen:tt)*] $guard:ty => $target:ty) => {
        impl<$($gen)*> std::ops::Deref for $guard {
            type Target = $target;
            fn deref(&self) -> &$target {
                // SAFETY: the guard holds its permits, so `data` is valid
                // for shared access while it lives (see the macro's docs).
                unsafe { &*self.data }
            }
        }

        crate::sync::util::macros::guard_impls!(@debug [$($gen)*] $guard => $target);
    };
    (data mut [$($gen:tt)*] $guard:ty => $target:ty) => {
        crate::sync::util::macros::guard_impls!(data [$($gen)*] $guard => $target);
        crate::sync::util::macros::guard_impls!(@mut [$($gen)*] $guard => $target, self => self.data);
    };
    (mutex mut [$($gen:tt)*] $guard:ty => $target:ty) => {
        impl<$($gen)*> std::ops::Deref for $guard {
            type Target = $target;
            fn deref(&self) -> &$target {
                // SAFETY: the guard holds the lock (see the macro's docs).
                unsafe { &*self.mutex.data.get() }
            }
        }

        crate::sync::util::macros::guard_impls!(@mut [$($gen)*] $guard => $target, self => self.mutex.data.get());
        crate::sync::util::macros::guard_impls!(@debug [$($gen)*] $guard => $target);
    };
    (reference mut [$($gen:tt)*] $guard:ty => $target:ty) => {
        impl<$($gen)*> std::ops::Deref for $guard {
            type Target = $target;
            fn deref(&self) -> &$target {
                self.data
            }
        }

        impl<$($gen)*> std::ops::DerefMut for $guard {
            fn deref_mut(&mut self) -> &mut $target {
                self.data
            }
        }

        crate::sync::util::macros::guard_impls!(@debug [$($gen)*] $guard => $target);
    };
    (@mut [$($gen:tt)*] $guard:ty => $target:ty, $this:ident => $ptr:expr) => {
        impl<$($gen)*> std::ops::DerefMut for $guard {
            fn deref_mut(&mut $this) -> &mut $target {
                // SAFETY: the guard holds every permit (exclusive access, see
                // the macro's docs), and `&mut self` is unique.
                unsafe { &mut *$ptr }
            }
        }
    };
    (@debug [$($gen:tt)*] $guard:ty => $target:ty) => {
        impl<$($gen)*> std::fmt::Debug for $guard
        where
            $target: std::fmt::Debug,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($gen)*> std::fmt::Display for $guard
        where
            $target: std::fmt::Display,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    };
}

pub(crate) use {error_impls, guard_impls, opaque_debug};
