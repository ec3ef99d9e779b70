//! Standard MIDI files built in memory, event by event, for the MIDI tests.

use improv::midi::import::{ImportOptions, Imported, parse_bytes};
use midly::num::{u4, u7, u15, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

pub fn on(delta: u32, ch: u8, key: u8, vel: u8) -> TrackEvent<'static> {
    TrackEvent {
        delta: u28::new(delta),
        kind: TrackEventKind::Midi {
            channel: u4::new(ch),
            message: MidiMessage::NoteOn {
                key: u7::new(key),
                vel: u7::new(vel),
            },
        },
    }
}
pub fn off(delta: u32, ch: u8, key: u8) -> TrackEvent<'static> {
    TrackEvent {
        delta: u28::new(delta),
        kind: TrackEventKind::Midi {
            channel: u4::new(ch),
            message: MidiMessage::NoteOff {
                key: u7::new(key),
                vel: u7::new(0),
            },
        },
    }
}
pub fn meta(delta: u32, m: MetaMessage<'static>) -> TrackEvent<'static> {
    TrackEvent {
        delta: u28::new(delta),
        kind: TrackEventKind::Meta(m),
    }
}
pub fn smf(format: Format, tpq: u16, tracks: Vec<Vec<TrackEvent<'static>>>) -> Vec<u8> {
    let mut tracks = tracks;
    for t in &mut tracks {
        t.push(meta(0, MetaMessage::EndOfTrack));
    }
    let s = Smf {
        header: Header::new(format, Timing::Metrical(u15::new(tpq))),
        tracks,
    };
    let mut out = Vec::new();
    s.write_std(&mut out).unwrap();
    out
}
pub fn import(bytes: &[u8]) -> Imported {
    parse_bytes(bytes, &ImportOptions::default()).unwrap()
}

/// The imported score's chord symbols, in order.
pub fn chord_names(imp: &Imported) -> Vec<String> {
    imp.score
        .chords
        .iter()
        .map(|c| c.chord.to_string())
        .collect()
}

/// One track from notes given as (start, end, channel, key) in absolute ticks.
pub fn track_of(notes: &[(u32, u32, u8, u8)]) -> Vec<TrackEvent<'static>> {
    let mut evs: Vec<(u32, bool, u8, u8)> = Vec::new();
    for &(start, end, ch, key) in notes {
        evs.push((start, true, ch, key));
        evs.push((end, false, ch, key));
    }
    evs.sort_by_key(|e| (e.0, e.1)); // offs before ons at the same tick
    let mut now = 0;
    evs.into_iter()
        .map(|(t, is_on, ch, key)| {
            let delta = t - now;
            now = t;
            if is_on {
                on(delta, ch, key, 80)
            } else {
                off(delta, ch, key)
            }
        })
        .collect()
}

pub fn mel_track() -> Vec<TrackEvent<'static>> {
    vec![
        on(0, 0, 76, 90),
        off(960, 0, 76),
        on(0, 0, 79, 90),
        off(960, 0, 79),
    ]
}
