//! The band as MIDI messages: order, pairing, tempo, swing, mix, and silence on stop.

use improv::music::{ChordSpan, Note, PPQ, Pitch, Role, Score, Tempo, Track};
use improv::synth::SynthSettings;
use improv::synth::schedule::{DRUMS, MidiMsg, Timed, schedule};
#[cfg(feature = "audio")]
use {
    improv::midi_out::{perform, pick},
    improv::synth::schedule::all_notes_off,
    std::sync::atomic::AtomicBool,
};

fn straight() -> SynthSettings {
    SynthSettings {
        swing: 0.5,
        ride: false,
        ..SynthSettings::default()
    }
}

fn track(role: Role, channel: u8, program: u8, notes: &[(u32, u32, u8)]) -> Track {
    let mut t = Track::new("t", role, channel, program);
    for &(start, dur, key) in notes {
        t.notes.push(Note {
            start,
            dur,
            pitch: Pitch::new(key).unwrap(),
            velocity: 90,
        });
    }
    t
}

fn band() -> Score {
    let mut s = Score::new("band", 120.0);
    let eighths: Vec<(u32, u32, u8)> = (0..16)
        .map(|i| (i * PPQ / 2, PPQ / 2, 60 + (i % 5) as u8))
        .collect();
    s.tracks.push(track(Role::Melody, 0, 66, &eighths));
    s.tracks.push(track(
        Role::Chords,
        0,
        4,
        &[(0, 4 * PPQ, 60), (0, 4 * PPQ, 64), (4 * PPQ, 4 * PPQ, 62)],
    ));
    s.tracks.push(track(
        Role::Bass,
        2,
        32,
        &[(0, PPQ, 36), (PPQ, PPQ, 38), (2 * PPQ, 2 * PPQ, 40)],
    ));
    s.tracks.push(track(
        Role::Drums,
        9,
        0,
        &[(0, PPQ / 4, 36), (PPQ, PPQ / 4, 38)],
    ));
    s.tempos.push(Tempo::from_bpm(4 * PPQ, 60.0));
    s
}

fn ons(msgs: &[Timed]) -> Vec<(f64, u8, u8)> {
    msgs.iter()
        .filter_map(|t| match t.msg {
            MidiMsg::NoteOn { channel, key, .. } => Some((t.secs, channel, key)),
            _ => None,
        })
        .collect()
}

#[test]
fn messages_come_in_time_order_and_every_note_on_has_its_note_off() {
    let msgs = schedule(&band(), &SynthSettings::default());
    assert!(msgs.windows(2).all(|w| w[0].secs <= w[1].secs));
    let mut sounding: Vec<(u8, u8)> = Vec::new();
    for t in &msgs {
        match t.msg {
            MidiMsg::NoteOn { channel, key, .. } => sounding.push((channel, key)),
            MidiMsg::NoteOff { channel, key } => {
                let i = sounding.iter().position(|&n| n == (channel, key));
                assert!(i.is_some(), "note-off without note-on: {t:?}");
                sounding.remove(i.unwrap());
            }
            _ => {}
        }
    }
    assert!(sounding.is_empty(), "left sounding: {sounding:?}");
}

#[test]
fn parts_get_their_own_channels_with_programs_first_and_drums_on_ten() {
    let msgs = schedule(&band(), &straight());
    let programs: Vec<(u8, u8)> = msgs
        .iter()
        .filter_map(|t| match t.msg {
            MidiMsg::Program { channel, program } => Some((channel, program)),
            _ => None,
        })
        .collect();
    // The solo keeps channel 1; the comping asked for it too and moves to the next free one.
    assert_eq!(programs, vec![(0, 66), (1, 4), (2, 32)]);
    let first_note = msgs
        .iter()
        .position(|t| matches!(t.msg, MidiMsg::NoteOn { .. }))
        .unwrap();
    assert!(
        msgs[..first_note]
            .iter()
            .any(|t| matches!(t.msg, MidiMsg::Program { .. }))
    );
    assert!(
        ons(&msgs)
            .iter()
            .any(|&(_, ch, key)| ch == DRUMS && key == 36)
    );
}

#[test]
fn the_tempo_map_and_swing_place_the_notes() {
    let msgs = schedule(&band(), &straight());
    let solo: Vec<f64> = ons(&msgs)
        .iter()
        .filter(|n| n.1 == 0)
        .map(|n| n.0)
        .collect();
    // 120 bpm for the first bar (eighths every 0.25 s), then 60 bpm (every 0.5 s).
    assert!((solo[1] - 0.25).abs() < 1e-9 && (solo[8] - 2.0).abs() < 1e-9);
    assert!((solo[9] - 2.5).abs() < 1e-9, "{}", solo[9]);
    let swung = schedule(
        &band(),
        &SynthSettings {
            swing: 2.0 / 3.0,
            ..straight()
        },
    );
    let solo: Vec<f64> = ons(&swung)
        .iter()
        .filter(|n| n.1 == 0)
        .map(|n| n.0)
        .collect();
    assert!(
        (solo[1] - 1.0 / 3.0).abs() < 1e-3,
        "swung off-beat at {}",
        solo[1]
    );
    assert!((solo[2] - 0.5).abs() < 1e-9, "beats stay");
}

#[test]
fn mute_leaves_a_part_out_and_level_sets_its_volume() {
    let mut s = straight();
    s.bass.mute = true;
    s.lead.level = 0.5;
    let msgs = schedule(&band(), &s);
    assert!(
        !ons(&msgs).iter().any(|n| n.1 == 2),
        "muted bass still plays"
    );
    assert!(msgs.contains(&Timed {
        secs: 0.0,
        msg: MidiMsg::Control {
            channel: 0,
            controller: 7,
            value: 50
        },
    }));
}

#[test]
fn the_ride_plays_over_the_changes_like_the_built_in_synth() {
    let mut score = band();
    score.chords.push(ChordSpan {
        start: 0,
        dur: 4 * PPQ,
        chord: "C7".parse().unwrap(),
    });
    let with = schedule(
        &score,
        &SynthSettings {
            ride: true,
            ..straight()
        },
    );
    let rides = ons(&with)
        .iter()
        .filter(|n| n.1 == DRUMS && n.2 == 51)
        .count();
    assert_eq!(rides, 6, "four beats and two skip notes");
}

#[test]
#[cfg(feature = "audio")]
fn stopping_sends_all_notes_off_on_every_channel() {
    let msgs = schedule(&band(), &straight());
    let stop = AtomicBool::new(true);
    let mut sent = Vec::new();
    perform(&msgs, 0.0, &mut |m| sent.push(m), &stop, &mut |_| {});
    assert!(!sent.iter().any(|m| matches!(m, MidiMsg::NoteOn { .. })));
    assert!(sent.ends_with(&all_notes_off()));
    for ch in 0..16u8 {
        assert!(sent.contains(&MidiMsg::Control {
            channel: ch,
            controller: 123,
            value: 0
        }));
    }
}

#[test]
#[cfg(feature = "audio")]
fn a_short_performance_sends_everything_in_order_then_silence() {
    let mut score = Score::new("t", 6000.0);
    score
        .tracks
        .push(track(Role::Melody, 0, 0, &[(0, PPQ, 60), (PPQ, PPQ, 62)]));
    let msgs = schedule(&score, &straight());
    let stop = AtomicBool::new(false);
    let mut sent = Vec::new();
    perform(&msgs, 0.0, &mut |m| sent.push(m), &stop, &mut |_| {});
    let body: Vec<MidiMsg> = msgs.iter().map(|t| t.msg).collect();
    assert_eq!(&sent[..body.len()], &body[..]);
    assert!(sent.ends_with(&all_notes_off()));
}

#[test]
#[cfg(feature = "audio")]
fn ports_are_picked_by_number_or_name() {
    let names = vec![
        "Midi Through:0".to_string(),
        "FluidSynth virtual port".to_string(),
    ];
    assert_eq!(pick(&names, "1"), Some(1));
    assert_eq!(pick(&names, "fluid"), Some(1));
    assert_eq!(pick(&names, "7"), None);
    assert_eq!(pick(&names, "qsynth"), None);
}
