//! Melody events for the conditioned model: each note or rest as a pitch and a grid duration,
//! and what sounds around its onset (chord, next chord, place in the bar) as input features.

use super::rhythm::{LENGTHS, UNIT, melody_line};
use crate::music::{Chord, ChordSpan, PPQ, Pitch, Score, Tick, TimeSig};
use serde::{Deserialize, Serialize};

/// The lowest and highest MIDI keys the pitch vocabulary holds; notes outside fold in by octaves.
pub const LOW: u8 = 36;
pub const HIGH: u8 = 96;
/// Pitch classes of the output: 0 is a rest, `1 + key - LOW` a note.
pub const N_PITCH: usize = (HIGH - LOW) as usize + 2;
/// Duration classes: the grid's single-token lengths, longest first (`rhythm::LENGTHS`).
pub const N_DUR: usize = LENGTHS.len();

/// Distances to the next chord, in beats: at most 0.5, 1, 2, 4, 8, more.
const DIST_BUCKETS: [f64; 5] = [0.5, 1.0, 2.0, 4.0, 8.0];

/// Where each group of features sits in the input vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureLayout {
    /// Chord at the onset: root one-hot (12), tones relative to the root (12), absolute
    /// chroma (12), "no chord" (1).
    pub chord: usize,
    /// The next chord, laid out the same way.
    pub next_chord: usize,
    /// Distance to the next chord, one-hot over buckets (6).
    pub distance: usize,
    /// Beat of the bar, one-hot 0..7 (the last slot holds beats 8 and later) (8).
    pub beat: usize,
    /// Position in the bar as a fraction (1).
    pub bar_fraction: usize,
    /// Position inside the beat in grid units, one-hot 0..11 (12).
    pub sub_beat: usize,
    /// V2: place in the form (`form::Form`): fraction of the chorus (1), bar of its
    /// four-bar group one-hot (4), chorus number one-hot 0..3, the last slot for later ones
    /// (4).
    #[serde(default)]
    pub form: Option<usize>,
    /// V2: the phrase so far (`form::LineState`): beats since it began, one-hot over
    /// none (a phrase break), ≤1, ≤2, ≤4, ≤8, ≤16, more (7); its notes, one-hot over none,
    /// ≤2, ≤4, ≤8, ≤16, more (6).
    #[serde(default)]
    pub line: Option<usize>,
    pub len: usize,
}

const CHORD_WIDTH: usize = 37;

impl FeatureLayout {
    pub const V1: FeatureLayout = FeatureLayout {
        chord: 0,
        next_chord: CHORD_WIDTH,
        distance: 2 * CHORD_WIDTH,
        beat: 2 * CHORD_WIDTH + 6,
        bar_fraction: 2 * CHORD_WIDTH + 14,
        sub_beat: 2 * CHORD_WIDTH + 15,
        form: None,
        line: None,
        len: 2 * CHORD_WIDTH + 27,
    };

    /// V1 and where the line is in the form and in its phrase.
    pub const V2: FeatureLayout = FeatureLayout {
        form: Some(FeatureLayout::V1.len),
        line: Some(FeatureLayout::V1.len + super::form::FORM_WIDTH),
        len: FeatureLayout::V1.len + super::form::FORM_WIDTH + super::form::LINE_WIDTH,
        ..FeatureLayout::V1
    };

    /// The layouts this build reads, by name.
    pub const ALL: [(&'static str, FeatureLayout); 2] =
        [("v1", FeatureLayout::V1), ("v2", FeatureLayout::V2)];

    /// The column ranges whose entries come and go together: the chord, the next chord,
    /// the place in the bar, and V2's form and phrase. A batch holds few distinct values
    /// of each where its whole rows are nearly all distinct, so training multiplies each
    /// group's distinct values by the feature kernel once.
    pub fn groups(&self) -> Vec<std::ops::Range<usize>> {
        let mut cuts = vec![0, self.next_chord, self.distance];
        cuts.extend(self.form);
        cuts.extend(self.line);
        cuts.push(self.len);
        cuts.windows(2).map(|c| c[0]..c[1]).collect()
    }

    /// The groups of feature rows `n_feat` wide: its layout's, else the whole row as one.
    pub fn groups_of_width(n_feat: usize) -> Vec<std::ops::Range<usize>> {
        FeatureLayout::ALL
            .iter()
            .find(|(_, l)| l.len == n_feat)
            .map_or_else(|| std::iter::once(0..n_feat).collect(), |(_, l)| l.groups())
    }

    pub fn name(&self) -> &'static str {
        FeatureLayout::ALL
            .iter()
            .find(|(_, l)| l == self)
            .map_or("unknown", |(n, _)| n)
    }
}

impl std::str::FromStr for FeatureLayout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FeatureLayout::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|(_, l)| *l)
            .ok_or_else(|| format!("unknown feature layout {s:?} (v1 or v2)"))
    }
}

impl Default for FeatureLayout {
    fn default() -> Self {
        FeatureLayout::V1
    }
}

/// Number of features per step in the current layout.
pub const N_FEAT: usize = FeatureLayout::V1.len;

/// One melody event: a note (`Some(key)`) or a rest, `units` grid units long from `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub pitch: Option<u8>,
    pub start: Tick,
    pub units: u32,
}

/// The output class of a pitch (0 = rest); keys outside LOW..=HIGH fold in by octaves.
pub fn pitch_index(pitch: Option<u8>) -> usize {
    match pitch {
        None => 0,
        Some(k) => {
            let mut k = k as i32;
            while k < LOW as i32 {
                k += 12;
            }
            while k > HIGH as i32 {
                k -= 12;
            }
            1 + (k - LOW as i32) as usize
        }
    }
}

/// The key of a pitch class (`None` for the rest).
pub fn pitch_of(index: usize) -> Option<u8> {
    (index > 0 && index < N_PITCH).then(|| LOW + (index - 1) as u8)
}

/// The duration class of a grid length (the nearest single-token length).
pub fn dur_index(units: u32) -> usize {
    (0..N_DUR)
        .min_by_key(|&i| (LENGTHS[i] as i64 - units as i64).abs())
        .unwrap_or(0)
}

pub fn units_of(index: usize) -> u32 {
    LENGTHS.get(index).copied().unwrap_or(UNIT)
}

/// A score's melody as events.
pub fn encode(score: &Score) -> Vec<Event> {
    melody_line(score)
        .into_iter()
        .map(|s| Event {
            pitch: s.pitch.map(Pitch::key),
            start: s.start,
            units: s.units,
        })
        .collect()
}

/// The harmony and meter of a piece, asked at any tick: what the network is told each step.
#[derive(Clone, Debug, PartialEq)]
pub struct Clock {
    /// Sorted, non-overlapping.
    pub chords: Vec<ChordSpan>,
    /// Sorted by tick, the first at 0; meter changes fall on bar lines.
    pub time_sigs: Vec<TimeSig>,
}

impl Clock {
    pub fn of_score(score: &Score) -> Clock {
        Clock {
            chords: score.chords.clone(),
            time_sigs: if score.time_sigs.is_empty() {
                Score::new("", 120.0).time_sigs
            } else {
                score.time_sigs.clone()
            },
        }
    }

    /// Chord spans in a constant meter whose bar is `bar_ticks` long.
    pub fn new(chords: Vec<ChordSpan>, bar_ticks: Tick) -> Clock {
        let (num, den) = if bar_ticks.is_multiple_of(PPQ) {
            ((bar_ticks / PPQ).clamp(1, 32), 4)
        } else {
            ((bar_ticks / (PPQ / 2)).clamp(1, 32), 8)
        };
        Clock {
            chords,
            time_sigs: vec![TimeSig {
                tick: 0,
                num: num as u8,
                den,
            }],
        }
    }

    /// The chord sounding at `tick`.
    pub fn chord_at(&self, tick: Tick) -> Option<Chord> {
        let i = self.chords.partition_point(|c| c.start <= tick);
        self.chords[..i]
            .last()
            .filter(|c| c.end() > tick)
            .map(|c| c.chord)
    }

    /// The next chord change after `tick` and how many ticks away it is.
    fn next_chord(&self, tick: Tick) -> Option<(Chord, Tick)> {
        let i = self.chords.partition_point(|c| c.start <= tick);
        self.chords.get(i).map(|c| (c.chord, c.start - tick))
    }

    /// (beat of the bar, ticks into the beat, fraction of the bar) at `tick`.
    pub fn position(&self, tick: Tick) -> (usize, Tick, f32) {
        let i = self.time_sigs.partition_point(|t| t.tick <= tick).max(1);
        let ts = self.time_sigs[i - 1];
        let bar = ts.bar_ticks().max(1);
        let beat = (PPQ * 4 / ts.den.max(1) as u32).max(1);
        let in_bar = (tick - ts.tick.min(tick)) % bar;
        (
            (in_bar / beat) as usize,
            in_bar % beat,
            in_bar as f32 / bar as f32,
        )
    }

    /// Whether `tick` falls on a beat.
    pub fn on_beat(&self, tick: Tick) -> bool {
        self.position(tick).1 == 0
    }

    /// V1's features of an event starting at `tick`, written into `out` (at least N_FEAT
    /// long; the whole of `out` is cleared first, so later groups start from zero).
    pub fn features(&self, tick: Tick, out: &mut [f32]) {
        let l = FeatureLayout::V1;
        out.iter_mut().for_each(|v| *v = 0.0);
        chord_features(self.chord_at(tick), &mut out[l.chord..l.next_chord]);
        let next = self.next_chord(tick);
        chord_features(next.map(|n| n.0), &mut out[l.next_chord..l.distance]);
        let beats = next.map_or(f64::INFINITY, |n| n.1 as f64 / PPQ as f64);
        let bucket = DIST_BUCKETS
            .iter()
            .position(|&b| beats <= b)
            .unwrap_or(DIST_BUCKETS.len());
        out[l.distance + bucket] = 1.0;
        let (beat, into, frac) = self.position(tick);
        out[l.beat + beat.min(7)] = 1.0;
        out[l.bar_fraction] = frac;
        out[l.sub_beat + ((into / UNIT) as usize).min(11)] = 1.0;
    }
}

fn chord_features(chord: Option<Chord>, out: &mut [f32]) {
    let Some(c) = chord else {
        out[36] = 1.0;
        return;
    };
    let root = c.root.index() as usize;
    out[root] = 1.0;
    for pc in c.tones().iter() {
        out[12 + c.root.interval_to(pc) as usize] = 1.0;
        out[24 + pc.index() as usize] = 1.0;
    }
}

/// The score moved by `semitones`: melody, chords (other tracks are left alone).
pub fn transpose(score: &Score, semitones: i32) -> Score {
    let mut s = score.clone();
    if let Some(m) = s
        .tracks
        .iter_mut()
        .find(|t| t.role == crate::music::Role::Melody)
    {
        for n in &mut m.notes {
            n.pitch = Pitch::clamped(n.pitch.key() as i32 + semitones);
        }
    }
    for c in &mut s.chords {
        c.chord = c.chord.transpose(semitones);
    }
    s
}

/// Key augmentation: the score in all twelve keys (shifts -5..=6, the original first).
pub fn augment_keys(score: &Score) -> Vec<Score> {
    std::iter::once(0)
        .chain((-5..=6).filter(|&k| k != 0))
        .map(|k| transpose(score, k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{PitchClass, Quality};

    fn span(start: Tick, beats: u32, chord: &str) -> ChordSpan {
        ChordSpan {
            start,
            dur: beats * PPQ,
            chord: chord.parse().unwrap(),
        }
    }

    #[test]
    fn feature_groups_tile_every_layout_and_keep_each_part_whole() {
        for (name, l) in FeatureLayout::ALL {
            let g = l.groups();
            assert_eq!(g.first().map(|r| r.start), Some(0), "{name}");
            assert_eq!(g.last().map(|r| r.end), Some(l.len), "{name}");
            assert!(
                g.windows(2)
                    .all(|w| w[0].end == w[1].start && !w[0].is_empty()),
                "{name}: {g:?}"
            );
            assert!(g.contains(&(l.chord..l.next_chord)), "{name}");
            assert!(g.contains(&(l.next_chord..l.distance)), "{name}");
            let bar = [l.distance, l.beat, l.bar_fraction, l.sub_beat];
            assert!(
                g.iter().any(|r| bar.iter().all(|c| r.contains(c))),
                "{name}: the place in the bar is one group"
            );
            assert_eq!(FeatureLayout::groups_of_width(l.len), g);
        }
        assert_eq!(
            FeatureLayout::groups_of_width(7),
            [std::ops::Range { start: 0, end: 7 }]
        );
    }

    #[test]
    fn features_name_the_chord_the_next_chord_and_the_beat() {
        let clock = Clock::new(vec![span(0, 4, "G7"), span(4 * PPQ, 4, "Cmaj7")], 4 * PPQ);
        let l = FeatureLayout::V1;
        let mut f = vec![0.0; N_FEAT];
        clock.features(PPQ * 2 + PPQ / 2, &mut f);
        assert_eq!(f[l.chord + 7], 1.0, "root G");
        let rel: Vec<usize> = (0..12).filter(|&i| f[l.chord + 12 + i] == 1.0).collect();
        assert_eq!(rel, vec![0, 4, 7, 10], "a dominant seventh from its root");
        let abs: Vec<usize> = (0..12).filter(|&i| f[l.chord + 24 + i] == 1.0).collect();
        assert_eq!(abs, vec![2, 5, 7, 11]);
        assert_eq!(f[l.next_chord], 1.0, "next root C");
        assert_eq!(f[l.distance + 2], 1.0, "1.5 beats away: the <=2 bucket");
        assert_eq!(f[l.beat + 2], 1.0, "third beat");
        assert_eq!(f[l.sub_beat + 6], 1.0, "an eighth into the beat");
        assert!((f[l.bar_fraction] - 0.625).abs() < 1e-6);
        // Past the last chord: nothing sounds, nothing comes.
        clock.features(9 * PPQ, &mut f);
        assert_eq!(f[l.chord + 36], 1.0);
        assert_eq!(f[l.next_chord + 36], 1.0);
        assert_eq!(f[l.distance + 5], 1.0);
    }

    #[test]
    fn any_meter_counts_its_own_beats() {
        // 3/4, then 6/8 from bar 3.
        let clock = Clock {
            chords: Vec::new(),
            time_sigs: vec![
                TimeSig {
                    tick: 0,
                    num: 3,
                    den: 4,
                },
                TimeSig {
                    tick: 6 * PPQ,
                    num: 6,
                    den: 8,
                },
            ],
        };
        assert_eq!(
            clock.position(3 * PPQ + PPQ).0,
            1,
            "3/4: second beat of bar 2"
        );
        assert_eq!(
            clock.position(6 * PPQ + 5 * PPQ / 2).0,
            5,
            "6/8: sixth eighth"
        );
        assert_eq!(clock.position(6 * PPQ + 3 * PPQ).0, 0, "6/8: next bar");
        assert_eq!(Clock::new(Vec::new(), 7 * PPQ / 2).time_sigs[0].num, 7);
    }

    #[test]
    fn pitches_and_durations_round_trip_and_fold_into_range() {
        assert_eq!(pitch_index(None), 0);
        for k in LOW..=HIGH {
            assert_eq!(pitch_of(pitch_index(Some(k))), Some(k));
        }
        assert_eq!(pitch_of(pitch_index(Some(LOW - 1))), Some(LOW + 11));
        assert_eq!(pitch_of(pitch_index(Some(HIGH + 2))), Some(HIGH - 10));
        for (i, &u) in LENGTHS.iter().enumerate() {
            assert_eq!(dur_index(u), i);
            assert_eq!(units_of(i), u);
        }
    }

    #[test]
    fn augmentation_moves_melody_and_chords_together() {
        let mut s = Score::new("t", 120.0);
        let mut m = crate::music::Track::new("m", crate::music::Role::Melody, 0, 0);
        m.notes.push(crate::music::Note {
            start: 0,
            dur: PPQ,
            pitch: Pitch::new(64).unwrap(),
            velocity: 90,
        });
        s.tracks.push(m);
        s.chords.push(span(0, 4, "C"));
        let all = augment_keys(&s);
        assert_eq!(all.len(), 12);
        assert_eq!(all[0], s);
        let roots: std::collections::BTreeSet<u8> =
            all.iter().map(|a| a.chords[0].chord.root.index()).collect();
        assert_eq!(roots.len(), 12);
        for a in &all {
            let c = a.chords[0].chord;
            assert_eq!(c.quality(), Quality::Maj);
            let e = encode(a);
            let pc = PitchClass::new(e[0].pitch.unwrap() as i32);
            assert_eq!(c.root.interval_to(pc), 4, "still the third");
        }
    }
}
