//! losslab: a packet-loss lab. A lossy UDP time server and load-generating clients run in one
//! single-threaded mio event loop and record every packet to CSV; the same seed drops the same
//! packets every time.
//!
//! Layers, from the bottom: `time` (integer microseconds), `timer` (the timer wheel), `wire`
//! (message formats), `impair` (seeded loss decisions), `server` and `client` (sans-IO state
//! machines), `metrics` (rows, statistics, result files), `scenario` (experiment files),
//! `driver` (sockets and the clock), `cmd` (the commands), `check` (the CI gate that judges a
//! results folder), `report` (plots and markdown from results folders), `cli` (argument
//! parsing). Everything below `driver` is deterministic and never touches a socket or a clock.

// `unsafe` lives in one module only: the ioctls of `driver::netns`.
#![deny(unsafe_code)]

pub mod check;
pub mod cli;
pub mod client;
pub mod cmd;
pub mod driver;
pub mod i18n;
pub mod i18n_clap;
pub mod i18n_help;
pub mod idmap;
pub mod impair;
pub mod metrics;
pub mod report;
pub mod results;
pub mod scenario;
pub mod server;
pub mod sweep;
pub mod time;
pub mod timer;
pub mod wire;
