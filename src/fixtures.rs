//! Material the benchmarks share (criterion benches and `improv bench speed`): a combo
//! score of any length and a large MIDI file, built the same way every time.

use crate::corpus::{bass_track, comping_track};
use crate::music::{Note, PPQ, Pitch, Progression, Role, Score, Track};

/// `bars` of blues in F at 160 bpm: an eighth-note solo, comping, walking bass and a
/// drum track (kick, snare, hat): the four voices the synth plays.
pub fn combo_score(bars: usize) -> Score {
    let prog = Progression::preset("blues-f").expect("blues-f is a preset");
    let choruses = bars.div_ceil(prog.len_bars().max(1));
    let mut spans = prog.spans(PPQ * 4, choruses);
    let end = bars as u32 * PPQ * 4;
    spans.retain(|s| s.start < end);
    let mut score = Score::new("combo", 160.0);
    let mut solo = Track::new("Solo", Role::Melody, 0, 66);
    let scale = [65u8, 67, 69, 70, 72, 74, 75, 77];
    for i in 0..(end / (PPQ / 2)) {
        solo.notes.push(Note {
            start: i * PPQ / 2,
            dur: PPQ / 2,
            pitch: Pitch::new(scale[(i as usize * 3) % scale.len()]).expect("in range"),
            velocity: 90,
        });
    }
    let mut drums = Track::new("Drums", Role::Drums, 9, 0);
    for beat in 0..end / PPQ {
        for key in [if beat % 2 == 0 { 36 } else { 38 }, 42] {
            drums.notes.push(Note {
                start: beat * PPQ,
                dur: PPQ / 4,
                pitch: Pitch::new(key).expect("in range"),
                velocity: 80,
            });
        }
    }
    score.tracks.push(solo);
    score.tracks.push(comping_track(&spans, 1));
    score.tracks.push(bass_track(&spans, 1));
    score.tracks.push(drums);
    score.chords = spans;
    score.normalize();
    score
}

/// A Standard MIDI File with about `notes` notes (solo, comping, bass, drums).
pub fn big_midi(notes: usize) -> Vec<u8> {
    let per_bar = combo_score(12).note_count().max(1) / 12;
    let bars = notes.div_ceil(per_bar.max(1)).max(1);
    crate::midi::export::to_bytes(&combo_score(bars))
}
