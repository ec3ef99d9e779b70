//! Material the benchmarks and tests share (criterion benches, `improv bench speed`, the
//! synth's tests): a combo score of any length and a large MIDI file, built the same way
//! every time, and a single-bin DFT for measuring tones in rendered audio.

use crate::corpus::{bass_track, comping_track};
use crate::music::{Note, PPQ, Pitch, Progression, Role, Score, Track};

/// `bars` of blues in F at 160 bpm: an eighth-note solo, comping, walking bass and a
/// drum track (kick, snare, hat): the four voices the synth plays.
pub fn combo_score(bars: usize) -> Score {
    let prog = Progression::preset("blues-f").expect("blues-f is a preset");
    let choruses = bars.div_ceil(prog.len_bars().max(1));
    let mut spans = prog.spans(PPQ * 4, choruses);
    let end = bars as u32 * PPQ * 4;
    spans.retain(|s| s.start < end);
    let mut score = Score::new("combo", 160.0);
    let mut solo = Track::new("Solo", Role::Melody, 0, 66);
    let scale = [65u8, 67, 69, 70, 72, 74, 75, 77];
    for i in 0..(end / (PPQ / 2)) {
        solo.notes.push(Note {
            start: i * PPQ / 2,
            dur: PPQ / 2,
            pitch: Pitch::new(scale[(i as usize * 3) % scale.len()]).expect("in range"),
            velocity: 90,
        });
    }
    let mut drums = Track::new("Drums", Role::Drums, 9, 0);
    for beat in 0..end / PPQ {
        for key in [if beat % 2 == 0 { 36 } else { 38 }, 42] {
            drums.notes.push(Note {
                start: beat * PPQ,
                dur: PPQ / 4,
                pitch: Pitch::new(key).expect("in range"),
                velocity: 80,
            });
        }
    }
    score.tracks.push(solo);
    score.tracks.push(comping_track(&spans, 1));
    score.tracks.push(bass_track(&spans, 1));
    score.tracks.push(drums);
    score.chords = spans;
    score.normalize();
    score
}

/// A Standard MIDI File with about `notes` notes (solo, comping, bass, drums).
pub fn big_midi(notes: usize) -> Vec<u8> {
    let per_bar = combo_score(12).note_count().max(1) / 12;
    let bars = notes.div_ceil(per_bar.max(1)).max(1);
    crate::midi::export::to_bytes(&combo_score(bars))
}

/// The amplitude of the component at `freq` Hz in `x` (sampled at `rate`): one DFT bin,
/// under a Hann window when `hann` (for tones that do not fill whole periods), else over
/// the plain samples (exact when `x` holds whole periods). A unit sine reads 1.
pub fn tone_amplitude(x: &[f32], freq: f64, rate: f64, hann: bool) -> f64 {
    let n = x.len() as f64;
    let (mut re, mut im, mut gain) = (0.0f64, 0.0f64, 0.0f64);
    for (i, &v) in x.iter().enumerate() {
        let w = if hann {
            0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos()
        } else {
            1.0
        };
        let ph = std::f64::consts::TAU * freq * i as f64 / rate;
        re += f64::from(v) * w * ph.cos();
        im += f64::from(v) * w * ph.sin();
        gain += w;
    }
    2.0 * (re * re + im * im).sqrt() / gain.max(f64::MIN_POSITIVE)
}

/// The conditioned model's speed benchmark (`improv bench speed`, `cargo bench --bench
/// model`): its shape at n_a 128 (one layer, split heads), 520 bars of the combo as 65
/// training windows of 64 events, and its Adam settings.
pub fn conditioned_bench() -> ConditionedBench {
    bench_on(combo_score(520))
}

/// The conditioned benchmarks' network, data and optimiser settings.
pub type ConditionedBench = (
    crate::model::conditioned::CondSpec,
    crate::dataset::events::EventData,
    crate::model::optim::adam::AdamSettings,
);

/// The conditioned benchmarks' network (n_a 128, one layer, split heads) and settings
/// (Adam 0.003, no decay, clipping at 5) over `score` in windows of 64 events, all for
/// training.
fn bench_on(score: Score) -> ConditionedBench {
    use crate::dataset::events::{EventData, EventOptions};
    use crate::model::conditioned::{CondSpec, Heads};
    let spec = CondSpec::events(128, 1, 0.0, Heads::Split);
    let opts = EventOptions {
        tx: 64,
        stride: 64,
        val_fraction: 0.0,
        ..EventOptions::default()
    };
    let data = EventData::from_scores(vec![(score.title.clone(), score)], &opts);
    let settings = crate::model::optim::adam::AdamSettings {
        lr: 0.003,
        decay: 0.0,
        clip: Some(5.0),
        ..Default::default()
    };
    (spec, data, settings)
}

/// `bars` of a solo over every preset's changes in turn, in a rhythm that cycles through
/// sixteenths, eighths, triplets, dotted and long notes and rests: feature rows that
/// repeat about as seldom as a real solo's (chord, next chord and place in the bar rarely
/// all come back together), where `combo_score`'s eighths over one blues repeat each
/// chorus.
pub fn varied_score(bars: usize) -> Score {
    use crate::music::progression::PRESETS;
    let bar = PPQ * 4;
    let end = bars as u32 * bar;
    let mut chords = Vec::new();
    let mut at = 0;
    while at < end {
        for (name, _, _) in PRESETS {
            let Some(prog) = Progression::preset(name) else {
                continue;
            };
            for mut span in prog.spans(bar, 1) {
                span.start += at;
                chords.push(span);
            }
            at += prog.len_bars() as u32 * bar;
        }
    }
    chords.retain(|s| s.start < end);
    let mut solo = Track::new("Solo", Role::Melody, 0, 66);
    // Lengths in ticks: sixteenth, eighth, triplet eighth, dotted eighth, quarter, half.
    let lengths = [
        PPQ / 4,
        PPQ / 2,
        PPQ / 3,
        PPQ * 3 / 4,
        PPQ,
        PPQ / 3,
        PPQ / 3,
        PPQ * 2,
    ];
    let (mut t, mut i) = (0u32, 0usize);
    while t < end {
        let dur = lengths[(i * 5 + i / 7) % lengths.len()];
        // Every eleventh event a rest.
        if i % 11 != 10 {
            let key = 55 + ((i * 7 + i / 3) % 26) as u8;
            solo.notes.push(Note {
                start: t,
                dur,
                pitch: Pitch::new(key).expect("in range"),
                velocity: 90,
            });
        }
        t += dur;
        i += 1;
    }
    let mut score = Score::new("varied", 160.0);
    score.tracks.push(solo);
    score.chords = chords;
    score.normalize();
    score
}

/// `conditioned_bench`'s network and settings over `varied_score`: as many windows, feature
/// rows as varied as real solos'.
pub fn conditioned_bench_varied() -> ConditionedBench {
    bench_on(varied_score(640))
}

/// A small conditioned bundle (n_a 16, its first head sharpened so sampling is decisive),
/// for the tests of everything that answers or improvises with one.
pub fn small_conditioned_bundle() -> crate::model::bundle::Bundle {
    use crate::dataset::events::Register;
    use crate::model::bundle::{Bundle, TrainConfig};
    use crate::model::conditioned::{CondMeta, CondSpec, CondWeights, Heads};
    let spec = CondSpec::events(16, 1, 0.0, Heads::Split);
    let mut w = CondWeights::init(spec, 5);
    w.heads[0].kernel.iter_mut().for_each(|v| *v *= 4.0);
    let reg = Register {
        centre: 66,
        span: 24,
    };
    let meta = CondMeta::new(spec, reg, false, false);
    Bundle::new_conditioned(w, meta, 64, String::new(), TrainConfig::default())
}

#[cfg(test)]
mod tests {
    use super::tone_amplitude;

    /// Distinct whole feature rows among the first `n` events of a bench set.
    fn distinct_rows(data: &crate::dataset::events::EventData, n: usize) -> usize {
        let nf = data.train.feats.len() / data.train.prev_p.len();
        let rows: std::collections::HashSet<Vec<u32>> = data.train.feats[..n * nf]
            .chunks_exact(nf)
            .map(|r| r.iter().map(|v| v.to_bits()).collect())
            .collect();
        rows.len()
    }

    #[test]
    fn the_varied_bench_set_repeats_its_feature_rows_seldom() {
        let (_, combo, _) = super::conditioned_bench();
        let (_, varied, _) = super::conditioned_bench_varied();
        // As many windows as the combo's (a batch of 32 twice over, and then some).
        assert!(
            varied.train.m >= combo.train.m,
            "{} windows",
            varied.train.m
        );
        let n = 32 * 64;
        let (c, v) = (distinct_rows(&combo, n), distinct_rows(&varied, n));
        assert!(c * 10 < n, "the combo repeats its rows: {c} of {n}");
        assert!(v * 3 > n, "the varied set seldom does: {v} of {n}");
    }

    #[test]
    fn a_sine_reads_its_amplitude_and_nothing_elsewhere() {
        let rate = 48_000.0;
        let x: Vec<f32> = (0..48_000)
            .map(|i| (0.5 * (std::f64::consts::TAU * 750.0 * i as f64 / rate).sin()) as f32)
            .collect();
        for hann in [false, true] {
            assert!((tone_amplitude(&x, 750.0, rate, hann) - 0.5).abs() < 1e-3);
            assert!(tone_amplitude(&x, 1500.0, rate, hann) < 1e-3);
        }
    }
}
