//! The live mixer's notes as MIDI messages, for a SoundFont or a MIDI port in place of the
//! built-in voices. The channels and programs are the recorded session's: improv on 1, the
//! comping on 2, the bass on 3, you on 4 (General MIDI channels), drums and clicks on 10.

use super::super::Part;
use super::super::schedule::{DRUMS, MidiMsg, all_notes_off};
use super::super::soundfont::{GAIN, send};
use super::super::voice::Voice;
use rustysynth::Synthesizer;

/// What sounds the notes instead of the built-in voices.
pub enum Instrument {
    /// A SoundFont synthesizer, rendered into the mixer's blocks.
    Font(Box<Synthesizer>),
    /// A MIDI port (anything taking messages): each block's messages go out as the block is
    /// rendered, so the port hears them on the mixer's clock.
    Port(Box<dyn FnMut(MidiMsg) + Send>),
}

const IMPROV: u8 = 0;
const COMPING: u8 = 1;
const BASS: u8 = 2;
const YOU: u8 = 3;
/// Tenor sax for both soloists, electric piano, acoustic bass (General MIDI programs).
const PROGRAMS: [(u8, u8); 4] = [(IMPROV, 66), (COMPING, 4), (BASS, 32), (YOU, 66)];

/// The channel of a scheduled note: drum voices on the drum channel, the rest by part.
fn channel(voice: Voice, part: Part) -> u8 {
    match (voice, part) {
        (Voice::Kick | Voice::Snare | Voice::Hat | Voice::Ride, _) => DRUMS,
        (_, p) => part_channel(p),
    }
}

fn part_channel(part: Part) -> u8 {
    match part {
        Part::Lead => IMPROV,
        Part::Chords => COMPING,
        Part::Bass => BASS,
        Part::Drums => DRUMS,
    }
}

/// Notes as timed messages to an instrument.
pub(super) struct MidiVoices {
    inst: Instrument,
    /// Messages by frame (and set-up, offs, ons at one frame), the next first.
    queue: Vec<(u64, MidiMsg)>,
    /// Keys held down: the press's id and its key.
    pressed: Vec<(u32, u8)>,
    left: Vec<f32>,
    right: Vec<f32>,
}

impl MidiVoices {
    pub(super) fn new(inst: Instrument, block: usize) -> MidiVoices {
        let mut v = MidiVoices {
            inst,
            queue: Vec::with_capacity(256),
            pressed: Vec::new(),
            left: vec![0.0; block],
            right: vec![0.0; block],
        };
        for (channel, program) in PROGRAMS {
            v.push(0, MidiMsg::Program { channel, program });
        }
        v
    }

    fn push(&mut self, frame: u64, msg: MidiMsg) {
        let key = (frame, msg.rank());
        let at = self.queue.partition_point(|&(f, m)| (f, m.rank()) <= key);
        self.queue.insert(at, (frame, msg));
    }

    /// A scheduled note from `frame`, held `held` frames.
    pub(super) fn note(
        &mut self,
        frame: u64,
        held: u64,
        voice: Voice,
        part: Part,
        key: u8,
        vel: u8,
    ) {
        let channel = channel(voice, part);
        let velocity = vel.clamp(1, 127);
        self.push(
            frame,
            MidiMsg::NoteOn {
                channel,
                key,
                velocity,
            },
        );
        self.push(frame + held.max(1), MidiMsg::NoteOff { channel, key });
    }

    /// A key pressed at `now`, sounding until its release.
    pub(super) fn press(&mut self, id: u32, key: u8, vel: u8, now: u64) {
        self.pressed.push((id, key));
        let velocity = vel.clamp(1, 127);
        self.push(
            now,
            MidiMsg::NoteOn {
                channel: YOU,
                key,
                velocity,
            },
        );
    }

    pub(super) fn release(&mut self, id: u32, now: u64) {
        while let Some(i) = self.pressed.iter().position(|p| p.0 == id) {
            let (_, key) = self.pressed.swap_remove(i);
            self.push(now, MidiMsg::NoteOff { channel: YOU, key });
        }
    }

    /// A part muted: what it sounds stops (its coming notes are left out by the mixer).
    pub(super) fn mute(&mut self, part: Part, now: u64) {
        let channel = part_channel(part);
        self.push(
            now,
            MidiMsg::Control {
                channel,
                controller: 123,
                value: 0,
            },
        );
    }

    /// Forgets what was scheduled and lets every note go.
    pub(super) fn clear(&mut self, now: u64) {
        self.queue.clear();
        self.pressed.clear();
        for m in all_notes_off() {
            self.push(now, m);
        }
    }

    /// Sends the messages due in the frames from `from` (as many as `left` holds) and adds
    /// the instrument's sound of them (the mixer limits the sum); a message starts at its own frame in a SoundFont.
    pub(super) fn render(&mut self, from: u64, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(self.left.len());
        let end = from + n as u64;
        let synth = match &mut self.inst {
            Instrument::Port(out) => {
                let due = self.queue.partition_point(|&(f, _)| f < end);
                self.queue.drain(..due).for_each(|(_, m)| out(m));
                return;
            }
            Instrument::Font(synth) => synth,
        };
        let mut at = 0;
        while at < n {
            let due = self.queue.partition_point(|&(f, _)| f <= from + at as u64);
            self.queue.drain(..due).for_each(|(_, m)| send(synth, m));
            let next = self.queue.first().map_or(end, |&(f, _)| f.min(end));
            let stop = ((next - from) as usize).clamp(at + 1, n);
            synth.render(&mut self.left[at..stop], &mut self.right[at..stop]);
            at = stop;
        }
        for (i, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate().take(n) {
            *l += self.left[i] * GAIN;
            *r += self.right[i] * GAIN;
        }
    }
}

impl Drop for MidiVoices {
    /// A port is left with nothing sounding.
    fn drop(&mut self) {
        if let Instrument::Port(out) = &mut self.inst {
            for m in all_notes_off() {
                out(m);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn port() -> (MidiVoices, Arc<Mutex<Vec<MidiMsg>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let s = sent.clone();
        let out = move |m| s.lock().unwrap().push(m);
        (MidiVoices::new(Instrument::Port(Box::new(out)), 256), sent)
    }

    fn render(v: &mut MidiVoices, from: u64) {
        let (mut l, mut r) = (vec![0.0; 256], vec![0.0; 256]);
        v.render(from, &mut l, &mut r);
    }

    #[test]
    fn a_port_hears_programs_then_each_note_in_the_block_it_falls_in() {
        let (mut v, sent) = port();
        v.note(300, 1000, Voice::Bass, Part::Bass, 40, 90);
        v.note(10, 50, Voice::Ride, Part::Drums, 51, 70);
        render(&mut v, 0);
        let got = sent.lock().unwrap().clone();
        assert_eq!(got.len(), 6, "{got:?}");
        assert!(matches!(
            got[0],
            MidiMsg::Program {
                channel: 0,
                program: 66
            }
        ));
        let on = MidiMsg::NoteOn {
            channel: DRUMS,
            key: 51,
            velocity: 70,
        };
        let off = MidiMsg::NoteOff {
            channel: DRUMS,
            key: 51,
        };
        assert_eq!(got[4..], [on, off]);
        render(&mut v, 256);
        let got = sent.lock().unwrap().clone();
        let bass = MidiMsg::NoteOn {
            channel: BASS,
            key: 40,
            velocity: 90,
        };
        assert_eq!(
            got[6..],
            [bass],
            "the bass starts in the second block, not yet off"
        );
    }

    #[test]
    fn your_keys_go_on_your_channel_until_released_and_a_port_is_left_silent() {
        let (mut v, sent) = port();
        v.press(7, 60, 96, 0);
        render(&mut v, 0);
        v.release(7, 300);
        render(&mut v, 256);
        let got = sent.lock().unwrap().clone();
        let on = MidiMsg::NoteOn {
            channel: YOU,
            key: 60,
            velocity: 96,
        };
        assert_eq!(
            got[4..],
            [
                on,
                MidiMsg::NoteOff {
                    channel: YOU,
                    key: 60
                }
            ]
        );
        drop(v);
        let all = sent.lock().unwrap().clone();
        assert_eq!(
            all[6..],
            all_notes_off()[..],
            "every channel silenced when it ends"
        );
    }
}
