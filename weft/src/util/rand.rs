//! Fast, non-cryptographic randomness.
