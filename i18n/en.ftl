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
