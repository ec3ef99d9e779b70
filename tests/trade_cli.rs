//! `improv trade` with bad input, as a user types it: one clear line naming what is wrong,
//! a failure, and no session file (MIDI or WAV) left behind.

use assert_cmd::Command;
use improv::music::{Note, PPQ, Pitch, Role, Score, Track};
use std::path::{Path, PathBuf};
use std::process::Output;

fn improv() -> Command {
    let mut c = Command::cargo_bin("improv").expect("the improv binary builds");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Two bars of eighth notes on `role`'s track (a melody, or drums only).
fn write_calls(path: &Path, role: Role) {
    let mut s = Score::new("calls", 140.0);
    let channel = if role == Role::Drums { 9 } else { 0 };
    let mut t = Track::new("calls", role, channel, 66);
    for i in 0..16u32 {
        t.notes.push(Note {
            start: i * PPQ / 2,
            dur: PPQ / 2,
            pitch: Pitch::new([65, 69, 72, 74][(i % 4) as usize]).unwrap(),
            velocity: 90,
        });
    }
    s.tracks.push(t);
    improv::midi::export::write_file(&s, path, false).unwrap();
}

struct Run {
    dir: tempfile::TempDir,
    calls: PathBuf,
}

impl Run {
    fn new() -> Run {
        let dir = tempfile::tempdir().unwrap();
        let calls = dir.path().join("calls.mid");
        write_calls(&calls, Role::Melody);
        Run { dir, calls }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("session.mid")
    }

    fn wav(&self) -> PathBuf {
        self.dir.path().join("session.wav")
    }

    /// `improv trade` with the good calls over 1-bar turns, and `args`.
    fn trade(&self, args: &[&str]) -> Output {
        self.trade_calls(&self.calls, args)
    }

    fn trade_calls(&self, calls: &Path, args: &[&str]) -> Output {
        improv()
            .args(["trade", "--bars", "1", "--seed", "1", "--calls"])
            .arg(calls)
            .arg("--out")
            .arg(self.out())
            .args(args)
            .output()
            .unwrap()
    }

    /// The run failed with one line holding every one of `words`, and wrote nothing.
    fn refused(&self, out: &Output, words: &[&str]) {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "it should fail: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(!err.contains("panicked"), "{err}");
        for w in words {
            assert!(err.contains(w), "{w:?} missing from: {err}");
        }
        assert!(!self.out().exists(), "no session MIDI left behind");
        assert!(!self.wav().exists(), "no session WAV left behind");
    }
}

#[test]
fn good_input_writes_the_session_so_the_refusals_below_are_the_input_s_fault() {
    let r = Run::new();
    let out = r.trade(&["--wav", r.wav().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(r.out().exists() && r.wav().exists());
}

#[test]
fn a_calls_file_without_a_melody_is_named() {
    let r = Run::new();
    let drums = r.dir.path().join("drums-only.mid");
    write_calls(&drums, Role::Drums);
    let out = r.trade_calls(&drums, &[]);
    r.refused(&out, &["drums-only.mid", "no melody"]);
}

#[test]
fn a_missing_calls_file_is_named() {
    let r = Run::new();
    let out = r.trade_calls(Path::new("no/such/calls.mid"), &[]);
    r.refused(&out, &["no/such/calls.mid"]);
}

#[test]
fn an_empty_chart_is_refused() {
    let r = Run::new();
    let out = r.trade(&["--progression", "| |"]);
    r.refused(&out, &["--progression", "no bars"]);
    // A file without chords (drums only) is named once.
    let drums = r.dir.path().join("drums-only.mid");
    write_calls(&drums, Role::Drums);
    let out = r.trade(&["--progression", drums.to_str().unwrap()]);
    r.refused(&out, &["--progression", "no chord changes"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("drums-only.mid").count(), 1, "{err}");
}

#[test]
fn a_tempo_out_of_range_is_refused_with_the_range() {
    let r = Run::new();
    for bpm in ["500", "10", "NaN"] {
        let out = r.trade(&["--tempo", bpm]);
        r.refused(&out, &["--tempo", "40 to 320"]);
    }
}

#[test]
fn an_unreadable_model_is_named() {
    let r = Run::new();
    let bad = r.dir.path().join("broken-model");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("bundle.json"), "{ not json").unwrap();
    let out = r.trade(&["--model", bad.to_str().unwrap()]);
    r.refused(&out, &["broken-model"]);
    let out = r.trade(&["--model", "no/such/model"]);
    r.refused(&out, &["no/such/model"]);
}

#[test]
fn a_wav_that_cannot_be_written_takes_the_session_midi_with_it() {
    let r = Run::new();
    let wav = r.dir.path().join("no-such-folder/session.wav");
    let out = r.trade(&["--wav", wav.to_str().unwrap()]);
    r.refused(&out, &["session.wav"]);
}
