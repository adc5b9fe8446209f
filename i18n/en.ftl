# losslab's messages in English. Keys must match es.ftl one for one (tests/i18n.rs).
# Arguments in { $braces }; numbers choose plural forms. CSV/JSON names are never here.

## Errors
error-prefix = Error
err-no-port = `{ $target }` has no port; write it as HOST:PORT, e.g. 127.0.0.1:21567
err-resolve = cannot resolve `{ $target }`: { $error }
err-no-address = `{ $target }` resolves to no address
err-port-unreachable = { $target }: { $error } (ICMP port unreachable: is a server listening there?)

## losslab time
time-header = TIME { $target }: { $count ->
        [one] 1 request
       *[other] { $count } requests
    }, one every { $interval }, timeout { $timeout }; one at a time until a reply shows the server echoes losslab ids (then pipelined)
time-mode-by-id = the server echoes losslab ids: requests pipelined, each reply matched to its own request
time-mode-stop-and-wait = the replies carry no losslab id: stop-and-wait, one request at a time (as the lab's client), so a reply can only be the waiting request's
time-reply = reply from { $target }: seq={ $seq } attempt={ $attempt } time={ $ms } ms: { $text }
time-timeout = timeout: seq={ $seq } attempt={ $attempt } (no reply within { $timeout })
time-timeout-retrying = timeout: seq={ $seq } attempt={ $attempt } (no reply within { $timeout }), retrying
time-late = late reply: seq={ $seq } attempt={ $attempt } after { $ms } ms (already counted as lost)
time-corrupted = corrupted reply (checksum failed, discarded): { $text }
time-duplicate = duplicate reply (counted once): { $text }
time-unmatched = unexpected datagram (matches no request): { $text }
time-summary-title = --- { $target } time statistics ---
time-summary-replies = { $n ->
        [one] 1 reply
       *[other] { $n } replies
    }
time-summary-counts = { $sent } requests sent, { $replies ->
        [one] 1 reply
       *[other] { $replies } replies
    }, { $loss } loss{ $ci }, { $late } late, { $duplicates ->
        [one] 1 duplicate
       *[other] { $duplicates } duplicates
    }
time-summary-ci = { " " }(95% CI { $low }-{ $high }%)
time-summary-rtt = rtt min/avg/p50/p99/max = { $min }/{ $avg }/{ $p50 }/{ $p99 }/{ $max } ms
time-summary-reproducible = a losslab server's drops are reproducible for client id { $client } and its seed: students sharing one server get the same drops unless each passes its own --client-id
time-summary-foreign-server = the server is not losslab: its drops are its own, losslab cannot reproduce them
time-summary-no-reply = no reply came: nothing shows whether the server is losslab's (exit code 1, as ping)
summary-interrupted = (interrupted)
err-interrupted = interrupted

## losslab echo
echo-no-reply = no reply from { $proto } { $target } within { $timeout }
echo-unanswered = { $n ->
        [one] 1 line went unanswered (exit code 1)
       *[other] { $n } lines went unanswered (exit code 1)
    }

## losslab run
progress-line = { $packets } packets, { $replies } replies, loss { $loss }
run-header = losslab run { $name }: seed { $seed }, impairments { $impairments }, { $clients } clients x { $requests } requests, timeout { $timeout }, server { $server }
run-discard = [{ $ms } ms] server discarded { $request } from { $from } ({ $rule })
run-interrupted = interrupted: the results below cover what was measured before the stop
table-scope = scope
table-sent = sent
table-replies = replies
table-timeouts = timeouts
table-loss = loss
table-loss-ci = loss 95% CI
table-rtt-min = rtt min
table-max-ms = max ms
run-server = server: received { $received }, answered { $answered }, discarded { $discarded }; the loss model expects { $expected }% loss, measured { $measured }{ $retries }.
run-server-retries = { " " }over all attempts and { $first } over first attempts
run-server-retries-stateful = { " " }over all attempts and { $first } over first attempts (retries of a lost request meet the same loss state more often)
run-link-udp = link ({ $link }): dropped { $req_dropped } of { $requests } requests on the way to the server and { $rep_dropped } of { $replies } replies on the way back.
run-link-tcp = link ({ $link }): dropped { $req_dropped } of { $requests } packets toward the server and { $rep_dropped } of { $replies } back.
run-tcp = TCP: { $errors } requests failed outright (refused, reset, malformed); TCP never reports a lost segment to the application, it retransmits it and the loss shows up as delay.
run-foreign = foreign: { $n } datagrams or connections from other than this run's clients, ignored.
run-loss-periods = loss periods (RFC 3357, first attempts): { $periods }, mean length { $mean }{ $model }, longest { $longest }.
run-loss-periods-model = { " " }(the model expects { $mean })
run-retries = retries (up to { $retries }, backoff { $backoff }): { $successes } of { $requests } requests succeeded ({ $ratio }), { $attempts } attempts per success, { $goodput } successes per packet sent; time to success p50 { $p50 } ms, p99 { $p99 } ms.
run-delay-note = The loss model's figure leaves out delay: a reply held past the timeout is lost too.
run-late = { $n } replies came after the { $timeout } timeout and count as lost (RFC 7680).
run-mismatches = { $n } packets' outcome differs from what the server did (answered but no reply in time, or never reached the server).
run-sim-timing = simulated { $simulated } s in { $wall } s of wall time, { $rate } requests/s
run-results = results: { $dir }/{"{"}{ $files }{"}"} ({ $timing })
request-losslab = request seq={ $seq } attempt={ $attempt } of client { $client }
request-plain = plain request #{ $index }

## losslab lab
lab-title = Lab 9, network applications with Python, walked with losslab (loopback only; stop a server with Ctrl-C)
lab-server = in another terminal:
lab-docs = The whole walk, with what each output means: docs/lab9.en.md (Spanish: docs/lab9.es.md).
lab-echo-tcp-title = TCP echo pair (the guide's "Comunicación usando TCP")
lab-echo-tcp-look = Look at: the reply "Resp: hola"; the server closes after one answer, like the guide's. The guide's Python client works against it too.
lab-echo-udp-title = UDP echo pair (the guide's "Comunicación usando UDP")
lab-echo-udp-look = Look at: the reply "Res: hola"; no connection, every datagram stands alone.
lab-ex1-title = Exercise 1: a UDP time server that answers only half the requests
lab-ex1-look = Look at: a discard line on the server for every timeout on the client; the loss and its 95% interval in the summary. Your own Python server works as the target too.
lab-ex1-run-title = Exercise 1, measured: server and clients in one run, written to CSV
lab-ex1-run-look = Look at: the same seed discards the same requests every run; the interval contains the model's 50%.
lab-ex2-title = Exercise 2: HTTP HEAD over TCP, beside curl -sI
lab-ex2-look = Look at: the same status line and headers as curl -sI; a HEAD response has no body.
lab-bursty-title = Beyond the guide: bursty loss (Gilbert-Elliott)
lab-bursty-look = Look at: the loss periods line; mean runs near 3 against about 1.1 for a coin flip at the same rate.
lab-retries-title = Beyond the guide: retries and backoff
lab-retries-look = Look at: the retries line; more requests succeed, each success costs more attempts, and backoff spreads them out.
lab-udp-vs-tcp-title = Beyond the guide: UDP against TCP on the same lossy link
lab-udp-vs-tcp-look = Look at: UDP loses about 19% of requests; TCP answers all of them, and the loss shows up as delay (steps in the RTTs).

## losslab serve
serve-time-header = losslab time server on udp { $local }: impairments { $impairments }, seed { $seed } (Ctrl-C to stop)
serve-discarded = [{ $ms } ms] discarded { $request } from { $from } ({ $rule })
serve-answered = [{ $ms } ms] answered { $request } from { $from }
serve-time-footer = received { $received }, answered { $answered }, discarded { $discarded }

## losslab head
head-header = HEAD { $url } ({ $target }): { $count } requests, timeout { $timeout }
head-line = seq={ $seq } status={ $status } connect={ $connect } ms headers={ $headers } ms ({ $how })
head-reused = reused connection
head-new = new connection
head-no-response = { $url }: no response within { $timeout }
head-no-response-short = no response
head-none-succeeded = { $url }: no request succeeded ({ $reason })
head-no-new-connection = no new connection
head-connect = connect min/p50/max = { $min }/{ $p50 }/{ $max } ms over { $n } new connections
head-summary-title = --- { $url } HEAD statistics ---
head-summary-counts = { $sent } requests, { $replies } responses, { $timeouts } timeouts, { $errors } errors
head-summary-headers = headers min/p50/p99/max = { $min }/{ $p50 }/{ $p99 }/{ $max } ms

## losslab serve echo
echo-srv-header = losslab echo server on { $proto } { $local } (Ctrl-C to stop)
echo-srv-udp = udp { $from }: received { $data }, { $outcome }
echo-srv-replied-udp = replied "Res: ..."
echo-srv-not-sent = reply not sent (too big for a datagram, or the send queue is full)
echo-srv-accepted = tcp { $peer }: connection received
echo-srv-tcp-data = tcp { $peer }: received { $data }, replied "Resp: ..."
echo-srv-closed = tcp { $peer }: closed
echo-srv-dropped = tcp { $peer }: closed by the server ({ $reason })

## binding a port
bind-error = cannot bind the { $what } to { $addr }: { $error }{ $hint }
bind-hint-in-use = { " " }(another program already uses this port; stop it or choose another port)
bind-hint-no-address = { " " }(this machine has no such address)
bind-hint-privileged = { " " }(ports below 1024 need privileges; use a higher one)
