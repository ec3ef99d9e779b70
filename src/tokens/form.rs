//! Where a line is in the form and in its phrase: the inputs feature layout V2 adds to V1's
//! chord and beat (`FeatureLayout::V2`). The form's chorus is found from the chords (the
//! shortest bar period they repeat at); the phrase from the line played so far.

use super::events::{Clock, Event, FeatureLayout};
use super::rhythm::UNIT;
use crate::music::{PPQ, Tick};

/// Candidate chorus lengths, in bars, shortest first.
const CHORUS_BARS: [u32; 9] = [8, 12, 16, 24, 32, 40, 48, 64, 96];
/// Share of half-bars whose chord must match a chorus later for a period to count.
const MATCH: f64 = 0.8;
/// A silence this long or longer ends a phrase (as `judge::motif` and the motif memory).
pub const PHRASE_GAP: Tick = PPQ;
/// Beats since the phrase began: at most 1, 2, 4, 8, 16, more (slot 0: at a phrase break).
const BEAT_BUCKETS: [f64; 5] = [1.0, 2.0, 4.0, 8.0, 16.0];
/// Notes in the phrase so far: at most 2, 4, 8, 16, more (slot 0: none).
const NOTE_BUCKETS: [usize; 4] = [2, 4, 8, 16];
/// Widths of V2's groups.
pub const FORM_WIDTH: usize = 9;
pub const LINE_WIDTH: usize = 13;

/// The chorus: where the first one begins, its bar and its length in bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Form {
    pub origin: Tick,
    pub bar: Tick,
    pub bars: u32,
}

impl Form {
    /// The form of a clock's chords: the shortest candidate period at which at least 80% of
    /// the half-bars that have a match a chorus later carry the same chord, over at least a
    /// chorus and a half; else the whole stretch of chords is one chorus. None without chords.
    pub fn of(clock: &Clock) -> Option<Form> {
        let first = clock.chords.first()?;
        let bar = clock
            .time_sigs
            .first()
            .map_or(4 * PPQ, |t| t.bar_ticks().max(1));
        let origin = first.start - first.start % bar;
        let end = clock.chords.last().map_or(origin, |c| c.end());
        let total = (end - origin).div_ceil(bar) as usize;
        let half = (bar / 2).max(1);
        let cells: Vec<_> = (0..2 * total)
            .map(|i| clock.chord_at(origin + i as Tick * half))
            .collect();
        let repeats = |p: usize| {
            let n = cells.len().saturating_sub(2 * p);
            let same = (0..n).filter(|&i| cells[i] == cells[i + 2 * p]).count();
            2 * total >= 3 * p && n > 0 && same as f64 >= MATCH * n as f64
        };
        let bars = CHORUS_BARS
            .iter()
            .map(|&b| b as usize)
            .find(|&p| repeats(p))
            .unwrap_or(total.max(1));
        Some(Form {
            origin,
            bar,
            bars: bars as u32,
        })
    }

    /// (chorus number, bar within the chorus, fraction of the chorus) at `tick`; the pickup
    /// before the first chorus counts as its start.
    pub fn at(&self, tick: Tick) -> (usize, usize, f32) {
        let Some(into) = tick.checked_sub(self.origin) else {
            return (0, 0, 0.0);
        };
        let chorus = (self.bar * self.bars).max(1);
        let in_chorus = into % chorus;
        (
            (into / chorus) as usize,
            (in_chorus / self.bar) as usize,
            in_chorus as f32 / chorus as f32,
        )
    }
}

/// The phrase the line is in: when it began, how many notes it holds, and the silence since
/// the last note ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineState {
    begun: Option<Tick>,
    notes: usize,
    silence: Tick,
}

impl LineState {
    /// After `e` has been played.
    pub fn push(&mut self, e: &Event) {
        if e.pitch.is_some() {
            if self.at_break() {
                *self = LineState {
                    begun: Some(e.start),
                    notes: 0,
                    silence: 0,
                };
            }
            self.notes += 1;
            self.silence = 0;
        } else {
            self.silence += e.units * UNIT;
        }
    }

    /// Whether the next note opens a phrase (the line's first, or after a beat's silence).
    pub fn at_break(&self) -> bool {
        self.begun.is_none() || self.silence >= PHRASE_GAP
    }
}

/// V2's groups beyond V1 for an event at `tick`, written into `out` (the layout's length;
/// V1's part is left alone). A layout without them writes nothing.
pub fn write(
    layout: &FeatureLayout,
    form: Option<&Form>,
    line: &LineState,
    tick: Tick,
    out: &mut [f32],
) {
    if let (Some(at), Some(form)) = (layout.form, form) {
        let (chorus, bar, frac) = form.at(tick);
        out[at] = bar as f32 / form.bars.max(1) as f32;
        let _ = frac;
        out[at + 1 + bar % 4] = 1.0;
        out[at + 5 + chorus.min(3)] = 1.0;
    }
    if let Some(at) = layout.line {
        let (beats, notes) = match line.begun {
            Some(b) if !line.at_break() => {
                let beats = tick.saturating_sub(b) as f64 / PPQ as f64;
                let slot = BEAT_BUCKETS.iter().position(|&x| beats <= x).unwrap_or(5);
                let n = NOTE_BUCKETS
                    .iter()
                    .position(|&x| line.notes <= x)
                    .unwrap_or(4);
                (1 + slot, 1 + n)
            }
            _ => (0, 0),
        };
        out[at + beats] = 1.0;
        out[at + 7 + notes] = 1.0;
    }
}

/// Every feature of each event of a piece (`layout.len` each, in order): V1's chord and
/// beat, and V2's form and phrase where the layout has them.
pub fn piece_features(layout: &FeatureLayout, clock: &Clock, events: &[Event]) -> Vec<f32> {
    let form = Form::of(clock);
    let mut line = LineState::default();
    let mut out = vec![0.0; events.len() * layout.len];
    for (e, f) in events.iter().zip(out.chunks_exact_mut(layout.len.max(1))) {
        clock.features(e.start, f);
        write(layout, form.as_ref(), &line, e.start, f);
        line.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::ChordSpan;

    fn spans(names: &[&str], beats: u32) -> Vec<ChordSpan> {
        names
            .iter()
            .enumerate()
            .map(|(i, c)| ChordSpan {
                start: i as Tick * beats * PPQ,
                dur: beats * PPQ,
                chord: c.parse().unwrap(),
            })
            .collect()
    }

    fn blues() -> Vec<&'static str> {
        vec![
            "C7", "F7", "C7", "C7", "F7", "F7", "C7", "A7", "Dm7", "G7", "C7", "G7",
        ]
    }

    #[test]
    fn the_chorus_is_the_period_the_chords_repeat_at() {
        let three: Vec<&str> = blues().repeat(3);
        let clock = Clock::new(spans(&three, 4), 4 * PPQ);
        let form = Form::of(&clock).unwrap();
        assert_eq!(form.bars, 12, "three blues choruses");
        assert_eq!(form.at(13 * 4 * PPQ + PPQ), (1, 1, 5.0 / 48.0));
        // One chorus only: the whole stretch.
        let one = Clock::new(spans(&blues(), 4), 4 * PPQ);
        assert_eq!(Form::of(&one).unwrap().bars, 12);
        // A chorus with one changed chord still repeats at 12 (80% match).
        let mut varied = three.clone();
        varied[14] = "Bb7";
        let form = Form::of(&Clock::new(spans(&varied, 4), 4 * PPQ)).unwrap();
        assert_eq!(form.bars, 12);
        assert_eq!(Form::of(&Clock::new(Vec::new(), 4 * PPQ)), None);
    }

    fn note(key: u8, start_units: u32, units: u32) -> Event {
        Event {
            pitch: Some(key),
            start: start_units * UNIT,
            units,
        }
    }

    fn rest(start_units: u32, units: u32) -> Event {
        Event {
            pitch: None,
            start: start_units * UNIT,
            units,
        }
    }

    #[test]
    fn the_phrase_counts_notes_and_beats_until_a_beat_of_silence() {
        let l = FeatureLayout::V2;
        let (at, mut line) = (l.line.unwrap(), LineState::default());
        let slots = |line: &LineState, t: Tick| {
            let mut f = vec![0.0; l.len];
            write(&l, None, line, t, &mut f);
            let hot: Vec<usize> = (0..LINE_WIDTH).filter(|&i| f[at + i] == 1.0).collect();
            hot
        };
        assert_eq!(
            slots(&line, 0),
            vec![0, 7],
            "nothing played: a phrase break"
        );
        // Three eighths, then a short rest: still one phrase.
        for i in 0..3 {
            line.push(&note(60, i * 6, 6));
        }
        line.push(&rest(18, 6));
        assert_eq!(
            slots(&line, 24 * UNIT),
            vec![2, 9],
            "two beats in, three notes"
        );
        // A beat's silence in all ends it.
        line.push(&rest(24, 6));
        assert_eq!(slots(&line, 30 * UNIT), vec![0, 7]);
        line.push(&note(62, 30, 12));
        assert_eq!(
            slots(&line, 42 * UNIT),
            vec![1, 8],
            "a new phrase, one note"
        );
    }

    #[test]
    fn piece_features_keep_v1_and_add_the_form_and_phrase() {
        let clock = Clock::new(spans(&blues().repeat(2), 4), 4 * PPQ);
        let ev = vec![
            note(60, 0, 12),
            note(62, 12, 12),
            rest(24, 24),
            note(64, 48 * 13, 12),
        ];
        let l = FeatureLayout::V2;
        let f = piece_features(&l, &clock, &ev);
        assert_eq!(f.len(), 4 * l.len);
        let mut v1 = vec![0.0; FeatureLayout::V1.len];
        clock.features(ev[3].start, &mut v1);
        let last = &f[3 * l.len..];
        assert_eq!(&last[..v1.len()], &v1[..]);
        let form = l.form.unwrap();
        assert_eq!(
            last[form + 1 + 1],
            1.0,
            "bar 14 is the second of its four-bar group"
        );
        assert_eq!(last[form + 5 + 1], 1.0, "second chorus");
        let v1_only = piece_features(&FeatureLayout::V1, &clock, &ev);
        assert_eq!(&v1_only[3 * v1.len()..], &v1[..]);
    }
}
