# losslab check and check --calibrate, in English. Keys match es.ftl one for one (tests/i18n.rs).
# The JSON and JUnit reports always use this file: other programs read them.

## The report
check-title = losslab check { $results } { $against }, confidence { $level }
check-against-file = against { $file }
check-against-baseline = against baseline { $folder }
check-against-model = against the scenario's loss model
check-col-check = check
check-col-expected = expected
check-col-measured = measured
check-col-verdict = verdict
check-verdict-pass = pass
check-verdict-fail = FAIL
check-verdict-skip = skip
check-note = note: { $check }: { $note }
check-family = { $n ->
        [0] no statistical test ran
        [one] family of 1 statistical test: a correct run fails it with probability ≤ { $alpha }
       *[other] family of { $n } statistical tests, Holm-corrected: a correct run fails any of them with probability ≤ { $alpha } (family-wise)
    }
check-final-fail = FAIL: { $failed } of { $total } checks failed ({ $names }); { $passed } passed, { $skipped } skipped
check-final-nothing = PASS, but nothing was checked: all { $skipped } checks were skipped (empty inputs)
check-final-pass = PASS: { $passed } of { $total } checks passed, { $skipped } skipped

## What each check expected and measured
check-name-vs-baseline = { $column } vs baseline
check-rule-model = the model's loss
check-model-unnamed = the scenario's
check-side-one = one-sided
check-side-each-end = one-sided at each end
check-side-two = two-sided
check-side-worse = one-sided: worse?
check-expected-rule = { $rule } ({ $side })
check-expected-model = model { $p } ({ $model }), two-sided
check-expected-model-exact = model { $p } ({ $model }), exact two-sided test
check-expected-mcnemar = same loss (paired exact McNemar, same seed, { $side })
check-expected-welch = same loss (Welch t on batch means, { $side })
check-expected-period-mean = same mean length (Welch t on batch means, two-sided)
check-expected-rtt-ratio = ratio { $low }-{ $high }
check-what-first-attempts = first attempts
check-what-packets = packets
check-what-logical-requests = logical requests
check-no-units = no { $what } (n = 0)
check-no-units-in-one = no { $what } in one of the folders (n = 0)
check-no-requests = no requests to count (n = 0)
check-no-shared = the runs share no first attempt
check-few-periods = fewer than 2 loss periods in one of the folders
check-no-loss-periods-file = { $folder } has no loss_periods.csv (written before losslab recorded loss periods)
check-no-replies-candidate = no replies in the candidate
check-no-replies-baseline = no replies in the baseline
check-empty-cell = empty (undefined in these results)
check-status-not-recorded = not recorded in summary.json
check-status-stopped = the run was stopped before it finished; its samples are short
check-spread-one-batch = one batch: independence assumed
check-spread-batches = batch means, { $batches } batches, factor { $factor }
check-spread-client-rows = batch means over { $clients } clients' rows (no per-packet file), factor { $factor }
check-spread-no-spread = batch means, { $batches } batches, no spread
check-measured-proportion = { $ratio } = { $k } of { $n } { $what }, { $level } CI { $low }-{ $high } ({ $spread }), p = { $p }
check-measured-ratio = { $ratio } = { $k } / { $n }, { $level } CI { $low }-{ $high } (batch means, { $batches } batches), p = { $p }
check-measured-model-exact = { $ratio } = { $k } of { $n } first attempts; under the model { $mean } of { $n } expected, central { $level } range { $low }-{ $high } (exact chain distribution), p = { $p }
check-measured-mcnemar = { $candidate } vs { $baseline }: of { $shared } shared first attempts { $worse } lost only now, { $better } only in the baseline, p = { $p }
check-measured-welch = { $candidate } ({ $candidate_k } of { $candidate_n } first attempts) vs { $baseline } ({ $baseline_k } of { $baseline_n }): t = { $t }, df = { $df }, p = { $p }
check-measured-period-mean = mean { $candidate } ({ $candidate_n } periods) vs { $baseline } ({ $baseline_n }): t = { $t }, df = { $df }, p = { $p }
check-rtt-percentiles-differ = the candidate's RTT percentiles are over { $candidate }, the baseline's over { $baseline }: rerun one of them with the other's setting to compare like with like

## Why the model cannot be checked (errors)
check-err-no-model-tcp = { $file }: a `{ $kind }` scenario has no loss model to check against: TCP retransmits what the network loses, so the application sees delay, never loss; check its columns with --expect FILE (e.g. loss_ratio = 0, rtt_p99_us = "<= 5000") or compare with --baseline DIR
check-err-no-expected-loss = { $file }: no `expected_loss`: these results have no loss model to check against; give the expectations with --expect FILE or compare with --baseline DIR
check-err-expected-loss-range = { $file }: field `expected_loss` is { $value }, not a probability between 0 and 1
check-err-late-replies = { $file }: `expected_loss` ({ $p }) counts only the packets the server drops, but { $why }: a reply later than the timeout is lost too (RFC 7680), and no model predicts that loss; give the expected loss with --expect FILE (e.g. loss_ratio = "0.067 ± 0.01")
check-err-corrupt = { $file }: `expected_loss` ({ $p }) counts only the packets the server drops, but this scenario also corrupts some (scenario.impair.corrupt) and a corrupted reply is discarded, so its request is lost too; give the expected loss with --expect FILE
check-late-server-delay = the server's delay { $us } µs
check-late-server-delay-both = the server's delay 2 × { $us } µs
check-late-server-unbounded = this scenario also delays them (scenario.impair.delay) with { $distribution } jitter, which has no upper bound
check-late-link-bandwidth = the simulated link has a bandwidth limit (link.bandwidth_bps = { $bps }) whose queue has no upper bound
check-late-link-delay = the simulated link's 2 × { $us } µs
check-late-link-unbounded = the simulated link delays every datagram with { $distribution } jitter (link.distribution), which has no upper bound
check-late-no-timeout = its replies are delayed ({ $parts }) and summary.json records no `timeout_us` to compare that with
check-late-reaches-timeout = its replies can be delayed by up to { $worst } µs ({ $parts }), which reaches the timeout of { $timeout } µs

## Reading a results folder (errors)
check-err-no-folder-at = { $folder }: no such results folder (run `losslab run SCENARIO --out { $folder }` first)
check-err-field = { $file }: field `{ $field }`: { $error }
check-err-field-missing = { $file }: field `{ $field }` is missing
check-err-not-number = { $file }: field `{ $field }` is { $value }, not a number or null
check-err-not-string = { $file }: field `{ $field }` is { $value }, not a string
check-err-variance-factor = { $file }: field `loss_variance_factor` is { $value }; it must be a positive number
check-err-delay-negative = { $file }: field `{ $field }` and `jitter_us` must be ≥ 0
check-err-distribution = { $file }: field `{ $field }` is `{ $value }`, not uniform, normal, pareto or paretonormal
check-err-mode = { $file }: field `mode` is `{ $value }`, not `live` or `sim`
check-err-sim-no-link = { $file }: `mode` is sim but there is no `link`: the simulated path is not recorded
check-err-loss-model = { $file }: field `{ $field }` is `{ $value }`, not bernoulli, gemodel, state or pattern
check-err-listed-missing = cannot read { $path }: { $file } lists it under `files.loss_periods` but it does not exist
check-err-cannot-read = cannot read { $path }: { $error }
check-err-no-column = { $path }:1: no column `{ $column }` in the header
check-err-not-count = column `{ $column }` is "{ $cell }", not a whole number ≥ 0
check-err-no-such-column = { $file }:1: no column `{ $column }` in the header (columns: { $columns })
check-err-no-such-scope = { $file }: no row with scope `{ $scope }` (scopes: { $scopes })
check-err-period-zero = `0` is not a loss-period length (a whole number ≥ 1)
check-err-period-client = client { $client } has no row in summary.csv: the file belongs to another run or is damaged
check-err-not-a-statistic = `{ $column }` is not a statistic; losslab check always checks `status`

## The command line (errors)
check-err-confidence-flag = must be a number between 0 and 1, e.g. 0.999
check-err-tolerance-flag = must be a number ≥ 0 (1.0 allows a factor of 2 either way)
check-err-needs-baseline = --rtt-tolerance and --two-sided compare with a baseline: give --baseline DIR too
check-err-no-folder = give a results folder to check (or --calibrate SCENARIO)

## The expectations file (errors)
check-err-at-key = { $file }:{ $line }:{ $column }: key `{ $key }`: { $message }
check-err-read-expect = cannot read expectations file { $file }: { $error }
check-err-expect-toml = { $file }:{ $line }:{ $column }: not valid TOML: { $error }
check-expect-help = write a range as "0.5 ± 0.02" (or +-, +/-), a bound as "<= 3", ">= 3", "< 3" or "> 3", a bare number for equality, or {"{"} model = true {"}"} for loss_ratio
check-err-expect-confidence = confidence must be a number between 0 and 1, e.g. 0.999 (a correct run fails a check with probability 1 - confidence)
check-err-expect-scope = `scope` holds one table per client row, e.g. [scope."0"] with loss_ratio = "0.5 ± 0.05" under it
check-err-expect-scope-table = expected a table of column = expectation
check-err-expect-empty = { $file }: no expectations; add a line such as loss_ratio = {"{"} model = true {"}"} or rtt_p99_us = "<= 2000"
check-err-expect-not-finite = not a finite number; { $help }
check-err-expect-inline-table = an inline table here can only be {"{"} model = true {"}"}; { $help }
check-err-expect-model-column = {"{"} model = true {"}"} applies to loss_ratio only: the model predicts the loss; give this column a range or a bound
check-err-expect-unexpected = unexpected value; { $help }
check-err-expect-not-number = `{ $text }` is not a number
check-err-expect-rule = "{ $text }": { $why }; { $help }
check-err-expect-negative-tolerance = the tolerance { $tolerance } is negative
check-err-expect-not-expectation = not an expectation

## losslab check --calibrate
check-cal-title = losslab check --calibrate { $scenario }: { $runs } sim { $runs ->
        [one] run
       *[other] runs
    } (seeds { $first }..={ $last }), { $against }, confidence { $level }{ $shifted }
check-cal-shifted = , candidates shifted by { $shift } (loss { $from } → { $to })
check-cal-paired = against same-seed baseline (paired)
check-cal-unpaired = against a fresh baseline per run (seed + { $offset })
check-cal-baseline-seed = against baseline of seed { $seed }
check-cal-expect = against expectations { $file }
check-cal-col-check = check
check-cal-col-false = false failures
check-cal-col-caught = caught (power)
check-cal-col-rate = rate
check-cal-count = { $k } of { $n }
check-cal-ci = 95% CI { $low }-{ $high }
check-cal-skipped = (skipped in every run)
check-cal-gate = the gate (any check)
check-cal-coverage = summary.csv's 95% loss interval covered the model's loss { $model } in { $covered } of { $runs } { $runs ->
        [one] run
       *[other] runs
    } ({ $rate }, 95% CI { $low }-{ $high })
check-cal-fixed-note = note: every run was compared with the one baseline of seed { $seed }, whose own loss was { $loss } ({ $k } of { $n } first attempts; the model's is { $model }): the rates above are for this baseline; --unpaired gives them over fresh baselines
check-cal-means = mean over the runs (all row): loss_ratio { $loss }, success_ratio { $success }
check-cal-family = family of { $n } statistical { $n ->
        [one] test
       *[other] tests
    } per run (Holm): the gate's false-failure rate should be at most { $alpha }
check-calibration-run = calibration run with seed { $seed }
check-removing = removing { $path }
check-creating = creating { $path }
check-err-runs-zero = --runs 0: give at least one run
check-err-shift-syntax = --shift "{ $shift }": write the change as `loss +10%` (or `loss -5%`): the model's mean loss times 1.10
check-err-shift-no-model = { $file }: --shift changes the loss model, and this scenario has none
check-err-shift = { $file }: --shift: { $error }
check-shift-not-probability = a loss of { $loss } is not a probability below 100%
check-shift-no-parameter = { $model } has no parameter to scale its loss by
check-shift-unreachable = { $model } cannot reach a loss of { $loss } by its entry rate alone

## losslab model explain
model-label-spec = spec
model-label-model = model
model-label-loss = stationary loss
model-label-burst = mean burst length
model-label-netem = netem
model-burst-packets = { $length } packets
model-burst-none = none (this model loses nothing)
model-netem-pattern = netem has no deterministic loss; pattern { $pattern } loses the same share
