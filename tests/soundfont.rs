//! Playing through a real General MIDI SoundFont (Debian's TimGM6mb, which setup installs).

use improv::music::{Note, PPQ, Pitch, Role, Score, Track};
use improv::synth::soundfont::{Font, SoundFontRenderer, find};
use improv::synth::{Stream, SynthSettings};
use std::path::{Path, PathBuf};

const SR: f64 = 48_000.0;
const FONT: &str = "/usr/share/sounds/sf2/TimGM6mb.sf2";

/// The test SoundFont; `None` (with a notice) only where it is truly not installed, and
/// never on CI, which installs it.
fn font() -> Option<Font> {
    if !Path::new(FONT).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{FONT} is missing: scripts/setup.sh installs timgm6mb-soundfont"
        );
        eprintln!("skipping: {FONT} is not installed (scripts/setup.sh installs it)");
        return None;
    }
    Some(Font::load(Path::new(FONT)).expect("TimGM6mb loads"))
}

fn dry() -> SynthSettings {
    SynthSettings {
        swing: 0.5,
        ride: false,
        room: 0.0,
        ..SynthSettings::default()
    }
}

fn score_with(role: Role, channel: u8, program: u8, notes: &[(u32, u32, u8)], bpm: f64) -> Score {
    let mut s = Score::new("t", bpm);
    let mut t = Track::new("x", role, channel, program);
    for &(start, dur, key) in notes {
        t.notes.push(Note {
            start,
            dur,
            pitch: Pitch::new(key).unwrap(),
            velocity: 100,
        });
    }
    s.tracks.push(t);
    s
}

fn render(font: &Font, score: &Score, settings: &SynthSettings) -> Vec<f32> {
    let mut r = SoundFontRenderer::new(font, score, settings).unwrap();
    let mut out = vec![0.0f32; 2 * r.total_frames()];
    let n = r.fill(&mut out);
    assert_eq!(n, r.total_frames());
    out
}

/// Magnitude of frequency `f` in `x` under a Hann window (Goertzel).
fn magnitude(x: &[f32], f: f64) -> f64 {
    let n = x.len() as f64;
    let w = std::f64::consts::TAU * f / SR;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for (i, &v) in x.iter().enumerate() {
        let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let s = v as f64 * hann + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2).sqrt()
}

#[test]
fn a4_on_a_piano_peaks_at_440_hz() {
    let Some(font) = font() else { return };
    let s = score_with(Role::Melody, 0, 0, &[(0, 2 * PPQ, 69)], 60.0);
    let left: Vec<f32> = render(&font, &s, &dry()).into_iter().step_by(2).collect();
    let mid = &left[(0.2 * SR) as usize..(1.2 * SR) as usize];
    let (mut best, mut at) = (0.0, 0.0);
    let mut f = 100.0;
    while f <= 2_000.0 {
        let m = magnitude(mid, f);
        if m > best {
            (best, at) = (m, f);
        }
        f += if (430.0..450.0).contains(&f) {
            0.1
        } else {
            1.0
        };
    }
    assert!((at - 440.0).abs() <= 1.5, "peak at {at} Hz");
}

#[test]
fn rendering_is_deterministic() {
    let Some(font) = font() else { return };
    let score = improv::fixtures::combo_score(4);
    let settings = SynthSettings::default();
    assert_eq!(
        render(&font, &score, &settings),
        render(&font, &score, &settings)
    );
}

#[test]
fn a_long_dense_file_never_clips() {
    let Some(font) = font() else { return };
    let mut score = improv::fixtures::combo_score(32);
    for t in &mut score.tracks {
        for n in &mut t.notes {
            n.velocity = 127;
        }
    }
    // Thicken the comping: every chord note doubled an octave up.
    let extra: Vec<Note> = score.tracks[1]
        .notes
        .iter()
        .filter_map(|n| Pitch::new(n.pitch.key() + 12).map(|p| Note { pitch: p, ..*n }))
        .collect();
    score.tracks[1].notes.extend(extra);
    score.normalize();
    let settings = SynthSettings {
        master: 2.0,
        ..SynthSettings::default()
    };
    let buf = render(&font, &score, &settings);
    let max = buf.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(max < 1.0, "peak {max}");
    assert!(max > 0.2, "suspiciously quiet: {max}");
}

#[test]
fn muting_a_part_removes_it_and_drums_sound_on_channel_ten() {
    let Some(font) = font() else { return };
    let s = score_with(Role::Bass, 3, 32, &[(0, PPQ, 40)], 120.0);
    let mut settings = dry();
    settings.bass.mute = true;
    assert!(render(&font, &s, &settings).iter().all(|&v| v.abs() < 1e-6));
    let kit = score_with(Role::Drums, 9, 0, &[(0, PPQ, 36), (PPQ, PPQ, 38)], 120.0);
    let buf = render(&font, &kit, &dry());
    assert!(buf.iter().any(|v| v.abs() > 0.01), "the kit is silent");
}

#[test]
fn a_bad_file_is_one_clear_line_and_the_built_in_synth_plays() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.sf2");
    std::fs::write(&bad, b"RIFF\x04\x00\x00\x00sfbkjunk").unwrap();
    let err = Font::load(&bad).unwrap_err().to_string();
    assert!(err.contains("broken.sf2") && !err.contains('\n'), "{err}");
    let missing = Font::load(&dir.path().join("none.sf2"))
        .unwrap_err()
        .to_string();
    assert!(missing.contains("none.sf2"), "{missing}");
    let s = score_with(Role::Melody, 0, 0, &[(0, PPQ, 69)], 120.0);
    let (stream, why) = Stream::new(&s, &dry(), None);
    assert!(matches!(stream, Stream::Builtin(_)) && why.is_none());
}

#[test]
fn installed_soundfonts_are_found_once_each() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.sf2"), b"x").unwrap();
    std::fs::write(dir.path().join("a.SF2"), b"x").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("b.sf2"), dir.path().join("c.sf2")).unwrap();
    let dirs = vec![dir.path().to_path_buf(), PathBuf::from("/nowhere")];
    let names: Vec<String> = find(&dirs)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names[..2], ["a.SF2".to_string(), "b.sf2".to_string()]);
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn a_live_session_through_a_soundfont_sounds_its_notes_at_their_frames_and_keys_while_held() {
    use improv::synth::Part;
    use improv::synth::live::{Instrument, LiveCmd, live};
    use improv::synth::voice::Voice;
    let Some(font) = font() else { return };
    let (mut mixer, tx, clock) = live(SR as u32, 0.0);
    let synth = font.synthesizer(SR as u32, false).unwrap();
    mixer.set_instrument(Instrument::Font(Box::new(synth)));
    let (voice, part, key, velocity) = (Voice::EPiano, Part::Chords, 69, 100);
    let at = |frame| LiveCmd::At {
        frame,
        held: SR as u64,
        voice,
        part,
        key,
        velocity,
    };
    tx.send(at(12_000)).unwrap();
    let mut out = vec![0.0f32; 2 * 48_000];
    mixer.fill(&mut out);
    assert_eq!(clock.now(), 48_000);
    let left: Vec<f32> = out.iter().step_by(2).copied().collect();
    assert!(
        left[..12_000].iter().all(|v| v.abs() < 1e-6),
        "silent before its frame"
    );
    assert!(
        left[12_000..12_400].iter().any(|v| v.abs() > 1e-3),
        "sounding from it"
    );
    let m = |f| magnitude(&left[14_400..38_400], f);
    assert!(
        m(440.0) > 5.0 * m(330.0),
        "an A: {} against {}",
        m(440.0),
        m(330.0)
    );
    // A key held sounds on; let go, it dies away.
    tx.send(LiveCmd::Press {
        id: 1,
        voice: Voice::Lead,
        key: 60,
        velocity: 96,
    })
    .unwrap();
    mixer.fill(&mut out);
    let held = out[2 * 40_000..].iter().fold(0.0f32, |a, v| a.max(v.abs()));
    assert!(held > 1e-3, "held: {held}");
    tx.send(LiveCmd::Release(1)).unwrap();
    mixer.fill(&mut out);
    mixer.fill(&mut out);
    let tail = out[2 * 40_000..].iter().fold(0.0f32, |a, v| a.max(v.abs()));
    assert!(tail < held / 10.0, "released: {tail} against {held}");
}
