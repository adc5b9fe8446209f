//! clap's error messages in the user's language. clap writes them in English and offers no
//! hook for their words, but it keeps what each error is about (`ErrorKind` and its context:
//! the argument, the value, the suggestions, the usage line) and lets a program format an
//! error itself ([`ErrorFormatter`]). [`Localized`] writes the same structure as clap's own
//! formatter (the `error:` line, the `tip:` lines, the `Usage:` line, the closing
//! `For more information, try '--help'.`) and the same styles, with the words from the `cli`
//! catalog part (`clap-err-*`). A value parser's own message (already in the user's language)
//! is kept as it is.
//!
//! English keeps clap's own rendering, untouched ([`exit`] leaves an English error to clap);
//! the English catalog says what clap says, and tests/i18n_clap.rs checks that rendering
//! through here in English gives clap's bytes, so the structure cannot drift from clap's.

use crate::i18n::Lang;
use crate::tr;
use clap::builder::{StyledStr, Styles};
use clap::error::{ContextKind, ContextValue, ErrorFormatter, ErrorKind};
use std::fmt::Write as _;

/// Two spaces: clap's indent for list items and tips.
const TAB: &str = "  ";

/// Formats a clap error in the language of this thread ([`crate::i18n::lang`]).
pub struct Localized;

/// Prints `e` as clap would, in the process's language, and exits with clap's code (2 for an
/// error, 0 for `--help`/`--version`, which are not errors and keep clap's path).
pub fn exit(e: clap::Error) -> ! {
    let shown_by_clap = matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            | ErrorKind::Io
            | ErrorKind::Format
    );
    if crate::i18n::lang() == Lang::En || shown_by_clap {
        e.exit()
    }
    e.apply::<Localized>().exit()
}

/// The styles clap uses for losslab's errors (those of its command).
fn styles() -> Styles {
    use clap::CommandFactory;
    crate::cli::Cli::command().get_styles().clone()
}

impl ErrorFormatter for Localized {
    fn format_error(error: &clap::error::Error<Self>) -> StyledStr {
        let styles = styles();
        let valid = styles.get_valid();
        let mut out = StyledStr::new();
        let err = styles.get_error();
        let _ = write!(out, "{err}{}:{err:#} ", tr!("clap-error"));
        match describe(error, &styles) {
            Some(text) => out.push_str(&text),
            None => out.push_str(&kind_text(error.kind())),
        }

        let mut suggested = false;
        for (kind, what) in [
            (ContextKind::SuggestedSubcommand, What::Subcommand),
            (ContextKind::SuggestedArg, What::Argument),
            (ContextKind::SuggestedValue, What::Value),
        ] {
            if let Some(value) = error.get(kind) {
                out.push_str("\n");
                if !suggested {
                    out.push_str("\n");
                    suggested = true;
                }
                did_you_mean(&mut out, &styles, what, value);
            }
        }
        if let Some(ContextValue::StyledStrs(tips)) = error.get(ContextKind::Suggested) {
            if !suggested {
                out.push_str("\n");
            }
            for tip in tips {
                let _ = write!(out, "\n{TAB}{valid}{}:{valid:#} ", tr!("clap-tip"));
                out.push_str(&suggestion(tip, &styles));
            }
        }
        if let Some(ContextValue::StyledStr(usage)) = error.get(ContextKind::Usage) {
            out.push_str("\n\n");
            out.push_str(&usage_in_lang(usage));
        }
        let literal = styles.get_literal();
        let help = format!("{literal}--help{literal:#}");
        let _ = write!(out, "\n\n{}\n", tr!("clap-try-help", help = help));
        out
    }
}

/// The text after `error: ` for the kinds clap describes from their context; `None` when the
/// context it needs is missing (clap then prints the kind's general description).
fn describe(error: &clap::error::Error<Localized>, styles: &Styles) -> Option<String> {
    let (valid, invalid, literal) = (
        styles.get_valid(),
        styles.get_invalid(),
        styles.get_literal(),
    );
    let string = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let number = |kind| match error.get(kind) {
        Some(ContextValue::Number(n)) => Some(*n),
        _ => None,
    };
    let bad = |s: &str| format!("{invalid}{s}{invalid:#}");
    let lit = |s: &str| format!("{literal}{s}{literal:#}");
    let good = |s: &str| format!("{valid}{s}{valid:#}");
    let mut out = String::new();
    match error.kind() {
        ErrorKind::ArgumentConflict => {
            let mut prior = error.get(ContextKind::PriorArg);
            if let Some(arg) = string(ContextKind::InvalidArg) {
                if prior == Some(&ContextValue::String(arg.clone())) {
                    prior = None;
                    out.push_str(&tr!("clap-err-conflict-repeated", arg = bad(&arg)));
                } else {
                    out.push_str(&tr!("clap-err-conflict", arg = bad(&arg)));
                }
            } else if let Some(sub) = string(ContextKind::InvalidSubcommand) {
                out.push_str(&tr!("clap-err-conflict-subcommand", arg = bad(&sub)));
            } else {
                out.push_str(&kind_text(error.kind()));
            }
            match prior {
                Some(ContextValue::Strings(values)) => {
                    out.push(':');
                    for v in values {
                        let _ = write!(out, "\n{TAB}{}", bad(v));
                    }
                }
                Some(ContextValue::String(value)) => {
                    let _ = write!(out, " '{}'", bad(value));
                }
                Some(_) => {
                    out.push(' ');
                    out.push_str(&tr!("clap-err-conflict-others"));
                }
                None => {}
            }
        }
        ErrorKind::NoEquals => {
            let arg = string(ContextKind::InvalidArg)?;
            out.push_str(&tr!("clap-err-no-equals", arg = bad(&arg)));
        }
        ErrorKind::InvalidValue => {
            let arg = string(ContextKind::InvalidArg)?;
            let value = string(ContextKind::InvalidValue)?;
            if value.is_empty() {
                out.push_str(&tr!("clap-err-value-missing", arg = bad(&arg)));
            } else {
                out.push_str(&tr!(
                    "clap-err-invalid-value",
                    value = bad(&value),
                    arg = lit(&arg)
                ));
            }
            values_list(
                &mut out,
                &tr!("clap-possible"),
                styles,
                error.get(ContextKind::ValidValue),
            );
        }
        ErrorKind::InvalidSubcommand => {
            let sub = string(ContextKind::InvalidSubcommand)?;
            out.push_str(&tr!("clap-err-invalid-subcommand", name = bad(&sub)));
        }
        ErrorKind::MissingRequiredArgument => {
            let Some(ContextValue::Strings(args)) = error.get(ContextKind::InvalidArg) else {
                return None;
            };
            out.push_str(&tr!("clap-err-missing-required"));
            for a in args {
                let _ = write!(out, "\n{TAB}{}", good(a));
            }
        }
        ErrorKind::MissingSubcommand => {
            let sub = string(ContextKind::InvalidSubcommand)?;
            out.push_str(&tr!("clap-err-missing-subcommand", name = bad(&sub)));
            values_list(
                &mut out,
                &tr!("clap-subcommands"),
                styles,
                error.get(ContextKind::ValidSubcommand),
            );
        }
        ErrorKind::TooManyValues => {
            let arg = string(ContextKind::InvalidArg)?;
            let value = string(ContextKind::InvalidValue)?;
            out.push_str(&tr!(
                "clap-err-too-many-values",
                value = bad(&value),
                arg = lit(&arg)
            ));
        }
        ErrorKind::TooFewValues => {
            let arg = string(ContextKind::InvalidArg)?;
            let actual = number(ContextKind::ActualNumValues)?;
            let min = number(ContextKind::MinValues)?;
            out.push_str(&tr!(
                "clap-err-too-few-values",
                min = good(&min.to_string()),
                arg = lit(&arg),
                actual = bad(&actual.to_string()),
                n = actual as i64,
            ));
        }
        ErrorKind::ValueValidation => {
            let arg = string(ContextKind::InvalidArg)?;
            let value = string(ContextKind::InvalidValue)?;
            out.push_str(&tr!(
                "clap-err-invalid-value",
                value = bad(&value),
                arg = lit(&arg)
            ));
            if let Some(source) = std::error::Error::source(error) {
                let _ = write!(out, ": {}", source_text(source));
            }
        }
        ErrorKind::WrongNumberOfValues => {
            let arg = string(ContextKind::InvalidArg)?;
            let actual = number(ContextKind::ActualNumValues)?;
            let expected = number(ContextKind::ExpectedNumValues)?;
            out.push_str(&tr!(
                "clap-err-wrong-number-of-values",
                expected = good(&expected.to_string()),
                arg = lit(&arg),
                actual = bad(&actual.to_string()),
                n = actual as i64,
            ));
        }
        ErrorKind::UnknownArgument => {
            let arg = string(ContextKind::InvalidArg)?;
            out.push_str(&tr!("clap-err-unknown-argument", arg = bad(&arg)));
        }
        _ => return None,
    }
    Some(out)
}

/// A value parser's message. losslab's own parsers already speak the user's language; the
/// standard ones (clap's integer parsers, with their range) speak English, and are said again
/// from what they carry.
fn source_text(source: &(dyn std::error::Error + 'static)) -> String {
    use std::num::IntErrorKind;
    if let Some(e) = source.downcast_ref::<std::num::ParseIntError>() {
        return match e.kind() {
            IntErrorKind::Empty => tr!("clap-parse-int-empty"),
            IntErrorKind::InvalidDigit => tr!("clap-parse-int-digit"),
            IntErrorKind::PosOverflow => tr!("clap-parse-int-too-large"),
            _ => e.to_string(),
        };
    }
    let text = source.to_string();
    // clap's ranged integer parsers: `{value} is not in {range}`.
    if let Some((value, range)) = text.split_once(" is not in ")
        && !value.is_empty()
        && value.parse::<i128>().is_ok()
    {
        return tr!(
            "clap-parse-out-of-range",
            value = value.to_string(),
            range = range.to_string()
        );
    }
    text
}

/// What clap says of an error kind in general, when its context does not say more.
fn kind_text(kind: ErrorKind) -> String {
    match kind {
        ErrorKind::InvalidValue => tr!("clap-kind-invalid-value"),
        ErrorKind::UnknownArgument => tr!("clap-kind-unknown-argument"),
        ErrorKind::InvalidSubcommand => tr!("clap-kind-invalid-subcommand"),
        ErrorKind::NoEquals => tr!("clap-kind-no-equals"),
        ErrorKind::ValueValidation => tr!("clap-kind-value-validation"),
        ErrorKind::TooManyValues => tr!("clap-kind-too-many-values"),
        ErrorKind::TooFewValues => tr!("clap-kind-too-few-values"),
        ErrorKind::WrongNumberOfValues => tr!("clap-kind-wrong-number-of-values"),
        ErrorKind::ArgumentConflict => tr!("clap-kind-argument-conflict"),
        ErrorKind::MissingRequiredArgument => tr!("clap-kind-missing-required"),
        ErrorKind::MissingSubcommand => tr!("clap-kind-missing-subcommand"),
        ErrorKind::InvalidUtf8 => tr!("clap-kind-invalid-utf8"),
        _ => tr!("clap-kind-unknown"),
    }
}

/// `\n  [possible values: a, b]` (or the subcommands), as clap lists them.
fn values_list(out: &mut String, name: &str, styles: &Styles, values: Option<&ContextValue>) {
    let valid = styles.get_valid();
    let Some(ContextValue::Strings(values)) = values else {
        return;
    };
    if values.is_empty() {
        return;
    }
    let items: Vec<String> = values
        .iter()
        .map(|v| format!("{valid}{}{valid:#}", crate::i18n_help::quoted(v)))
        .collect();
    let _ = write!(out, "\n{TAB}[{name}: {}]", items.join(", "));
}

#[derive(Clone, Copy)]
enum What {
    Subcommand,
    Argument,
    Value,
}

/// `  tip: a similar subcommand exists: 'run'` in the user's language.
fn did_you_mean(out: &mut StyledStr, styles: &Styles, what: What, names: &ContextValue) {
    let valid = styles.get_valid();
    let _ = write!(out, "{TAB}{valid}{}:{valid:#}", tr!("clap-tip"));
    let names: Vec<&str> = match names {
        ContextValue::String(s) => vec![s.as_str()],
        ContextValue::Strings(v) => v.iter().map(String::as_str).collect(),
        _ => return,
    };
    let list: Vec<String> = names
        .iter()
        .map(|n| format!("'{valid}{n}{valid:#}'"))
        .collect();
    let (names, n) = (list.join(", "), list.len());
    let text = match what {
        What::Subcommand => tr!("clap-tip-similar-subcommand", n = n, names = names),
        What::Argument => tr!("clap-tip-similar-argument", n = n, names = names),
        What::Value => tr!("clap-tip-similar-value", n = n, names = names),
    };
    let _ = write!(out, " {text}");
}

/// One of clap's free-text tips in the user's language. clap builds them in English from
/// three fixed sentences; each is recognized and said again from its parts. A tip of another
/// shape (a later clap) is kept as clap wrote it.
fn suggestion(tip: &StyledStr, styles: &Styles) -> String {
    let (valid, invalid) = (styles.get_valid(), styles.get_invalid());
    let plain = tip.to_string();
    let quoted = |s: &str| -> Option<Vec<String>> {
        // The parts between single quotes, in order.
        let parts: Vec<&str> = s.split('\'').collect();
        (parts.len() % 2 == 1).then(|| {
            parts
                .iter()
                .skip(1)
                .step_by(2)
                .map(|p| p.to_string())
                .collect()
        })
    };
    if plain.starts_with("to pass '")
        && plain.contains("' as a value, use '")
        && let Some(q) = quoted(&plain)
        && q.len() == 2
    {
        return tr!(
            "clap-tip-as-value",
            arg = format!("{invalid}{}{invalid:#}", q[0]),
            usage = format!("{valid}{}{valid:#}", q[1])
        );
    }
    if plain.starts_with("subcommand '")
        && plain.contains("' exists; to use it, remove the '")
        && let Some(q) = quoted(&plain)
        && q.len() == 2
    {
        return tr!(
            "clap-tip-remove-dashes",
            name = format!("{valid}{}{valid:#}", q[0]),
            dashes = format!("{invalid}{}{invalid:#}", q[1])
        );
    }
    if plain.starts_with('\'')
        && plain.ends_with("' exists")
        && let Some(q) = quoted(&plain)
        && q.len() == 1
    {
        return tr!(
            "clap-tip-exists",
            name = format!("{valid}{}{valid:#}", q[0])
        );
    }
    tip.ansi().to_string()
}

/// clap's usage block with its `Usage:` label in the user's language (the label is the
/// first `Usage:` of the block; the command lines after it are not words).
fn usage_in_lang(usage: &StyledStr) -> String {
    let text = usage.ansi().to_string();
    let label = format!("{}:", tr!("clap-usage"));
    let text = text.replacen("Usage:", &label, 1);
    // clap aligns the further command lines under the first one, after `Usage: `.
    let (old, new) = (
        " ".repeat("Usage: ".len()),
        " ".repeat(label.chars().count() + 1),
    );
    text.split('\n')
        .enumerate()
        .map(|(i, line)| match line.strip_prefix(&old) {
            Some(rest) if i > 0 => format!("{new}{rest}"),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
