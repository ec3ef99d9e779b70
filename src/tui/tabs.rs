//! The four tabs' bodies: Dataset, Train, Generate and Play.

use super::app::App;
use super::piano_roll::{PianoRoll, class_color};
use crate::music::Role;
use crate::tokens::NoteClass;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Borders, Cell, Chart, Dataset, Gauge, GraphType, List,
    ListItem, ListState, Paragraph, Row, Table, Wrap,
};

fn block(title: &str) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .title(title.to_string())
}

fn settings_list<'a>(rows: Vec<(String, String)>, sel: usize, active: bool) -> Table<'a> {
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(i, (k, v))| {
            let style = if i == sel && active {
                Style::default().fg(Color::Black).bg(Color::Yellow)
            } else {
                Style::default()
            };
            Row::new(vec![Cell::from(k), Cell::from(v)]).style(style)
        })
        .collect();
    Table::new(rows, [Constraint::Length(14), Constraint::Min(6)])
}

pub fn dataset(f: &mut Frame, area: Rect, app: &App) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(30), Constraint::Percentage(70)]).areas(area);
    let b = &app.browser;
    let items: Vec<ListItem> = b
        .entries
        .iter()
        .map(|e| {
            ListItem::new(if e.is_dir {
                format!("{}/", e.name)
            } else {
                e.name.clone()
            })
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(b.selected));
    let title = if b.reading {
        format!("{} (reading…)", b.dir.display())
    } else {
        format!("{}", b.dir.display())
    };
    f.render_stateful_widget(
        List::new(items)
            .block(block(&title))
            .highlight_style(Style::default().fg(Color::Black).bg(Color::Yellow)),
        left,
        &mut state,
    );
    let Some(ds) = &app.data.dataset else {
        let msg = match (app.data.loading, &b.error) {
            (Some((a, n)), _) => format!("loading… {a}/{n} files"),
            (_, Some(e)) => e.clone(),
            _ => "Choose a MIDI file (Enter) or load this whole folder (a).".into(),
        };
        f.render_widget(Paragraph::new(msg).block(block("Dataset")), right);
        return;
    };
    let [files, tracks, bottom] = Layout::vertical([
        Constraint::Percentage(35),
        Constraint::Length(7),
        Constraint::Min(6),
    ])
    .areas(right);
    let rows: Vec<Row> = ds
        .files
        .iter()
        .map(|fs| {
            let name = fs
                .path
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned());
            Row::new(vec![
                name,
                fs.notes.to_string(),
                fs.tokens.to_string(),
                format!("{:?}", fs.chord_source).to_lowercase(),
                fs.chords
                    .iter()
                    .take(6)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            ])
        })
        .chain(ds.failed.iter().map(|x| {
            Row::new(vec![
                x.path.display().to_string(),
                "failed".into(),
                String::new(),
                String::new(),
                x.reason.clone(),
            ])
            .style(Style::default().fg(Color::Red))
        }))
        .collect();
    let mut tstate = ratatui::widgets::TableState::default().with_selected(Some(app.data.file_sel));
    f.render_stateful_widget(
        Table::new(
            rows,
            [
                Constraint::Length(24),
                Constraint::Length(6),
                Constraint::Length(7),
                Constraint::Length(9),
                Constraint::Min(10),
            ],
        )
        .header(
            Row::new(vec!["file", "notes", "tokens", "chords", "changes"])
                .style(Style::default().add_modifier(Modifier::BOLD)),
        )
        .row_highlight_style(Style::default().bg(Color::DarkGray))
        .block(block(&format!(
            "Files ({} loaded, {} failed) ←→ select",
            ds.files.len(),
            ds.failed.len()
        ))),
        files,
        &mut tstate,
    );
    let sel = ds.files.get(app.data.file_sel);
    let track_rows: Vec<Row> = sel
        .map(|fs| {
            fs.tracks
                .iter()
                .map(|t| {
                    Row::new(vec![
                        t.index.to_string(),
                        t.role.label().to_string(),
                        t.name.clone(),
                        (t.channel + 1).to_string(),
                        t.notes.to_string(),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    let melody = sel
        .and_then(|fs| app.data.melody_for.get(&fs.path))
        .map_or("auto".into(), |i| format!("track {i}"));
    f.render_widget(
        Table::new(
            track_rows,
            [
                Constraint::Length(5),
                Constraint::Length(8),
                Constraint::Min(10),
                Constraint::Length(4),
                Constraint::Length(6),
            ],
        )
        .header(
            Row::new(vec!["track", "role", "name", "ch", "notes"])
                .style(Style::default().add_modifier(Modifier::BOLD)),
        )
        .block({
            let b = block(&format!("Tracks (melody: {melody}; m to change)"));
            // The file's first warning (damage, SMPTE timing) on the bottom border.
            match sel.and_then(|fs| fs.warnings.first()) {
                Some(w) => b.title_bottom(Line::styled(
                    format!("⚠ {w}"),
                    Style::default().fg(Color::Yellow),
                )),
                None => b,
            }
        }),
        tracks,
    );
    let [stats, bars] =
        Layout::horizontal([Constraint::Max(38), Constraint::Min(22)]).areas(bottom);
    if let Some(s) = &app.data.stats {
        // Short lines (under 30 columns), so the box reads whole on an 80-column terminal.
        let text = vec![
            Line::from(format!(
                "{} file{}, {} notes, Tx {}",
                s.files,
                if s.files == 1 { "" } else { "s" },
                s.notes,
                ds.options.tx
            )),
            Line::from(format!("{} tokens, vocabulary {}", s.tokens, s.vocab_size)),
            Line::from(format!(
                "windows: {} train, {} val",
                s.train_windows, s.val_windows
            )),
            Line::from(format!(
                "val nats/token: uniform {:.3}",
                s.baselines.uniform
            )),
            Line::from(format!(
                "unigram {:.3}  bigram {:.3}",
                s.baselines.unigram, s.baselines.bigram
            )),
        ];
        f.render_widget(Paragraph::new(text).block(block("Statistics")), stats);
        // Horizontal bars, one token per row, so labels show in full where there is room;
        // in a narrow box they are cut (with …) to leave room for the bar and its count.
        let room = (bars.width.saturating_sub(2) as usize)
            .saturating_sub(8)
            .max(4);
        let data: Vec<Bar> = s
            .top_tokens
            .iter()
            .take(bars.height.saturating_sub(2).max(1) as usize)
            .map(|(t, c)| {
                let label = if t.chars().count() > room {
                    let cut: String = t.chars().take(room - 1).collect();
                    format!("{cut}…")
                } else {
                    t.clone()
                };
                Bar::default()
                    .value(*c)
                    .text_value(c.to_string())
                    .label(Line::from(label))
            })
            .collect();
        f.render_widget(
            BarChart::default()
                .block(block("Most frequent tokens"))
                .direction(ratatui::layout::Direction::Horizontal)
                .bar_width(1)
                .bar_gap(0)
                .bar_style(Style::default().fg(Color::Cyan))
                .value_style(Style::default().fg(Color::Black).bg(Color::Cyan))
                .data(BarGroup::default().bars(&data)),
            bars,
        );
    }
}

pub fn train(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.train;
    let [left, right] =
        Layout::horizontal([Constraint::Length(34), Constraint::Min(20)]).areas(area);
    let [settings, info] =
        Layout::vertical([Constraint::Length(8), Constraint::Min(3)]).areas(left);
    let rows = t
        .settings
        .rows()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    f.render_widget(
        settings_list(rows, t.field, !app.training()).block(block("Settings (↑↓ ←→)")),
        settings,
    );
    let last = t.epochs.last();
    let mut lines = vec![Line::from(if app.training() {
        if t.paused {
            "paused (p resumes)"
        } else {
            "training… (p pause, s stop)"
        }
    } else {
        "t starts training on the loaded dataset"
    })];
    if let Some(s) = last {
        lines.push(Line::from(format!("epoch {}/{}", s.epoch, s.epochs)));
        lines.push(Line::from(format!("train {:.4} nats/token", s.train)));
        if let Some(v) = s.val {
            lines.push(Line::from(format!("val   {v:.4}")));
        }
        if let Some(b) = s.best_val {
            lines.push(Line::from(format!("best  {b:.4}")));
        }
        lines.push(Line::from(format!(
            "{:.0} tokens/s  lr {:.5}",
            s.tokens_per_sec, s.lr
        )));
        lines.push(Line::from(format!(
            "elapsed {:.0}s  ETA {:.0}s",
            s.elapsed_secs, s.eta_secs
        )));
    }
    if let Some(b) = &t.baselines {
        lines.push(Line::from(format!("bigram baseline {:.3}", b.bigram)));
    }
    if let Some(e) = &t.failed {
        lines.push(Line::styled(e.clone(), Style::default().fg(Color::Red)));
    }
    if !t.out.as_os_str().is_empty() {
        let verb = if app.training() {
            "saving to"
        } else if t.failed.is_some() {
            "last checkpoint in"
        } else {
            "saved to (now in Generate)"
        };
        lines.push(Line::from(format!("{verb} {}", t.out.display())));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(block("Run")),
        info,
    );

    let [gauge, chart] = Layout::vertical([Constraint::Length(3), Constraint::Min(5)]).areas(right);
    let done = last.map_or(0.0, |s| s.epoch as f64 / s.epochs.max(1) as f64);
    let (b, nb) = t.batch;
    let label = match last {
        Some(s) => format!(
            "epoch {}/{}  batch {b}/{nb}  ETA {:.0}s",
            s.epoch, s.epochs, s.eta_secs
        ),
        None if app.training() => format!("epoch 1  batch {b}/{nb}"),
        None => "not started".into(),
    };
    f.render_widget(
        Gauge::default()
            .block(block("Progress"))
            .ratio(done.clamp(0.0, 1.0))
            .label(label),
        gauge,
    );

    let tr = |v: f64| if t.log_scale { v.max(1e-6).ln() } else { v };
    let train_pts: Vec<(f64, f64)> = t
        .epochs
        .iter()
        .map(|s| (s.epoch as f64, tr(s.train)))
        .collect();
    let val_pts: Vec<(f64, f64)> = t
        .epochs
        .iter()
        .filter_map(|s| s.val.map(|v| (s.epoch as f64, tr(v))))
        .collect();
    let batch_pts: Vec<(f64, f64)> = t.batches.iter().map(|&(x, y)| (x, tr(y))).collect();
    let x_max = (t.epochs_total.max(t.settings.epochs)).max(1) as f64;
    let mut ys: Vec<f64> = train_pts
        .iter()
        .chain(&val_pts)
        .chain(&batch_pts)
        .map(|p| p.1)
        .collect();
    let bigram = t.baselines.as_ref().map(|b| tr(b.bigram));
    let unigram = t.baselines.as_ref().map(|b| tr(b.unigram));
    ys.extend(bigram);
    ys.extend(unigram);
    let y_min = ys.iter().copied().fold(f64::INFINITY, f64::min);
    let y_max = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (y_min, y_max) = if y_min.is_finite() {
        (y_min.min(y_max - 0.1) * 0.95, y_max * 1.05)
    } else {
        (0.0, 5.0)
    };
    let bigram_line: Vec<(f64, f64)> = bigram
        .map(|v| vec![(0.0, v), (x_max, v)])
        .unwrap_or_default();
    let unigram_line: Vec<(f64, f64)> = unigram
        .map(|v| vec![(0.0, v), (x_max, v)])
        .unwrap_or_default();
    let datasets = vec![
        Dataset::default()
            .name("batch (smoothed)")
            .marker(Marker::Braille)
            .style(Style::default().fg(Color::DarkGray))
            .data(&batch_pts),
        Dataset::default()
            .name("train")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::Cyan))
            .data(&train_pts),
        Dataset::default()
            .name("validation")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::Yellow))
            .data(&val_pts),
        Dataset::default()
            .name("bigram baseline")
            .marker(Marker::Dot)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::Red))
            .data(&bigram_line),
        Dataset::default()
            .name("unigram baseline")
            .marker(Marker::Dot)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::Magenta))
            .data(&unigram_line),
    ];
    let fmt = |v: f64| format!("{:.2}", if t.log_scale { v.exp() } else { v });
    f.render_widget(
        Chart::new(datasets)
            .block(block(if t.log_scale {
                "Loss, nats/token (log scale; L toggles)"
            } else {
                "Loss, nats/token (L: log scale)"
            }))
            .x_axis(
                Axis::default()
                    .title("epoch")
                    .bounds([0.0, x_max])
                    .labels(vec![
                        Span::raw("0"),
                        Span::raw(format!("{:.0}", x_max / 2.0)),
                        Span::raw(format!("{x_max:.0}")),
                    ]),
            )
            .y_axis(
                Axis::default()
                    .title("loss")
                    .bounds([y_min, y_max])
                    .labels(vec![
                        Span::raw(fmt(y_min)),
                        Span::raw(fmt((y_min + y_max) / 2.0)),
                        Span::raw(fmt(y_max)),
                    ]),
            ),
        chart,
    );
}

pub fn generate(f: &mut Frame, area: Rect, app: &App) {
    let g = &app.generator;
    let [left, right] =
        Layout::horizontal([Constraint::Length(34), Constraint::Min(20)]).areas(area);
    let [settings, stats] =
        Layout::vertical([Constraint::Length(10), Constraint::Min(3)]).areas(left);
    let rows = g
        .rows()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    f.render_widget(
        settings_list(rows, g.field, true).block(block("Settings (↑↓ ←→, c chart)")),
        settings,
    );
    let mut lines = Vec::new();
    match &g.bundle {
        Some(b) => {
            lines.push(Line::from(format!(
                "model: {} tokens, n_a {}",
                b.meta.vocab.len(),
                b.meta.n_a
            )));
            if let Some(best) = b.best_loss() {
                lines.push(Line::from(format!("best val {best:.3} nats/token")));
            }
        }
        None => lines.push(Line::from("model: not loaded")),
    }
    if let Some(s) = &g.solo {
        let st = &s.stats;
        lines.push(Line::from(format!(
            "{} bars, {} notes, {:.1}/bar",
            st.bars, st.notes, st.notes_per_bar
        )));
        lines.push(Line::from(format!(
            "chord tones {:.0}%  scale {:.0}%",
            st.chord_tones * 100.0,
            st.scale_tones * 100.0
        )));
        lines.push(Line::from(format!(
            "range {}–{}",
            st.lowest.as_deref().unwrap_or("-"),
            st.highest.as_deref().unwrap_or("-")
        )));
        lines.push(Line::from(if s.saved {
            "exported"
        } else {
            "not exported (e MIDI, w WAV)"
        }));
    } else {
        lines.push(Line::from(if g.busy {
            "improvising…"
        } else {
            "g improvises a solo"
        }));
    }
    lines.push(Line::from(""));
    for (c, name) in [
        (NoteClass::Chord, "chord tone"),
        (NoteClass::Scale, "scale tone"),
        (NoteClass::Approach, "approach"),
        (NoteClass::Other, "other"),
    ] {
        lines.push(Line::from(vec![
            Span::styled("  ", Style::default().bg(class_color(c))),
            Span::raw(format!(" {name}")),
        ]));
    }
    f.render_widget(Paragraph::new(lines).block(block("Solo")), stats);
    let title = format!(
        "Piano roll (+/- zoom, ←→ on 'roll' scrolls) {}",
        g.progression_name()
    );
    let inner = block(&title);
    let roll_area = inner.inner(right);
    f.render_widget(inner, right);
    if let Some(s) = &g.solo {
        let playhead = app.play.status.playing.then(|| {
            s.score
                .tick_at(app.play.status.position * app.play.tempo_pct.max(1) as f64 / 100.0)
        });
        f.render_widget(
            PianoRoll {
                score: &s.score,
                view: g.roll,
                playhead,
            },
            roll_area,
        );
    }
}

pub fn play(f: &mut Frame, area: Rect, app: &App) {
    let p = &app.play;
    let [left, right] =
        Layout::horizontal([Constraint::Length(34), Constraint::Min(20)]).areas(area);
    let [mixer, transport] =
        Layout::vertical([Constraint::Length(8), Constraint::Min(3)]).areas(left);
    f.render_widget(
        settings_list(p.rows(), p.field, true).block(block("Mixer (←→ level, m mute)")),
        mixer,
    );
    let st = &p.status;
    let mut lines = vec![Line::from(if p.source.is_empty() {
        "nothing loaded".to_string()
    } else {
        p.source.clone()
    })];
    if let Some(e) = &st.no_device {
        let e = e.trim_end_matches("; export a WAV file instead");
        lines.push(Line::styled(e.to_string(), Style::default().fg(Color::Red)));
        lines.push(Line::from("w exports a WAV file instead"));
    } else {
        lines.push(Line::from(match (st.playing, st.paused) {
            (true, false) => "playing (space pause, x stop, [ ] bars)",
            (true, true) => "paused (space resumes)",
            _ => "space plays",
        }));
    }
    if let Some(s) = &p.score {
        lines.push(Line::from(format!(
            "{} notes, {:.0} bpm, {} tracks",
            s.note_count(),
            s.bpm(),
            s.tracks.len()
        )));
        for t in &s.tracks {
            lines.push(Line::from(format!("  {:<7} {}", t.role.label(), t.name)));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(block("Transport")),
        transport,
    );
    let [pos, roll] = Layout::vertical([Constraint::Length(3), Constraint::Min(4)]).areas(right);
    let ratio = if st.duration > 0.0 {
        st.position / st.duration
    } else {
        0.0
    };
    let bar_now = p.score.as_ref().map_or(0, |s| {
        let tick = s.tick_at(st.position * p.tempo_pct.max(1) as f64 / 100.0);
        tick / (crate::music::PPQ * 4) + 1
    });
    f.render_widget(
        Gauge::default()
            .block(block("Position"))
            .ratio(ratio.clamp(0.0, 1.0))
            .label(format!(
                "bar {bar_now}  {:.1}/{:.1}s",
                st.position,
                // Before anything plays (or with no device), the score's own length.
                if st.duration > 0.0 {
                    st.duration
                } else {
                    p.score.as_ref().map_or(0.0, |s| {
                        s.duration_secs() * 100.0 / p.tempo_pct.max(1) as f64
                    })
                }
            )),
        pos,
    );
    let b = block("Piano roll");
    let inner = b.inner(roll);
    f.render_widget(b, roll);
    if let Some(s) = &p.score
        && s.tracks.iter().any(|t| t.role == Role::Melody)
    {
        let tick = s.tick_at(st.position * p.tempo_pct.max(1) as f64 / 100.0);
        let cols = inner.width.saturating_sub(5) as u32;
        let view = super::state::RollView {
            from: if st.playing {
                tick.saturating_sub(cols * 120 / 4) / 1920 * 1920
            } else {
                0
            },
            ticks_per_col: 120,
        };
        f.render_widget(
            PianoRoll {
                score: s,
                view,
                playhead: st.playing.then_some(tick),
            },
            inner,
        );
    }
}
