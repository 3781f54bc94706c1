//! Integration tests of the real `studio-server` binary over HTTP, on SQLite and (with
//! `STUDIO_TEST_POSTGRES_URL`) on PostgreSQL. One test binary, so it links once.

mod common;

mod api;
mod app_shell;
mod apps;
mod authz;
mod concurrency;
mod edges;
mod graph;
mod hostile;
mod http;
mod legacy;
mod live;
mod mutations;
mod openapi;
mod perf;
mod revocation;
mod sync;
