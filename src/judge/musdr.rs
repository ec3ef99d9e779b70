//! MusDr's figures per solo (pitch-class entropy over 1- and 4-bar windows, grooving
//! similarity) and the register span, averaged over solos.

use super::figures::{Take, entropy};
use crate::music::Tick;
use serde::Serialize;

/// Onset positions per bar for grooving similarity (MusDr's 64 `Position` events).
const GROOVE_POSITIONS: u64 = 64;

/// One solo's figures; `None` where the solo has no window or bar pair to measure.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SoloFigures {
    pub h1: Option<f64>,
    pub h4: Option<f64>,
    pub grooving: Option<f64>,
    pub span: Option<f64>,
}

impl SoloFigures {
    pub fn of(take: &Take) -> SoloFigures {
        SoloFigures {
            h1: pc_entropy(take, 1),
            h4: pc_entropy(take, 4),
            grooving: grooving_similarity(take),
            span: register_span(take),
        }
    }
}

/// The bounds of a take's bars (its form's bars, so `bars.len() - 1` of them).
fn take_bars(take: &Take) -> Vec<Tick> {
    take.bar_bounds(take.bars.max(1))
}

/// The onsets a take's figures read: the rhythm grid's where it has one.
fn onsets(take: &Take) -> Vec<Tick> {
    if take.grid_onsets.len() == take.notes.len() && !take.grid_onsets.is_empty() {
        take.grid_onsets.clone()
    } else {
        take.notes.iter().map(|n| n.start).collect()
    }
}

/// The bar a tick falls in (index into `bars`, the last being the end).
fn bar_of(bars: &[Tick], t: Tick) -> usize {
    bars.partition_point(|&b| b <= t).max(1) - 1
}

/// MusDr's H: the mean, over every window of `window` bars, of the entropy (bits) of the
/// window's pitch-class histogram, each note counted once by its onset. Windows without a
/// note are left out, as MusDr does.
pub fn pc_entropy(take: &Take, window: usize) -> Option<f64> {
    let bars = &take_bars(take);
    let n_bars = bars.len().saturating_sub(1);
    if n_bars < window || window == 0 {
        return None;
    }
    let mut per_bar = vec![[0.0f64; 12]; n_bars];
    for (n, t) in take.notes.iter().zip(onsets(take)) {
        let b = bar_of(bars, t).min(n_bars - 1);
        per_bar[b][n.pitch.class().index() as usize] += 1.0;
    }
    let mut ents = Vec::new();
    for start in 0..=n_bars - window {
        let mut h = [0.0f64; 12];
        for bar in &per_bar[start..start + window] {
            for (a, b) in h.iter_mut().zip(bar) {
                *a += b;
            }
        }
        if h.iter().sum::<f64>() > 0.0 {
            ents.push(entropy(&h));
        }
    }
    mean(&ents)
}

/// MusDr's GS: the mean over every pair of bars of 1 − (positions where exactly one of the
/// two has an onset) / 64, onsets placed on 64 positions per bar. Every pair is counted
/// (MusDr samples at most 1000 pairs at random; all pairs give the value it estimates).
pub fn grooving_similarity(take: &Take) -> Option<f64> {
    let bars = &take_bars(take);
    let n_bars = bars.len().saturating_sub(1);
    if n_bars < 2 {
        return None;
    }
    let mut masks = vec![0u64; n_bars];
    for t in onsets(take) {
        let b = bar_of(bars, t).min(n_bars - 1);
        let len = u64::from(bars[b + 1].saturating_sub(bars[b]).max(1));
        let pos = (u64::from(t.saturating_sub(bars[b])) * GROOVE_POSITIONS / len)
            .min(GROOVE_POSITIONS - 1);
        masks[b] |= 1 << pos;
    }
    let mut sum = 0.0;
    let mut pairs = 0u64;
    for i in 0..n_bars {
        for j in i + 1..n_bars {
            let differ = (masks[i] ^ masks[j]).count_ones() as f64;
            sum += 1.0 - differ / GROOVE_POSITIONS as f64;
            pairs += 1;
        }
    }
    Some(sum / pairs as f64)
}

/// Highest minus lowest pitch of the solo, in semitones.
pub fn register_span(take: &Take) -> Option<f64> {
    let keys = take.notes.iter().map(|n| n.pitch.key());
    let (lo, hi) = (keys.clone().min()?, keys.max()?);
    Some(f64::from(hi - lo))
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Per-solo figures gathered over many solos; each figure is the mean over the solos that
/// have it.
#[derive(Clone, Debug, Default)]
pub struct SoloTally {
    h1: Vec<f64>,
    h4: Vec<f64>,
    grooving: Vec<f64>,
    span: Vec<f64>,
}

impl SoloTally {
    pub fn add(&mut self, take: &Take) {
        let f = SoloFigures::of(take);
        let push = |v: &mut Vec<f64>, x: Option<f64>| v.extend(x);
        push(&mut self.h1, f.h1);
        push(&mut self.h4, f.h4);
        push(&mut self.grooving, f.grooving);
        push(&mut self.span, f.span);
    }

    pub fn figures(&self) -> SoloMeans {
        let m = |v: &[f64]| mean(v).unwrap_or(0.0);
        SoloMeans {
            pc_entropy_1bar: m(&self.h1),
            pc_entropy_4bar: m(&self.h4),
            grooving_similarity: m(&self.grooving),
            register_span: m(&self.span),
        }
    }
}

/// MusDr's figures and the register span, each the mean over solos.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SoloMeans {
    /// Pitch-class entropy (bits) of 1-bar windows (MusDr's H1).
    pub pc_entropy_1bar: f64,
    /// Pitch-class entropy (bits) of 4-bar windows (MusDr's H4).
    pub pc_entropy_4bar: f64,
    /// Mean agreement of bars' onset patterns (MusDr's GS; 1 = every bar the same rhythm).
    pub grooving_similarity: f64,
    /// Highest minus lowest pitch per solo, in semitones.
    pub register_span: f64,
}

/// How far (in chord-tone share) the model may play above the players before the judge
/// flags its lines as bound to the chords.
pub const OVER_BOUND_MARGIN: f64 = 0.05;

/// True when the model's chord-tone rate is more than [`OVER_BOUND_MARGIN`] above the
/// players' (over-bound lines are a known failure of generated jazz).
pub fn over_bound(model_chord_tones: f64, players_chord_tones: f64) -> bool {
    model_chord_tones > players_chord_tones + OVER_BOUND_MARGIN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Note, PPQ, Pitch, TimeSig};

    /// A 4/4 take of `bars` bars: notes as (start in quarters, key), each a quarter long.
    fn take(bars: usize, notes: &[(f64, u8)]) -> Take {
        Take {
            notes: notes
                .iter()
                .map(|&(q, key)| Note {
                    start: (q * PPQ as f64) as Tick,
                    dur: PPQ,
                    pitch: Pitch::new(key).unwrap(),
                    velocity: 90,
                })
                .collect(),
            time_sigs: vec![TimeSig {
                tick: 0,
                num: 4,
                den: 4,
            }],
            bars,
            ..Take::default()
        }
    }

    #[test]
    fn one_pitch_class_per_bar_has_no_1_bar_entropy_but_2_bits_over_4_bars() {
        // Bar 1 all C, bar 2 all D, bar 3 all E, bar 4 all F# (octaves mixed).
        let keys = [60, 72, 62, 74, 64, 52, 66, 78];
        let notes: Vec<_> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (i as f64 * 2.0, k))
            .collect();
        let t = take(4, &notes);
        assert_eq!(pc_entropy(&t, 1), Some(0.0));
        assert!((pc_entropy(&t, 4).unwrap() - 2.0).abs() < 1e-12);
        // Too few bars for a window of eight.
        assert_eq!(pc_entropy(&t, 8), None);
    }

    #[test]
    fn entropy_counts_notes_not_their_lengths() {
        // One bar: C, D, E, F# once each -> 2 bits, however long each lasts.
        let mut t = take(1, &[(0.0, 60), (1.0, 62), (2.0, 64), (3.0, 66)]);
        t.notes[0].dur = 3 * PPQ;
        assert!((pc_entropy(&t, 1).unwrap() - 2.0).abs() < 1e-12);
        // Silent bars are left out of the mean (MusDr skips windows without notes).
        let t = take(3, &[(0.0, 60), (1.0, 62), (2.0, 64), (3.0, 66)]);
        assert!((pc_entropy(&t, 1).unwrap() - 2.0).abs() < 1e-12);
    }

    #[test]
    fn bars_of_one_rhythm_groove_alike_and_different_rhythms_less() {
        let same: Vec<_> = (0..16).map(|i| (i as f64, 60)).collect();
        assert_eq!(grooving_similarity(&take(4, &same)), Some(1.0));
        // Bar 1 on the four beats, bar 2 on eight eighths: four of 64 positions differ.
        let mut mixed: Vec<_> = (0..4).map(|i| (i as f64, 60)).collect();
        mixed.extend((0..8).map(|i| (4.0 + i as f64 * 0.5, 62)));
        let gs = grooving_similarity(&take(2, &mixed)).unwrap();
        assert!((gs - (1.0 - 4.0 / 64.0)).abs() < 1e-12, "{gs}");
        // A silent bar against a bar of four beats: four positions differ too.
        let gs = grooving_similarity(&take(2, &same[..4])).unwrap();
        assert!((gs - (1.0 - 4.0 / 64.0)).abs() < 1e-12, "{gs}");
        assert_eq!(grooving_similarity(&take(1, &same[..4])), None);
    }

    #[test]
    fn register_span_is_averaged_over_solos() {
        let mut tally = SoloTally::default();
        tally.add(&take(1, &[(0.0, 60), (1.0, 72)]));
        tally.add(&take(1, &[(0.0, 50), (1.0, 74), (2.0, 60)]));
        assert_eq!(tally.figures().register_span, 18.0);
        assert_eq!(register_span(&take(1, &[])), None);
    }

    #[test]
    fn over_bound_only_above_the_margin() {
        assert!(over_bound(0.61, 0.55));
        assert!(!over_bound(0.59, 0.55));
        assert!(!over_bound(0.40, 0.55));
    }
}
