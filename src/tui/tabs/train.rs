//! The Train tab: the training settings, the run's figures, its progress and the live loss
//! chart. The trainer itself runs on its own thread; this tab only shows its events.

use super::super::effect::Effect;
use super::super::keymap::Action;
use super::super::theme::Theme;
use super::super::widgets::block;
use super::super::widgets::loss_chart::LossChart;
use super::super::widgets::settings::{Field, SettingsList};
use super::direction;
pub use super::train_settings::{TrainField, TrainSettings};
use crate::dataset::Baselines;
use crate::model::ModelKind;
use crate::train::{EpochSummary, TrainControl, TrainEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Gauge, Paragraph, Widget, Wrap};
use std::path::PathBuf;

/// One training run as its events told it.
#[derive(Default)]
pub struct Run {
    pub out: PathBuf,
    pub epochs_total: usize,
    pub epochs: Vec<EpochSummary>,
    /// (fractional epoch, smoothed batch loss).
    pub batches: Vec<(f64, f64)>,
    pub batch: (usize, usize),
    pub paused: bool,
    pub failed: Option<String>,
    pub baselines: Option<Baselines>,
    pub kind: ModelKind,
}

impl Run {
    /// What the losses are per: grammar tokens or conditioned events.
    pub fn per(&self) -> &'static str {
        per(self.kind)
    }
}

fn per(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Exercise => "token",
        ModelKind::Conditioned => "event",
    }
}

pub struct TrainTab {
    pub settings: TrainSettings,
    pub field: TrainField,
    pub log_scale: bool,
    pub models_dir: PathBuf,
    /// True while a trainer thread runs.
    pub running: bool,
    /// True while the files are read for a conditioned run (before its trainer starts).
    pub preparing: bool,
    pub run: Run,
    pub theme: Theme,
}

impl Default for TrainTab {
    fn default() -> Self {
        TrainTab {
            settings: TrainSettings::default(),
            field: TrainField::Kind,
            log_scale: false,
            models_dir: PathBuf::from("models"),
            running: false,
            preparing: false,
            run: Run::default(),
            theme: Theme::default(),
        }
    }
}

impl TrainTab {
    pub fn on_action(&mut self, a: Action) -> Effect {
        match a {
            Action::Up | Action::Down => {
                let live = |f| self.settings.not_applying(f).is_none();
                self.field = self.field.step_live(direction(a == Action::Down), live);
            }
            Action::Left | Action::Right if !self.running && !self.preparing => {
                if let Some(why) = self.settings.not_applying(self.field) {
                    return Effect::Message(format!("{} {why}", self.field.label()));
                }
                self.settings
                    .adjust(self.field, direction(a == Action::Right))
            }
            Action::StartTrain => return Effect::StartTraining,
            Action::PauseTrain if self.running => {
                return Effect::Train(match self.run.paused {
                    true => TrainControl::Resume,
                    false => TrainControl::Pause,
                });
            }
            Action::StopTrain if self.running => {
                let mut stop = vec![Effect::Train(TrainControl::Stop)];
                if self.run.paused {
                    stop.push(Effect::Train(TrainControl::Resume));
                }
                stop.push(Effect::Message("stopping: saving the model…".into()));
                return Effect::Many(stop);
            }
            Action::SaveNow if self.running => return Effect::Train(TrainControl::SaveNow),
            Action::LogScale => self.log_scale = !self.log_scale,
            _ => {}
        }
        Effect::None
    }

    /// A fresh run into `out`, measured against `baselines`.
    pub fn start(&mut self, out: PathBuf, baselines: Option<Baselines>) {
        self.run = Run {
            out,
            baselines,
            kind: self.settings.kind,
            ..Run::default()
        };
        self.running = true;
        self.preparing = false;
    }

    /// Takes in a trainer event; returns the message it brings, if any.
    pub fn on_event(&mut self, e: TrainEvent) -> Option<String> {
        let t = &mut self.run;
        match e {
            TrainEvent::Started { epochs, .. } => {
                t.epochs_total = epochs;
                return Some(format!("training {epochs} epochs into {}", t.out.display()));
            }
            TrainEvent::Batch {
                epoch,
                batch,
                batches,
                loss,
            } => {
                t.batch = (batch, batches);
                let x = (epoch - 1) as f64 + batch as f64 / batches.max(1) as f64;
                let smooth = t.batches.last().map_or(loss, |p| 0.9 * p.1 + 0.1 * loss);
                t.batches.push((x, smooth));
            }
            TrainEvent::Epoch(s) => t.epochs.push(s),
            TrainEvent::Checkpoint { path, epoch } => {
                return Some(format!(
                    "checkpoint of epoch {epoch} saved to {}",
                    path.display()
                ));
            }
            TrainEvent::Paused => t.paused = true,
            TrainEvent::Resumed => t.paused = false,
            TrainEvent::Finished(s) => {
                t.paused = false;
                self.running = false;
                let how = if s.stopped { "stopped" } else { "finished" };
                return Some(format!(
                    "{how} after {} epochs; model saved to {}",
                    s.epochs_done,
                    s.path.display()
                ));
            }
            TrainEvent::Failed(r) => {
                t.failed = Some(r.clone());
                self.running = false;
                return Some(r);
            }
        }
        None
    }

    /// A click on a settings row selects it.
    pub fn click(&mut self, area: Rect, col: u16, row: u16) {
        let (settings, ..) = areas(area);
        let inner = block("").inner(settings);
        let off = super::super::widgets::list_offset(self.field.index(), inner.height);
        if let Some(f) =
            super::super::widgets::item_at(inner, off, col, row).and_then(TrainField::at)
        {
            self.field = f;
        }
    }
}

/// Settings, run figures, progress gauge and chart.
fn areas(area: Rect) -> (Rect, Rect, Rect, Rect) {
    let [left, right] =
        Layout::horizontal([Constraint::Length(34), Constraint::Min(20)]).areas(area);
    let rows = TrainField::ALL.len() as u16 + 2;
    let height = rows.min(area.height / 2).max(8);
    let [settings, info] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(3)]).areas(left);
    let [gauge, chart] = Layout::vertical([Constraint::Length(3), Constraint::Min(5)]).areas(right);
    (settings, info, gauge, chart)
}

impl Widget for &TrainTab {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (settings, info, gauge, chart) = areas(area);
        let s = &self.settings;
        SettingsList::of(
            |f| s.value(f),
            self.field,
            block("Settings (↑↓ ←→)"),
            &self.theme,
        )
        .live(|f| s.not_applying(f).is_none())
        .active(!self.running && !self.preparing)
        .render(settings, buf);
        Paragraph::new(self.run_lines())
            .wrap(Wrap { trim: true })
            .block(block("Run"))
            .render(info, buf);
        self.draw_gauge(gauge, buf);
        let t = &self.run;
        LossChart {
            epochs: t
                .epochs
                .iter()
                .map(|e| (e.epoch as f64, e.train, e.val))
                .collect(),
            batches: &t.batches,
            unigram: t.baselines.as_ref().map(|b| b.unigram),
            bigram: t.baselines.as_ref().map(|b| b.bigram),
            x_max: t.epochs_total.max(s.epochs).max(1) as f64,
            log_scale: self.log_scale,
            // The run's unit once it has figures, else the unit the next run will have.
            per: if t.epochs.is_empty() && !self.running {
                per(s.kind)
            } else {
                t.per()
            },
            theme: &self.theme,
        }
        .render(chart, buf);
    }
}

impl TrainTab {
    fn run_lines(&self) -> Vec<Line<'static>> {
        let t = &self.run;
        let state = match (self.running, t.paused) {
            (true, true) => "paused (p resumes)",
            (true, false) => "training… (p pause, s stop)",
            _ if self.preparing => "reading the files as events…",
            _ => "t starts training on the loaded dataset",
        };
        let mut lines = vec![Line::from(state)];
        if let Some(s) = t.epochs.last() {
            lines.push(Line::from(format!("epoch {}/{}", s.epoch, s.epochs)));
            lines.push(Line::from(format!("train {:.4} nats/{}", s.train, t.per())));
            lines.extend(s.val.map(|v| Line::from(format!("val   {v:.4}"))));
            lines.extend(s.best_val.map(|b| Line::from(format!("best  {b:.4}"))));
            lines.push(Line::from(format!(
                "{:.0} {}s/s  lr {:.5}",
                s.tokens_per_sec,
                t.per(),
                s.lr
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
            lines.push(Line::styled(e.clone(), self.theme.error()));
        }
        if !t.out.as_os_str().is_empty() {
            let verb = match (self.running, t.failed.is_some()) {
                (true, _) => "saving to",
                (false, true) => "last checkpoint in",
                (false, false) => "saved to (now in Generate)",
            };
            lines.push(Line::from(format!("{verb} {}", t.out.display())));
        }
        lines
    }

    fn draw_gauge(&self, area: Rect, buf: &mut Buffer) {
        let last = self.run.epochs.last();
        let done = last.map_or(0.0, |s| s.epoch as f64 / s.epochs.max(1) as f64);
        let (b, nb) = self.run.batch;
        let label = match last {
            Some(s) => format!(
                "epoch {}/{}  batch {b}/{nb}  ETA {:.0}s",
                s.epoch, s.epochs, s.eta_secs
            ),
            None if self.running => format!("epoch 1  batch {b}/{nb}"),
            None => "not started".into(),
        };
        Gauge::default()
            .block(block("Progress"))
            .ratio(done.clamp(0.0, 1.0))
            .label(label)
            .render(area, buf);
    }
}
