//! The Train tab: the training settings, the run's figures, its progress and the live loss
//! chart. The trainer itself runs on its own thread; this tab only shows its events.

use super::super::effect::Effect;
use super::super::keymap::Action;
use super::super::theme::Theme;
use super::super::widgets::block;
use super::super::widgets::loss_chart::LossChart;
use super::super::widgets::settings::{Field, SettingsList};
use super::direction;
use crate::dataset::Baselines;
use crate::train::{EpochSummary, TrainControl, TrainEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Gauge, Paragraph, Widget, Wrap};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainField {
    Epochs,
    Units,
    Steps,
    Batch,
    LearningRate,
    Seed,
}

impl Field for TrainField {
    const ALL: &'static [Self] = &[
        TrainField::Epochs,
        TrainField::Units,
        TrainField::Steps,
        TrainField::Batch,
        TrainField::LearningRate,
        TrainField::Seed,
    ];

    fn label(self) -> String {
        match self {
            TrainField::Epochs => "epochs",
            TrainField::Units => "n_a",
            TrainField::Steps => "Tx",
            TrainField::Batch => "batch",
            TrainField::LearningRate => "learning rate",
            TrainField::Seed => "seed",
        }
        .into()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrainSettings {
    pub epochs: usize,
    pub n_a: usize,
    pub tx: usize,
    pub batch: usize,
    pub lr: f64,
    pub seed: u64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            epochs: 20,
            n_a: 64,
            tx: 30,
            batch: 32,
            lr: 0.01,
            seed: 0,
        }
    }
}

impl TrainSettings {
    pub fn value(&self, f: TrainField) -> String {
        match f {
            TrainField::Epochs => self.epochs.to_string(),
            TrainField::Units => self.n_a.to_string(),
            TrainField::Steps => self.tx.to_string(),
            TrainField::Batch => self.batch.to_string(),
            TrainField::LearningRate => format!("{}", self.lr),
            TrainField::Seed => self.seed.to_string(),
        }
    }

    pub fn adjust(&mut self, f: TrainField, d: i64) {
        let step = |v: usize, s: usize, lo: usize, hi: usize| {
            (v as i64 + d * s as i64).clamp(lo as i64, hi as i64) as usize
        };
        match f {
            TrainField::Epochs => self.epochs = step(self.epochs, 5, 1, 5000),
            TrainField::Units => self.n_a = step(self.n_a, 16, 16, 512),
            TrainField::Steps => self.tx = step(self.tx, 5, 5, 200),
            TrainField::Batch => self.batch = step(self.batch, 8, 8, 512),
            TrainField::LearningRate => {
                self.lr = (self.lr * if d > 0 { 2.0 } else { 0.5 }).clamp(1e-4, 0.1)
            }
            TrainField::Seed => self.seed = (self.seed as i64 + d).max(0) as u64,
        }
    }
}

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
}

pub struct TrainTab {
    pub settings: TrainSettings,
    pub field: TrainField,
    pub log_scale: bool,
    pub models_dir: PathBuf,
    /// True while a trainer thread runs.
    pub running: bool,
    pub run: Run,
    pub theme: Theme,
}

impl Default for TrainTab {
    fn default() -> Self {
        TrainTab {
            settings: TrainSettings::default(),
            field: TrainField::Epochs,
            log_scale: false,
            models_dir: PathBuf::from("models"),
            running: false,
            run: Run::default(),
            theme: Theme::default(),
        }
    }
}

impl TrainTab {
    pub fn on_action(&mut self, a: Action) -> Effect {
        match a {
            Action::Up => self.field = self.field.step(-1),
            Action::Down => self.field = self.field.step(1),
            Action::Left | Action::Right if !self.running => {
                let d = direction(a == Action::Right);
                self.settings.adjust(self.field, d)
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
            ..Run::default()
        };
        self.running = true;
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
    let [settings, info] =
        Layout::vertical([Constraint::Length(8), Constraint::Min(3)]).areas(left);
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
        .active(!self.running)
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
            _ => "t starts training on the loaded dataset",
        };
        let mut lines = vec![Line::from(state)];
        if let Some(s) = t.epochs.last() {
            lines.push(Line::from(format!("epoch {}/{}", s.epoch, s.epochs)));
            lines.push(Line::from(format!("train {:.4} nats/token", s.train)));
            lines.extend(s.val.map(|v| Line::from(format!("val   {v:.4}"))));
            lines.extend(s.best_val.map(|b| Line::from(format!("best  {b:.4}"))));
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
