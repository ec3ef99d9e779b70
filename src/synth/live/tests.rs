//! The live mixer: notes at their frames, keys held and let go, mutes, and its clock.
use super::*;

fn energy(s: &[f32]) -> f32 {
    s.iter().map(|x| x * x).sum()
}

fn note(frame: u64, held: u64) -> LiveCmd {
    LiveCmd::At {
        frame,
        held,
        voice: Voice::Lead,
        part: Part::Lead,
        key: 69,
        velocity: 100,
    }
}

#[test]
fn a_scheduled_note_starts_at_its_frame_and_the_clock_counts_frames() {
    let (mut m, tx, clock) = live(48_000, 0.0);
    tx.send(note(1000, 4800)).unwrap();
    let mut out = vec![0.0f32; 2 * 3000];
    assert_eq!(m.fill(&mut out), 3000);
    assert_eq!(clock.now(), 3000);
    assert_eq!(energy(&out[..2 * 1000]), 0.0, "silent before its frame");
    assert!(
        energy(&out[2 * 1000..2 * 1100]) > 0.0,
        "sounding from its frame"
    );
}

#[test]
fn a_pressed_key_sounds_until_released_then_fades_out() {
    let (mut m, tx, _) = live(48_000, 0.0);
    tx.send(LiveCmd::Press {
        id: 7,
        voice: Voice::Lead,
        key: 60,
        velocity: 90,
    })
    .unwrap();
    let mut out = vec![0.0f32; 2 * 48_000];
    m.fill(&mut out);
    assert!(energy(&out[2 * 40_000..]) > 0.0, "held a second on");
    assert_eq!(m.sounding(), 1);
    tx.send(LiveCmd::Release(7)).unwrap();
    m.fill(&mut out);
    assert_eq!(m.sounding(), 0);
    let tail = &out[2 * 10_000..];
    assert!(tail.iter().all(|x| x.abs() < 1e-3), "faded and gone");
}

#[test]
fn a_muted_part_is_silent_and_clear_forgets_what_was_scheduled() {
    let (mut m, tx, _) = live(48_000, 0.0);
    tx.send(LiveCmd::Mute(Part::Lead, true)).unwrap();
    tx.send(note(0, 4800)).unwrap();
    let mut out = vec![0.0f32; 2 * 2048];
    m.fill(&mut out);
    assert_eq!(energy(&out), 0.0);
    tx.send(LiveCmd::Mute(Part::Lead, false)).unwrap();
    tx.send(note(10_000, 4800)).unwrap();
    tx.send(LiveCmd::Clear).unwrap();
    let mut out = vec![0.0f32; 2 * 20_000];
    m.fill(&mut out);
    assert!(energy(&out[2 * 4_000..]) < 1e-9, "nothing left to play");
}
