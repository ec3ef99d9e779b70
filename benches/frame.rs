//! One frame of each studio tab at 200×60, drawn to ratatui's TestBackend; and what `g`
//! does on the jobs thread: the Generate tab's default solo (blues-f, two choruses) with
//! each bundled model, sampling and with a beam of 4.

use criterion::{Criterion, criterion_group, criterion_main};
use improv::generate::generate_with;
use improv::model::bundle::Bundle;
use improv::tui::app::App;
use improv::tui::keymap::Tab;
use improv::tui::tabs::gen_settings::{GenSettings, Loaded};
use improv::tui::view::draw;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::time::{Duration, Instant};

fn frame(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut app = App::new(&root.join("assets"), &root.join("models/exercise"), false);
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

fn improvise(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut g = c.benchmark_group("g: the default solo");
    for (model, beam) in [("exercise", 0), ("conditioned", 0), ("conditioned", 4)] {
        let bundle = Bundle::load(&root.join("models").join(model)).expect("a bundled model");
        let loaded = Loaded::of(&bundle);
        let settings = GenSettings {
            beam,
            ..GenSettings::default()
        };
        let (opts, _) = settings.options().expect("the default progression");
        let decoding = settings.decoding(loaded);
        g.bench_function(format!("{model} beam {beam}"), |b| {
            b.iter(|| generate_with(&bundle, &opts, &decoding).map(|s| s.stats.notes))
        });
    }
    g.finish();
}

criterion_group!(benches, frame, improvise);
criterion_main!(benches);
