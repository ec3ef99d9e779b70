//! The synth as it was before block processing, kept for tests: new renders must keep its partials.

use super::envelope::Envelope;
use super::osc::{OnePole, Osc, Wave};
use super::voice::{Noise, Voice, edge_env, sin_cycles, table};
use super::{SynthSettings, events, freq, limit, pan, voice_level};
use crate::music::Score;
use std::f32::consts::TAU;

/// Interleaved stereo samples of the whole score, one note at a time (the old renderer).
pub fn render(score: &Score, settings: &SynthSettings) -> Vec<f32> {
    let sr = settings.sample_rate.clamp(8_000, 192_000) as f32;
    let frames = ((score.seconds_at(score.end()) + super::TAIL_SECS) * sr as f64).ceil() as usize;
    let mut out = vec![0.0f32; frames * 2];
    let mut buf = Vec::new();
    for e in events(score, settings) {
        let gain = settings.mix(e.part).gain();
        if gain == 0.0 {
            continue;
        }
        let (level, pan_pos) = voice_level(e.voice);
        let vel = e.velocity.clamp(1, 127) as f32 / 127.0;
        let amp = level * gain * (0.35 + 0.65 * vel);
        render_note(
            e.voice,
            freq(e.key),
            amp,
            e.held as f32,
            sr,
            e.seed,
            &mut buf,
        );
        let (gl, gr) = pan(pan_pos);
        let first = (e.start * sr as f64).round() as usize;
        for (i, &v) in buf.iter().enumerate() {
            let f = first + i;
            if f >= frames {
                break;
            }
            out[2 * f] += v * gl;
            out[2 * f + 1] += v * gr;
        }
    }
    let master = settings.master.clamp(0.0, 2.0);
    for x in &mut out {
        *x = limit(*x * master);
    }
    out
}

/// Renders one note: `held` seconds of key-down, then the voice's release, into `out`
/// (which is cleared and sized by this call). `amp` is the peak level.
pub fn render_note(
    voice: Voice,
    freq: f32,
    amp: f32,
    held: f32,
    sr: f32,
    seed: u32,
    out: &mut Vec<f32>,
) {
    let len_secs = voice.fixed_len().unwrap_or(held + voice.release());
    let len = (len_secs * sr).max(1.0) as usize;
    out.clear();
    out.resize(len, 0.0);
    match voice {
        Voice::Lead => lead(out, freq, amp, sr, voice.adsr().start(held, sr)),
        Voice::EPiano => epiano(out, freq, amp, sr, voice.adsr().start(held, sr)),
        Voice::Bass => bass(out, freq, amp, sr, voice.adsr().start(held, sr)),
        Voice::Kick => kick(out, amp, sr),
        Voice::Snare | Voice::Hat | Voice::Ride => kit(out, voice, amp, sr, seed),
    }
}

/// Additive horn-like tone: partials fall off with their number; a gentle vibrato fades in
/// after 0.25 s.
fn lead(out: &mut [f32], freq: f32, amp: f32, sr: f32, mut env: Envelope) {
    let t = table();
    let nyq = sr * 0.45;
    let partials: Vec<(f32, f32)> = [
        (1.0, 1.0),
        (2.0, 0.45),
        (3.0, 0.25),
        (4.0, 0.12),
        (5.0, 0.06),
    ]
    .into_iter()
    .filter(|(k, _)| freq * k < nyq)
    .collect();
    let norm: f32 = partials.iter().map(|p| p.1).sum();
    let gains: Vec<f32> = partials.iter().map(|p| p.1).collect();
    let mut phase = 0.0f32;
    let mut vib = 1.0f32;
    for (i, o) in out.iter_mut().enumerate() {
        let secs = i as f32 / sr;
        if i % 32 == 0 {
            // The vibrato moves slowly: update it every 32 samples.
            let depth = ((secs - 0.25) / 0.3).clamp(0.0, 1.0) * 0.0025;
            vib = 1.0 + depth * sin_cycles(t, secs * 5.2);
        }
        phase += freq * vib / sr;
        if phase >= 1.0 {
            phase -= 1.0;
        }
        // Partials by the Chebyshev recurrence: sin((k+1)x) = 2cos(x)sin(kx) - sin((k-1)x).
        let (s1, c1) = (sin_cycles(t, phase), sin_cycles(t, phase + 0.25));
        let (mut prev, mut cur) = (0.0f32, s1);
        let mut s = 0.0;
        for &g in &gains {
            s += g * cur;
            let next = 2.0 * c1 * cur - prev;
            prev = cur;
            cur = next;
        }
        *o = amp * s / norm * env.tick();
    }
}

/// Two-operator FM with a decaying index: a bell-like attack that mellows.
fn epiano(out: &mut [f32], freq: f32, amp: f32, sr: f32, mut env: Envelope) {
    let t = table();
    let nyq = sr * 0.45;
    let idx_ok = freq * 3.0 < nyq;
    // The index decays as a running product (one multiply per sample, no exp()).
    let k_idx = (-1.0 / (0.25 * sr)).exp();
    let mut idx_decay = 1.0f32;
    for (i, o) in out.iter_mut().enumerate() {
        let p = freq * (i as f32 / sr);
        let index = if idx_ok { 0.2 + 1.3 * idx_decay } else { 0.0 };
        let modulator = sin_cycles(t, p);
        let s = sin_cycles(t, p + index * modulator / TAU);
        *o = amp * s * env.tick();
        idx_decay *= k_idx;
    }
}

/// A triangle with a little band-limited saw for bite, through a two-pole low-pass whose
/// cutoff falls after the pluck: round, with a soft attack edge.
fn bass(out: &mut [f32], freq: f32, amp: f32, sr: f32, mut env: Envelope) {
    let (mut tri, mut saw) = (Osc::new(Wave::Triangle), Osc::new(Wave::Saw));
    let (mut lp1, mut lp2) = (OnePole::default(), OnePole::default());
    let k = (-32.0 / (0.15 * sr)).exp();
    let mut bright = 1.0f32;
    for (i, o) in out.iter_mut().enumerate() {
        if i % 32 == 0 {
            // The cutoff moves slowly: update it every 32 samples.
            let cutoff = freq * (2.5 + 5.0 * bright);
            lp1.set_cutoff(cutoff, sr);
            lp2.set_cutoff(cutoff, sr);
            bright *= k;
        }
        let x = tri.next(freq, sr) + 0.3 * saw.next(freq, sr);
        *o = amp * lp2.process(lp1.process(x)) * env.tick() / 1.2;
    }
}

/// A sine whose pitch falls as it sounds.
fn kick(out: &mut [f32], amp: f32, sr: f32) {
    let t = table();
    let len = out.len();
    let ms = |x: f32| ((x * sr / 1000.0) as usize).max(1);
    let mut phase = 0.0f32;
    for (i, o) in out.iter_mut().enumerate() {
        let secs = i as f32 / sr;
        let f = 48.0 + 80.0 * (-secs / 0.04).exp();
        phase += f / sr;
        *o = amp * sin_cycles(t, phase) * (-secs / 0.12).exp() * edge_env(i, len, 1, ms(20.0));
    }
}

/// Snare, hat and ride: high-passed noise, with a snare's body or a ride's bell.
fn kit(out: &mut [f32], voice: Voice, amp: f32, sr: f32, seed: u32) {
    let t = table();
    let len = out.len();
    let ms = |x: f32| ((x * sr / 1000.0) as usize).max(1);
    let mut noise = Noise(seed | 1);
    let (tau, hp) = match voice {
        Voice::Snare => (0.07, 0.3),
        Voice::Hat => (0.025, 0.85),
        _ => (0.35, 0.9),
    };
    let mut prev = 0.0f32;
    let k = (-1.0 / (tau * sr)).exp();
    let mut decay = 1.0f32;
    for (i, o) in out.iter_mut().enumerate() {
        let secs = i as f32 / sr;
        let n = noise.next();
        // One-zero high-pass: brighter for hat and ride.
        let bright = n - hp * prev;
        prev = n;
        let mut s = bright * 0.6;
        if voice == Voice::Snare {
            s += 0.5 * sin_cycles(t, 185.0 * secs) * (-secs / 0.05).exp();
        }
        if voice == Voice::Ride {
            s = 0.35 * s
                + 0.25 * sin_cycles(t, 3_130.0 * secs)
                + 0.2 * sin_cycles(t, 4_670.0 * secs);
        }
        *o = amp * s * decay * edge_env(i, len, ms(1.0), ms(10.0));
        decay *= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Note, PPQ, Pitch, Role, Track};

    /// Magnitude spectrum of `x` (length a power of two) under a Hann window, radix-2 FFT.
    fn spectrum(x: &[f32]) -> Vec<f64> {
        let n = x.len();
        let mut re: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos();
                f64::from(v) * w
            })
            .collect();
        let mut im = vec![0.0f64; n];
        let bits = n.trailing_zeros();
        for i in 0..n {
            let j = i.reverse_bits() >> (usize::BITS - bits);
            if j > i {
                re.swap(i, j);
                im.swap(i, j);
            }
        }
        let mut len = 2;
        while len <= n {
            let w = -std::f64::consts::TAU / len as f64;
            for start in (0..n).step_by(len) {
                for k in 0..len / 2 {
                    let (c, s) = ((w * k as f64).cos(), (w * k as f64).sin());
                    let (a, b) = (start + k, start + k + len / 2);
                    let (tr, ti) = (re[b] * c - im[b] * s, re[b] * s + im[b] * c);
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
            len *= 2;
        }
        (0..n / 2).map(|k| re[k].hypot(im[k])).collect()
    }

    /// The `count` strongest local maxima: (bin, level in dB).
    fn peaks(spec: &[f64], count: usize) -> Vec<(usize, f64)> {
        let mut p: Vec<(usize, f64)> = (1..spec.len() - 1)
            .filter(|&k| spec[k] > spec[k - 1] && spec[k] >= spec[k + 1])
            .map(|k| (k, 20.0 * spec[k].max(1e-12).log10()))
            .collect();
        p.sort_by(|a, b| b.1.total_cmp(&a.1));
        p.truncate(count);
        p
    }

    /// Old and new renders show the same partials: every strong peak of the old spectrum is
    /// in the new one at the same frequency (±1 bin) and level (±1 dB), window by window.
    fn same_partials(score: &Score, settings: &SynthSettings) {
        let old = render(score, settings);
        let new = super::super::render(score, settings);
        assert_eq!(old.len(), new.len());
        const N: usize = 8192;
        let left = |b: &[f32]| b.iter().step_by(2).copied().collect::<Vec<f32>>();
        let (old, new) = (left(&old), left(&new));
        let mut windows = 0;
        for start in (0..old.len().saturating_sub(N)).step_by(N * 3) {
            let (a, b) = (
                spectrum(&old[start..start + N]),
                spectrum(&new[start..start + N]),
            );
            let loudest = peaks(&a, 1).first().map_or(-240.0, |p| p.1);
            for (bin, level) in peaks(&a, 12).into_iter().filter(|p| p.1 > loudest - 40.0) {
                let near = (bin.saturating_sub(1)..=bin + 1)
                    .map(|k| b[k])
                    .fold(0.0, f64::max);
                let got = 20.0 * near.max(1e-12).log10();
                assert!(
                    (got - level).abs() < 1.0,
                    "window at {start}: partial at {:.1} Hz is {got:.2} dB, was {level:.2} dB",
                    bin as f64 * 48_000.0 / N as f64
                );
            }
            windows += 1;
        }
        assert!(windows > 0, "score too short to compare");
    }

    fn dry() -> SynthSettings {
        SynthSettings {
            room: 0.0,
            ..SynthSettings::default()
        }
    }

    fn one_part(role: Role, channel: u8, keys: &[u8]) -> Score {
        let mut s = Score::new("t", 100.0);
        let mut t = Track::new("x", role, channel, 0);
        for (i, &k) in keys.iter().enumerate() {
            t.notes.push(Note {
                start: i as u32 * PPQ,
                dur: PPQ * 3 / 2,
                pitch: Pitch::new(k).unwrap(),
                velocity: 100,
            });
        }
        s.tracks.push(t);
        s
    }

    #[test]
    fn each_voice_keeps_its_partials() {
        let keys = [69u8, 48, 76, 60, 81, 55, 64, 72, 38, 67, 57, 74];
        same_partials(&one_part(Role::Melody, 0, &keys), &dry());
        same_partials(&one_part(Role::Chords, 0, &keys), &dry());
        same_partials(
            &one_part(Role::Bass, 0, &[28, 33, 40, 45, 36, 43, 31, 38]),
            &dry(),
        );
        let kit = [36u8, 38, 42, 51, 36, 38, 42, 51, 36, 42, 38, 51];
        same_partials(&one_part(Role::Drums, 9, &kit), &dry());
    }

    #[test]
    fn the_combo_keeps_its_partials() {
        same_partials(&crate::fixtures::combo_score(8), &dry());
    }

    #[test]
    fn new_and_old_renders_differ_by_rounding_only() {
        let score = crate::fixtures::combo_score(4);
        let (old, new) = (render(&score, &dry()), super::super::render(&score, &dry()));
        let (mut diff, mut energy) = (0.0f64, 0.0f64);
        for (a, b) in old.iter().zip(&new) {
            diff += f64::from(a - b).powi(2);
            energy += f64::from(*a).powi(2);
        }
        let db = 10.0 * (diff / energy).log10();
        assert!(db < -50.0, "difference at {db:.1} dB");
    }
}
