//! The message catalogs: every console line a student reads comes from `i18n/en.ftl` or
//! `i18n/es.ftl` (Project Fluent, compiled into the binary), in the language chosen once per
//! process by [`set_lang`] — `--lang es|en`, else `LC_ALL`, `LC_MESSAGES`, `LANG` (POSIX order),
//! else English.
//!
//! Code asks for a message with [`tr!`]`("key", name = value, ...)`; numbers passed as numbers
//! choose plural forms by the language's CLDR rules. CSV/JSON column names and values are an
//! interface and never go through here. Invariant: both catalogs define the same keys and every
//! key the source asks for (tests/i18n.rs checks both); a key missing at run time prints the key
//! itself rather than failing, so a slip can never lose a measurement.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};
use unic_langid::LanguageIdentifier;

/// One part of the catalogs: a file per language, compiled in. Parts keep each area's messages
/// together (the console in `i18n/en.ftl`, others in `i18n/<part>/en.ftl`); a key lives in
/// exactly one part, and every part exists in both languages.
pub struct Catalog {
    /// The part's name, for messages (`core`, `report`, ...).
    pub name: &'static str,
    /// The English file's path in the repository, and its text.
    pub en: (&'static str, &'static str),
    /// The Spanish file's path in the repository, and its text.
    pub es: (&'static str, &'static str),
}

macro_rules! catalog {
    ($name:literal, $en:literal, $es:literal) => {
        Catalog {
            name: $name,
            en: ($en, include_str!(concat!("../", $en))),
            es: ($es, include_str!(concat!("../", $es))),
        }
    };
}

/// Every part of the catalogs.
pub const CATALOGS: &[Catalog] = &[
    catalog!("core", "i18n/en.ftl", "i18n/es.ftl"),
    catalog!("check", "i18n/check/en.ftl", "i18n/check/es.ftl"),
    catalog!("scenario", "i18n/scenario/en.ftl", "i18n/scenario/es.ftl"),
    catalog!("report", "i18n/report/en.ftl", "i18n/report/es.ftl"),
    catalog!("cli", "i18n/cli/en.ftl", "i18n/cli/es.ftl"),
    catalog!("console", "i18n/console/en.ftl", "i18n/console/es.ftl"),
];

impl Catalog {
    /// This part's (path, text) in `lang`.
    pub fn file(&self, lang: Lang) -> (&'static str, &'static str) {
        match lang {
            Lang::En => self.en,
            Lang::Es => self.es,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    /// `es`, `es_ES.UTF-8`, `es-MX`, ... → Spanish; `en...`, `C`, `POSIX` → English; anything
    /// else is not a language losslab has.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let base = tag
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match base.as_str() {
            "es" => Some(Lang::Es),
            "en" | "c" | "posix" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language from the environment as POSIX orders it: the first of `LC_ALL`,
    /// `LC_MESSAGES`, `LANG` that is set and not empty decides; English otherwise (and for a
    /// language losslab has no catalog for).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| get(k).filter(|v| !v.is_empty()))
            .next()
            .and_then(|v| Lang::from_tag(&v))
            .unwrap_or(Lang::En)
    }
}

static LANG: AtomicU8 = AtomicU8::new(0);

/// Chooses the language of every later message in this process.
pub fn set_lang(lang: Lang) {
    LANG.store(lang as u8, Ordering::Relaxed);
}

/// The language of messages on this thread: the one [`with_lang`] chose, if it is running,
/// else the process's.
pub fn lang() -> Lang {
    if let Some(lang) = OVERRIDE.with(Cell::get) {
        return lang;
    }
    match LANG.load(Ordering::Relaxed) {
        1 => Lang::Es,
        _ => Lang::En,
    }
}

thread_local! {
    static OVERRIDE: Cell<Option<Lang>> = const { Cell::new(None) };
}

/// Runs `f` with every message on this thread in `lang`, then restores the language before
/// (also when `f` panics). For a file whose language must not follow the user's: the reference
/// reports `run-all` writes are English whatever the locale of whoever regenerates them.
pub fn with_lang<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Lang>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OVERRIDE.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(OVERRIDE.with(|o| o.replace(Some(lang))));
    f()
}

/// The language for this process: `flag` (from `--lang`) if given, else the environment.
pub fn detect(flag: Option<&str>) -> Lang {
    flag.and_then(Lang::from_tag)
        .unwrap_or_else(|| Lang::from_env(|k| std::env::var(k).ok()))
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static EN: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    static ES: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    let (cell, tag) = match lang {
        Lang::En => (&EN, "en"),
        Lang::Es => (&ES, "es"),
    };
    cell.get_or_init(|| build(tag, lang))
}

/// A bundle of every part of one language's catalog. A syntax error or a key defined twice in a
/// compiled-in catalog is a bug that tests/i18n.rs catches; here the entries that did parse are
/// still used (the first definition of a key wins).
fn build(tag: &str, lang: Lang) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: console lines and files want plain text.
    bundle.set_use_isolating(false);
    for part in CATALOGS {
        let text = part.file(lang).1;
        let resource = FluentResource::try_new(text.to_string()).unwrap_or_else(|(r, _)| r);
        let _ = bundle.add_resource(resource);
    }
    bundle
}

/// The message `key` in `lang`, formatted with `args`.
pub fn message_in(lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
    let bundle = bundle(lang);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned()
}

/// The message `key` in the process's language.
pub fn message(key: &str, args: Option<&FluentArgs>) -> String {
    message_in(lang(), key, args)
}

/// The attribute `.attr` of message `key` in `lang`, if the catalog has it.
pub fn attribute_in(lang: Lang, key: &str, attr: &str) -> Option<String> {
    let bundle = bundle(lang);
    let pattern = bundle.get_message(key)?.get_attribute(attr)?.value();
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, None, &mut errors)
            .into_owned(),
    )
}

/// Whether `key` is a message of `lang`'s catalog.
pub fn has_message(lang: Lang, key: &str) -> bool {
    bundle(lang).has_message(key)
}

/// The message ids a catalog defines, in file order (for the completeness test).
pub fn catalog_keys(text: &str) -> Result<Vec<String>, String> {
    use fluent_syntax::ast::Entry;
    let resource =
        fluent_syntax::parser::parse(text).map_err(|(_, errors)| format!("{errors:?}"))?;
    Ok(resource
        .body
        .iter()
        .filter_map(|e| match e {
            Entry::Message(m) => Some(m.id.name.to_string()),
            Entry::Term(t) => Some(format!("-{}", t.id.name)),
            _ => None,
        })
        .collect())
}

/// The command-line definition with its `--help` in the process's language (see
/// [`crate::i18n_help`]); English keeps the doc comments clap derives from, untouched.
pub fn localized_command() -> clap::Command {
    use clap::CommandFactory;
    let cmd = crate::cli::Cli::command();
    match lang() {
        Lang::En => cmd,
        other => crate::i18n_help::localize(cmd, other),
    }
}

/// `tr!("key")` or `tr!("key", name = value, ...)`: the message in the process's language.
/// Values are anything `FluentValue` converts from (numbers select plural forms; pass
/// `x.to_string()` for addresses and durations). `tr!("key" in lang, ...)` gives it in a fixed
/// [`Lang`] instead, for text that goes both to a person and into a file other programs read
/// (`losslab check --format json` keeps its prose English).
#[macro_export]
macro_rules! tr {
    ($key:literal) => {
        $crate::i18n::message($key, None)
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = fluent_bundle::FluentArgs::new();
        $(args.set(stringify!($name), fluent_bundle::FluentValue::from($value));)+
        $crate::i18n::message($key, Some(&args))
    }};
    ($key:literal in $lang:expr) => {
        $crate::i18n::message_in($lang, $key, None)
    };
    ($key:literal in $lang:expr, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = fluent_bundle::FluentArgs::new();
        $(args.set(stringify!($name), fluent_bundle::FluentValue::from($value));)+
        $crate::i18n::message_in($lang, $key, Some(&args))
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_order_is_posix() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Lang::from_env(env(&[("LANG", "es_ES.UTF-8")])), Lang::Es);
        assert_eq!(
            Lang::from_env(env(&[("LANG", "es_ES.UTF-8"), ("LC_ALL", "C")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_env(env(&[("LC_MESSAGES", "es_MX"), ("LANG", "en_US")])),
            Lang::Es
        );
        assert_eq!(
            Lang::from_env(env(&[("LC_ALL", ""), ("LANG", "es")])),
            Lang::Es
        );
        assert_eq!(Lang::from_env(env(&[("LANG", "de_DE.UTF-8")])), Lang::En);
        assert_eq!(Lang::from_env(env(&[])), Lang::En);
    }

    #[test]
    fn with_lang_holds_only_inside_and_on_this_thread() {
        assert_eq!(OVERRIDE.with(Cell::get), None);
        let inner = with_lang(Lang::Es, || {
            let other = std::thread::spawn(|| OVERRIDE.with(Cell::get))
                .join()
                .unwrap();
            (lang(), other, with_lang(Lang::En, lang), lang())
        });
        assert_eq!(inner.0, Lang::Es);
        assert_eq!(inner.1, None, "another thread keeps the process's language");
        assert_eq!(inner.2, Lang::En, "nested");
        assert_eq!(inner.3, Lang::Es, "restored after the nested call");
        assert_eq!(OVERRIDE.with(Cell::get), None, "restored");
        let caught = std::panic::catch_unwind(|| with_lang(Lang::Es, || panic!("in f")));
        assert!(caught.is_err());
        assert_eq!(OVERRIDE.with(Cell::get), None, "restored after a panic");
    }

    #[test]
    fn plural_forms_follow_the_language() {
        let mut one = FluentArgs::new();
        one.set("n", 1);
        let mut many = FluentArgs::new();
        many.set("n", 3);
        let en1 = message_in(Lang::En, "time-summary-replies", Some(&one));
        let en3 = message_in(Lang::En, "time-summary-replies", Some(&many));
        let es1 = message_in(Lang::Es, "time-summary-replies", Some(&one));
        let es3 = message_in(Lang::Es, "time-summary-replies", Some(&many));
        assert_eq!((en1.as_str(), en3.as_str()), ("1 reply", "3 replies"));
        assert_eq!(
            (es1.as_str(), es3.as_str()),
            ("1 respuesta", "3 respuestas")
        );
    }
}
