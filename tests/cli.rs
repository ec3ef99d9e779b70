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
        .args(["generate", "--primer-len", "5", "--json", "--primer-from"])
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
    let bundle = improv::model::bundle::Bundle::load(&root().join("models/default")).unwrap();
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
