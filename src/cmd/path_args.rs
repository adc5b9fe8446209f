//! The flags that describe a lossy path on the command line (`relay`, `link`): the same
//! vocabulary as a scenario's `[link]`, parsed by the same [`PathConfig::parse`], so a model
//! moves between a scenario, the relay and the live link unchanged.
//!
//! Invariant: an error names the flag (`--loss ...`), as a scenario's names its field.

use crate::impair::path::{PathConfig, PathFields};
use anyhow::{Result, anyhow};
use clap::Args;

#[derive(Args, Debug, Clone, Default)]
pub struct PathArgs {
    /// Loss in netem's syntax: "random 10%", "gemodel 1% 30%", "state ...", "bursty 5% burst 3",
    /// "pattern 10".
    #[arg(long)]
    pub loss: Option<String>,
    /// Delay each way, netem's syntax: "T [JITTER] [distribution uniform|normal|pareto|paretonormal]"
    /// [default: 50us].
    #[arg(long)]
    pub delay: Option<String>,
    /// Duplicate a share of packets: "P" (e.g. "5%").
    #[arg(long)]
    pub duplicate: Option<String>,
    /// Send a share of packets at once while the others wait out the delay: "P".
    #[arg(long)]
    pub reorder: Option<String>,
    /// Flip one bit of the last byte of a share of packets: "P". Across the live link the
    /// receiving kernel's checksum drops them; the relay delivers them (UDP's checksum is the
    /// sender's to set, and the relay sends them anew).
    #[arg(long)]
    pub corrupt: Option<String>,
    /// Each direction's rate, in tc's units ("10mbit", "125kbps") [default: unlimited].
    #[arg(long)]
    pub bandwidth: Option<String>,
    /// Which way the impairments act: request (client to server), reply, or both [default: both].
    #[arg(long)]
    pub direction: Option<String>,
}

impl PathArgs {
    /// The flags as a `[link]`; an error names the flag.
    pub fn config(&self) -> Result<PathConfig> {
        PathConfig::parse(&PathFields {
            loss: self.loss.as_deref(),
            delay: self.delay.as_deref(),
            duplicate: self.duplicate.as_deref(),
            reorder: self.reorder.as_deref(),
            corrupt: self.corrupt.as_deref(),
            bandwidth: self.bandwidth.as_deref(),
            direction: self.direction.as_deref(),
        })
        .map_err(|(field, e)| anyhow!("--{field} {e}"))
    }
}
