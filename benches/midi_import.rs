//! MIDI import and tokenization speed on a 40,000-note file.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use improv::fixtures::big_midi;
use improv::midi::import::{ImportOptions, parse_bytes};
use improv::tokens::{TokenizerKind, encode};

fn import(c: &mut Criterion) {
    let bytes = big_midi(40_000);
    let notes = parse_bytes(&bytes, &ImportOptions::default())
        .map(|i| i.score.note_count())
        .unwrap_or(0);
    let mut g = c.benchmark_group("midi");
    g.throughput(Throughput::Elements(notes as u64));
    g.bench_function("import 40k notes", |b| {
        b.iter(|| parse_bytes(&bytes, &ImportOptions::default()).map(|i| i.score.note_count()))
    });
    g.bench_function("import + tokenize 40k notes", |b| {
        b.iter(|| {
            parse_bytes(&bytes, &ImportOptions::default())
                .map(|i| encode(TokenizerKind::Grammar, &i.score).len())
        })
    });
    g.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
