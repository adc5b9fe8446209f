//! Scenario files: TOML in, a validated [`Scenario`] out, or an error that names the place.
//!
//! Parsing happens in two steps. Serde reads the file into `Raw*` structs that keep each value's
//! byte span (`toml::Spanned`) and reject unknown fields; `validate` then checks ranges and
//! combinations and reports any problem as `FILE:LINE:COLUMN: field `x.y`: what is wrong and what
//! is expected`, quoting the line. Invariant: a `Scenario` that exists is runnable; nothing is
//! written and no socket is opened before validation has passed. The schema is documented for
//! users in `scenarios/README.md`.

use crate::client::backoff::Backoff;
use crate::client::loadgen::Pacing;
use crate::impair::ImpairConfig;
use crate::impair::loss::LossModel;
use crate::impair::path::{PathConfig, PathFields};
use crate::time::Duration;
use crate::tr;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// The built-in default experiment; byte-for-byte the file `scenarios/lab9-udp-time.toml`.
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/lab9-udp-time.toml");
pub const DEFAULT_SCENARIO_PATH: &str = "scenarios/lab9-udp-time.toml";

/// Most clients one run may have: each has its own socket, and file descriptors are finite.
pub const MAX_CLIENTS: u32 = 512;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub server: ServerSpec,
    /// What the server does to packets: loss, delay, duplication, reordering, corruption.
    pub impair: ImpairConfig,
    pub clients: ClientSpec,
    pub metrics: MetricsSpec,
    /// Live sockets or virtual time (`mode`; `run --sim`/`--live` override it).
    pub mode: Mode,
    /// The network between the clients and the server (`[link]`): netem's vocabulary plus
    /// propagation delay and bandwidth, in both modes (live: a TUN link between two network
    /// namespaces). `None`: live runs use loopback, sim runs the lossless default link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<PathConfig>,
    pub output: OutputSpec,
}

/// How the summary is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MetricsSpec {
    /// RFC 2681: count a lost packet as an infinite RTT in the percentiles (`lost-infinite`),
    /// instead of leaving it out (`replies`, the default).
    #[serde(serialize_with = "ser_percentiles")]
    pub lost_as_infinite: bool,
}

fn ser_percentiles<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *v { "lost-infinite" } else { "replies" })
}

/// How a run meets time and the network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Real sockets on loopback and the machine's clock.
    #[default]
    Live,
    /// The same cores under virtual time over a simulated link.
    Sim,
}

/// `[output]`: which files a run writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct OutputSpec {
    /// Write `requests.csv` (one row per packet); false keeps only the summaries.
    pub requests_csv: bool,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec { requests_csv: true }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerSpec {
    pub kind: ServerKind,
    pub bind: SocketAddr,
    /// `run --server HOST:PORT`: the clients measure a server elsewhere instead of the run's
    /// own (udp-time only); the scenario's `[impair]` is then that server's business.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<SocketAddr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerKind {
    /// The lossy UDP time server of the lab's exercise 1.
    UdpTime,
    /// The lab's TCP echo server: `Resp: ` + data, then close.
    TcpEcho,
    /// HTTP: HEAD requests to `clients.url`, or to a static responder in the loop when no URL
    /// is given.
    Http,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientSpec {
    pub count: u32,
    pub requests: u32,
    #[serde(flatten, serialize_with = "ser_pacing")]
    pub pacing: Pacing,
    #[serde(serialize_with = "ser_duration")]
    pub timeout: Duration,
    pub retries: u8,
    /// The pause between a timeout and its retry.
    #[serde(serialize_with = "ser_display")]
    pub backoff: Backoff,
    #[serde(serialize_with = "ser_duration")]
    pub late_window: Duration,
    /// tcp-echo: what each request sends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// http: the URL to send HEAD requests to; none means the in-loop responder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// http: open a new connection for every request instead of reusing a kept-alive one.
    pub new_connection: bool,
    /// http: send HTTP/1.0 requests.
    pub http10: bool,
}

fn ser_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

fn ser_display<S: Serializer, T: fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn ser_pacing<S: Serializer>(p: &Pacing, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(1))?;
    match p {
        Pacing::Interval(d) => m.serialize_entry("interval", &d.to_string())?,
        Pacing::Closed { concurrency } => m.serialize_entry("concurrency", concurrency)?,
    }
    m.end()
}

impl Scenario {
    /// Total packets the first attempts amount to (retries add more).
    pub fn total_requests(&self) -> u64 {
        u64::from(self.clients.count) * u64::from(self.clients.requests)
    }
}

/// An error in a scenario file, located.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Dotted path of the field at fault, when known.
    pub field: Option<String>,
    pub message: String,
    /// The offending line of the file, for context.
    pub source_line: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(field) = &self.field {
            write!(f, "{}: ", tr!("scenario-field", field = field.as_str()))?;
        }
        write!(f, "{}", self.message)?;
        if !self.source_line.is_empty() {
            write!(f, "\n  {} | {}", self.line, self.source_line)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    seed: Spanned<i64>,
    server: Spanned<RawServer>,
    loss: Option<Spanned<RawLoss>>,
    impair: Option<Spanned<RawImpair>>,
    clients: Spanned<RawClients>,
    metrics: Option<Spanned<RawMetrics>>,
    mode: Option<Spanned<String>>,
    link: Option<Spanned<RawLink>>,
    output: Option<RawOutput>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    rtt_percentiles: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    loss: Option<Spanned<String>>,
    delay: Option<Spanned<String>>,
    duplicate: Option<Spanned<String>>,
    reorder: Option<Spanned<String>>,
    corrupt: Option<Spanned<String>>,
    bandwidth: Option<Spanned<String>>,
    direction: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    requests_csv: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImpair {
    loss: Option<Spanned<String>>,
    delay: Option<Spanned<String>>,
    duplicate: Option<Spanned<String>>,
    reorder: Option<Spanned<String>>,
    corrupt: Option<Spanned<String>>,
    direction: Option<Spanned<String>>,
    step: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    kind: Spanned<String>,
    bind: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLoss {
    model: Spanned<String>,
    p: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClients {
    count: Spanned<i64>,
    requests: Spanned<i64>,
    interval: Option<Spanned<String>>,
    rate: Option<Spanned<f64>>,
    concurrency: Option<Spanned<i64>>,
    timeout: Spanned<String>,
    retries: Option<Spanned<i64>>,
    backoff: Option<Spanned<String>>,
    late_window: Option<Spanned<String>>,
    message: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    new_connection: Option<bool>,
    http10: Option<bool>,
}

/// How a scenario file is named in results: the path without `.` components, and relative to
/// the working directory when it lies under it, so `./scenarios/x.toml`, `scenarios/x.toml` and
/// `/repo/scenarios/x.toml` (run from `/repo`) all write the same `scenario_file` — a sim run's
/// files must not depend on how its path was typed.
pub fn source_name(path: &Path) -> String {
    use std::path::Component;
    let relative = match std::env::current_dir() {
        Ok(cwd) if path.is_absolute() => path.strip_prefix(&cwd).unwrap_or(path),
        _ => path,
    };
    let parts: Vec<String> = relative
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let joined = parts.join("/");
    match relative.has_root() {
        true => format!("/{}", joined.trim_start_matches('/')),
        false => joined,
    }
}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> anyhow::Result<Scenario> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(tr!(
            "scenario-err-read",
            file = path.display().to_string(),
            error = e.to_string()
        ))
    })?;
    Ok(parse(&text, &path.display().to_string())?)
}

/// Parses and validates scenario text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let at = Locator { text, file };
    let raw: RawScenario = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim_end();
        let mut err = at.error(span.clone(), None, toml_message(message));
        err.field = match missing_field(message) {
            // toml points at the header of the table that lacks the field, and nowhere (the
            // file's start) for a top-level field. The field is the missing one, not a key on
            // that line.
            Some(name) => Some(match at.header_at(err.line) {
                Some(table) if !span.is_empty() => format!("{table}.{name}"),
                _ => name.to_string(),
            }),
            None => at.field_at(err.line),
        };
        err
    })?;
    validate(raw, &at)
}

struct Locator<'a> {
    text: &'a str,
    file: &'a str,
}

impl Locator<'_> {
    fn error(&self, span: Range<usize>, field: Option<&str>, message: String) -> ScenarioError {
        let start = span.start.min(self.text.len());
        let before = &self.text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let source_line = self.text[line_start..]
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        ScenarioError {
            file: self.file.to_string(),
            line,
            column,
            field: field.map(str::to_string),
            message,
            source_line,
        }
    }

    /// The dotted path of the `key = value` on 1-based `line`, from the nearest `[table]`
    /// header above it; `None` when the line holds no key (a header, a missing field).
    fn field_at(&self, line: usize) -> Option<String> {
        let lines: Vec<&str> = self.text.lines().collect();
        let text = lines.get(line.checked_sub(1)?)?.trim();
        let key = text.split_once('=')?.0.trim().trim_matches('"');
        if key.is_empty() || text.starts_with('[') || text.starts_with('#') {
            return None;
        }
        let table = lines[..line - 1].iter().rev().find_map(|l| {
            let l = l.trim();
            l.strip_prefix('[')
                .and_then(|rest| rest.split(']').next())
                .map(str::trim)
        });
        Some(match table {
            Some(t) => format!("{t}.{key}"),
            None => key.to_string(),
        })
    }

    /// The table named by a `[table]` header on 1-based `line`, if that line is one.
    fn header_at(&self, line: usize) -> Option<String> {
        let text = self.text.lines().nth(line.checked_sub(1)?)?.trim();
        let name = text.strip_prefix('[')?.split(']').next()?.trim();
        (!name.is_empty()).then(|| name.to_string())
    }

    fn at<T>(&self, v: &Spanned<T>, field: &str, message: String) -> ScenarioError {
        self.error(v.span(), Some(field), message)
    }
}

fn validate(raw: RawScenario, at: &Locator) -> Result<Scenario, ScenarioError> {
    let name = raw.name.get_ref();
    if name.is_empty()
        || !name
            .chars()
            // Any script's letters and digits (`práctica-9`): a folder name on every system.
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        || name.starts_with('.')
    {
        return Err(at.at(
            &raw.name,
            "name",
            tr!("scenario-err-name", name = name.as_str()),
        ));
    }
    let seed = u64::try_from(*raw.seed.get_ref()).map_err(|_| {
        at.at(
            &raw.seed,
            "seed",
            tr!("scenario-err-seed", value = raw.seed.get_ref().to_string()),
        )
    })?;

    let server_raw = raw.server.get_ref();
    let kind = match server_raw.kind.get_ref().as_str() {
        "udp-time" => ServerKind::UdpTime,
        "tcp-echo" => ServerKind::TcpEcho,
        "http" => ServerKind::Http,
        other => {
            return Err(at.at(
                &server_raw.kind,
                "server.kind",
                tr!("scenario-err-server-kind", value = other),
            ));
        }
    };
    let bind = match &server_raw.bind {
        None => SocketAddr::from(([127, 0, 0, 1], 0)),
        Some(b) => b.get_ref().parse().map_err(|_| {
            at.at(
                b,
                "server.bind",
                tr!("scenario-err-bind", value = b.get_ref().as_str()),
            )
        })?,
    };

    let impair = match (&raw.loss, &raw.impair) {
        (Some(_), Some(i)) => {
            return Err(at.error(
                i.span(),
                Some("impair"),
                tr!("scenario-err-loss-and-impair"),
            ));
        }
        (None, None) => ImpairConfig::none(),
        (Some(l), None) => {
            let l = l.get_ref();
            match l.model.get_ref().as_str() {
                "bernoulli" => {
                    let p = l.p.as_ref().ok_or_else(|| {
                        at.at(&l.model, "loss.p", tr!("scenario-err-bernoulli-p"))
                    })?;
                    let model = LossModel::Bernoulli { p: *p.get_ref() };
                    model.validate().map_err(|m| at.at(p, "loss.p", m))?;
                    ImpairConfig::loss_only(model)
                }
                other => {
                    return Err(at.at(
                        &l.model,
                        "loss.model",
                        tr!("scenario-err-loss-model", value = other),
                    ));
                }
            }
        }
        (None, Some(table)) => {
            let i = table.get_ref();
            let fields = [
                ("impair.loss", &i.loss),
                ("impair.delay", &i.delay),
                ("impair.duplicate", &i.duplicate),
                ("impair.reorder", &i.reorder),
                ("impair.corrupt", &i.corrupt),
                ("impair.direction", &i.direction),
            ];
            fn text(v: &Option<Spanned<String>>) -> Option<&str> {
                v.as_ref().map(|s| s.get_ref().as_str())
            }
            let mut config = ImpairConfig::parse(
                text(&i.loss),
                text(&i.delay),
                text(&i.duplicate),
                text(&i.reorder),
                text(&i.corrupt),
                text(&i.direction),
            )
            .map_err(|e| {
                // Point at the field whose spec failed, or at the table when no field's text
                // is the spec the error quotes.
                match fields.iter().find_map(|(f, v)| {
                    v.as_ref()
                        .filter(|s| s.get_ref() == &e.spec)
                        .map(|s| (*f, s))
                }) {
                    Some((field, value)) => at.at(value, field, e.to_string()),
                    None => at.error(table.span(), Some("impair"), e.to_string()),
                }
            })?;
            if let Some(step) = &i.step {
                let d = duration(at, step, "impair.step")?;
                if d == Duration::ZERO {
                    return Err(at.at(step, "impair.step", tr!("scenario-err-zero-duration")));
                }
                if !config.loss.is_some_and(|l| l.is_stateful()) {
                    return Err(at.at(step, "impair.step", tr!("scenario-err-step-stateless")));
                }
                config.step = Some(d);
            }
            config
        }
    };

    if kind != ServerKind::UdpTime && impair.expected_loss() > 0.0 {
        let span = raw
            .loss
            .as_ref()
            .map(|l| l.span())
            .or_else(|| raw.impair.as_ref().map(|i| i.span()))
            .unwrap_or(0..0);
        return Err(at.error(span, Some("loss"), tr!("scenario-err-tcp-loss")));
    }
    if kind != ServerKind::UdpTime
        && !impair.is_none()
        && impair.expected_loss() == 0.0
        && let Some(i) = &raw.impair
    {
        return Err(at.error(i.span(), Some("impair"), tr!("scenario-err-tcp-impair")));
    }
    let c = raw.clients.get_ref();
    let only_for = |present: bool, field: &str, wanted: ServerKind, span: Range<usize>| {
        if present && kind != wanted {
            Err(at.error(
                span,
                Some(field),
                tr!(
                    "scenario-err-only-for",
                    field = field,
                    kind = kind_name(wanted)
                ),
            ))
        } else {
            Ok(())
        }
    };
    let whole = raw.clients.span();
    only_for(
        c.message.is_some(),
        "clients.message",
        ServerKind::TcpEcho,
        whole.clone(),
    )?;
    only_for(
        c.url.is_some(),
        "clients.url",
        ServerKind::Http,
        whole.clone(),
    )?;
    only_for(
        c.new_connection.is_some(),
        "clients.new_connection",
        ServerKind::Http,
        whole.clone(),
    )?;
    only_for(
        c.http10.is_some(),
        "clients.http10",
        ServerKind::Http,
        whole,
    )?;
    if let Some(u) = &c.url {
        crate::wire::http::parse_url(u.get_ref()).map_err(|m| at.at(u, "clients.url", m))?;
    }
    let count = int_in(at, &c.count, "clients.count", 1, i64::from(MAX_CLIENTS))? as u32;
    let requests = int_in(at, &c.requests, "clients.requests", 1, 1_000_000_000)? as u32;
    let pacing = match (&c.interval, &c.rate, &c.concurrency) {
        (Some(i), None, None) => {
            let d = duration(at, i, "clients.interval")?;
            if d == Duration::ZERO {
                return Err(at.at(i, "clients.interval", tr!("scenario-err-zero-duration")));
            }
            Pacing::Interval(d)
        }
        (None, Some(r), None) => {
            let rate = *r.get_ref();
            if !(rate.is_finite() && rate > 0.0 && rate <= 1e7) {
                return Err(at.at(
                    r,
                    "clients.rate",
                    tr!("scenario-err-rate", value = rate.to_string()),
                ));
            }
            // Each client sends every count/rate seconds, so together they send `rate` per second.
            let us = (f64::from(count) * 1e6 / rate).round().max(1.0) as u64;
            Pacing::Interval(Duration::from_micros(us))
        }
        (None, None, Some(k)) => Pacing::Closed {
            concurrency: int_in(at, k, "clients.concurrency", 1, 1_000_000)? as u32,
        },
        _ => {
            return Err(at.error(
                raw.clients.span(),
                Some("clients"),
                tr!("scenario-err-pacing"),
            ));
        }
    };
    let timeout = duration(at, &c.timeout, "clients.timeout")?;
    if timeout == Duration::ZERO {
        return Err(at.at(
            &c.timeout,
            "clients.timeout",
            tr!("scenario-err-zero-duration"),
        ));
    }
    let retries = match &c.retries {
        None => 0,
        Some(r) => int_in(at, r, "clients.retries", 0, 100)? as u8,
    };
    let backoff = match &c.backoff {
        None => Backoff::NONE,
        Some(b) => Backoff::parse(b.get_ref()).map_err(|m| at.at(b, "clients.backoff", m))?,
    };
    if let Some(b) = c
        .backoff
        .as_ref()
        .filter(|_| !backoff.is_none() && retries == 0)
    {
        return Err(at.at(b, "clients.backoff", tr!("scenario-err-backoff-no-retries")));
    }
    let lost_as_infinite = match raw
        .metrics
        .as_ref()
        .and_then(|m| m.get_ref().rtt_percentiles.as_ref())
    {
        None => false,
        Some(v) => match v.get_ref().as_str() {
            "replies" => false,
            "lost-infinite" => true,
            other => {
                return Err(at.at(
                    v,
                    "metrics.rtt_percentiles",
                    tr!("scenario-err-percentiles", value = other),
                ));
            }
        },
    };
    let late_window = match &c.late_window {
        None => timeout,
        Some(w) => duration(at, w, "clients.late_window")?,
    };
    check_budgets(
        c,
        at,
        &Budgeted {
            count,
            requests,
            pacing,
            timeout,
            retries,
            backoff,
            late_window,
        },
    )?;
    let (mode, link) = validate_sim(&raw, at)?;

    Ok(Scenario {
        name: name.clone(),
        description: raw.description,
        seed,
        server: ServerSpec {
            kind,
            bind,
            remote: None,
        },
        impair,
        clients: ClientSpec {
            count,
            requests,
            pacing,
            timeout,
            retries,
            backoff,
            late_window,
            message: match kind {
                ServerKind::TcpEcho => Some(
                    c.message
                        .as_ref()
                        .map_or_else(|| "hola".to_string(), |m| m.get_ref().clone()),
                ),
                _ => None,
            },
            url: c.url.as_ref().map(|u| u.get_ref().clone()),
            new_connection: c.new_connection.unwrap_or(false),
            http10: c.http10.unwrap_or(false),
        },
        metrics: MetricsSpec { lost_as_infinite },
        mode,
        link,
        output: OutputSpec {
            requests_csv: raw
                .output
                .as_ref()
                .and_then(|o| o.requests_csv)
                .unwrap_or(true),
        },
    })
}

/// What a scenario says about the network: `mode` and `[link]`.
fn validate_sim(
    raw: &RawScenario,
    at: &Locator,
) -> Result<(Mode, Option<PathConfig>), ScenarioError> {
    let mode = match &raw.mode {
        None => Mode::Live,
        Some(m) => match m.get_ref().as_str() {
            "live" => Mode::Live,
            "sim" => Mode::Sim,
            other => {
                return Err(at.at(m, "mode", tr!("scenario-err-mode", value = other)));
            }
        },
    };
    let Some(l) = &raw.link else {
        return Ok((mode, None));
    };
    let l = l.get_ref();
    fn text(v: &Option<Spanned<String>>) -> Option<&str> {
        v.as_ref().map(|s| s.get_ref().as_str())
    }
    let fields = PathFields {
        loss: text(&l.loss),
        delay: text(&l.delay),
        duplicate: text(&l.duplicate),
        reorder: text(&l.reorder),
        corrupt: text(&l.corrupt),
        bandwidth: text(&l.bandwidth),
        direction: text(&l.direction),
    };
    let link = PathConfig::parse(&fields).map_err(|(field, e)| {
        let value = match field {
            "loss" => &l.loss,
            "delay" => &l.delay,
            "duplicate" => &l.duplicate,
            "reorder" => &l.reorder,
            "corrupt" => &l.corrupt,
            "bandwidth" => &l.bandwidth,
            _ => &l.direction,
        };
        let name = format!("link.{field}");
        match value {
            Some(v) => at.at(v, &name, e.to_string()),
            None => at.error(
                raw.link.as_ref().map_or(0..0, |l| l.span()),
                Some(&name),
                e.to_string(),
            ),
        }
    })?;
    Ok((mode, Some(link)))
}

/// Most requests one run may keep in flight (sent, waiting for a reply, a timeout or the end
/// of their late window) across all clients: the load generator and the recorder keep a few
/// dozen bytes for each, so this is tens of megabytes.
pub const MAX_IN_FLIGHT: u64 = 1_000_000;
/// Most attempts one run may plan (clients × requests × (1 + retries)): each is a row of
/// `requests.csv` (about 60 bytes) and a few hundred nanoseconds of a simulation.
pub const MAX_ATTEMPTS: u64 = 1_000_000_000;
/// Longest run, live or simulated, that a scenario may plan: 7 days.
pub const MAX_RUN_US: u64 = 7 * 24 * 3600 * 1_000_000;

/// The validated client values that set a run's memory and length.
struct Budgeted {
    count: u32,
    requests: u32,
    pacing: Pacing,
    timeout: Duration,
    retries: u8,
    backoff: Backoff,
    late_window: Duration,
}

/// Checks the values that set how much memory and time a run takes against the budgets above,
/// before anything starts (issue 13: `concurrency = 1000000` with 512 clients took 4 GB and
/// aborted, `interval = "1us"` with a long timeout took 1.4 GB in 10 s, `rate = 1e-15` never
/// ended). The error names the field and the budget it exceeds.
fn check_budgets(c: &RawClients, at: &Locator, b: &Budgeted) -> Result<(), ScenarioError> {
    let attempts_per_request = 1 + u64::from(b.retries);
    let attempts = u64::from(b.count) * u64::from(b.requests) * attempts_per_request;
    if attempts > MAX_ATTEMPTS {
        return Err(at.at(
            &c.requests,
            "clients.requests",
            tr!(
                "scenario-err-budget-attempts",
                clients = b.count.to_string(),
                requests = b.requests.to_string(),
                per_request = attempts_per_request.to_string(),
                attempts = attempts.to_string(),
                budget = MAX_ATTEMPTS.to_string()
            ),
        ));
    }
    // The longest one logical request can last: every attempt times out after its backoff,
    // then the last one's late window passes.
    let waits: u64 = (1..=b.retries)
        .map(|a| b.backoff.nominal(a).as_micros())
        .sum::<u64>()
        .saturating_add(attempts_per_request.saturating_mul(b.timeout.as_micros()))
        .saturating_add(b.late_window.as_micros());
    if waits > MAX_RUN_US {
        return Err(at.at(
            &c.timeout,
            "clients.timeout",
            tr!(
                "scenario-err-budget-wait",
                wait = Duration::from_micros(waits).to_string(),
                budget = Duration::from_micros(MAX_RUN_US).to_string()
            ),
        ));
    }
    let (field, span) = match (&c.interval, &c.rate, &c.concurrency) {
        (Some(i), _, _) => ("clients.interval", i.span()),
        (_, Some(r), _) => ("clients.rate", r.span()),
        (_, _, Some(k)) => ("clients.concurrency", k.span()),
        _ => ("clients", 0..0),
    };
    let in_flight = match b.pacing {
        Pacing::Closed { concurrency } => {
            u64::from(b.count) * u64::from(concurrency.min(b.requests)) * attempts_per_request
        }
        Pacing::Interval(interval) => {
            let interval = interval.as_micros().max(1);
            let length = (u64::from(b.requests) - 1).saturating_mul(interval);
            if length.saturating_add(waits) > MAX_RUN_US {
                return Err(at.error(
                    span,
                    Some(field),
                    tr!(
                        "scenario-err-budget-length",
                        requests = b.requests.to_string(),
                        interval = long_time(interval as f64),
                        length = long_time((u64::from(b.requests) - 1) as f64 * interval as f64),
                        budget = Duration::from_micros(MAX_RUN_US).to_string()
                    ),
                ));
            }
            // Each attempt is tracked until its timeout and late window have passed.
            let window = (b.timeout.as_micros() + b.late_window.as_micros()).div_ceil(interval);
            u64::from(b.count) * window.min(u64::from(b.requests)) * attempts_per_request
        }
    };
    if in_flight > MAX_IN_FLIGHT {
        return Err(at.error(
            span,
            Some(field),
            tr!(
                "scenario-err-budget-in-flight",
                in_flight = in_flight.to_string(),
                clients = b.count.to_string(),
                timeout = b.timeout.to_string(),
                late_window = b.late_window.to_string(),
                budget = MAX_IN_FLIGHT.to_string()
            ),
        ));
    }
    Ok(())
}

/// A time in µs for a message, in years when a [`Duration`] would print an unreadable number.
fn long_time(us: f64) -> String {
    const YEAR_US: f64 = 365.25 * 86_400e6;
    if us < 1e3 * YEAR_US {
        Duration::from_micros(us as u64).to_string()
    } else {
        tr!("scenario-years", years = format!("{:.1e}", us / YEAR_US))
    }
}

fn kind_name(kind: ServerKind) -> &'static str {
    match kind {
        ServerKind::UdpTime => "udp-time",
        ServerKind::TcpEcho => "tcp-echo",
        ServerKind::Http => "http",
    }
}

fn int_in(
    at: &Locator,
    v: &Spanned<i64>,
    field: &str,
    min: i64,
    max: i64,
) -> Result<i64, ScenarioError> {
    let x = *v.get_ref();
    if (min..=max).contains(&x) {
        Ok(x)
    } else {
        Err(at.at(
            v,
            field,
            tr!(
                "scenario-err-out-of-range",
                value = x.to_string(),
                min = min.to_string(),
                max = max.to_string()
            ),
        ))
    }
}

/// The field serde's "missing field `x`" names.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .strip_suffix('`')
        .filter(|name| !name.contains('`'))
}

/// toml's own message for a file serde could not read, in the user's language where it is one
/// of the common shapes (a field missing, a field unknown); otherwise as toml wrote it. The
/// names it quotes are the file's and stay as they are.
pub(crate) fn toml_message(message: &str) -> String {
    if let Some(name) = missing_field(message) {
        return tr!("scenario-toml-missing-field", field = name);
    }
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((name, rest)) = rest.split_once('`')
    {
        if let Some(list) = rest.strip_prefix(", expected one of ") {
            return tr!(
                "scenario-toml-unknown-field-list",
                field = name,
                expected = list
            );
        }
        if let Some(one) = rest.strip_prefix(", expected ") {
            // serde writes two names as "`a` or `b`".
            let or = format!("` {} `", tr!("scenario-toml-or"));
            let expected = one.replace("` or `", &or);
            return tr!(
                "scenario-toml-unknown-field-one",
                field = name,
                expected = expected
            );
        }
        if let Some(rest) = rest.strip_prefix(", there are no fields")
            && rest.is_empty()
        {
            return tr!("scenario-toml-unknown-field-none", field = name);
        }
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return tr!(
            "scenario-toml-invalid-type",
            found = found,
            expected = expected
        );
    }
    message.to_string()
}

fn duration(at: &Locator, v: &Spanned<String>, field: &str) -> Result<Duration, ScenarioError> {
    Duration::parse(v.get_ref()).map_err(|m| at.at(v, field, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
description = "d"
seed = 7

[server]
kind = "udp-time"

[loss]
model = "bernoulli"
p = 0.25

[clients]
count = 2
requests = 10
interval = "10ms"
timeout = "100ms"
"#;

    /// Scenario names and descriptions in any script: `práctica-9` names a results folder.
    #[test]
    fn unicode_letters_name_a_scenario() {
        let text = GOOD
            .replace("name = \"t\"", "name = \"práctica-9\"")
            .replace(
                "description = \"d\"",
                "description = \"Práctica 9: ¿cuántos se pierden?\"",
            );
        let sc = parse(&text, "p.toml").unwrap();
        assert_eq!(sc.name, "práctica-9");
        let bad = GOOD.replace("name = \"t\"", "name = \"a/b\"");
        assert!(parse(&bad, "p.toml").is_err());
    }

    #[test]
    fn default_scenario_is_valid() {
        let s = parse(DEFAULT_SCENARIO, DEFAULT_SCENARIO_PATH).unwrap();
        assert_eq!(s.name, "lab9-udp-time");
        assert_eq!(s.impair.loss, Some(LossModel::Bernoulli { p: 0.5 }));
    }

    #[test]
    fn parses_a_good_file_with_defaults() {
        let s = parse(GOOD, "good.toml").unwrap();
        assert_eq!(s.seed, 7);
        assert_eq!(s.server.bind, "127.0.0.1:0".parse().unwrap());
        assert_eq!(
            s.clients.pacing,
            Pacing::Interval(Duration::from_millis(10))
        );
        assert_eq!(s.clients.retries, 0);
        assert_eq!(s.clients.late_window, Duration::from_millis(100));
    }

    #[test]
    fn rate_becomes_a_per_client_interval() {
        let text = GOOD.replace("interval = \"10ms\"", "rate = 400");
        let s = parse(&text, "r.toml").unwrap();
        // 2 clients sharing 400/s: each sends every 5 ms.
        assert_eq!(s.clients.pacing, Pacing::Interval(Duration::from_millis(5)));
    }

    fn err(text: &str) -> ScenarioError {
        parse(text, "bad.toml").unwrap_err()
    }

    #[test]
    fn unknown_field_names_line_and_field() {
        let e = err(&GOOD.replace("count = 2", "count = 2\ncolor = \"red\""));
        assert_eq!(e.line, 15);
        assert!(e.message.contains("unknown field `color`"), "{e}");
        assert!(
            e.to_string()
                .starts_with("bad.toml:15:1: field `clients.color`: "),
            "{e}"
        );
    }

    #[test]
    fn out_of_range_probability_names_the_field() {
        let e = err(&GOOD.replace("p = 0.25", "p = 1.5"));
        assert_eq!((e.line, e.field.as_deref()), (11, Some("loss.p")));
        assert!(e.message.contains("between 0 and 1"), "{e}");
        assert!(e.to_string().contains("11 | p = 1.5"), "{e}");
    }

    #[test]
    fn bad_duration_and_bad_bind_are_located() {
        let e = err(&GOOD.replace("\"100ms\"", "\"100\""));
        assert_eq!((e.line, e.field.as_deref()), (17, Some("clients.timeout")));
        assert!(e.message.contains("no unit"));
        let e = err(&GOOD.replace(
            "kind = \"udp-time\"",
            "kind = \"udp-time\"\nbind = \"localhost\"",
        ));
        assert_eq!(e.field.as_deref(), Some("server.bind"));
    }

    #[test]
    fn source_names_do_not_depend_on_spelling() {
        assert_eq!(
            source_name(Path::new("./scenarios/x.toml")),
            "scenarios/x.toml"
        );
        assert_eq!(
            source_name(Path::new("scenarios/./x.toml")),
            "scenarios/x.toml"
        );
        let abs = std::env::current_dir().unwrap().join("scenarios/x.toml");
        assert_eq!(source_name(&abs), "scenarios/x.toml");
        assert_eq!(
            source_name(Path::new("/elsewhere/x.toml")),
            "/elsewhere/x.toml"
        );
    }

    #[test]
    fn backoff_step_and_percentiles_parse_and_fail_clearly() {
        let text = GOOD.replace(
            "timeout = \"100ms\"",
            "timeout = \"100ms\"\nretries = 3\nbackoff = \"exponential 50ms x2 max 1s\"",
        ) + "\n[metrics]\nrtt_percentiles = \"lost-infinite\"\n";
        let s = parse(&text, "b.toml").unwrap();
        assert_eq!(s.clients.backoff.to_string(), "exponential 50ms x2 max 1s");
        assert!(s.metrics.lost_as_infinite);
        let e = err(&text.replace("x2", "2x"));
        assert_eq!(e.field.as_deref(), Some("clients.backoff"));
        assert!(e.message.contains("factor"), "{e}");
        let e = err(&text.replace("retries = 3\n", ""));
        assert!(e.message.contains("only matters with retries"), "{e}");
        let e = err(&text.replace("lost-infinite", "p99"));
        assert_eq!(e.field.as_deref(), Some("metrics.rtt_percentiles"));
        let bursty = GOOD.replace(
            "[loss]\nmodel = \"bernoulli\"\np = 0.25\n",
            "[impair]\nloss = \"bursty 10% burst 3\"\nstep = \"10ms\"\n",
        );
        assert_eq!(
            parse(&bursty, "s.toml").unwrap().impair.step,
            Some(Duration::from_millis(10))
        );
        let e = err(&bursty.replace("bursty 10% burst 3", "random 10%"));
        assert_eq!(e.field.as_deref(), Some("impair.step"));
        assert!(e.message.contains("stateful"), "{e}");
    }

    #[test]
    fn pacing_must_be_exactly_one() {
        let e = err(&GOOD.replace(
            "interval = \"10ms\"",
            "interval = \"10ms\"\nconcurrency = 4",
        ));
        assert_eq!(e.field.as_deref(), Some("clients"));
        let e = err(&GOOD.replace("interval = \"10ms\"\n", ""));
        assert!(e.message.contains("exactly one"));
    }

    #[test]
    fn impair_table_takes_netem_specs_and_points_at_the_bad_one() {
        let base = GOOD.replace(
            "[loss]\nmodel = \"bernoulli\"\np = 0.25\n",
            "[impair]\nloss = \"gemodel 1% 30%\"\ndelay = \"10ms 2ms\"\ndirection = \"both\"\n",
        );
        let s = parse(&base, "i.toml").unwrap();
        assert!(matches!(
            s.impair.loss,
            Some(LossModel::GilbertElliott { .. })
        ));
        assert!(s.impair.delay.is_some());
        let e = err(&base.replace("30%", "130%"));
        assert_eq!((e.line, e.field.as_deref()), (10, Some("impair.loss")));
        assert!(e.message.contains("130%"), "{e}");
        let e = err(&base.replace(
            "[impair]",
            "[loss]\nmodel = \"bernoulli\"\np = 0.1\n[impair]",
        ));
        assert_eq!(e.field.as_deref(), Some("impair"));
    }

    #[test]
    fn tcp_kinds_take_their_own_fields_and_refuse_loss() {
        let echo = GOOD.replace("udp-time", "tcp-echo");
        let e = err(&echo);
        assert_eq!(e.field.as_deref(), Some("loss"));
        let no_loss = echo.replace("p = 0.25", "p = 0");
        let s = parse(&no_loss, "e.toml").unwrap();
        assert_eq!(s.clients.message.as_deref(), Some("hola"));
        let e = err(&no_loss.replace("count = 2", "count = 2\nurl = \"http://x/\""));
        assert_eq!(e.field.as_deref(), Some("clients.url"));
        let http = no_loss.replace("tcp-echo", "http");
        let e = err(&http.replace("count = 2", "count = 2\nurl = \"https://x/\""));
        assert!(e.message.contains("https"), "{e}");
        let s = parse(
            &http.replace("count = 2", "count = 2\nnew_connection = true"),
            "h",
        )
        .unwrap();
        assert!(s.clients.new_connection && s.clients.url.is_none());
    }

    #[test]
    fn mode_link_and_output_parse_and_are_located() {
        let s = parse(GOOD, "good.toml").unwrap();
        assert_eq!(
            (s.mode, s.link, s.output.requests_csv),
            (Mode::Live, None, true)
        );
        let sim = GOOD.replace(
            "seed = 7\n",
            "seed = 7\nmode = \"sim\"\n[link]\ndelay = \"1ms 100us distribution normal\"\n\
             bandwidth = \"10mbit\"\n[output]\nrequests_csv = false\n",
        );
        let s = parse(&sim, "sim.toml").unwrap();
        assert_eq!(s.mode, Mode::Sim);
        let link = s.link.unwrap();
        assert_eq!(link.link.delay.spec(), "1ms 100us distribution normal");
        assert_eq!(link.link.bandwidth, Some(10_000_000));
        assert!(link.is_lossless());
        assert!(!s.output.requests_csv);
        let e = err(&sim.replace("10mbit", "10mb"));
        assert_eq!((e.line, e.field.as_deref()), (8, Some("link.bandwidth")));
        assert!(e.message.contains("unknown unit"), "{e}");
        let e = err(&sim.replace("1ms 100us", "1 100us"));
        assert_eq!(e.field.as_deref(), Some("link.delay"));
        let e = err(&sim.replace("mode = \"sim\"", "mode = \"fast\""));
        assert_eq!((e.line, e.field.as_deref()), (5, Some("mode")));
        let e = err(&sim.replace("delay =", "latency ="));
        assert!(e.message.contains("unknown field `latency`"), "{e}");
        // TCP runs on a [link] too, in sim and live; the link's own fields are located.
        let tcp = GOOD
            .replace("udp-time", "tcp-echo")
            .replace("p = 0.25", "p = 0");
        let s = parse(
            &format!("{tcp}\nmode = \"sim\"\n[link]\nloss = \"random 10%\"\ndelay = \"5ms\"\n")
                .replace("\nmode = \"sim\"\n[link]", "\n[link]")
                .replace("seed = 7\n", "seed = 7\nmode = \"sim\"\n"),
            "tcp.toml",
        )
        .unwrap();
        let link = s.link.unwrap();
        assert_eq!(link.impair.direction, crate::impair::Where::Both);
        assert!((link.expected_loss(crate::impair::Direction::Request) - 0.1).abs() < 1e-12);
        let e = err(&format!("{tcp}\n[link]\nloss = \"random 110%\"\n"));
        assert_eq!(e.field.as_deref(), Some("link.loss"));
        let e = err(&format!(
            "{tcp}\n[link]\nreorder = \"5%\"\ndelay = \"0ms\"\n"
        ));
        assert_eq!(e.field.as_deref(), Some("link.reorder"));
        assert!(e.message.contains("needs a delay"), "{e}");
        // The server's own [impair] stays udp-time's, and the error points to [link].
        let tcp_no_loss = tcp.replace("[loss]\nmodel = \"bernoulli\"\np = 0\n", "");
        let e = err(&format!("{tcp_no_loss}\n[impair]\ndelay = \"5ms\"\n"));
        assert!(e.message.contains("[link]"), "{e}");
        let e = err(&tcp.replace("p = 0\n", "p = 0.1\n"));
        assert!(e.message.contains("[link]"), "{e}");
    }

    #[test]
    fn wrong_type_and_missing_field_are_reported() {
        let e = err(&GOOD.replace("count = 2", "count = \"two\""));
        assert_eq!((e.line, e.field.as_deref()), (14, Some("clients.count")));
        let e = err(&GOOD.replace("seed = 7\n", ""));
        assert!(e.message.contains("seed"), "{e}");
        let e = err(&GOOD.replace("seed = 7", "seed = -1"));
        assert_eq!(e.field.as_deref(), Some("seed"));
        let e = err(&GOOD.replace("model = \"bernoulli\"", "model = \"gilbert\""));
        assert!(e.message.contains("unknown loss model"));
        let e = err(&GOOD.replace("name = \"t\"", "name = \"../x\""));
        assert_eq!(e.field.as_deref(), Some("name"));
    }
}
