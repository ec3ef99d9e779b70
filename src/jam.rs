//! The live side of trading fours: the form looping in time, the turns, the user's notes and
//! improv's answers placed on the live mixer's clock (frames played), never on the wall clock.
//!
//! Nothing here touches a device or a terminal: a `Session` is told the clock's frame and
//! answers with what the mixer must play and which answers to compute, so tests drive it on
//! a fake clock exactly as the Jam tab drives it on the real one.

pub mod answer;
pub mod band;
pub mod record;
pub mod session;

#[cfg(test)]
mod tests;

use crate::generate::Changes;
use crate::music::{ChordSpan, PPQ, Tick};
pub use session::{Out, Session};

/// Who plays a turn (the trade engine's).
pub use crate::trade::Who;

/// Tempi a session can run at.
pub const TEMPO_RANGE: std::ops::RangeInclusive<f64> = 40.0..=320.0;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("the chord chart is empty: choose a progression with at least one chord")]
    EmptyChart,
    #[error("tempo {0:.0} bpm is out of range (40 to 320)")]
    Tempo(f64),
    #[error("trade length must be 1, 2, 4 or 8 bars (got {0})")]
    Bars(u32),
}

/// The band's parts that can be left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BandMutes {
    pub comping: bool,
    pub bass: bool,
    pub drums: bool,
}

/// Everything fixed for a session: the form, the tempo, the turns and the band.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub changes: Changes,
    pub bpm: f64,
    pub sample_rate: u32,
    /// Bars per turn: 1, 2, 4 or 8.
    pub bars: u32,
    pub starts: Who,
    pub count_in: bool,
    pub metronome: bool,
    /// Where the second eighth of a beat falls (baked into the band's and answers' ticks).
    pub swing: f64,
    pub mutes: BandMutes,
    pub seed: u64,
}

/// One turn: its index from 0, who plays it and its ticks from the form's first beat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TurnSpan {
    pub index: usize,
    pub who: Who,
    pub start: Tick,
    pub end: Tick,
}

impl Plan {
    /// Checks what a session cannot start without.
    pub fn check(&self) -> Result<(), PlanError> {
        if self.changes.spans.last().is_none_or(|s| s.end() == 0) {
            return Err(PlanError::EmptyChart);
        }
        if !TEMPO_RANGE.contains(&self.bpm) {
            return Err(PlanError::Tempo(self.bpm));
        }
        if ![1, 2, 4, 8].contains(&self.bars) {
            return Err(PlanError::Bars(self.bars));
        }
        Ok(())
    }

    pub fn bar_ticks(&self) -> Tick {
        self.changes.bar_ticks.max(1)
    }

    /// One chorus, in whole bars.
    pub fn form_ticks(&self) -> Tick {
        let end = self.changes.spans.last().map_or(0, |s| s.end()).max(1);
        end.div_ceil(self.bar_ticks()) * self.bar_ticks()
    }

    pub fn frames_per_tick(&self) -> f64 {
        f64::from(self.sample_rate) * 60.0 / (self.bpm * f64::from(PPQ))
    }

    /// Frames from the first count-in click to the form's first beat.
    pub fn lead_in_frames(&self) -> u64 {
        if self.count_in {
            (f64::from(self.bar_ticks()) * self.frames_per_tick()).round() as u64
        } else {
            0
        }
    }

    /// Turn `index`: who plays it and its ticks.
    pub fn turn(&self, index: usize) -> TurnSpan {
        let len = self.bars * self.bar_ticks();
        let you = index.is_multiple_of(2) == (self.starts == Who::You);
        TurnSpan {
            index,
            who: if you { Who::You } else { Who::Improv },
            start: index as Tick * len,
            end: (index as Tick + 1) * len,
        }
    }

    /// The turn sounding at `tick`.
    pub fn turn_at(&self, tick: Tick) -> TurnSpan {
        self.turn((tick / (self.bars * self.bar_ticks()).max(1)) as usize)
    }

    /// The form's chords, looped, over `[from, to)` in session ticks.
    pub fn chords_between(&self, from: Tick, to: Tick) -> Vec<ChordSpan> {
        let form = self.form_ticks();
        let first = from / form;
        let last = to.div_ceil(form);
        (first..last)
            .flat_map(|k| {
                self.changes.spans.iter().map(move |s| ChordSpan {
                    start: s.start + k * form,
                    ..*s
                })
            })
            .filter(|s| s.end() > from && s.start < to)
            .collect()
    }
}
