//! Drivers run the sans-IO core against the world. `live` owns real sockets, a monotonic clock
//! and one mio `Poll`; `sim` runs the same cores under a virtual clock over a simulated link;
//! `sim_tcp` runs the TCP cores behind smoltcp's TCP/IP stack over the scenario's path.
//! Invariant: drivers decide nothing; they move bytes and time in and out of the core.

pub mod link;
pub mod live;
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub mod netns;
#[cfg(not(target_os = "linux"))]
#[path = "netns_other.rs"]
pub mod netns;
pub mod sim;
pub mod sim_tcp;
pub mod tcp;

/// The error for a socket that could not be bound: the address, what the kernel said, and the
/// likely cause in words.
pub fn bind_error(addr: std::net::SocketAddr, what: &str, e: std::io::Error) -> anyhow::Error {
    use std::io::ErrorKind;
    let hint = match e.kind() {
        ErrorKind::AddrInUse => {
            " (another program already uses this port; stop it or choose another port)"
        }
        ErrorKind::AddrNotAvailable => " (this machine has no such address)",
        ErrorKind::PermissionDenied => " (ports below 1024 need privileges; use a higher one)",
        _ => "",
    };
    anyhow::anyhow!("cannot bind the {what} to {addr}: {e}{hint}")
}
