//! `[model] kind = "summa"` end to end: a full `tidepool run` with 2 agents and
//! staging, SUMMA and mizuRoute played by stand-in scripts. The SUMMA stand-in checks
//! its arguments and that its fileManager points into the slot's scratch, reads the
//! trialParams file it was given with `ncdump` and writes the fixture's SUMMA output;
//! the mizuRoute stand-in checks its control file and writes the fixture's routed flow
//! scaled by k_soil's multiplier (through `ncdump`/`ncgen`, Debian's netcdf-bin), so
//! that the optimiser has something to find.

mod util;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared/fixtures/summa-bow`, next to the repository.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/summa-bow")
}

/// SUMMA: `summa_sundials.exe -m FILEMANAGER`. Writes the multiplier of k_soil
/// (trial value over a-priori value, first HRU) next to its output for mizuRoute.
const SUMMA: &str = r#"#!/bin/sh
set -eu
[ "$#" -eq 2 ] && [ "$1" = "-m" ] || { echo "usage: summa_sundials.exe -m FILEMANAGER (got: $*)" >&2; exit 2; }
fm=$2
key() { sed -n "s/^$1 *'\([^']*\)'.*/\1/p" "$fm"; }
settings=$(key settingsPath); output=$(key outputPath); prefix=$(key outFilePrefix)
slot=$(dirname "$(dirname "$(dirname "$fm")")")
[ "$settings" = "$slot/settings/SUMMA/" ] || { echo "settingsPath $settings is not the slot's ($slot)" >&2; exit 3; }
[ "$output" = "$slot/output/SUMMA/" ] || { echo "outputPath $output is not the slot's" >&2; exit 3; }
case "$slot" in SCRATCH/*|BEST/*) ;; *) echo "slot $slot is not on scratch (nor the best trial's re-run)" >&2; exit 3 ;; esac
[ "$(key simStartTime)" = "2008-07-15 00:00" ] && [ "$(key simEndTime)" = "2008-07-30 23:00" ] || { echo "wrong period" >&2; exit 3; }
first() { ncdump -v "$2" "$1" | sed -n "/^ $2 = /{s/^ $2 = *//;s/[,;].*//;p;q}"; }
k=$(first "$settings$(key trialParamFile)" k_soil)
k0=$(first PRIORI k_soil)
[ -n "$k" ] && [ -n "$k0" ] || { echo "no k_soil in the trialParams file" >&2; exit 4; }
awk -v k="$k" -v k0="$k0" 'BEGIN { printf "%.10g\n", k / k0 }' > "${output}scale.txt"
cp OUTPUTS/run1_timestep.nc "$output${prefix}_timestep.nc"
cp OUTPUTS/run1_day.nc "$output${prefix}_day.nc"
echo "SUMMA stand-in done"
"#;

/// mizuRoute: `mizuRoute.exe CONTROL`. Writes the fixture's routed flow x the scale.
const MIZUROUTE: &str = r#"#!/bin/sh
set -eu
[ "$#" -eq 1 ] || { echo "usage: mizuRoute.exe CONTROL" >&2; exit 2; }
val() { sed -n "s/^<$1> *\([^ !]*\).*/\1/p" "$2"; }
input=$(val input_dir "$1"); output=$(val output_dir "$1"); name=$(val case_name "$1")
qsim="$input$(val fname_qsim "$1")"
[ -f "$qsim" ] || { echo "no runoff file $qsim" >&2; exit 3; }
[ "$(pwd)/" = "$output" ] || { echo "not run from its output dir" >&2; exit 3; }
scale=$(cat "${input}scale.txt")
awk -v k="$scale" '
  /^ IRFroutedRunoff =/ { on = 1; print; next }
  on {
    n = split($0, cells, ","); line = ""
    for (i = 1; i <= n; i++) {
      c = cells[i]
      if (match(c, /[-0-9.]+(e[-+]?[0-9]+)?/)) c = substr(c, 1, RSTART - 1) sprintf("%.7g", substr(c, RSTART, RLENGTH) * k) substr(c, RSTART + RLENGTH)
      line = line (i > 1 ? "," : "") c
    }
    print line; if ($0 ~ /;/) on = 0; next
  }
  { print }' CDL > "$output$name.h.cdl"
ncgen -o "$output$name.h.2008-07-15-00000.nc" "$output$name.h.cdl"
rm "$output$name.h.cdl"
"#;

struct Project {
    tmp: tempfile::TempDir,
}

impl Project {
    /// The stand-ins in `bin/`, the fixture's settings copied to `settings/`.
    fn new(summa: &str) -> Project {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        for dir in ["bin", "scratch", "settings"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        copy_tree(&fixture().join("settings"), &root.join("settings"));
        let cdl = Command::new("ncdump")
            .arg(fixture().join("outputs/mizuRoute/run1.h.2008.nc"))
            .output()
            .unwrap();
        std::fs::write(root.join("bin/routed.cdl"), cdl.stdout).unwrap();
        let project = Project { tmp };
        let priori = root.join("settings/SUMMA/trialParams.priori.nc");
        let summa = summa
            .replace("SCRATCH", &root.join("scratch").display().to_string())
            .replace("BEST", &root.join("run/best/work").display().to_string())
            .replace("PRIORI", &priori.display().to_string())
            .replace(
                "OUTPUTS",
                &fixture().join("outputs/SUMMA").display().to_string(),
            );
        project.script("summa_sundials.exe", &summa);
        // The staged copy of bin/ holds routed.cdl next to the script.
        let mizuroute = MIZUROUTE.replace("CDL", "\"$(dirname \"$0\")/routed.cdl\"");
        project.script("mizuRoute.exe", &mizuroute);
        project
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn script(&self, name: &str, text: &str) {
        let path = self.root().join("bin").join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn write_config(&self, budget: u32, keep: &str) {
        let fixture = fixture();
        let config = format!(
            r#"[run]
name = "bow"
dir = "run"
budget = {budget}
seed = 7
[launch]
mode = "local"
agents = 2
[slots]
per_node = 1
heartbeat = "20s"
keep_workdirs = "{keep}"
[model]
kind = "summa"
summa_exe = "bin/summa_sundials.exe"
file_manager = "settings/SUMMA/fileManager.txt"
mizuroute_exe = "bin/mizuRoute.exe"
mizuroute_control = "settings/mizuRoute/mizuroute.control"
priori_params = "settings/SUMMA/trialParams.priori.nc"
forcing_dir = "{forcing}"
summa_timeout = "5m"
[[parameters]]
name = "k_soil_multp"
lower = 0.048681
upper = 1.532371
initial = 1.0
[objective]
metric = "kge2012"
simulated = "q"
calibration = ["2008-07-15", "2008-07-30"]
[objective.observed]
csv = "{obs}"
date = "Date"
value = 1
missing = [-9999]
factor = 0.0283168
[stage]
dirs = ["bin", "settings"]
"#,
            forcing = fixture.join("forcing").display(),
            obs = fixture
                .join("obs/obs_flow.BowRiveratBanff.cfs.csv")
                .display(),
        );
        std::fs::write(self.root().join("run.toml"), config).unwrap();
    }

    fn run(&self) -> Output {
        Command::new(util::bin())
            .arg("run")
            .arg(self.root().join("run.toml"))
            .env("TMPDIR", self.root().join("scratch"))
            .output()
            .unwrap()
    }

    fn run_dir(&self) -> PathBuf {
        self.root().join("run")
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

/// The first `slot-0` directory under `dir`.
fn find_slot_dir(dir: &Path) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if !entry.file_type().ok()?.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "slot-0") {
            return Some(path);
        }
        if let Some(found) = find_slot_dir(&path) {
            return Some(found);
        }
    }
    None
}

fn netcdf_tools() -> bool {
    let present = util::which("ncdump").is_some() && util::which("ncgen").is_some();
    util::require(present, "ncdump and ncgen (Debian's netcdf-bin)")
}

fn show(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// One trial as exported.
#[derive(Debug)]
struct Row {
    k: f64,
    objective: Option<f64>,
    status: String,
    reason: String,
    stderr_tail: String,
}

/// Every trial, from `tidepool export --csv`.
fn exported(run_dir: &Path) -> Vec<Row> {
    let out = util::tidepool(&["export", "--csv", run_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", show(&out));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (k, objective, status) = (
        column("k_soil_multp"),
        column("objective"),
        column("status"),
    );
    let (reason, tail) = (column("failure_reason"), column("stderr_tail"));
    reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            Row {
                k: row[k].parse().unwrap(),
                objective: row[objective].parse().ok(),
                status: row[status].to_string(),
                reason: row[reason].to_string(),
                stderr_tail: row[tail].to_string(),
            }
        })
        .collect()
}

#[test]
fn a_summa_run_with_two_agents_and_staging_calibrates_the_multiplier() {
    if !netcdf_tools() {
        return;
    }
    let project = Project::new(SUMMA);
    project.write_config(10, "failed");
    let check = util::tidepool(&["check", project.root().join("run.toml").to_str().unwrap()]);
    assert!(check.status.success(), "{}", show(&check));
    let root = project.root().display().to_string();
    let fixture = fixture().display().to_string();
    insta::assert_snapshot!(
        "summa_check",
        String::from_utf8_lossy(&check.stdout)
            .replace(&root, "[PROJECT]")
            .replace(&fixture, "[FIXTURE]")
    );
    let out = project.run();
    let trials = exported(&project.run_dir());
    let context = format!("{}\n{trials:#?}", show(&out));
    assert!(out.status.success(), "{context}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let outlet = stdout.lines().find(|l| l.starts_with("outlet:"));
    insta::assert_snapshot!(
        outlet.unwrap_or_else(|| panic!("{context}")),
        @"outlet: reach 71028585, the reach with the highest mean flow (set [model] outlet_reach to choose another)"
    );

    assert_eq!(trials.len(), 10, "every trial recorded: {trials:?}");
    assert!(trials.iter().all(|t| t.objective.is_some()), "{trials:?}");
    let priori = trials
        .iter()
        .find(|t| t.k == 1.0)
        .unwrap_or_else(|| panic!("the initial point k = 1 was tried: {trials:?}"));
    let best = trials
        .iter()
        .filter_map(|t| t.objective)
        .fold(f64::INFINITY, f64::min);
    assert!(
        best < priori.objective.unwrap(),
        "best {best} vs a priori {priori:?}"
    );

    let html = std::fs::read_to_string(project.run_dir().join("report.html")).unwrap();
    let section = html
        .split("<h2>Observed and simulated (best trial)</h2>")
        .nth(1)
        .unwrap_or_else(|| panic!("no hydrograph section"));
    let section = section.split("<h2>").next().unwrap();
    assert!(
        section.contains("<svg"),
        "the hydrograph is drawn: {section}"
    );
}

#[test]
fn a_failing_summa_fails_the_trial_with_its_stderr_tail() {
    if !netcdf_tools() {
        return;
    }
    let failing = "#!/bin/sh\necho 'FATAL ERROR: k_soil is out of range' >&2\nexit 1\n";
    let project = Project::new(failing);
    project.write_config(3, "all");
    let out = project.run();
    let trials = exported(&project.run_dir());
    assert!(!trials.is_empty(), "{}", show(&out));
    let first = &trials[0];
    assert_eq!(
        (first.objective, first.status.as_str()),
        (None, "failed"),
        "{trials:?}"
    );
    assert!(first.reason.starts_with("SUMMA: `"), "{first:?}");
    assert!(
        first
            .reason
            .ends_with("summa_sundials.exe` exited with code 1"),
        "{first:?}"
    );
    assert!(
        first
            .stderr_tail
            .contains("FATAL ERROR: k_soil is out of range"),
        "{first:?}"
    );
    // SUMMA ran from the node's staged copy of bin/, and the slot's NetCDF inputs are
    // links into the staged copy of settings/.
    let staged = project.root().join("scratch/tidepool-nodes/bow");
    assert!(
        first.reason.contains(&staged.display().to_string()) && first.reason.contains("/stage/"),
        "{first:?}"
    );
    let slot = find_slot_dir(&staged).expect("a slot dir kept with keep_workdirs = all");
    let link = std::fs::read_link(slot.join("summa/settings/SUMMA/attributes.nc")).unwrap();
    assert!(
        link.starts_with(&staged) && link.to_string_lossy().contains("/stage/"),
        "{link:?}"
    );
    let copied = slot.join("summa/settings/SUMMA/fileManager.txt");
    assert!(!copied.is_symlink(), "the fileManager is the slot's own");
}
