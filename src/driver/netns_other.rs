//! The private network of a live `[link]` where there is none: systems other than Linux have
//! no network namespaces and TUN devices of the kind losslab uses, so building one fails with a
//! pointer to `--sim`. Same interface as the Linux module, nothing else.

use anyhow::{Result, bail};
use std::fs::File;
use std::net::Ipv4Addr;

pub const SERVER_IP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
pub const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
pub const PREFIX: u8 = 24;
pub const SERVER_TUN: &str = "losslab-s";
pub const CLIENT_TUN: &str = "losslab-c";

pub struct PrivateNet;

impl PrivateNet {
    pub fn build() -> Result<PrivateNet> {
        bail!(crate::tr!("netns-unsupported"))
    }

    pub fn take_tuns(&mut self) -> Option<(File, File)> {
        None
    }

    pub fn namespace_inodes(&self) -> std::io::Result<[u64; 2]> {
        Ok([0, 0])
    }

    pub fn in_server<T>(&self, f: impl FnOnce() -> T) -> Result<T> {
        Ok(f())
    }
}

pub fn enter_user_namespace() -> Result<()> {
    PrivateNet::build().map(drop)
}

pub fn needs_user_namespace() -> bool {
    false
}
