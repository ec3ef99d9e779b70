//! The studio driven by key events and drawn to ratatui's TestBackend, without a terminal.

mod dataset;
mod jam;
mod kind;
mod snapshot;

use super::app::App;
use super::keymap::Tab;
use super::overlay::Overlay;
use super::view::draw;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app)).unwrap();
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn wait(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    let t0 = Instant::now();
    while !done(app) {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}: {}",
            app.message
        );
        app.tick();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Asserts that the screen `s` shows every one of `texts`.
fn shows(s: &str, texts: &[&str]) {
    for text in texts {
        assert!(s.contains(text), "{text:?} missing from:\n{s}");
    }
}

/// Presses `e` and replaces the suggested file name with `path`, then Enter.
fn export_to(app: &mut App, path: &Path) {
    key(app, KeyCode::Char('e'));
    for _ in 0..40 {
        key(app, KeyCode::Backspace);
    }
    for c in path.display().to_string().chars() {
        key(app, KeyCode::Char(c));
    }
    key(app, KeyCode::Enter);
}

fn studio(corpus: &Path) -> App {
    let mut app = App::new(corpus, &root().join("models/exercise"), false);
    wait(&mut app, "the dataset", |a| a.dataset.dataset.is_some());
    wait(&mut app, "the model", |a| a.generate.bundle.is_some());
    app
}

#[test]
fn keys_switch_tabs_and_open_help() {
    let mut app = studio(&root().join("assets"));
    key(&mut app, KeyCode::Char('2'));
    assert_eq!(app.tab, Tab::Train);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.tab, Tab::Generate);
    key(&mut app, KeyCode::BackTab);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.tab, Tab::Dataset);
    key(&mut app, KeyCode::Char('?'));
    let s = screen(&app, 160, 48);
    shows(
        &s,
        &[
            "Keys",
            "Everywhere",
            "Train",
            "start training",
            "export the solo as MIDI",
            "mute",
        ],
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay == Overlay::None);
    // A click on the third tab title selects it.
    app.click(25, 0);
    assert_eq!(app.tab, Tab::Generate);
    // q with nothing unsaved quits at once.
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn training_runs_in_the_background_and_draws_its_chart() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for f in ["01-blues-f-a.mid", "12-ii-v-i-a.mid"] {
        std::fs::copy(root().join("assets").join(f), corpus.join(f)).unwrap();
    }
    let mut app = studio(&corpus);
    app.train.models_dir = dir.path().join("models");
    key(&mut app, KeyCode::Char('2'));
    // epochs 20 → 5 with three presses of ← on the row under the kind.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Left);
    assert_eq!(app.train.settings.epochs, 5);
    key(&mut app, KeyCode::Char('t'));
    assert!(app.training());
    wait(&mut app, "an epoch", |a| !a.train.run.epochs.is_empty());
    let s = screen(&app, 160, 48);
    shows(
        &s,
        &[
            "Loss, nats/token",
            "epoch",
            "validation",
            "bigram baseline",
            "tokens/s",
        ],
    );
    // q while training asks first.
    key(&mut app, KeyCode::Char('q'));
    assert!(app.overlay == Overlay::ConfirmQuit);
    key(&mut app, KeyCode::Esc);
    assert!(!app.quit);
    key(&mut app, KeyCode::Char('s'));
    wait(&mut app, "training to stop", |a| !a.training());
    assert!(
        app.train.run.out.join("bundle.json").is_file(),
        "{}",
        app.message
    );
}

#[test]
fn generate_draws_the_piano_roll_and_exports_without_overwriting() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = studio(&root().join("assets"));
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Char('g'));
    wait(&mut app, "a solo", |a| a.generate.solo.is_some());
    let s = screen(&app, 160, 48);
    shows(
        &s,
        &["Piano roll", "F7", "Bb7", "chord tones", "C5", "chord tone"],
    );
    // Export: replace the suggested name with a path in the temporary directory.
    let out = dir.path().join("solo.mid");
    export_to(&mut app, &out);
    wait(&mut app, "the export", |a| {
        out.is_file() && a.message.starts_with("wrote")
    });
    let before = std::fs::read(&out).unwrap();
    // The same name again asks before overwriting; n keeps the file.
    export_to(&mut app, &out);
    assert!(matches!(app.overlay, Overlay::Confirm { .. }));
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(std::fs::read(&out).unwrap(), before);
    // Play without a device says so instead of failing.
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char(' '));
    wait(&mut app, "the device report", |a| {
        a.play.status.no_device.is_some()
    });
    assert!(screen(&app, 160, 48).contains("no audio output device"));
}

#[test]
fn tiny_terminals_get_a_message_never_a_panic() {
    let mut app = studio(&root().join("assets"));
    assert!(screen(&app, 40, 10).contains("needs a 60×18"));
    for tab in Tab::ALL {
        app.tab = tab;
        for (w, h) in [
            (1, 1),
            (2, 1),
            (59, 17),
            (60, 18),
            (61, 19),
            (80, 24),
            (200, 60),
        ] {
            let s = screen(&app, w, h);
            if w >= 60 && h >= 18 {
                assert!(s.contains(tab.title()), "{tab:?} at {w}x{h}:\n{s}");
            }
        }
    }
}

#[test]
fn help_lists_every_key_when_wide_and_the_current_tabs_first_when_small() {
    let mut app = studio(&root().join("assets"));
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.overlay, Overlay::Help));
    // Wide: both columns, so keys from the first and the last tab both show.
    let wide = screen(&app, 160, 48);
    shows(
        &wide,
        &[
            "Everywhere",
            "load every MIDI file",
            "improvise a solo",
            "jump a bar",
        ],
    );
    // 80×24: one column that starts with the Generate keys.
    let small = screen(&app, 80, 24);
    assert!(small.contains("improvise a solo"), "{small}");
    assert!(small.contains("type a chord chart"), "{small}");
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn the_mouse_wheel_moves_the_selection_and_scrolls_the_roll() {
    let mut app = studio(&root().join("assets"));
    wait(&mut app, "the listing", |a| !a.dataset.browser.reading);
    app.wheel(true);
    app.wheel(true);
    assert_eq!(app.dataset.browser.selected, 2);
    app.wheel(false);
    assert_eq!(app.dataset.browser.selected, 1);
    key(&mut app, KeyCode::Char('3'));
    app.wheel(true);
    assert_eq!(app.generate.roll.from, crate::music::PPQ * 4, "a bar on");
    app.wheel(false);
    app.wheel(false);
    assert_eq!(app.generate.roll.from, 0, "never before the start");
    // Under the help overlay the wheel does nothing.
    key(&mut app, KeyCode::Char('?'));
    app.wheel(true);
    assert_eq!(app.generate.roll.from, 0);
}

#[test]
fn an_80_by_24_terminal_shows_every_tab_whole() {
    let mut app = studio(&root().join("assets"));
    for tab in ['1', '2', '3', '4'] {
        key(&mut app, KeyCode::Char(tab));
        let s = screen(&app, 80, 24);
        let lines: Vec<&str> = s.lines().collect();
        // Every body row ends on a box's right border: nothing spills over it.
        for (i, l) in lines.iter().enumerate().take(22).skip(1) {
            let last = l.chars().last().unwrap();
            assert!(
                "│┐┘".contains(last),
                "tab {tab}, row {i} ends {last:?}:\n{s}"
            );
        }
        if tab == '1' {
            assert!(s.contains("bigram "), "{s}");
            assert!(s.contains("vocabulary"), "{s}");
        }
        if tab == '4' {
            // Nothing loaded yet: the written tempo, not a placeholder.
            let tempo = lines.iter().find(|l| l.contains("tempo")).unwrap();
            assert!(tempo.contains("100%"), "{tempo}");
        }
    }
}

#[test]
fn clicks_land_on_the_title_or_row_under_them() {
    let mut app = studio(&root().join("assets"));
    wait(&mut app, "the listing", |a| !a.dataset.browser.reading);
    let s = screen(&app, 80, 24);
    app.screen = ratatui::layout::Rect::new(0, 0, 80, 24);
    // The last letter of "Generate" selects Generate, not Play.
    let top = s.lines().next().unwrap();
    let end = top.find("Generate").unwrap() + "Generate".len() - 1;
    app.click(top[..end].chars().count() as u16, 0);
    assert_eq!(app.tab, Tab::Generate);
    app.click(1, 0);
    assert_eq!(app.tab, Tab::Dataset);
    // The third row of the folder list.
    app.click(3, 4);
    assert_eq!(app.dataset.browser.selected, 2);
    // The fifth settings row of the Train tab.
    key(&mut app, KeyCode::Char('2'));
    app.click(3, 6);
    assert_eq!(app.train.field, super::tabs::train::TrainField::Batch);
    key(&mut app, KeyCode::Right);
    assert_eq!(app.train.settings.batch, 40);
}

#[test]
fn a_config_file_rebinds_keys_and_a_bad_one_leaves_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[keys]\nimprovise = \"G\"\n[generate]\nseed = 5\n").unwrap();
    let (config, problem) = super::config::load(Some(&good));
    assert!(problem.is_none());
    let mut app = studio(&root().join("assets"));
    app.configure(&config);
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Char('g'));
    assert!(!app.generate.busy, "g no longer improvises");
    key(&mut app, KeyCode::Char('G'));
    assert!(app.generate.busy);
    assert!(screen(&app, 80, 24).contains(" G improvise"));
    wait(&mut app, "a solo", |a| a.generate.solo.is_some());
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[generate]\nseed = 5\ntempo = \"fast\"\n").unwrap();
    let (config, problem) = super::config::load(Some(&bad));
    assert_eq!(config, super::config::Config::default());
    let problem = problem.unwrap();
    assert!(problem.contains("bad.toml, line 3"), "{problem}");
}
