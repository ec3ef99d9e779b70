//! The trainer thread end to end: learning, event order, pause/resume/stop, NaN, resume.

use improv::dataset::make_windows;
use improv::model::bundle::Bundle;
use improv::tokens::{TokenizerKind, Vocab};
use improv::train::TrainConfig;
use improv::train::{TokenData, TrainControl, TrainData, TrainEvent, spawn};
use std::time::Duration;

fn data(tokens: usize, stride: usize) -> TrainData {
    let vocab = Vocab::from_ordered(&["C,6", "S,3", "A,3", "R,12", "C,12"]);
    // A repeating phrase: perfectly predictable after a couple of tokens.
    let phrase = [0u32, 1, 2, 0, 4, 3];
    let stream: Vec<u32> = (0..tokens).map(|i| phrase[i % phrase.len()]).collect();
    let val: Vec<u32> = stream[..60].to_vec();
    TrainData::Tokens(TokenData {
        train: make_windows(&[stream], 12, stride, 5),
        val: make_windows(&[val], 12, 12, 5),
        vocab,
        tokenizer: TokenizerKind::Grammar,
        tx: 12,
        fingerprint: "test".into(),
        bigram: None,
    })
}

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        n_a: 16,
        batch: 8,
        seed: 3,
        checkpoint_every: 0,
        ..TrainConfig::default()
    }
}

fn collect(rx: &std::sync::mpsc::Receiver<TrainEvent>) -> Vec<TrainEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.recv_timeout(Duration::from_secs(120)) {
        let end = matches!(e, TrainEvent::Finished(_) | TrainEvent::Failed(_));
        out.push(e);
        if end {
            break;
        }
    }
    out
}

/// The `Epoch` events' summaries, in order.
fn epoch_summaries(events: &[TrainEvent]) -> Vec<improv::train::EpochSummary> {
    events
        .iter()
        .filter_map(|e| match e {
            TrainEvent::Epoch(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn learns_a_repeating_phrase_and_reports_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let h = spawn(data(300, 3), config(40), out.clone(), None);
    let events = collect(&h.events);
    assert!(matches!(
        events[0],
        TrainEvent::Started {
            first_epoch: 1,
            epochs: 40,
            ..
        }
    ));
    let epochs = epoch_summaries(&events);
    assert_eq!(
        epochs.iter().map(|s| s.epoch).collect::<Vec<_>>(),
        (1..=40).collect::<Vec<_>>()
    );
    let first = epochs[0].train;
    let last = epochs.last().unwrap();
    assert!(last.train < 0.1, "train loss {first} -> {}", last.train);
    assert!(last.val.unwrap() < 0.2, "val loss {:?}", last.val);
    let TrainEvent::Finished(summary) = events.last().unwrap() else {
        panic!("no Finished: {:?}", events.last());
    };
    assert!(!summary.stopped);
    assert_eq!(summary.epochs_done, 40);
    let b = Bundle::load(&out).unwrap();
    assert_eq!(b.meta.history.len(), 40);
    assert!(b.adam.as_ref().is_some_and(|a| a.updates > 0));
}

#[test]
fn pause_resume_and_stop_save_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let h = spawn(data(3000, 1), config(1000), out.clone(), None);
    // Wait for the first epoch, then pause.
    loop {
        match h.events.recv_timeout(Duration::from_secs(60)).unwrap() {
            TrainEvent::Epoch(_) => break,
            TrainEvent::Failed(r) => panic!("{r}"),
            _ => {}
        }
    }
    h.control.send(TrainControl::Pause).unwrap();
    loop {
        if h.events.recv_timeout(Duration::from_secs(60)).unwrap() == TrainEvent::Paused {
            break;
        }
    }
    // While paused nothing arrives.
    assert!(h.events.recv_timeout(Duration::from_millis(300)).is_err());
    h.control.send(TrainControl::Resume).unwrap();
    assert_eq!(
        h.events.recv_timeout(Duration::from_secs(60)).unwrap(),
        TrainEvent::Resumed
    );
    h.control.send(TrainControl::Stop).unwrap();
    let rest = collect(&h.events);
    let TrainEvent::Finished(summary) = rest.last().unwrap() else {
        panic!("{:?}", rest.last());
    };
    assert!(summary.stopped);
    assert!(
        rest.iter()
            .any(|e| matches!(e, TrainEvent::Checkpoint { .. }))
    );
    assert!(Bundle::load(&out).is_ok());
}

#[test]
fn a_stop_before_the_first_epoch_saves_no_random_weights() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let h = spawn(data(30_000, 1), config(1000), out.clone(), None);
    loop {
        match h.events.recv_timeout(Duration::from_secs(60)).unwrap() {
            TrainEvent::Batch { .. } => break,
            TrainEvent::Failed(r) => panic!("{r}"),
            _ => {}
        }
    }
    // A save and a stop asked for in the first epoch's first batches.
    h.control.send(TrainControl::SaveNow).unwrap();
    h.control.send(TrainControl::Stop).unwrap();
    let events = collect(&h.events);
    assert!(
        !events.iter().any(|e| matches!(e, TrainEvent::Epoch(_))),
        "the corpus is big enough that no epoch ends before the stop"
    );
    let TrainEvent::Failed(reason) = events.last().unwrap() else {
        panic!("{:?}", events.last());
    };
    assert!(reason.contains("nothing was saved"), "{reason}");
    assert!(!out.exists(), "random weights must not be saved as a model");
}

#[test]
fn a_nan_loss_fails_clearly_and_keeps_nothing_broken() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let mut cfg = config(5);
    cfg.adam.lr = f64::NAN;
    cfg.adam.clip = None;
    let h = spawn(data(300, 3), cfg, out.clone(), None);
    let events = collect(&h.events);
    let TrainEvent::Failed(reason) = events.last().unwrap() else {
        panic!("{:?}", events.last());
    };
    assert!(reason.contains("NaN"), "{reason}");
    assert!(!out.exists(), "a NaN model must not be saved");
}

#[test]
fn resume_continues_history_and_optimiser() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    collect(&spawn(data(300, 3), config(3), out.clone(), None).events);
    let first = Bundle::load(&out).unwrap();
    let updates = first.adam.as_ref().unwrap().updates;
    let events = collect(&spawn(data(300, 3), config(5), out.clone(), Some(first)).events);
    assert!(
        matches!(events[0], TrainEvent::Started { first_epoch: 4, .. }),
        "{:?}",
        events[0]
    );
    let b = Bundle::load(&out).unwrap();
    assert_eq!(b.meta.history.len(), 5);
    assert!(b.adam.unwrap().updates > updates);
}

/// Conditioned material from combo scores of 6 to 14 bars, cut to carry the state.
fn carried_events() -> TrainData {
    use improv::dataset::events::{EventData, EventOptions};
    let named = (6..15)
        .map(|bars| (format!("combo{bars}"), improv::fixtures::combo_score(bars)))
        .collect();
    let opts = EventOptions {
        tx: 16,
        carry: true,
        val_fraction: 0.2,
        ..EventOptions::default()
    };
    TrainData::from_events(EventData::from_scores(named, &opts))
}

fn conditioned_config(epochs: usize, engine: improv::model::Engine) -> TrainConfig {
    TrainConfig {
        kind: improv::model::ModelKind::Conditioned,
        engine,
        batch: 3,
        threads: 1,
        ..config(epochs)
    }
}

#[test]
fn the_conditioned_kind_trains_carrying_its_state_and_the_fused_engine_refuses() {
    use improv::model::Engine;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let h = spawn(
        carried_events(),
        conditioned_config(4, Engine::Host),
        out.clone(),
        None,
    );
    let events = collect(&h.events);
    let epochs = epoch_summaries(&events);
    assert_eq!(epochs.len(), 4, "{:?}", events.last());
    assert!(epochs[3].train < epochs[0].train, "{epochs:?}");
    assert!(epochs.iter().all(|s| s.val.is_some_and(f64::is_finite)));
    let b = Bundle::load(&out).unwrap();
    assert!(b.meta.config.carry, "the bundle says how it was trained");
    let fused = conditioned_config(2, Engine::Fused);
    let h = spawn(carried_events(), fused, dir.path().join("f"), None);
    let events = collect(&h.events);
    let Some(TrainEvent::Failed(reason)) = events.last() else {
        panic!("{:?}", events.last());
    };
    assert!(reason.contains("cannot carry"), "{reason}");
}
