//! A solo of the database → a Score and its annotations (the database's own chord
//! spellings, form parts, performer, title and year) → a MIDI file; and the folder's NOTICE.

use super::grid::Grid;
use super::{Solo, WjazzdError};
use crate::midi::export::{Annotations, to_bytes_with, write_atomic};
use crate::music::{Note, Pitch, Role, Score, Tempo, Tick, TimeSig, Track};
use std::path::{Path, PathBuf};

/// The licence and attribution every folder of converted solos carries.
pub const NOTICE: &str = "\
These MIDI files were made by `improv corpus --wjazzd` from the Weimar Jazz Database
(WJazzD), the Jazzomat Research Project, Hochschule für Musik Franz Liszt Weimar:
https://jazzomat.hfm-weimar.de/

The database is made available under the Open Database License (ODbL 1.0):
https://opendatacommons.org/licenses/odbl/1-0/
Any rights in its individual contents are licensed under the Database Contents License
(DbCL 1.0): https://opendatacommons.org/licenses/dbcl/1-0/

These files are a produced work of the database. If you share a database made from them,
share it under the ODbL and keep this notice; cite the Jazzomat Research Project (Pfleiderer,
Frieler, Abeßer, Zaddach, Burkhart (eds.), Inside the Jazzomat, Schott Campus 2017).
";

/// The NOTICE text of a folder, with the split's seed when it was split by tune.
pub fn notice(split_seed: Option<u64>, test_tunes: usize) -> String {
    match split_seed {
        None => NOTICE.to_string(),
        Some(seed) => format!(
            "{NOTICE}\nSplit by tune with seed {seed}: train/ and test/ share no tune \
             ({test_tunes} tunes in test/).\n"
        ),
    }
}

/// The file a solo is written to: its name, with only safe characters.
pub fn solo_file_name(solo: &Solo) -> String {
    let safe: String = solo
        .name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._=-".contains(*c))
        .collect();
    format!("{}.mid", if safe.is_empty() { "solo" } else { &safe })
}

/// The solo on its beat grid: a Score (melody, tempo per beat, meter) and the text that
/// goes with it. Notes played before the first beat move everything on by whole bars.
pub fn to_midi(solo: &Solo) -> Option<(Score, Annotations)> {
    if solo.beats.len() < 2 || solo.notes.is_empty() {
        return None;
    }
    let mut grid = Grid::new(&solo.beats);
    let first = solo
        .notes
        .iter()
        .map(|n| grid.tick_at(n.onset).round() as i64)
        .chain(grid.ticks.first().copied())
        .min()
        .unwrap_or(0);
    let bar = grid.first_bar().max(1);
    grid.shift(if first < 0 {
        (-first + bar - 1) / bar * bar
    } else {
        0
    });
    let title = format!("{} ({})", solo.title, solo.performer);
    let mut score = Score::new(title, 120.0);
    score.tempos = tempos(&grid);
    score.time_sigs = grid
        .sigs
        .iter()
        .map(|&(tick, num, den)| TimeSig {
            tick: tick.max(0) as Tick,
            num,
            den,
        })
        .collect();
    let name = match solo.instrument.as_str() {
        "" => solo.performer.clone(),
        inst => format!("{} ({inst})", solo.performer),
    };
    let mut track = Track::new(name, Role::Melody, 0, solo.program);
    track.notes = notes(solo, &grid);
    score.tracks.push(track);
    Some((score, annotations(solo, &grid)))
}

/// A tempo wherever the beat-to-beat tempo changes.
fn tempos(grid: &Grid) -> Vec<Tempo> {
    let mut out: Vec<Tempo> = Vec::new();
    for (i, &tick) in grid.ticks.iter().enumerate() {
        let us = grid.us_per_quarter(i);
        if out.last().is_none_or(|t| t.us_per_quarter != us) {
            let tick = if i == 0 { 0 } else { tick.max(0) as Tick };
            out.push(Tempo {
                tick,
                us_per_quarter: us,
            });
        }
    }
    out
}

/// The notes on the grid, one at a time (each ends by the next onset).
fn notes(solo: &Solo, grid: &Grid) -> Vec<Note> {
    let mut placed: Vec<(i64, i64, u8, u8)> = solo
        .notes
        .iter()
        .map(|n| {
            let start = grid.tick_at(n.onset).round() as i64;
            let end = grid.tick_at(n.onset + n.duration.max(0.0)).round() as i64;
            (start, end.max(start + 1), n.pitch, n.velocity)
        })
        .collect();
    placed.sort_unstable();
    for i in 1..placed.len() {
        let next = placed[i].0;
        let a = &mut placed[i - 1];
        if a.1 > next {
            a.1 = (a.0 + 1).max(next);
        }
    }
    placed
        .into_iter()
        .filter_map(|(start, end, key, velocity)| {
            Some(Note {
                start: start.max(0) as Tick,
                dur: (end - start.max(0)).max(1) as Tick,
                pitch: Pitch::new(key)?,
                velocity,
            })
        })
        .collect()
}

/// The database's chord symbols and form parts where they change, and who played when.
fn annotations(solo: &Solo, grid: &Grid) -> Annotations {
    let mut markers = Vec::new();
    let (mut chord, mut form): (Option<&str>, Option<&str>) = (None, None);
    for (b, &tick) in solo.beats.iter().zip(&grid.ticks) {
        let tick = tick.max(0) as Tick;
        if let Some(f) = b.form.as_deref().filter(|f| Some(*f) != form) {
            markers.push((tick, format!("part {f}")));
            form = Some(f);
        }
        if let Some(c) = b.chord.as_deref().filter(|c| Some(*c) != chord) {
            markers.push((tick, c.to_string()));
            chord = Some(c);
        }
    }
    let mut texts = vec![
        format!("performer: {}", solo.performer),
        format!("title: {}", solo.title),
    ];
    if !solo.instrument.is_empty() {
        texts.push(format!("instrument: {}", solo.instrument));
    }
    if let Some(y) = solo.year {
        texts.push(format!("year: {y}"));
    }
    Annotations {
        markers,
        texts,
        copyright: Some(
            "Weimar Jazz Database, Jazzomat Research Project (ODbL 1.0 / DbCL 1.0)".into(),
        ),
    }
}

/// Writes one solo as `dir/<name>.mid` (atomically; an existing file only with
/// `overwrite`). `Ok(None)`: the solo has too little to write.
pub fn write_solo(
    solo: &Solo,
    dir: &Path,
    overwrite: bool,
) -> Result<Option<PathBuf>, WjazzdError> {
    let Some((score, notes)) = to_midi(solo) else {
        return Ok(None);
    };
    let path = dir.join(solo_file_name(solo));
    write_atomic(&path, &to_bytes_with(&score, &notes), overwrite)?;
    Ok(Some(path))
}
