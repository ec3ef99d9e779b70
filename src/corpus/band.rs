//! The rhythm section: comping voicings and a walking bass over chord spans, for any solo.

use crate::music::{Chord, ChordSpan, Note, PPQ, Pitch, PitchClass, Role, Tick, Track};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const EIGHTH: Tick = PPQ / 2;

/// Rootless voicing pitch classes: 3rd and 7th (6th), then the 9th or 5th.
fn voicing_classes(chord: &Chord) -> Vec<PitchClass> {
    let iv = chord.quality().intervals();
    let root = chord.root;
    let mut out: Vec<PitchClass> = iv
        .iter()
        .skip(1)
        .map(|&i| root.transpose(i as i32))
        .collect();
    if iv.len() == 3 {
        // Triads get the 6th or 7th of their scale for colour.
        let scale = chord.quality().scale_intervals();
        if let Some(&s) = scale.get(5) {
            out.push(root.transpose(s as i32));
        }
    }
    out
}

/// Places pitch classes between E3 and C5, each near where the previous voicing was.
fn voice(classes: &[PitchClass], prev_centre: i32) -> Vec<Pitch> {
    let mut out: Vec<Pitch> = classes
        .iter()
        .map(|pc| {
            let base = pc.index() as i32 + 48;
            let k = [base, base + 12]
                .into_iter()
                .filter(|k| (52..=72).contains(k))
                .min_by_key(|k| (k - prev_centre).abs())
                .unwrap_or(base + 12);
            Pitch::clamped(k)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Electric-piano comping: a rootless voicing per chord, struck on the change (sometimes an
/// eighth early) and again in a Charleston figure when the chord lasts a bar or more.
pub fn comping_track(spans: &[ChordSpan], seed: u64) -> Track {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xC0FF);
    let mut track = Track::new("Comping", Role::Chords, 1, 4);
    let mut centre = 62;
    for span in spans {
        let pitches = voice(&voicing_classes(&span.chord), centre);
        centre = pitches.iter().map(|p| p.key() as i32).sum::<i32>() / pitches.len().max(1) as i32;
        let mut hits: Vec<(Tick, Tick)> = Vec::new();
        let early = span.start >= EIGHTH && rng.random_bool(0.3);
        let first = if early {
            span.start - EIGHTH
        } else {
            span.start
        };
        hits.push((first, (PPQ + PPQ / 2).min(span.end() - first)));
        if span.dur >= PPQ * 4 {
            // The Charleston's answer on the "and" of two.
            hits.push((span.start + PPQ + EIGHTH, EIGHTH));
        }
        if span.dur >= PPQ * 8 {
            hits.push((span.start + PPQ * 4, PPQ * 2));
        }
        for (start, dur) in hits {
            let vel = rng.random_range(58..76);
            for &p in &pitches {
                track.notes.push(Note {
                    start,
                    dur: dur.max(EIGHTH / 2),
                    pitch: p,
                    velocity: vel,
                });
            }
        }
    }
    track.sort();
    track
}

/// Nearest key of `pc` to `near` within E1..D3.
fn bass_key(pc: PitchClass, near: i32) -> i32 {
    (28..=50)
        .filter(|k| PitchClass::new(*k) == pc)
        .min_by_key(|k| (k - near).abs())
        .unwrap_or(36)
}

/// A walking bass: the root on each change, chord and scale tones between, and a chromatic
/// or fifth approach into the next root.
pub fn bass_track(spans: &[ChordSpan], seed: u64) -> Track {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xBA55);
    let mut track = Track::new("Bass", Role::Bass, 2, 32);
    let mut last = 40;
    for (i, span) in spans.iter().enumerate() {
        let beats = (span.dur / PPQ).max(1);
        let root = bass_key(span.chord.bass_note(), last);
        let next_root = spans
            .get(i + 1)
            .map(|n| bass_key(n.chord.bass_note(), root))
            .unwrap_or(root);
        let tones: Vec<i32> = span
            .chord
            .tones()
            .iter()
            .map(|pc| bass_key(pc, root))
            .collect();
        let mut key = root;
        for b in 0..beats {
            let start = span.start + b * PPQ;
            if b > 0 {
                key = if b == beats - 1 && spans.get(i + 1).is_some() {
                    // Lead into the next root by a half step, or from its fifth.
                    if rng.random_bool(0.65) {
                        next_root + if rng.random_bool(0.5) { 1 } else { -1 }
                    } else {
                        bass_key(PitchClass::new(next_root + 7), next_root)
                    }
                } else {
                    let t = tones[rng.random_range(0..tones.len())];
                    if t == key {
                        tones[(tones.iter().position(|&x| x == t).unwrap_or(0) + 1) % tones.len()]
                    } else {
                        t
                    }
                };
            }
            let vel = if b % 2 == 0 { 88 } else { 78 };
            track.notes.push(Note {
                start,
                dur: PPQ - PPQ / 12,
                pitch: Pitch::clamped(key.clamp(26, 52)),
                velocity: vel,
            });
        }
        last = key;
    }
    track.sort();
    track
}
