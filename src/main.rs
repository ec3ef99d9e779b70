//! The `improv` binary: no arguments opens the studio, otherwise a headless command.

mod cli;

use clap::Parser;
use std::process::ExitCode;

#[cfg(feature = "studio")]
fn studio(args: cli::Cli) -> anyhow::Result<()> {
    improv::tui::run(improv::tui::TuiOptions {
        corpus: args.corpus,
        model: args.model,
        config: args.config,
        midi_in: args.midi_in,
        buffer_ms: args.buffer_ms,
    })
    .map_err(anyhow::Error::from)
}

#[cfg(not(feature = "studio"))]
fn studio(_: cli::Cli) -> anyhow::Result<()> {
    anyhow::bail!("this improv was built without the studio; run `improv --help` for the commands")
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        Some(cmd) => cli::run(cmd),
        None => studio(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("improv: {e:#}");
            ExitCode::FAILURE
        }
    }
}
