//! The `neuroglass` command: opens the window, or runs headless commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Build neural networks with the mouse and watch them learn.
#[derive(Parser, Debug)]
#[command(name = "neuroglass", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Project to open in the window (default: the bundled spiral example).
    project: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print a project's layer summary; exit 1 on problems, 2 if unreadable.
    Check {
        /// The project file (.ron).
        project: PathBuf,
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Check { project, json }) => neuroglass::cli::check::run(&project, json),
        None => {
            eprintln!("the window is not built yet; try `neuroglass check PROJECT.ron`");
            let _ = cli.project;
            ExitCode::from(2)
        }
    }
}
