//! MIDI export: Score → format-1 Standard MIDI File, written atomically.

use super::MidiError;
use crate::music::{PPQ, Score, Tick, Track};
use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::io::Write;
use std::path::Path;

/// An event at an absolute tick; `order` puts note-offs before note-ons at the same tick.
struct Abs<'a> {
    tick: Tick,
    order: u8,
    kind: TrackEventKind<'a>,
}

fn to_track(mut events: Vec<Abs<'_>>, end: Tick) -> Vec<TrackEvent<'_>> {
    events.sort_by_key(|e| (e.tick, e.order));
    let mut out = Vec::with_capacity(events.len() + 1);
    let mut last = 0;
    for e in events {
        out.push(TrackEvent {
            delta: u28::new(e.tick.saturating_sub(last)),
            kind: e.kind,
        });
        last = last.max(e.tick);
    }
    out.push(TrackEvent {
        delta: u28::new(end.saturating_sub(last)),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    out
}

/// Text a file carries besides its score: markers (a source's own chord spellings, form
/// parts) and lines of meta text (performer, year ...), all on the conductor track.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Annotations {
    /// Markers at their ticks; they replace the markers the score's chords would write.
    pub markers: Vec<(Tick, String)>,
    /// Text events at tick 0.
    pub texts: Vec<String>,
    /// The copyright line, if any.
    pub copyright: Option<String>,
}

/// The bytes of a format-1 file for `score`: a conductor track (title, tempo map, time
/// signatures, a marker per chord symbol), then one track per Score track.
pub fn to_bytes(score: &Score) -> Vec<u8> {
    let markers = score
        .chords
        .iter()
        .map(|c| (c.start, c.chord.to_string()))
        .collect();
    to_bytes_with(
        score,
        &Annotations {
            markers,
            ..Annotations::default()
        },
    )
}

/// The bytes of a format-1 file for `score` with `notes`' markers and texts in place of
/// the chord markers.
pub fn to_bytes_with(score: &Score, notes: &Annotations) -> Vec<u8> {
    let end = score.end();
    let mut tracks = vec![to_track(conductor(score, notes), end)];
    for t in &score.tracks {
        tracks.push(to_track(track_events(t), end));
    }
    let smf = Smf {
        header: Header::new(Format::Parallel, Timing::Metrical(u15::new(PPQ as u16))),
        tracks,
    };
    let mut bytes = Vec::new();
    // Writing into memory cannot fail for in-range events.
    let _ = smf.write_std(&mut bytes);
    bytes
}

/// The conductor track's events: title, texts, tempo map, time signatures, markers.
fn conductor<'a>(score: &'a Score, notes: &'a Annotations) -> Vec<Abs<'a>> {
    let mut conductor = vec![Abs {
        tick: 0,
        order: 0,
        kind: TrackEventKind::Meta(MetaMessage::TrackName(score.title.as_bytes())),
    }];
    if let Some(c) = &notes.copyright {
        conductor.push(Abs {
            tick: 0,
            order: 0,
            kind: TrackEventKind::Meta(MetaMessage::Copyright(c.as_bytes())),
        });
    }
    for t in &notes.texts {
        conductor.push(Abs {
            tick: 0,
            order: 0,
            kind: TrackEventKind::Meta(MetaMessage::Text(t.as_bytes())),
        });
    }
    for t in &score.tempos {
        conductor.push(Abs {
            tick: t.tick,
            order: 1,
            kind: TrackEventKind::Meta(MetaMessage::Tempo(u24::new(t.us_per_quarter))),
        });
    }
    for s in &score.time_sigs {
        let pow = s.den.max(1).trailing_zeros() as u8;
        conductor.push(Abs {
            tick: s.tick,
            order: 1,
            kind: TrackEventKind::Meta(MetaMessage::TimeSignature(s.num, pow, 24, 8)),
        });
    }
    for (tick, name) in &notes.markers {
        conductor.push(Abs {
            tick: *tick,
            order: 2,
            kind: TrackEventKind::Meta(MetaMessage::Marker(name.as_bytes())),
        });
    }
    conductor
}

/// One track's events: its name, its program, its notes on and off.
fn track_events(t: &Track) -> Vec<Abs<'_>> {
    let ch = u4::new(t.channel.min(15));
    let midi = |message| TrackEventKind::Midi {
        channel: ch,
        message,
    };
    let mut ev = vec![
        Abs {
            tick: 0,
            order: 0,
            kind: TrackEventKind::Meta(MetaMessage::TrackName(t.name.as_bytes())),
        },
        Abs {
            tick: 0,
            order: 1,
            kind: midi(MidiMessage::ProgramChange {
                program: u7::new(t.program.min(127)),
            }),
        },
    ];
    for n in &t.notes {
        let key = u7::new(n.pitch.key());
        ev.push(Abs {
            tick: n.start,
            order: 3,
            kind: midi(MidiMessage::NoteOn {
                key,
                vel: u7::new(n.velocity.clamp(1, 127)),
            }),
        });
        ev.push(Abs {
            tick: n.end(),
            order: 2,
            kind: midi(MidiMessage::NoteOff {
                key,
                vel: u7::new(64),
            }),
        });
    }
    ev
}

/// Writes `score` to `path` through a temporary file and a rename; refuses to replace an
/// existing file unless `overwrite`.
pub fn write_file(score: &Score, path: &Path, overwrite: bool) -> Result<(), MidiError> {
    write_atomic(path, &to_bytes(score), overwrite)
}

/// Writes bytes next to `path`, then renames them into place.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), MidiError> {
    crate::atomic::write_with(path, overwrite, |f| f.write_all(bytes)).map_err(|e| match e {
        crate::atomic::WriteError::Exists => MidiError::Exists {
            path: path.to_path_buf(),
        },
        crate::atomic::WriteError::Io(source) => MidiError::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}
