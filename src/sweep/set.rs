//! `--set FIELD=VALUE`: one scenario field overridden from the command line, applied to the
//! scenario's TOML document (through `toml_edit`, which keeps the rest of the file as written)
//! before the scenario is parsed and validated. So an override meets exactly the checks the file
//! does, and an error it causes names the `--set` that caused it.
//!
//! Values: a VALUE that is a TOML value (`7`, `true`, `0.5`, `"text"`) is that value, except where
//! the file already holds a string at FIELD, which makes VALUE a string as typed; anything else
//! (`bursty 10% burst 5`, `20ms`, `none`) is a string. Quote to force a string: `FIELD='"0.5"'`.
//!
//! Invariant: a scenario with overrides is only ever built through [`parse_with_sets`], so no
//! override can skip the scenario's validation.

use crate::scenario::{self, Scenario};
use crate::tr;
use anyhow::{Context, Result, bail};
use std::fmt;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Value};

/// One `--set FIELD=VALUE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Set {
    /// The dotted path, e.g. `impair.loss`.
    pub field: String,
    /// The value as typed.
    pub value: String,
}

impl fmt::Display for Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--set {}={}", self.field, self.value)
    }
}

/// True for a dotted path of bare TOML keys (`clients.backoff`).
pub fn valid_field(field: &str) -> bool {
    !field.is_empty()
        && field.split('.').all(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

impl std::str::FromStr for Set {
    type Err = String;
    fn from_str(s: &str) -> Result<Set, String> {
        let Some((field, value)) = s.split_once('=') else {
            return Err(tr!("scenario-set-no-equals", text = s));
        };
        let field = field.trim();
        if !valid_field(field) {
            return Err(tr!("scenario-set-not-field", field = field));
        }
        Ok(Set {
            field: field.to_string(),
            value: value.to_string(),
        })
    }
}

/// The TOML value `text` stands for where `existing` is the file's current value.
fn value_of(text: &str, existing: Option<&Item>) -> Value {
    let was_string = existing.and_then(Item::as_value).is_some_and(Value::is_str);
    match text.trim().parse::<Value>() {
        Ok(v) if !was_string || v.is_str() => v.decorated(" ", ""),
        _ => Value::from(text).decorated(" ", ""),
    }
}

/// The scenario text with `sets` applied, in order (a later set of a field wins).
pub fn apply(text: &str, file: &str, sets: &[Set]) -> Result<String> {
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        anyhow::anyhow!(tr!(
            "scenario-set-not-toml",
            file = file,
            error = e.to_string()
        ))
    })?;
    for set in sets {
        let keys: Vec<&str> = set.field.split('.').collect();
        let (last, tables) = keys.split_last().expect("a valid field has a key");
        let mut table = doc.as_table_mut() as &mut dyn toml_edit::TableLike;
        let mut path = String::new();
        for key in tables {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            if table.get(key).is_none() {
                table.insert(key, Item::Table(toml_edit::Table::new()));
            }
            let item = table.get_mut(key).expect("just inserted");
            table = match item.as_table_like_mut() {
                Some(t) => t,
                None => bail!(tr!(
                    "scenario-set-value-not-table",
                    set = set.to_string(),
                    path = path.as_str(),
                    file = file
                )),
            };
        }
        if table.get(last).is_some_and(|i| i.is_table_like()) {
            bail!(tr!(
                "scenario-set-table",
                set = set.to_string(),
                field = set.field.as_str(),
                file = file
            ));
        }
        let value = value_of(&set.value, table.get(last));
        table.insert(last, Item::Value(value));
    }
    Ok(doc.to_string())
}

/// Parses and validates scenario `text` (named `file` in errors) with `sets` applied. An error
/// in an overridden field names the `--set` instead of a line of the file.
pub fn parse_with_sets(text: &str, file: &str, sets: &[Set]) -> Result<Scenario> {
    if sets.is_empty() {
        return Ok(scenario::parse(text, file)?);
    }
    let edited = apply(text, file, sets)?;
    scenario::parse(&edited, file).map_err(|e| {
        let culprit = e.field.as_deref().and_then(|f| {
            sets.iter().rev().find(|s| {
                s.field == f
                    || f.starts_with(&format!("{}.", s.field))
                    || s.field.starts_with(&format!("{f}."))
            })
        });
        match culprit {
            Some(set) => anyhow::anyhow!(tr!(
                "scenario-set-error",
                file = file,
                set = set.to_string(),
                field = e.field.as_deref().unwrap_or(&set.field),
                error = e.message.as_str()
            )),
            None => {
                let list: Vec<String> = sets.iter().map(Set::to_string).collect();
                anyhow::Error::new(e).context(tr!(
                    "scenario-set-context",
                    file = file,
                    sets = list.join(" ")
                ))
            }
        }
    })
}

/// Reads the scenario file at `path` and parses it with `sets` applied.
pub fn load_with_sets(path: &Path, sets: &[Set]) -> Result<Scenario> {
    let text = std::fs::read_to_string(path)
        .with_context(|| tr!("scenario-set-read", file = path.display().to_string()))?;
    parse_with_sets(&text, &path.display().to_string(), sets)
}

/// Each overridden field and the text of the value it ends up with (a string as its text,
/// any other value as TOML writes it): what `summary.json` records of a sweep point.
pub fn applied_values(
    text: &str,
    file: &str,
    sets: &[Set],
) -> Result<std::collections::BTreeMap<String, String>> {
    let edited = apply(text, file, sets)?;
    let doc: toml::Table = toml::from_str(&edited)
        .with_context(|| tr!("scenario-set-edited-not-toml", file = file))?;
    let mut out = std::collections::BTreeMap::new();
    for set in sets {
        let mut at: Option<&toml::Value> = None;
        let mut table = Some(&doc);
        for key in set.field.split('.') {
            at = table.and_then(|t| t.get(key));
            table = at.and_then(toml::Value::as_table);
        }
        let v =
            at.ok_or_else(|| anyhow::anyhow!(tr!("scenario-set-no-value", set = set.to_string())))?;
        out.insert(set.field.clone(), super::file::value_text(v));
    }
    Ok(out)
}

/// How `value` is written after `FIELD=` so that it means the same TOML value again: a string
/// that would read as another TOML value is quoted, everything else is written as it is.
pub fn render_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => {
            if s.trim().parse::<Value>().is_ok() || s.trim() != s || s.is_empty() {
                Value::from(s.as_str()).to_string()
            } else {
                s.clone()
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "name = \"x\"\nseed = 1\n\n[server]\nkind = \"udp-time\"\n\n[impair]\nloss = \"random 10%\"\n\n[clients]\ncount = 2\nrequests = 10\ninterval = \"10ms\"\ntimeout = \"50ms\"\n";

    fn set(s: &str) -> Set {
        s.parse().unwrap()
    }

    #[test]
    fn overrides_reach_the_scenario_with_their_types() {
        let sc = parse_with_sets(
            BASE,
            "base.toml",
            &[
                set("impair.loss=bursty 10% burst 5"),
                set("seed=7"),
                set("clients.retries=2"),
                set("clients.backoff=exponential 50ms x2 max 1s"),
            ],
        )
        .unwrap();
        assert_eq!(sc.seed, 7);
        assert_eq!(sc.clients.retries, 2);
        let plain = parse_with_sets(BASE, "base.toml", &[]).unwrap();
        assert_ne!(format!("{:?}", sc.impair), format!("{:?}", plain.impair));
        // A number typed where the file has a string stays the string it was typed as.
        let sc = parse_with_sets(BASE, "base.toml", &[set("impair.loss=0.2")]).unwrap();
        let by_file = scenario::parse(&BASE.replace("random 10%", "0.2"), "b").unwrap();
        assert_eq!(format!("{:?}", sc.impair), format!("{:?}", by_file.impair));
    }

    #[test]
    fn errors_name_the_set_that_caused_them() {
        let e = parse_with_sets(BASE, "base.toml", &[set("impair.loss=bursty 10% burst x")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--set impair.loss=bursty 10% burst x"), "{e}");
        assert!(e.contains("base.toml"), "{e}");
        let e = parse_with_sets(BASE, "base.toml", &[set("clients.colour=red")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--set clients.colour=red"), "{e}");
        let e = parse_with_sets(BASE, "base.toml", &[set("seed.x=1")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("`seed` in base.toml is a value"), "{e}");
        assert!("impair.loss".parse::<Set>().is_err());
        assert!("impair..loss=1".parse::<Set>().is_err());
    }

    #[test]
    fn rendered_values_read_back_as_the_same_value() {
        for v in [
            toml::Value::String("bursty 10% burst 5".into()),
            toml::Value::String("0.5".into()),
            toml::Value::String("true".into()),
            toml::Value::String(" padded".into()),
            toml::Value::Integer(7),
            toml::Value::Boolean(false),
            toml::Value::Float(0.25),
        ] {
            let text = render_value(&v);
            let doc = apply("", "t", &[set(&format!("a={text}"))]).unwrap();
            let back: toml::Table = toml::from_str(&doc).unwrap();
            assert_eq!(back["a"], v, "{text}");
        }
    }
}
