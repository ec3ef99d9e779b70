//! `improv dataset` and `improv corpus`: look at training data, and write the starter corpus.

use super::{WriteArgs, track_selector};
use anyhow::{Context, Result};
use clap::Args;
use improv::dataset::{self, DatasetOptions, FileSummary, Split};
use improv::tokens::TokenizerKind;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DatasetArgs {
    /// MIDI or MusicXML files, or directories (searched recursively for .mid/.midi/.musicxml/.mxl/.xml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    pub json: bool,
}

/// How MIDI becomes training windows (shared by `dataset` and `train`).
#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// grammar (chord-aware classes) or pitch (absolute pitches).
    #[arg(long, default_value = "grammar")]
    pub tokenizer: TokenizerKind,
    /// Steps per training window.
    #[arg(long, default_value_t = 30)]
    pub tx: usize,
    /// The solo's track, by index or name (default: detected).
    #[arg(long)]
    pub melody_track: Option<String>,
    /// Add every solo, with its chords, transposed into all 12 keys (or the semitone shifts
    /// given, e.g. --augment-keys=-2,0,3) to the training split; validation keeps the
    /// original keys. Grammar tokens read the same in every key: this matters most for the
    /// pitch tokenizer and the conditioned model.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "all",
          value_name = "all|SHIFTS", value_parser = parse_keys)]
    pub augment_keys: Option<KeySet>,
}

/// The semitone shifts of `--augment-keys`, parsed as one value (clap would otherwise
/// take an `Option<Vec<_>>` for a list of separate values).
#[derive(Clone, Debug)]
pub struct KeySet(pub Vec<i32>);

fn parse_keys(s: &str) -> Result<KeySet, String> {
    dataset::parse_key_set(s).map(KeySet)
}

impl DataArgs {
    pub fn options(&self) -> Result<DatasetOptions> {
        anyhow::ensure!(
            (2..=512).contains(&self.tx),
            "--tx must be between 2 and 512, not {}",
            self.tx
        );
        Ok(DatasetOptions {
            tokenizer: self.tokenizer,
            tx: self.tx,
            melody_track: self.melody_track.as_deref().map(track_selector),
            augment_keys: self.augment_keys.clone().map(|k| k.0).unwrap_or_default(),
            ..DatasetOptions::default()
        })
    }
}

pub fn load(paths: &[PathBuf], data: &DataArgs, quiet: bool) -> Result<dataset::Dataset> {
    let opts = data.options()?;
    let bar = super::progress::bar("reading", quiet);
    let mut progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let ds = dataset::load(paths, &opts, &mut progress);
    bar.finish_and_clear();
    Ok(ds?)
}

pub fn dataset(args: DatasetArgs) -> Result<()> {
    let ds = load(&args.paths, &args.data, args.json)?;
    let stats = ds.stats();
    let train = ds.windows(Split::Train);
    let val = ds.windows(Split::Val);
    if args.json {
        let out = serde_json::json!({
            "files": ds.files,
            "failed": ds.failed,
            "stats": stats,
            "x_shape": [train.m, train.tx, train.n_values],
            "y_shape": [train.m, train.tx, train.n_values],
            "val_x_shape": [val.m, val.tx, val.n_values],
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{} files loaded, {} skipped",
        ds.files.len(),
        ds.failed.len()
    );
    for f in &ds.files {
        print_file(f);
    }
    for f in &ds.failed {
        println!("skipped {}: {}", f.path.display(), f.reason);
    }
    println!(
        "\ntokenizer {}: {} notes, {} tokens, vocabulary {}",
        ds.options.tokenizer, stats.notes, stats.tokens, stats.vocab_size
    );
    let top: Vec<String> = stats
        .top_tokens
        .iter()
        .take(8)
        .map(|(t, c)| format!("{t} ×{c}"))
        .collect();
    println!("top tokens: {}", top.join(", "));
    println!(
        "X {:?}  Y {:?}  (train), validation {} windows",
        [train.m, train.tx, train.n_values],
        [train.m, train.tx, train.n_values],
        val.m
    );
    let b = &stats.baselines;
    println!(
        "validation baselines (nats/token): uniform {:.3}, unigram {:.3}, bigram {:.3}",
        b.uniform, b.unigram, b.bigram
    );
    Ok(())
}

/// One file of the dataset: its melody, tracks, changes and warnings.
fn print_file(f: &FileSummary) {
    println!(
        "\n{}  ({} notes, {} tokens, chords: {:?}{})",
        f.path.display(),
        f.notes,
        f.tokens,
        f.chord_source,
        f.register
            .map(|r| format!(", register {r}"))
            .unwrap_or_default()
    );
    for t in &f.tracks {
        println!(
            "  track {:>2}  {:<8} ch {:>2}  prog {:>3}  {:>5} notes  {}",
            t.index,
            t.role.label(),
            t.channel + 1,
            t.program,
            t.notes,
            t.name
        );
    }
    if !f.chords.is_empty() {
        println!("  changes: {}", f.chords.join(" "));
    }
    if !f.unparsed_chords.is_empty() {
        println!("  chord symbols not read: {}", f.unparsed_chords.join(" "));
    }
    for w in &f.warnings {
        println!("  warning: {w}");
    }
}

#[derive(Args, Debug)]
pub struct CorpusArgs {
    /// Directory to write the MIDI files into.
    #[arg(long, default_value = "assets")]
    pub out: PathBuf,
    /// Seed of the improviser (the bundled corpus uses 1), or of the tune split.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Convert the Weimar Jazz Database instead: its SQLite file (wjazzd.db), a folder
    /// holding it, or a folder of its CSV exports (mcsv_melody/ + mcsv_beat/, or
    /// csv_melody/ + csv_beats/). One MIDI file per solo, and a NOTICE.
    #[arg(long, value_name = "PATH")]
    pub wjazzd: Option<PathBuf>,
    /// With --wjazzd: `tunes` writes train/ and test/ so that no tune in test/ is played
    /// in train/ (shuffled with --seed).
    #[arg(long, value_enum, requires = "wjazzd")]
    pub split: Option<super::wjazzd::SplitBy>,
    /// With --split: the share of the solos (at least) that go to test/.
    #[arg(long, default_value_t = 0.1, requires = "split")]
    pub test_share: f64,
    #[command(flatten)]
    pub write: WriteArgs,
}

pub fn corpus(args: CorpusArgs) -> Result<()> {
    if let Some(db) = &args.wjazzd {
        return super::wjazzd::convert(db, &args);
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let files = improv::corpus::write_corpus(&args.out, args.seed, args.write.force)?;
    println!("wrote {} files to {}", files.len(), args.out.display());
    Ok(())
}
