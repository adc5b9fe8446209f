# losslab's command line in English: `--help` texts and clap's own words. Keys match es.ftl
# one for one (tests/i18n.rs). English --help is clap's output from the doc comments in the
# source; these texts must say the same (tests/i18n_help.rs), so edit both together.
#
# help-PATH is a (sub)command's about (help-serve-time); help-PATH--ID an argument's help, with
# clap's argument id (the field name); .long its long help, .pv-NAME a possible value's help.

## clap's own words
clap-usage = Usage
clap-commands = Commands
clap-arguments = Arguments
clap-options = Options
clap-default = default
clap-possible = possible values
clap-possible-values = Possible values:
clap-aliases = { $n ->
        [one] alias
       *[other] aliases
    }
clap-help = Print help
clap-help-short = Print help (see more with '--help')
clap-help-long = Print help (see a summary with '-h')
clap-version = Print version
clap-help-subcommand = Print this message or the help of the given subcommand(s)

## --help
help = A packet-loss lab: reproducible lossy UDP time server, load generators, CSV results
help--lang = Language of the messages: es or en [default: from LC_ALL, LC_MESSAGES or LANG, else en]
help-run = Run an experiment: the lossy server and its clients in one event loop, recorded to CSV
help-run--scenario = Scenario file (TOML). Without one, runs the built-in default, scenarios/lab9-udp-time.toml
help-run--seed = Use this seed instead of the scenario's
help-run--out = Results folder [default: results/<scenario name>]
help-run--quiet = Print only the summary, not each discard (nor the progress bar); twice (-qq): print nothing at all, for scripts that only want the files and the exit code
help-run--report = Also write the report (plots and report.md) into RESULTS/report
help-run--sim = Simulate: virtual time over the scenario's [link], no sockets (TCP scenarios run over smoltcp's TCP/IP stack); the same seed gives byte-identical files
help-run--live = Run on real sockets even if the scenario says mode = "sim"
help-run--no_requests_csv = Do not write requests.csv (one row per packet); keep only the summaries
help-run--sets = Override a scenario field (a dotted path into the file), checked as the file is: `--set impair.loss="bursty 10% burst 5"`, `--set clients.retries=3`. Repeatable
help-run--sweep_id = Record this run as a point of sweep ID (what `losslab sweep --list` writes)
help-run--server = Run only the scenario's clients, against a udp-time server elsewhere (e.g. `losslab serve time --record DIR` on another host); `losslab join` then splits every loss into the way there, the server's model and the way back
help-serve = Run a server by hand
help-serve-time = The lab's exercise 1: a UDP server that answers with the date and time, losing requests
help-serve-time--bind = Address to listen on (loopback by default, never all interfaces unless asked)
help-serve-time--loss = Loss: a probability (0.5) or a netem loss spec ("random 10%", "gemodel 1% 30%", "state 1% 30% ...", "bursty 5% burst 3", "pattern 10") [default: 0.5, the lab's server, when no other impairment is given]
help-serve-time--delay = Delay in netem's syntax: "T [JITTER] [distribution uniform|normal|pareto|paretonormal]"
help-serve-time--duplicate = Duplicate a share of packets: "P" (e.g. "5%")
help-serve-time--reorder = Send a share of packets at once while the others wait out the delay: "P"
help-serve-time--corrupt = Alter a share of replies (the client's checksum catches them): "P"
help-serve-time--direction = Which packets the impairments act on: request, reply or both
help-serve-time--seed = Seed of the drop decisions: the same seed discards the same requests
help-serve-time--max_requests = Stop after this many datagrams
help-serve-time--quiet = Print only discards, not answered requests
help-serve-time--protocol = What to answer: the lab's text, RFC 867 daytime, RFC 868 time (both also on TCP, the same port) or RFC 4330 SNTP
    .pv-lab = The lab's text reply (losslab's own protocol for its clients)
    .pv-daytime = RFC 867: a line of text; UDP and TCP
    .pv-time = RFC 868: 32-bit seconds since 1900; UDP and TCP
    .pv-sntp = RFC 4330 SNTP: NTP mode-4 replies; UDP
help-serve-time--record = Write the server's ground truth into this folder: server.csv (one row per datagram: when, from where, its id, what the model did) and server.json
help-serve-time--min_interval = SNTP: an address that asks again sooner than this gets a kiss-o'-death RATE
help-serve-echo = The lab's echo servers: UDP replies "Res: " + data, TCP "Resp: " + data and closes
help-serve-echo--udp = Use UDP
help-serve-echo--tcp = Use TCP
help-serve-echo--bind = Address to listen on (loopback by default)
help-serve-echo--keep_open = TCP: answer every chunk a client sends instead of closing after the first answer
help-serve-echo--max_requests = Stop after this many requests
help-serve-echo--idle_timeout = TCP: close a connection after this long without bytes either way
help-time = Ask a UDP time server for the time, ping-like: one line per request, then a summary
help-time--addr = Server address, HOST:PORT
help-time--count = Number of requests
help-time--interval = Time between requests
help-time--timeout = How long to wait for each reply before counting it lost
help-time--retries = Send a lost request again, up to this many times
help-time--client_id = Client id written into requests (losslab servers key their drop decisions on it)
help-time--protocol = lab: losslab's protocol; sntp: RFC 4330, printing offset and delay per reply
help-lab = The lab guide, walked: its exercises with the losslab command for each
help-echo = The lab's echo client: send a message (or each line typed after "> ") and print the reply
help-echo--addr = Server address, HOST:PORT
help-echo--udp = Use UDP
help-echo--tcp = Use TCP
help-echo--message = What to send; without it, each line of standard input is sent after a "> " prompt
help-echo--timeout = How long to wait for each reply
help-head = The lab's exercise 2: send HTTP HEAD requests and show the response, like `curl -sI`
help-head--url = http://HOST[:PORT]/PATH
help-head--count = Measure N requests (connect time, time to headers) instead of printing the response
help-head--timeout = How long to wait for each response's headers
help-head--http10 = Send HTTP/1.0 requests
help-head--new_connection = Open a new connection for every request instead of reusing a kept-alive one
help-model = Loss models: what a spec means, and its netem equivalent
help-model-explain = Print a loss spec's parameters, stationary loss, mean burst length and `tc` line
help-model-explain--spec = A loss spec, e.g. "gemodel 1% 30%", "bursty 5% burst 3", "state 1% 30%", "random 10%"
help-check = Gate CI on a results folder: check its loss against the model, an expectations file or a baseline folder; exit 0 if every check passes, 1 if one fails, 2 on unreadable input
help-check--results = A results folder written by `losslab run` (not with --calibrate)
help-check--expect = Expectations file (TOML): summary.csv columns with "0.5 ± 0.02", "<= 2000", a number, or {"{"} model = true {"}"} for loss_ratio
help-check--baseline = Compare with this results folder: loss (paired exact McNemar when both runs used the same seed, else Welch t on batch means; one-sided), mean loss-period length (Welch t on batch means)
help-check--confidence = Confidence of the statistical checks, between 0 and 1: a correct run fails any of them with probability at most 1 − C (Holm) [default: the expectations file's `confidence`, else 0.999]
help-check--rtt_tolerance = With --baseline: also compare RTT percentiles, which may differ by a factor of 1 + T either way. Opt-in: live RTTs follow the machine's load, not the code
help-check--two_sided = With --baseline: fail on a loss change either way, not only on an increase
help-check--format = Output format
help-check--calibrate = Measure the gate instead of running it: run SCENARIO --runs times in sim with fresh seeds and print how often each check fails a correct run (with --shift: how often it catches the change)
help-check--runs = With --calibrate: how many sim runs
help-check--baseline_seed = With --calibrate: compare each run with one baseline run of this seed (a baseline of another seed, as a CI that keeps a reference folder does)
help-check--paired = With --calibrate: compare each candidate with a baseline of its own seed (the paired same-seed recipe); without --shift the two runs are identical
help-check--unpaired = With --calibrate: compare each candidate with a baseline of a fresh seed of its own (seed + 10⁹): the false-failure rate over baselines too, where --baseline-seed gives it for one fixed baseline
help-check--shift = With --calibrate: change the candidate runs, e.g. "loss +10%" (the model's mean loss times 1.1, bursts as long as before), to measure the gate's power
help-check--first_seed = With --calibrate: the first of the fresh seeds (run i uses this + i)
help-report = Plots and a markdown report from results folders (one, or several to compare)
help-report--dirs = Results folders written by `losslab run`; two or more are compared side by side
help-report--out = Where to write report.md and the SVG figures [default: DIR/report for one folder; required for several]
help-report--window = Packets per window in the loss-over-time plot [default: about a twentieth of the run]
help-run-all = Run every scenario into results/<name>/ (the reference outputs); --verify reruns them and compares: sim-mode folders byte for byte, live ones with `losslab check`
help-run-all--scenarios = Folder of scenario files
help-run-all--out = Where the runs go [default: results, or a temporary folder with --verify]
help-run-all--verify = Rerun and compare with the committed references instead of replacing them; exit 1 on any difference (sim mode) or failed check (live mode)
help-run-all--results = The committed references --verify compares with
help-sweep = Run a grid of parameters × seeds (a sweep file) on all cores, or list its runs for GNU parallel, or print a Slurm job-array script; writes OUT/<point>/seed-<n>/ and sweep.csv
help-sweep--file = The sweep file (TOML): `scenario`, `seeds` and a `[grid]` of field = [values]
help-sweep--out = The sweep's folder: OUT/<point>/seed-<n>/ per run, OUT/sweep.csv
help-sweep--list = Print one self-contained `losslab run …` command per run (those not yet complete) and exit, for GNU parallel, HTCondor or any runner; then `losslab merge OUT`
help-sweep--shard = Run only shard I of N (1-based; the runs whose index is I-1 modulo N). Under a Slurm job array, SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT choose the shard when this is absent
help-sweep--slurm = Print an sbatch job-array script that runs the sweep as TASKS array tasks (each one a shard), then merges; submit it with `sbatch`
help-sweep--tasks = Array tasks in the --slurm script [default: the number of runs, at most 100]
help-sweep--jobs = Sim runs at once [default: the number of cores]
help-sweep--quiet = No progress bar and no per-run lines, only the closing summary
help-merge = Build a sweep's sweep.csv from its run folders, wherever they were made
help-merge--dirs = Sweep folders (OUT of `losslab sweep`, or copies of it from other hosts)
help-merge--out = Where sweep.csv goes [default: the first DIR]
help-join = Join a run against a server elsewhere (run --server) with the server's own record (serve time --record): each loss split into the way there, the server's model and the way back, by request id (clocks are never compared)
help-join--client_dir = The clients' results folder (`losslab run SCENARIO --server HOST:PORT`)
help-join--server_dir = The server's record (`losslab serve time --record DIR`)
help-join--out = Where join.csv and join.json go [default: CLIENT_DIR/join]
help-relay = A lossy UDP relay: clients send to --listen, datagrams go on to --to and back, each crossing the seeded path (loss, delay, duplicate, reorder, corrupt) per direction
help-relay--listen = Address the clients send to (loopback unless you mean to expose it)
help-relay--to = The server's address: every client's datagrams go there, its replies come back
help-relay--loss = Loss in netem's syntax: "random 10%", "gemodel 1% 30%", "state ...", "bursty 5% burst 3", "pattern 10"
help-relay--delay = Delay each way, netem's syntax: "T [JITTER] [distribution uniform|normal|pareto|paretonormal]" [default: 50us]
help-relay--duplicate = Duplicate a share of packets: "P" (e.g. "5%")
help-relay--reorder = Send a share of packets at once while the others wait out the delay: "P"
help-relay--corrupt = Flip one bit of the last byte of a share of packets: "P". Across the live link the receiving kernel's checksum drops them; the relay delivers them (UDP's checksum is the sender's to set, and the relay sends them anew)
help-relay--bandwidth = Each direction's rate, in tc's units ("10mbit", "125kbps") [default: unlimited]
help-relay--direction = Which way the impairments act: request (client to server), reply, or both [default: both]
help-relay--seed = Seed of the fates: the same seed gives each (flow, direction, index) the same fate
help-relay--record = Write link.csv, flows.csv and relay.json into this folder
help-relay--flows = address: each client address is a flow with its own fates and chain; one: all clients are one flow, so a rerun from a new port meets the same fates
help-relay--max_flows = Most clients served at once (each holds an upstream socket); a new client beyond them is refused until one goes idle
help-relay--idle = A client with no datagram either way for this long is forgotten
help-relay--max_datagrams = Stop after this many datagrams from clients (and the replies that follow within 500 ms)
help-relay--duration = Stop after this long
help-relay--quiet = Do not print a line per discarded datagram
help-link = Any two programs across a live lossy link (Linux): --server runs at 10.77.0.1, --client at 10.77.0.2, every packet between them crosses the seeded path; exits with the client's status
help-link--server = The server's command line (run by `sh -c` in the server namespace, at 10.77.0.1)
help-link--client = The client's command line (run by `sh -c` in the client namespace, at 10.77.0.2); losslab exits with its status
help-link--loss = Loss in netem's syntax: "random 10%", "gemodel 1% 30%", "state ...", "bursty 5% burst 3", "pattern 10"
help-link--delay = Delay each way, netem's syntax: "T [JITTER] [distribution uniform|normal|pareto|paretonormal]" [default: 50us]
help-link--duplicate = Duplicate a share of packets: "P" (e.g. "5%")
help-link--reorder = Send a share of packets at once while the others wait out the delay: "P"
help-link--corrupt = Flip one bit of the last byte of a share of packets: "P". Across the live link the receiving kernel's checksum drops them; the relay delivers them (UDP's checksum is the sender's to set, and the relay sends them anew)
help-link--bandwidth = Each direction's rate, in tc's units ("10mbit", "125kbps") [default: unlimited]
help-link--direction = Which way the impairments act: request (client to server), reply, or both [default: both]
help-link--seed = Seed of the link's fates
help-link--record = Write link.csv (one row per packet) and link.json into this folder
help-link--server_wait = How long to wait for the server to bind a socket before starting the client anyway

## clap's error messages (src/i18n_clap.rs). English is clap's own text, word for word:
## English errors are printed by clap itself, and tests/i18n_clap.rs checks these say the same.
clap-error = error
clap-tip = tip
clap-try-help = For more information, try '{ $help }'.
clap-subcommands = subcommands
clap-err-conflict-repeated = the argument '{ $arg }' cannot be used multiple times
clap-err-conflict = the argument '{ $arg }' cannot be used with
clap-err-conflict-subcommand = the subcommand '{ $arg }' cannot be used with
clap-err-conflict-others = one or more of the other specified arguments
clap-err-no-equals = equal sign is needed when assigning values to '{ $arg }'
clap-err-value-missing = a value is required for '{ $arg }' but none was supplied
clap-err-invalid-value = invalid value '{ $value }' for '{ $arg }'
clap-err-invalid-subcommand = unrecognized subcommand '{ $name }'
clap-err-missing-required = the following required arguments were not provided:
clap-err-missing-subcommand = '{ $name }' requires a subcommand but one was not provided
clap-err-too-many-values = unexpected value '{ $value }' for '{ $arg }' found; no more were expected
clap-err-too-few-values = { $min } values required by '{ $arg }'; only { $actual } { $n ->
        [0] was
        [1] was
       *[other] were
    } provided
clap-err-wrong-number-of-values = { $expected } values required for '{ $arg }' but { $actual } { $n ->
        [0] was
        [1] was
       *[other] were
    } provided
clap-err-unknown-argument = unexpected argument '{ $arg }' found
clap-tip-similar-subcommand = { $n ->
        [1] a similar subcommand exists
       *[other] some similar subcommands exist
    }: { $names }
clap-tip-similar-argument = { $n ->
        [1] a similar argument exists
       *[other] some similar arguments exist
    }: { $names }
clap-tip-similar-value = { $n ->
        [1] a similar value exists
       *[other] some similar values exist
    }: { $names }
clap-tip-as-value = to pass '{ $arg }' as a value, use '{ $usage }'
clap-tip-remove-dashes = subcommand '{ $name }' exists; to use it, remove the '{ $dashes }' before it
clap-tip-exists = '{ $name }' exists
clap-kind-invalid-value = one of the values isn't valid for an argument
clap-kind-unknown-argument = unexpected argument found
clap-kind-invalid-subcommand = unrecognized subcommand
clap-kind-no-equals = equal is needed when assigning values to one of the arguments
clap-kind-value-validation = invalid value for one of the arguments
clap-kind-too-many-values = unexpected value for an argument found
clap-kind-too-few-values = more values required for an argument
clap-kind-wrong-number-of-values = too many or too few values for an argument
clap-kind-argument-conflict = an argument cannot be used with one or more of the other specified arguments
clap-kind-missing-required = one or more required arguments were not provided
clap-kind-missing-subcommand = a subcommand is required but one was not provided
clap-kind-invalid-utf8 = invalid UTF-8 was detected in one or more arguments
clap-kind-unknown = unknown cause
arg-err-zero-duration = must be longer than 0
clap-parse-int-empty = cannot parse integer from empty string
clap-parse-int-digit = invalid digit found in string
clap-parse-int-too-large = number too large to fit in target type
clap-parse-out-of-range = { $value } is not in { $range }
