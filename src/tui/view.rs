//! Drawing the frame: tab bar, the active tab, status bar, overlays, and the too-small notice.

use super::app::App;
use super::keymap::Tab;
use super::layout::{MIN_H, MIN_W, areas};
use super::overlay::{Overlay, Purpose};
use super::widgets::popup::{Help, Popup};
use super::widgets::status::StatusBar;
use super::widgets::tab_bar::TabBar;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let Some((top, body, status)) = areas(area) else {
        let msg = format!(
            "improv needs a {MIN_W}×{MIN_H} terminal (this one is {}×{}). Enlarge it, or q to quit.",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    };
    let theme = &app.theme;
    f.render_widget(
        TabBar {
            selected: app.tab,
            theme,
        },
        top,
    );
    match app.tab {
        Tab::Dataset => f.render_widget(&app.dataset, body),
        Tab::Train => f.render_widget(&app.train, body),
        Tab::Generate => f.render_widget(&app.generate, body),
        Tab::Play => f.render_widget(&app.play, body),
        Tab::Jam => f.render_widget(
            super::tabs::jam::JamView {
                tab: &app.jam,
                gen_tab: &app.generate,
                play: &app.play,
            },
            body,
        ),
    }
    f.render_widget(
        StatusBar {
            busy: busy(app),
            notice: app.notice.as_deref(),
            message: &app.message,
            hints: app.keymap.hints(app.tab),
            theme,
        },
        status,
    );
    draw_overlay(f, area, app);
}

/// What runs in the background, for the status bar.
fn busy(app: &App) -> Vec<String> {
    let mut bg = Vec::new();
    let run = &app.train.run;
    match run.epochs.last() {
        Some(last) if app.training() => bg.push(format!(
            "training epoch {}/{}{}",
            last.epoch,
            last.epochs,
            if run.paused { " (paused)" } else { "" }
        )),
        _ if app.training() => bg.push("training: starting".into()),
        _ => {}
    }
    let st = &app.play.status;
    if st.playing {
        let what = if st.paused { "paused" } else { "playing" };
        bg.push(format!("{what} {:.0}/{:.0}s", st.position, st.duration));
    }
    if let Some((a, b)) = app.dataset.loading {
        bg.push(format!("loading {a}/{b}"));
    }
    if app.generate.busy {
        bg.push("generating…".into());
    }
    if let Some(r) = &app.jam.run {
        bg.push(format!("jam: {}", r.status()));
        if let Some(late) = &r.session.late {
            bg.push(late.clone());
        }
    }
    bg
}

fn draw_overlay(f: &mut Frame, area: Rect, app: &App) {
    let popup = |f: &mut Frame, title: &str, text: &str| {
        f.render_widget(Popup { title, text }, area);
    };
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => f.render_widget(
            Help {
                keymap: &app.keymap,
                tab: app.tab,
                theme: &app.theme,
            },
            area,
        ),
        Overlay::ConfirmQuit => {
            let why = if app.training() {
                "Training is running (it will be stopped and saved)."
            } else {
                "The generated solo is not exported."
            };
            popup(f, "Quit?", &format!("{why}\nQuit improv? y / n"));
        }
        Overlay::Confirm { prompt, .. } => popup(f, "Confirm", prompt),
        Overlay::Input { purpose, text } => {
            let title = match purpose {
                Purpose::Chart => "Chord chart, iReal link or library title (Enter to use)",
                Purpose::Midi => "Export MIDI to (Enter to write, Esc to cancel)",
                Purpose::Wav => "Export WAV to (Enter to write, Esc to cancel)",
            };
            popup(f, title, &format!("{text}▏"));
        }
    }
}
