# losslab's console lines and errors in English, beyond the core part (i18n/en.ftl): servers,
# clients, relay, link, join, sweeps, results folders. Keys match es.ftl one for one
# (tests/i18n.rs). Arguments in { $braces }; numbers choose plural forms.

## The console queue (src/cmd/console.rs)
console-not-shown = … { $n ->
        [one] 1 console line not shown
       *[other] { $n } console lines not shown
    }
console-stalled = losslab: standard output did not keep up: { $n ->
        [one] 1 console line not shown
       *[other] { $n } console lines not shown
    }
console-dropped = losslab: { $n ->
        [one] 1 console line not shown
       *[other] { $n } console lines not shown
    }

## Errors shared by several commands
err-event-loop-create = cannot create the event loop
err-event-loop = the event loop failed
err-listen = cannot listen on { $proto } { $addr }
err-udp-socket = cannot open a UDP socket
err-send = cannot send to { $target }
err-write = cannot write { $path }
err-write-files = cannot write the files of { $dir }
err-recorder-thread = cannot start the recorder thread
err-resolve-url = cannot resolve the host of http://{ $authority }/: { $error }
err-url-no-address = the host of http://{ $authority }/ has no address

## Servers (serve time, serve time --protocol, serve echo)
serve-held = [{ $ms } ms] { $action } { $request } from { $from } ({ $rule }, held { $delay })
serve-recorded = recorded: { $dir } (server.csv, server.json)
exposure-warning = warning: listening on { $local }, reachable from the network (not only this machine); { $amplifies }
exposure-amplifies-time = any datagram, even 1 byte, gets a reply of up to { $bytes } bytes{ $copies }: about 2 times the request on the wire, sent to whatever address the request claims to come from
exposure-amplifies-duplicate = { " " }(twice that with --duplicate)
exposure-amplifies-protocols = any datagram gets a reply (SNTP: as long as the request; Daytime: about 30 bytes), sent to whatever address the request claims to come from
exposure-amplifies-echo-tcp = the TCP echo needs a handshake first, so it reflects nothing to a forged address
exposure-amplifies-echo-udp = each reply is the request plus 5 bytes (at most 1.2 times the request on the wire), sent to whatever address the request claims to come from
proto-header = losslab { $protocol } server on { $transports } { $local }: impairments { $impairments }, seed { $seed } (Ctrl-C to stop)
proto-udp-and-tcp = udp and tcp
proto-discarded = [{ $ms } ms] discarded { $protocol } { $request } from { $from } ({ $rule })
proto-answered = [{ $ms } ms] answered { $protocol } { $request } from { $from }
proto-held = [{ $ms } ms] { $action } { $protocol } { $request } from { $from } ({ $rule }, held { $delay })
proto-tcp-answered = [{ $ms } ms] answered tcp connection from { $from }
proto-tcp-unanswered = [{ $ms } ms] could not answer tcp connection from { $from }
proto-footer-kisses = , { $n } kiss-o'-death RATE
echo-bytes = { $n } bytes
echo-srv-udp-footer = replied { $replied }, replies not sent { $unsent }
echo-srv-tcp-footer = connections closed by the server: { $idle } idle, { $evicted } evicted at the cap, { $refused } refused
echo-failed = { $proto } { $target }: { $error }
echo-no-reply-short = no reply

## losslab time --protocol sntp
sntp-header = SNTP { $target }: { $count ->
        [one] 1 request
       *[other] { $count } requests
    }, every { $interval }, timeout { $timeout }
sntp-reply = { $i }: offset { $offset } ms, delay { $delay } ms
sntp-kiss = { $i }: kiss-o'-death { $code }: the server asks to be asked less often
sntp-timeout = { $i }: timeout
sntp-summary = { $sent } sent, { $answered } answered, { $kisses } kiss-o'-death, { $timeouts } timed out
sntp-summary-offset = ; offset { $offset } ms (from the sample with the least delay, { $delay } ms)
sntp-no-reply = no SNTP reply from { $target } to { $n ->
        [one] 1 request
       *[other] { $n } requests
    }

## losslab head
head-timeout-reason = no response before the timeout
head-timeout = seq={ $seq } timeout: { $reason }
head-error = seq={ $seq } error: { $reason }

## URLs and response heads (src/wire/http.rs); $url and the quoted parts come quoted
url-bad = bad URL { $url }: { $why }
url-space = it contains a space (write it as %20)
url-control = it contains the control character { $char }
url-missing-scheme = missing scheme: write http://HOST[:PORT]/PATH
url-https = https is not supported: losslab speaks plain HTTP
url-scheme = unsupported scheme { $scheme }: losslab speaks plain HTTP (http://)
url-userinfo = user credentials (user@host) are not supported in http URLs
url-ipv6-unclosed = IPv6 address without its closing ']'
url-not-ipv6 = { $addr } is not an IPv6 address
url-after-ipv6 = unexpected { $after } after the IPv6 address
url-colons = { $authority } has more than one ':' (an IPv6 address needs brackets, as in http://[::1]:8080/)
url-empty-host = empty host
url-bad-port = bad port { $port }: expected 1-65535
url-non-ascii-host = non-ASCII host { $host }: write its IDNA (xn--) form
url-host-char = character { $char } is not allowed in a host name
http-malformed = malformed response head: { $reason } (it begins { $start })
http-too-large = response headers exceed { $cap } bytes
http-too-many-headers = response has more than { $max } header lines
http-closed-early = connection closed after { $received } bytes, before the end of the response headers
http-status-below-100 = status code { $status } is below 100
http-bad-header-name = invalid header name
http-bad-header-value = invalid header value
http-bad-new-line = invalid new line
http-bad-status = invalid response status
http-bad-token = invalid token
http-too-many-headers-short = too many headers
http-bad-version = invalid HTTP version

## losslab run
run-remote-why-sim = a simulation has no outside network
run-remote-why-kind = it applies to udp-time scenarios only
run-remote-why-link = a [link] runs the server inside the run's own private network
run-remote-refused = { $source }: --server { $remote } cannot be used here: { $why }
run-remote-header = only the clients run here: the server at { $remote } and its loss model ({ $impairments }) are elsewhere; `losslab join` with the server's record (serve time --record) says where each loss happened
run-remote-summary = server { $remote } (elsewhere): measured loss { $loss }; the network on the way there and back adds to what its model ({ $impairments }) discards, and only `losslab join` with its record can tell the two apart.
run-link-url = { $source }: a live [link] carries only the run's own traffic between its private namespaces, so the outside url { $url } cannot be reached across it; remove the url to use the built-in responder, or remove [link]
run-sim-url = { $source }: field `clients.url` ({ $url }): sim mode has no outside network, its HEAD client asks the built-in responder; remove `url` or run live
run-server-sim = sim (virtual time, link { $link })
run-server-sim-tcp = sim (virtual time, TCP/IP by smoltcp on both ends, link { $link })
run-server-link = { $server } across a private link ({ $link }) from { $client }
run-report-symlink = note: { $report } is a link; losslab leaves it as it is, and the report there describes an earlier run (redraw it with `losslab report { $dir } --out DIR`)
run-report-redrawn = report: { $dir }/report.md redrawn for this run
run-report-removed = note: the earlier report in { $report } could not be redrawn ({ $error }); removed its files ({ $files }), which described other data
run-report-removed-none = none listed in its manifest

sim-err-too-many-clients = sim mode gives each client its own port and so has room for { $max } clients; this run has { $clients }

## losslab relay
relay-exposed = warning: listening on { $listen }, which is not a loopback address: anyone who can reach it can send datagrams through this relay to { $to }
relay-header = losslab relay on udp { $local } -> { $to }: { $path }, seed { $seed }, { $flows ->
        [address] one flow per client address (--flows address)
       *[other] one flow for all clients (--flows { $flows })
    } (Ctrl-C to stop)
relay-footer = { $status }: to the server { $up } { $up ->
        [one] datagram
       *[other] datagrams
    }, { $up_dropped } dropped; to the clients { $down }, { $down_dropped } dropped; { $clients } { $clients ->
        [one] client
       *[other] clients
    }, { $refused } refused, { $overflows } overflowed, { $errors } send { $errors ->
        [one] error
       *[other] errors
    }
relay-recorded = recorded: { $dir } (link.csv, flows.csv, relay.json)
relay-overflow = discarded { $dir ->
        [request] request from
       *[reply] reply to
    } { $client }: the relay holds too much already ({ $bytes } bytes "{ $preview }")
relay-discarded = [{ $ms } ms] discarded { $dir ->
        [request] request { $ident } from
       *[reply] reply { $ident } to
    } { $client } ({ $rule }): { $bytes } bytes "{ $preview }"
relay-refused = refused a datagram from { $client }: { $max } clients are active (--max-flows)
relay-socket-warning = warning: cannot open a socket for client { $client }: { $error }

## losslab link
link-spawn = cannot start the { $what } command (sh -c { $line })
link-tun-watch = cannot watch the link's TUN devices
link-header = losslab link: server side { $server }, client side { $client } (LOSSLAB_SERVER_ADDR={ $server }): { $path }, seed { $seed }
link-footer = { $status }: client exited { $code }; to the server { $up } packets, { $up_dropped } dropped; to the client { $down }, { $down_dropped } dropped
link-recorded = recorded: { $dir } (link.csv, link.json)
link-server-ended = the server command ended ({ $status }) before it bound a socket: { $line }
link-server-wait = warning: the server bound no socket within { $wait }; starting the client anyway
err-read = cannot read { $path }

## losslab run-all
run-all-read-folder = cannot read the scenario folder { $dir }
run-all-empty = { $dir } holds no scenario files (*.toml)
run-all-same-name = { $first } and { $second } both have name = "{ $name }"; each scenario writes results/<name>/, so the names must differ
run-all-scenario = scenario { $path }
run-all-interrupted = { $name }: interrupted; { $dir } is left as it was
run-all-interrupted-report = { $name }: done; interrupted before its report, stopping
run-all-report-of = the report of { $dir }
run-all-line = { $name } { $mode } { $packets } packets, loss { $loss }, { $seconds } s { $simulated } -> { $dir }
run-all-simulated = simulated
run-all-checking = checking { $dir }
run-all-same-bytes = same bytes as the reference
run-all-passes = passes losslab check
run-all-failed-against = FAILED against { $reference }
run-all-comparison-of = the comparison { $dir }
run-all-comparison = { $name } comparison -> { $dir }
run-all-verify-ok = verify: every scenario matches its reference
run-all-verify-failed = verify: { $n } failed: { $names } (fresh results in { $dir })
run-all-no-reference = no reference folder { $dir }: run `losslab run-all` and commit it
run-all-missing = { $file } is missing from the fresh run
run-all-new = { $file } is new (not in the reference)
run-all-differs = { $file } differs:
run-all-diff-line = line { $n }
run-all-none = (none)
run-all-line-counts = { $reference ->
        [one] 1 line
       *[other] { $reference } lines
    } in the reference, { $fresh } in the fresh run

## losslab join
join-nothing = { $path }: no request ended as a reply or a timeout; nothing to join
join-share = { $ratio }% (95% CI { $low }-{ $high }%)
join-header = joined { $sent } attempts of { $client } with the server's record { $server } by id (no clocks compared):
join-lost-to-server = lost on the way to the server
join-discarded-by-server = discarded by the server's model
join-lost-back = lost on the way back
join-lost-in-all = lost in all
join-of = { $k } of { $n }
join-results = results: { $dir }/{"{"}join.csv,join.json{"}"}
join-foreign = { $n ->
        [one] 1 server row matches
       *[other] { $n } server rows match
    } no request of these clients (other clients of that server)

## src/cli.rs
err-signal-handler = cannot install the Ctrl-C handler: { $error }

## Sockets, TCP failures and the private network (src/driver/, src/client/)
bind-what-time-server = UDP time server
bind-what-udp-echo = UDP echo server
bind-what-tcp-echo = TCP echo server
bind-what-http = HTTP server
bind-what-client = client socket
err-event-loop-epoll = cannot create the event loop (epoll)
err-reach = cannot reach { $target }
err-poll = waiting for sockets failed
err-server-recv = the server socket failed to receive
err-client-recv = client { $client } failed to receive
err-write-row = cannot write a row of { $file }
tcp-closed-without-reply = the server closed the connection without replying
tcp-closed-before-request = the server closed the connection before the request was sent
tcp-to = { " " }to { $peer }
tcp-from = { " " }from { $peer }
tcp-cannot-connect = cannot connect{ $peer }: { $error }
tcp-cannot-send = cannot send{ $peer }: { $error }
tcp-cannot-receive = cannot receive{ $peer }: { $error }
tcp-refused = connection refused
tcp-reset = connection reset
link-tuns-gone = the link's TUN devices are gone
link-tun-write = cannot write a packet to the link's { $side }-side device
link-tun-read = cannot read from the link's { $side }-side device
netns-unsupported = a live [link] needs Linux network namespaces and TUN devices, which this system does not have; simulate the link with --sim
netns-use-sim = run as root, or simulate the link with --sim
netns-cannot-build = a live [link] cannot be built: { $why }; { $use_sim }
netns-needs-userns = a live [link] needs network namespaces, and as a user without privileges a user namespace, but { $why }; { $use_sim }
netns-needs-netns = a live [link] needs network namespaces, but { $why }; { $use_sim }
netns-write-failed = a live [link] cannot be built: writing { $path } in the new user namespace failed ({ $error }); { $use_sim }
netns-tun-setup = a live [link] cannot be built: setting up TUN device { $name } ({ $addr }) failed: { $error }; { $use_sim }
netns-refused = the kernel refused a new network namespace ({ $error })
netns-refused-root = the kernel refused a network namespace to root ({ $error }): this process lacks CAP_SYS_ADMIN (a restricted container?)
netns-refused-user = the kernel refused a network namespace ({ $error }): not root, and this process has no user namespace of its own (`losslab run` makes one at start where the system allows it)
userns-disabled = user namespaces are disabled (sysctl { $sysctl } = 0)
userns-apparmor = AppArmor restricts unprivileged user namespaces (sysctl kernel.apparmor_restrict_unprivileged_userns = 1)
userns-no-permission = the kernel refused a new namespace ({ $error }): no permission
userns-refused = the kernel refused a new namespace ({ $error })
tun-missing = this system has no /dev/net/tun (no TUN driver)
tun-permission = /dev/net/tun is not readable and writable by this user (it usually is mode 0666; here it is not)
tun-open = cannot open /dev/net/tun: { $error }
netns-read-own = cannot read this thread's network namespace
netns-read-new = cannot read the new network namespace
netns-return-home = cannot return to the starting network namespace
netns-enter-server = cannot enter the link's server namespace
netns-return-client = cannot return to the link's client namespace

## Results folders (src/results/)
folder-resolve = cannot resolve the folder { $dir }
folder-create = cannot create the folder { $dir }
folder-no-parent = { $dir } cannot be a results folder (it has no parent folder)
folder-manifest-not-file = { $path } is not a manifest losslab wrote (not a small regular file); move it away
folder-manifest-damaged = { $path }:{ $line }: `{ $name }` is not a file name in the folder; the manifest is damaged (move it away to let losslab treat the folder as new)
folder-create-staging = cannot create the staging folder { $dir }
folder-staging-in-the-way = { $path } is in the way of losslab's staging folder (it is not a folder); move it away
folder-open-staging = cannot open the staging folder { $dir }
folder-busy = another losslab is writing into { $dir } right now (it holds { $stage }); wait for it to finish or choose another output folder
folder-lock = cannot lock { $path }
folder-contended = cannot take { $stage } for writing into { $dir }: other losslab processes keep replacing it
folder-create-results = cannot create the results folder { $dir }
folder-open-results = cannot open the results folder { $dir }
folder-lock-results = cannot lock the results folder { $dir }
folder-not-ours = { $path } is not losslab's (no { $manifest } in the folder lists it): losslab does not replace files it did not write; move it away or choose another folder
folder-not-regular = { $path } is a link, a folder or a device, not the file losslab wrote; losslab leaves it alone: move it away or choose another folder
folder-move = cannot move { $path } into place
read-missing = { $path } is missing: a results folder written by `losslab run` has it
read-not-regular = { $path } is { $kind ->
        [fifo] a FIFO
        [device] a device
        [folder] a folder
       *[other] not a regular file
    }, not a file losslab wrote; results are read only from regular files
read-json-too-long = { $path }: { $len } bytes, more than the { $max } bytes a summary.json may have; this is not a file losslab wrote
read-json-invalid = { $path }:{ $line }:{ $column }: not valid JSON: { $error }
read-json-object = { $path }: expected a JSON object
read-line-too-long = a line longer than { $max } bytes; losslab's rows are a few hundred bytes, so this is not a file it wrote
read-empty = { $path }:1: the file is empty; expected a header line
read-column-twice = { $path }:1: column `{ $column }` appears twice in the header
read-no-column = { $path }:1: no column `{ $column }` in the header (it has: { $header })
read-column = column `{ $column }`
read-is-not = { $text } is not { $what }
read-what-whole-in-range = a whole number ≥ 0 (in range)
read-what-whole = a whole number
read-what-number = a number
read-what-bool = true or false
read-what-one-of = one of { $words }
read-cannot = cannot read
read-not-utf8 = not UTF-8 text
read-unequal = { $cells ->
        [one] 1 cell
       *[other] { $cells } cells
    }, but the header has { $columns } columns (a cut-off or edited file?)
summary-no-scope = { $path }:1: no column `scope` in the header; this is not a losslab summary.csv
summary-older = ; this file was written by an older losslab, before `{ $column }` and the columns after it: rerun the scenario with this version
summary-no-column = { $path }:1: no column `{ $column }` in the header, which every summary.csv of this losslab has{ $hint }
summary-what-cell = a number (or empty, or `inf`)
summary-what-count = a count (a whole number ≥ 0)
schema-rtt = `{ $text }` is not a whole number of µs or `inf`
schema-ratio = { $x } is not a ratio in [0, 1]
schema-scope = `{ $scope }` is neither `all` nor a client id
schema-sent = { $sent } sent, but replies + timeouts + interrupted + errors = { $replies } + { $timeouts } + { $interrupted } + { $errors }
schema-loss-ratio = { $l } is not timeouts / (replies + timeouts) = { $timeouts } / { $n } = { $want }
schema-loss-ratio-resolved = { $l } with { $n } replies and timeouts
schema-empty = empty
schema-interval = the interval [{ $lo }, { $hi }] does not hold loss_ratio { $l }
schema-late = { $late } late replies, more than the { $timeouts } timeouts
schema-first-attempts = first_attempt_losses { $losses } ≤ first_attempts { $attempts } ≤ sent { $sent } does not hold
schema-successes = { $successes } successes of { $requests } logical requests
schema-rtt-max = { $max } is below rtt_min_us { $min }
schema-percentiles = { $v } is below { $before } { $b }: percentiles must rise
schema-scope-twice = a second row with scope `{ $scope }` (the first is line { $first })
schema-no-all = no row with scope `all`
schema-sum = { $total } in the `all` row, but the client rows add up to { $sum }
schema-probability = { $x } is not a probability in [0, 1]
schema-positive = { $x }; it must be a positive number
schema-period = { $x }; a loss period is at least 1 packet long
schema-file-name = `{ $name }` is not a file name in the folder

## losslab sweep and merge
sweep-shard = --shard `{ $text }`: write I/N with 1 ≤ I ≤ N, e.g. 2/8
sweep-slurm-shard = SLURM_ARRAY_TASK_ID={ $i }, SLURM_ARRAY_TASK_COUNT={ $n }: { $error } (the --slurm script numbers its tasks from 1)
sweep-other-run = { $dir } holds a run of another sweep ({ $other }; this one is { $this }); choose another --out
sweep-not-ours = { $dir }: { $error }; choose another --out
sweep-foreign = { $dir } holds runs of sweep { $other } (e.g. { $run }), and { $file } is sweep { $this }: one folder holds one sweep; choose another --out
sweep-header = sweep { $id }: { $points } points × { $seeds } seeds{ $shard }: { $runs } runs, { $skipped } already complete; { $sim } sim runs on { $threads } threads{ $live }
sweep-header-shard = , shard { $i }/{ $n }
sweep-header-live = , then { $n } live runs one at a time (live runs share the network and would disturb each other)
sweep-failed = { $n } of the sweep's runs failed:
sweep-interrupted = sweep interrupted: the runs that finished are kept; run the same command again to finish the rest
sweep-shard-done = shard done; when every shard is: losslab merge { $dir }
sweep-merged = { $path }: { $rows } rows from { $runs } runs
merge-done = { $path }: { $rows } rows from { $runs } runs of sweep { $id }{ $interrupted }
merge-interrupted = { " " }({ $n } of them interrupted)
sweep-field = field `{ $field }`
sweep-seeds-range = write a range "FIRST..LAST" (inclusive) or a list [1, 2, 3]
sweep-seeds-bad-range = `{ $text }` is not a range FIRST..LAST of whole numbers with FIRST ≤ LAST
sweep-seeds-too-many = { $n } seeds, more than the { $max } a sweep may run
sweep-seed-bad = { $value } is not a seed (a whole number from 0 up)
sweep-seeds-neither = { $value } is neither a range "1..30" nor a list of seeds
sweep-seeds-none = no seeds; a sweep needs at least one
sweep-seed-twice = seed { $seed } appears twice
sweep-grid-empty = an empty list; give the values to sweep
sweep-grid-value = { $value } cannot be a field's value here; use strings, numbers or booleans
sweep-grid-twice = the value { $value } appears twice
sweep-grid-field = not a scenario field (a dotted path such as "clients.backoff")
sweep-grid-list = { $value } is not a list; write { $field } = [value, value, ...]
sweep-read = cannot read sweep file { $path }
sweep-read-scenario = cannot read { $path }: { $error } (the path is relative to the sweep file)
sweep-grid-field-twice = the field is swept twice
sweep-too-many = { $path }: the grid and seeds make more than { $max } runs; split the sweep
sweep-point-invalid = this point does not make a valid scenario: { $error }
merge-not-summary = { $path }: not a summary.json losslab wrote
merge-not-sweep = { $dir } is a run, but not of a sweep (its summary.json names none); merge only folders made by `losslab sweep` or the commands of its --list
merge-point = { $dir }: summary.json says point `{ $point }`, but its parameters make `{ $want }`
merge-two-sweeps = { $run } belongs to sweep { $id }, but { $first } to sweep { $first_id }: these folders come from different sweep files; merge each sweep on its own
merge-same-run = { $a } and { $b } are the same run (point { $point }, seed { $seed }) with different results; keep one of them
merge-no-runs = no run folders (POINT/seed-N/) in { $dirs }; run the sweep first
merge-fields-differ = { $dir }: its swept fields differ from { $first }'s
merge-field-name = the swept field `{ $field }` has the name of a column of sweep.csv

## Why a TCP server closed a connection
drop-idle = idle too long
drop-evicted = evicted: the longest idle at the connection cap
drop-foreign = foreign: not one of this run's clients
drop-refused = refused: at the connection cap

## Impairments and links described on the console (netem's own words stay netem's)
impair-none = none
impair-on = { $args } (on { $direction })
impair-dir-request = request
impair-dir-reply = reply
impair-dir-both = both
link-each-way = { $delay } each way
