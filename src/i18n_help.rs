//! `--help` in the user's language: every (sub)command's `about`, every argument's help and
//! clap's own words around them (the `Usage`/`Arguments`/`Options`/`Commands` headings, the
//! `[default: …]` and `[possible values: …]` notes, `-h`/`-V` and the `help` subcommand) from
//! the `cli` catalog part.
//!
//! Keys: a command's `about` is `help-PATH` (`help` for losslab itself, `help-serve-time` for
//! `serve time`); an argument's help is `help-PATH--ID` with clap's argument id (the field name,
//! `help-run--out`, `help-serve-time--min_interval`). An argument whose English help has a long
//! form (`long_help`) takes it from the attribute `.long`; one whose possible values have their
//! own help takes each from `.pv-NAME`. English keeps the doc comments clap derives from, so
//! English `--help` is clap's own output; tests/i18n_help.rs checks that the English catalog
//! says the same as the doc comments, that rendering through here with the English catalog
//! gives clap's output, and that Spanish has every key.
//!
//! clap prints its notes and headings itself in English; for another language they are hidden
//! (`hide_default_value`, `hide_possible_values`) and written here into the help text, in the
//! same places and styles clap uses, and the headings come from a `help_template` per command
//! built from `{positionals}`, `{options}` and `{subcommands}`. clap's error messages
//! ("error: unexpected argument …", their `Usage:` line) are written by [`crate::i18n_clap`].

use crate::i18n::{Lang, attribute_in, has_message, message_in};
use clap::builder::{PossibleValue, Styles};
use clap::{Arg, Command};

/// The catalog key of the command at `path` (`[]` for losslab, `["serve", "time"]`).
pub fn command_key(path: &[&str]) -> String {
    let mut key = String::from("help");
    for name in path {
        key.push('-');
        key.push_str(name);
    }
    key
}

/// The catalog key of argument `id` of the command whose key is `command_key`.
pub fn arg_key(command_key: &str, id: &str) -> String {
    format!("{command_key}--{id}")
}

/// The attribute of an argument's key that holds the help of its possible value `name`.
pub fn possible_value_attribute(name: &str) -> String {
    format!("pv-{name}")
}

/// clap's built-in arguments, whose words come from `clap-*` keys instead.
pub fn is_clap_builtin(arg: &Arg) -> bool {
    matches!(arg.get_id().as_str(), "help" | "version")
}

/// Whether clap prints `cmd`'s long help for `--help` (as clap decides it: a long `about`, or
/// an argument with a long help or possible values that carry their own help).
pub fn has_long_help(cmd: &Command) -> bool {
    cmd.get_long_about().is_some()
        || cmd.get_before_long_help().is_some()
        || cmd.get_after_long_help().is_some()
        || cmd.get_arguments().any(|a| {
            !a.is_hide_set()
                && (a.get_long_help().is_some()
                    || a.is_hide_long_help_set()
                    || a.is_hide_short_help_set()
                    || (!a.is_hide_possible_values_set()
                        && a.get_possible_values().iter().any(shows_help)))
        })
}

fn shows_help(pv: &PossibleValue) -> bool {
    !pv.is_hide_set() && pv.get_help().is_some()
}

/// `cmd` with its help in `lang`. Built (as `Command::build` does) so that clap's own `-h`,
/// `-V` and `help` exist to be translated; parsing a built command behaves as before.
pub fn localize(cmd: Command, lang: Lang) -> Command {
    // A global argument (`--lang`) is translated once, at the top, and clap copies it into
    // every subcommand as it builds; its long form is kept for the subcommands whose `--help`
    // is long, where clap would print its notes in paragraphs of their own.
    let key = command_key(&[]);
    let styles = cmd.get_styles().clone();
    let globals: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set() && !a.is_hide_set() && !is_clap_builtin(a))
        .filter_map(|a| {
            let key = arg_key(&key, a.get_id().as_str());
            has_message(lang, &key).then(|| {
                let long = long_form(a, &key, lang, &styles);
                (a.get_id().to_string(), long)
            })
        })
        .collect();
    let mut cmd = texts(cmd, &key, lang);
    cmd.build();
    chrome(cmd, lang, &globals)
}

/// The about of `cmd` and the help of its arguments, then the same for its subcommands.
fn texts(mut cmd: Command, key: &str, lang: Lang) -> Command {
    if has_message(lang, key) {
        let about = message_in(lang, key, None);
        if cmd.get_long_about().is_some() {
            let long = attribute_in(lang, key, "long").unwrap_or_else(|| about.clone());
            cmd = cmd.long_about(long);
        }
        cmd = cmd.about(about);
    }
    let long = has_long_help(&cmd);
    let styles = cmd.get_styles().clone();
    let ids: Vec<String> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !is_clap_builtin(a))
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        let arg_key = arg_key(key, &id);
        if has_message(lang, &arg_key) {
            cmd = cmd.mut_arg(&id, |a| localize_arg(a, &arg_key, lang, long, &styles));
        }
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for name in names {
        let sub_key = format!("{key}-{name}");
        cmd = cmd.mut_subcommand(&name, |c| texts(c, &sub_key, lang));
    }
    cmd
}

/// One argument's help in `lang`, with clap's notes after it as clap places them: on the same
/// line for `-h` (and for `--help` when the command has no long help), in paragraphs of their
/// own for a long `--help`.
fn localize_arg(arg: Arg, key: &str, lang: Lang, long_command: bool, styles: &Styles) -> Arg {
    let mut help = message_in(lang, key, None);
    let short_notes = notes(&arg, lang, false, styles);
    if !short_notes.is_empty() {
        help.push(' ');
        help.push_str(&short_notes.join(" "));
    }
    let long = long_command.then(|| long_form(&arg, key, lang, styles));
    let mut arg = arg.help(help);
    if arg.get_action().takes_values() {
        // The notes are in the text now; clap's English ones would repeat them.
        arg = arg.hide_default_value(true).hide_possible_values(true);
    }
    match long {
        Some(long) => arg.long_help(long),
        None => arg,
    }
}

/// An argument's help in `lang` as a long `--help` shows it: the long text, the possible values
/// that carry a help of their own, each with it, then the notes, each in its own paragraph.
fn long_form(arg: &Arg, key: &str, lang: Lang, styles: &Styles) -> String {
    let text = message_in(lang, key, None);
    let mut long = match arg.get_long_help() {
        Some(_) => attribute_in(lang, key, "long").unwrap_or(text),
        None => text,
    };
    let values: Vec<PossibleValue> = arg
        .get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set())
        .collect();
    let listed = !arg.is_hide_possible_values_set() && values.iter().any(shows_help);
    if listed {
        let width = values.iter().map(|v| v.get_name().chars().count()).max();
        let literal = styles.get_literal();
        long.push_str("\n\n");
        long.push_str(&message_in(lang, "clap-possible-values", None));
        for v in &values {
            let name = v.get_name();
            long.push_str(&format!("\n- {literal}{name}{literal:#}"));
            if let Some(english) = v.get_help() {
                let pad = width.unwrap_or(0) - name.chars().count();
                let help = attribute_in(lang, key, &possible_value_attribute(name))
                    .unwrap_or_else(|| english.to_string());
                long.push_str(&format!(": {:pad$}{help}", ""));
            }
        }
    }
    let notes = notes(arg, lang, listed, styles);
    if !notes.is_empty() {
        long.push_str("\n\n");
        long.push_str(&notes.join("\n"));
    }
    long
}

/// clap's notes after an argument's help (`[default: …]`, `[aliases: …]`, `[possible values:
/// …]`) in `lang`, styled as clap styles them; `values_listed` when the possible values are
/// already listed with their help (a long `--help`).
fn notes(arg: &Arg, lang: Lang, values_listed: bool, styles: &Styles) -> Vec<String> {
    let ctx = styles.get_context();
    let val = styles.get_context_value();
    let sep = format!("{ctx}, {ctx:#}");
    let note = |label: &str, values: String| format!("{ctx}[{label}: {ctx:#}{values}{ctx}]{ctx:#}");
    let mut notes = Vec::new();
    let defaults = arg.get_default_values();
    if arg.get_action().takes_values() && !arg.is_hide_default_value_set() && !defaults.is_empty() {
        let values: Vec<String> = defaults
            .iter()
            .map(|v| quoted(&v.to_string_lossy()))
            .collect();
        notes.push(note(
            &message_in(lang, "clap-default", None),
            format!("{val}{}{val:#}", values.join(" ")),
        ));
    }
    let mut aliases: Vec<String> = Vec::new();
    if let Some(shorts) = arg.get_visible_short_aliases() {
        aliases.extend(shorts.iter().map(|s| format!("{val}-{s}{val:#}")));
    }
    if let Some(longs) = arg.get_visible_aliases() {
        aliases.extend(longs.iter().map(|s| format!("{val}--{s}{val:#}")));
    }
    if !aliases.is_empty() {
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("n", aliases.len());
        let label = crate::i18n::message_in(lang, "clap-aliases", Some(&args));
        notes.push(note(&label, aliases.join(&sep)));
    }
    if arg.get_action().takes_values() && !arg.is_hide_possible_values_set() && !values_listed {
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| format!("{val}{}{val:#}", quoted(v.get_name())))
            .collect();
        if !values.is_empty() {
            notes.push(note(
                &message_in(lang, "clap-possible", None),
                values.join(&sep),
            ));
        }
    }
    notes
}

/// A value as clap shows it: quoted (Rust's escaping) when empty or holding whitespace.
pub(crate) fn quoted(v: &str) -> String {
    if v.is_empty() || v.contains(char::is_whitespace) {
        format!("{v:?}")
    } else {
        v.to_string()
    }
}

/// clap's own words in a built command tree: the headings (through a template), `-h`, `-V`
/// and the `help` subcommand.
fn chrome(mut cmd: Command, lang: Lang, globals: &[(String, String)]) -> Command {
    let template = template(&cmd, lang);
    cmd = cmd.help_template(template);
    // clap gives `-h` a long help exactly when the command's `--help` is long.
    let help_flag = cmd
        .get_arguments()
        .find(|a| a.get_id() == "help")
        .map(|a| a.get_long_help().is_some());
    if help_flag == Some(true) {
        for (id, long) in globals {
            if cmd.get_arguments().any(|a| a.get_id() == id.as_str()) {
                cmd = cmd.mut_arg(id, |a| a.long_help(long.clone()));
            }
        }
    }
    if let Some(long) = help_flag {
        cmd = cmd.mut_arg("help", |a| {
            if long {
                a.help(message_in(lang, "clap-help-short", None))
                    .long_help(message_in(lang, "clap-help-long", None))
            } else {
                a.help(message_in(lang, "clap-help", None))
            }
        });
    }
    if cmd.get_arguments().any(|a| a.get_id() == "version") {
        cmd = cmd.mut_arg("version", |a| {
            a.help(message_in(lang, "clap-version", None))
        });
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let has_help_subcommand = names.iter().any(|n| n == "help");
    for name in names {
        cmd = cmd.mut_subcommand(&name, |c| chrome(c, lang, globals));
    }
    if has_help_subcommand {
        cmd = cmd.mut_subcommand("help", |c| {
            c.about(message_in(lang, "clap-help-subcommand", None))
        });
    }
    cmd
}

/// clap's default help template with the headings in `lang`: the same sections in the same
/// order (commands, arguments, options), each only when it has something to show.
fn template(cmd: &Command, lang: Lang) -> String {
    let styles = cmd.get_styles();
    let (usage, header) = (styles.get_usage(), styles.get_header());
    let visible = |a: &&Arg| !a.is_hide_set();
    let subcommands = cmd
        .get_subcommands()
        .any(|c| c.get_name() != "help" && !c.is_hide_set());
    let mut sections = Vec::new();
    if subcommands {
        sections.push((
            cmd.get_subcommand_help_heading().map(str::to_string),
            "subcommands",
        ));
    }
    if cmd.get_positionals().any(|a| visible(&a)) {
        sections.push((None, "positionals"));
    }
    if cmd
        .get_arguments()
        .any(|a| !a.is_positional() && visible(&a))
    {
        sections.push((None, "options"));
    }
    let mut out = format!(
        "{{before-help}}{{about-with-newline}}\n{usage}{}:{usage:#} {{usage}}",
        message_in(lang, "clap-usage", None)
    );
    if !sections.is_empty() {
        out.push_str("\n\n");
    }
    let body: Vec<String> = sections
        .into_iter()
        .map(|(custom, tag)| {
            let heading = custom.unwrap_or_else(|| match tag {
                "subcommands" => message_in(lang, "clap-commands", None),
                "positionals" => message_in(lang, "clap-arguments", None),
                _ => message_in(lang, "clap-options", None),
            });
            format!("{header}{heading}:{header:#}\n{{{tag}}}")
        })
        .collect();
    out.push_str(&body.join("\n\n"));
    out.push_str("{after-help}");
    out
}
