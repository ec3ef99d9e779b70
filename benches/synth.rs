//! Synth render speed: a 32-bar, four-voice combo score (report it as a multiple of real time).

use criterion::{Criterion, criterion_group, criterion_main};
use improv::fixtures::combo_score;
use improv::synth::{SynthSettings, render};

fn synth(c: &mut Criterion) {
    let score = combo_score(32);
    let settings = SynthSettings::default();
    let secs = score.duration_secs();
    let mut g = c.benchmark_group("synth");
    g.sample_size(20);
    g.bench_function(format!("render 32 bars ({secs:.0} s of audio)"), |b| {
        b.iter(|| render(&score, &settings).len())
    });
    g.finish();
}

criterion_group!(benches, synth);
criterion_main!(benches);
