//! The `neuroglass` command: opens the window, or runs headless commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use neuroglass::cli::args::{bounded_usize, parse_bytes, parse_layout, parse_size, parse_view};

/// Build neural networks with the mouse and watch them learn.
#[derive(Parser, Debug)]
#[command(name = "neuroglass", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Project to open in the window (default: the bundled spiral example).
    project: Option<PathBuf>,
    /// Train this many batches before the screenshot.
    #[arg(long, default_value_t = 0, requires = "screenshot",
          value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    train_steps: u64,
    /// Save a PNG of the whole window here, then exit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// Pixels of the screenshot per pixel of the window: 1, or 2 (or up to
    /// 4) for slides — the window drawn that much sharper, not enlarged.
    #[arg(long, default_value_t = 1, requires = "screenshot",
          value_parser = clap::value_parser!(u32).range(1..=neuroglass::ui::screenshot::MAX_SCALE as i64))]
    screenshot_scale: u32,
    /// Start in classroom mode (large fonts, thick lines).
    #[arg(long)]
    classroom: bool,
    /// Start with the light theme.
    #[arg(long)]
    light: bool,
    /// The live view to show: curves, boundary, neurons, weights,
    /// gradient-flow, confusion, gallery or convolution.
    #[arg(long, value_parser = parse_view)]
    view: Option<neuroglass::ui::views::ViewTab>,
    /// Show frame times (View ▸ Performance); with --screenshot, also print them.
    #[arg(long)]
    performance: bool,
    /// The window's size, WxH in points (pixels on a 1× screen), e.g.
    /// 1280x720; also for --screenshot pictures at projector sizes.
    #[arg(long, value_parser = parse_size, value_name = "WxH")]
    size: Option<[f32; 2]>,
    /// The layout to start in: build (canvas large), watch (the view
    /// large) or compare (two runs side by side).
    #[arg(long, value_parser = parse_layout)]
    layout: Option<neuroglass::ui::layout::Layout>,
}

#[derive(Subcommand, Debug)]
enum LessonCommand {
    /// For every step with goals: the goals fail at the step's start and
    /// hold after its solution, trained headlessly; exit 0 only if all do.
    Verify {
        /// Lesson files (.ron).
        #[arg(required = true)]
        lessons: Vec<PathBuf>,
        /// One JSON object per step.
        #[arg(long)]
        json: bool,
    },
    /// Read and validate a lesson file; exit 2 if it is refused.
    Check {
        /// The lesson file (.ron).
        lesson: PathBuf,
    },
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
        /// Estimate data-parallel training at this global batch (1 to
        /// 1,000,000; the project's batch size by default).
        #[arg(long, value_parser = bounded_usize::<1, 1_000_000>)]
        batch: Option<usize>,
        /// Estimate data-parallel training on this many workers (1 to
        /// 65,536): memory per worker and bytes all-reduced per step.
        #[arg(long, value_parser = bounded_usize::<1, 65_536>)]
        world: Option<usize>,
    },
    /// Lessons: verify that their goals and solutions hold, or check a file.
    Lesson {
        #[command(subcommand)]
        action: LessonCommand,
    },
    /// Write a project's data set as CSV (features, then target, a header).
    Data {
        /// The project file (.ron).
        project: PathBuf,
        /// The CSV file to write.
        #[arg(long, value_name = "OUT.csv")]
        csv: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Train a project without a window; exit 1 if invalid or diverged, 2 if unreadable.
    Train {
        /// The project file (.ron).
        project: PathBuf,
        /// Train for this many epochs instead (1 to 1,000,000).
        #[arg(long, value_parser = bounded_usize::<1, 1_000_000>)]
        epochs: Option<usize>,
        /// Use this seed instead.
        #[arg(long)]
        seed: Option<u64>,
        /// Train on this CSV file, IDX folder, image folder (a subfolder of PNG, JPEG or BMP images
        /// per class), .npz archive (arrays x and y) or .npy file (with --labels) instead of the
        /// project's data.
        #[arg(long)]
        data: Option<PathBuf>,
        /// The CSV column to predict (default: the last).
        #[arg(long)]
        target: Option<String>,
        /// With --data X.npy: the labels' .npy file (classes or values per sample).
        #[arg(long, value_name = "FILE", requires = "data")]
        labels: Option<PathBuf>,
        /// Write the metrics CSV and the trained weights (.safetensors) here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// One JSON object per epoch, then a summary.
        #[arg(long)]
        json: bool,
        /// Replace the metrics CSV and weights of an earlier run in --out.
        #[arg(long)]
        force: bool,
        /// Refuse to train when the memory estimate is above this (bytes,
        /// or with K, M, G: e.g. 512M; 1M to 1048576G); default: the memory available.
        #[arg(long, value_parser = parse_bytes)]
        max_memory: Option<u64>,
        /// Do not record the run in `<project stem>.runs/`.
        #[arg(long)]
        no_record: bool,
        /// Start from these weights (.safetensors), of this network or a
        /// related one: layers matched by node id and shape, widened where
        /// this network's layer is wider.
        #[arg(long, value_name = "FILE")]
        weights: Option<PathBuf>,
    },
    /// List a project's recorded runs, compare two (--diff A B) or delete one.
    Runs {
        /// The project file (.ron).
        project: PathBuf,
        /// JSON: one object per run (or one object for --diff).
        #[arg(long)]
        json: bool,
        /// Compare the design and results of run A with run B.
        #[arg(long, num_args = 2, value_names = ["A", "B"], conflicts_with = "delete")]
        diff: Option<Vec<String>>,
        /// Delete this run.
        #[arg(long, value_name = "ID")]
        delete: Option<String>,
    },
    /// Evaluate a recorded run's checkpoint (or a weights file) on the validation data.
    Eval {
        /// The project file (.ron).
        project: PathBuf,
        /// The run's id (from `neuroglass runs`).
        #[arg(long, value_name = "ID", required_unless_present = "weights")]
        run: Option<String>,
        /// The checkpoint's step (default: the run's last checkpoint).
        #[arg(long, requires = "run")]
        step: Option<u64>,
        /// Evaluate these weights (.safetensors) instead of a run's checkpoint.
        #[arg(long, value_name = "FILE", conflicts_with = "run")]
        weights: Option<PathBuf>,
        /// One JSON object.
        #[arg(long)]
        json: bool,
        /// Add "outputs": the network's outputs for every validation sample
        /// (evaluation mode), a list of lists.
        #[arg(long, requires = "json")]
        outputs: bool,
    },
    /// Change a trained network and keep what it learned: widen layers,
    /// insert layers (as the identity where one exists), remove layers —
    /// in that order; prints per edit whether the function was preserved.
    /// Exit 1 if an edit or the files do not fit, 2 if unreadable.
    Edit {
        /// The project file (.ron).
        project: PathBuf,
        /// Its trained weights (.safetensors).
        #[arg(long, value_name = "FILE")]
        weights: PathBuf,
        /// Give a Dense, Conv2D or recurrent layer (name or id) this many
        /// units; fewer drops those with the smallest outgoing weights.
        #[arg(long, value_name = "NODE=UNITS")]
        widen: Vec<String>,
        /// Insert a layer of this kind (dense, relu, tanh, batchnorm,
        /// dropout, conv2d, …) after the node.
        #[arg(long, value_name = "NODE=KIND")]
        insert_after: Vec<String>,
        /// Remove a layer whose input and output shapes are equal.
        #[arg(long, value_name = "NODE")]
        remove: Vec<String>,
        /// The edited project.
        #[arg(short = 'o', value_name = "P2.ron")]
        out: PathBuf,
        /// The edited weights.
        #[arg(long, value_name = "W2.safetensors")]
        weights_out: PathBuf,
        /// Replace existing output files.
        #[arg(long)]
        force: bool,
    },
    /// One validation sample forward and backward: every node's output and
    /// gradient and every parameter's gradient (f64, evaluation mode); exit
    /// 1 if the project, weights or sample do not fit, 2 if unreadable.
    Trace {
        /// The project file (.ron).
        project: PathBuf,
        /// Trace these weights (.safetensors from `train --out`) instead of
        /// the project's initial weights.
        #[arg(long, value_name = "FILE", conflicts_with = "run")]
        weights: Option<PathBuf>,
        /// Trace this recorded run's last checkpoint (from `neuroglass runs`).
        #[arg(long, value_name = "ID")]
        run: Option<String>,
        /// The validation sample, in the order of `val_x` in the PyTorch
        /// export's data.safetensors.
        #[arg(long, value_name = "I")]
        sample: usize,
        /// One JSON object instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Export a project to PyTorch (model.py, weights, train.py, data and a
    /// reference batch) or to ONNX; exit 1 if the project is invalid, 2 if unreadable.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["pytorch", "onnx"])))]
    Export {
        /// The project file (.ron).
        project: PathBuf,
        /// The folder to write the PyTorch files into (created if needed).
        #[arg(long, value_name = "DIR")]
        pytorch: Option<PathBuf>,
        /// Write an ONNX model (opset 17, any batch size) to this file instead.
        #[arg(long, value_name = "FILE", conflicts_with = "pytorch")]
        onnx: Option<PathBuf>,
        /// Export these weights (.safetensors from `train --out`) instead of
        /// the project's initial weights.
        #[arg(long, value_name = "FILE")]
        weights: Option<PathBuf>,
        /// Replace the files of an earlier export in the folder.
        #[arg(long)]
        force: bool,
    },
    /// An ONNX model as a project with its weights; exit 1 if it uses
    /// operators Neuroglass has no layer for (listed), 2 if unreadable.
    Import {
        /// The ONNX file.
        model: PathBuf,
        /// The project file to write (.ron).
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: PathBuf,
        /// The weights file (default: the project's name with .safetensors).
        #[arg(long, value_name = "FILE")]
        weights_out: Option<PathBuf>,
        /// Replace the files if they exist.
        #[arg(long)]
        force: bool,
    },
    /// The network's outputs for inputs in a file (.npy or .csv), in
    /// evaluation mode; exit 1 if the inputs do not fit, 2 if unreadable.
    Predict {
        /// The project file (.ron).
        project: PathBuf,
        /// Trained weights (.safetensors); the initial weights without.
        #[arg(long, value_name = "FILE")]
        weights: Option<PathBuf>,
        /// The inputs: .npy ([samples, sample shape…]) or .csv (a sample a row).
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Where the outputs go: .npy or .csv.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Time full training steps of the engine's benchmark workloads.
    Bench {
        /// Workloads to run (letters a–g, comma-separated); all by default.
        #[arg(long, value_delimiter = ',')]
        workloads: Vec<char>,
        /// Thread counts to try (comma-separated, 1 to 256); 1 and all cores by default.
        #[arg(long, value_delimiter = ',', value_parser = bounded_usize::<1, 256>)]
        threads: Vec<usize>,
        /// Timed blocks per measurement (1 to 1000; the median is reported).
        #[arg(long, default_value_t = 21, value_parser = bounded_usize::<1, 1000>)]
        reps: usize,
        /// One JSON object per workload and thread count.
        #[arg(long)]
        json: bool,
        /// Instead of the workloads: compare training this project alone
        /// with training it through the trainer thread with a watcher.
        #[arg(long)]
        trainer: Option<PathBuf>,
        /// Instead of the workloads' steps: the GEMM kernel's throughput at
        /// 1024³ and at each workload's products, and each workload's share
        /// of it.
        #[arg(long, conflicts_with_all = ["trainer", "profile"])]
        ceiling: bool,
        /// Instead of the workloads: time this project's training step node
        /// by node (forward and backward milliseconds, share of the step,
        /// FLOPs, activation bytes).
        #[arg(long, value_name = "PROJECT", conflicts_with = "trainer")]
        profile: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    neuroglass::ui::process_start();
    let cli = Cli::parse();
    let code = run(cli);
    neuroglass::cli::out::finish(code)
}

fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Check {
            project,
            json,
            batch,
            world,
        }) => neuroglass::cli::check::run_at_scale(&project, json, batch, world),
        Some(Command::Lesson {
            action: LessonCommand::Verify { lessons, json },
        }) => neuroglass::cli::lesson::verify(&lessons, json),
        Some(Command::Lesson {
            action: LessonCommand::Check { lesson },
        }) => neuroglass::cli::lesson::check(&lesson),
        Some(Command::Data {
            project,
            csv,
            force,
        }) => neuroglass::cli::data::run(&neuroglass::cli::data::DataArgs {
            project,
            csv,
            force,
        }),
        Some(Command::Train {
            project,
            epochs,
            seed,
            data,
            target,
            labels,
            out,
            json,
            force,
            max_memory,
            no_record,
            weights,
        }) => neuroglass::cli::train::run(&neuroglass::cli::train::TrainArgs {
            project,
            epochs,
            seed,
            data,
            target,
            labels,
            out,
            json,
            force,
            max_memory,
            no_record,
            weights,
        }),
        Some(Command::Runs {
            project,
            json,
            diff,
            delete,
        }) => {
            use neuroglass::cli::runs::{RunsAction, run};
            let action = match (diff, delete) {
                (Some(ab), _) if ab.len() == 2 => RunsAction::Diff(ab[0].clone(), ab[1].clone()),
                (_, Some(id)) => RunsAction::Delete(id),
                _ => RunsAction::List,
            };
            run(&project, &action, json)
        }
        Some(Command::Eval {
            project,
            run,
            step,
            weights,
            json,
            outputs,
        }) => neuroglass::cli::eval::run(&neuroglass::cli::eval::EvalArgs {
            project,
            run,
            step,
            weights,
            json,
            outputs,
        }),
        Some(Command::Edit {
            project,
            weights,
            widen,
            insert_after,
            remove,
            out,
            weights_out,
            force,
        }) => neuroglass::cli::edit::run(&neuroglass::cli::edit::EditArgs {
            project,
            weights,
            widen,
            insert_after,
            remove,
            out,
            weights_out,
            force,
        }),
        Some(Command::Trace {
            project,
            weights,
            run,
            sample,
            json,
        }) => neuroglass::cli::trace::run(&neuroglass::cli::trace::TraceArgs {
            project,
            weights,
            run,
            sample,
            json,
        }),
        Some(Command::Export {
            project,
            pytorch,
            onnx: Some(onnx),
            weights,
            force,
        }) if pytorch.is_none() => neuroglass::cli::onnx::run(&neuroglass::cli::onnx::OnnxArgs {
            project,
            onnx,
            weights,
            force,
        }),
        Some(Command::Export {
            project,
            pytorch,
            weights,
            force,
            ..
        }) => neuroglass::cli::export::run(&neuroglass::cli::export::ExportArgs {
            project,
            pytorch: pytorch.unwrap_or_default(),
            weights,
            force,
        }),
        Some(Command::Import {
            model,
            out,
            weights_out,
            force,
        }) => neuroglass::cli::import::run(&neuroglass::cli::import::ImportArgs {
            model,
            out,
            weights_out,
            force,
        }),
        Some(Command::Predict {
            project,
            weights,
            input,
            output,
            force,
        }) => neuroglass::cli::predict::run(&neuroglass::cli::predict::PredictArgs {
            project,
            weights,
            input,
            output,
            force,
        }),
        Some(Command::Bench {
            trainer: Some(project),
            reps,
            ..
        }) => neuroglass::cli::bench::trainer_overhead(&project, reps.min(7)),
        Some(Command::Bench {
            profile: Some(project),
            threads,
            reps,
            json,
            ..
        }) => neuroglass::cli::profile::run(&project, &threads, reps, json),
        Some(Command::Bench {
            workloads,
            threads,
            reps,
            json,
            ceiling: true,
            ..
        }) => neuroglass::cli::ceiling::ceiling(
            &neuroglass::cli::bench::workload_list(&workloads),
            &neuroglass::cli::bench::thread_counts(&threads),
            reps,
            json,
        ),
        Some(Command::Bench {
            workloads,
            threads,
            reps,
            json,
            ..
        }) => neuroglass::cli::bench::bench(&workloads, &threads, reps, json),
        None => match neuroglass::ui::run(neuroglass::ui::Options {
            project: cli.project,
            script: cli
                .screenshot
                .map(|screenshot| neuroglass::ui::screenshot::Script {
                    train_steps: cli.train_steps,
                    screenshot,
                    scale: cli.screenshot_scale,
                    settle: 0,
                    requested: false,
                }),
            classroom: cli.classroom,
            light: cli.light,
            view: cli.view,
            performance: cli.performance,
            size: cli.size,
            layout: cli.layout,
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                neuroglass::cli::out::error(format!("{e:#}"));
                ExitCode::from(2)
            }
        },
    }
}
