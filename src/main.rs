//! The `parkbench` binary: parse arguments, run, exit with 0 (ok), 1 (data problems) or 2
//! (usage or configuration error).

use clap::Parser;

fn main() {
    let cli = parkbench::cli::Cli::parse();
    std::process::exit(parkbench::cli::run(cli).code());
}
