//! `improv bench speed`'s rows for what happens after training: generation, decoding,
//! the synth, and MIDI import.

use super::{Rows, median};

/// Seconds each of `runs` calls of `f` takes.
fn seconds(runs: usize, mut f: impl FnMut()) -> Vec<f64> {
    (0..runs)
        .map(|_| {
            let t0 = std::time::Instant::now();
            f();
            t0.elapsed().as_secs_f64()
        })
        .collect()
}

/// Generation: 50 tokens with the bundled model's shape (78 values, n_a 64).
pub(super) fn generation(runs: usize, rows: &mut Rows) {
    use improv::generate::{SampleOptions, sample_until};
    let w = improv::model::exercise::weights::Weights::init(78, 64, 0);
    let opts = SampleOptions {
        temperature: 1.0,
        top_k: 0,
        seed: 1,
    };
    let times = seconds(runs, || {
        for _ in 0..100 {
            std::hint::black_box(sample_until(&w, &[], &opts, 50, &mut |_| false));
        }
    });
    let times = times.into_iter().map(|t| t / 100.0).collect();
    rows.push((
        "generate: 50 tokens".into(),
        median(times) * 1e3,
        "ms".into(),
    ));
}

/// The time the conditioned kind takes to decode a 32-bar chorus, sampled and by beam.
pub(super) fn conditioned_decoding(runs: usize, rows: &mut Rows) {
    use improv::generate::SampleOptions;
    use improv::generate::decode::{Decoding, decode_events};
    use improv::model::conditioned::CondMeta;
    use improv::model::conditioned::CondWeights;
    let (spec, data, _) = improv::fixtures::conditioned_bench();
    // Decoding speed depends on how many events a chorus takes: use the shipped model when
    // it is there, else a fresh one that prefers eighths.
    let (w, meta) =
        match improv::model::bundle::Bundle::load(std::path::Path::new("models/conditioned")) {
            Ok(improv::model::bundle::Bundle {
                net: improv::model::net::Net::Conditioned(c),
                ..
            }) => (c.weights, c.meta),
            _ => {
                let mut w = CondWeights::init(spec, 0);
                w.heads[1].bias[improv::tokens::events::dur_index(6)] = 4.0;
                (w, CondMeta::new(spec, data.register, false, false))
            }
        };
    let prog = improv::music::Progression::preset("rhythm-changes").expect("a preset");
    let bar = improv::music::PPQ * 4;
    let spans = prog.spans(bar, 1);
    let end = 32 * bar;
    for (label, d) in [
        ("sampled", Decoding::default()),
        (
            "beam 4",
            Decoding {
                beam: 4,
                ..Decoding::default()
            },
        ),
    ] {
        let s = SampleOptions {
            temperature: 1.0,
            top_k: 0,
            seed: 1,
        };
        let times = seconds(runs, || {
            std::hint::black_box(decode_events(&w, &meta, &spans, bar, end, &s, &d));
        });
        rows.push((
            format!("generate: conditioned 32 bars, {label}"),
            median(times) * 1e3,
            "ms".into(),
        ));
    }
}

/// Synth: a 32-bar, four-voice score, as a multiple of real time, streamed as an export
/// is: with the room (the default), dry, and through a SoundFont when one is installed.
pub(super) fn synth(runs: usize, rows: &mut Rows) {
    use improv::synth::soundfont::{Font, find, search_dirs};
    use improv::synth::{Stream, SynthSettings};
    let score = improv::fixtures::combo_score(32);
    let room = SynthSettings::default();
    let dry = SynthSettings {
        room: 0.0,
        ..SynthSettings::default()
    };
    let font = find(&search_dirs())
        .first()
        .and_then(|p| Font::load(p).ok());
    let mut cases = vec![(
        "synth: 32 bars, real-time multiple".to_string(),
        &room,
        None,
    )];
    cases.push(("synth: 32 bars dry, real-time multiple".into(), &dry, None));
    if let Some(f) = &font {
        cases.push((
            format!("soundfont: 32 bars ({}), real-time", f.name()),
            &room,
            Some(f),
        ));
    }
    for (name, settings, font) in cases {
        let mut buf = vec![0.0f32; 8192];
        // Seconds of audio the render makes: the score and its tail (the room's included).
        let mut audio_secs = score.duration_secs();
        let times = seconds(runs, || {
            let (mut stream, _) = Stream::new(&score, settings, font);
            audio_secs = stream.total_frames() as f64 / f64::from(stream.sample_rate());
            while stream.fill(&mut buf) > 0 {
                std::hint::black_box(&buf);
            }
        });
        rows.push((name, audio_secs / median(times), "x".into()));
    }
}

/// MIDI import and tokenization of a 40,000-note file.
pub(super) fn midi(runs: usize, rows: &mut Rows) {
    use improv::midi::import::{ImportOptions, parse_bytes};
    let bytes = improv::fixtures::big_midi(40_000);
    let mut notes = 0;
    let times = seconds(runs, || {
        if let Ok(imp) = parse_bytes(&bytes, &ImportOptions::default()) {
            notes = imp.score.note_count();
            std::hint::black_box(improv::tokens::encode(
                improv::tokens::TokenizerKind::Grammar,
                &imp.score,
            ));
        }
    });
    rows.push((
        format!("midi: import+tokenize {notes} notes"),
        notes as f64 / median(times) / 1e6,
        "M notes/s".into(),
    ));
}
