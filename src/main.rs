//! The `parkbench` binary: parse arguments, run, exit with 0 (ok), 1 (data problems) or 2
//! (usage or configuration error).

// The library's `t!` (a message key and its arguments) in every module of the binary.
#[macro_use]
extern crate parkbench;

use clap::Parser;

mod cli;

fn main() {
    let cli = cli::Cli::parse();
    std::process::exit(cli::run(cli).code());
}
