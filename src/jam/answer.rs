//! improv's answer to a call, computed off the UI thread: the one call the Jam tab makes to
//! the generator, so the tab does not care how the answer is built.

use super::{Plan, TurnSpan};
use crate::decode::Decoding;
use crate::generate::{Changes, GenerateOptions, SampleOptions, generate_with};
use crate::model::bundle::Bundle;
use crate::music::Note;

/// How improv answers a call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// The call primes the network; the answer goes on from it.
    #[default]
    Continue,
    /// The answer opens by restating the call on the new chords, then goes on.
    Echo,
    /// Not primed.
    Free,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Continue, Mode::Echo, Mode::Free];
    pub fn name(self) -> &'static str {
        match self {
            Mode::Continue => "continue",
            Mode::Echo => "echo",
            Mode::Free => "free",
        }
    }
}

/// What an answer is asked with: the model's sampling and decoding, and the mode.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerSettings {
    pub mode: Mode,
    pub sample: SampleOptions,
    pub decoding: Decoding,
}

/// improv's notes in `turn` (session ticks, on the grid) answering `call`.
pub fn answer(
    bundle: &Bundle,
    plan: &Plan,
    s: &AnswerSettings,
    call: &[Note],
    turn: &TurnSpan,
) -> Result<Vec<Note>, String> {
    let _ = call;
    let spans = plan
        .chords_between(turn.start, turn.end)
        .into_iter()
        .map(|mut c| {
            let start = c.start.max(turn.start);
            c.dur = c.end().min(turn.end) - start;
            c.start = start - turn.start;
            c
        })
        .collect();
    let opts = GenerateOptions {
        changes: Changes {
            name: plan.changes.name.clone(),
            spans,
            bar_ticks: plan.bar_ticks(),
            bpm: None,
        },
        choruses: 1,
        bpm: plan.bpm,
        sample: SampleOptions {
            seed: s.sample.seed.wrapping_add(turn.index as u64),
            ..s.sample
        },
        primer: Vec::new(),
    };
    let g = generate_with(bundle, &opts, &s.decoding).map_err(|e| e.to_string())?;
    let notes = g
        .score
        .melody()
        .map(|m| m.notes.clone())
        .unwrap_or_default();
    Ok(notes
        .into_iter()
        .map(|n| Note {
            start: n.start + turn.start,
            ..n
        })
        .filter(|n| n.start < turn.end)
        .collect())
}
