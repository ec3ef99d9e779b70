//! Every tab drawn at 80×24 and 160×48 and compared with the stored snapshots
//! (`src/tui/tests/snapshots/`), so a layout change shows as a diff. The studio opens on the
//! bundled corpus and model by relative paths and improvises with a fixed seed, so the
//! screens hold no times, machine paths or random draws.

use super::{screen, wait};
use crate::tui::app::App;
use crate::tui::keymap::Tab;
use std::path::Path;

fn studio_with_a_solo() -> App {
    let mut app = App::new(Path::new("assets"), Path::new("models/exercise"), false);
    wait(&mut app, "the dataset", |a| a.dataset.dataset.is_some());
    wait(&mut app, "the listing", |a| !a.dataset.browser.reading);
    wait(&mut app, "the model", |a| a.generate.bundle.is_some());
    app.start_generating();
    wait(&mut app, "a solo", |a| a.generate.solo.is_some());
    app
}

#[test]
fn every_tab_at_80x24_and_160x48() {
    let mut app = studio_with_a_solo();
    for tab in Tab::ALL {
        app.tab = tab;
        for (w, h) in [(80, 24), (160, 48)] {
            let name = format!("{}_{w}x{h}", tab.title().to_lowercase());
            insta::assert_snapshot!(name, screen(&app, w, h));
        }
    }
}
