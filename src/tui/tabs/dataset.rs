//! The Dataset tab: a folder browser, the loaded files with their tracks and roles, the
//! corpus statistics and the most frequent tokens.

use super::super::effect::Effect;
use super::super::jobs::Job;
use super::super::keymap::Action;
use super::super::listing::Browser;
use super::super::theme::Theme;
use super::super::widgets::corpus::{stats_box, token_bars};
use super::super::widgets::{block, item_at, list_offset};
use super::file_name;
use crate::dataset::{Dataset, DatasetOptions, FileSummary, Stats};
use crate::midi::import::TrackSelector;
use crate::music::Role;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{
    List, ListItem, ListState, Paragraph, Row, StatefulWidget, Table, TableState, Widget,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct DatasetTab {
    pub browser: Browser,
    pub dataset: Option<Arc<Dataset>>,
    pub stats: Option<Stats>,
    /// Files read so far and in all, while a dataset loads.
    pub loading: Option<(usize, usize)>,
    pub paths: Vec<PathBuf>,
    pub file_sel: usize,
    /// Melody tracks the user chose, per file; files not listed use automatic detection.
    pub melody_for: BTreeMap<PathBuf, usize>,
    pub theme: Theme,
}

/// Where the parts of the tab fall in its area.
struct Areas {
    browser: Rect,
    files: Rect,
    tracks: Rect,
    stats: Rect,
    bars: Rect,
    /// The right side, when no dataset is loaded.
    right: Rect,
}

fn areas(area: Rect) -> Areas {
    let [browser, right] =
        Layout::horizontal([Constraint::Percentage(30), Constraint::Percentage(70)]).areas(area);
    let [files, tracks, bottom] = Layout::vertical([
        Constraint::Percentage(35),
        Constraint::Length(7),
        Constraint::Min(6),
    ])
    .areas(right);
    let [stats, bars] =
        Layout::horizontal([Constraint::Max(38), Constraint::Min(22)]).areas(bottom);
    Areas {
        browser,
        files,
        tracks,
        stats,
        bars,
        right,
    }
}

/// The rows of a bordered table with a header line.
fn table_rows(area: Rect) -> Rect {
    let inner = block("").inner(area);
    Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    }
}

impl DatasetTab {
    pub fn new(corpus: &Path) -> DatasetTab {
        DatasetTab {
            browser: Browser::pending(corpus),
            dataset: None,
            stats: None,
            loading: None,
            paths: Vec::new(),
            file_sel: 0,
            melody_for: BTreeMap::new(),
            theme: Theme::default(),
        }
    }

    /// The loaded file under the selection.
    pub fn selected_file(&self) -> Option<&FileSummary> {
        self.dataset
            .as_ref()
            .and_then(|d| d.files.get(self.file_sel))
    }

    /// The job that loads `paths` with the user's melody tracks and windows of `tx` steps.
    pub fn load(&mut self, paths: Vec<PathBuf>, tx: usize) -> Job {
        let opts = DatasetOptions {
            melody_for: self
                .melody_for
                .iter()
                .map(|(p, &i)| (p.clone(), TrackSelector::Index(i)))
                .collect(),
            tx,
            ..DatasetOptions::default()
        };
        self.loading = Some((0, 0));
        self.paths = paths.clone();
        Job::LoadDataset { paths, opts }
    }

    /// A dataset arrived from the jobs thread; returns the message to show.
    pub fn loaded(&mut self, result: Result<Box<Dataset>, String>) -> String {
        self.loading = None;
        match result {
            Ok(ds) => {
                self.file_sel = self.file_sel.min(ds.files.len().saturating_sub(1));
                self.stats = Some(ds.stats());
                let msg = format!(
                    "loaded {} files ({} skipped)",
                    ds.files.len(),
                    ds.failed.len()
                );
                self.dataset = Some(Arc::new(*ds));
                msg
            }
            Err(e) => e,
        }
    }

    pub fn on_action(&mut self, a: Action) -> Effect {
        let b = &mut self.browser;
        match a {
            Action::Up => b.selected = b.selected.saturating_sub(1),
            Action::Down => b.selected = (b.selected + 1).min(b.entries.len().saturating_sub(1)),
            Action::Left => self.file_sel = self.file_sel.saturating_sub(1),
            Action::Right => {
                let n = self.dataset.as_ref().map_or(0, |d| d.files.len());
                self.file_sel = (self.file_sel + 1).min(n.saturating_sub(1));
            }
            Action::Back => {
                let here = b.dir.clone();
                if let Some(parent) = here.parent() {
                    return self.list_dir(parent.to_path_buf(), Some(here));
                }
            }
            Action::Enter => return self.open_selected(),
            Action::LoadDir => return Effect::LoadDataset(vec![b.dir.clone()]),
            Action::MelodyTrack => return self.next_melody_track(),
            Action::PlayFile => {
                if let Some(e) = b.entries.get(b.selected).filter(|e| !e.is_dir) {
                    return Effect::Job(Job::OpenScore(e.path.clone()));
                }
            }
            _ => {}
        }
        Effect::None
    }

    fn open_selected(&mut self) -> Effect {
        match self.browser.entries.get(self.browser.selected).cloned() {
            Some(e) if e.is_dir => self.list_dir(e.path, None),
            Some(e) => Effect::LoadDataset(vec![e.path]),
            None => Effect::None,
        }
    }

    /// Asks the jobs thread for a folder's listing; the old one stays until it arrives.
    fn list_dir(&mut self, dir: PathBuf, select: Option<PathBuf>) -> Effect {
        self.browser.reading = true;
        Effect::Job(Job::ListDir { dir, select })
    }

    /// Cycles the selected file's melody track through automatic detection and each
    /// track with notes (drums excepted), then reloads the dataset with the choice.
    fn next_melody_track(&mut self) -> Effect {
        let Some(fs) = self.selected_file() else {
            return Effect::Message("load a dataset first".into());
        };
        let candidates: Vec<usize> = fs
            .tracks
            .iter()
            .filter(|t| t.notes > 0 && t.role != Role::Drums)
            .map(|t| t.index)
            .collect();
        let path = fs.path.clone();
        let current = self.melody_for.get(&path).copied();
        let next = match current.and_then(|c| candidates.iter().position(|&i| i == c)) {
            None => candidates.first().copied(),
            Some(k) => candidates.get(k + 1).copied(),
        };
        let name = file_name(&path);
        let msg = match next {
            Some(i) => {
                self.melody_for.insert(path, i);
                format!("{name}: melody is track {i}")
            }
            None => {
                self.melody_for.remove(&path);
                format!("{name}: melody track detected automatically")
            }
        };
        Effect::Many(vec![
            Effect::LoadDataset(self.paths.clone()),
            Effect::Message(msg),
        ])
    }

    /// A click in the tab's `area`: selects the folder entry or the file under it.
    pub fn click(&mut self, area: Rect, col: u16, row: u16) {
        let a = areas(area);
        let list = block("").inner(a.browser);
        let off = list_offset(self.browser.selected, list.height);
        if let Some(i) = item_at(list, off, col, row).filter(|&i| i < self.browser.entries.len()) {
            self.browser.selected = i;
        }
        let n = self.dataset.as_ref().map_or(0, |d| d.files.len());
        let rows = table_rows(a.files);
        let off = list_offset(self.file_sel, rows.height);
        if let Some(i) = item_at(rows, off, col, row).filter(|&i| i < n) {
            self.file_sel = i;
        }
    }
}

impl Widget for &DatasetTab {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let a = areas(area);
        self.draw_browser(a.browser, buf);
        let Some(ds) = &self.dataset else {
            let msg = match (self.loading, &self.browser.error) {
                (Some((a, n)), _) => format!("loading… {a}/{n} files"),
                (_, Some(e)) => e.clone(),
                _ => "Choose a MIDI file (Enter) or load this whole folder (a).".into(),
            };
            Paragraph::new(msg)
                .block(block("Dataset"))
                .render(a.right, buf);
            return;
        };
        self.draw_files(ds, a.files, buf);
        self.draw_tracks(a.tracks, buf);
        if let Some(s) = &self.stats {
            stats_box(s, ds.options.tx, a.stats, buf);
            token_bars(s, &self.theme, a.bars, buf);
        }
    }
}

impl DatasetTab {
    fn draw_browser(&self, area: Rect, buf: &mut Buffer) {
        let b = &self.browser;
        let items: Vec<ListItem> = b
            .entries
            .iter()
            .map(|e| match e.is_dir {
                true => ListItem::new(format!("{}/", e.name)),
                false => ListItem::new(e.name.clone()),
            })
            .collect();
        let title = match b.reading {
            true => format!("{} (reading…)", b.shown()),
            false => b.shown(),
        };
        let list = block(title);
        let off = list_offset(b.selected, list.inner(area).height);
        let mut state = ListState::default()
            .with_offset(off)
            .with_selected(Some(b.selected));
        let list = List::new(items)
            .block(list)
            .highlight_style(self.theme.selected());
        StatefulWidget::render(list, area, buf, &mut state);
    }

    fn draw_files(&self, ds: &Dataset, area: Rect, buf: &mut Buffer) {
        let rows: Vec<Row> = ds
            .files
            .iter()
            .map(|fs| {
                let changes: Vec<String> = fs.chords.iter().take(6).cloned().collect();
                Row::new(vec![
                    file_name(&fs.path),
                    fs.notes.to_string(),
                    fs.tokens.to_string(),
                    format!("{:?}", fs.chord_source).to_lowercase(),
                    changes.join(" "),
                ])
            })
            .chain(ds.failed.iter().map(|x| {
                let cells = [x.path.display().to_string(), "failed".into()];
                let rest = [String::new(), String::new(), x.reason.clone()];
                Row::new(cells.into_iter().chain(rest)).style(self.theme.error())
            }))
            .collect();
        let widths = [
            Constraint::Length(24),
            Constraint::Length(6),
            Constraint::Length(7),
            Constraint::Length(9),
            Constraint::Min(10),
        ];
        let title = format!(
            "Files ({} loaded, {} failed) ←→ select",
            ds.files.len(),
            ds.failed.len()
        );
        let header = ["file", "notes", "tokens", "chords", "changes"];
        let off = list_offset(self.file_sel, table_rows(area).height);
        let mut state = TableState::default()
            .with_offset(off)
            .with_selected(Some(self.file_sel));
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(Theme::header()))
            .row_highlight_style(self.theme.row())
            .block(block(title));
        StatefulWidget::render(table, area, buf, &mut state);
    }

    fn draw_tracks(&self, area: Rect, buf: &mut Buffer) {
        let sel = self.selected_file();
        let rows: Vec<Row> = sel.map_or_else(Vec::new, |fs| {
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
        });
        let melody = sel
            .and_then(|fs| self.melody_for.get(&fs.path))
            .map_or("auto".into(), |i| format!("track {i}"));
        let mut b = block(format!("Tracks (melody: {melody}; m to change)"));
        // The file's first warning (damage, SMPTE timing) on the bottom border.
        if let Some(w) = sel.and_then(|fs| fs.warnings.first()) {
            b = b.title_bottom(Line::styled(format!("⚠ {w}"), self.theme.warning()));
        }
        let widths = [
            Constraint::Length(5),
            Constraint::Length(8),
            Constraint::Min(10),
            Constraint::Length(4),
            Constraint::Length(6),
        ];
        let header = ["track", "role", "name", "ch", "notes"];
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(Theme::header()))
            .block(b);
        Widget::render(table, area, buf);
    }
}
