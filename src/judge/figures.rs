//! The judge's figures for a set of solos: harmony, density, register, and the MGEval-style
//! histograms (pitch classes, intervals, onset positions in the bar).

use super::motif::{MotifFigures, MotifTally};
use super::musdr::{SoloMeans, SoloTally};
use crate::music::{ChordSpan, Note, PPQ, Register, Score, Tick, TimeSig};
use crate::tokens::rhythm::melody_line;
use serde::Serialize;

/// One solo over its changes: the notes, the chords sounding, the meter, and how many bars
/// the changes last (the form, times the choruses played).
#[derive(Clone, Debug, Default)]
pub struct Take {
    pub notes: Vec<Note>,
    pub chords: Vec<ChordSpan>,
    pub time_sigs: Vec<TimeSig>,
    pub bars: usize,
    /// Note onsets as improv's rhythm grid reads them (played timing snapped a beat at a
    /// time to sixteenths or triplets, as for training); empty: the notes' own onsets.
    pub grid_onsets: Vec<Tick>,
}

/// More notes a bar than any player sustains over a solo (thirty-seconds, every beat of
/// every bar of 4/4).
pub const MAX_NOTES_PER_BAR: f64 = 32.0;

impl Take {
    /// Why these figures cannot be a solo, if they cannot: a density no player reaches, or
    /// a "melody" whose notes mostly start together (chords, not a line).
    pub fn not_a_solo(&self) -> Option<String> {
        let per_bar = self.notes.len() as f64 / self.bars.max(1) as f64;
        if per_bar > MAX_NOTES_PER_BAR {
            return Some(format!(
                "{} notes over {} bars is {per_bar:.0} notes a bar, more than any solo \
                 ({MAX_NOTES_PER_BAR} at most): not judged",
                self.notes.len(),
                self.bars
            ));
        }
        let together = self
            .notes
            .windows(2)
            .filter(|w| w[0].start == w[1].start)
            .count();
        if self.notes.len() >= 8 && together * 2 > self.notes.len() {
            return Some(format!(
                "{together} of its {} melody notes start together with another: a melody of \
                 chords, not a solo line: not judged",
                self.notes.len()
            ));
        }
        None
    }

    /// The melody of a score over the score's own chords and meter.
    pub fn of_melody(score: &Score) -> Take {
        let mut notes = score.melody().map(|m| m.notes.clone()).unwrap_or_default();
        notes.sort_by_key(|n| (n.start, n.pitch));
        let mut form = score.clone();
        form.tracks.clear();
        Take {
            notes,
            chords: score.chords.clone(),
            time_sigs: score.time_sigs.clone(),
            bars: form.bar_starts().len().max(1),
            grid_onsets: melody_line(score)
                .into_iter()
                .filter(|s| s.pitch.is_some())
                .map(|s| s.start)
                .collect(),
        }
    }

    fn chord_at(&self, t: Tick) -> Option<&ChordSpan> {
        let i = self.chords.partition_point(|c| c.start <= t);
        i.checked_sub(1)
            .map(|i| &self.chords[i])
            .filter(|c| t < c.end())
    }

    /// The start of every bar up to `end`, following the meter.
    fn bar_starts(&self, end: Tick) -> Vec<Tick> {
        let sig_at = |t: Tick| {
            self.time_sigs
                .iter()
                .rev()
                .find(|s| s.tick <= t)
                .map_or(PPQ * 4, |s| s.bar_ticks().max(1))
        };
        let mut out = Vec::new();
        let mut t = 0;
        while t <= end && out.len() < 1_000_000 {
            out.push(t);
            t += sig_at(t);
        }
        out
    }

    /// The bounds of the take's first `n` bars (n + 1 ticks), following the meter.
    pub(super) fn bar_bounds(&self, n: usize) -> Vec<Tick> {
        let sig_at = |t: Tick| {
            self.time_sigs
                .iter()
                .rev()
                .find(|s| s.tick <= t)
                .map_or(PPQ * 4, |s| s.bar_ticks().max(1))
        };
        let mut out = Vec::with_capacity(n + 1);
        let mut t: Tick = 0;
        out.push(t);
        for _ in 0..n {
            t = t.saturating_add(sig_at(t));
            out.push(t);
        }
        out
    }

    /// Melodic intervals in semitones between neighbouring notes.
    pub fn intervals(&self) -> Vec<i8> {
        self.notes
            .windows(2)
            .map(|w| (w[1].pitch.key() as i16 - w[0].pitch.key() as i16).clamp(-127, 127) as i8)
            .collect()
    }
}

/// Interval histogram range: -12..=12 semitones, wider leaps at the ends.
const INTERVAL_BINS: usize = 25;
/// Onset positions: twelve to a beat (sixteenths and triplets), bars up to eight beats.
const ONSET_STEP: Tick = PPQ / 12;
const ONSET_BINS: usize = 96;

/// Counts gathered over one or many takes; figures come out at the end.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    notes: usize,
    with_chord: usize,
    chord_tones: usize,
    scale_tones: usize,
    bars: usize,
    /// Notes on the lowest or highest pitch of their own line.
    wall: usize,
    silent: u64,
    span: u64,
    lengths: Vec<f64>,
    pitches: Vec<u8>,
    pcs: [f64; 12],
    intervals: Vec<f64>,
    onsets: Vec<f64>,
    solos: SoloTally,
    motif: MotifTally,
}

impl Tally {
    /// Onsets by position in their bar, on the grid: where the line's notes fall, not how
    /// far a player leans ahead of or behind the beat.
    fn add_onsets(&mut self, take: &Take) {
        let starts: Vec<Tick> = if take.grid_onsets.is_empty() {
            take.notes.iter().map(|n| n.start).collect()
        } else {
            take.grid_onsets.clone()
        };
        let bars = take.bar_starts(starts.last().copied().unwrap_or(0));
        for t in starts {
            let bar = bars[bars.partition_point(|&b| b <= t).max(1) - 1];
            let pos = (t - bar + ONSET_STEP / 2) / ONSET_STEP;
            self.onsets[(pos as usize).min(ONSET_BINS - 1)] += 1.0;
        }
    }

    pub fn add(&mut self, take: &Take) {
        if self.intervals.is_empty() {
            self.intervals = vec![0.0; INTERVAL_BINS];
            self.onsets = vec![0.0; ONSET_BINS];
        }
        self.bars += take.bars;
        self.notes += take.notes.len();
        let mut covered_to: Tick = 0;
        for n in &take.notes {
            if let Some(span) = take.chord_at(n.start) {
                self.with_chord += 1;
                let pc = n.pitch.class();
                if span.chord.tones().contains(pc) {
                    self.chord_tones += 1;
                }
                if span.chord.scale().contains(pc) {
                    self.scale_tones += 1;
                }
            }
            self.lengths.push(n.dur as f64 / PPQ as f64);
            self.pitches.push(n.pitch.key());
            self.pcs[n.pitch.class().index() as usize] += 1.0;
            if n.start > covered_to && covered_to > 0 {
                self.silent += (n.start - covered_to) as u64;
            }
            covered_to = covered_to.max(n.end());
        }
        self.add_onsets(take);
        self.solos.add(take);
        self.motif.add(&take.notes);
        if let (Some(first), Some(_)) = (take.notes.first(), take.notes.last()) {
            self.span += covered_to.saturating_sub(first.start) as u64;
        }
        let low = take.notes.iter().map(|n| n.pitch).min();
        let high = take.notes.iter().map(|n| n.pitch).max();
        self.wall += take
            .notes
            .iter()
            .filter(|n| Some(n.pitch) == low || Some(n.pitch) == high)
            .count();
        for i in take.intervals() {
            let bin = (i.clamp(-12, 12) + 12) as usize;
            self.intervals[bin] += 1.0;
        }
    }

    pub fn figures(&self) -> Figures {
        let share = |k: usize, of: usize| if of == 0 { 0.0 } else { k as f64 / of as f64 };
        let register = Register::of(
            &self
                .pitches
                .iter()
                .filter_map(|&k| {
                    Some(Note {
                        start: 0,
                        dur: 1,
                        pitch: crate::music::Pitch::new(k)?,
                        velocity: 1,
                    })
                })
                .collect::<Vec<_>>(),
        );
        let mut lengths = self.lengths.clone();
        lengths.sort_by(f64::total_cmp);
        Figures {
            notes: self.notes,
            bars: self.bars,
            chord_tone_rate: share(self.chord_tones, self.with_chord),
            scale_tone_rate: share(self.scale_tones, self.with_chord),
            notes_per_bar: share(self.notes, self.bars),
            rest_share: if self.span == 0 {
                0.0
            } else {
                self.silent as f64 / self.span as f64
            },
            median_note_beats: lengths.get(lengths.len() / 2).copied().unwrap_or(0.0),
            lowest: register.map(|r| r.lowest),
            median: register.map(|r| r.median),
            highest: register.map(|r| r.highest),
            wall_share: share(self.wall, self.notes),
            pc_entropy: entropy(&self.pcs),
            solo: self.solos.figures(),
            motif: self.motif.figures(),
        }
    }

    pub fn interval_overlap(&self, other: &Tally) -> f64 {
        overlap(&self.intervals, &other.intervals)
    }

    pub fn onset_overlap(&self, other: &Tally) -> f64 {
        overlap(&self.onsets, &other.onsets)
    }
}

/// What a set of solos does, as the judge reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    pub notes: usize,
    pub bars: usize,
    /// Share of notes (with a chord sounding) that are tones of that chord.
    pub chord_tone_rate: f64,
    /// Share of those notes in the chord's scale (chord tones included).
    pub scale_tone_rate: f64,
    pub notes_per_bar: f64,
    /// Share of the time from the first onset to the last release with nothing sounding.
    pub rest_share: f64,
    pub median_note_beats: f64,
    pub lowest: Option<u8>,
    pub median: Option<u8>,
    pub highest: Option<u8>,
    /// Share of notes on the lowest or the highest pitch their line reaches (each solo
    /// against its own walls, pooled over solos).
    pub wall_share: f64,
    /// Entropy of the pitch-class histogram, in bits (0 to log2 12 = 3.585).
    pub pc_entropy: f64,
    /// MusDr's figures and the register span, per solo, averaged.
    #[serde(flatten)]
    pub solo: SoloMeans,
    /// Motif recurrence, sequences and phrase length over each solo's first notes.
    #[serde(flatten)]
    pub motif: MotifFigures,
}

/// Shannon entropy in bits of a histogram.
pub fn entropy(h: &[f64]) -> f64 {
    let total: f64 = h.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    -h.iter()
        .filter(|&&c| c > 0.0)
        .map(|&c| {
            let p = c / total;
            p * p.log2()
        })
        .sum::<f64>()
}

/// Overlapping area of two histograms, each normalised to 1 (1 = the same shape).
pub fn overlap(a: &[f64], b: &[f64]) -> f64 {
    let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
    if sa <= 0.0 || sb <= 0.0 {
        return 0.0;
    }
    a.iter().zip(b).map(|(x, y)| (x / sa).min(y / sb)).sum()
}
