# Scenario files and the specs they hold (loss, delay, durations, bandwidths, backoffs), and
# --set overrides, in English. Keys match es.ftl one for one (tests/i18n.rs). An error keeps
# naming the file, line, column, field and value; only its words come from here.

## Where an error is
scenario-field = field `{ $field }`
scenario-err-read = cannot read scenario file { $file }: { $error }

## toml's own messages, in their common shapes
scenario-toml-missing-field = missing field `{ $field }`
scenario-toml-unknown-field-list = unknown field `{ $field }`, expected one of { $expected }
scenario-toml-unknown-field-one = unknown field `{ $field }`, expected { $expected }
scenario-toml-unknown-field-none = unknown field `{ $field }`, there are no fields
scenario-toml-or = or
scenario-toml-invalid-type = invalid type: { $found }, expected { $expected }

## Fields of the file
scenario-err-name = `{ $name }` cannot name a results folder; use letters, digits, '-', '_' and '.' (e.g. "lab9-udp-time")
scenario-err-seed = { $value } is negative; a seed is a whole number from 0 up
scenario-err-server-kind = unknown server kind `{ $value }`; expected "udp-time", "tcp-echo" or "http"
scenario-err-bind = `{ $value }` is not an IP address with a port; write e.g. "127.0.0.1:0" (port 0 picks a free port)
scenario-err-loss-and-impair = give either [loss] (model = "bernoulli", p) or [impair] (netem specs), not both
scenario-err-bernoulli-p = the bernoulli model needs `p`, the probability of losing a packet (e.g. p = 0.5)
scenario-err-loss-model = unknown loss model `{ $value }`; expected "bernoulli" (for bursty loss use [impair] loss = "gemodel ...")
scenario-err-zero-duration = must be longer than 0
scenario-err-step-stateless = applies to stateful loss models only (gemodel, state, bursty): it says how much time one step of their chain stands for
scenario-err-tcp-loss = [loss] and [impair] are the udp-time server's own discarding: a TCP server cannot drop a request it received; to lose TCP segments on the way, put the loss on the path with [link] (e.g. [link] loss = "random 10%")
scenario-err-tcp-impair = [impair] is what the udp-time server does to its own packets (the lab's discards); to put a TCP scenario on a lossy, delayed path use [link] instead (e.g. [link] loss = "random 10%", delay = "5ms")
scenario-err-only-for = `{ $field }` only applies to server kind "{ $kind }"
scenario-err-rate = { $value } is not a rate; give requests per second for all clients together, above 0 and at most 10000000
scenario-err-pacing = give exactly one of `interval` (open loop, per client, e.g. "20ms"), `rate` (open loop, requests per second for all clients) or `concurrency` (closed loop, requests in flight per client)
scenario-err-backoff-no-retries = a backoff only matters with retries; set `retries` too
scenario-err-percentiles = `{ $value }`: expected "replies" (percentiles over replies only) or "lost-infinite" (RFC 2681: a lost request counts as an infinite RTT)
scenario-err-mode = unknown mode `{ $value }`; expected "live" (sockets on loopback) or "sim" (virtual time over a simulated link)
scenario-err-out-of-range = { $value } is out of range; expected { $min } to { $max }
scenario-err-budget-attempts = { $clients } clients × { $requests } requests × { $per_request } attempts = { $attempts } attempts, over the budget of { $budget } per run; use fewer requests or clients
scenario-err-budget-wait = one request can wait { $wait } (timeouts, backoffs and the late window), over the budget of { $budget } per run; shorten the timeout
scenario-err-budget-length = { $requests } requests one every { $interval } take { $length }, over the budget of { $budget } per run; send more often or fewer requests
scenario-err-budget-in-flight = this keeps up to { $in_flight } requests in flight ({ $clients } clients, timeout { $timeout }, late window { $late_window }), over the budget of { $budget }; send less often, use fewer clients or a shorter timeout
scenario-years = { $years } years

## Impairment specs (netem's syntax)
scenario-spec-not-probability = { $name } = { $value } is not a probability (0% to 100%)
scenario-spec-not-number = { $name } = { $value } is not a number; write a percentage like 30% or a fraction like 0.3
scenario-spec-fraction = { $error }: a number without % is a fraction (0.05 = 5%), where tc would read a percentage; write { $value }% for { $value } percent
scenario-spec-no-correlation = correlation { $value } is not supported (only 0%): netem's correlation averages each random number with the previous one, which also changes the rate; losslab draws every packet independently
scenario-spec-time-no-unit = { $name } = { $value } has no unit; write it like 100ms, 1.5s or 80us
scenario-spec-not-time = { $name } = { $value } is not a time
scenario-spec-time-unit = { $name } = { $value } has unknown unit "{ $unit }"; use us, ms or s
scenario-spec-time-long = { $name } = { $value } is too long
scenario-spec-loss-forms = random P, state p13 [p31 [p32 [p23 [p14]]]], gemodel p [r [1-h [1-k]]], pattern 1001..., or bursty P burst L
scenario-spec-no-loss = no loss model; write { $forms }
scenario-spec-unknown-loss = unknown loss model "{ $model }"; write { $forms }
scenario-spec-needs = { $model } needs { $name }: { $model } { $usage }
scenario-spec-too-many = { $word } is one number too many: { $model } takes { $usage }
scenario-spec-pattern-empty = pattern needs its digits: 1 lost, 0 delivered, like pattern 1001
scenario-spec-pattern-long = the pattern is { $length } digits long; at most { $max }
scenario-spec-pattern-digit = the pattern has "{ $digit }"; write only 1 (lost) and 0 (delivered), like 1001
scenario-spec-bursty-usage = bursty P burst L (mean loss and mean burst length, like bursty 5% burst 3)
scenario-spec-write = write { $usage }
scenario-spec-bursty-keyword = "{ $word }" should be "burst": write { $usage }
scenario-spec-bursty-length = L = { $value } is not a number of packets; write { $usage }
scenario-spec-bursty-mean = L = { $value } is not a mean burst length (at least 1 packet)
scenario-spec-bursty-full = P = 100% leaves no gaps between bursts; write random 100%
scenario-spec-bursty-impossible = P = { $loss } with L = { $length } needs p = P·r/(1-P) = { $p }, over 100%: with that loss the mean burst is at least P/(1-P) = { $shortest } packets
scenario-spec-bernoulli-range = p = { $value } is not a probability; it must lie between 0 and 1 (0.5 drops half)
scenario-spec-state-sum = { $first } + { $second } = { $a } + { $b } is more than 100%: both leave state { $state }
scenario-spec-delay-usage = T [J] [distribution uniform|normal|pareto|paretonormal], like 100ms 10ms
scenario-spec-no-delay = no delay; write { $usage }
scenario-spec-extra-word = { $word } is one word too many: write { $usage }
scenario-spec-distribution = unknown distribution "{ $name }"; use uniform, normal, pareto or paretonormal
scenario-spec-distribution-jitter = distribution { $name } needs a delay and a jitter (its spread), as in netem: write it like 100ms 10ms distribution { $name }
scenario-spec-distribution-one = distribution takes one name: write { $usage }
scenario-spec-gap = gap is not supported: losslab's { $kind } acts on each packet alone
scenario-spec-direction = direction must be request (client to server), reply (server to client) or both
scenario-spec-direction-needed = with both loss and { $kind }, say which packets they act on: set direction to request, reply or both (loss alone defaults to request, { $kind } alone to reply)
scenario-spec-reorder-server = reorder needs a delay: netem reorders by sending some packets at once while the others wait out the delay; set a delay too (like 10ms)
scenario-spec-reorder-link = reorder needs a delay: a reordered packet skips the link's delay and overtakes those still on their way; set the link's delay (like 10ms)

## Durations (timeout, interval, late_window, step, backoff waits)
scenario-duration-no-unit = `{ $text }` has no unit; write it like "250ms", "1.5s", "80us" or "2m"
scenario-duration-no-number = `{ $text }` does not start with a number
scenario-duration-unit = `{ $text }` has unknown unit `{ $unit }`; use us, ms, s or m
scenario-duration-long = `{ $text }` is too long

## Bandwidths (after the quoted spec)
scenario-bandwidth-not-rate = is not a rate; write a number and a unit, like 100mbit or 125kbps
scenario-bandwidth-no-unit = has no unit; write it like 100mbit (bits per second) or 125kbps (bytes per second)
scenario-bandwidth-unit = has unknown unit "{ $unit }"; use bit, kbit, mbit, gbit (bits per second) or bps, kbps, mbps, gbps (bytes per second)
scenario-bandwidth-prefix = has unknown prefix "{ $prefix }"; use k, m, g or t (powers of 1000)
scenario-bandwidth-range = is out of range; a bandwidth lies between 1bit and 1000tbit

## Backoffs (clients.backoff)
scenario-backoff-missing = `{ $text }`: { $what } is missing
scenario-backoff-part = `{ $text }`: { $what }: { $error }
scenario-backoff-the-wait = the wait
scenario-backoff-the-first-wait = the first wait
scenario-backoff-the-cap = the cap
scenario-backoff-factor = `{ $text }`: after the first wait comes the factor, like `x2` (at least 1)
scenario-backoff-no-cap = `{ $text }`: the factor is followed by a cap, like `max 2s`
scenario-backoff-cap-short = `{ $text }`: the cap is shorter than the first wait
scenario-backoff-forms = `{ $text }`: expected `none`, `fixed 50ms` or `exponential 100ms x2 max 2s`, optionally followed by `jitter 20%`
scenario-backoff-jitter = `{ $text }`: jitter is a percentage below 100%, like `jitter 20%`
scenario-backoff-jitter-none = `{ $text }`: an immediate retry has no wait to jitter
scenario-backoff-unexpected = `{ $text }`: unexpected `{ $rest }`; only `jitter N%` may follow

## --set FIELD=VALUE
scenario-set-no-equals = `{ $text }` has no `=`; write FIELD=VALUE, e.g. impair.loss="bursty 10% burst 5"
scenario-set-not-field = `{ $field }` is not a scenario field; write a dotted path such as clients.backoff
scenario-set-not-toml = { $file }: not a TOML document: { $error }
scenario-set-value-not-table = { $set }: `{ $path }` in { $file } is a value, not a table with fields
scenario-set-table = { $set }: `{ $field }` in { $file } is a table; set one of its fields
scenario-set-error = { $file } with { $set }: field `{ $field }`: { $error }
scenario-set-context = { $file } with { $sets } (line numbers are of the file with the overrides applied)
scenario-set-read = cannot read scenario file { $file }
scenario-set-edited-not-toml = { $file }: not TOML
scenario-set-no-value = { $set }: the field did not take a value
