//! A score as timed MIDI messages: what a SoundFont synth or a MIDI port is sent.
//!
//! The same performance as the built-in synth: the tempo map and swing place every note,
//! mute leaves a part out, its level becomes the channel's volume, drums (and the ride the
//! built-in synth adds over the changes) go to channel 10, and every part gets a channel of
//! its own with its General MIDI program sent first.

use super::{Part, SynthSettings, swing_tick, voice_for};
use crate::music::{PPQ, Role, Score, Tick};

/// The drum channel (channel 10 counted from 1).
pub const DRUMS: u8 = 9;

/// One MIDI channel message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MidiMsg {
    Program {
        channel: u8,
        program: u8,
    },
    Control {
        channel: u8,
        controller: u8,
        value: u8,
    },
    NoteOff {
        channel: u8,
        key: u8,
    },
    NoteOn {
        channel: u8,
        key: u8,
        velocity: u8,
    },
}

impl MidiMsg {
    /// The message as bytes on the wire.
    pub fn bytes(self) -> Vec<u8> {
        match self {
            MidiMsg::Program { channel, program } => vec![0xC0 | channel, program],
            MidiMsg::Control {
                channel,
                controller,
                value,
            } => vec![0xB0 | channel, controller, value],
            MidiMsg::NoteOff { channel, key } => vec![0x80 | channel, key, 0],
            MidiMsg::NoteOn {
                channel,
                key,
                velocity,
            } => vec![0x90 | channel, key, velocity],
        }
    }

    /// Order among messages at the same instant: set-up, then note-offs, then note-ons
    /// (so a repeated note is released before it sounds again).
    pub(super) fn rank(self) -> u8 {
        match self {
            MidiMsg::Program { .. } | MidiMsg::Control { .. } => 0,
            MidiMsg::NoteOff { .. } => 1,
            MidiMsg::NoteOn { .. } => 2,
        }
    }
}

/// A message and when to send it, in seconds from the start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timed {
    pub secs: f64,
    pub msg: MidiMsg,
}

/// What stops every sound on every channel: all-notes-off and all-sound-off.
pub fn all_notes_off() -> Vec<MidiMsg> {
    (0..16u8)
        .flat_map(|channel| {
            [123u8, 120].map(|controller| MidiMsg::Control {
                channel,
                controller,
                value: 0,
            })
        })
        .collect()
}

/// A channel for each track: drums on 10; others keep theirs while it is free.
pub fn channels(score: &Score) -> Vec<u8> {
    let mut used = [false; 16];
    used[DRUMS as usize] = true;
    let mut out = Vec::with_capacity(score.tracks.len());
    for t in &score.tracks {
        if t.role == Role::Drums || t.channel == DRUMS {
            out.push(DRUMS);
            continue;
        }
        let wanted = (t.channel as usize) % 16;
        let ch = if !used[wanted] {
            wanted
        } else {
            (0..16).find(|&c| !used[c]).unwrap_or(wanted)
        };
        used[ch] = true;
        out.push(ch as u8);
    }
    out
}

fn volume(level: f32) -> u8 {
    (100.0 * level.clamp(0.0, 1.27)).round() as u8
}

/// Every message of the performance, in time order.
pub fn schedule(score: &Score, s: &SynthSettings) -> Vec<Timed> {
    let secs = |t: Tick| score.seconds_at(swing_tick(t, s.swing));
    let mut out = Vec::new();
    let chans = channels(score);
    let mut drums_level = None;
    for (track, &channel) in score.tracks.iter().zip(&chans) {
        let part = voice_for(track.role, track.program, channel, 60).1;
        let mix = s.mix(part);
        if mix.mute || (part == Part::Drums && !s.drums) {
            continue;
        }
        if channel == DRUMS {
            drums_level = Some(mix.level);
        } else {
            out.push(Timed {
                secs: 0.0,
                msg: MidiMsg::Program {
                    channel,
                    program: track.program.min(127),
                },
            });
            out.push(volume_at_start(channel, mix.level));
        }
        for n in &track.notes {
            let (on, off) = (secs(n.start), secs(n.end()));
            let key = n.pitch.key();
            out.push(Timed {
                secs: on,
                msg: MidiMsg::NoteOn {
                    channel,
                    key,
                    velocity: n.velocity.clamp(1, 127),
                },
            });
            out.push(Timed {
                secs: off.max(on + 0.005),
                msg: MidiMsg::NoteOff { channel, key },
            });
        }
    }
    if s.ride && !s.kit.mute && !score.chords.is_empty() {
        drums_level.get_or_insert(s.kit.level);
        ride(score, &secs, &mut out);
    }
    if let Some(level) = drums_level {
        out.push(volume_at_start(DRUMS, level));
    }
    out.sort_by(|a, b| {
        a.secs
            .total_cmp(&b.secs)
            .then(a.msg.rank().cmp(&b.msg.rank()))
    });
    out
}

fn volume_at_start(channel: u8, level: f32) -> Timed {
    Timed {
        secs: 0.0,
        msg: MidiMsg::Control {
            channel,
            controller: 7,
            value: volume(level),
        },
    }
}

/// The built-in synth's ride pattern over the changes, as ride-cymbal notes (key 51).
fn ride(score: &Score, secs: &dyn Fn(Tick) -> f64, out: &mut Vec<Timed>) {
    let end = score.chords.iter().map(|c| c.end()).max().unwrap_or(0);
    let mut beat = 0;
    while beat < end {
        let mut hits = vec![(beat, 70u8)];
        if matches!((beat / PPQ) % 4, 1 | 3) {
            hits.push((beat + PPQ / 2, 55));
        }
        for (t, velocity) in hits {
            let on = secs(t);
            out.push(Timed {
                secs: on,
                msg: MidiMsg::NoteOn {
                    channel: DRUMS,
                    key: 51,
                    velocity,
                },
            });
            out.push(Timed {
                secs: on + 0.1,
                msg: MidiMsg::NoteOff {
                    channel: DRUMS,
                    key: 51,
                },
            });
        }
        beat += PPQ;
    }
}
