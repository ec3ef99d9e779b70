//! Walks a MIDI file's tracks event by event: notes, programs, tempos, meters, names, chord texts.

use super::{MAX_NOTES, MAX_TICK};
use crate::midi::group::Group;
use crate::music::{Chord, Note, PPQ, Pitch, Tick, parse_symbol};
use midly::{Format, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Ticks of the file → ticks at 480 PPQ.
#[derive(Clone, Copy, Debug)]
pub(super) struct TickScale {
    num: u64,
    den: u64,
    /// Real-time (SMPTE) ticks, read as quarter notes at 120 bpm: tempo events are ignored.
    smpte: bool,
}

impl TickScale {
    /// The scale for the header's time division (a warning for SMPTE timing).
    pub(super) fn of(timing: Timing, warnings: &mut Vec<String>) -> Result<TickScale, String> {
        match timing {
            Timing::Metrical(tpq) => {
                let tpq = tpq.as_int() as u64;
                if tpq == 0 {
                    return Err("the header says 0 ticks per quarter note".into());
                }
                Ok(TickScale {
                    num: PPQ as u64,
                    den: tpq,
                    smpte: false,
                })
            }
            Timing::Timecode(fps, sub) => {
                // Real-time ticks: read them as quarter notes at 120 bpm.
                let per_sec = (fps.as_f32() * sub as f32).round() as u64;
                if per_sec == 0 {
                    return Err("the SMPTE time division has 0 ticks per frame".into());
                }
                warnings.push("SMPTE timing: read at 120 bpm".into());
                Ok(TickScale {
                    num: PPQ as u64 * 2,
                    den: per_sec,
                    smpte: true,
                })
            }
        }
    }

    fn at(self, t: u64) -> Tick {
        (((t * self.num) + self.den / 2) / self.den).min(MAX_TICK) as Tick
    }
}

/// What the tracks of a file hold, gathered track by track.
#[derive(Default)]
pub(super) struct Gathered {
    pub tempos: BTreeMap<Tick, u32>,
    pub sigs: BTreeMap<Tick, (u8, u8)>,
    pub texts: Vec<(Tick, Option<Chord>)>,
    pub unparsed: Vec<(Tick, String)>,
    pub groups: Vec<Group>,
    pub end_tick: Tick,
    pub title: String,
    note_count: usize,
}

/// One track's state while its events are read.
#[derive(Default)]
struct TrackState {
    name: Option<String>,
    programs: [u8; 16],
    /// (channel, key) → onsets not yet ended (first in, first out).
    open: HashMap<(u8, u8), VecDeque<(Tick, u8)>>,
    by_channel: BTreeMap<u8, Vec<Note>>,
}

impl Gathered {
    /// Reads every track (format 2 lays tracks end to end).
    pub(super) fn read(smf: &Smf, scale: TickScale) -> Result<Gathered, String> {
        let mut g = Gathered::default();
        let sequential = smf.header.format == Format::Sequential;
        let mut offset: u64 = 0;
        for (ti, track) in smf.tracks.iter().enumerate() {
            let start = if sequential { offset } else { 0 };
            // The first track's name is the title when there are others.
            let titled = ti == 0 && smf.tracks.len() > 1;
            let end = g.track(ti, track, start, scale, titled)?;
            if sequential {
                offset = end;
            }
        }
        Ok(g)
    }

    /// Reads one track from `abs` (the file's tick it starts at); returns the tick it ends at.
    fn track(
        &mut self,
        ti: usize,
        track: &[TrackEvent],
        mut abs: u64,
        scale: TickScale,
        titled: bool,
    ) -> Result<u64, String> {
        let mut t = TrackState::default();
        for ev in track {
            abs += ev.delta.as_int() as u64;
            let tick = scale.at(abs);
            match ev.kind {
                TrackEventKind::Midi { channel, message } => {
                    self.midi(&mut t, channel.as_int(), message, tick)
                }
                TrackEventKind::Meta(meta) => self.meta(&mut t, meta, tick, titled, scale.smpte),
                _ => {}
            }
            if self.note_count > MAX_NOTES {
                return Err(format!("more than {MAX_NOTES} notes"));
            }
        }
        let track_end = scale.at(abs);
        self.end_tick = self.end_tick.max(track_end);
        self.close(t, ti, track_end);
        Ok(abs)
    }

    fn midi(&mut self, t: &mut TrackState, ch: u8, message: MidiMessage, tick: Tick) {
        match message {
            MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                t.open
                    .entry((ch, key.as_int()))
                    .or_default()
                    .push_back((tick, vel.as_int()));
            }
            MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                if let Some((start, vel)) = t
                    .open
                    .get_mut(&(ch, key.as_int()))
                    .and_then(|q| q.pop_front())
                {
                    push_note(&mut t.by_channel, ch, start, tick, key.as_int(), vel);
                    self.note_count += 1;
                }
            }
            MidiMessage::ProgramChange { program } => t.programs[ch as usize] = program.as_int(),
            _ => {}
        }
    }

    fn meta(
        &mut self,
        t: &mut TrackState,
        meta: MetaMessage,
        tick: Tick,
        titled: bool,
        smpte: bool,
    ) {
        match meta {
            MetaMessage::TrackName(b) => {
                let n = String::from_utf8_lossy(b).trim().to_string();
                if titled && self.title.is_empty() {
                    self.title = n.clone();
                }
                t.name = Some(n);
            }
            MetaMessage::Tempo(us) if !smpte => {
                // Kept as written: a tempo of 0 is refused with a warning (`music::bounds`).
                self.tempos.insert(tick, us.as_int());
            }
            MetaMessage::TimeSignature(n, d, _, _) if n > 0 && d < 8 => {
                self.sigs.insert(tick, (n, 1u8 << d));
            }
            MetaMessage::Text(b)
            | MetaMessage::Marker(b)
            | MetaMessage::Lyric(b)
            | MetaMessage::CuePoint(b) => match chord_text(b) {
                ChordText::Chord(ch) => self.texts.push((tick, ch)),
                ChordText::Unreadable(s) => self.unparsed.push((tick, s)),
                ChordText::Other => {}
            },
            _ => {}
        }
    }

    /// Ends the notes never switched off at the track's end and makes one group per channel.
    fn close(&mut self, mut t: TrackState, ti: usize, track_end: Tick) {
        for ((ch, key), q) in t.open {
            for (start, vel) in q {
                push_note(&mut t.by_channel, ch, start, track_end, key, vel);
            }
        }
        let split = t.by_channel.len() > 1;
        for (ch, mut notes) in t.by_channel {
            notes.sort_by_key(|n| (n.start, n.pitch));
            let base = t
                .name
                .clone()
                .unwrap_or_else(|| format!("Track {}", ti + 1));
            self.groups.push(Group {
                name: if split {
                    format!("{base} (ch {})", ch + 1)
                } else {
                    base
                },
                channel: ch,
                program: t.programs[ch as usize],
                notes,
            });
        }
    }
}

fn push_note(
    by_channel: &mut BTreeMap<u8, Vec<crate::music::Note>>,
    ch: u8,
    start: Tick,
    end: Tick,
    key: u8,
    vel: u8,
) {
    if let Some(pitch) = Pitch::new(key) {
        by_channel.entry(ch).or_default().push(crate::music::Note {
            start,
            dur: end.saturating_sub(start).max(1),
            pitch,
            velocity: vel.clamp(1, 127),
        });
    }
}

/// What a text event holds.
enum ChordText {
    /// A chord symbol, or "no chord" (`NC`).
    Chord(Option<Chord>),
    /// Looks like a chord symbol but cannot be read.
    Unreadable(String),
    /// Lyrics, section names, copyright lines …
    Other,
}

fn chord_text(bytes: &[u8]) -> ChordText {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return ChordText::Other;
    };
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 24 {
        return ChordText::Other;
    }
    match parse_symbol(s) {
        Ok(ch) => ChordText::Chord(ch),
        // A note letter, no spaces, and a digit or a chord sign: meant as a chord.
        Err(_)
            if s.chars().count() <= 12
                && s.starts_with(|c: char| ('A'..='G').contains(&c))
                && !s.contains(char::is_whitespace)
                && s.contains(|c: char| c.is_ascii_digit() || "-+^#/()ø°Δ".contains(c)) =>
        {
            ChordText::Unreadable(s.to_string())
        }
        Err(_) => ChordText::Other,
    }
}
