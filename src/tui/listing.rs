//! Folder listings for the Dataset browser and the models folder, read on the jobs thread.

use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub path: PathBuf,
    pub is_dir: bool,
}

/// A folder listing: sub-folders, then MIDI files. Read on the jobs thread; until it
/// arrives the browser shows `dir` with `reading` set.
pub struct Browser {
    pub dir: PathBuf,
    pub entries: Vec<Entry>,
    pub selected: usize,
    pub error: Option<String>,
    pub reading: bool,
}

impl Browser {
    /// A browser waiting for its listing.
    pub fn pending(dir: &Path) -> Browser {
        Browser {
            dir: dir.to_path_buf(),
            entries: Vec::new(),
            selected: 0,
            error: None,
            reading: true,
        }
    }

    /// The folder as the title shows it: relative to the folder the studio started in
    /// when it is inside it, else in full.
    pub fn shown(&self) -> String {
        let cwd = std::env::current_dir().ok();
        match cwd.as_deref().and_then(|c| self.dir.strip_prefix(c).ok()) {
            Some(rel) if rel.as_os_str().is_empty() => ".".into(),
            Some(rel) => rel.display().to_string(),
            None => self.dir.display().to_string(),
        }
    }

    /// Reads `dir` (the current folder when it is not one), selecting `select` if listed.
    pub fn read(dir: &Path, select: Option<&Path>) -> Browser {
        // A folder that is not there is said so, and the current one shown instead.
        let mut error = (!dir.is_dir()).then(|| {
            format!(
                "{}: no such folder; showing the current folder instead",
                dir.display()
            )
        });
        // Absolute, so Backspace can climb past the folder the studio started in.
        let dir = if dir.is_dir() { dir } else { Path::new(".") };
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut entries = Vec::new();
        match std::fs::read_dir(&dir) {
            Ok(rd) => {
                for e in rd.flatten() {
                    let path = e.path();
                    let name = e.file_name().to_string_lossy().into_owned();
                    let is_dir = path.is_dir();
                    let midi = crate::scorefile::is_score_file(&path);
                    if (is_dir && !name.starts_with('.')) || midi {
                        entries.push(Entry { name, path, is_dir });
                    }
                }
            }
            Err(e) => error = Some(format!("{}: {e}", dir.display())),
        }
        entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then(a.name.cmp(&b.name)));
        let selected = select
            .and_then(|s| entries.iter().position(|e| e.path == s))
            .unwrap_or(0);
        Browser {
            dir,
            entries,
            selected,
            error,
            reading: false,
        }
    }
}

/// The model bundles (folders holding a `bundle.json`) directly inside `dir`, sorted.
pub fn bundles_in(dir: &Path) -> Vec<PathBuf> {
    let mut bundles: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("bundle.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    bundles.sort();
    bundles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_corpus_folder_is_named_not_silently_replaced() {
        let b = Browser::read(Path::new("/nonexistent/corpus"), None);
        let e = b.error.expect("a missing folder is reported");
        assert!(
            e.contains("/nonexistent/corpus") && e.contains("no such folder"),
            "{e}"
        );
        assert!(Browser::read(Path::new("."), None).error.is_none());
    }
}
