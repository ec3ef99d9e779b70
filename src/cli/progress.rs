//! Progress bars for the headless commands (indicatif). They draw on stderr only when it is
//! a terminal, so piped and logged output stays clean.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar: `prefix [#####>----] pos/len msg`; hidden when `quiet` (e.g. JSON output) or
/// when stderr is not a terminal.
pub fn bar(prefix: &str, quiet: bool) -> ProgressBar {
    let b = if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
        .expect("the template is valid")
        .progress_chars("#>-");
    b.set_style(style);
    b.set_prefix(prefix.to_string());
    b
}
