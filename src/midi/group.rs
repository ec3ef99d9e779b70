//! The plain types import and role assignment share (below both, so neither imports the other).

/// Which track holds the solo, when the user says so.
#[derive(Clone, Debug, PartialEq)]
pub enum TrackSelector {
    Index(usize),
    Name(String),
}

/// Where the chords of an import came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub enum ChordSource {
    Markers,
    Estimated,
    Melody,
    #[default]
    None,
}

/// A note group: the notes of one channel of one source track.
pub(crate) struct Group {
    pub name: String,
    pub channel: u8,
    pub program: u8,
    pub notes: Vec<crate::music::Note>,
}
