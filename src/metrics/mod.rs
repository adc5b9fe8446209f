//! Recording what happened: per-packet rows, per-client statistics, and the files they go to.
//!
//! `stats` holds the formulas (loss, RTT percentiles), `batch` the loss interval (batch means), `patterns` the
//! order-dependent ones (RFC 3357 loss periods, RFC 3393 IPDV, RFC 3550 jitter), `tally` feeds
//! their histograms, `logical` joins attempts into requests with their retries, `recorder`
//! turns the clients' records and the server's decisions into `requests.csv`,
//! `loss_periods.csv` and `logical.csv` rows and statistics (`background` runs it beside the
//! loop that feeds it), and `output` writes a results folder completely or not at all. Invariant: nothing here stores one value per packet in
//! memory; rows stream to disk and RTTs go into histograms.

pub mod background;
pub mod batch;
pub mod logical;
pub mod output;
pub mod patterns;
pub mod recorder;
pub mod row;
pub mod stats;
pub mod tally;
