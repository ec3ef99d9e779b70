//! One module per tab, each a room of its own: its state, its settings as an enum of fields,
//! its key handling (returning effects) and its drawing (`impl Widget for &XTab`).

pub mod dataset;
mod gen_charts;
pub mod gen_settings;
pub mod generate;
pub mod jam;
pub mod play;
pub mod train;
pub mod train_settings;

pub use dataset::DatasetTab;
pub use generate::GenerateTab;
pub use jam::JamTab;
pub use play::PlayTab;
pub use train::TrainTab;

/// −1 for ←, +1 for →.
pub fn direction(right: bool) -> i64 {
    if right { 1 } else { -1 }
}

/// A file's name without its folder (the path itself when it has none).
pub fn file_name(p: &std::path::Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
