//! Declarative macros: `join!`, `try_join!`, `select!`, `pin!`.
