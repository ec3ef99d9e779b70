//! `improv judge`: the model's solos over the changes of real solos, beside the players'.

use anyhow::{Context, Result};
use clap::Args;
use improv::judge::{self, Figures, JudgeOptions, ModelFigures, Report};
use improv::model::bundle::Bundle;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct JudgeArgs {
    /// MIDI files or directories of real solos with chords (markers or estimated).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The model bundle to judge.
    #[arg(long, default_value = "models/default")]
    pub model: PathBuf,
    /// The files the model trained on: reports the longest phrase it copies from them.
    #[arg(long)]
    pub corpus: Vec<PathBuf>,
    /// Improvise over these changes instead of each file's own (a preset, a chart, an iReal
    /// Pro link or page, a library title, or a file's chords), as many choruses as the
    /// player's solo is long; the players' figures stay their own.
    #[arg(long)]
    pub progression: Option<String>,
    /// Times through each file's changes (without --progression).
    #[arg(long, default_value_t = 1)]
    pub choruses: usize,
    /// One model solo per seed over each file.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    pub seeds: Vec<u64>,
    /// Sampling temperature (0 = argmax), as for generate.
    #[arg(long, default_value_t = improv::generate::TEMPERATURE)]
    pub temperature: f64,
    /// Sample among the k most likely tokens only (0 = all).
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    #[command(flatten)]
    pub decoding: super::decoding::DecodingArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn judge(a: JudgeArgs) -> Result<()> {
    anyhow::ensure!(
        (1..=16).contains(&a.choruses),
        "--choruses must be between 1 and 16"
    );
    anyhow::ensure!(!a.seeds.is_empty(), "--seeds needs at least one seed");
    anyhow::ensure!(
        a.temperature.is_finite() && a.temperature >= 0.0,
        "--temperature must be 0 or more"
    );
    let bundle = Bundle::load(&a.model)?;
    let corpus = if a.corpus.is_empty() {
        None
    } else {
        Some(judge::corpus_intervals(&a.corpus).context("reading --corpus")?)
    };
    let opts = JudgeOptions {
        choruses: a.choruses,
        seeds: a.seeds.clone(),
        temperature: a.temperature,
        top_k: a.top_k,
        decoding: a.decoding.decoding(&bundle)?,
        changes: match &a.progression {
            Some(p) => Some(
                improv::generate::Changes::from_arg(p)
                    .with_context(|| format!("--progression {p}"))?,
            ),
            None => None,
        },
    };
    let report = judge::judge(&bundle, &a.paths, corpus.as_deref(), &opts)?;
    for w in &report.warnings {
        eprintln!("warning: {}: {}", w.path.display(), w.reason);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report, &a.model);
    }
    Ok(())
}

fn header() -> String {
    format!(
        "{:<9} {:>6} {:>6} {:>6} {:>5} {:>6} {:>4} {:>4} {:>4} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>6} {:>6} {:>6} {:>7}",
        "",
        "chord",
        "scale",
        "n/bar",
        "rest",
        "len",
        "low",
        "med",
        "high",
        "wall",
        "pc-H",
        "H1",
        "H4",
        "GS",
        "span",
        "recur",
        "seq",
        "phrase",
        "int-ov",
        "ons-ov",
        "copied"
    )
}

fn row(who: &str, f: &Figures, m: Option<&ModelFigures>) -> String {
    let k = |v: Option<u8>| v.map_or("-".into(), |v| v.to_string());
    let mut line = format!(
        "{:<9} {:>6.2} {:>6.2} {:>6.1} {:>5.2} {:>6.2} {:>4} {:>4} {:>4} {:>5.2} {:>5.2} {:>5.2} {:>5.2} {:>5.2} {:>5.1} {:>5.3} {:>5.2} {:>6.1}",
        who,
        f.chord_tone_rate,
        f.scale_tone_rate,
        f.notes_per_bar,
        f.rest_share,
        f.median_note_beats,
        k(f.lowest),
        k(f.median),
        k(f.highest),
        f.wall_share,
        f.pc_entropy,
        f.solo.pc_entropy_1bar,
        f.solo.pc_entropy_4bar,
        f.solo.grooving_similarity,
        f.solo.register_span,
        f.motif.motif_recurrence,
        f.motif.sequence_share,
        f.motif.phrase_notes
    );
    if let Some(m) = m {
        let copied = match (m.longest_copied, m.corpus_longest_repeat) {
            (Some(c), Some(r)) => format!("{c}/{r}"),
            _ => "-".into(),
        };
        line += &format!(
            " {:>6.2} {:>6.2} {:>7}",
            m.interval_overlap, m.onset_overlap, copied
        );
        if m.over_bound {
            line += "  over-bound";
        }
    }
    line
}

fn print_table(r: &Report, model: &std::path::Path) {
    println!("{}  (model {})", header(), model.display());
    for f in &r.files {
        println!("{}", f.path.display());
        println!("{}", row("  players", &f.players, None));
        println!("{}", row("  model", &f.model.figures, Some(&f.model)));
    }
    println!("overall ({} files)", r.files.len());
    println!("{}", row("  players", &r.overall.players, None));
    println!(
        "{}",
        row("  model", &r.overall.model.figures, Some(&r.overall.model))
    );
    for s in &r.skipped {
        println!("skipped {}: {}", s.path.display(), s.reason);
    }
    println!(
        "chord/scale: share of notes on chord/scale tones; len: median note in beats; \
         wall: share of notes on the line's lowest or highest pitch; pc-H: pitch-class \
         entropy (bits); H1/H4: mean pitch-class entropy of 1- and 4-bar windows; GS: \
         grooving similarity (how alike the bars' onset patterns are); span: highest − lowest \
         pitch per solo; over-bound: chord tones more than 5 points above the players'; recur: share of 4-interval runs restated later in the same solo; \
         seq: share of those at another pitch level; phrase: median notes between rests of \
         a beat or more (these three over each solo's first 200 notes); int-ov/ons-ov: interval and onset-in-bar histogram overlap with the \
         players; copied: longest interval run copied from --corpus / the corpus's own \
         longest repeat between files"
    );
}
