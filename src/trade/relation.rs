//! How an answer relates to the call before it (interval and onset-in-bar histogram
//! overlaps, the longest run of intervals both play) and how well a turn fits its chords.

use crate::judge::overlap;
use crate::music::{Note, PPQ, Tick};
use crate::tokens::events::Clock;
use serde::Serialize;

/// How an answer echoes its call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct CallRelation {
    /// Overlap of the melodic-interval histograms (-12..=12, wider leaps at the ends).
    pub interval_overlap: f64,
    /// Overlap of the histograms of onsets within the bar (twelve to a beat).
    pub onset_overlap: f64,
    /// The longest run of consecutive intervals found in both.
    pub longest_shared_run: usize,
}

fn intervals(notes: &[Note]) -> Vec<i16> {
    notes
        .windows(2)
        .map(|w| i16::from(w[1].pitch.key()) - i16::from(w[0].pitch.key()))
        .collect()
}

fn interval_hist(notes: &[Note]) -> Vec<f64> {
    let mut h = vec![0.0; 25];
    for i in intervals(notes) {
        h[(i.clamp(-12, 12) + 12) as usize] += 1.0;
    }
    h
}

fn onset_hist(notes: &[Note], bar_ticks: Tick) -> Vec<f64> {
    let step = PPQ / 12;
    let bins = (bar_ticks.max(1) / step).max(1) as usize;
    let mut h = vec![0.0; bins];
    for n in notes {
        let pos = ((n.start % bar_ticks.max(1) + step / 2) / step) as usize;
        h[pos % bins] += 1.0;
    }
    h
}

/// The longest common run of two interval sequences.
fn longest_common_run(a: &[i16], b: &[i16]) -> usize {
    let mut best = 0;
    let mut prev = vec![0usize; b.len() + 1];
    for x in a {
        let mut row = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            if x == y {
                row[j + 1] = prev[j] + 1;
                best = best.max(row[j + 1]);
            }
        }
        prev = row;
    }
    best
}

/// How `answer` relates to `call` (both sorted by onset).
pub fn call_relation(call: &[Note], answer: &[Note], bar_ticks: Tick) -> CallRelation {
    CallRelation {
        interval_overlap: overlap(&interval_hist(call), &interval_hist(answer)),
        onset_overlap: overlap(&onset_hist(call, bar_ticks), &onset_hist(answer, bar_ticks)),
        longest_shared_run: longest_common_run(&intervals(call), &intervals(answer)),
    }
}

/// Share of notes that are tones of the chord sounding at their onset (0 with no notes).
pub fn chord_tone_rate(notes: &[Note], clock: &Clock) -> f64 {
    let with_chord: Vec<bool> = notes
        .iter()
        .filter_map(|n| {
            clock
                .chord_at(n.start)
                .map(|c| c.tones().contains(n.pitch.class()))
        })
        .collect();
    if with_chord.is_empty() {
        return 0.0;
    }
    with_chord.iter().filter(|&&t| t).count() as f64 / with_chord.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::Pitch;

    fn notes(keys: &[u8], start: Tick, step: Tick) -> Vec<Note> {
        keys.iter()
            .enumerate()
            .map(|(i, &k)| Note {
                start: start + i as Tick * step,
                dur: step,
                pitch: Pitch::new(k).unwrap(),
                velocity: 90,
            })
            .collect()
    }

    #[test]
    fn an_answer_that_restates_the_call_relates_fully() {
        let call = notes(&[60, 62, 64, 67, 65], 0, PPQ / 2);
        // The same figure a fourth up, a bar later: same intervals, same onsets in the bar.
        let same = notes(&[65, 67, 69, 72, 70], 4 * PPQ, PPQ / 2);
        let r = call_relation(&call, &same, 4 * PPQ);
        assert_eq!(r.interval_overlap, 1.0);
        assert_eq!(r.onset_overlap, 1.0);
        assert_eq!(r.longest_shared_run, 4);
        // Triplets and leaps: little in common.
        let other = notes(&[60, 70, 58, 75], 4 * PPQ + PPQ / 3, PPQ / 3);
        let r = call_relation(&call, &other, 4 * PPQ);
        assert!(r.interval_overlap < 0.01 && r.onset_overlap < 0.5, "{r:?}");
        assert_eq!(r.longest_shared_run, 0);
    }
}
