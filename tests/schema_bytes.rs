//! The recorder's hand-built rows (kept for the simulator's speed) are byte for byte what
//! `csv::Writer` writes for the schema's row structs, for every row type, over generated
//! field values; and a whole run's files read back through the schema and written again by
//! `csv::Writer` give the same bytes.
//!
//! Case counts stay modest (the machine is shared); each case is a few rows.

use losslab::client::loadgen::{Outcome, Record};
use losslab::metrics::recorder::{Recorder, RecorderConfig, ServerTruth};
use losslab::results::read::CsvFile;
use losslab::results::schema::{LinkRow, LogicalRow, LossPeriodRow, RequestRow, SummaryRecord};
use losslab::server::time::Action;
use losslab::time::{Duration, Instant};
use losslab::wire::time::RequestId;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;

fn csv_bytes<T: Serialize>(rows: &[T], header_if_empty: &str) -> Vec<u8> {
    if rows.is_empty() {
        return format!("{header_if_empty}\n").into_bytes();
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for r in rows {
        w.serialize(r).unwrap();
    }
    w.into_inner().unwrap()
}

/// Reads `bytes` through the schema and writes them again with `csv::Writer`.
fn rewritten<T: Serialize + DeserializeOwned>(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut r = CsvFile::from_reader(
        Path::new(name),
        Box::new(std::io::Cursor::new(bytes.to_vec())),
    )
    .unwrap();
    let header = r.header().join(",");
    let mut rows: Vec<T> = Vec::new();
    while r.next_row().unwrap() {
        rows.push(r.deserialize().unwrap());
    }
    csv_bytes(&rows, &header)
}

const OUTCOMES: [Outcome; 5] = [
    Outcome::Reply,
    Outcome::Timeout,
    Outcome::Interrupted,
    Outcome::ConnectError,
    Outcome::Error,
];
const ACTIONS: [Action; 6] = [
    Action::Answered,
    Action::Dropped,
    Action::Delayed,
    Action::Duplicated,
    Action::Corrupted,
    Action::Reordered,
];
const STATES: [Option<&str>; 4] = [None, Some("good"), Some("bad"), Some("3")];

#[derive(Debug, Clone)]
struct Case {
    seq: u32,
    attempt: u8,
    sent: u64,
    lag: u64,
    outcome: usize,
    rtt: Option<u64>,
    late: Option<u64>,
    connect: Option<u64>,
    truth: Option<(usize, u64, usize)>,
}

fn case() -> impl Strategy<Value = Case> {
    let big = prop_oneof![0..1000u64, any::<u64>().prop_map(|v| v >> 2)];
    // Seqs and attempts as a run has them (the recorder's maps are sized by them); the
    // widest values are covered by the recorder's own `widest_rows_fit`.
    (
        0..5000u32,
        0..4u8,
        big.clone(),
        0..1_000_000u64,
        0..OUTCOMES.len(),
        proptest::option::of(big.clone()),
        proptest::option::of(big.clone()),
        proptest::option::of(big.clone()),
        proptest::option::of((0..ACTIONS.len(), big, 0..STATES.len())),
    )
        .prop_map(
            |(seq, attempt, sent, lag, outcome, rtt, late, connect, truth)| Case {
                seq,
                attempt,
                sent: sent.max(lag),
                lag,
                outcome,
                rtt,
                late,
                connect,
                truth,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every `requests.csv` row the recorder builds equals `csv::Writer`'s for the
    /// [`RequestRow`] made from the same values; the loss-period and logical rows it writes
    /// read back and are written again unchanged.
    #[test]
    fn hand_built_rows_are_csv_writers_bytes(cases in proptest::collection::vec(case(), 1..6)) {
        let cfg = RecorderConfig {
            clients: 1,
            first_client: 7,
            ground_truth: true,
            timeout: Duration::from_millis(100),
            retries: 3,
            lost_as_infinite: false,
        };
        let mut rec = Recorder::new(Vec::new(), Vec::new(), Vec::new(), cfg).unwrap();
        let mut expected = Vec::new();
        for c in &cases {
            let id = RequestId { client: 7, seq: c.seq, attempt: c.attempt };
            let truth = c.truth.map(|(a, d, s)| ServerTruth {
                action: ACTIONS[a],
                delay: Duration::from_micros(d),
                state: STATES[s],
            });
            if let Some(t) = truth {
                rec.note_server_action(id, t);
            }
            let outcome = OUTCOMES[c.outcome];
            let r = Record {
                id,
                index: 0,
                sent: Instant::from_micros(c.sent),
                intended: Instant::from_micros(c.sent - c.lag),
                outcome,
                rtt: c.rtt.map(Duration::from_micros),
                late_rtt: c.late.map(Duration::from_micros),
                connect: c.connect.map(Duration::from_micros),
            };
            rec.record(&r).unwrap();
            expected.push(RequestRow {
                client: 7,
                seq: c.seq,
                attempt: c.attempt,
                sent_us: c.sent,
                outcome: outcome.as_str().to_string(),
                rtt_us: c.rtt,
                server_action: truth.map_or("unseen", |t| t.action.as_str()).to_string(),
                late_rtt_us: c.late,
                send_lag_us: c.lag,
                connect_us: c.connect,
                server_delay_us: truth.map(|t| t.delay.as_micros()),
                loss_state: truth.and_then(|t| t.state).unwrap_or("").to_string(),
                link_drops: None,
            });
        }
        rec.finish().unwrap();
        let (rows, periods, logical) = rec.into_inner().unwrap();
        prop_assert_eq!(
            String::from_utf8(rows).unwrap(),
            String::from_utf8(csv_bytes(&expected, "")).unwrap()
        );
        prop_assert_eq!(&rewritten::<LossPeriodRow>(&periods, "loss_periods.csv"), &periods);
        prop_assert_eq!(&rewritten::<LogicalRow>(&logical, "logical.csv"), &logical);
    }
}

/// A whole simulated run (with a `[link]`): every file reads back through the schema and
/// `csv::Writer` writes the same bytes (`summary.csv` is written by `csv::Writer` itself).
#[test]
fn a_runs_files_are_what_csv_writer_writes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/lab9-udp-time-sim");
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    let requests = read("requests.csv");
    assert_eq!(rewritten::<RequestRow>(&requests, "requests.csv"), requests);
    let periods = read("loss_periods.csv");
    assert_eq!(
        rewritten::<LossPeriodRow>(&periods, "loss_periods.csv"),
        periods
    );
    let logical = read("logical.csv");
    assert_eq!(rewritten::<LogicalRow>(&logical, "logical.csv"), logical);
    let summary = read("summary.csv");
    assert_eq!(rewritten::<SummaryRecord>(&summary, "summary.csv"), summary);
    // This scenario has a [link]: requests.csv and summary.csv carry its columns, and
    // link.csv is written.
    let header = String::from_utf8_lossy(&summary)
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(header.contains(",link_reply_duplicated,status"), "{header}");
    let link = read("link.csv");
    assert_eq!(rewritten::<LinkRow>(&link, "link.csv"), link);
}

/// `summary.json` is typed both ways: every committed folder's file deserializes into
/// [`SummaryJson`](losslab::results::schema::SummaryJson) (the loss model typed) and serializes
/// back to the same bytes.
#[test]
fn every_committed_summary_json_round_trips_through_its_struct() {
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let mut seen = 0;
    for entry in std::fs::read_dir(&results).unwrap() {
        let path = entry.unwrap().path().join("summary.json");
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: losslab::results::schema::SummaryJson =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(doc.check(), Ok(()), "{}", path.display());
        assert_eq!(doc.to_text().unwrap(), text, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 10, "{seen} folders");
}
