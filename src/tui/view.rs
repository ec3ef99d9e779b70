//! Drawing the frame: tab bar, the active tab, status bar, overlays, and the too-small notice.

use super::app::App;
use super::keymap::{KEYMAP, Scope, Tab, hints};
use super::state::{Overlay, Purpose};
use super::tabs;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Tabs, Wrap};

pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 18;

pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    if area.width < MIN_W || area.height < MIN_H {
        let msg = format!(
            "improv needs a {MIN_W}×{MIN_H} terminal (this one is {}×{}). Enlarge it, or q to quit.",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let [top, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(2),
    ])
    .areas(area);
    let titles: Vec<Line> = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| Line::from(format!("{} {}", i + 1, t.title())))
        .collect();
    f.render_widget(
        Tabs::new(titles)
            .select(app.tab.index())
            .highlight_style(
                Style::default()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            )
            .divider("│"),
        top,
    );
    match app.tab {
        Tab::Dataset => tabs::dataset(f, body, app),
        Tab::Train => tabs::train(f, body, app),
        Tab::Generate => tabs::generate(f, body, app),
        Tab::Play => tabs::play(f, body, app),
    }
    draw_status(f, status, app);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => draw_help(f, area, app.tab),
        Overlay::ConfirmQuit => {
            let why = if app.training() {
                "Training is running (it will be stopped and saved)."
            } else {
                "The generated solo is not exported."
            };
            popup(f, area, "Quit?", &format!("{why}\nQuit improv? y / n"));
        }
        Overlay::Confirm { prompt, .. } => popup(f, area, "Confirm", prompt),
        Overlay::Input { purpose, text } => {
            let title = match purpose {
                Purpose::Chart => "Chord chart (e.g. | Dm7 G7 | Cmaj7 | % |), Enter to use",
                Purpose::Midi => "Export MIDI to (Enter to write, Esc to cancel)",
                Purpose::Wav => "Export WAV to (Enter to write, Esc to cancel)",
            };
            popup(f, area, title, &format!("{text}▏"));
        }
    }
}

fn draw_status(f: &mut Frame, area: Rect, app: &App) {
    let mut bg = Vec::new();
    if let Some(last) = app.train.epochs.last().filter(|_| app.training()) {
        bg.push(format!(
            "training epoch {}/{}{}",
            last.epoch,
            last.epochs,
            if app.train.paused { " (paused)" } else { "" }
        ));
    } else if app.training() {
        bg.push("training: starting".into());
    }
    let st = &app.play.status;
    if st.playing {
        bg.push(format!(
            "{} {:.0}/{:.0}s",
            if st.paused { "paused" } else { "playing" },
            st.position,
            st.duration
        ));
    }
    if let Some((a, b)) = app.data.loading {
        bg.push(format!("loading {a}/{b}"));
    }
    if app.generator.busy {
        bg.push("generating…".into());
    }
    let line1 = Line::from(vec![
        Span::styled(bg.join(" · "), Style::default().fg(Color::Yellow)),
        Span::raw(if bg.is_empty() { "" } else { "  " }),
        Span::raw(app.message.clone()),
    ]);
    let keys: Vec<Span> = hints(app.tab)
        .into_iter()
        .flat_map(|(k, h)| {
            [
                Span::styled(
                    format!(" {k}"),
                    Style::default().fg(Color::Black).bg(Color::Gray),
                ),
                Span::raw(format!(" {h} ")),
            ]
        })
        .collect();
    f.render_widget(Paragraph::new(vec![line1, Line::from(keys)]), area);
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn popup(f: &mut Frame, area: Rect, title: &str, text: &str) {
    let r = centered(area, 72, 6);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text.to_string())
            .wrap(Wrap { trim: false })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(title.to_string()),
            ),
        r,
    );
}

fn draw_help(f: &mut Frame, area: Rect, tab: Tab) {
    let section = |scopes: &[(Scope, &'static str)]| {
        let mut lines = Vec::new();
        for &(scope, name) in scopes {
            lines.push(Line::styled(
                name,
                Style::default()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            ));
            for b in KEYMAP
                .iter()
                .filter(|b| b.scope == scope && !b.label.is_empty())
            {
                lines.push(Line::from(format!("  {:<8} {}", b.label, b.help)));
            }
        }
        lines
    };
    let tab_name = |t: Tab| match t {
        Tab::Dataset => "Dataset",
        Tab::Train => "Train",
        Tab::Generate => "Generate",
        Tab::Play => "Play",
    };
    let also = |lines: &mut Vec<Line<'static>>| {
        lines.push(Line::styled(
            "Also",
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ));
        lines.push(Line::from("  Ctrl-C   quit from anywhere"));
        lines.push(Line::from("  Esc      close this or any prompt"));
    };
    // Two columns side by side when there is room; otherwise one column that
    // starts with the current tab's keys, so the ones that matter now show
    // even when the terminal cuts the list short.
    let two = area.width >= 110;
    let (left, right) = if two {
        let left = section(&[
            (Scope::Global, "Everywhere"),
            (Scope::On(Tab::Dataset), "Dataset"),
            (Scope::On(Tab::Train), "Train"),
        ]);
        let mut right = section(&[
            (Scope::On(Tab::Generate), "Generate"),
            (Scope::On(Tab::Play), "Play"),
        ]);
        also(&mut right);
        (left, right)
    } else {
        let mut scopes = vec![
            (Scope::On(tab), tab_name(tab)),
            (Scope::Global, "Everywhere"),
        ];
        scopes.extend(
            Tab::ALL
                .iter()
                .filter(|&&t| t != tab)
                .map(|&t| (Scope::On(t), tab_name(t))),
        );
        let mut all = section(&scopes[..2]);
        also(&mut all);
        all.extend(section(&scopes[2..]));
        (all, Vec::new())
    };
    let (w, h) = if two {
        (108, left.len().max(right.len()) as u16 + 2)
    } else {
        (64, left.len() as u16 + 2)
    };
    let r = centered(area, w, h.min(area.height));
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .title("Keys (? or Esc to close)");
    let inner = block.inner(r);
    f.render_widget(block, r);
    if two {
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(inner);
        f.render_widget(Paragraph::new(left), a);
        f.render_widget(Paragraph::new(right), b);
    } else {
        f.render_widget(Paragraph::new(left), inner);
    }
}
