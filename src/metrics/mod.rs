//! Recording what happened: per-packet rows, per-client statistics, and the files they go to.
//!
//! `stats` holds the formulas (loss, Wilson interval, RTT percentiles), `recorder` turns the
//! clients' records and the server's decisions into `requests.csv` rows and statistics, and
//! `output` writes a results folder completely or not at all. Invariant: nothing here stores one
//! value per packet in memory; rows stream to disk and RTTs go into histograms.

pub mod output;
pub mod recorder;
pub mod stats;
