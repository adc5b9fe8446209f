//! The commands: each wires the core and a driver together for one use and prints for people.
//! Invariant: commands return errors instead of exiting; `cli` maps them to exit codes.

pub mod console;
pub mod echo;
pub mod head;
pub mod join;
pub mod lab;
#[cfg(target_os = "linux")]
pub mod link;
pub mod model;
pub mod path_args;
pub mod progress;
pub mod protocols;
pub mod relay;
pub mod run;
pub mod run_all;
pub mod serve;
pub mod server_record;
pub mod time_client;
