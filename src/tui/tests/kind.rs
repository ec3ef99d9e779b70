//! The two model kinds in the studio: the Generate tab's decoding rows reach the decoding
//! of a run and dim where they do not apply; the Train tab's kind reaches the trainer.

use super::{key, root, screen, wait};
use crate::model::ModelKind;
use crate::model::bundle::Bundle;
use crate::tui::app::App;
use crate::tui::jobs::Job;
use crate::tui::keymap::Tab;
use crate::tui::tabs::generate::GenField;
use crate::tui::tabs::train::TrainField;
use crate::tui::view::draw;
use crate::tui::widgets::settings::Field;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn studio_with(model: &str) -> App {
    let mut app = App::new(&root().join("assets"), &root().join(model), false);
    wait(&mut app, "the dataset", |a| a.dataset.dataset.is_some());
    wait(&mut app, "the listing", |a| !a.dataset.browser.reading);
    wait(&mut app, "the model", |a| a.generate.bundle.is_some());
    app
}

/// The foreground colour of the settings row labelled `label` on a 160×48 screen.
fn row_fg(app: &App, label: &str) -> ratatui::style::Color {
    let mut t = Terminal::new(TestBackend::new(160, 48)).unwrap();
    t.draw(|f| draw(f, app)).unwrap();
    let buf = t.backend().buffer();
    let y = (0..48)
        .find(|&y| {
            let line: String = (1..20).map(|x| buf[(x, y)].symbol()).collect();
            line.starts_with(label)
        })
        .unwrap_or_else(|| panic!("no row {label}"));
    buf[(1, y)].fg
}

#[test]
fn the_decoding_rows_reach_the_conditioned_models_decoding() {
    let mut app = studio_with("models/conditioned");
    key(&mut app, KeyCode::Char('3'));
    // Down to the beam width row: every row above it applies while sampling.
    while app.generate.field != GenField::Beam {
        key(&mut app, KeyCode::Down);
    }
    for _ in 0..4 {
        key(&mut app, KeyCode::Right);
    }
    key(&mut app, KeyCode::Down);
    assert_eq!(
        app.generate.field,
        GenField::Branch,
        "branch applies to beams"
    );
    key(&mut app, KeyCode::Right);
    let Ok(Job::Generate { decoding, .. }) = app.generate.job() else {
        panic!("no generate job: {}", app.message);
    };
    assert_eq!((decoding.beam, decoding.branch), (4, 5));
    assert_eq!(decoding.register, None, "the corpus's register");
    // Beam search ignores the temperature: its row is dimmed and passed over going up.
    assert_eq!(row_fg(&app, "temperature"), app.theme.dimmed);
    // From branch: beam width, then over top-p, top-k and temperature to the tempo.
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    assert_eq!(app.generate.field, GenField::Tempo);
    let s = screen(&app, 160, 48);
    assert!(s.contains("conditioned: n_a 128"), "{s}");
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("generate_conditioned_{w}x{h}"), screen(&app, w, h));
    }
    key(&mut app, KeyCode::Char('g'));
    wait(&mut app, "a solo", |a| a.generate.solo.is_some());
}

#[test]
fn an_exercise_model_dims_the_conditioned_rows_and_says_so() {
    let mut app = studio_with("models/exercise");
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(row_fg(&app, "beam width"), app.theme.dimmed);
    assert_ne!(row_fg(&app, "temperature"), app.theme.dimmed);
    // ↓ from top-k skips the conditioned rows to the seed.
    app.generate.field = GenField::TopK;
    key(&mut app, KeyCode::Down);
    assert_eq!(app.generate.field, GenField::Seed);
    // A click puts the cursor on a dimmed row; ←→ there says why instead of nothing.
    app.generate.field = GenField::Beam;
    key(&mut app, KeyCode::Right);
    assert_eq!(app.generate.settings.beam, 0);
    assert!(app.message.contains("conditioned"), "{}", app.message);
    assert!(screen(&app, 160, 48).contains("exercise: "));
}

#[test]
fn the_train_tabs_kind_reaches_the_trainer() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for f in ["01-blues-f-a.mid", "12-ii-v-i-a.mid"] {
        std::fs::copy(root().join("assets").join(f), corpus.join(f)).unwrap();
    }
    let mut app = App::new(&corpus, &root().join("models/exercise"), false);
    wait(&mut app, "the dataset", |a| a.dataset.dataset.is_some());
    app.train.models_dir = dir.path().join("models");
    key(&mut app, KeyCode::Char('2'));
    assert_eq!(app.train.field, TrainField::Kind);
    assert_eq!(row_fg(&app, "layers"), app.theme.dimmed);
    key(&mut app, KeyCode::Right);
    assert_eq!(app.train.settings.kind, ModelKind::Conditioned);
    assert_ne!(row_fg(&app, "layers"), app.theme.dimmed);
    for _ in 0..3 {
        app.train.settings.adjust(TrainField::Units, -1);
    }
    app.train.settings.epochs = 1;
    app.train.settings.tx = 32;
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("train_conditioned_{w}x{h}"), screen(&app, w, h));
    }
    key(&mut app, KeyCode::Char('t'));
    wait(&mut app, "the run to end", |a| {
        !a.training() && !a.train.preparing && !a.train.run.out.as_os_str().is_empty()
    });
    let out = app.train.run.out.clone();
    assert!(out.ends_with("session-conditioned-1"), "{}", out.display());
    let b = Bundle::load(&out).unwrap_or_else(|e| panic!("{e}; {}", app.message));
    assert_eq!(b.kind(), ModelKind::Conditioned);
    assert_eq!(b.net.conditioned().unwrap().meta.spec.n_a, 16);
    // The new bundle comes to the Generate tab, whose decoding rows now apply.
    wait(&mut app, "the new model", |a| a.generate.model == out);
    app.tab = Tab::Generate;
    assert!(
        app.generate
            .settings
            .not_applying(GenField::Beam, app.generate.loaded())
            .is_none()
    );
    assert_eq!(GenField::Beam.label(), "beam width");
}

#[test]
fn a_hostile_bundle_is_named_and_the_studio_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("huge");
    std::fs::create_dir(&bad).unwrap();
    for f in ["bundle.json", "weights.bpk"] {
        std::fs::copy(root().join("models/exercise").join(f), bad.join(f)).unwrap();
    }
    let json = std::fs::read_to_string(bad.join("bundle.json")).unwrap();
    let json = json.replacen("\"n_a\": 64", "\"n_a\": 1000000000", 1);
    std::fs::write(bad.join("bundle.json"), json).unwrap();
    let mut app = App::new(&root().join("assets"), &bad, false);
    wait(&mut app, "the bundle's error", |a| {
        a.message.contains("n_a is 1000000000")
    });
    assert!(app.generate.bundle.is_none() && !app.quit);
    assert!(screen(&app, 160, 48).contains("n_a is 1000000000"));
}
