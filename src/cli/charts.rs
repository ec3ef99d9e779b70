//! `improv charts`: the chart library (iReal Pro songs kept in the config folder): list,
//! import links and pages, show one chart as it is played once through.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use improv::charts::{self, Library};
use improv::music::Progression;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ChartsArgs {
    #[command(subcommand)]
    pub action: Option<ChartsAction>,
}

#[derive(Subcommand, Debug)]
pub enum ChartsAction {
    /// Keep the songs of iReal Pro links (irealb://, irealbook://) or of .html/.txt files
    /// holding them; a song with the title and composer of a kept one replaces it.
    Import {
        /// Links or files.
        #[arg(required = true, value_name = "FILE|LINK")]
        sources: Vec<String>,
    },
    /// List the kept charts (the default).
    List,
    /// Show a chart bar by bar, as it is played once through the form.
    Show {
        /// A title (or unique start of one), a link or any progression `generate` takes.
        chart: String,
    },
}

fn library() -> Result<Library> {
    let dir = charts::config_dir()
        .context("no config folder for the chart library: set IMPROV_CONFIG_DIR to a folder")?;
    Ok(Library::open(&dir)?)
}

pub fn charts_cmd(a: ChartsArgs) -> Result<()> {
    match a.action.unwrap_or(ChartsAction::List) {
        ChartsAction::Import { sources } => import(&sources),
        ChartsAction::List => list(),
        ChartsAction::Show { chart } => show(&chart),
    }
}

fn import(sources: &[String]) -> Result<()> {
    let mut lib = library()?;
    let (mut added, mut replaced) = (0, 0);
    for src in sources {
        let songs = charts::read_source(src)?;
        for s in &songs {
            let p = &s.progression;
            println!("{} ({} bars)", p.name, p.len_bars());
            warn(p);
        }
        let (a, r) = lib.import(&songs);
        added += a;
        replaced += r;
    }
    lib.save()?;
    println!(
        "{added} new, {replaced} replaced: {} charts in {}",
        lib.charts.len(),
        lib.path.display()
    );
    Ok(())
}

/// What a chart's reader could not read or had to decide, on stderr.
pub fn warn(p: &Progression) {
    if let Some(m) = &p.meta {
        for line in m.unread.iter().chain(&m.notes) {
            eprintln!("  {}: {line}", p.name);
        }
    }
}

fn list() -> Result<()> {
    let lib = library()?;
    if lib.charts.is_empty() {
        println!(
            "no charts yet in {} (improv charts import FILE|LINK adds iReal Pro songs)",
            lib.path.display()
        );
        return Ok(());
    }
    let w = lib
        .charts
        .iter()
        .map(|e| e.title.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let wc = lib
        .charts
        .iter()
        .map(|e| e.composer.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    println!(
        "{:<w$}  {:<wc$}  {:<4}  {:>4}  style",
        "title", "composer", "key", "bars"
    );
    for e in &lib.charts {
        println!(
            "{:<w$}  {:<wc$}  {:<4}  {:>4}  {}",
            e.title, e.composer, e.key, e.bars, e.style
        );
    }
    println!("{} charts in {}", lib.charts.len(), lib.path.display());
    Ok(())
}

fn show(chart: &str) -> Result<()> {
    let dir: Option<PathBuf> = charts::config_dir();
    let p = charts::resolve(chart, dir.as_deref())?;
    match &p.meta {
        Some(m) => println!(
            "{} — {} ({}, key {}, {}/{}{})",
            p.name,
            m.composer,
            m.style,
            m.key,
            m.meter.0,
            m.meter.1,
            m.bpm.map_or(String::new(), |b| format!(", {b} bpm"))
        ),
        None => println!("{}", p.name),
    }
    let sections = p
        .meta
        .as_ref()
        .map(|m| m.sections.clone())
        .unwrap_or_default();
    for (row, bars) in p.bars.chunks(4).enumerate() {
        let first = row * 4 + 1;
        let mark = sections
            .iter()
            .filter(|(b, _)| (first..first + 4).contains(b))
            .map(|(_, s)| s.to_string())
            .collect::<String>();
        let chunk = Progression {
            name: String::new(),
            bars: bars.to_vec(),
            meta: None,
        };
        println!("{first:>4} {mark:<2}{chunk}");
    }
    println!("{} bars", p.len_bars());
    warn(&p);
    Ok(())
}
