//! Development figures: how often a solo restates its own 4-interval figures, how many of
//! those restatements move to another pitch level, and how long its phrases run; all over
//! the first notes of each solo, so a long solo is not favoured.

use crate::music::{Note, PPQ, Tick};
use serde::Serialize;
use std::collections::HashMap;

/// Notes of each solo that are counted (the first ones).
pub const EQUAL_NOTES: usize = 200;
/// Intervals in a figure.
pub const FIGURE_LEN: usize = 4;
/// A silence of a beat or more ends a phrase.
pub const PHRASE_GAP: Tick = PPQ;

/// How a set of solos develops its figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MotifFigures {
    /// Share of 4-interval runs that recur later in the same solo (not overlapping).
    pub motif_recurrence: f64,
    /// Share of those recurring runs restated at another pitch level.
    pub sequence_share: f64,
    /// Median notes between rests of a beat or more.
    pub phrase_notes: f64,
}

/// Counts gathered over solos.
#[derive(Clone, Debug, Default)]
pub struct MotifTally {
    runs: usize,
    recurring: usize,
    sequenced: usize,
    phrases: Vec<usize>,
}

impl MotifTally {
    /// Adds one solo's notes (sorted by onset); only the first `EQUAL_NOTES` count.
    pub fn add(&mut self, notes: &[Note]) {
        let notes = &notes[..notes.len().min(EQUAL_NOTES)];
        let keys: Vec<i16> = notes.iter().map(|n| i16::from(n.pitch.key())).collect();
        let r = recurrences(&keys);
        self.runs += r.runs;
        self.recurring += r.recurring;
        self.sequenced += r.sequenced;
        self.phrases.extend(phrase_lengths(notes));
    }

    pub fn figures(&self) -> MotifFigures {
        let share = |k: usize, of: usize| if of == 0 { 0.0 } else { k as f64 / of as f64 };
        MotifFigures {
            motif_recurrence: share(self.recurring, self.runs),
            sequence_share: share(self.sequenced, self.recurring),
            phrase_notes: median(&self.phrases),
        }
    }
}

/// Runs of a line, those that recur later and those recurring at another pitch level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recurrences {
    pub runs: usize,
    pub recurring: usize,
    pub sequenced: usize,
}

/// The 4-interval runs of a line of keys: how many recur later without overlapping, and
/// how many of those recur at least once starting on another key.
pub fn recurrences(keys: &[i16]) -> Recurrences {
    let ints: Vec<i16> = keys.windows(2).map(|w| w[1] - w[0]).collect();
    let Some(n) = (ints.len() + 1).checked_sub(FIGURE_LEN) else {
        return Recurrences::default();
    };
    // Every start of each run, in order.
    let mut at: HashMap<&[i16], Vec<usize>> = HashMap::new();
    for i in 0..n {
        at.entry(&ints[i..i + FIGURE_LEN]).or_default().push(i);
    }
    let mut r = Recurrences {
        runs: n,
        ..Recurrences::default()
    };
    for i in 0..n {
        let later: Vec<usize> = at[&ints[i..i + FIGURE_LEN]]
            .iter()
            .copied()
            .filter(|&j| j >= i + FIGURE_LEN)
            .collect();
        if later.is_empty() {
            continue;
        }
        r.recurring += 1;
        if later.iter().any(|&j| keys[j] != keys[i]) {
            r.sequenced += 1;
        }
    }
    r
}

/// For each note of a line (sorted by onset), whether it belongs to a restatement: a
/// 4-interval run heard before, not overlapping its earlier statement.
pub fn restated(notes: &[Note]) -> Vec<bool> {
    let ints: Vec<i16> = notes
        .windows(2)
        .map(|w| i16::from(w[1].pitch.key()) - i16::from(w[0].pitch.key()))
        .collect();
    let mut out = vec![false; notes.len()];
    let mut first: HashMap<&[i16], usize> = HashMap::new();
    for i in 0..(ints.len() + 1).saturating_sub(FIGURE_LEN) {
        let run = &ints[i..i + FIGURE_LEN];
        match first.get(run) {
            Some(&j) if i >= j + FIGURE_LEN => out[i..=i + FIGURE_LEN].fill(true),
            Some(_) => {}
            None => {
                first.insert(run, i);
            }
        }
    }
    out
}

/// Notes per phrase, phrases split by silences of `PHRASE_GAP` or more.
pub fn phrase_lengths(notes: &[Note]) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut count, mut covered) = (0usize, None::<Tick>);
    for n in notes {
        if covered.is_some_and(|c| n.start >= c + PHRASE_GAP) {
            out.push(count);
            count = 0;
        }
        count += 1;
        covered = Some(covered.map_or(n.end(), |c| c.max(n.end())));
    }
    if count > 0 {
        out.push(count);
    }
    out
}

fn median(v: &[usize]) -> f64 {
    let mut s = v.to_vec();
    s.sort_unstable();
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2] as f64,
        n => (s[n / 2 - 1] + s[n / 2]) as f64 / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::Pitch;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Eighth notes on `keys`, with a beat's rest after every `phrase` notes (0: none).
    fn line(keys: &[i16], phrase: usize) -> Vec<Note> {
        let mut t = 0;
        keys.iter()
            .enumerate()
            .map(|(i, &k)| {
                if phrase > 0 && i > 0 && i % phrase == 0 {
                    t += PPQ;
                }
                let n = Note {
                    start: t,
                    dur: PPQ / 2,
                    pitch: Pitch::new(k as u8).unwrap(),
                    velocity: 90,
                };
                t += PPQ / 2;
                n
            })
            .collect()
    }

    fn figures(notes: &[Note]) -> MotifFigures {
        let mut t = MotifTally::default();
        t.add(notes);
        t.figures()
    }

    #[test]
    fn a_repeated_figure_recurs_at_the_same_level() {
        let fig = [60, 62, 64, 67, 65];
        let keys: Vec<i16> = (0..10).flat_map(|_| fig).collect();
        let f = figures(&line(&keys, 5));
        assert!(f.motif_recurrence > 0.8, "{f:?}");
        assert!(f.sequence_share < 0.05, "{f:?}");
        assert_eq!(f.phrase_notes, 5.0);
    }

    #[test]
    fn a_sequence_recurs_at_other_levels() {
        // The figure a step higher each time.
        let keys: Vec<i16> = (0..10)
            .flat_map(|k| [60, 62, 64, 67, 65].map(|x| x + 2 * (k % 6)))
            .collect();
        let f = figures(&line(&keys, 5));
        assert!(f.motif_recurrence > 0.8, "{f:?}");
        assert!(f.sequence_share > 0.9, "{f:?}");
    }

    #[test]
    fn a_random_walk_rarely_recurs() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut k = 64i16;
        let keys: Vec<i16> = (0..200)
            .map(|_| {
                k = (k + rng.random_range(-5..=5)).clamp(50, 80);
                k
            })
            .collect();
        let f = figures(&line(&keys, 0));
        assert!(f.motif_recurrence < 0.05, "{f:?}");
        assert_eq!(f.phrase_notes, 200.0);
    }

    #[test]
    fn a_restatement_is_marked_and_its_first_statement_is_not() {
        let keys = [60, 62, 64, 67, 65, 50, 53, 55, 57, 60, 58];
        let marks = restated(&line(&keys, 0));
        // The figure comes back a fifth lower from note 6.
        let want: Vec<bool> = (0..keys.len()).map(|i| i >= 6).collect();
        assert_eq!(marks, want);
    }

    #[test]
    fn only_the_first_notes_count_and_overlaps_do_not_recur() {
        // 200 notes of a walk, then the same figure many times: none of it counts.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut keys: Vec<i16> = (0..EQUAL_NOTES)
            .map(|_| 40 + rng.random_range(0..40))
            .collect();
        keys.extend((0..100).flat_map(|_| [60, 62, 64, 67, 65]));
        assert!(figures(&line(&keys, 0)).motif_recurrence < 0.05);
        // A repeated note: its runs overlap their neighbours, only later ones count.
        let r = recurrences(&[60; 9]);
        assert_eq!((r.runs, r.recurring, r.sequenced), (5, 1, 0));
        assert_eq!(recurrences(&[60, 61, 62]), Recurrences::default());
    }
}
