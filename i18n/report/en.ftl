# losslab report: report.md, the figures' titles, axes and legends, and the report's errors.
# Keys match i18n/report/es.ftl one to one (tests/i18n.rs). Numbers passed as numbers choose the
# plural form; seeds, durations and formatted numbers come as text. Markdown marks (#, `, |)
# that are not words stay in the code.

## Console and errors
report-written = report: { $dir }/report.md ({ $figures ->
        [one] 1 figure
       *[other] { $figures } figures
    })
report-written-short = report: { $dir }/report.md
report-err-no-folder = give at least one results folder
report-err-compare-needs-out = comparing { $n } results folders needs --out DIR (where to write the comparison)
report-err-window-zero = --window must be at least 1 packet
report-err-window-too-long = --window { $window } is longer than the { $first } first attempts in { $dir }; use at most { $first }
report-err-not-a-folder = { $dir } is not a results folder (run `losslab run` to make one)
report-err-rows-mismatch = { $file } has { $rows } rows but { $summary } says { $sent } packets were sent: the folder is incomplete or mixes two runs
report-err-draw = cannot draw the figure: { $error }

## report.md of one run: the facts table
report-fact-scenario-file = scenario file
report-scenario-builtin = `{ $file } (built-in default)`
report-fact-seed = seed
report-fact-server = server
report-fact-clients = clients
report-fact-model = model
report-fact-impairments = impairments
report-fact-expects = the model expects
report-fact-run = run
report-expects-packets = { $percent } of packets
report-expects-period = mean loss period { $mean } packets
report-clients-count = { $clients } × { $requests ->
        [one] 1 request
       *[other] { $requests } requests
    }
report-pacing-interval = every { $interval } per client (open loop)
report-pacing-rate = { $rate } requests/s in all (open loop)
report-pacing-concurrency = { $outstanding } outstanding per client (closed loop)
report-clients-timeout = timeout { $timeout }
report-clients-retries = { $retries ->
        [one] 1 retry
       *[other] { $retries } retries
    }
report-clients-backoff = { $backoff }
report-model-none = none: nothing is impaired
report-model-link = link: { $link }
report-model-server-link = server: { $server }; link: { $link }
# $status is summary.json's `status`: complete or interrupted.
report-run-status = { $status }
# $mode is summary.json's `mode`: live or sim.
report-run-mode = { $mode } run
report-run-took = took { $duration }
report-run-took-simulated = took { $duration } of simulated time
report-interrupted = **This run was interrupted**: the figures cover what was measured before the stop.

## report.md: headings
report-h-summary = Summary
report-h-figures = Figures
report-h-reproduce = Reproduce
report-h-what-differs = What differs

## report.md: the summary table's columns (summary.csv's names stay in the CSV)
report-col-client = client
report-col-sent = sent
report-col-replies = replies
report-col-lost = lost
report-col-loss = loss
report-col-loss-ci = loss 95% CI
report-col-rtt = RTT { $q } ({ $unit })
report-col-late = late
report-col-duplicates = duplicates
report-col-stray = stray
report-col-corrupted = corrupted
report-col-interrupted = interrupted
report-col-errors = errors
report-col-loss-periods = loss periods
report-col-mean-loss-period = mean loss period
report-col-jitter = jitter ({ $unit })
report-col-success = success
report-col-attempts-per-success = attempts / success
report-col-tts-p99 = time to success p99 ({ $unit })
report-summary-notes = From `summary.csv`: one row per client and `all`. A packet is lost when no reply came within the timeout (RFC 7680); the interval is a 95% batch-means interval (each client's packets cut into batches by sequence number, so bursts and retries widen it by as much as they varied; Wilson's score form with Student's t)
# $over is summary.json's `rtt_percentiles`: replies or lost-infinite.
report-summary-percentiles = ; RTT percentiles over { $over }
report-summary-zero-counters = . Counters that are zero in every row are left out.

## report.md: the figures of one run
report-fig-rtt-histogram = RTT distribution
report-fig-rtt-cdf = RTT cumulative distribution
report-fig-loss-over-time = Loss over time
report-fig-loss-periods = Loss periods (burst lengths)
report-fig-rtt-per-client = RTT per client
report-fig-attempts = Attempts per request
report-skip-no-rows = This run kept no per-packet rows (`summary.json` lists no `requests.csv`: `[output] requests_csv = false` or `run --no-requests-csv`), so the figures drawn from them (RTT distribution, CDF and per client, loss over time) are left out; the table above comes from `summary.csv`.
report-skip-no-rtt = No packet was answered in time, so there are no RTTs to draw (histogram, CDF, per client).
report-skip-no-periods-file = Nor is there a `loss_periods.csv`, so there are no loss periods to draw.
report-skip-no-periods = No first attempt was lost, so there are no loss periods to draw.
report-rtt-histogram-text = How the round-trip times of the { $replies ->
        [one] 1 reply
       *[other] { $replies } replies
    } spread (RFC 2681): half took at most { $p50 }, 99% at most { $p99 }.
report-rtt-histogram-late = { " " }{ $late ->
        [one] 1 reply came
       *[other] { $late } replies came
    } after the { $timeout } timeout: they are drawn on top and count as lost (RFC 7680).
report-rtt-cdf-text = For each round-trip time x, the share of replies that came back within x; the dots mark the median ({ $p50 }) and the 99th percentile ({ $p99 }). Lost packets are left out here.
report-loss-time-text = The share of first attempts lost among the last { $window } sent, along the run
report-loss-time-retries = { " " }(retries are left out: each follows a loss, so they are not a random sample of packets)
report-loss-time-whole = . Over the whole run { $first ->
        [one] { $lost } of 1 first attempt was lost
       *[other] { $lost } of { $first } first attempts were lost
    } ({ $percent }%)
report-loss-time-band = ; the model expects { $expected }%, and under the model a window stays inside the grey band 95% of the time (normal approximation
report-loss-time-independent = ; the model's losses are independent).
report-loss-time-widened = , widened { $widen }x for the model's bursts: its variance factor is { $factor }).
report-loss-time-pattern = ; the pattern loses { $expected }% of packets, always the same ones in the same order, so there is no randomness and no band to draw.
report-loss-time-expected = ; the model expects { $expected }%.
report-loss-time-no-model = ; the scenario has no loss model.
report-loss-time-none-lost = { " " }No first attempt was lost: the line stays at 0.
report-periods-source-requests = first attempts in `requests.csv`, per client in seq order
report-periods-text = How many consecutive first attempts were lost at a time (RFC 3357 loss periods, from { $source }): { $periods ->
        [one] 1 period
       *[other] { $periods } periods
    }, mean length { $mean }
report-periods-geometric = , against the geometric distribution with the model's mean { $mean }, which is what this model predicts (independent losses give short periods; a bursty model gives a longer tail).
# $kind: bernoulli, gilbert-both (Gilbert-Elliott in both directions), gilbert-general
# (Gilbert-Elliott with 1-h < 1 or 1-k > 0), four-state, pattern, other.
report-periods-reference = , against a geometric distribution with the model's mean { $mean } as a reference only: under { $kind ->
        [bernoulli] Bernoulli loss
        [gilbert-both] Gilbert-Elliott loss in both directions
        [gilbert-general] Gilbert-Elliott with 1-h < 1 or 1-k > 0
        [four-state] the 4-state model
        [pattern] a fixed pattern
       *[other] this scenario's loss
    } loss periods are not geometric, so only the mean is a prediction, not the shape.
report-periods-no-mean = ; the scenario's model predicts no mean to compare with.
report-rtt-per-client-text = Each client's round-trip times side by side ({ $clients ->
        [one] 1 client
       *[other] { $clients } clients
    }): the box spans the middle half, the white bar is the median, whiskers reach the 1st and 99th percentiles and the dot is the slowest reply.
report-attempts-source-requests = the attempt numbers in `requests.csv`
report-attempts-text = How many transmissions each logical request needed (from { $source }): { $first } of { $requests } were answered at the first attempt and { $failed } not at all.
report-order-gaps = { $gaps ->
        [one] 1 first attempt had
       *[other] { $gaps } first attempts had
    } no row in `requests.csv`; each gap ends a loss period.
report-window-note = The loss-over-time windows hold at least { $window } first attempts each (`--window` changes it).
report-reproduce-single = The first command reruns the experiment into `{ $dir }/` and writes this report beside it; the second redraws the report from the CSV files alone.
report-reproduce-sim = This is a simulated run: the seed fixes which packets are lost and every simulated delay, so the rerun gives the same files, RTTs included, byte for byte.
report-reproduce-live = The seed fixes which packets the server drops; RTTs are the machine's and change from run to run.

## report.md comparing runs
report-compare-title = Comparison of { $runs } runs
report-run-label-seed = { $letter }: { $name } seed { $seed }
report-row-folder = folder
report-row-scenario = scenario
report-row-lost = lost (timeouts)
report-row-expected-loss = expected loss
report-row-rtt = RTT { $q }
report-row-answered = answered requests
report-fig-compare-cdf = RTT cumulative distributions
report-fig-compare-loss = Loss per run
report-compare-cdf-text = For each round-trip time x, the share of all packets of each run that were answered within x; a lost packet never is (RFC 2681: its RTT is infinite), so a lossy run's curve levels off below 100% — and a run that hides loss as delay reaches 100% further right.
report-compare-cdf-not-drawn = { " " }Not drawn: { $runs } (no per-packet rows).
report-compare-loss-text = Each run's measured loss ratio with its 95% interval (batch means: bursts widen it by as much as they varied), and the loss its model expects: two runs whose intervals do not overlap differ by more than chance.
report-obs-run = { $run } lost { $loss } of its packets; half of its replies took at most { $p50 }.
report-obs-no-replies = – (no replies)
report-obs-tcp = TCP turns loss into delay: over UDP the application sees each loss ({ $udp } lost { $loss }{ $expects }, and only a timeout said so), while TCP never reports a lost segment — its stack retransmits it and the application just waits longer
report-obs-tcp-expects = { " " }where the model expects { $expected }
report-obs-tcp-link = . Both crossed a lossy link. It dropped { $dropped } of { $tcp }'s { $packets } TCP packets, yet { $tcp } lost { $loss } of its requests; the price is time: half of its replies took at most { $p50 }, but 10% took more than { $p90 } and 1% more than { $p99 }. Each step in its RTT curve is a retransmission timeout (RFC 6298; { $rto }), doubled for every further loss of the same segment.
report-obs-rto-sim = smoltcp's in the simulator starts at 1 s
report-obs-rto-linux = Linux's starts near 200 ms, 1 s for a SYN
report-obs-tcp-loopback = . Loopback loses nothing, so here { $tcp }'s extra time is the connection set-up in each round trip ({ $tcp_p50 } against { $udp_p50 } at the median).
report-obs-retried-run = { $run } answered { $success } of its requests in the end, with { $attempts } attempts per success and 99% of them within { $p99 }
report-obs-retries = With retries: { $runs }. The packets' loss counts every attempt; a request succeeds when any of its attempts is answered.
report-reproduce-compare = Each `losslab run` writes `results/<scenario name>/` unless `--out` names another folder; the seed fixes which packets are dropped.
report-reproduce-compare-sim = Every run here is simulated, so the reruns give the same RTTs too.
report-reproduce-compare-live = RTTs are the machine's and change from run to run.
report-reproduce-compare-mixed = RTTs of the live runs are the machine's and change from run to run; those of the simulated (`--sim`) runs come out the same.

## Figures: titles, axes and legends
report-title-rtt-histogram = RTT distribution ({ $replies ->
        [one] 1 reply
       *[other] { $replies } replies
    })
report-title-rtt-cdf = RTT cumulative distribution ({ $replies ->
        [one] 1 reply
       *[other] { $replies } replies
    })
report-title-loss-over-time = Loss over time (windows of { $window } first attempts)
report-title-loss-periods = Loss periods: runs of consecutive lost first attempts
report-title-rtt-per-client = RTT per client ({ $clients ->
        [one] 1 client
       *[other] { $clients } clients
    })
report-title-attempts = Attempts per request ({ $requests ->
        [one] 1 logical request
       *[other] { $requests } logical requests
    })
report-title-compare-cdf = RTT cumulative distribution; lost packets never arrive
report-title-compare-loss = Packet loss per run
report-axis-rtt = round-trip time
report-axis-log = { $what } ({ $unit }, log scale)
report-axis-packets = packets
report-axis-packets-per-decade = packets per 1/{ $bins } decade
report-axis-share-replies = share of replies with RTT ≤ x
report-axis-share-packets = share of packets answered within x
report-axis-time-since-start = time since the run started (s)
report-axis-loss-window = loss ratio, last { $window } first attempts
report-axis-period-length = loss period length (consecutive lost packets)
report-axis-periods = loss periods
report-axis-client = client
report-axis-attempt = attempt that got the answer (1 = first transmission)
report-axis-logical-requests = logical requests
report-axis-never = never
report-axis-run = run
report-axis-loss-ratio = loss ratio (lost / answered + lost)
report-legend-in-time = replies within the timeout
report-legend-late = late replies (counted lost)
report-legend-timeout = timeout Tmax = { $timeout }
report-legend-all-clients = all clients
report-legend-median = median (p50) = { $value }
report-legend-measured-first = measured, first attempts
report-legend-expected-loss-value = model's expected loss { $expected }%
report-legend-band = 95% range under the model
report-legend-periods-measured = measured: { $periods ->
        [one] 1 period
       *[other] { $periods } periods
    }, mean { $mean }
report-legend-periods-model = model: geometric with mean { $mean }
report-legend-periods-reference = reference only: geometric with the model's mean { $mean }
report-legend-box = box: p25 to p75
report-legend-box-median = median
report-legend-whiskers = whiskers: p1 to p99
report-legend-slowest = slowest reply
report-legend-answered-at = answered at this attempt
report-legend-never-answered = never answered (every attempt lost)
report-legend-run-lost = { $run } (lost { $loss }%)
report-legend-measured = measured
report-legend-interval = 95% interval (batch means)
report-legend-expected-loss = model's expected loss

## The report of a sweep folder (sweep.csv)
report-sweep-err-not-sweep = { $file }:1: not a sweep.csv (it must start with point, the parameters, seed)
report-sweep-err-no-all = { $file }: no `all` rows; nothing to draw
report-sweep-title = Sweep report: { $dir }
report-sweep-intro = { $runs ->
        [one] 1 run
       *[other] { $runs } runs
    } (`all` rows of `sweep.csv`). Each figure draws a metric against one swept parameter, one line per combination of the others: the mean over seeds, and as a band its 95% Student t interval (mean ± t·s/√n; it assumes the seeds' values are independent and their mean roughly normal; no band for one seed). `inf` and empty cells are left out of the mean.
report-sweep-col-parameter = parameter
report-sweep-col-values = values
report-sweep-col-line = line
report-sweep-all = all
report-sweep-all-points = all points
report-sweep-metric-loss = packet loss
report-sweep-metric-success = success after retries
report-sweep-metric-attempts = attempts per success
report-sweep-metric-rtt-p50 = median RTT
report-sweep-metric-tts-p99 = 99th percentile time to success
report-sweep-against = { $metric } against { $param }
report-sweep-axis-mean = { $metric } (mean over seeds, 95% interval)
report-sweep-no-params = The sweep has no swept parameters (only seeds): nothing to draw against.
report-sweep-written-by = Written by losslab report from sweep.csv.
