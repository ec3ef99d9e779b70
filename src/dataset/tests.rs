//! Tests of windows, the split and the baselines.

use super::*;
use crate::music::{Note, PPQ, Pitch, Progression, Role, Track};

fn tune(seed: u8, bars: u32) -> Score {
    let mut s = Score::new("t", 120.0);
    let mut m = Track::new("m", Role::Melody, 0, 0);
    for i in 0..bars * 8 {
        m.notes.push(Note {
            start: i * PPQ / 2,
            dur: PPQ / 2,
            pitch: Pitch::new(60 + ((i * 5 + seed as u32) % 12) as u8).unwrap(),
            velocity: 90,
        });
    }
    s.tracks.push(m);
    s.chords = Progression::from_arg("blues-f").unwrap().spans(PPQ * 4, 4);
    s
}

#[test]
fn windows_follow_the_exercise_convention() {
    let w = make_windows(&[vec![5, 6, 7, 8, 9]], 3, 1, 10);
    assert_eq!(w.m, 3);
    assert_eq!(&w.x[..3], &[-1, 5, 6]);
    assert_eq!(&w.y[..3], &[5, 6, 7]);
    assert_eq!(&w.y[6..9], &[7, 8, 9]);
    let short = make_windows(&[vec![1, 2]], 4, 1, 3);
    assert_eq!(short.m, 1);
    assert_eq!(short.x, [-1, 1, 2, -1]);
    assert_eq!(short.y, [1, 2, -1, -1]);
    assert_eq!(short.targets(), 2);
}

#[test]
fn split_by_file_never_leaks() {
    let scores: Vec<_> = (0..10).map(|i| (format!("f{i}"), tune(i, 8))).collect();
    let ds = from_scores(scores, &DatasetOptions::default()).unwrap();
    let train = ds.streams(Split::Train);
    let val = ds.streams(Split::Val);
    assert_eq!(val.len(), 1);
    assert_eq!(train.len(), 9);
    // Windows are built per stream, so no window holds tokens of both sides.
    let tw = ds.windows(Split::Train);
    assert_eq!(tw.tx, 30);
    assert!(tw.m > 0 && tw.x.len() == tw.m * 30);
    assert!(tw.y.iter().all(|&y| y < ds.vocab.len() as i32));
}

#[test]
fn split_by_position_for_few_files() {
    let ds = from_scores(vec![("a".into(), tune(1, 8))], &DatasetOptions::default()).unwrap();
    let t = &ds.streams(Split::Train)[0];
    let v = &ds.streams(Split::Val)[0];
    assert_eq!(t.len() + v.len(), ds.files[0].tokens);
    assert!(!v.is_empty());
}

#[test]
fn baselines_are_ordered_on_a_repetitive_corpus() {
    let train = vec![(0..400).map(|i| (i % 4) as u32).collect::<Vec<_>>()];
    let val = vec![(0..40).map(|i| (i % 4) as u32).collect::<Vec<_>>()];
    let b = baselines(&train, &val, 8);
    assert!((b.uniform - 8f64.ln()).abs() < 1e-12);
    assert!(b.bigram < b.unigram && b.unigram < b.uniform, "{b:?}");
    assert!(b.bigram < 0.1);
}

#[test]
fn bad_files_are_listed_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.mid"), b"garbage").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"not midi, not read").unwrap();
    let good = tune(3, 4);
    crate::midi::export::write_file(&good, &dir.path().join("good.mid"), false).unwrap();
    let ds = load(
        &[dir.path().to_path_buf()],
        &DatasetOptions::default(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(ds.files.len(), 1);
    assert_eq!(ds.failed.len(), 1);
    assert!(ds.failed[0].path.ends_with("bad.mid"));
    let err = load(
        &[dir.path().join("bad.mid")],
        &DatasetOptions::default(),
        &mut |_, _| {},
    );
    assert!(err.unwrap_err().to_string().contains("bad.mid"));
    let missing = load(
        &[dir.path().join("nope")],
        &DatasetOptions::default(),
        &mut |_, _| {},
    );
    assert!(matches!(missing, Err(DatasetError::Missing(_))));
}

#[test]
fn exercise_windows_have_the_exercise_shapes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/exercise");
    let Ok(corpus) = std::fs::read_to_string(dir.join("corpus.txt")) else {
        eprintln!("exercise data not found at {}; skipped", dir.display());
        return;
    };
    let lines = |f: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(f))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let corpus: Vec<String> = corpus.lines().map(str::to_string).collect();
    let values = lines("values.txt");
    let starts: Vec<usize> = lines("windows.txt")
        .iter()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    let w = exercise_windows(&corpus, &values, &starts, 30);
    assert_eq!((w.m, w.tx, w.n_values), (60, 30, 78));
    for i in 0..60 {
        assert_eq!(w.x[i * 30], -1);
        assert_eq!(w.y[i * 30 + 29], -1);
        for t in 1..29 {
            assert_eq!(w.y[i * 30 + t - 1], w.x[i * 30 + t]);
            assert!(w.x[i * 30 + t] >= 0);
        }
    }
}

#[test]
fn key_augmentation_adds_transposed_copies_to_training_only() {
    let scores: Vec<_> = (0..10).map(|i| (format!("f{i}"), tune(i, 8))).collect();
    let plain = DatasetOptions {
        tokenizer: TokenizerKind::Pitch,
        ..DatasetOptions::default()
    };
    let augmented = DatasetOptions {
        augment_keys: ALL_KEYS.to_vec(),
        ..plain.clone()
    };
    let a = from_scores(scores.clone(), &plain).unwrap();
    let b = from_scores(scores, &augmented).unwrap();
    // Twelve keys of each training file; the validation file stays as it was.
    assert_eq!(
        b.streams(Split::Train).len(),
        12 * a.streams(Split::Train).len()
    );
    assert_eq!(b.streams(Split::Val).len(), a.streams(Split::Val).len());
    let tokens = |ds: &Dataset, s: Split| -> Vec<Vec<String>> {
        ds.streams(s)
            .iter()
            .map(|st| {
                st.iter()
                    .map(|&i| ds.vocab.token(i as usize).unwrap().to_string())
                    .collect()
            })
            .collect()
    };
    assert_eq!(tokens(&a, Split::Val), tokens(&b, Split::Val));
    // Absolute pitches in other keys: a larger vocabulary.
    assert!(b.vocab.len() > a.vocab.len());
    // One semitone up moves every pitch token by one.
    let up = DatasetOptions {
        augment_keys: vec![1],
        val_fraction: 0.0,
        ..plain.clone()
    };
    let c = from_scores(vec![("x".into(), tune(0, 2))], &up).unwrap();
    let t = tokens(&c, Split::Train);
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].len(), t[1].len());
    assert_ne!(t[0], t[1]);
    assert_eq!(
        parse_key_set("all").unwrap().len(),
        12,
        "all keys are -5..=6"
    );
    assert_eq!(parse_key_set("-2, 0,3,3").unwrap(), vec![-2, 0, 3]);
    assert!(parse_key_set("12").is_err());
    assert!(parse_key_set("x").is_err());
}
