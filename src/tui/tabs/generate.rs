//! The Generate tab: the settings of an improvisation, the loaded model, the solo's figures
//! and its piano roll with the chords above.

use super::super::effect::Effect;
use super::super::jobs::Job;
use super::super::keymap::{Action, Tab};
use super::super::overlay::{Overlay, Purpose};
use super::super::theme::Theme;
use super::super::widgets::piano_roll::{PianoRoll, RollView};
use super::super::widgets::settings::{Field, SettingsList};
use super::super::widgets::{block, item_at, list_offset};
use super::direction;
pub use super::gen_settings::{GenField, GenSettings, Loaded};
use crate::charts::{Library, resolve_text};
use crate::generate::SoloStats;
use crate::model::bundle::Bundle;
use crate::music::{Progression, Score, Tick};
use crate::tokens::NoteClass;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// The chart library (read by a job at start-up) and its charts, read.
    pub library: Option<Library>,
    pub charts: Vec<Progression>,
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
            library: None,
            charts: Vec::new(),
        }
    }

    /// `file` is the Dataset tab's selected file, whose changes the progression row offers.
    pub fn on_action(&mut self, a: Action, file: Option<&Path>) -> Effect {
        match a {
            Action::Up | Action::Down => {
                let m = self.loaded();
                let live = |f| self.settings.not_applying(f, m).is_none();
                self.field = self.field.step_live(direction(a == Action::Down), live);
            }
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
        let m = self.loaded();
        if let Some(why) = self.settings.not_applying(self.field, m) {
            return Effect::Message(format!("{} {why}", self.field.label()));
        }
        match self.field {
            GenField::Roll => self.roll.scroll(d),
            GenField::Model => return Effect::NextModel(d),
            GenField::Progression => {
                self.settings.cycle_progression(d, file, &self.charts);
                if let Some(why) = self.settings.library.as_ref().and_then(unread) {
                    return Effect::Message(why);
                }
            }
            f => self.settings.adjust(f, d, m),
        }
        Effect::None
    }

    /// The loaded model's kind and register (an exercise model's when none is loaded).
    pub fn loaded(&self) -> Loaded {
        self.bundle
            .as_deref()
            .map_or_else(Loaded::default, Loaded::of)
    }

    /// The job that improvises with the loaded model and these settings.
    pub fn job(&self) -> Result<Job, String> {
        let Some(bundle) = self.bundle.clone() else {
            return Err(format!("no model loaded ({})", self.model.display()));
        };
        let (opts, changes_from) = self.settings.options()?;
        Ok(Job::Generate {
            decoding: self.settings.decoding(self.loaded()),
            bundle,
            opts,
            changes_from,
        })
    }

    /// A typed chart, an iReal link or a library title: used when it reads, otherwise the
    /// reason. Reads no file (the library was read at start-up).
    pub fn set_chart(&mut self, text: String) -> Result<(), String> {
        let p = resolve_text(&text, self.library.as_ref()).map_err(|e| e.to_string())?;
        self.settings.file = None;
        if p.meta.is_some() {
            let why = unread(&p);
            self.settings.library = Some(p);
            self.settings.chart = None;
            return why.map_or(Ok(()), Err);
        }
        self.settings.library = None;
        self.settings.chart = (!text.trim().is_empty()).then_some(text);
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

/// What a chart's reader could not read, in a line (None: it read every chord).
fn unread(p: &Progression) -> Option<String> {
    let m = p.meta.as_ref()?;
    let first = m.unread.first()?;
    let more = m.unread.len() - 1;
    Some(match more {
        0 => format!("{}: {first}", p.name),
        _ => format!("{}: {first} (and {more} more)", p.name),
    })
}

/// Settings (every row when there is room, else half the height), solo figures, piano roll.
fn areas(area: Rect) -> (Rect, Rect, Rect) {
    let [left, right] =
        Layout::horizontal([Constraint::Length(34), Constraint::Min(20)]).areas(area);
    let rows = GenField::ALL.len() as u16 + 2;
    let height = rows.min(area.height / 2).max(10);
    let [settings, stats] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(3)]).areas(left);
    (settings, stats, right)
}

impl Widget for &GenerateTab {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (settings, stats, right) = areas(area);
        let s = &self.settings;
        let b = block("Settings (↑↓ ←→, c chart)");
        let m = self.loaded();
        SettingsList::of(|f| s.value(f, &self.model, m), self.field, b, &self.theme)
            .live(|f| s.not_applying(f, m).is_none())
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
                yours: &[],
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
                let (what, per) = match b.net.conditioned() {
                    Some(c) => {
                        let s = &c.meta.spec;
                        let layers = if s.layers == 1 { "" } else { "s" };
                        let what =
                            format!("conditioned: n_a {}, {} layer{layers}", s.n_a, s.layers);
                        (what, "event")
                    }
                    None => {
                        let what = format!("exercise: {} tokens, n_a {}", m.vocab.len(), m.n_a);
                        (what, "token")
                    }
                };
                let mut l = vec![Line::from(what)];
                l.extend(
                    b.best_loss()
                        .map(|v| Line::from(format!("best val {v:.3} nats/{per}"))),
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

fn solo_figures(s: &Solo) -> [Line<'static>; 6] {
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
        Line::from(format!(
            "motifs {:.0}%  seq {:.0}%  phrase {:.0}",
            f.motif.motif_recurrence * 100.0,
            f.motif.sequence_share * 100.0,
            f.motif.phrase_notes
        )),
        Line::from(if s.saved {
            "exported"
        } else {
            "not exported (e MIDI, w WAV)"
        }),
    ]
}
