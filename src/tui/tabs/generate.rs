//! The Generate tab: the settings of an improvisation, the loaded model, the solo's figures
//! and its piano roll with the chords above.

use super::super::effect::Effect;
use super::super::keymap::{Action, Tab};
use super::super::overlay::{Overlay, Purpose};
use super::super::theme::Theme;
use super::super::widgets::piano_roll::{PianoRoll, RollView};
use super::super::widgets::settings::{Field, SettingsList};
use super::super::widgets::{block, item_at, list_offset};
use super::{direction, file_name};
use crate::generate::{Changes, GenerateOptions, SampleOptions, SoloStats};
use crate::model::bundle::Bundle;
use crate::music::{PPQ, PRESETS, Progression, Score, Tick};
use crate::tokens::NoteClass;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenField {
    Progression,
    Choruses,
    Tempo,
    Temperature,
    TopK,
    Seed,
    Model,
    Roll,
}

impl Field for GenField {
    const ALL: &'static [Self] = &[
        GenField::Progression,
        GenField::Choruses,
        GenField::Tempo,
        GenField::Temperature,
        GenField::TopK,
        GenField::Seed,
        GenField::Model,
        GenField::Roll,
    ];

    fn label(self) -> String {
        match self {
            GenField::Progression => "progression",
            GenField::Choruses => "choruses",
            GenField::Tempo => "tempo",
            GenField::Temperature => "temperature",
            GenField::TopK => "top-k",
            GenField::Seed => "seed",
            GenField::Model => "model ←→",
            GenField::Roll => "roll",
        }
        .into()
    }
}

/// What an improvisation is asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct GenSettings {
    pub preset: usize,
    /// A typed chord chart (wins over the preset).
    pub chart: Option<String>,
    /// Improvise over the changes of this MIDI file (the Dataset tab's selected file).
    pub file: Option<PathBuf>,
    pub choruses: usize,
    pub bpm: f64,
    pub temperature: f64,
    pub top_k: usize,
    pub seed: u64,
}

impl Default for GenSettings {
    fn default() -> Self {
        GenSettings {
            preset: 0,
            chart: None,
            file: None,
            choruses: 2,
            bpm: 140.0,
            temperature: 0.9,
            top_k: 0,
            seed: 1,
        }
    }
}

impl GenSettings {
    pub fn progression_name(&self) -> String {
        if let Some(f) = &self.file {
            return format!("changes of {}", file_name(f));
        }
        match &self.chart {
            Some(c) => c.clone(),
            None => PRESETS.get(self.preset).map_or("-", |p| p.0).to_string(),
        }
    }

    /// Steps through the presets and, when given, the changes of `file` (after the last
    /// preset). A typed chart is left for the first preset or file in the direction of travel.
    pub fn cycle_progression(&mut self, d: i64, file: Option<&Path>) {
        // Positions: 0..presets are the presets, `presets` the file.
        let n = PRESETS.len() as i64 + i64::from(file.is_some());
        let at = if self.file.is_some() && file.is_some() {
            PRESETS.len() as i64
        } else if self.chart.is_some() && d > 0 {
            -1
        } else if self.chart.is_some() {
            n
        } else {
            self.preset as i64
        };
        let next = (at + d).rem_euclid(n);
        self.chart = None;
        if next == PRESETS.len() as i64 {
            self.file = file.map(Path::to_path_buf);
        } else {
            self.file = None;
            self.preset = next as usize;
        }
    }

    /// The value shown for `f` (`model` is the loaded bundle's path).
    pub fn value(&self, f: GenField, model: &Path) -> String {
        match f {
            GenField::Progression => self.progression_name(),
            GenField::Choruses => self.choruses.to_string(),
            GenField::Tempo => format!("{:.0} bpm", self.bpm),
            GenField::Temperature => format!("{:.2}", self.temperature),
            GenField::TopK if self.top_k == 0 => "all".into(),
            GenField::TopK => self.top_k.to_string(),
            GenField::Seed => self.seed.to_string(),
            GenField::Model => model.display().to_string(),
            GenField::Roll => "←→ scroll bars".into(),
        }
    }

    /// Changes a value by `d` steps (progression, model and roll are the tab's business).
    pub fn adjust(&mut self, f: GenField, d: i64) {
        match f {
            GenField::Choruses => self.choruses = (self.choruses as i64 + d).clamp(1, 16) as usize,
            GenField::Tempo => self.bpm = (self.bpm + 10.0 * d as f64).clamp(40.0, 320.0),
            GenField::Temperature => {
                let t = (self.temperature + 0.1 * d as f64) * 10.0;
                self.temperature = t.round().clamp(0.0, 30.0) / 10.0
            }
            GenField::TopK => self.top_k = (self.top_k as i64 + d).clamp(0, 64) as usize,
            GenField::Seed => self.seed = (self.seed as i64 + d).max(0) as u64,
            GenField::Progression | GenField::Model | GenField::Roll => {}
        }
    }

    /// The options of a run, and the file to read the changes from (on the jobs thread)
    /// when improvising over a file's changes.
    pub fn options(&self) -> Result<(GenerateOptions, Option<PathBuf>), String> {
        let changes = match &self.file {
            Some(_) => Changes {
                name: String::new(),
                spans: Vec::new(),
                bar_ticks: PPQ * 4,
                bpm: None,
            },
            None => {
                let p = Progression::from_arg(&self.progression_name());
                Changes::from_progression(&p.map_err(|e| e.to_string())?)
            }
        };
        let sample = SampleOptions {
            temperature: self.temperature,
            top_k: self.top_k,
            seed: self.seed,
        };
        let opts = GenerateOptions {
            changes,
            choruses: self.choruses,
            bpm: self.bpm,
            sample,
            primer: Vec::new(),
        };
        Ok((opts, self.file.clone()))
    }
}

pub struct Solo {
    pub score: Score,
    pub stats: SoloStats,
    pub saved: bool,
}

pub struct GenerateTab {
    pub model: PathBuf,
    pub bundle: Option<Arc<Bundle>>,
    pub settings: GenSettings,
    pub field: GenField,
    pub busy: bool,
    pub solo: Option<Solo>,
    pub roll: RollView,
    /// The tick under the playhead while the solo plays.
    pub playhead: Option<Tick>,
    pub theme: Theme,
}

impl GenerateTab {
    pub fn new(model: &Path) -> GenerateTab {
        GenerateTab {
            model: model.to_path_buf(),
            bundle: None,
            settings: GenSettings::default(),
            field: GenField::Progression,
            busy: false,
            solo: None,
            roll: RollView::default(),
            playhead: None,
            theme: Theme::default(),
        }
    }

    /// `file` is the Dataset tab's selected file, whose changes the progression row offers.
    pub fn on_action(&mut self, a: Action, file: Option<&Path>) -> Effect {
        match a {
            Action::Up => self.field = self.field.step(-1),
            Action::Down => self.field = self.field.step(1),
            Action::Left | Action::Right => {
                return self.adjust(direction(a == Action::Right), file);
            }
            Action::ZoomIn => self.roll.zoom(true),
            Action::ZoomOut => self.roll.zoom(false),
            Action::EditChart => {
                return Effect::Overlay(Overlay::Input {
                    purpose: Purpose::Chart,
                    text: self.settings.chart.clone().unwrap_or_default(),
                });
            }
            Action::Generate => return Effect::Generate,
            Action::ExportMidi | Action::ExportWav => {
                return Effect::AskExport {
                    wav: a == Action::ExportWav,
                };
            }
            Action::PlayPause => {
                return Effect::Many(vec![Effect::GoTab(Tab::Play), Effect::Act(a)]);
            }
            _ => {}
        }
        Effect::None
    }

    fn adjust(&mut self, d: i64, file: Option<&Path>) -> Effect {
        match self.field {
            GenField::Roll => self.roll.scroll(d),
            GenField::Model => return Effect::NextModel(d),
            GenField::Progression => self.settings.cycle_progression(d, file),
            f => self.settings.adjust(f, d),
        }
        Effect::None
    }

    /// A typed chart: used when it parses, otherwise the reason.
    pub fn set_chart(&mut self, text: String) -> Result<(), String> {
        Progression::from_arg(&text).map_err(|e| e.to_string())?;
        self.settings.chart = (!text.trim().is_empty()).then_some(text);
        self.settings.file = None;
        Ok(())
    }

    /// A click on a settings row selects it.
    pub fn click(&mut self, area: Rect, col: u16, row: u16) {
        let (settings, ..) = areas(area);
        let inner = block("").inner(settings);
        let off = list_offset(self.field.index(), inner.height);
        if let Some(f) = item_at(inner, off, col, row).and_then(GenField::at) {
            self.field = f;
        }
    }
}

/// Settings, solo figures, piano roll.
fn areas(area: Rect) -> (Rect, Rect, Rect) {
    let [left, right] =
        Layout::horizontal([Constraint::Length(34), Constraint::Min(20)]).areas(area);
    let [settings, stats] =
        Layout::vertical([Constraint::Length(10), Constraint::Min(3)]).areas(left);
    (settings, stats, right)
}

impl Widget for &GenerateTab {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (settings, stats, right) = areas(area);
        let s = &self.settings;
        let b = block("Settings (↑↓ ←→, c chart)");
        SettingsList::of(|f| s.value(f, &self.model), self.field, b, &self.theme)
            .render(settings, buf);
        Paragraph::new(self.solo_lines())
            .block(block("Solo"))
            .render(stats, buf);
        let title = format!(
            "Piano roll (+/- zoom, ←→ on 'roll' scrolls) {}",
            s.progression_name()
        );
        let b = block(title);
        let inner = b.inner(right);
        b.render(right, buf);
        if let Some(solo) = &self.solo {
            PianoRoll {
                score: &solo.score,
                view: self.roll,
                playhead: self.playhead,
                theme: &self.theme,
            }
            .render(inner, buf);
        }
    }
}

impl GenerateTab {
    fn solo_lines(&self) -> Vec<Line<'static>> {
        let mut lines = match &self.bundle {
            Some(b) => {
                let m = &b.meta;
                let mut l = vec![Line::from(format!(
                    "model: {} tokens, n_a {}",
                    m.vocab.len(),
                    m.n_a
                ))];
                l.extend(
                    b.best_loss()
                        .map(|v| Line::from(format!("best val {v:.3} nats/token"))),
                );
                l
            }
            None => vec![Line::from("model: not loaded")],
        };
        match &self.solo {
            Some(s) => lines.extend(solo_figures(s)),
            None if self.busy => lines.push(Line::from("improvising…")),
            None => lines.push(Line::from("g improvises a solo")),
        }
        lines.push(Line::from(""));
        for (c, name) in [
            (NoteClass::Chord, "chord tone"),
            (NoteClass::Scale, "scale tone"),
            (NoteClass::Approach, "approach"),
            (NoteClass::Other, "other"),
        ] {
            lines.push(Line::from(vec![
                Span::styled("  ", Style::default().bg(self.theme.class(c))),
                Span::raw(format!(" {name}")),
            ]));
        }
        lines
    }
}

fn solo_figures(s: &Solo) -> [Line<'static>; 5] {
    let st = &s.stats;
    // The judge's figures of this solo, as `improv judge` reports them for real ones.
    let mut tally = crate::judge::Tally::default();
    tally.add(&crate::judge::Take::of_melody(&s.score));
    let f = tally.figures();
    [
        Line::from(format!(
            "{} bars, {} notes, {:.1}/bar",
            st.bars, st.notes, st.notes_per_bar
        )),
        Line::from(format!(
            "chord tones {:.0}%  scale {:.0}%",
            st.chord_tones * 100.0,
            st.scale_tones * 100.0
        )),
        Line::from(format!(
            "range {}–{}",
            st.lowest.as_deref().unwrap_or("-"),
            st.highest.as_deref().unwrap_or("-")
        )),
        Line::from(format!(
            "walls {:.0}%  rests {:.0}%  pc-H {:.2}",
            f.wall_share * 100.0,
            f.rest_share * 100.0,
            f.pc_entropy
        )),
        Line::from(if s.saved {
            "exported"
        } else {
            "not exported (e MIDI, w WAV)"
        }),
    ]
}
