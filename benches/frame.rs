//! One frame of each studio tab at 200×60, drawn to ratatui's TestBackend.

use criterion::{Criterion, criterion_group, criterion_main};
use improv::tui::app::App;
use improv::tui::keymap::Tab;
use improv::tui::view::draw;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::time::{Duration, Instant};

fn frame(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut app = App::new(&root.join("assets"), &root.join("models/default"), false);
    let t0 = Instant::now();
    while (app.dataset.dataset.is_none() || app.generate.bundle.is_none())
        && t0.elapsed() < Duration::from_secs(60)
    {
        app.tick();
        std::thread::sleep(Duration::from_millis(10));
    }
    app.tab = Tab::Generate;
    app.start_generating();
    while app.generate.solo.is_none() && t0.elapsed() < Duration::from_secs(60) {
        app.tick();
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    let mut g = c.benchmark_group("frame 200x60");
    for tab in Tab::ALL {
        app.tab = tab;
        g.bench_function(tab.title(), |b| {
            b.iter(|| term.draw(|f| draw(f, &app)).map(|_| ()))
        });
    }
    g.finish();
}

criterion_group!(benches, frame);
criterion_main!(benches);
