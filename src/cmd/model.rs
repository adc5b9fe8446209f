//! `losslab model explain SPEC`: what a loss spec means, in numbers and in netem's words.
//!
//! It prints the model's parameters, the stationary loss it predicts, the mean length of a
//! loss burst where the model has a closed form, and the `tc qdisc ... netem` line that gives
//! the same model on a Linux interface, so a model moves between losslab and `tc` unchanged.
//! The labels and words are the user's language; the spec, the model and the `tc` command are
//! netem's syntax and read the same in every language. Invariant: it only parses and computes;
//! nothing is sent.

use crate::impair::ImpairConfig;
use crate::impair::loss::LossModel;
use crate::impair::spec::parse_loss;
use crate::tr;
use anyhow::{Result, anyhow};
use std::fmt::Write as _;

pub fn explain(spec: &str) -> Result<String> {
    let model = parse_loss(spec).map_err(|e| anyhow!("{e}"))?;
    let burst = match model.mean_burst_length() {
        Some(l) => tr!("model-burst-packets", length = format!("{l:.3}")),
        None => tr!("model-burst-none"),
    };
    let mut netem = ImpairConfig::loss_only(model).tc_command("DEV");
    if let LossModel::Pattern { pattern } = model {
        netem += &format!(
            "  # {}",
            tr!("model-netem-pattern", pattern = pattern.to_string())
        );
    }
    let lines = [
        (tr!("model-label-spec"), spec.to_string()),
        (tr!("model-label-model"), model.spec()),
        (
            tr!("model-label-loss"),
            format!("{:.4}%", model.expected_loss() * 100.0),
        ),
        (tr!("model-label-burst"), burst),
        (tr!("model-label-netem"), netem),
    ];
    // One column for the values, one space after the longest label.
    let width = lines
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    let mut out = String::new();
    for (label, value) in &lines {
        let _ = writeln!(
            out,
            "{:<width$}{value}",
            format!("{label}:"),
            width = width + 1
        );
    }
    Ok(out)
}
