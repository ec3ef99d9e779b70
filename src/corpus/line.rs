//! The soloist: chord tones on the strong beats; scale lines, chromatic runs, altered tensions between.

use crate::music::{Chord, ChordSpan, Note, PPQ, Pitch, PitchClass, Tick};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A twelfth of a beat: sixteenths are 3, triplet eighths 4, eighths 6.
const U: Tick = PPQ / 12;

/// Who plays: the instrument's comfortable solo register (MIDI keys, concert pitch) and
/// the tempo, which decides how often the line breaks into sixteenths.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Voice {
    pub low: i32,
    pub high: i32,
    pub bpm: f64,
}

fn chord_at(spans: &[ChordSpan], t: Tick) -> Chord {
    let i = spans.partition_point(|c| c.start <= t);
    spans[..i.max(1)]
        .last()
        .map(|c| c.chord)
        .unwrap_or_else(|| "C7".parse().expect("a valid chord"))
}

/// A dominant seventh (major third and minor seventh over the root): altered tensions fit.
fn is_dominant(chord: &Chord) -> bool {
    let t = chord.tones();
    t.contains(chord.root.transpose(4)) && t.contains(chord.root.transpose(10))
}

/// Pitch classes of the colour tones a player adds to the chord: on a dominant the altered
/// ones (b9, #9, #11, b13), elsewhere the 9th and 13th (11th on minor chords).
fn tensions(chord: &Chord) -> Vec<PitchClass> {
    let t = chord.tones();
    let ivs: &[i32] = if is_dominant(chord) {
        &[1, 3, 6, 8]
    } else if t.contains(chord.root.transpose(3)) {
        &[2, 5]
    } else {
        &[2, 9]
    };
    ivs.iter()
        .map(|&i| chord.root.transpose(i))
        .filter(|pc| !t.contains(*pc))
        .collect()
}

impl Voice {
    /// Nearest key to `from` whose class is a chord tone, moving in `dir` when it can;
    /// prefers the 3rd and 7th (guide tones) when `guide`.
    fn target(&self, chord: &Chord, from: i32, dir: i32, guide: bool) -> i32 {
        let root = chord.root;
        let tones = chord.tones();
        let is_guide = |pc: PitchClass| {
            let iv = root.interval_to(pc);
            matches!(iv, 3 | 4 | 9 | 10 | 11)
        };
        (self.low..=self.high)
            .filter(|&k| tones.contains(PitchClass::new(k)))
            .min_by_key(|&k| {
                let d = k - from;
                let wrong_way = if d * dir < 0 { 3 } else { 0 };
                let not_guide = if guide && !is_guide(PitchClass::new(k)) {
                    2
                } else {
                    0
                };
                d.abs() + wrong_way + not_guide + if d == 0 { 6 } else { 0 }
            })
            .unwrap_or(from)
    }

    /// The nearest colour tone (see `tensions`) to `from`, on the `dir` side when it can.
    fn tension(&self, chord: &Chord, from: i32, dir: i32) -> i32 {
        let ts = tensions(chord);
        (self.low..=self.high)
            .filter(|&k| ts.contains(&PitchClass::new(k)) && k != from)
            .min_by_key(|&k| (k - from).abs() + if (k - from) * dir < 0 { 2 } else { 0 })
            .unwrap_or(from)
    }

    /// Into the register by octaves (the note keeps its place in the harmony), so a line
    /// that runs past an edge turns up an octave away instead of piling onto the edge.
    fn clamp(&self, k: i32) -> i32 {
        let mut k = k;
        while k > self.high {
            k -= 12;
        }
        while k < self.low {
            k += 12;
        }
        k.min(self.high)
    }

    /// Turn around before the line runs into the edge of the register.
    fn steer(&self, k: i32, dir: i32) -> i32 {
        if k <= self.low + 5 {
            1
        } else if k >= self.high - 5 {
            -1
        } else {
            dir
        }
    }
}

/// The scale tone next to `k` in direction `dir`.
fn scale_step(chord: &Chord, k: i32, dir: i32) -> i32 {
    let scale = chord.scale();
    let mut n = k + dir;
    while !scale.contains(PitchClass::new(n)) && (n - k).abs() < 3 {
        n += dir;
    }
    n
}

/// One beat (or two) of the line: the rhythm in twelfths of a beat and the keys.
struct Cell {
    rhythm: Vec<u32>,
    keys: Vec<i32>,
    /// The first note waits an eighth (an anticipation of the next beat).
    late: bool,
}

/// Where the line is at the start of a beat.
struct Here {
    chord: Chord,
    next: Chord,
    strong: bool,
    /// The previous key, the target chord tone for this beat, and the next beat's target.
    k: i32,
    t: i32,
    next_t: i32,
    dir: i32,
}

/// Chooses and fills the cell for the beat at `beat`, starting from key `k`.
fn cell(
    v: &Voice,
    spans: &[ChordSpan],
    beat: Tick,
    k: i32,
    dir: i32,
    last: bool,
    rng: &mut ChaCha8Rng,
) -> Cell {
    let chord = chord_at(spans, beat);
    let next = chord_at(spans, beat + PPQ);
    let strong = beat.is_multiple_of(PPQ * 2);
    let changed = chord_at(spans, beat.saturating_sub(1)) != chord;
    let t = v.target(&chord, k, dir, changed || strong);
    let next_t = v.target(&next, t + dir * 2, dir, next != chord);
    // A line often starts a beat on a passing or colour tone: off the strong beats half
    // the time, on them now and then (a 9th, or an altered tension on a dominant).
    let colour = rng.random_range(0..20);
    let t = if last {
        t
    } else if strong {
        if colour < 7 {
            v.tension(&chord, k, dir)
        } else {
            t
        }
    } else if colour < 7 {
        scale_step(&chord, k, dir)
    } else if colour < 13 {
        v.tension(&chord, k, dir)
    } else {
        t
    };
    if last {
        let long = if rng.random_bool(0.5) { 12 } else { 24 };
        return Cell {
            rhythm: vec![long],
            keys: vec![t],
            late: false,
        };
    }
    let here = Here {
        chord,
        next,
        strong,
        k,
        t,
        next_t,
        dir,
    };
    let (rhythm, keys) = figure(v, &here, rng);
    let late = strong && rhythm == [12] && rng.random_bool(0.4);
    Cell {
        rhythm,
        keys: keys.into_iter().map(|x| v.clamp(x)).collect(),
        late,
    }
}

/// The figure a beat gets: its rhythm (twelfths of a beat) and keys.
fn figure(v: &Voice, h: &Here, rng: &mut ChaCha8Rng) -> (Vec<u32>, Vec<i32>) {
    let Here {
        chord,
        next,
        strong,
        k,
        t,
        next_t,
        dir,
    } = *h;
    // Sixteenth runs are commoner at slower tempos (double time on a ballad).
    let sixteenths = ((260.0 - v.bpm) / 10.0).clamp(6.0, 16.0) as u32;
    let roll = rng.random_range(0..100u32);
    if !strong && roll < 20 {
        // A line carried through the weak beat: no new target, it passes on by half step
        // or by scale step.
        let a = if rng.random_bool(0.4) {
            k + dir
        } else {
            scale_step(&chord, k, dir)
        };
        (vec![6, 6], vec![a, scale_step(&chord, a, dir)])
    } else if (20..20 + sixteenths).contains(&roll) {
        (vec![3, 3, 3, 3], run(v, &chord, t, next_t, dir, rng))
    } else if roll < 50 {
        (vec![6, 6], vec![t, second(v, h, rng)])
    } else if roll < 56 {
        if rng.random_bool(0.5) {
            // Enclosure of the next target: scale step above, half step below.
            let above = scale_step(&next, next_t, 1);
            (vec![4, 4, 4], vec![t, above, next_t - 1])
        } else {
            let a = v.target(&chord, t + dir, dir, false);
            let b = v.target(&chord, a + dir, dir, false);
            (vec![4, 4, 4], vec![t, a, b])
        }
    } else if roll < 59 {
        let step = scale_step(&chord, t, dir);
        (vec![3, 3, 6], vec![t, step, next_t - dir])
    } else if roll < 68 {
        // A leap to a chord tone a fourth to a sixth away, then on from there.
        (
            vec![6, 6],
            vec![t, v.target(&chord, t + dir * 6, dir, false)],
        )
    } else if roll < 95 {
        // A quarter note; off the strong beats often a colour or passing tone.
        let key = match rng.random_range(0..10) {
            0..2 if !strong => v.tension(&chord, k, dir),
            2..4 if !strong => scale_step(&chord, k, dir),
            _ => t,
        };
        (vec![12], vec![key])
    } else {
        // Held: a tension over the chord (on a dominant an altered one), resolving late.
        (vec![18, 6], vec![v.tension(&chord, t, dir), t])
    }
}

/// The second eighth after the beat's target: a chromatic approach to the next target, a
/// colour tone, a scale step or a skip to the next chord tone.
fn second(v: &Voice, h: &Here, rng: &mut ChaCha8Rng) -> i32 {
    let (t, next_t, dir) = (h.t, h.next_t, h.dir);
    match rng.random_range(0..20) {
        0..5 => next_t - dir.signum(),
        5..9 => v.tension(&h.chord, t, dir),
        9..18 => scale_step(&h.chord, t, if next_t >= t { 1 } else { -1 }),
        _ => v.target(&h.chord, t + dir * 3, dir, false),
    }
}

/// Four sixteenths from `t` towards `next_t`: a scale run, a chromatic run into the
/// target, or (on a dominant) a run through its altered tensions.
fn run(v: &Voice, chord: &Chord, t: i32, next_t: i32, dir: i32, rng: &mut ChaCha8Rng) -> Vec<i32> {
    let dir = v.steer(t, dir);
    match rng.random_range(0..10) {
        0..6 => {
            let mut keys = vec![t];
            for _ in 0..3 {
                let last = *keys.last().unwrap_or(&t);
                keys.push(scale_step(chord, last, dir));
            }
            keys
        }
        6..8 => {
            // Chromatic: the target, then half steps closing in on the next target.
            let from = if next_t >= t { -1 } else { 1 };
            vec![t, next_t + 3 * from, next_t + 2 * from, next_t + from]
        }
        _ if is_dominant(chord) => {
            let b9 = v.tension(chord, t, dir);
            vec![t, b9, v.tension(chord, b9, dir), next_t + dir.signum()]
        }
        _ => {
            let a = v.target(chord, t + dir, dir, false);
            let b = v.target(chord, a + dir, dir, false);
            vec![t, a, b, scale_step(chord, b, dir)]
        }
    }
}

/// A solo over `spans` (all `bars` of them), from tick 0, in `voice`'s register.
pub fn solo(spans: &[ChordSpan], end: Tick, voice: Voice, rng: &mut ChaCha8Rng) -> Vec<Note> {
    let mut notes: Vec<Note> = Vec::new();
    let mid = (voice.low + voice.high) / 2;
    let mut k: i32 = rng.random_range(mid - 5..mid + 5);
    let mut dir: i32 = if rng.random_bool(0.5) { 1 } else { -1 };
    let mut beat: Tick = if rng.random_bool(0.5) { 0 } else { PPQ };
    while beat + PPQ <= end {
        // A phrase of 3 to 14 beats, then a breath.
        let len = rng.random_range(3..=14);
        for i in 0..len {
            if beat + PPQ > end {
                break;
            }
            dir = voice.steer(k, dir);
            if rng.random_bool(0.15) {
                dir = -dir;
            }
            let c = cell(&voice, spans, beat, k, dir, i + 1 == len, rng);
            k = play_cell(&c, beat, (k, dir), &voice, rng, &mut notes);
            let length: Tick = c.rhythm.iter().sum::<u32>() * U;
            beat += length.max(PPQ);
        }
        // Breathe: one to three beats, sometimes ending on an eighth pickup.
        beat += PPQ * rng.random_range(1..=3);
        if rng.random_bool(0.3) && beat + PPQ <= end {
            let chord = chord_at(spans, beat + PPQ);
            let t = voice.target(&chord, k, dir, true);
            notes.push(Note {
                start: beat + PPQ / 2,
                dur: PPQ / 2,
                pitch: Pitch::clamped(voice.clamp(t - 1)),
                velocity: 80,
            });
            k = voice.clamp(t - 1);
            beat += PPQ;
        }
    }
    finish(notes, end)
}

/// Plays a cell from `beat` (an eighth late if it says so), its notes detached now and
/// then, offbeats sometimes accented; a note on the current key `k` steps on in `dir`.
/// Returns the key it ends on.
fn play_cell(
    c: &Cell,
    beat: Tick,
    (mut k, dir): (i32, i32),
    voice: &Voice,
    rng: &mut ChaCha8Rng,
    notes: &mut Vec<Note>,
) -> i32 {
    let mut at = beat + if c.late { PPQ / 2 } else { 0 };
    for (&u, &key) in c.rhythm.iter().zip(&c.keys) {
        let u = if c.late { u.min(6) } else { u };
        let key = if key == k {
            voice.clamp(key + dir)
        } else {
            key
        };
        let dur = (u * U).saturating_sub(if rng.random_bool(0.2) { U } else { 0 });
        let vel = if !at.is_multiple_of(PPQ) && rng.random_bool(0.3) {
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
        at += u * U;
        k = key;
    }
    k
}

/// Sorted, monophonic (each note ends by the next onset) and inside `end`.
fn finish(mut notes: Vec<Note>, end: Tick) -> Vec<Note> {
    notes.sort_by_key(|n| n.start);
    notes.dedup_by_key(|n| n.start);
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
