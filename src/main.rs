//! The `improv` binary: no arguments opens the studio, otherwise a headless command.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        Some(cmd) => cli::run(cmd),
        None => improv::tui::run(improv::tui::TuiOptions {
            corpus: args.corpus,
            model: args.model,
        })
        .map_err(anyhow::Error::from),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("improv: {e:#}");
            ExitCode::FAILURE
        }
    }
}
