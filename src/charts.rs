//! The chart library: iReal Pro songs kept in the config folder (`charts.json`), listed
//! and found by title; and the one resolver every progression argument goes through.

mod resolve;

pub use resolve::{resolve, resolve_text};

use crate::music::ireal::{self, IrealError, Song};
use crate::music::{Progression, ProgressionError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Set to a folder, it replaces the platform's config folder (library and config file).
pub const DIR_ENV: &str = "IMPROV_CONFIG_DIR";
/// The library's file in the config folder.
pub const FILE_NAME: &str = "charts.json";

/// The config folder: `IMPROV_CONFIG_DIR`, else the platform's (e.g. ~/.config/improv).
pub fn config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os(DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "improv").map(|d| d.config_dir().to_path_buf())
}

/// One song in the library: what a listing shows, and the song itself as a link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub title: String,
    pub composer: String,
    pub style: String,
    pub key: String,
    /// Bars once through the form.
    pub bars: usize,
    pub link: String,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    charts: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a chart library: {reason}")]
    Bad { path: PathBuf, reason: String },
    #[error("{what}: {source}")]
    Ireal {
        what: String,
        #[source]
        source: IrealError,
    },
    #[error("{query:?} names {} charts: {}; give more of the title", .matches.len(), .matches.join(", "))]
    Ambiguous { query: String, matches: Vec<String> },
    #[error("{what} holds {} songs ({}): import them with `improv charts import` and name one by title", .titles.len(), .titles.join(", "))]
    ManySongs { what: String, titles: Vec<String> },
    #[error(
        "unknown progression {0:?}: not a preset ({presets}), a chart like \"| Dm7 G7 | Cmaj7 |\", \
         an iReal Pro link or a title in the chart library (`improv charts` lists it)",
        presets = crate::music::PRESETS.iter().map(|p| p.0).collect::<Vec<_>>().join(", ")
    )]
    Unknown(String),
    #[error(transparent)]
    Progression(#[from] ProgressionError),
}

/// The songs kept in a config folder.
#[derive(Clone, Debug, PartialEq)]
pub struct Library {
    pub path: PathBuf,
    pub charts: Vec<Entry>,
}

impl Library {
    /// The library in `dir` (empty when there is none yet).
    pub fn open(dir: &Path) -> Result<Library, ChartError> {
        let path = dir.join(FILE_NAME);
        let charts = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let s: Stored = serde_json::from_str(&text).map_err(|e| ChartError::Bad {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                s.charts
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(ChartError::Io { path, source }),
        };
        Ok(Library { path, charts })
    }

    /// Adds songs; one with the title and composer of a kept one replaces it. Returns how
    /// many were new and how many replaced.
    pub fn import(&mut self, songs: &[Song]) -> (usize, usize) {
        let (mut added, mut replaced) = (0, 0);
        for s in songs {
            let p = &s.progression;
            let m = p.meta.clone().unwrap_or_default();
            let e = Entry {
                title: p.name.clone(),
                composer: m.composer,
                style: m.style,
                key: m.key,
                bars: p.len_bars(),
                link: s.link.clone(),
            };
            let same = |k: &Entry| {
                k.title.eq_ignore_ascii_case(&e.title)
                    && k.composer.eq_ignore_ascii_case(&e.composer)
            };
            match self.charts.iter_mut().find(|k| same(k)) {
                Some(k) => {
                    *k = e;
                    replaced += 1;
                }
                None => {
                    self.charts.push(e);
                    added += 1;
                }
            }
        }
        self.charts
            .sort_by_key(|e| (e.title.to_lowercase(), e.composer.to_lowercase()));
        (added, replaced)
    }

    /// Writes the library (temporary file, then renamed into place).
    pub fn save(&self) -> Result<(), ChartError> {
        let io = |source| ChartError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let stored = Stored {
            version: 1,
            charts: self.charts.clone(),
        };
        crate::atomic::write_with(&self.path, true, |f| {
            serde_json::to_writer_pretty(&mut *f, &stored).map_err(std::io::Error::other)
        })
        .map_err(|e| match e {
            crate::atomic::WriteError::Io(e) => io(e),
            other => io(std::io::Error::other(other.to_string())),
        })
    }

    /// The chart titled `query` (any case), or the only one whose title starts with it.
    pub fn find(&self, query: &str) -> Result<Option<&Entry>, ChartError> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Ok(None);
        }
        if let Some(e) = self.charts.iter().find(|e| e.title.to_lowercase() == q) {
            return Ok(Some(e));
        }
        let hits: Vec<&Entry> = self
            .charts
            .iter()
            .filter(|e| e.title.to_lowercase().starts_with(&q))
            .collect();
        match hits.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            many => Err(ChartError::Ambiguous {
                query: query.trim().to_string(),
                matches: many.iter().map(|e| e.title.clone()).collect(),
            }),
        }
    }

    /// A kept chart's progression, read again from its link.
    pub fn progression(&self, e: &Entry) -> Result<Progression, ChartError> {
        let p = ireal::read_link(&e.link).map_err(|source| ChartError::Ireal {
            what: format!("{} ({})", self.path.display(), e.title),
            source,
        })?;
        p.songs
            .into_iter()
            .next()
            .map(|s| s.progression)
            .ok_or(ChartError::Ireal {
                what: e.title.clone(),
                source: IrealError::NoSongs,
            })
    }

    /// Every kept chart's progression (those that no longer read are left out).
    pub fn progressions(&self) -> Vec<Progression> {
        self.charts
            .iter()
            .filter_map(|e| self.progression(e).ok())
            .collect()
    }
}

/// The songs of a link, or of a file holding links (HTML or text).
pub fn read_source(arg: &str) -> Result<Vec<Song>, ChartError> {
    if ireal::is_link(arg) {
        let p = ireal::read_link(arg).map_err(|source| ChartError::Ireal {
            what: "the link".into(),
            source,
        })?;
        return Ok(p.songs);
    }
    let path = Path::new(arg);
    let text = std::fs::read_to_string(path).map_err(|source| ChartError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let p = ireal::read_page(&text).map_err(|source| ChartError::Ireal {
        what: path.display().to_string(),
        source,
    })?;
    Ok(p.songs)
}

#[cfg(test)]
mod tests;
