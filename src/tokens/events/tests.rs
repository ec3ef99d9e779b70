use super::*;
use crate::music::{PitchClass, Quality};

fn span(start: Tick, beats: u32, chord: &str) -> ChordSpan {
    ChordSpan {
        start,
        dur: beats * PPQ,
        chord: chord.parse().unwrap(),
    }
}

#[test]
fn feature_groups_tile_every_layout_and_keep_each_part_whole() {
    for (name, l) in FeatureLayout::ALL {
        let g = l.groups();
        assert_eq!(g.first().map(|r| r.start), Some(0), "{name}");
        assert_eq!(g.last().map(|r| r.end), Some(l.len), "{name}");
        assert!(
            g.windows(2)
                .all(|w| w[0].end == w[1].start && !w[0].is_empty()),
            "{name}: {g:?}"
        );
        assert!(g.contains(&(l.chord..l.next_chord)), "{name}");
        assert!(g.contains(&(l.next_chord..l.distance)), "{name}");
        let bar = [l.distance, l.beat, l.bar_fraction, l.sub_beat];
        assert!(
            g.iter().any(|r| bar.iter().all(|c| r.contains(c))),
            "{name}: the place in the bar is one group"
        );
        assert_eq!(FeatureLayout::groups_of_width(l.len), g);
    }
    assert_eq!(
        FeatureLayout::groups_of_width(7),
        [std::ops::Range { start: 0, end: 7 }]
    );
}

#[test]
fn features_name_the_chord_the_next_chord_and_the_beat() {
    let clock = Clock::new(vec![span(0, 4, "G7"), span(4 * PPQ, 4, "Cmaj7")], 4 * PPQ);
    let l = FeatureLayout::V1;
    let mut f = vec![0.0; N_FEAT];
    clock.features(PPQ * 2 + PPQ / 2, &mut f);
    assert_eq!(f[l.chord + 7], 1.0, "root G");
    let rel: Vec<usize> = (0..12).filter(|&i| f[l.chord + 12 + i] == 1.0).collect();
    assert_eq!(rel, vec![0, 4, 7, 10], "a dominant seventh from its root");
    let abs: Vec<usize> = (0..12).filter(|&i| f[l.chord + 24 + i] == 1.0).collect();
    assert_eq!(abs, vec![2, 5, 7, 11]);
    assert_eq!(f[l.next_chord], 1.0, "next root C");
    assert_eq!(f[l.distance + 2], 1.0, "1.5 beats away: the <=2 bucket");
    assert_eq!(f[l.beat + 2], 1.0, "third beat");
    assert_eq!(f[l.sub_beat + 6], 1.0, "an eighth into the beat");
    assert!((f[l.bar_fraction] - 0.625).abs() < 1e-6);
    // Past the last chord: nothing sounds, nothing comes.
    clock.features(9 * PPQ, &mut f);
    assert_eq!(f[l.chord + 36], 1.0);
    assert_eq!(f[l.next_chord + 36], 1.0);
    assert_eq!(f[l.distance + 5], 1.0);
}

#[test]
fn any_meter_counts_its_own_beats() {
    // 3/4, then 6/8 from bar 3.
    let clock = Clock {
        chords: Vec::new(),
        time_sigs: vec![
            TimeSig {
                tick: 0,
                num: 3,
                den: 4,
            },
            TimeSig {
                tick: 6 * PPQ,
                num: 6,
                den: 8,
            },
        ],
    };
    assert_eq!(
        clock.position(3 * PPQ + PPQ).0,
        1,
        "3/4: second beat of bar 2"
    );
    assert_eq!(
        clock.position(6 * PPQ + 5 * PPQ / 2).0,
        5,
        "6/8: sixth eighth"
    );
    assert_eq!(clock.position(6 * PPQ + 3 * PPQ).0, 0, "6/8: next bar");
    assert_eq!(Clock::new(Vec::new(), 7 * PPQ / 2).time_sigs[0].num, 7);
}

#[test]
fn pitches_and_durations_round_trip_and_fold_into_range() {
    assert_eq!(pitch_index(None), 0);
    for k in LOW..=HIGH {
        assert_eq!(pitch_of(pitch_index(Some(k))), Some(k));
    }
    assert_eq!(pitch_of(pitch_index(Some(LOW - 1))), Some(LOW + 11));
    assert_eq!(pitch_of(pitch_index(Some(HIGH + 2))), Some(HIGH - 10));
    for (i, &u) in LENGTHS.iter().enumerate() {
        assert_eq!(dur_index(u), i);
        assert_eq!(units_of(i), u);
    }
}

#[test]
fn augmentation_moves_melody_and_chords_together() {
    let mut s = Score::new("t", 120.0);
    let mut m = crate::music::Track::new("m", crate::music::Role::Melody, 0, 0);
    m.notes.push(crate::music::Note {
        start: 0,
        dur: PPQ,
        pitch: Pitch::new(64).unwrap(),
        velocity: 90,
    });
    s.tracks.push(m);
    s.chords.push(span(0, 4, "C"));
    let all = augment_keys(&s);
    assert_eq!(all.len(), 12);
    assert_eq!(all[0], s);
    let roots: std::collections::BTreeSet<u8> =
        all.iter().map(|a| a.chords[0].chord.root.index()).collect();
    assert_eq!(roots.len(), 12);
    for a in &all {
        let c = a.chords[0].chord;
        assert_eq!(c.quality(), Quality::Maj);
        let e = encode(a);
        let pc = PitchClass::new(e[0].pitch.unwrap() as i32);
        assert_eq!(c.root.interval_to(pc), 4, "still the third");
    }
}
