//! `losslab sweep`: the runs of a sweep file, on all cores (sim) or one at a time (live), or
//! written out for another scheduler (`--list`, `--slurm`), or one shard of them (`--shard`,
//! Slurm array tasks).
//!
//! Each run is `losslab run` in-process: the base scenario with the point's `--set`s and the
//! seed, into `OUT/<point>/seed-<n>/`, with the sweep tag in its `summary.json`. Sim runs go
//! to a pool of threads (one run per thread at a time; the simulator itself stays
//! single-threaded), taking the next run from a shared counter; live runs go one after another
//! afterwards, since live runs share the machine's network and sockets and would disturb each
//! other's timing.
//!
//! Invariant: a run folder is either complete (its `summary.json` says `complete` and names
//! this sweep), and then skipped, or (re)written whole by `run`'s staged writes — so a sweep
//! killed at any moment and started again finishes with the same files; a folder of another
//! sweep is never written over.

use super::file::{self, Run, Sweep};
use super::{SWEEP_CSV, merge, run_dir};
use crate::cmd::run::{FolderPolicy, RunOptions, run_experiment_tagged};
use crate::results::schema::{Status, SweepJson};
use crate::scenario::Mode;
use crate::tr;
use anyhow::{Result, bail};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The sweep file (TOML): `scenario`, `seeds` and a `[grid]` of field = [values].
    pub file: PathBuf,
    /// The sweep's folder: OUT/<point>/seed-<n>/ per run, OUT/sweep.csv.
    #[arg(long, required_unless_present = "slurm")]
    pub out: Option<PathBuf>,
    /// Print one self-contained `losslab run …` command per run (those not yet complete) and
    /// exit, for GNU parallel, HTCondor or any runner; then `losslab merge OUT`.
    #[arg(long, conflicts_with = "slurm")]
    pub list: bool,
    /// Run only shard I of N (1-based; the runs whose index is I-1 modulo N). Under a Slurm job
    /// array, SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT choose the shard when this is absent.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Print an sbatch job-array script that runs the sweep as TASKS array tasks (each one a
    /// shard), then merges; submit it with `sbatch`.
    #[arg(long)]
    pub slurm: bool,
    /// Array tasks in the --slurm script [default: the number of runs, at most 100].
    #[arg(long, requires = "slurm")]
    pub tasks: Option<usize>,
    /// Sim runs at once [default: the number of cores].
    #[arg(short, long)]
    pub jobs: Option<usize>,
    /// No progress bar and no per-run lines, only the closing summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// How the sweep ended.
#[derive(Debug, PartialEq, Eq)]
pub enum SweepOutcome {
    Done,
    Interrupted,
}

/// Parses `I/N` (1 ≤ I ≤ N).
pub fn parse_shard(text: &str) -> Result<(usize, usize)> {
    let bad = || anyhow::anyhow!(tr!("sweep-shard", text = text));
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n) = (
        i.trim().parse::<usize>().map_err(|_| bad())?,
        n.trim().parse::<usize>().map_err(|_| bad())?,
    );
    if i == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

/// The shard from `--shard`, else from Slurm's array variables (1-based task ids, as the
/// `--slurm` script numbers them).
fn shard_of(args: &SweepArgs) -> Result<Option<(usize, usize)>> {
    if let Some(s) = &args.shard {
        return parse_shard(s).map(Some);
    }
    match (
        std::env::var("SLURM_ARRAY_TASK_ID"),
        std::env::var("SLURM_ARRAY_TASK_COUNT"),
    ) {
        (Ok(i), Ok(n)) => parse_shard(&format!("{i}/{n}")).map(Some).map_err(|e| {
            anyhow::anyhow!(tr!(
                "sweep-slurm-shard",
                i = i.as_str(),
                n = n.as_str(),
                error = e.to_string()
            ))
        }),
        _ => Ok(None),
    }
}

/// The tag a run of `point` records.
fn tag(sweep: &Sweep, run: &Run) -> SweepJson {
    SweepJson {
        id: sweep.id.clone(),
        point: run.point.id.clone(),
        parameters: run.point.parameters.clone(),
    }
}

/// Whether the run's folder is already complete; an error when it holds another sweep's run.
fn complete(sweep: &Sweep, out: &Path, run: &Run) -> Result<bool> {
    let dir = run_dir(out, &run.point.id, run.seed);
    if !dir.join(crate::results::SUMMARY_JSON).exists() {
        return Ok(false);
    }
    match merge::run_tag(&dir) {
        Ok((t, seed, status)) if t.id == sweep.id && seed == run.seed => {
            if status != Some(Status::Complete) || !merge::files_present(&dir)? {
                return Ok(false);
            }
            // A writer killed after moving its files into place but before removing its
            // staging folder leaves that (losslab's own, empty) folder: taking it as a writer
            // and letting go clears it, under its lock.
            if crate::results::folder::staging_path(&dir)?.exists() {
                drop(crate::results::folder::Staging::begin(
                    &dir,
                    crate::results::legacy_run_folder,
                )?);
            }
            Ok(true)
        }
        Ok((t, _, _)) => bail!(tr!(
            "sweep-other-run",
            dir = dir.display().to_string(),
            other = t.id.as_str(),
            this = sweep.id.as_str()
        )),
        // Not a sweep run, or unreadable: not ours to write over.
        Err(e) => bail!(tr!(
            "sweep-not-ours",
            dir = dir.display().to_string(),
            error = format!("{e:#}")
        )),
    }
}

/// Single quotes for a POSIX shell, when needed.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The `losslab run` command of one run.
pub fn run_command(sweep: &Sweep, out: &Path, run: &Run) -> String {
    let mut cmd = vec![
        "losslab".to_string(),
        "run".into(),
        shell_quote(&sweep.scenario_path.display().to_string()),
    ];
    for s in &run.point.sets {
        cmd.push("--set".into());
        cmd.push(shell_quote(&format!("{}={}", s.field, s.value)));
    }
    cmd.push("--seed".into());
    cmd.push(run.seed.to_string());
    cmd.push("--sweep-id".into());
    cmd.push(sweep.id.clone());
    cmd.push("--out".into());
    cmd.push(shell_quote(
        &run_dir(out, &run.point.id, run.seed).display().to_string(),
    ));
    cmd.push("-qq".into());
    cmd.join(" ")
}

/// The sbatch script of `--slurm`: an array of shards, each running its runs on the task's
/// cores, and the merge to run when all are done.
pub fn slurm_script(sweep: &Sweep, out: &Path, tasks: usize) -> Result<String> {
    let exe = std::env::current_exe()?;
    let abs = |p: &Path| std::path::absolute(p).map(|p| p.display().to_string());
    let file = abs(&sweep.file)?;
    let out = abs(out)?;
    let q = shell_quote;
    Ok(format!(
        "#!/bin/sh\n\
         # losslab sweep {file} as a Slurm job array: task I of {tasks} runs shard I/{tasks}.\n\
         # Submit with `sbatch THIS_FILE`; when every task is done: {exe} merge {out}\n\
         #SBATCH --job-name=losslab-sweep\n\
         #SBATCH --array=1-{tasks}\n\
         exec {} sweep {} --out {} --shard \"$SLURM_ARRAY_TASK_ID/{tasks}\" --quiet\n",
        q(&exe.display().to_string()),
        q(&file),
        q(&out),
        exe = q(&exe.display().to_string()),
        out = out,
    ))
}

/// Runs `args`, printing to `console`.
pub fn sweep(
    args: &SweepArgs,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<SweepOutcome> {
    let sweep = file::load(&args.file)?;
    let all = sweep.runs();
    if args.slurm {
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("sweep-out"));
        let tasks = args
            .tasks
            .unwrap_or(all.len().min(100))
            .clamp(1, all.len().max(1));
        write!(console, "{}", slurm_script(&sweep, &out, tasks)?)?;
        return Ok(SweepOutcome::Done);
    }
    let out = args
        .out
        .clone()
        .expect("clap requires --out without --slurm");
    if let Some((run, other)) = merge::foreign_run(&out, &sweep.id)? {
        bail!(tr!(
            "sweep-foreign",
            dir = out.display().to_string(),
            other = other.as_str(),
            run = run.display().to_string(),
            file = args.file.display().to_string(),
            this = sweep.id.as_str()
        ));
    }
    let shard = shard_of(args)?;
    let mine: Vec<&Run> = all
        .iter()
        .filter(|r| shard.is_none_or(|(i, n)| r.index % n == i - 1))
        .collect();
    let mut todo = Vec::new();
    for r in &mine {
        if !complete(&sweep, &out, r)? {
            todo.push(**r);
        }
    }
    if args.list {
        for r in &todo {
            writeln!(console, "{}", run_command(&sweep, &out, r))?;
        }
        return Ok(SweepOutcome::Done);
    }
    let skipped = mine.len() - todo.len();
    let (live, sim): (Vec<Run>, Vec<Run>) = todo
        .iter()
        .partition(|r| r.point.scenario.mode == Mode::Live);
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, sim.len().max(1));
    if !args.quiet {
        let shard_text = shard.map_or(String::new(), |(i, n)| {
            tr!("sweep-header-shard", i = i, n = n)
        });
        let live_text = if live.is_empty() {
            String::new()
        } else {
            tr!("sweep-header-live", n = live.len())
        };
        writeln!(
            console,
            "{}",
            tr!(
                "sweep-header",
                id = sweep.id.as_str(),
                points = sweep.points.len(),
                seeds = sweep.seeds.len(),
                shard = shard_text,
                runs = mine.len(),
                skipped = skipped,
                sim = sim.len(),
                threads = threads,
                live = live_text
            )
        )?;
    }
    let bar = if !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::new(todo.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let one = |r: &Run| {
        let mut scenario = r.point.scenario.clone();
        scenario.seed = r.seed;
        let opts = RunOptions {
            scenario,
            source: crate::scenario::source_name(&sweep.scenario_path),
            out_dir: run_dir(&out, &r.point.id, r.seed),
            show_discards: false,
        };
        let t = tag(&sweep, r);
        if let Err(e) = run_experiment_tagged(
            &opts,
            Some(&t),
            interrupt,
            &mut std::io::sink(),
            false,
            FolderPolicy::default(),
        ) {
            errors
                .lock()
                .expect("no thread panics holding it")
                .push(format!("{}: {e:#}", opts.out_dir.display()));
        }
        bar.inc(1);
    };
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= sim.len() || interrupt.load(Ordering::Relaxed) {
                        break;
                    }
                    one(&sim[i]);
                }
            });
        }
    });
    for r in &live {
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
        one(r);
    }
    bar.finish_and_clear();
    let errors = errors.into_inner().expect("threads are done");
    if !errors.is_empty() {
        bail!(
            "{}\n{}",
            tr!("sweep-failed", n = errors.len()),
            errors.join("\n")
        );
    }
    if interrupt.load(Ordering::Relaxed) {
        writeln!(console, "{}", tr!("sweep-interrupted"))?;
        return Ok(SweepOutcome::Interrupted);
    }
    if shard.is_some() {
        writeln!(
            console,
            "{}",
            tr!("sweep-shard-done", dir = out.display().to_string())
        )?;
        return Ok(SweepOutcome::Done);
    }
    let merged = merge::merge_into(std::slice::from_ref(&out), &out)?;
    writeln!(
        console,
        "{}",
        tr!(
            "sweep-merged",
            path = out.join(SWEEP_CSV).display().to_string(),
            rows = merged.rows,
            runs = merged.runs
        )
    )?;
    Ok(SweepOutcome::Done)
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Sweep folders (OUT of `losslab sweep`, or copies of it from other hosts).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where sweep.csv goes [default: the first DIR].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `losslab merge`.
pub fn merge_cmd(args: &MergeArgs, console: &mut dyn Write) -> Result<()> {
    let out = args.out.clone().unwrap_or_else(|| args.dirs[0].clone());
    let merged = merge::merge_into(&args.dirs, &out)?;
    writeln!(
        console,
        "{}",
        tr!(
            "merge-done",
            path = out.join(SWEEP_CSV).display().to_string(),
            rows = merged.rows,
            runs = merged.runs,
            id = merged.sweep_id.as_str(),
            interrupted = if merged.interrupted > 0 {
                tr!("merge-interrupted", n = merged.interrupted)
            } else {
                String::new()
            }
        )
    )?;
    Ok(())
}
