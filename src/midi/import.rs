//! MIDI import: midly's borrowed Smf → an owned Score, with track roles and chords.
//! (Contract stub: the full importer replaces the body.)

use super::MidiError;
use crate::music::{Role, Score};
use std::path::Path;

/// Which track holds the solo, when the user says so.
#[derive(Clone, Debug, PartialEq)]
pub enum TrackSelector {
    Index(usize),
    Name(String),
}

#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    pub melody_track: Option<TrackSelector>,
}

/// Where the chords of an import came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ChordSource {
    Markers,
    Estimated,
    Melody,
    None,
}

/// One source track as the importer saw it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TrackInfo {
    pub index: usize,
    pub name: String,
    pub channel: u8,
    pub program: u8,
    pub notes: usize,
    pub role: Role,
}

#[derive(Clone, Debug)]
pub struct Imported {
    pub score: Score,
    pub tracks: Vec<TrackInfo>,
    pub chord_source: ChordSource,
    pub warnings: Vec<String>,
}

pub fn read_file(path: &Path, opts: &ImportOptions) -> Result<Imported, MidiError> {
    let bytes = std::fs::read(path).map_err(|source| MidiError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_bytes(&bytes, opts).map_err(|reason| MidiError::Invalid {
        path: path.to_path_buf(),
        reason,
    })
}

/// Parses a whole file held in memory; the error is the reason alone (no path).
pub fn parse_bytes(_bytes: &[u8], _opts: &ImportOptions) -> Result<Imported, String> {
    Err("MIDI import is not built yet".into())
}
