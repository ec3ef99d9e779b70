//! MIDI export: Score → format-1 Standard MIDI File, written atomically.
//! (Contract stub: the full exporter replaces the body.)

use super::MidiError;
use crate::music::Score;
use std::path::Path;

/// The bytes of a format-1 file for `score`.
pub fn to_bytes(_score: &Score) -> Vec<u8> {
    Vec::new()
}

/// Writes `score` to `path` through a temporary file and a rename; refuses to replace an
/// existing file unless `overwrite`.
pub fn write_file(_score: &Score, path: &Path, _overwrite: bool) -> Result<(), MidiError> {
    Err(MidiError::Invalid {
        path: path.to_path_buf(),
        reason: "MIDI export is not built yet".into(),
    })
}
