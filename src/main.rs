//! The `improv` binary: no arguments opens the studio, otherwise a headless command.

mod cli;

use clap::{CommandFactory, Parser};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        Some(cmd) => cli::run(cmd),
        None => {
            let _ = cli::Cli::command().print_help();
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("improv: {e:#}");
            ExitCode::FAILURE
        }
    }
}
