//! A real single-node Slurm runs the script `losslab sweep --slurm` prints, as a job array, and
//! `losslab merge` of what its tasks wrote gives the same `sweep.csv` bytes as the local sweep.
//!
//! The test configures munge and Slurm (slurmctld, slurmd, from Debian's packages) in a
//! temporary folder — its own key, socket, ports, state and logs, the node at 127.0.0.1 — and
//! stops them after (the process guards kill and reap them, on failure too). When the machine
//! cannot run them (not root, the packages missing), the test says why and skips; `.ci/run`
//! installs the packages and CI runs as root.

mod common;

use common::{Proc, losslab, run};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn output(cmd: &mut Command) -> Option<String> {
    let o = cmd.output().ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Why this machine cannot run the test, if it cannot.
fn cannot() -> Option<String> {
    if output(Command::new("id").arg("-u")).as_deref() != Some("0") {
        return Some("slurmd must run as root to start jobs, and this test is not root".into());
    }
    let missing: Vec<&str> = [
        "munged",
        "mungekey",
        "slurmctld",
        "slurmd",
        "sbatch",
        "sinfo",
    ]
    .into_iter()
    .filter(|p| !have(p) && !Path::new("/usr/sbin").join(p).exists())
    .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "{} not installed (Debian: munge slurmctld slurmd slurm-client; .ci/run installs them)",
            missing.join(", ")
        )
    })
}

fn sbin(p: &str) -> String {
    let s = Path::new("/usr/sbin").join(p);
    if s.exists() {
        s.display().to_string()
    } else {
        p.to_string()
    }
}

fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool, logs: &Path) {
    let end = Instant::now() + limit;
    while !ok() {
        if Instant::now() > end {
            let mut text = String::new();
            for log in ["munged.log", "slurmctld.log", "slurmd.log"] {
                text += &format!(
                    "--- {log}\n{}\n",
                    std::fs::read_to_string(logs.join(log)).unwrap_or_default()
                );
            }
            panic!("{what} within {limit:?}; logs:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_slurm_job_array_runs_the_sweep_and_merges_to_the_local_bytes() {
    if let Some(why) = cannot() {
        eprintln!("SKIPPED: cannot start Slurm here: {why}");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let slurm = dir.join("slurm");
    for d in ["", "state", "spool"] {
        std::fs::create_dir_all(slurm.join(d)).unwrap();
    }
    let s = |name: &str| slurm.join(name).display().to_string();

    // munge: its own key and socket.
    let done = run(
        Command::new(sbin("mungekey")).args(["-c", "-k", &s("munge.key")]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let _munged = Proc::spawn(Command::new(sbin("munged")).args([
        "-F",
        "--force",
        &format!("--socket={}", s("munge.socket")),
        &format!("--key-file={}", s("munge.key")),
        &format!("--pid-file={}", s("munged.pid")),
        &format!("--log-file={}", s("munged.log")),
        &format!("--seed-file={}", s("munged.seed")),
    ]));
    wait_for(
        "munged did not create its socket",
        Duration::from_secs(20),
        || slurm.join("munge.socket").exists(),
        &slurm,
    );

    // Slurm: one node, this host, at 127.0.0.1.
    let host = output(Command::new("hostname").arg("-s")).expect("hostname -s");
    let conf = format!(
        "ClusterName=losslabtest\nSlurmctldHost={host}(127.0.0.1)\nSlurmctldPort={}\nSlurmdPort={}\n\
         AuthType=auth/munge\nAuthInfo=socket={}\nCredType=cred/munge\nSlurmUser=root\nSlurmdUser=root\n\
         StateSaveLocation={}\nSlurmdSpoolDir={}\nSlurmctldPidFile={}\nSlurmdPidFile={}\n\
         SlurmctldLogFile={}\nSlurmdLogFile={}\nProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n\
         JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n\
         JobCompType=jobcomp/none\nSelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\n\
         MpiDefault=none\nReturnToService=2\n\
         NodeName={host} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN\n\
         PartitionName=losslab Nodes={host} Default=YES MaxTime=INFINITE State=UP\n",
        free_port(),
        free_port(),
        s("munge.socket"),
        s("state"),
        s("spool"),
        s("slurmctld.pid"),
        s("slurmd.pid"),
        s("slurmctld.log"),
        s("slurmd.log"),
    );
    let conf_path = slurm.join("slurm.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let conf_path = conf_path.display().to_string();
    let mut ctld = Proc::spawn(Command::new(sbin("slurmctld")).args(["-D", "-f", &conf_path]));
    let mut slurmd =
        Proc::spawn(Command::new(sbin("slurmd")).args(["-D", "-f", &conf_path, "-N", &host]));
    wait_for(
        "the Slurm node did not become idle",
        Duration::from_secs(60),
        || {
            output(
                Command::new("sinfo")
                    .args(["-h", "-o", "%t"])
                    .env("SLURM_CONF", &conf_path),
            )
            .is_some_and(|t| t.starts_with("idle"))
        },
        &slurm,
    );

    // The sweep, locally and as a job array of 3 tasks.
    let base = "name = \"sweep-base\"\nseed = 1\nmode = \"sim\"\n\n[server]\nkind = \"udp-time\"\n\n\
                [impair]\nloss = \"random 10%\"\n\n[clients]\ncount = 2\nrequests = 20\n\
                interval = \"10ms\"\ntimeout = \"50ms\"\nretries = 2\n";
    std::fs::write(dir.join("base.toml"), base).unwrap();
    std::fs::write(
        dir.join("sweep.toml"),
        "scenario = \"base.toml\"\nseeds = \"1..4\"\n[grid]\n\"impair.loss\" = [\"bursty 10% burst 2\", \"bursty 10% burst 5\"]\n\"clients.retries\" = [0, 2]\n",
    )
    .unwrap();
    let done = run(
        losslab(dir).args(["sweep", "sweep.toml", "--out", "local"]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let done = run(
        losslab(dir).args([
            "sweep",
            "sweep.toml",
            "--out",
            "array",
            "--slurm",
            "--tasks",
            "3",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stdout.contains("#SBATCH --array=1-3"),
        "{}",
        done.stdout
    );
    std::fs::write(dir.join("job.sh"), &done.stdout).unwrap();
    let chdir = format!("--chdir={}", dir.display());
    let sbatch = run(
        Command::new("sbatch")
            .args(["--wait", &chdir, "job.sh"])
            .current_dir(dir)
            .env("SLURM_CONF", &conf_path),
        b"",
    );
    let mut logs = String::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with("slurm-") {
            logs += &std::fs::read_to_string(e.path()).unwrap_or_default();
        }
    }
    assert_eq!(sbatch.code(), Some(0), "{sbatch:?}\ntask logs:\n{logs}");
    assert_eq!(logs.matches("shard done").count(), 3, "task logs:\n{logs}");
    let done = run(losslab(dir).args(["merge", "array"]), b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(
        std::fs::read(dir.join("array/sweep.csv")).unwrap(),
        std::fs::read(dir.join("local/sweep.csv")).unwrap()
    );
    // Stop Slurm before munge; the guards kill whatever is left.
    for p in [&mut slurmd, &mut ctld] {
        let _ = Command::new("kill").arg(p.pid().to_string()).status();
        p.finish(Duration::from_secs(30));
    }
}
