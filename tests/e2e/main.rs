//! End-to-end tests of the whole `netzwerk` binary: each test gets its own database,
//! runs the real binary against it and talks to it over HTTP on loopback. Every test
//! runs on SQLite and (switched on in CI) on PostgreSQL.

mod access;
mod calendar;
mod cli;
mod directory;
mod federation;
mod feeds;
mod funding;
mod hardening;
mod hsds;
mod http;
mod invitations;
mod mail;
mod matrix;
mod meetings;
mod mutations;
mod news;
mod newsletter;
mod newsletter_sending;
mod partner;
mod search;
mod support;
