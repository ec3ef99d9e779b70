//! The synth measured as a listener would: pitch, harmony, level, clicks, silence, length.

use improv::music::{Note, PPQ, Pitch, Role, Score, Track};
use improv::synth::{SynthSettings, render, write_wav};

const SR: f64 = 48_000.0;

fn quiet() -> SynthSettings {
    SynthSettings {
        ride: false,
        swing: 0.5,
        room: 0.0,
        ..SynthSettings::default()
    }
}

fn score_with(role: Role, notes: &[(u32, u32, u8, u8)], bpm: f64) -> Score {
    let mut s = Score::new("t", bpm);
    let mut t = Track::new("x", role, 0, 0);
    for &(start, dur, key, vel) in notes {
        t.notes.push(Note {
            start,
            dur,
            pitch: Pitch::new(key).unwrap(),
            velocity: vel,
        });
    }
    s.tracks.push(t);
    s
}

fn left(buf: &[f32]) -> Vec<f32> {
    buf.iter().step_by(2).copied().collect()
}

/// Magnitude of frequency `f` in `x` under a Hann window.
fn magnitude(x: &[f32], f: f64) -> f64 {
    improv::fixtures::tone_amplitude(x, f, SR, true)
}

fn peak_between(x: &[f32], lo: f64, hi: f64) -> f64 {
    let mut best = (lo, 0.0);
    let mut f = lo;
    while f <= hi {
        let m = magnitude(x, f);
        if m > best.1 {
            best = (f, m);
        }
        f += 0.1;
    }
    best.0
}

#[test]
fn a4_on_the_lead_peaks_at_440_hz() {
    // Two seconds at 60 bpm; measure the steady middle second.
    let s = score_with(Role::Melody, &[(0, 2 * PPQ, 69, 100)], 60.0);
    let buf = left(&render(&s, &quiet()));
    let mid = &buf[(0.5 * SR) as usize..(1.5 * SR) as usize];
    let peak = peak_between(mid, 300.0, 600.0);
    assert!((peak - 440.0).abs() <= 1.0, "peak at {peak} Hz");
}

#[test]
fn a_c_major_triad_shows_its_three_fundamentals() {
    let s = score_with(
        Role::Chords,
        &[
            (0, 2 * PPQ, 60, 90),
            (0, 2 * PPQ, 64, 90),
            (0, 2 * PPQ, 67, 90),
        ],
        60.0,
    );
    let buf = left(&render(&s, &quiet()));
    let mid = &buf[(0.2 * SR) as usize..(1.2 * SR) as usize];
    let floor = magnitude(mid, 290.0).max(magnitude(mid, 360.0));
    for f in [261.63, 329.63, 392.0] {
        let peak = peak_between(mid, f - 8.0, f + 8.0);
        assert!((peak - f).abs() <= 1.0, "{f}: peak at {peak}");
        assert!(magnitude(mid, f) > 10.0 * floor, "{f} does not stand out");
    }
}

#[test]
fn a_dense_four_voice_passage_never_clips() {
    let mut s = score_with(Role::Melody, &[], 200.0);
    let roles = [
        (Role::Melody, 72u8),
        (Role::Chords, 60),
        (Role::Bass, 36),
        (Role::Drums, 36),
    ];
    for (role, base) in roles {
        let mut t = Track::new("p", role, if role == Role::Drums { 9 } else { 0 }, 0);
        for i in 0..64u32 {
            for k in 0..4u8 {
                t.notes.push(Note {
                    start: i * PPQ / 2,
                    dur: PPQ,
                    pitch: Pitch::new(base + k * 4).unwrap(),
                    velocity: 127,
                });
            }
        }
        s.tracks.push(t);
    }
    let settings = SynthSettings {
        master: 2.0,
        ..SynthSettings::default()
    };
    let buf = render(&s, &settings);
    let max = buf.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(max < 1.0, "peak {max}");
    assert!(max > 0.3, "suspiciously quiet: {max}");
}

#[test]
fn no_clicks_at_note_edges() {
    for role in [Role::Melody, Role::Chords, Role::Bass] {
        let s = score_with(
            role,
            &[(PPQ, PPQ / 2, 57, 100), (2 * PPQ, PPQ, 69, 100)],
            120.0,
        );
        let buf = left(&render(&s, &quiet()));
        let jump = buf
            .windows(2)
            .fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()));
        assert!(jump < 0.05, "{role:?}: jump {jump}");
    }
}

#[test]
fn silence_where_the_score_is_silent_and_length_follows_tempo() {
    // One note on beat 2 of a 4/4 bar at 120 bpm: 0.5 s of silence before it.
    let mut s = score_with(Role::Melody, &[(PPQ, PPQ, 64, 90)], 120.0);
    s.tracks[0].notes.push(Note {
        start: 15 * PPQ,
        dur: PPQ,
        pitch: Pitch::new(64).unwrap(),
        velocity: 90,
    });
    let buf = render(&s, &quiet());
    // 16 beats at 120 bpm = 8 s, plus the one-second tail.
    assert_eq!(buf.len(), (9.0 * SR) as usize * 2);
    let frames = |a: f64, b: f64| &buf[(a * SR) as usize * 2..(b * SR) as usize * 2];
    assert!(frames(0.0, 0.499).iter().all(|&v| v == 0.0));
    assert!(frames(0.5, 1.0).iter().any(|&v| v != 0.0));
    // After the first note's end (1.0 s) and its release, silence until beat 16 (7.5 s).
    assert!(frames(1.2, 7.49).iter().all(|&v| v == 0.0));
    assert!(frames(8.2, 9.0).iter().all(|&v| v == 0.0));
}

#[test]
fn rendering_is_deterministic_and_swing_delays_the_off_beat() {
    let s = score_with(Role::Melody, &[(PPQ / 2, PPQ / 2, 64, 90)], 120.0);
    let a = render(&s, &SynthSettings::default());
    assert_eq!(a, render(&s, &SynthSettings::default()));
    let first_sound = |buf: &[f32]| buf.iter().position(|&v| v != 0.0).unwrap() / 2;
    let straight = first_sound(&render(&s, &quiet()));
    let swung = first_sound(&render(
        &s,
        &SynthSettings {
            swing: 2.0 / 3.0,
            ..quiet()
        },
    ));
    assert!((straight as f64 / SR - 0.25).abs() < 0.002, "{straight}");
    assert!((swung as f64 / SR - 1.0 / 3.0).abs() < 0.002, "{swung}");
}

#[test]
fn muting_a_part_removes_it() {
    let s = score_with(Role::Bass, &[(0, PPQ, 40, 100)], 120.0);
    let mut settings = quiet();
    settings.bass.mute = true;
    assert!(render(&s, &settings).iter().all(|&v| v == 0.0));
}

#[test]
fn wav_round_trips_and_is_never_overwritten_silently() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.wav");
    let s = score_with(Role::Melody, &[(0, PPQ, 69, 100)], 120.0);
    let buf = render(&s, &quiet());
    write_wav(&path, &buf, 48_000, false).unwrap();
    let mut r = hound::WavReader::open(&path).unwrap();
    assert_eq!(r.spec().channels, 2);
    assert_eq!(r.spec().sample_rate, 48_000);
    let back: Vec<i16> = r.samples::<i16>().map(|s| s.unwrap()).collect();
    assert_eq!(back.len(), buf.len());
    let err = write_wav(&path, &buf, 48_000, false).unwrap_err();
    assert!(err.to_string().contains("a.wav"), "{err}");
    write_wav(&path, &buf, 48_000, true).unwrap();
}

#[cfg(feature = "audio")]
#[test]
fn playback_works_or_reports_no_device() {
    match improv::audio::Player::open() {
        Ok(mut p) => {
            // A device exists: controls on an idle player are harmless, and a short
            // buffer plays and reports its position.
            p.pause();
            p.stop();
            assert!(p.is_finished());
            p.play(vec![0.0; 9600], 48_000, 2).unwrap();
            assert!((p.duration_secs() - 0.1).abs() < 1e-9);
            p.stop();
            assert!(p.is_finished());
        }
        Err(e) => assert!(e.to_string().contains("no audio output device"), "{e}"),
    }
}

#[test]
fn the_room_rings_after_the_music_and_its_tail_is_rendered() {
    let s = score_with(Role::Melody, &[(0, PPQ, 69, 100)], 120.0);
    let dry = render(&s, &quiet());
    let wet = render(
        &s,
        &SynthSettings {
            room: 0.12,
            ..quiet()
        },
    );
    // 0.5 s of note + 1 s tail dry; the room adds its 1.5 s.
    assert_eq!(dry.len(), (1.5 * SR) as usize * 2);
    assert_eq!(wet.len(), (3.0 * SR) as usize * 2);
    let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
    let frames =
        |b: &[f32], a: f64, z: f64| b[(a * SR) as usize * 2..(z * SR) as usize * 2].to_vec();
    // After the note's release the dry render is silent; the room still sounds, then dies.
    assert!(frames(&dry, 0.7, 1.0).iter().all(|&v| v == 0.0));
    let ring = rms(&frames(&wet, 0.7, 1.0));
    let end = rms(&frames(&wet, 2.7, 3.0));
    assert!(ring > 1e-3, "no room: {ring}");
    assert!(
        end < ring / 100.0,
        "the room does not die away: {ring} then {end}"
    );
    // Modest: the room stays well below the note itself.
    assert!(ring < rms(&frames(&dry, 0.1, 0.4)) / 4.0);
}

#[test]
fn streaming_in_any_block_sizes_gives_the_same_audio_and_seeking_resumes_notes() {
    use improv::synth::Renderer;
    let score = improv::fixtures::combo_score(2);
    let settings = SynthSettings::default();
    let whole = render(&score, &settings);
    let mut r = Renderer::new(&score, &settings);
    let mut streamed = Vec::new();
    for size in [1usize, 7, 300, 4096].iter().cycle() {
        let mut buf = vec![0.0f32; 2 * size];
        let n = r.fill(&mut buf);
        if n == 0 {
            break;
        }
        streamed.extend_from_slice(&buf[..2 * n]);
    }
    assert_eq!(streamed.len(), whole.len());
    let worst = streamed
        .iter()
        .zip(&whole)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(worst < 1e-3, "differs by {worst}");
    // Dry, a jump lands exactly where playing through would be.
    let dry = SynthSettings {
        room: 0.0,
        ..settings
    };
    let whole = render(&score, &dry);
    let mut r = Renderer::new(&score, &dry);
    let from = 48_000 + 123;
    r.seek(from);
    let mut rest = vec![0.0f32; whole.len() - 2 * from];
    assert_eq!(r.fill(&mut rest), rest.len() / 2);
    let worst = rest
        .iter()
        .zip(&whole[2 * from..])
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(worst < 1e-5, "after the jump the audio differs by {worst}");
}
