//! The audio thread without a device: what it says when a sound source cannot play.

use super::*;
use crate::music::{Note, PPQ, Pitch, Role, Track};
use std::sync::mpsc::channel;

struct Heard(Sender<String>);

impl Report for Heard {
    fn report(&self, message: String) {
        let _ = self.0.send(message);
    }
}

fn score() -> Box<Score> {
    let mut s = Score::new("t", 120.0);
    let mut t = Track::new("Solo", Role::Melody, 0, 0);
    t.notes.push(Note {
        start: 0,
        dur: PPQ,
        pitch: Pitch::new(69).unwrap(),
        velocity: 90,
    });
    s.tracks.push(t);
    Box::new(s)
}

/// Plays through `source` on a thread without a device; returns what it said and its status.
fn play_through(source: SoundSource) -> (Vec<String>, AudioStatus) {
    let (tx, rx) = channel();
    let (said, heard) = channel();
    let status = Arc::new(Mutex::new(AudioStatus::default()));
    let st = status.clone();
    let thread = std::thread::spawn(move || audio_loop(rx, st, false, Heard(said)));
    tx.send(AudioCmd::Play {
        score: score(),
        settings: SynthSettings::default(),
        source,
        from: 0.0,
    })
    .unwrap();
    stop_and_wait(&tx);
    drop(tx);
    thread.join().unwrap();
    let st = status.lock().unwrap().clone();
    (heard.try_iter().collect(), st)
}

#[test]
fn a_missing_soundfont_says_so_in_one_line_and_falls_back_to_the_built_in_synth() {
    let (said, status) = play_through(SoundSource::SoundFont("/no/such/font.sf2".into()));
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("/no/such/font.sf2"), "{}", said[0]);
    assert!(
        said[0].ends_with("playing with the built-in synth"),
        "{}",
        said[0]
    );
    // The fallback went on to the (missing) device.
    assert!(status.no_device.is_some());
    assert!(!status.playing);
}

#[test]
fn a_port_that_cannot_be_opened_says_so_and_falls_back() {
    let (said, status) = play_through(SoundSource::Midi("no such port anywhere".into()));
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("MIDI"), "{}", said[0]);
    assert!(
        said[0].ends_with("playing with the built-in synth"),
        "{}",
        said[0]
    );
    assert!(status.no_device.is_some());
}

#[test]
fn the_built_in_synth_needs_only_the_device() {
    let (said, status) = play_through(SoundSource::Builtin);
    assert!(said.is_empty(), "{said:?}");
    assert!(status.no_device.is_some() && !status.playing);
}

#[test]
fn sources_are_named_for_the_play_tab() {
    assert_eq!(SoundSource::Builtin.label(), "built-in synth");
    let font = SoundSource::SoundFont("/usr/share/sounds/sf2/TimGM6mb.sf2".into());
    assert_eq!(font.label(), "TimGM6mb.sf2");
    assert_eq!(SoundSource::Midi("Synth 1".into()).label(), "MIDI Synth 1");
}
