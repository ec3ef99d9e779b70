//! What a chart says besides its chords (composer, style, key, meter, tempo, sections) and
//! what its reader could not read or had to decide.

use super::score::{PPQ, Tick};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChartMeta {
    pub composer: String,
    pub style: String,
    /// The key as the chart writes it (`Eb`, `G-` for G minor).
    pub key: String,
    /// Beats in a bar and the beat's note value.
    pub meter: (u8, u8),
    pub bpm: Option<u16>,
    /// Where each section starts: the bar (1-based, as played) and its letter.
    pub sections: Vec<(usize, char)>,
    /// What could not be read, by the chart's written bar ("bar 5: ...").
    #[serde(default)]
    pub unread: Vec<String>,
    /// How the reader took what the chart leaves open (a missing sign, a meter change).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Default for ChartMeta {
    fn default() -> Self {
        ChartMeta {
            composer: String::new(),
            style: String::new(),
            key: String::new(),
            meter: (4, 4),
            bpm: None,
            sections: Vec::new(),
            unread: Vec::new(),
            notes: Vec::new(),
        }
    }
}

impl ChartMeta {
    /// One bar's length.
    pub fn bar_ticks(&self) -> Tick {
        let (n, d) = self.meter;
        PPQ * 4 * u32::from(n.max(1)) / u32::from(d.max(1))
    }
}
