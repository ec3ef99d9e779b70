//! The soloist: phrases of chord tones on the beat, approach notes, enclosures, arpeggios and runs.

use crate::music::{Chord, ChordSpan, Note, PPQ, Pitch, PitchClass, Tick};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

const LOW: i32 = 53; // F3
const HIGH: i32 = 84; // C6
const U: Tick = PPQ / 12;

fn chord_at(spans: &[ChordSpan], t: Tick) -> Chord {
    let i = spans.partition_point(|c| c.start <= t);
    spans[..i.max(1)]
        .last()
        .map(|c| c.chord)
        .unwrap_or_else(|| "C7".parse().expect("a valid chord"))
}

/// Nearest key to `from` whose class is in the chord's tones, moving in `dir` when it can;
/// prefers the 3rd and 7th (guide tones) when `guide`.
fn target(chord: &Chord, from: i32, dir: i32, guide: bool) -> i32 {
    let iv = chord.quality().intervals();
    let guides: Vec<PitchClass> = iv
        .iter()
        .skip(1)
        .step_by(2)
        .map(|&i| chord.root.transpose(i as i32))
        .collect();
    let tones = chord.tones();
    (LOW..=HIGH)
        .filter(|&k| tones.contains(PitchClass::new(k)))
        .min_by_key(|&k| {
            let d = k - from;
            let wrong_way = if d * dir < 0 { 3 } else { 0 };
            let not_guide = if guide && !guides.contains(&PitchClass::new(k)) {
                2
            } else {
                0
            };
            d.abs() + wrong_way + not_guide + if d == 0 { 2 } else { 0 }
        })
        .unwrap_or(from)
}

/// The scale tone next to `k` in direction `dir`.
fn scale_step(chord: &Chord, k: i32, dir: i32) -> i32 {
    let scale = chord.scale();
    let mut n = k + dir;
    while !scale.contains(PitchClass::new(n)) {
        n += dir;
    }
    n
}

/// A solo over `spans` (all `bars` of them), from tick 0.
pub fn solo(spans: &[ChordSpan], end: Tick, rng: &mut ChaCha8Rng) -> Vec<Note> {
    let mut notes: Vec<Note> = Vec::new();
    let mut k: i32 = rng.random_range(62..72);
    let mut dir: i32 = if rng.random_bool(0.5) { 1 } else { -1 };
    let mut beat: Tick = if rng.random_bool(0.5) { 0 } else { PPQ };
    let mut motif: Option<Vec<(Tick, i32)>> = None;
    while beat + PPQ <= end {
        // A phrase of 3 to 14 beats, then a breath.
        let len = rng.random_range(3..=14);
        let mut phrase: Vec<(Tick, i32)> = Vec::new(); // (offset from phrase start, interval from its first note)
        let phrase_start = beat;
        let first_k = k;
        for i in 0..len {
            if beat + PPQ > end {
                break;
            }
            let chord = chord_at(spans, beat);
            let next = chord_at(spans, beat + PPQ);
            let changed = i == 0 || chord_at(spans, beat.saturating_sub(1)) != chord;
            if k <= LOW + 4 {
                dir = 1;
            } else if k >= HIGH - 4 {
                dir = -1;
            } else if rng.random_bool(0.18) {
                dir = -dir;
            }
            let t = target(&chord, k, dir, changed);
            let last = i + 1 == len;
            let cell: &[u32] = if last {
                if rng.random_bool(0.5) { &[12] } else { &[24] }
            } else {
                match rng.random_range(0..100) {
                    0..58 => &[6, 6],
                    58..74 => &[4, 4, 4],
                    74..88 => &[12],
                    _ => &[3, 3, 6],
                }
            };
            let next_t = target(&next, t + dir * 2, dir, next != chord);
            let mut line = vec![t];
            match cell.len() {
                2 => line.push(if rng.random_bool(0.45) {
                    next_t - dir.signum() // chromatic approach from a half step away
                } else {
                    scale_step(&chord, t, if next_t >= t { 1 } else { -1 })
                }),
                3 if rng.random_bool(0.5) => {
                    // Enclosure of the next target: scale step above, half step below.
                    line.push(scale_step(&next, next_t, 1));
                    line.push(next_t - 1);
                }
                3 => {
                    // Arpeggio up or down the chord.
                    let a = target(&chord, t + dir, dir, false);
                    line.push(a);
                    line.push(target(&chord, a + dir, dir, false));
                }
                _ => {}
            }
            let mut at = beat;
            for (j, &u) in cell.iter().enumerate() {
                let key = line.get(j).copied().unwrap_or(t).clamp(LOW, HIGH);
                let dur = if last {
                    u * U
                } else {
                    (u * U).saturating_sub(if rng.random_bool(0.2) { U } else { 0 })
                };
                let off_beat = at != beat;
                let vel = if off_beat && rng.random_bool(0.3) {
                    100
                } else if rng.random_bool(0.1) {
                    62
                } else {
                    84
                };
                notes.push(Note {
                    start: at,
                    dur: dur.max(U),
                    pitch: Pitch::clamped(key),
                    velocity: vel,
                });
                phrase.push((at - phrase_start, key - first_k));
                at += u * U;
                k = key;
            }
            beat += (cell.iter().sum::<u32>() * U).max(PPQ);
        }
        // Sometimes the next phrase restates this one's shape over the new chord.
        let repeat = motif.take().filter(|_| rng.random_bool(0.35));
        if let Some(m) = repeat {
            let start = beat + PPQ;
            let chord = chord_at(spans, start);
            let base = target(&chord, k, -dir, true);
            for (off, iv) in m.into_iter().take(6) {
                let t = start + off;
                if t + PPQ / 2 > end {
                    break;
                }
                let key = (base + iv).clamp(LOW, HIGH);
                notes.push(Note {
                    start: t,
                    dur: PPQ / 2 - U,
                    pitch: Pitch::clamped(key),
                    velocity: 84,
                });
                k = key;
                beat = t + PPQ / 2;
            }
            beat = beat.div_ceil(PPQ) * PPQ;
        } else {
            motif = Some(phrase);
        }
        // Breathe: one to three beats, sometimes ending on an eighth pickup.
        beat += PPQ * rng.random_range(1..=3);
        if rng.random_bool(0.3) && beat + PPQ <= end {
            let chord = chord_at(spans, beat + PPQ);
            let t = target(&chord, k, dir, true);
            notes.push(Note {
                start: beat + PPQ / 2,
                dur: PPQ / 2,
                pitch: Pitch::clamped(t - 1),
                velocity: 80,
            });
            k = t - 1;
            beat += PPQ;
        }
    }
    notes.sort_by_key(|n| n.start);
    // Keep it monophonic: each note ends by the next onset.
    for i in 1..notes.len() {
        let next = notes[i].start;
        let prev = &mut notes[i - 1];
        if prev.end() > next {
            prev.dur = (next - prev.start).max(1);
        }
    }
    notes.retain(|n| n.start < end);
    if let Some(last) = notes.last_mut() {
        last.dur = last.dur.min(end - last.start);
    }
    notes
}
