//! An HDR histogram fed through a run-length buffer.
//!
//! Owns the recording of per-packet values (RTTs, |IPDV|, times to success) into the
//! histograms the percentiles come from. Recording one value into an HDR histogram costs a
//! bucket computation, bounds and resize checks and two counter updates; in a simulation the
//! same value often comes many times in a row (without link jitter every RTT is the same, and
//! every IPDV is 0), so consecutive equal values are counted here and reach the histogram as
//! one `record_n`. Invariant: [`Tally::histogram`] holds exactly the counts that recording
//! each value on its own would have given.

use hdrhistogram::Histogram;
use std::borrow::Cow;

#[derive(Clone, Debug)]
pub struct Tally {
    hist: Histogram<u64>,
    /// The value of the run not yet in `hist`, and how many times it came (0: no run).
    run_value: u64,
    run_len: u64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            hist: Histogram::new(3).expect("3 significant digits is a valid precision"),
            run_value: 0,
            run_len: 0,
        }
    }
}

impl Tally {
    pub fn record(&mut self, value: u64) {
        if value == self.run_value && self.run_len > 0 {
            self.run_len += 1;
        } else {
            self.flush();
            self.run_value = value;
            self.run_len = 1;
        }
    }

    fn flush(&mut self) {
        if self.run_len > 0 {
            // `record_n`, not a saturating variant: the histogram grows to any value in µs.
            self.hist
                .record_n(self.run_value, self.run_len)
                .expect("an auto-resizing histogram records any value");
            self.run_len = 0;
        }
    }

    /// Every value recorded so far (the histogram itself, or a copy with the current run
    /// added when there is one).
    pub fn histogram(&self) -> Cow<'_, Histogram<u64>> {
        if self.run_len == 0 {
            return Cow::Borrowed(&self.hist);
        }
        let mut h = self.hist.clone();
        h.record_n(self.run_value, self.run_len)
            .expect("an auto-resizing histogram records any value");
        Cow::Owned(h)
    }

    /// Adds everything `other` recorded.
    pub fn merge(&mut self, other: &Tally) {
        self.flush();
        self.hist
            .add(other.histogram().as_ref())
            .expect("auto-resizing histograms always merge");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs, single values, a value far out (the histogram grows) and merges: the same
    /// counts, min, max and percentiles as recording one value at a time.
    #[test]
    fn same_histogram_as_recording_each_value() {
        let values = [
            100, 100, 100, 7, 7, 100, 0, 0, 5_000_000, 5_000_000, 3, 100, 100,
        ];
        let mut t = Tally::default();
        let mut h = Histogram::<u64>::new(3).unwrap();
        for (i, &v) in values.iter().enumerate() {
            t.record(v);
            h.record(v).unwrap();
            assert_eq!(*t.histogram(), h, "after {i} values");
        }
        let mut other = Tally::default();
        other.record(42);
        other.record(42);
        t.merge(&other);
        h.record_n(42, 2).unwrap();
        assert_eq!(*t.histogram(), h);
        t.record(42);
        h.record(42).unwrap();
        let got = t.histogram();
        assert_eq!(
            (got.len(), got.min(), got.max()),
            (h.len(), h.min(), h.max())
        );
        assert_eq!(got.value_at_quantile(0.5), h.value_at_quantile(0.5));
        assert!(Tally::default().histogram().is_empty());
    }
}
