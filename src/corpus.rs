//! The rule-based improviser that writes the bundled starter corpus (and backs generated solos).

mod band;
mod line;

pub use band::{bass_track, comping_track};
pub use line::Voice;

use crate::midi::{MidiError, export::write_file};
use crate::music::{PPQ, Progression, Role, Score, Track};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

/// One file of the corpus.
#[derive(Clone, Debug)]
pub struct CorpusPiece {
    pub file_name: String,
    pub progression: String,
    pub choruses: usize,
    pub bpm: f64,
    /// The solo's instrument register (lowest and highest key it may play).
    pub voice: Voice,
    pub score: Score,
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error(transparent)]
    Midi(#[from] MidiError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The corpus plan: progression, choruses, tempo, solo instrument (GM program), takes.
const PLAN: &[(&str, usize, f64, u8, usize)] = &[
    ("blues-f", 3, 160.0, 65, 3),
    ("blues-bb", 3, 140.0, 66, 3),
    ("minor-blues", 3, 150.0, 57, 2),
    ("rhythm-changes", 1, 200.0, 65, 3),
    ("ii-v-i", 4, 130.0, 26, 2),
    ("ii-v-i-cycle", 1, 150.0, 56, 3),
    ("autumn", 1, 130.0, 26, 2),
    ("aaba-eb", 1, 170.0, 56, 2),
    ("ballad", 2, 72.0, 66, 2),
];

/// The register a player of GM `program` solos in (concert keys, the comfortable range
/// rather than the extremes): alto sax Eb3–Bb5, tenor Bb2–F5, trombone A2–D5, trumpet
/// F#3–D6, guitar B2–A5.
fn register(program: u8) -> (i32, i32) {
    match program {
        65 => (51, 82),
        66 => (46, 77),
        57 => (45, 74),
        56 => (54, 86),
        _ => (47, 81),
    }
}

/// Every piece of the corpus for `seed`; the same seed always gives the same pieces.
pub fn generate_corpus(seed: u64) -> Vec<CorpusPiece> {
    let mut out = Vec::new();
    let mut n = 0;
    for &(preset, choruses, bpm, program, takes) in PLAN {
        let Some(prog) = Progression::preset(preset) else {
            continue;
        };
        for take in 0..takes {
            n += 1;
            let piece_seed = seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(n as u64);
            let mut rng = ChaCha8Rng::seed_from_u64(piece_seed);
            let bpm = bpm + take as f64 * 8.0;
            let spans = prog.spans(PPQ * 4, choruses);
            let end = spans.last().map(|s| s.end()).unwrap_or(0);
            let mut score = Score::new(format!("{preset} take {}", take + 1), bpm);
            score.chords = spans.clone();
            let mut solo = Track::new("Solo", Role::Melody, 0, program);
            let (low, high) = register(program);
            let voice = Voice { low, high, bpm };
            solo.notes = line::solo(&spans, end, voice, &mut rng);
            score.tracks.push(solo);
            score.tracks.push(comping_track(&spans, piece_seed));
            score.tracks.push(bass_track(&spans, piece_seed));
            score.normalize();
            let letter = (b'a' + take as u8) as char;
            out.push(CorpusPiece {
                file_name: format!("{n:02}-{preset}-{letter}.mid"),
                progression: preset.to_string(),
                choruses,
                bpm,
                voice,
                score,
            });
        }
    }
    out
}

/// Writes the corpus for `seed` into `dir` (which must exist); one MIDI file per piece.
pub fn write_corpus(dir: &Path, seed: u64, overwrite: bool) -> Result<Vec<PathBuf>, CorpusError> {
    let mut written = Vec::new();
    for piece in generate_corpus(seed) {
        let path = dir.join(&piece.file_name);
        write_file(&piece.score, &path, overwrite)?;
        written.push(path);
    }
    Ok(written)
}
