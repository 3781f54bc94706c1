//! Integration tests of the real `studio-server` binary over HTTP, on SQLite and (with
//! `STUDIO_TEST_POSTGRES_URL`) on PostgreSQL. One test binary, so it links once.

mod common;

mod api;
mod apps;
mod authz;
mod concurrency;
mod edges;
mod legacy;
mod mutations;
mod perf;
mod revocation;
mod sync;
