//! The band of a session, a chorus at a time: comping, bass and drums over the form (swing
//! baked into their ticks), the metronome, and the bar of count-in clicks.

use super::Plan;
use crate::corpus::{bass_track, comping_track};
use crate::music::{PPQ, Role, Tick, Track};
use crate::synth::schedule::DRUMS;
use crate::synth::voice::Voice;
use crate::synth::{Part, swing_tick};

/// The ride cymbal, the hi-hat pedal and the side stick (clicks), as General MIDI keys.
const RIDE: u8 = 51;
const HAT: u8 = 42;
const CLICK: u8 = 37;

/// One note of the band in session ticks (negative: in the count-in).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandNote {
    pub tick: i64,
    pub dur: Tick,
    pub voice: Voice,
    pub part: Part,
    pub key: u8,
    pub velocity: u8,
}

/// The band's tracks of chorus `k` (comping, bass, drums), in session ticks, swung.
pub fn chorus_tracks(plan: &Plan, k: u32) -> Vec<Track> {
    let form = plan.form_ticks();
    let spans = plan.chords_between(k * form, (k + 1) * form);
    let seed = plan.seed.wrapping_add(u64::from(k));
    let mut comping = comping_track(&spans, seed);
    comping.name = "band comping".into();
    let mut bass = bass_track(&spans, seed);
    bass.name = "band bass".into();
    let mut drums = Track::new("band drums", Role::Drums, DRUMS, 0);
    for beat in (k * form / PPQ)..((k + 1) * form / PPQ) {
        let t = beat * PPQ;
        drums.notes.push(hit(t, RIDE, 70));
        if beat % 2 == 1 {
            drums.notes.push(hit(t + PPQ / 2, RIDE, 55));
            drums.notes.push(hit(t, HAT, 60));
        }
    }
    let mut out = vec![comping, bass, drums];
    for t in &mut out {
        for n in &mut t.notes {
            n.start = swing_tick(n.start, plan.swing);
        }
        t.sort();
    }
    out
}

fn hit(t: Tick, key: u8, velocity: u8) -> crate::music::Note {
    crate::music::Note {
        start: t,
        dur: PPQ / 4,
        pitch: crate::music::Pitch::clamped(i32::from(key)),
        velocity,
    }
}

/// What chorus `k` sounds like live: the tracks the plan does not mute, and the metronome.
pub fn chorus(plan: &Plan, k: u32) -> Vec<BandNote> {
    let mut out = Vec::new();
    for t in chorus_tracks(plan, k) {
        let muted = match t.role {
            Role::Chords => plan.mutes.comping,
            Role::Bass => plan.mutes.bass,
            _ => plan.mutes.drums,
        };
        if muted {
            continue;
        }
        for n in &t.notes {
            let key = n.pitch.key();
            let (voice, part) = crate::synth::voice_for(t.role, t.program, t.channel, key);
            out.push(BandNote {
                tick: i64::from(n.start),
                dur: n.dur,
                voice,
                part,
                key,
                velocity: n.velocity,
            });
        }
    }
    if plan.metronome {
        let form = plan.form_ticks();
        out.extend(clicks(
            plan,
            i64::from(k * form),
            i64::from((k + 1) * form),
            45,
        ));
    }
    out
}

/// One bar of clicks before the form's first beat (none when the plan has no count-in).
pub fn count_in(plan: &Plan) -> Vec<BandNote> {
    if !plan.count_in {
        return Vec::new();
    }
    clicks(plan, -i64::from(plan.bar_ticks()), 0, 90)
}

/// A click on every beat of `[from, to)`, the bar's first louder.
fn clicks(plan: &Plan, from: i64, to: i64, velocity: u8) -> Vec<BandNote> {
    let bar = i64::from(plan.bar_ticks());
    (from / i64::from(PPQ)..to / i64::from(PPQ))
        .map(|b| b * i64::from(PPQ))
        .map(|t| BandNote {
            tick: t,
            dur: PPQ / 8,
            voice: Voice::drum(CLICK),
            part: Part::Lead,
            key: CLICK,
            velocity: if t.rem_euclid(bar) == 0 {
                (velocity + 25).min(127)
            } else {
                velocity
            },
        })
        .collect()
}
