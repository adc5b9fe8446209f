//! Property tests for every parser a user or a peer can reach (issue 13): scenario TOML,
//! impairment and backoff specs, durations and bandwidths, the time wire format, HTTP response
//! heads and URLs. Two kinds of property: arbitrary input never panics (it parses or it is an
//! error), and what losslab writes it reads back to the same value (round trips).
//!
//! Case counts are small so `cargo test` stays fast (64 to 256 per property). A longer run:
//! `PROPTEST_CASES=20000 cargo test --release --test properties`. The results readers have
//! their own owner and tests (src/check/results.rs).

use losslab::client::backoff::Backoff;
use losslab::impair::link::{format_bandwidth, parse_bandwidth};
use losslab::impair::spec::{parse_chance, parse_delay, parse_direction, parse_loss};
use losslab::time::Duration;
use losslab::wire::http::{HeadParser, parse_url};
use losslab::wire::time::{
    RequestId, encode_reply, encode_request, parse_reply_id, parse_request, reply_intact,
    reply_text,
};
use proptest::prelude::*;

/// `n` cases, unless `PROPTEST_CASES` asks for more.
fn cases(n: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    ProptestConfig::with_cases(n)
}

/// A number as users write them: a percentage, a fraction, a duration or a bare integer.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..=1000).prop_map(|v| format!("{}%", f64::from(v) / 10.0)),
        (0u32..=1000).prop_map(|v| format!("{}", f64::from(v) / 1000.0)),
        (0u32..100_000).prop_map(|v| format!("{v}ms")),
        (0u32..10_000).prop_map(|v| format!("{v}us")),
        (0u32..100).prop_map(|v| format!("x{v}")),
        (1u32..100).prop_map(|v| format!("{v}%")),
        (1u32..1000).prop_map(|v| v.to_string()),
        "[01]{1,12}",
    ]
}

/// Spec text: mostly a keyword and numbers (so the parsers get past their first check), some
/// loose words, some noise.
fn spec_text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("random"),
        Just("gemodel"),
        Just("state"),
        Just("pattern"),
        Just("bursty"),
        Just("burst"),
        Just("distribution"),
        Just("normal"),
        Just("pareto"),
        Just("paretonormal"),
        Just("fixed"),
        Just("exponential"),
        Just("max"),
        Just("jitter"),
        Just("gap"),
        Just("none"),
    ];
    let loose = prop_oneof![
        word.clone().prop_map(str::to_string),
        number(),
        "\\PC{0,6}",
        any::<f64>().prop_map(|f| f.to_string()),
    ];
    prop_oneof![
        3 => (word, proptest::collection::vec(number(), 0..6))
            .prop_map(|(w, n)| format!("{w} {}", n.join(" "))),
        2 => proptest::collection::vec(number(), 1..4).prop_map(|n| n.join(" ")),
        2 => (number(), number(), number()).prop_map(|(a, b, c)| {
            format!("exponential {a} {b} max {c}")
        }),
        1 => (number(), number()).prop_map(|(a, b)| format!("bursty {a} burst {b}")),
        1 => (0u32..=1000, 0u32..=1000, 0u32..=100, 0u32..=100).prop_map(|(p, r, h, k)| {
            format!("gemodel {}% {}% {h}% {k}%", f64::from(p) / 10.0, f64::from(r) / 10.0)
        }),
        1 => (1u32..500, 1u32..4, 1u32..5000, 0u32..100).prop_map(|(a, f, b, j)| {
            format!("exponential {a}ms x{f} max {}ms jitter {j}%", a + b)
        }),
        1 => (1u32..5000, 0u32..100).prop_map(|(a, j)| format!("fixed {a}us jitter {j}%")),
        1 => (0u32..500, 0u32..200).prop_map(|(d, j)| format!("{d}ms {j}ms distribution normal")),
        2 => proptest::collection::vec(loose, 0..7).prop_map(|w| w.join(" ")),
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    /// No spec text panics any parser; a loss model that parses writes a spec that parses
    /// back to the same model, and it passes its own validation.
    #[test]
    fn impairment_specs_never_panic_and_round_trip(text in spec_text()) {
        if let Ok(model) = parse_loss(&text) {
            prop_assert!(model.validate().is_ok(), "{text:?} -> {model:?}");
            let again = parse_loss(&model.spec());
            prop_assert_eq!(again.as_ref().ok(), Some(&model), "{:?} -> {}", text, model.spec());
            let loss = model.expected_loss();
            prop_assert!((0.0..=1.0).contains(&loss), "{text:?}: loss {loss}");
        }
        if let Ok(delay) = parse_delay(&text) {
            prop_assert_eq!(parse_delay(&delay.spec()).ok(), Some(delay));
        }
        for kind in ["duplicate", "reorder", "corrupt"] {
            if let Ok(c) = parse_chance(kind, &text) {
                prop_assert!((0.0..=1.0).contains(&c.p));
            }
        }
        let _ = parse_direction(&text);
        if let Ok(b) = Backoff::parse(&text) {
            prop_assert_eq!(Backoff::parse(&b.to_string()).ok(), Some(b));
        }
    }

    /// Loss specs written from parameters parse to those parameters (within the spec's
    /// decimal printing) and print the same again.
    #[test]
    fn generated_loss_specs_parse(p in 0u32..=10_000, r in 0u32..=10_000, burst in 1u32..1000) {
        let pct = |v: u32| format!("{}%", f64::from(v) / 100.0);
        let ge = parse_loss(&format!("gemodel {} {}", pct(p), pct(r))).unwrap();
        prop_assert_eq!(parse_loss(&ge.spec()).unwrap(), ge);
        let random = parse_loss(&format!("random {}", pct(p))).unwrap();
        prop_assert!((random.expected_loss() - f64::from(p) / 10_000.0).abs() < 1e-12);
        // bursty P burst L exists when P/(1-P) <= L.
        let share = f64::from(p.min(9_999)) / 10_000.0;
        let bursty = parse_loss(&format!("bursty {} burst {burst}", pct(p.min(9_999))));
        if share / (1.0 - share) <= f64::from(burst) {
            let m = bursty.unwrap();
            prop_assert!((m.expected_loss() - share).abs() < 1e-9, "{m:?}");
        }
    }

    /// Durations: any text parses or is an error; every duration losslab prints parses back.
    #[test]
    fn durations_never_panic_and_round_trip(text in "\\PC{0,12}", us in 0u64..=1_000_000_000_000_000) {
        let _ = Duration::parse(&text);
        let d = Duration::from_micros(us);
        prop_assert_eq!(Duration::parse(&d.to_string()), Ok(d));
    }

    /// Bandwidths: any text parses or is an error; every rate printed in tc's units parses
    /// back to the same bits per second.
    #[test]
    fn bandwidths_never_panic_and_round_trip(text in spec_text(), bps in 1u64..=1_000_000_000_000_000) {
        let _ = parse_bandwidth(&text);
        prop_assert_eq!(parse_bandwidth(&format_bandwidth(bps)).ok(), Some(bps));
    }
}

proptest! {
    #![proptest_config(cases(256))]

    /// Time requests and replies: what the encoders write, the parsers read back; a reply is
    /// intact, and its text is the date without the id.
    #[test]
    fn time_wire_round_trips(client: u32, seq: u32, attempt: u8,
                             unix_us in -62_135_596_800_000_000i64..253_402_300_799_000_000) {
        let id = RequestId { client, seq, attempt };
        let mut out = Vec::new();
        encode_request(id, &mut out);
        prop_assert_eq!(parse_request(&out), Some(id));
        encode_reply(unix_us, Some(id), &mut out);
        prop_assert_eq!(parse_reply_id(&out), Some(id));
        prop_assert!(reply_intact(&out));
        let text = reply_text(&out);
        prop_assert!(!text.contains("id="), "{text:?}");
        encode_reply(unix_us, None, &mut out);
        prop_assert_eq!(parse_reply_id(&out), None);
        prop_assert!(out.len() <= losslab::wire::time::MAX_REPLY_LEN);
    }

    /// Arbitrary bytes, and bytes that start like a losslab message, never panic the time
    /// parsers.
    #[test]
    fn time_wire_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..96),
                                 tail in "[0-9.= a-z]{0,24}") {
        for datagram in [bytes.clone(), [b"losslab-time id=".as_slice(), tail.as_bytes()].concat(),
                         [bytes.as_slice(), b" id=", tail.as_bytes()].concat()] {
            let _ = parse_request(&datagram);
            let _ = parse_reply_id(&datagram);
            let _ = reply_intact(&datagram);
            let _ = reply_text(&datagram);
        }
    }

    /// HTTP response heads: arbitrary bytes, fed whole or in pieces, never panic the parser
    /// and never make it buffer past its limit.
    #[test]
    fn http_heads_take_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512),
                                 cut in 0usize..512) {
        let mut whole = HeadParser::new(256);
        let _ = whole.feed(&bytes);
        let mut pieces = HeadParser::new(256);
        let (a, b) = bytes.split_at(cut.min(bytes.len()));
        if let Ok(None) = pieces.feed(a) {
            let _ = pieces.feed(b);
        }
        prop_assert!(pieces.buffered() <= 256 + 512);
    }

    /// A well-formed head with generated status, reason and fields parses to them, whether it
    /// arrives in one piece or two.
    #[test]
    fn generated_http_heads_parse(status in 200u16..600, reason in "[A-Za-z ]{0,20}",
                                  fields in proptest::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,12}", "[!-~]([ !-~]{0,30}[!-~])?"), 0..8),
                                  cut in 0usize..400) {
        let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
        for (name, value) in &fields {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let bytes = head.as_bytes();
        let mut p = HeadParser::new(16 * 1024);
        let (a, b) = bytes.split_at(cut.min(bytes.len()));
        let first = p.feed(a).unwrap();
        let resp = match first {
            Some(r) => r,
            None => p.feed(b).unwrap().expect("a whole head"),
        };
        prop_assert_eq!(resp.status, status);
        prop_assert_eq!(resp.headers.len(), fields.len());
        for ((name, value), (got_name, got_value)) in fields.iter().zip(&resp.headers) {
            prop_assert!(got_name.eq_ignore_ascii_case(name));
            prop_assert_eq!(got_value.as_slice(), value.as_bytes());
        }
        prop_assert_eq!(resp.head_len, bytes.len());
    }

    /// URLs: any text parses or is an error; generated `http://host:port/path` URLs parse to
    /// their parts.
    #[test]
    fn urls_never_panic_and_parse_their_parts(text in "\\PC{0,40}",
                                              host in "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5}){0,2}",
                                              port in 1u16..,
                                              path in "(/[A-Za-z0-9._~-]{0,8}){0,4}") {
        let _ = parse_url(&text);
        let _ = parse_url(&format!("http://{text}"));
        let url = parse_url(&format!("http://{host}:{port}{path}")).unwrap();
        prop_assert_eq!(&url.host, &host);
        prop_assert_eq!(url.port, port);
        let want = if path.is_empty() { "/".to_string() } else { path.clone() };
        prop_assert_eq!(&url.path, &want);
        prop_assert_eq!(url.authority, format!("{host}:{port}"));
    }
}

/// A value for one of a scenario's fields: mostly plausible, some hostile.
fn field_value(plausible: impl Strategy<Value = String> + 'static) -> BoxedStrategy<String> {
    prop_oneof![
        40 => plausible,
        1 => any::<i64>().prop_map(|v| v.to_string()),
        1 => any::<f64>().prop_map(|v| if v.is_finite() { format!("{v:e}") } else { "1.0".into() }),
        1 => "\"\\PC{0,8}\"",
        1 => Just("true".to_string()),
    ]
    .boxed()
}

fn quoted(s: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    s.prop_map(|s| format!("{s:?}"))
}

proptest! {
    #![proptest_config(cases(128))]

    /// Scenario files: arbitrary text, and files whose fields take arbitrary values, never
    /// panic the parser; an error names a line inside the file. A scenario that parses keeps
    /// its budgets.
    #[test]
    fn scenario_files_never_panic(
        text in "\\PC{0,200}",
        seed in field_value((0u64..1000).prop_map(|v| v.to_string())),
        loss in field_value(quoted(prop_oneof![
            3 => (0u32..1000).prop_map(|p| format!("random {}%", f64::from(p) / 10.0)),
            3 => (0u32..100, 1u32..100).prop_map(|(p, r)| format!("gemodel {p}% {r}%")),
            3 => (0u32..50, 1u32..20).prop_map(|(p, l)| format!("bursty {p}% burst {l}")),
            1 => spec_text(),
        ])),
        duplicate in field_value(quoted((0u32..=100).prop_map(|v| format!("{v}%")))),
        count in field_value((1u32..530).prop_map(|v| v.to_string())),
        requests in field_value(prop_oneof![
            8 => (1u64..10_000).prop_map(|v| v.to_string()),
            1 => (1u64..100_000_000).prop_map(|v| v.to_string()),
        ]),
        pace in prop_oneof![
            field_value(quoted((1u32..100_000).prop_map(|v| format!("{v}us"))))
                .prop_map(|v| format!("interval = {v}")),
            field_value((1u32..1000).prop_map(|v| format!("{v}.5e-{}", v % 20)))
                .prop_map(|v| format!("rate = {v}")),
            field_value((1u32..1_000_000).prop_map(|v| v.to_string()))
                .prop_map(|v| format!("concurrency = {v}")),
        ],
        timeout in field_value(quoted(prop_oneof![
            8 => (1u32..10_000).prop_map(|v| format!("{v}ms")),
            1 => (1u64..100_000_000).prop_map(|v| format!("{v}s")),
        ])),
        retries in field_value(prop_oneof![
            8 => (1u32..10).prop_map(|v| v.to_string()),
            1 => (0u32..120).prop_map(|v| v.to_string()),
        ]),
        backoff in field_value(quoted(prop_oneof![
            1 => Just("none".to_string()),
            3 => (1u32..1000).prop_map(|v| format!("fixed {v}ms")),
            3 => (1u32..100, 1u32..4, 1u32..100)
                .prop_map(|(a, f, b)| format!("exponential {a}ms x{f} max {}ms", a + b)),
            1 => spec_text(),
        ])),
    ) {
        let _ = losslab::scenario::parse(&text, "any.toml");
        let file = format!(
            "name = \"p\"\ndescription = \"d\"\nseed = {seed}\nmode = \"sim\"\n\n[server]\n\
             kind = \"udp-time\"\n\n[impair]\nloss = {loss}\nduplicate = {duplicate}\n\
             direction = \"both\"\n\n[clients]\ncount = {count}\nrequests = {requests}\n\
             {pace}\ntimeout = {timeout}\nretries = {retries}\nbackoff = {backoff}\n",
        );
        let lines = file.lines().count();
        match losslab::scenario::parse(&file, "p.toml") {
            Ok(s) => {
                let attempts = u64::from(s.clients.count)
                    * u64::from(s.clients.requests)
                    * (1 + u64::from(s.clients.retries));
                prop_assert!(attempts <= losslab::scenario::MAX_ATTEMPTS);
                prop_assert!(s.clients.timeout.as_micros() <= losslab::scenario::MAX_RUN_US);
            }
            Err(e) => prop_assert!(e.line >= 1 && e.line <= lines + 1, "{e}"),
        }
    }
}
