//! The `payquery` command's host duties, as a library so its integration tests can share them:
//! reading documents, the clock and CSPRNG, plain HTTP, and the demo.

pub mod demo;
pub mod documents;
pub mod query;
pub mod receiver;
pub mod transport;
