//! End-to-end runs of the `improv` binary, as a user types them.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

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
    for cmd in [
        "dataset", "train", "generate", "render", "play", "corpus", "bench",
    ] {
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

    let out = improv()
        .args(["bench", "exercise", "no/such/dir"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("no/such/dir"));
}

#[test]
fn garbage_midi_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("junk.mid");
    std::fs::write(&bad, b"MThd this is not a midi file at all").unwrap();
    let out = improv()
        .arg("render")
        .arg(&bad)
        .arg("--wav")
        .arg(dir.path().join("o.wav"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("junk.mid"));
    assert!(!dir.path().join("o.wav").exists());
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

fn generate(out: &Path, seed: &str) -> std::process::Output {
    improv()
        .args([
            "generate",
            "--model",
            "models/default",
            "--progression",
            "blues-f",
            "--choruses",
            "1",
            "--seed",
            seed,
            "--json",
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn generate_is_reproducible_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.mid");
    let b = dir.path().join("b.mid");
    let out = generate(&a, "7");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stats"]["bars"].as_u64(), Some(12));
    assert!(v["stats"]["notes"].as_u64().unwrap() > 12);
    assert!(generate(&b, "7").status.success());
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    let before = std::fs::read(&a).unwrap();
    let again = generate(&a, "8");
    assert!(!again.status.success());
    assert!(stderr_of(&again).contains("already exists"));
    assert_eq!(std::fs::read(&a).unwrap(), before, "the file was touched");
}

#[test]
fn render_writes_a_wav_of_the_right_length() {
    let dir = tempfile::tempdir().unwrap();
    let mid = dir.path().join("s.mid");
    assert!(generate(&mid, "3").status.success());
    let wav = dir.path().join("s.wav");
    let out = improv()
        .arg("render")
        .arg(&mid)
        .arg("--wav")
        .arg(&wav)
        .args(["--swing", "0.66"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let reader = hound::WavReader::open(&wav).unwrap();
    let spec = reader.spec();
    assert_eq!(spec.channels, 2);
    // 12 bars of 4/4 at 160 bpm = 18 s, plus the release tail.
    let secs = reader.duration() as f64 / spec.sample_rate as f64;
    assert!((18.0..21.0).contains(&secs), "{secs} s");
}

#[test]
fn train_emits_json_events_and_a_loadable_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("m");
    let first = std::fs::read_dir(root().join("assets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mid"))
        .min()
        .unwrap();
    let out = improv()
        .arg("train")
        .arg(&first)
        .arg("--out")
        .arg(&out_dir)
        .args(["--epochs", "2", "--n-a", "16", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let epochs: Vec<_> = events.iter().filter(|e| e["event"] == "epoch").collect();
    assert_eq!(epochs.len(), 2);
    assert!(epochs[0]["train_loss"].as_f64().unwrap().is_finite());
    assert_eq!(events.last().unwrap()["event"], "finished");
    improv::model::bundle::Bundle::load(&out_dir).expect("the trained bundle loads");

    // A second run to the same place refuses to replace it.
    let again = improv()
        .arg("train")
        .arg(&first)
        .arg("--out")
        .arg(&out_dir)
        .args(["--epochs", "1"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(stderr_of(&again).contains("already exists"));
}
