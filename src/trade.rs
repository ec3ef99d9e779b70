//! The Jam engine: turns of a trade over the looping form, the user's call quantized to the
//! training grid, and improv's answer decoded over the answer's own bars by the decoder
//! `generate` uses. No I/O: the Jam tab and `improv trade` drive it turn by turn.

mod relation;
mod session;

pub use relation::{CallRelation, call_relation, chord_tone_rate};
pub use session::{Session, TurnReport, cut_calls, session_score};

use crate::generate::Changes;
use crate::generate::SampleOptions;
use crate::generate::decode::{Decoding, Lead, decode_turn, to_notes};
use crate::generate::motif::{Figure, restate};
use crate::model::bundle::Bundle;
use crate::model::conditioned::CondMeta;
use crate::model::conditioned::CondWeights;
use crate::music::{Note, Role, Score, Tick, Track};
use crate::tokens::events::{Clock, Event, encode};

/// How improv answers a call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The call primes the network; the answer goes on from it.
    #[default]
    Continue,
    /// Primed, and the answer opens by restating the call moved onto the new chords.
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

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown mode {s:?} (continue, echo or free)"))
    }
}

/// Who plays a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Who {
    You,
    Improv,
}

/// One turn: its index, who plays it, and where it lies (bars from 0, ticks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turn {
    pub index: usize,
    pub who: Who,
    pub first_bar: u32,
    pub bars: u32,
    pub start: Tick,
    pub end: Tick,
}

#[derive(Debug, thiserror::Error)]
pub enum TradeError {
    #[error("trading needs a conditioned model (this one is the exercise kind)")]
    NotConditioned,
    #[error("the progression is empty")]
    EmptyChart,
    #[error("trade length must be 1, 2, 4 or 8 bars (got {0})")]
    Bars(u32),
}

/// The trade's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeSettings {
    /// Bars per turn: 1, 2, 4 or 8.
    pub bars: u32,
    pub starts: Who,
    pub mode: Mode,
    pub sampling: SampleOptions,
    pub decoding: Decoding,
}

/// The engine: the model, the form and the settings; `answer` is all a turn needs.
pub struct Engine<'a> {
    w: &'a CondWeights,
    meta: &'a CondMeta,
    changes: Changes,
    pub settings: TradeSettings,
}

impl<'a> Engine<'a> {
    pub fn new(
        bundle: &'a Bundle,
        changes: Changes,
        settings: TradeSettings,
    ) -> Result<Engine<'a>, TradeError> {
        let Some(net) = bundle.net.conditioned() else {
            return Err(TradeError::NotConditioned);
        };
        let (w, meta) = (&net.weights, &net.meta);
        if changes.spans.last().is_none_or(|s| s.end() == 0) {
            return Err(TradeError::EmptyChart);
        }
        if ![1, 2, 4, 8].contains(&settings.bars) {
            return Err(TradeError::Bars(settings.bars));
        }
        Ok(Engine {
            w,
            meta,
            changes,
            settings,
        })
    }

    pub fn bar_ticks(&self) -> Tick {
        self.changes.bar_ticks.max(1)
    }

    /// Turn `index` (from 0): who plays it and its bars.
    pub fn turn(&self, index: usize) -> Turn {
        let bars = self.settings.bars;
        let first_bar = index as u32 * bars;
        let first_is_you = self.settings.starts == Who::You;
        let who = if index.is_multiple_of(2) == first_is_you {
            Who::You
        } else {
            Who::Improv
        };
        Turn {
            index,
            who,
            first_bar,
            bars,
            start: first_bar * self.bar_ticks(),
            end: (first_bar + bars) * self.bar_ticks(),
        }
    }

    /// The form's chords looped until `end` (and a chorus beyond, for the next chord).
    pub fn spans_until(&self, end: Tick) -> Vec<crate::music::ChordSpan> {
        let form = self.changes.repeat(1).last().map_or(1, |s| s.end()).max(1);
        let form = form.div_ceil(self.bar_ticks()) * self.bar_ticks();
        self.changes.repeat((end / form + 2) as usize)
    }

    pub fn clock_until(&self, end: Tick) -> Clock {
        Clock::new(self.spans_until(end), self.bar_ticks())
    }

    /// The call as the network hears it: quantized to the training grid, from its turn's
    /// first beat, in session ticks (notes outside `call_turn` are left out).
    pub fn quantize_call(&self, call: &[Note], call_turn: &Turn) -> Vec<Event> {
        let mut score = Score::new("call", 120.0);
        let mut t = Track::new("call", Role::Melody, 0, 0);
        t.notes = call
            .iter()
            .filter(|n| n.start >= call_turn.start && n.start < call_turn.end)
            .map(|n| Note {
                start: n.start - call_turn.start,
                dur: n.dur.min(call_turn.end - n.start).max(1),
                ..*n
            })
            .collect();
        score.tracks.push(t);
        encode(&score)
            .into_iter()
            .map(|e| Event {
                start: e.start + call_turn.start,
                ..e
            })
            .filter(|e| e.start < call_turn.end)
            .collect()
    }

    /// improv's answer in `turn` to `call` (the notes of the turn before, in session ticks;
    /// empty: improv plays freely). The answer starts and ends inside the turn.
    pub fn answer(&self, call: &[Note], turn: &Turn) -> Vec<Note> {
        let call_turn = Turn {
            start: turn.start.saturating_sub(turn.end - turn.start),
            end: turn.start,
            ..*turn
        };
        let heard = self.quantize_call(call, &call_turn);
        let clock = self.clock_until(turn.end);
        let has_notes = heard.iter().any(|e| e.pitch.is_some());
        let mode = if has_notes {
            self.settings.mode
        } else {
            Mode::Free
        };
        let lead = match mode {
            Mode::Free => Lead {
                start: turn.start,
                ..Lead::default()
            },
            Mode::Continue => Lead {
                start: turn.start,
                primer: heard,
                opening: Vec::new(),
            },
            Mode::Echo => Lead {
                start: turn.start,
                opening: self.echo(&heard, &call_turn, turn, &clock),
                primer: heard,
            },
        };
        let sampling = SampleOptions {
            seed: self.settings.sampling.seed.wrapping_add(turn.index as u64),
            ..self.settings.sampling
        };
        let events = decode_turn(
            self.w,
            self.meta,
            clock,
            &lead,
            turn.end,
            &sampling,
            &self.settings.decoding,
        );
        to_notes(&events, turn.end, 92)
            .into_iter()
            .filter(|n| n.start >= turn.start)
            .collect()
    }

    /// The call's first half-turn (a bar at least), from its first note, restated at the
    /// same place in the answer's bars over the answer's chords.
    fn echo(&self, heard: &[Event], call_turn: &Turn, turn: &Turn, clock: &Clock) -> Vec<Event> {
        let Some(first) = heard.iter().position(|e| e.pitch.is_some()) else {
            return Vec::new();
        };
        let span = ((turn.end - turn.start) / 2).max(self.bar_ticks());
        let from = heard[first].start;
        let mut events: Vec<Event> = heard[first..]
            .iter()
            .copied()
            .filter(|e| e.start < from + span)
            .collect();
        while events.last().is_some_and(|e| e.pitch.is_none()) {
            events.pop();
        }
        let last_key = heard.iter().rev().find_map(|e| e.pitch);
        let t = turn.start + (from - call_turn.start);
        restate(&Figure { events }, clock, t, clock, last_key).events
    }
}

#[cfg(test)]
mod tests;
