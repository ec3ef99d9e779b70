//! The Weimar Jazz Database as it is distributed (the SQLite file, or the CSV exports
//! research repositories keep) read into solos, and written out as MIDI files.

mod csv;
mod grid;
mod instruments;
mod split;
mod sqlite;
mod write;

pub use split::{Side, split_by_tune};
pub use write::{NOTICE, notice, solo_file_name, to_midi, write_solo};

use std::path::{Path, PathBuf};

/// One note as the database has it: played time in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawNote {
    pub onset: f64,
    pub duration: f64,
    pub pitch: u8,
    pub velocity: u8,
}

/// One beat of the beat track: its time, its place in the bar, the meter, and the chord
/// symbol and form part that start on it (the database's own spellings).
#[derive(Clone, Debug, PartialEq)]
pub struct Beat {
    pub onset: f64,
    pub bar: i64,
    pub beat: i64,
    /// Beats per bar and the beat's note value (4/4 → (4, 4)).
    pub sig: (u8, u8),
    pub chord: Option<String>,
    pub form: Option<String>,
}

/// One performance: who, what, when, and its notes over its beat track.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Solo {
    /// `Performer_Title` without spaces (the exports' file names), unique in a database.
    pub name: String,
    pub performer: String,
    pub title: String,
    /// The tune, as the split compares them (the title, lowercase, letters and digits).
    pub tune: String,
    /// E.g. "tenor sax"; empty when unknown.
    pub instrument: String,
    /// General MIDI program of the instrument.
    pub program: u8,
    pub year: Option<u16>,
    pub notes: Vec<RawNote>,
    pub beats: Vec<Beat>,
}

/// Something a solo lacked or held broken, said once per solo.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    pub solo: String,
    pub message: String,
}

/// The solos of a database, and what was wrong with them.
#[derive(Clone, Debug, Default)]
pub struct Database {
    pub solos: Vec<Solo>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum WjazzdError {
    #[error(
        "{0}: neither a wjazzd.db SQLite file nor a folder holding one, or the CSV exports \
         (mcsv_melody/ + mcsv_beat/, or csv_melody/ + csv_beats/)"
    )]
    NotADatabase(PathBuf),
    #[error("{path}: {reason}")]
    Sqlite { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Midi(#[from] crate::midi::MidiError),
    #[error("{0}: no solo could be read")]
    Empty(PathBuf),
}

/// Reads the database at `path`: a `.db` file, a folder holding `wjazzd.db`, or a folder of
/// CSV exports.
pub fn read(path: &Path) -> Result<Database, WjazzdError> {
    if path.is_file() {
        return sqlite::read(path);
    }
    let db = path.join("wjazzd.db");
    if db.is_file() {
        return sqlite::read(&db);
    }
    match csv::Layout::find(path) {
        Some(layout) => csv::read(path, &layout),
        None => Err(WjazzdError::NotADatabase(path.to_path_buf())),
    }
}

/// "Art Pepper" → "ArtPepper": the exports' way of naming performers and titles.
pub(crate) fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

/// A title as the tune split compares them: lowercase letters and digits only.
pub(crate) fn tune_key(title: &str) -> String {
    title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Note loudness (the database's median loudness in dB) → MIDI velocity.
pub(crate) fn velocity(loud_median: Option<f64>) -> u8 {
    match loud_median {
        Some(l) if l.is_finite() => (90.0 + (l - 66.0) * 3.0).round().clamp(40.0, 120.0) as u8,
        _ => 90,
    }
}

/// "4/4" (quoted any way) → (4, 4); `None` for anything else.
pub(crate) fn parse_signature(text: &str) -> Option<(u8, u8)> {
    let digits: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .collect();
    let (num, den) = (
        digits.first()?.parse::<u8>().ok()?,
        digits.get(1)?.parse::<u8>().ok()?,
    );
    (num > 0 && matches!(den, 1 | 2 | 4 | 8 | 16)).then_some((num, den))
}

/// Builds the beat track from rows in order, cutting it at the first beat that does not
/// come after the one before (a gap or a broken row); returns the reason it was cut.
pub(crate) fn push_beat(beats: &mut Vec<Beat>, beat: Beat) -> Result<(), String> {
    if let Some(prev) = beats.last()
        && beat.onset.partial_cmp(&prev.onset) != Some(std::cmp::Ordering::Greater)
    {
        return Err(format!(
            "beat at {:.3} s does not follow the beat at {:.3} s",
            beat.onset, prev.onset
        ));
    }
    beats.push(beat);
    Ok(())
}

#[cfg(test)]
mod tests;
