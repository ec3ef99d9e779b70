//! The Dataset tab driven by keys: files, tracks and baselines, the folder browser, the
//! melody track chosen per file, and a file's changes offered to the Generate tab.

use super::{key, root, screen, shows, studio, wait};
use crate::tui::app::App;
use crate::tui::tabs::generate::GenField;
use crossterm::event::KeyCode;

#[test]
fn dataset_tab_shows_files_tracks_roles_and_baselines() {
    let app = studio(&root().join("assets"));
    let s = screen(&app, 160, 48);
    let vocab = format!(
        "vocabulary {}",
        app.dataset.dataset.as_ref().unwrap().vocab.len()
    );
    shows(
        &s,
        &[
            "1 Dataset",
            "2 Train",
            "3 Generate",
            "4 Play",
            "01-blues-f-a.mid",
            "melody",
            "chords",
            "bass",
            "Comping",
            "bigram",
            &vocab,
            "Most frequent tokens",
        ],
    );
}

#[test]
fn the_browser_lists_folders_off_the_ui_thread_and_goes_back_to_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("solos");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(
        root().join("assets/01-blues-f-a.mid"),
        sub.join("take1.mid"),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not midi").unwrap();
    std::fs::create_dir(dir.path().join("a-first")).unwrap();
    let mut app = App::new(dir.path(), &root().join("models/exercise"), false);
    wait(&mut app, "the listing", |a| !a.dataset.browser.reading);
    let names: Vec<&str> = app
        .dataset
        .browser
        .entries
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["a-first", "solos"], "folders only, no text file");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert!(
        app.dataset.browser.reading,
        "Enter asks the jobs thread for the listing"
    );
    wait(&mut app, "the sub-folder", |a| !a.dataset.browser.reading);
    assert_eq!(app.dataset.browser.dir, sub);
    assert_eq!(app.dataset.browser.entries[0].name, "take1.mid");
    key(&mut app, KeyCode::Backspace);
    wait(&mut app, "the parent", |a| !a.dataset.browser.reading);
    assert_eq!(app.dataset.browser.dir, dir.path());
    assert_eq!(
        app.dataset.browser.entries[app.dataset.browser.selected].name,
        "solos"
    );
}

#[test]
fn the_melody_track_is_chosen_per_file() {
    use crate::music::Role;
    let mut app = studio(&root().join("assets"));
    let melody_of = |app: &App, file: usize| {
        let ds = app.dataset.dataset.as_ref().unwrap();
        ds.files[file]
            .tracks
            .iter()
            .find(|t| t.role == Role::Melody)
            .map(|t| t.index)
    };
    let auto0 = melody_of(&app, 0);
    let auto1 = melody_of(&app, 1);
    key(&mut app, KeyCode::Right); // select the second file
    let mut seen = Vec::new();
    for _ in 0..8 {
        key(&mut app, KeyCode::Char('m'));
        wait(&mut app, "the reload", |a| a.dataset.loading.is_none());
        assert_eq!(app.dataset.file_sel, 1, "the selection survives the reload");
        let chosen = app
            .dataset
            .melody_for
            .get(&app.dataset.dataset.as_ref().unwrap().files[1].path);
        match chosen {
            Some(&i) => assert_eq!(melody_of(&app, 1), Some(i), "{}", app.message),
            None => break,
        }
        seen.push(melody_of(&app, 1).unwrap());
        // The other files keep their own detection.
        assert_eq!(melody_of(&app, 0), auto0);
    }
    assert!(
        seen.len() >= 3,
        "melody, chords and bass tracks offered: {seen:?}"
    );
    assert!(seen.contains(&auto1.unwrap()));
    assert_eq!(melody_of(&app, 1), auto1, "back to automatic detection");
    let s = screen(&app, 160, 48);
    assert!(s.contains("melody: auto"), "{s}");
}

#[test]
fn generate_can_use_the_changes_of_the_selected_dataset_file() {
    let mut app = studio(&root().join("assets"));
    // Select the minor blues in the Dataset tab, then step back from the first preset.
    let target = app
        .dataset
        .dataset
        .as_ref()
        .unwrap()
        .files
        .iter()
        .position(|f| f.path.ends_with("07-minor-blues-a.mid"))
        .unwrap();
    for _ in 0..target {
        key(&mut app, KeyCode::Right);
    }
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.generate.field, GenField::Progression);
    key(&mut app, KeyCode::Left);
    assert_eq!(
        app.generate.settings.progression_name(),
        "changes of 07-minor-blues-a.mid"
    );
    key(&mut app, KeyCode::Char('g'));
    wait(&mut app, "a solo", |a| a.generate.solo.is_some());
    let solo = &app.generate.solo.as_ref().unwrap().score;
    let first: Vec<String> = solo
        .chords
        .iter()
        .take(2)
        .map(|c| c.chord.to_string())
        .collect();
    assert_eq!(first, ["Cm7", "Fm7"], "the file's changes, not blues-f");
    // Forward again wraps to the first preset.
    key(&mut app, KeyCode::Right);
    assert!(app.generate.settings.file.is_none());
    assert_eq!(app.generate.settings.preset, 0);
}
