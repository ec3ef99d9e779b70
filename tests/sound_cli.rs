//! The sound commands as a user types them: SoundFonts, ports, damaged and long files.

use assert_cmd::Command;
use improv::music::{Note, PPQ, Pitch, Role, Score, Track};

fn improv() -> Command {
    let mut c = Command::cargo_bin("improv").expect("the improv binary builds");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A damaged-looking file: a short note, then one held for `minutes` at 120 bpm.
fn long_note_file(dir: &std::path::Path, minutes: u32) -> std::path::PathBuf {
    let mut s = Score::new("damaged", 120.0);
    let mut t = Track::new("Solo", Role::Melody, 0, 66);
    for (start, dur) in [(0, PPQ), (PPQ * 4, minutes * 120 * PPQ)] {
        t.notes.push(Note {
            start,
            dur,
            pitch: Pitch::new(67).unwrap(),
            velocity: 90,
        });
    }
    s.tracks.push(t);
    let path = dir.join("damaged.mid");
    std::fs::write(&path, improv::midi::export::to_bytes(&s)).unwrap();
    path
}

#[test]
fn ports_answers_in_one_line_without_a_midi_system() {
    let out = improv().arg("ports").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(!said.trim().is_empty());
    if said.contains("no MIDI system") {
        assert_eq!(said.trim().lines().count(), 1, "{said}");
        assert!(text(&out.stderr).trim().is_empty(), "{}", text(&out.stderr));
    }
}

#[test]
fn a_bad_soundfont_is_one_line_and_the_built_in_synth_renders() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.sf2");
    std::fs::write(&bad, b"not a soundfont").unwrap();
    let wav = dir.path().join("out.wav");
    let out = improv()
        .args(["render", "assets/01-blues-f-a.mid", "--wav"])
        .arg(&wav)
        .arg("--soundfont")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("broken.sf2") && err.contains("built-in synth"),
        "{err}"
    );
    assert!(wav.exists());
}

#[test]
fn a_note_of_minutes_is_named_by_bar_and_a_render_over_the_limit_never_starts() {
    let dir = tempfile::tempdir().unwrap();
    let mid = long_note_file(dir.path(), 2);
    let wav = dir.path().join("long.wav");
    let out = improv()
        .arg("render")
        .arg(&mid)
        .arg("--wav")
        .arg(&wav)
        .args(["--max-minutes", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("2.1 minutes") && err.contains("--max-minutes"),
        "{err}"
    );
    assert!(!wav.exists(), "nothing is written");
    let out = improv()
        .arg("render")
        .arg(&mid)
        .arg("--wav")
        .arg(&wav)
        .arg("--dry")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: bar 2: a G4 note in Solo lasts 60 bars"),
        "{err}"
    );
    let r = hound::WavReader::open(&wav).unwrap();
    // Two bars' lead-in and 2 minutes of note, its release, then the one-second tail.
    let secs = r.duration() as f64 / 48_000.0;
    assert!((secs - (2.0 + 120.0 + 1.0)).abs() < 0.01, "{secs} s");
}
