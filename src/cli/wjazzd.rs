//! `improv corpus --wjazzd`: the Weimar Jazz Database → one MIDI file per solo and a
//! NOTICE, optionally split by tune into train/ and test/.

use super::data::CorpusArgs;
use anyhow::{Context, Result};
use improv::wjazzd::{self, Side, Solo};
use std::path::Path;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SplitBy {
    /// No tune in test/ is played in train/.
    Tunes,
}

pub fn convert(db: &Path, args: &CorpusArgs) -> Result<()> {
    anyhow::ensure!(
        args.test_share > 0.0 && args.test_share < 1.0,
        "--test-share must be between 0 and 1"
    );
    let data = wjazzd::read(db)?;
    let sides: Vec<Option<Side>> = match args.split {
        Some(SplitBy::Tunes) => wjazzd::split_by_tune(&data.solos, args.seed, args.test_share)
            .into_iter()
            .map(Some)
            .collect(),
        None => vec![None; data.solos.len()],
    };
    for side in [None, Some(Side::Train), Some(Side::Test)] {
        if sides.contains(&side) {
            let dir = folder(&args.out, side);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    let mut warned: Vec<&str> = Vec::new();
    for w in &data.warnings {
        eprintln!("warning: {}: {}", w.solo, w.message);
        warned.push(&w.solo);
    }
    let (mut written, mut skipped) = ([0usize; 2], 0usize);
    for (solo, side) in data.solos.iter().zip(&sides) {
        if !has_chords(solo) && !warned.contains(&solo.name.as_str()) {
            eprintln!(
                "warning: {}: no chord symbols; written without chord markers",
                solo.name
            );
        }
        match wjazzd::write_solo(solo, &folder(&args.out, *side), args.write.force)? {
            Some(_) => written[usize::from(*side == Some(Side::Test))] += 1,
            None => {
                skipped += 1;
                if !warned.contains(&solo.name.as_str()) {
                    eprintln!(
                        "warning: {}: fewer than two beats or no notes; not written",
                        solo.name
                    );
                }
            }
        }
    }
    write_notice(args, &data.solos, &sides)?;
    report(args, written, skipped);
    Ok(())
}

fn folder(out: &Path, side: Option<Side>) -> std::path::PathBuf {
    side.map_or_else(|| out.to_path_buf(), |s| out.join(s.folder()))
}

fn has_chords(solo: &Solo) -> bool {
    solo.beats.iter().any(|b| {
        b.chord
            .as_deref()
            .is_some_and(|c| !c.eq_ignore_ascii_case("NC") && !c.eq_ignore_ascii_case("N.C."))
    })
}

fn write_notice(args: &CorpusArgs, solos: &[Solo], sides: &[Option<Side>]) -> Result<()> {
    let seed = args.split.map(|_| args.seed);
    let mut tunes: Vec<&str> = solos
        .iter()
        .zip(sides)
        .filter(|(_, s)| **s == Some(Side::Test))
        .map(|(s, _)| s.tune.as_str())
        .collect();
    tunes.sort_unstable();
    tunes.dedup();
    let text = wjazzd::notice(seed, tunes.len());
    let path = args.out.join("NOTICE");
    improv::atomic::write_with(&path, args.write.force, |f| {
        std::io::Write::write_all(f, text.as_bytes())
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

fn report(args: &CorpusArgs, written: [usize; 2], skipped: usize) {
    match args.split {
        Some(_) => println!(
            "wrote {} solos to {} and {} to {} (no tune on both sides)",
            written[0],
            args.out.join("train").display(),
            written[1],
            args.out.join("test").display()
        ),
        None => println!("wrote {} solos to {}", written[0], args.out.display()),
    }
    if skipped > 0 {
        println!("{skipped} solos had too little to write");
    }
}
