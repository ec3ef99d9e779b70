//! The CSV exports of the database: the Jazz Transformer's (`mcsv_melody/<Name>_FINAL.csv`,
//! `mcsv_beat/<Name>_FINAL_beattrack.csv`) and MINGUS's (`csv_melody/<Name>_Solo.csv`,
//! `csv_beats/<Name>_Solo.csv`). `<Name>` is `Performer_Title`.

use super::{Beat, Database, RawNote, Solo, Warning, WjazzdError, instruments};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where one export keeps its two tables.
pub struct Layout {
    melody_dir: &'static str,
    melody_suffix: &'static str,
    beat_dir: &'static str,
    beat_suffix: &'static str,
}

const LAYOUTS: [Layout; 2] = [
    Layout {
        melody_dir: "mcsv_melody",
        melody_suffix: "_FINAL.csv",
        beat_dir: "mcsv_beat",
        beat_suffix: "_FINAL_beattrack.csv",
    },
    Layout {
        melody_dir: "csv_melody",
        melody_suffix: "_Solo.csv",
        beat_dir: "csv_beats",
        beat_suffix: "_Solo.csv",
    },
];

impl Layout {
    /// The layout of the export in `dir`, if it holds one.
    pub fn find(dir: &Path) -> Option<Layout> {
        LAYOUTS
            .into_iter()
            .find(|l| dir.join(l.melody_dir).is_dir() && dir.join(l.beat_dir).is_dir())
    }
}

/// Reads every solo of the export in `dir`, in name order.
pub fn read(dir: &Path, layout: &Layout) -> Result<Database, WjazzdError> {
    let mel_dir = dir.join(layout.melody_dir);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WjazzdError::Io { path, source }
    };
    let mut names: Vec<String> = std::fs::read_dir(&mel_dir)
        .map_err(io(&mel_dir))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let f = e.file_name().to_string_lossy().into_owned();
            f.strip_suffix(layout.melody_suffix).map(str::to_string)
        })
        .collect();
    names.sort();
    let mut db = Database::default();
    for name in names {
        let mel = mel_dir.join(format!("{name}{}", layout.melody_suffix));
        let beat = dir
            .join(layout.beat_dir)
            .join(format!("{name}{}", layout.beat_suffix));
        let mut problems = Vec::new();
        let notes = read_table(&mel, &mut problems, melody_row)?;
        let beats = if beat.is_file() {
            read_beats(&beat, &mut problems)?
        } else {
            problems.push(format!("{}: missing", beat.display()));
            Vec::new()
        };
        let solo = solo_of(&name, notes, beats);
        if let Some(p) = problems.first() {
            db.warnings.push(Warning {
                solo: name.clone(),
                message: p.clone(),
            });
        }
        db.solos.push(solo);
    }
    Ok(db)
}

fn solo_of(name: &str, notes: Vec<RawNote>, beats: Vec<Beat>) -> Solo {
    let (performer, title) = name.split_once('_').unwrap_or((name, name));
    let (instrument, program) =
        instruments::by_performer(performer).unwrap_or_else(|| (String::new(), 0));
    // "Oleo-1": the first of two solos on one tune.
    let tune_title = match title.rsplit_once('-') {
        Some((t, n)) if !t.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => t,
        _ => title,
    };
    Solo {
        name: name.to_string(),
        performer: spaced(performer),
        title: spaced(title),
        tune: super::tune_key(tune_title),
        instrument,
        program,
        year: None,
        notes,
        beats,
    }
}

/// "ArtPepper" → "Art Pepper", "BluesForAlice" → "Blues For Alice".
fn spaced(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1);
        let lower_before = prev.is_some_and(|p| p.is_lowercase() || p == '.');
        let acronym_end =
            prev.is_some_and(char::is_uppercase) && next.is_some_and(|n| n.is_lowercase());
        if c.is_uppercase() && (lower_before || acronym_end) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// One row by header name.
struct Row<'a> {
    header: &'a HashMap<String, usize>,
    cells: &'a [String],
}

impl Row<'_> {
    fn text(&self, keys: &[&str]) -> Option<&str> {
        keys.iter()
            .filter_map(|k| self.header.get(*k))
            .filter_map(|&i| self.cells.get(i))
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
    }
    fn number(&self, key: &str) -> Result<f64, String> {
        let s = self.text(&[key]).ok_or_else(|| format!("no {key}"))?;
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{key} {s:?} is not a number"))
    }
}

fn melody_row(row: &Row) -> Result<RawNote, String> {
    let pitch = row.number("pitch")?.round();
    if !(0.0..=127.0).contains(&pitch) {
        return Err(format!("pitch {pitch} is outside MIDI's 0-127"));
    }
    let loud = row
        .text(&["loud_median", "loud_med"])
        .and_then(|s| s.parse().ok());
    Ok(RawNote {
        onset: row.number("onset")?,
        duration: row.number("duration")?,
        pitch: pitch as u8,
        velocity: super::velocity(loud),
    })
}

/// Reads a table's rows up to the first broken one (its reason goes into `problems`).
fn read_table<T>(
    path: &Path,
    problems: &mut Vec<String>,
    mut parse: impl FnMut(&Row) -> Result<T, String>,
) -> Result<Vec<T>, WjazzdError> {
    let text = std::fs::read_to_string(path).map_err(|source| WjazzdError::Io {
        path: PathBuf::from(path),
        source,
    })?;
    let mut lines = records(&text).into_iter();
    let header: HashMap<String, usize> = lines
        .next()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_lowercase(), i))
        .collect();
    let mut out = Vec::new();
    for (i, cells) in lines.enumerate() {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match parse(&Row {
            header: &header,
            cells: &cells,
        }) {
            Ok(v) => out.push(v),
            Err(why) => {
                problems.push(format!(
                    "{} row {}: {why}; written up to the row before",
                    path.display(),
                    i + 2
                ));
                break;
            }
        }
    }
    Ok(out)
}

fn read_beats(path: &Path, problems: &mut Vec<String>) -> Result<Vec<Beat>, WjazzdError> {
    let mut sig = (4u8, 4u8);
    let rows = read_table(path, problems, |row| {
        if let Some(s) = row.text(&["signature"]).and_then(super::parse_signature) {
            sig = s;
        } else if let Ok(p) = row.number("period") {
            sig.0 = (p as u8).max(1);
        }
        Ok(Beat {
            onset: row.number("onset")?,
            bar: row.number("bar")? as i64,
            beat: row.number("beat")? as i64,
            sig,
            chord: row.text(&["chord"]).map(str::to_string),
            form: row.text(&["form"]).map(str::to_string),
        })
    })?;
    let mut beats = Vec::with_capacity(rows.len());
    for b in rows {
        if let Err(why) = super::push_beat(&mut beats, b) {
            problems.push(format!("{}: {why}; written up to there", path.display()));
            break;
        }
    }
    Ok(beats)
}

/// CSV records: fields split on commas, double quotes around a field, `""` inside one.
fn records(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        out.push(row);
    }
    out
}
