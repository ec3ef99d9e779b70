//! The config file (`config.toml` in the platform's config directory, or `--config FILE`):
//! key bindings, the theme, default folders and generation settings. A bad file is one
//! clear line naming the key and the line, and the studio starts with the defaults.

use super::keymap::{Action, Keymap};
use super::tabs::generate::{GenField, GenSettings};
use super::tabs::jam::{BUFFER_MS, JamSettings};
use super::theme::Theme;
use crate::music::PRESETS;
use crossterm::event::KeyCode;
use ratatui::style::Color;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Everything a config file can set, with the defaults for what it leaves out.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub corpus: Option<PathBuf>,
    pub model: Option<PathBuf>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub generate: GenSettings,
    /// The Jam tab's output buffer, in milliseconds (`[jam] buffer_ms`).
    pub jam_buffer_ms: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            corpus: None,
            model: None,
            keymap: Keymap::default(),
            theme: Theme::default(),
            generate: GenSettings::default(),
            jam_buffer_ms: JamSettings::default().buffer_ms,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}, line {line}: {key}: {reason}")]
    Bad {
        path: PathBuf,
        line: usize,
        key: String,
        reason: String,
    },
}

/// Where the config file is looked for when `--config` is not given.
pub fn default_path() -> Option<PathBuf> {
    crate::charts::config_dir().map(|d| d.join("config.toml"))
}

/// Reads `path` (or the default file, which may be missing). A bad file gives the
/// defaults and the reason, to show the user.
pub fn load(path: Option<&Path>) -> (Config, Option<String>) {
    let (path, must_exist) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return (Config::default(), None),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => match parse(&text, &path) {
            Ok(c) => (c, None),
            Err(e) => (Config::default(), Some(format!("{e}; using the defaults"))),
        },
        Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => {
            (Config::default(), None)
        }
        Err(source) => {
            let e = ConfigError::Io { path, source };
            (Config::default(), Some(format!("{e}; using the defaults")))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    corpus: Option<PathBuf>,
    model: Option<PathBuf>,
    #[serde(default)]
    keys: BTreeMap<String, Spanned<Keys>>,
    #[serde(default)]
    theme: ThemeFile,
    #[serde(default)]
    generate: GenerateFile,
    #[serde(default)]
    jam: JamFile,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JamFile {
    buffer_ms: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Keys {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    base: Option<Spanned<String>>,
    #[serde(default)]
    colors: BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct GenerateFile {
    progression: Option<Spanned<String>>,
    choruses: Option<Spanned<usize>>,
    tempo: Option<Spanned<f64>>,
    temperature: Option<Spanned<f64>>,
    top_k: Option<Spanned<usize>>,
    top_p: Option<Spanned<f64>>,
    beam: Option<Spanned<usize>>,
    branch: Option<Spanned<usize>>,
    harmony: Option<Spanned<f64>>,
    seed: Option<u64>,
}

/// The 1-based line of byte `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// The dotted key written on the line holding byte `at` (`generate.tempo`), for errors
/// the TOML reader reports by position.
fn key_at(text: &str, at: usize) -> String {
    let start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("");
    let key = line
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    let section = text[..start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim());
    match (section, line.contains('=')) {
        (_, false) => line.trim().to_string(),
        (Some(sec), true) => format!("{sec}.{key}"),
        (None, true) => key.to_string(),
    }
}

/// Reads a config file's text; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let bad = |span: Range<usize>, key: &str, reason: String| ConfigError::Bad {
        path: path.to_path_buf(),
        line: line_of(text, span.start),
        key: key.to_string(),
        reason,
    };
    let file: File = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        bad(
            span.clone(),
            &key_at(text, span.start),
            e.message().trim().to_string(),
        )
    })?;
    let mut c = Config {
        corpus: file.corpus,
        model: file.model,
        ..Config::default()
    };
    for (name, keys) in &file.keys {
        let (action, codes) = read_keys(name, keys.get_ref())
            .map_err(|r| bad(keys.span(), &format!("keys.{name}"), r))?;
        c.keymap.rebind(action, codes);
    }
    if let Some((names, msg)) = crate::tui::keymap::clash_message(&c.keymap) {
        // The entry written last is the one that made the clash.
        let entry = (file.keys.iter())
            .filter(|(n, _)| names.contains(&n.as_str()))
            .max_by_key(|(_, k)| k.span().start);
        let (name, span) = entry.map_or((String::new(), 0..0), |(n, k)| (n.clone(), k.span()));
        return Err(bad(span, &format!("keys.{name}"), msg));
    }
    c.theme = read_theme(&file.theme).map_err(|(span, key, r)| bad(span, &key, r))?;
    c.generate = read_generate(&file.generate).map_err(|(span, key, r)| bad(span, &key, r))?;
    if let Some(ms) = &file.jam.buffer_ms {
        c.jam_buffer_ms = *ms.get_ref();
        if !BUFFER_MS.contains(&c.jam_buffer_ms) {
            let r = format!("{} is outside 5..=100 (milliseconds)", c.jam_buffer_ms);
            return Err(bad(ms.span(), "jam.buffer_ms", r));
        }
    }
    Ok(c)
}

fn read_keys(name: &str, keys: &Keys) -> Result<(Action, Vec<KeyCode>), String> {
    let action = Action::from_name(name)
        .ok_or_else(|| "no such action (the README lists them)".to_string())?;
    let list = match keys {
        Keys::One(k) => vec![k.clone()],
        Keys::Many(ks) => ks.clone(),
    };
    if list.is_empty() {
        return Err("give at least one key".into());
    }
    let codes = list
        .iter()
        .map(|k| parse_key(k).ok_or_else(|| format!("{k:?} is not a key improv knows")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((action, codes))
}

type Bad = (Range<usize>, String, String);

fn read_theme(t: &ThemeFile) -> Result<Theme, Bad> {
    let mut theme = match t.base.as_ref().map(|b| (b.get_ref().as_str(), b.span())) {
        None | Some(("dark", _)) => Theme::DARK,
        Some(("light", _)) => Theme::LIGHT,
        Some((_, span)) => {
            return Err((
                span,
                "theme.base".into(),
                "use \"dark\" or \"light\"".into(),
            ));
        }
    };
    for (name, value) in &t.colors {
        let key = format!("theme.colors.{name}");
        let color: Color = value.get_ref().parse().map_err(|_| {
            let r = format!(
                "{:?} is not a colour (a name, \"#rrggbb\" or 0-255)",
                value.get_ref()
            );
            (value.span(), key.clone(), r)
        })?;
        let mut colors = theme.colors_mut();
        let slot = colors.iter_mut().find(|(n, _)| n == name).ok_or_else(|| {
            (
                value.span(),
                key.clone(),
                "no such colour in the theme".to_string(),
            )
        })?;
        *slot.1 = color;
    }
    Ok(theme)
}

fn read_generate(g: &GenerateFile) -> Result<GenSettings, Bad> {
    let mut s = GenSettings::default();
    let range = |key: &str, v: &Spanned<f64>, f: GenField| {
        let x = *v.get_ref();
        let (lo, hi) = f.range().unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
        if (lo..=hi).contains(&x) {
            Ok(x)
        } else {
            Err((
                v.span(),
                format!("generate.{key}"),
                format!("{x} is outside {lo}..={hi}"),
            ))
        }
    };
    if let Some(p) = &g.progression {
        let name = p.get_ref();
        match PRESETS.iter().position(|p| p.0 == name) {
            Some(i) => s.preset = i,
            // Anything `--progression` takes: a typed chart stays editable as text; a link,
            // a page of links or a library title is read once, here.
            None => match crate::charts::resolve(name, crate::charts::config_dir().as_deref()) {
                Ok(_) if name.contains('|') && !crate::music::ireal::is_link(name) => {
                    s.chart = Some(name.clone())
                }
                Ok(prog) => s.library = Some(prog),
                Err(e) => return Err((p.span(), "generate.progression".into(), e.to_string())),
            },
        }
    }
    if let Some(v) = &g.tempo {
        s.bpm = range("tempo", v, GenField::Tempo)?;
    }
    if let Some(v) = &g.temperature {
        s.temperature = range("temperature", v, GenField::Temperature)?;
    }
    let whole = |key: &str, v: &Spanned<usize>, f: GenField| {
        range(key, &Spanned::new(v.span(), *v.get_ref() as f64), f).map(|x| x as usize)
    };
    if let Some(v) = &g.choruses {
        s.choruses = whole("choruses", v, GenField::Choruses)?;
    }
    if let Some(v) = &g.top_k {
        s.top_k = whole("top_k", v, GenField::TopK)?;
    }
    if let Some(v) = &g.top_p {
        s.top_p = range("top_p", v, GenField::TopP)?;
    }
    if let Some(v) = &g.beam {
        s.beam = whole("beam", v, GenField::Beam)?;
    }
    if let Some(v) = &g.branch {
        s.branch = whole("branch", v, GenField::Branch)?;
    }
    if let Some(v) = &g.harmony {
        s.harmony = range("harmony", v, GenField::Harmony)?;
    }
    s.seed = g.seed.unwrap_or(s.seed);
    Ok(s)
}

/// Reads a key as the config file writes it: one character, or a name such as `Tab`,
/// `S-Tab`, `Enter`, `Esc`, `Space`, `Backspace`, `Up`, `PageDown`, `F5`.
pub fn parse_key(s: &str) -> Option<KeyCode> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyCode::Char(c));
    }
    let named = match s.to_ascii_lowercase().as_str() {
        "tab" => KeyCode::Tab,
        "s-tab" | "backtab" | "shift-tab" => KeyCode::BackTab,
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "space" => KeyCode::Char(' '),
        "backspace" | "bksp" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        f if f.starts_with('f') => {
            KeyCode::F(f[1..].parse().ok().filter(|n| (1..=24).contains(n))?)
        }
        _ => return None,
    };
    Some(named)
}

#[cfg(test)]
mod tests;
