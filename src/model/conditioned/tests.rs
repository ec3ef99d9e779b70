//! Tests of the conditioned network: fused against reference, and that it hears the chords.

use crate::dataset::events::{EventData, EventOptions, EventWindows};
use crate::model::BackendKind;
use crate::model::conditioned::fit::epoch;
use crate::model::conditioned::fit::split_grads;
use crate::model::conditioned::net::{BatchScratch, batch_grads, dropout_mask, windows_nats};
use crate::model::conditioned::{CondSpec, CondWeights, Heads};
use crate::model::cpu::parallel::Parallel;
use crate::model::fit::Step;
use crate::model::optim::adam::{AdamSettings, AdamState};
use crate::model::{Engine, device};
use crate::music::{ChordSpan, Note, PPQ, Pitch, Role, Score, Track};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random_windows(rng: &mut ChaCha8Rng, m: usize, tx: usize, nf: usize) -> EventWindows {
    let n = m * tx;
    let mut w = EventWindows {
        m,
        tx,
        prev_p: (0..n).map(|_| rng.random_range(0..=5)).collect(),
        prev_d: (0..n).map(|_| rng.random_range(0..=3)).collect(),
        feats: (0..n * nf)
            .map(|_| if rng.random_bool(0.4) { 1.0 } else { 0.0 })
            .collect(),
        y_p: (0..n).map(|_| rng.random_range(0..5)).collect(),
        y_d: (0..n).map(|_| rng.random_range(0..3)).collect(),
        starts: Vec::new(),
    };
    // Padding targets add nothing.
    w.y_p[n - 1] = -1;
    w.y_d[n - 1] = -1;
    w
}

/// Random biases everywhere (and random heads), so every gate path is exercised.
fn randomize_biases(w: &mut CondWeights, rng: &mut ChaCha8Rng) {
    let first = w.spec.first_head();
    for (i, a) in w.arrays_mut().into_iter().enumerate() {
        if i == 3 || i == 7 || i >= first {
            a.iter_mut().for_each(|x| *x += rng.random_range(-0.5..0.5));
        }
    }
}

#[test]
fn fused_forward_and_gradients_match_the_reference_graph() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let win = random_windows(&mut rng, 3, 5, 4);
    for (layers, heads) in [(1, Heads::Split), (2, Heads::Split), (2, Heads::Joint)] {
        let spec = CondSpec {
            n_a: 6,
            layers,
            dropout: 0.3,
            heads,
            n_pitch: 5,
            n_dur: 3,
            n_feat: 4,
        };
        let mut w = CondWeights::init(spec, 2);
        randomize_biases(&mut w, &mut rng);
        let mut buf = BatchScratch::default();
        let batch = buf.gather(&win, &[0, 1, 2]);
        let mask = dropout_mask(&w, 15, &mut rng);
        assert_eq!(mask.is_some(), layers == 2);
        for backend in [BackendKind::Flex, BackendKind::Ndarray] {
            let dev = device(backend, true);
            let f = batch_grads(&w, &batch, &dev, Engine::Fused, mask.as_deref());
            let r = batch_grads(&w, &batch, &dev, Engine::Reference, mask.as_deref());
            assert!((f.loss - r.loss).abs() < 1e-5, "{} vs {}", f.loss, r.loss);
            assert_eq!(f.targets, 14);
            for (k, (gf, gr)) in f.grads.iter().zip(&r.grads).enumerate() {
                let worst = crate::model::max_diff(gf, gr);
                assert!(
                    worst < 1e-5,
                    "{backend} {layers} {heads:?}: grad {k} off by {worst}"
                );
                assert!(gr.iter().any(|&g| g != 0.0), "grad {k} is all zero");
            }
            // The batch split over two threads (one window and two: uneven event counts)
            // gives the whole batch's gradient.
            let two = split_grads(
                &Parallel::new(2),
                &w,
                &batch,
                &dev,
                Engine::Fused,
                mask.as_deref(),
            )
            .0;
            assert!(
                (two.loss - r.loss).abs() < 1e-5,
                "{} vs {}",
                two.loss,
                r.loss
            );
            assert_eq!(two.targets, r.targets);
            for (k, (g2, gr)) in two.grads.iter().zip(&r.grads).enumerate() {
                let worst = crate::model::max_diff(g2, gr);
                assert!(worst < 1e-5, "two threads: grad {k} off by {worst}");
            }
        }
    }
}

/// Pieces where each beat's chord is drawn at random and the melody plays its root: the
/// note is predictable only from the chord.
fn chord_dependent_corpus(pieces: usize, beats: u32, seed: u64) -> Vec<(String, Score)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let names = ["C7", "Eb7", "F#7", "A7"];
    (0..pieces)
        .map(|i| {
            let mut s = Score::new("toy", 120.0);
            let mut m = Track::new("m", Role::Melody, 0, 0);
            for b in 0..beats {
                let c: crate::music::Chord = names[rng.random_range(0..4)].parse().unwrap();
                s.chords.push(ChordSpan {
                    start: b * PPQ,
                    dur: PPQ,
                    chord: c,
                });
                m.notes.push(Note {
                    start: b * PPQ,
                    dur: PPQ,
                    pitch: Pitch::new(60 + c.root.index()).unwrap(),
                    velocity: 90,
                });
            }
            s.tracks.push(m);
            (format!("p{i}"), s)
        })
        .collect()
}

fn val_nats(blind: bool) -> f64 {
    let opts = EventOptions {
        tx: 16,
        stride: 8,
        val_fraction: 0.2,
        blind,
        ..Default::default()
    };
    let data = EventData::from_scores(chord_dependent_corpus(10, 64, 1), &opts);
    let spec = CondSpec::events(24, 1, 0.0, Heads::Split);
    let mut w = CondWeights::init(spec, 0);
    let mut opt = AdamState::default();
    let s = AdamSettings {
        decay: 0.0,
        clip: Some(5.0),
        ..Default::default()
    };
    let dev = device(BackendKind::Flex, true);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let parallel = Parallel::new(1);
    let step = Step::new(&s, &dev, Engine::Fused, &parallel);
    let mut scratch = BatchScratch::default();
    for _ in 0..25 {
        let pass = (&data.train, 16);
        epoch(&mut w, &mut opt, &step, pass, &mut rng, &mut scratch);
    }
    let (nats, n) = windows_nats(&w, &data.val, 16, &device(BackendKind::Flex, false));
    nats / n as f64
}

#[test]
fn the_conditioned_model_learns_what_only_the_chord_tells_and_the_blinded_cannot() {
    let heard = val_nats(false);
    let blind = val_nats(true);
    // Four equally likely roots: a model that cannot hear the chord pays about ln 4.
    assert!(heard < 0.3, "conditioned: {heard} nats per event");
    assert!(blind > 1.0, "blinded: {blind} nats per event");
}
