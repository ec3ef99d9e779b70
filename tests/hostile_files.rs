//! Hostile files and commands, made here and handed to `improv` as a user would: each is
//! bounded (cut, clamped or refused) and said, never hung on or silently wrong.

use assert_cmd::Command;
use improv::music::{Chord, ChordSpan, Note, PPQ, Pitch, Role, Score, Track};
use std::path::{Path, PathBuf};

fn improv() -> Command {
    let mut c = Command::cargo_bin("improv").expect("the improv binary builds");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn note(start: u32, dur: u32, key: u8) -> Note {
    Note {
        start,
        dur,
        pitch: Pitch::new(key).unwrap(),
        velocity: 90,
    }
}

/// A solo of `notes` over 12 bars of F7 written to `dir/name`.
fn solo_file(dir: &Path, name: &str, notes: Vec<Note>, edit: impl FnOnce(&mut Score)) -> PathBuf {
    let mut s = Score::new("hostile", 120.0);
    let mut t = Track::new("Solo", Role::Melody, 0, 66);
    t.notes = notes;
    s.tracks.push(t);
    let f7: Chord = "F7".parse().unwrap();
    s.chords = (0..12)
        .map(|b| ChordSpan {
            start: b * 4 * PPQ,
            dur: 4 * PPQ,
            chord: f7,
        })
        .collect();
    edit(&mut s);
    let path = dir.join(name);
    std::fs::write(&path, improv::midi::export::to_bytes(&s)).unwrap();
    path
}

#[test]
fn a_note_held_two_to_the_28_ticks_is_cut_at_the_form_cap_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let notes = vec![note(0, PPQ, 65), note(PPQ, (1 << 28) - 1, 69)];
    let f = solo_file(dir.path(), "held.mid", notes, |_| {});
    assert!(std::fs::metadata(&f).unwrap().len() < 1000, "a small file");
    let out = improv()
        .args(["generate", "--progression"])
        .arg(&f)
        .arg("--out")
        .arg(dir.path().join("s.mid"))
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("held.mid") && err.contains("cut at bar 1024"),
        "{err}"
    );
    let said = text(&out.stdout);
    assert!(
        said.contains("2048 bars"),
        "two choruses of the cut form: {said}"
    );
}

#[test]
fn a_chart_of_32000_bars_is_refused_with_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let chart = "|C7".repeat(32_000) + "|";
    let out = improv()
        .args(["generate", "--progression", &chart, "--out"])
        .arg(dir.path().join("s.mid"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("more than 1024 bars"), "{err}");
}

#[test]
fn a_midi_tempo_of_zero_is_ignored_and_named_on_render() {
    let dir = tempfile::tempdir().unwrap();
    let f = solo_file(dir.path(), "fast.mid", vec![note(0, PPQ, 65)], |s| {
        s.tempos[0].us_per_quarter = 0;
    });
    let out = improv()
        .arg("render")
        .arg(&f)
        .arg("--wav")
        .arg(dir.path().join("o.wav"))
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("fast.mid") && err.contains("0 µs a beat in bar 1: ignored"),
        "{err}"
    );
}

#[test]
fn render_of_a_damaged_midi_warns_as_dataset_does() {
    let dir = tempfile::tempdir().unwrap();
    let f = solo_file(dir.path(), "ok.mid", vec![note(0, PPQ, 65)], |_| {});
    let mut bytes = std::fs::read(&f).unwrap();
    // The last track claims 4 GB.
    let at = bytes.windows(4).rposition(|w| w == b"MTrk").unwrap();
    bytes[at + 4..at + 8].copy_from_slice(&u32::MAX.to_be_bytes());
    let bad = dir.path().join("damaged.mid");
    std::fs::write(&bad, bytes).unwrap();
    for cmd in ["dataset", "render"] {
        let mut c = improv();
        c.arg(cmd).arg(&bad);
        if cmd == "render" {
            c.arg("--wav").arg(dir.path().join("d.wav"));
        }
        let out = c.output().unwrap();
        let said = text(&out.stderr) + &text(&out.stdout);
        assert!(said.contains("damaged"), "{cmd}: {said}");
    }
}

#[test]
fn the_same_path_for_out_and_wav_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.mid");
    let out = improv()
        .args(["generate", "--progression", "blues-f", "--force", "--out"])
        .arg(&s)
        .arg("--wav")
        .arg(dir.path().join(".").join("s.mid"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("--out and --wav both name"), "{err}");
    assert!(!s.exists());
}

#[cfg(unix)]
#[test]
fn force_onto_a_link_is_refused_and_the_link_kept() {
    let dir = tempfile::tempdir().unwrap();
    let f = solo_file(dir.path(), "in.mid", vec![note(0, PPQ, 65)], |_| {});
    let target = dir.path().join("precious.txt");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.path().join("out.wav");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = improv()
        .arg("render")
        .arg(&f)
        .arg("--force")
        .arg("--wav")
        .arg(&link)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("not a regular file"));
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
}

#[cfg(unix)]
#[test]
fn an_interrupted_render_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    // An hour of audio: long enough to be stopped half way.
    let f = solo_file(
        dir.path(),
        "long.mid",
        vec![note(0, 60 * 120 * PPQ, 65)],
        |_| {},
    );
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_improv"))
        .arg("render")
        .arg(&f)
        .arg("--max-minutes")
        .arg("120")
        .arg("--wav")
        .arg(out_dir.join("long.wav"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let listed = || std::fs::read_dir(&out_dir).unwrap().count();
    for _ in 0..600 {
        if listed() > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(listed() > 0, "the render started writing");
    std::thread::sleep(std::time::Duration::from_millis(300));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(listed(), 0, "the temporary file is removed on SIGTERM");
}

#[test]
fn judge_refuses_figures_no_solo_can_have() {
    let dir = tempfile::tempdir().unwrap();
    // 20,000 notes over 12 bars: no player's solo.
    let notes: Vec<Note> = (0..20_000)
        .map(|i| note(i * 2, 1, 60 + (i % 12) as u8))
        .collect();
    let dense = solo_file(dir.path(), "dense.mid", notes, |_| {});
    // A "melody" of four-note chords.
    let chords: Vec<Note> = (0..48)
        .flat_map(|b| [60, 64, 67, 70].map(|k| note(b * PPQ, PPQ, k)))
        .collect();
    let block = solo_file(dir.path(), "block.mid", chords, |_| {});
    let out = improv()
        .args(["judge", "--seeds", "1"])
        .arg(&dense)
        .arg(&block)
        .output()
        .unwrap();
    assert!(!out.status.success(), "nothing left to judge");
    let err = text(&out.stderr);
    assert!(
        err.contains("dense.mid") && err.contains("notes a bar"),
        "{err}"
    );
    assert!(
        err.contains("block.mid") && err.contains("melody of"),
        "{err}"
    );
}

#[test]
fn musicxml_tempos_out_of_range_and_absurd_alters_are_warned_of() {
    let measure = |n: u32, direction: &str, alter: &str, step: &str| {
        format!(
            "<measure number=\"{n}\"><attributes><divisions>1</divisions><time><beats>4</beats>\
             <beat-type>4</beat-type></time></attributes>{direction}<note><pitch><step>{step}\
             </step><alter>{alter}</alter><octave>4</octave></pitch><duration>4</duration>\
             <voice>1</voice></note></measure>"
        )
    };
    let m1 = measure(1, "<direction><sound tempo=\"1\"/></direction>", "NaN", "C");
    let m2 = measure(
        2,
        "<direction><direction-type><metronome><beat-unit>quarter</beat-unit><per-minute>-5\
         </per-minute></metronome></direction-type></direction>",
        "1e308",
        "D",
    );
    let xml = format!(
        "<?xml version=\"1.0\"?><score-partwise version=\"4.0\"><part-list><score-part \
         id=\"P1\"><part-name>Solo</part-name></score-part></part-list><part id=\"P1\">{m1}{m2}\
         </part></score-partwise>"
    );
    let imp = improv::musicxml::parse_bytes(xml.as_bytes(), &Default::default()).unwrap();
    let w = imp.warnings.join("\n");
    assert!(
        w.contains("1 bpm in bar 1 is outside 20–400 bpm: read as 20"),
        "{w}"
    );
    assert!(w.contains("-5 bpm in bar 2 is not a tempo: ignored"), "{w}");
    assert!(w.contains("<alter> is NaN"), "{w}");
    assert_eq!(imp.score.bpm().round(), 20.0);
    let keys: Vec<u8> = imp.score.tracks[0]
        .notes
        .iter()
        .map(|n| n.pitch.key())
        .collect();
    assert_eq!(keys, vec![60, 62], "absurd alters read as natural");
}
