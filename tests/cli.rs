//! End-to-end runs of the `improv` binary, as a user types them.

use assert_cmd::Command;
use std::path::PathBuf;

fn improv() -> Command {
    let mut c = Command::cargo_bin("improv").expect("the improv binary builds");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn help_lists_every_command() {
    let out = improv().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["dataset", "corpus", "train", "generate"] {
        assert!(text.contains(cmd), "--help lacks {cmd}: {text}");
    }
}

#[test]
fn missing_input_is_one_clear_line_and_a_failure() {
    let out = improv()
        .args(["dataset", "no/such/file.mid"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(err.contains("no/such/file.mid"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn garbage_midi_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("junk.mid");
    std::fs::write(&bad, b"MThd this is not a midi file at all").unwrap();
    let out = improv().arg("dataset").arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains("junk.mid") && err.contains("not a readable MIDI file"),
        "{err}"
    );
}

#[test]
fn corpus_regenerates_the_bundled_assets_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    improv()
        .args(["corpus", "--seed", "1", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("assets")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "mid") {
            let fresh = dir.path().join(path.file_name().unwrap());
            assert_eq!(
                std::fs::read(&path).unwrap(),
                std::fs::read(&fresh).unwrap(),
                "{} differs from a fresh `improv corpus --seed 1`",
                path.display()
            );
            n += 1;
        }
    }
    assert!(n >= 10, "only {n} bundled MIDI files");
}

#[test]
fn dataset_json_summarises_the_corpus() {
    let out = improv()
        .args(["dataset", "assets", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stats = &v["stats"];
    assert!(stats["vocab_size"].as_u64().unwrap() > 10);
    let b = &stats["baselines"];
    let (uni, big, uniform) = (
        b["unigram"].as_f64().unwrap(),
        b["bigram"].as_f64().unwrap(),
        b["uniform"].as_f64().unwrap(),
    );
    assert!(big < uni && uni < uniform, "{b}");
    assert_eq!(v["x_shape"][1].as_u64(), Some(30));
}

#[test]
fn augment_keys_adds_transposed_training_windows() {
    let windows = |extra: &[&str]| -> u64 {
        let out = improv()
            .args(["dataset", "assets", "--json"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{extra:?}: {}", stderr_of(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["x_shape"][0].as_u64().unwrap()
    };
    let plain = windows(&[]);
    let two = windows(&["--augment-keys=0,5"]);
    let all = windows(&["--augment-keys"]);
    assert!(two > plain && all > two, "{plain} {two} {all}");
    let bad = improv()
        .args(["dataset", "assets", "--augment-keys=0,13"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        stderr_of(&bad).contains("augment-keys"),
        "{}",
        stderr_of(&bad)
    );
}

#[test]
fn train_then_generate_then_refuse_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let assets = root().join("assets");
    let out = improv()
        .args(["train", "--epochs", "2", "--n-a", "16", "--json", "--out"])
        .arg(&model)
        .arg(assets.join("01-blues-f-a.mid"))
        .arg(assets.join("02-blues-f-b.mid"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["event"], "started");
    assert_eq!(events.last().unwrap()["event"], "finished");
    assert_eq!(
        events.iter().filter(|e| e["event"] == "epoch").count(),
        2,
        "{events:?}"
    );

    // The same --out again is refused: nothing the user made is overwritten silently.
    let again = improv()
        .args(["train", "--epochs", "1", "--out"])
        .arg(&model)
        .arg(assets.join("01-blues-f-a.mid"))
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(stderr_of(&again).contains("already exists"));

    let mid = dir.path().join("solo.mid");
    let gen_out = improv()
        .args([
            "generate",
            "--progression",
            "| Dm7 G7 | Cmaj7 | % |",
            "--choruses",
            "2",
        ])
        .args(["--seed", "3", "--json", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(&mid)
        .output()
        .unwrap();
    assert!(gen_out.status.success(), "{}", stderr_of(&gen_out));
    let report: serde_json::Value = serde_json::from_slice(&gen_out.stdout).unwrap();
    assert_eq!(report["stats"]["bars"], 6);
    let imported =
        improv::midi::import::read_file(&mid, &improv::midi::import::ImportOptions::default())
            .unwrap();
    assert_eq!(imported.score.chords[0].chord.to_string(), "Dm7");
    assert!(imported.score.melody().is_some_and(|m| !m.notes.is_empty()));
}

#[test]
fn the_bundled_model_generates_and_a_broken_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mid = dir.path().join("solo.mid");
    let out = improv()
        .args(["generate", "--seed", "1", "--out"])
        .arg(&mid)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("chord tones"));

    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("bundle.json"), "{}").unwrap();
    let out = improv()
        .args(["generate", "--model"])
        .arg(&bad)
        .arg("--out")
        .arg(dir.path().join("x.mid"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(err.contains("bad") && err.contains("incompatible"), "{err}");
}

#[test]
fn a_primer_from_a_file_starts_the_solo_with_its_phrase() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("assets/01-blues-f-a.mid");
    let out = improv()
        .args([
            "generate",
            "--model",
            "models/exercise",
            "--primer-len",
            "5",
            "--json",
        ])
        .arg("--primer-from")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("p.mid"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let imported =
        improv::midi::import::read_file(&file, &improv::midi::import::ImportOptions::default())
            .unwrap();
    // The primer is the file's first tokens that the model knows.
    let bundle = improv::model::bundle::Bundle::load(&root().join("models/exercise")).unwrap();
    let first: Vec<String> =
        improv::tokens::encode(improv::tokens::TokenizerKind::Grammar, &imported.score)
            .into_iter()
            .filter(|t| bundle.meta.vocab.index_of(t).is_some())
            .collect();
    let got: Vec<String> = report["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .take(5)
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, first[..5].to_vec());
}

/// Dm7, G7, Cmaj7 and Cmaj7 arpeggios, a bar each.
const ARPEGGIOS: [[u8; 4]; 4] = [
    [62, 65, 69, 72],
    [67, 71, 74, 77],
    [72, 76, 79, 83],
    [84, 83, 79, 76],
];

/// A solo over `| Dm7 | G7 | Cj7 | Cj7 |` (Weimar spellings in the markers), four bars of
/// eighth notes, written with improv's own exporter.
fn write_real_style_solo(path: &std::path::Path) {
    use improv::music::{ChordSpan, Note, PPQ, Pitch, Role, Score, Track};
    let mut s = Score::new("solo", 180.0);
    let mut t = Track::new("Trumpet", Role::Melody, 0, 56);
    for i in 0..32u32 {
        t.notes.push(Note {
            start: i * PPQ / 2,
            dur: PPQ / 2,
            pitch: Pitch::new(ARPEGGIOS[(i / 8) as usize][(i % 4) as usize]).unwrap(),
            velocity: 90,
        });
    }
    s.tracks.push(t);
    for (i, sym) in ["D-7", "G7", "Cj7"].iter().enumerate() {
        s.chords.push(ChordSpan {
            start: i as u32 * PPQ * 4,
            dur: PPQ * 4 * if i == 2 { 2 } else { 1 },
            chord: sym.parse().unwrap(),
        });
    }
    improv::midi::export::write_file(&s, path, false).unwrap();
}

/// Every figure of the first file's players and model, and of the overall model, is a number.
fn assert_every_figure(v: &serde_json::Value) {
    let file = &v["files"][0];
    for key in [
        "chord_tone_rate",
        "scale_tone_rate",
        "notes_per_bar",
        "rest_share",
        "median_note_beats",
        "lowest",
        "median",
        "highest",
        "wall_share",
        "pc_entropy",
    ] {
        assert!(file["players"][key].is_number(), "players.{key}: {file}");
        assert!(file["model"][key].is_number(), "model.{key}: {file}");
        assert!(v["overall"]["model"][key].is_number(), "overall.{key}");
    }
    for key in [
        "interval_overlap",
        "onset_overlap",
        "longest_copied",
        "corpus_longest_repeat",
    ] {
        assert!(file["model"][key].is_number(), "model.{key}: {file}");
    }
}

#[test]
fn judge_sets_the_model_beside_the_players_as_json_and_a_table() {
    let dir = tempfile::tempdir().unwrap();
    write_real_style_solo(&dir.path().join("solo.mid"));
    std::fs::write(dir.path().join("junk.mid"), b"not midi").unwrap();
    let out = improv()
        .args([
            "judge",
            "--model",
            "models/exercise",
            "--seeds",
            "1,2",
            "--json",
        ])
        .arg(dir.path())
        .args(["--corpus", "assets"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = &v["files"][0];
    assert!(file["path"].as_str().unwrap().ends_with("solo.mid"));
    assert_every_figure(&v);
    // The players' line: every note of Dm7 / G7 / Cmaj7 arpeggios is a chord tone.
    assert_eq!(file["players"]["chord_tone_rate"], 1.0);
    assert_eq!(file["players"]["notes_per_bar"], 8.0);
    assert_eq!(
        v["skipped"][0]["path"]
            .as_str()
            .map(|p| p.ends_with("junk.mid")),
        Some(true)
    );
    let out = improv()
        .args(["judge", "--seeds", "1"])
        .arg(dir.path().join("solo.mid"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("players") && text.contains("model") && text.contains("overall"));
}

#[test]
fn judge_without_solos_says_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.mid"), b"not midi").unwrap();
    let out = improv().arg("judge").arg(dir.path()).output().unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains("no file with a melody and chord changes") && err.contains("junk.mid"),
        "{err}"
    );
}

#[test]
fn typed_charts_read_database_spellings_and_name_a_bad_bar_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = improv()
        .args([
            "generate",
            "--progression",
            "| D-7 G7 | Cj7 | NC | C79b |",
            "--out",
        ])
        .arg(dir.path().join("a.mid"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = improv()
        .args(["generate", "--progression", "| C7 | F7 | Xq7 |", "--out"])
        .arg(dir.path().join("b.mid"))
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(!out.status.success());
    assert_eq!(err.matches("Xq7").count(), 1, "{err}");
    assert!(err.contains("bar 3"), "{err}");
}
