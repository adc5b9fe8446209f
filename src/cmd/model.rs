//! `losslab model explain SPEC`: what a loss spec means, in numbers and in netem's words.
//!
//! It prints the model's parameters, the stationary loss it predicts, the mean length of a
//! loss burst where the model has a closed form, and the `tc qdisc ... netem` line that gives
//! the same model on a Linux interface, so a model moves between losslab and `tc` unchanged.
//! Invariant: it only parses and computes; nothing is sent.

use crate::impair::ImpairConfig;
use crate::impair::spec::parse_loss;
use anyhow::{Result, anyhow};
use std::fmt::Write as _;

pub fn explain(spec: &str) -> Result<String> {
    let model = parse_loss(spec).map_err(|e| anyhow!("{e}"))?;
    let mut out = String::new();
    let _ = writeln!(out, "spec:              {spec}");
    let _ = writeln!(out, "model:             {}", model.spec());
    let _ = writeln!(
        out,
        "stationary loss:   {:.4}%",
        model.expected_loss() * 100.0
    );
    match model.mean_burst_length() {
        Some(l) => {
            let _ = writeln!(out, "mean burst length: {l:.3} packets");
        }
        None => {
            let _ = writeln!(out, "mean burst length: none (this model loses nothing)");
        }
    }
    let _ = writeln!(
        out,
        "netem:             {}",
        ImpairConfig::loss_only(model).tc_line("DEV")
    );
    Ok(out)
}
