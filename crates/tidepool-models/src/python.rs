//! `python` slots: one long-lived interpreter per slot running the embedded shim, which
//! imports the user's `module:function` once and then evaluates trials sent over a
//! JSON-lines pipe. The interpreter leads its own process group; its stderr (and
//! whatever the user's code prints) goes to `python.err` in the slot's scratch. It runs
//! in the slot's work directory `work/` under the scratch (the `workdir` a
//! two-argument function receives, also `TIDEPOOL_WORKDIR`), which stays for the
//! slot's life. Series in a result become [`TrialOutcome::Ok`]'s `series`; the whole
//! result line is limited to [`MAX_RESULT_LINE_BYTES`], enough for a 5-year hourly
//! series (about 0.8 MiB of JSON) and kept there so a result stays far below the
//! 16 MiB wire frame.

use crate::group::{describe_status, own_group, Group};
use crate::shim::{Message, Number, Request, SHIM_SOURCE};
use crate::tail::{limit_text, stderr_tail, MAX_RESULT_LINE_BYTES};
use crate::{ModelError, PythonSpec, SlotContext, TrialInput, TrialOutcome};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio_util::sync::CancellationToken;

/// The interpreter's stderr file is emptied before a trial once it grows past this.
const STDERR_ROTATE_BYTES: u64 = 1 << 20;

/// How long a shut-down interpreter may take to exit after its input closes.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A slot running one Python interpreter.
#[derive(Debug)]
pub struct PythonWorker {
    child: Child,
    group: Option<Group>,
    input: ChildStdin,
    output: Lines<BufReader<ChildStdout>>,
    stderr: PathBuf,
    /// Set once the interpreter is gone (crashed, or killed by a timeout or cancel).
    gone: Option<String>,
    /// The interpreter's version, as the shim reported it.
    pub python_version: String,
    /// The interpreter's process id.
    pub pid: u32,
}

impl PythonWorker {
    pub(crate) async fn start(spec: &PythonSpec, ctx: &SlotContext) -> Result<Self, ModelError> {
        let stderr = ctx.scratch.join("python.err");
        let err_file = open_stderr(ctx, &stderr)?;
        let work = ctx.scratch.join(crate::workdir::WORK_DIR);
        std::fs::create_dir_all(&work).map_err(|source| ModelError::Scratch {
            node: ctx.node.clone(),
            slot: ctx.slot,
            path: work.clone(),
            source,
        })?;
        let mut cmd = Command::new(&spec.python);
        cmd.arg("-c")
            .arg(SHIM_SOURCE)
            .arg(&spec.function)
            .args(&spec.path)
            .current_dir(&work)
            .envs(ctx.env.iter().map(|(k, v)| (k, v)))
            .env("TIDEPOOL_WORKDIR", &work)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(err_file);
        let mut child = own_group(&mut cmd)
            .spawn()
            .map_err(|source| ModelError::Spawn {
                node: ctx.node.clone(),
                slot: ctx.slot,
                program: spec.python.display().to_string(),
                source,
            })?;
        let group = Group::of(&child, &ctx.sentinel);
        let input = child.stdin.take().expect("stdin was piped");
        let output = BufReader::new(child.stdout.take().expect("stdout was piped")).lines();
        let mut worker = PythonWorker {
            child,
            group: Some(group),
            input,
            output,
            stderr,
            gone: None,
            python_version: String::new(),
            pid: 0,
        };
        worker.await_ready(spec, ctx).await?;
        Ok(worker)
    }

    async fn await_ready(
        &mut self,
        spec: &PythonSpec,
        ctx: &SlotContext,
    ) -> Result<(), ModelError> {
        let not_ready = |reason: String, stderr_tail: String| ModelError::NotReady {
            node: ctx.node.clone(),
            slot: ctx.slot,
            reason,
            stderr_tail,
        };
        match self.output.next_line().await {
            Ok(Some(line)) => match serde_json::from_str::<Message>(&line) {
                Ok(Message::Ready { python, pid }) => {
                    self.python_version = python;
                    self.pid = pid;
                    Ok(())
                }
                Ok(Message::NotReady { error, traceback }) => Err(not_ready(
                    format!("cannot import `{}`: {error}", spec.function),
                    traceback,
                )),
                _ => Err(not_ready(
                    format!("unexpected first message from the shim: {line}"),
                    stderr_tail(&self.stderr, 0),
                )),
            },
            Ok(None) => {
                let how = self.exit_description().await;
                Err(not_ready(
                    format!("`{}` {how} before reporting ready", spec.python.display()),
                    stderr_tail(&self.stderr, 0),
                ))
            }
            Err(err) => Err(not_ready(
                format!("cannot read from the shim: {err}"),
                stderr_tail(&self.stderr, 0),
            )),
        }
    }

    /// False once the interpreter is gone; the slot must then be restarted.
    pub fn is_alive(&self) -> bool {
        self.gone.is_none()
    }

    pub(crate) async fn evaluate(
        &mut self,
        trial: &TrialInput,
        cancel: &CancellationToken,
    ) -> TrialOutcome {
        if let Some(why) = &self.gone {
            return TrialOutcome::Crashed {
                reason: format!("the interpreter is gone ({why}); restart the slot"),
                stderr_tail: String::new(),
            };
        }
        let from = self.rotate_stderr();
        if let Err(err) = self.send(trial).await {
            return self
                .crashed(format!("cannot send the trial: {err}"), from)
                .await;
        }
        let deadline = async {
            match trial.timeout {
                Some(limit) => tokio::time::sleep(limit).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            line = self.output.next_line() => self.receive(line, trial, from).await,
            () = deadline => {
                self.kill("timed out", trial.kill_grace).await;
                TrialOutcome::TimedOut { stderr_tail: stderr_tail(&self.stderr, from) }
            }
            () = cancel.cancelled() => {
                self.kill("cancelled", trial.kill_grace).await;
                TrialOutcome::Cancelled
            }
        }
    }

    async fn send(&mut self, trial: &TrialInput) -> std::io::Result<()> {
        let request = Request {
            trial: trial.trial_id,
            attempt: trial.attempt,
            params: &trial.params,
        };
        let mut line = serde_json::to_vec(&request)?;
        line.push(b'\n');
        self.input.write_all(&line).await?;
        self.input.flush().await
    }

    async fn receive(
        &mut self,
        line: std::io::Result<Option<String>>,
        trial: &TrialInput,
        from: u64,
    ) -> TrialOutcome {
        let line = match line {
            Ok(Some(line)) => line,
            Ok(None) => {
                let how = self.exit_description().await;
                return self.crashed(format!("the interpreter {how}"), from).await;
            }
            Err(err) => {
                return self
                    .crashed(format!("cannot read from the shim: {err}"), from)
                    .await
            }
        };
        if line.len() as u64 > MAX_RESULT_LINE_BYTES {
            return TrialOutcome::failed(format!(
                "the function's result is {} bytes as JSON, longer than {}, the limit of a \
                 result line; return fewer responses and write large outputs to a file",
                line.len(),
                limit_text()
            ));
        }
        match serde_json::from_str::<Message>(&line) {
            Ok(Message::Result {
                trial: id,
                objective,
                responses,
                series,
            }) if id == trial.trial_id => {
                let series: Result<BTreeMap<_, _>, String> = series
                    .into_iter()
                    .map(|(name, wire)| wire.into_series(&name).map(|s| (name, s)))
                    .collect();
                match series {
                    Ok(series) => TrialOutcome::finished(
                        objective.map(|Number(x)| x),
                        responses.into_iter().map(|(k, Number(x))| (k, x)).collect(),
                    )
                    .with_series(series),
                    Err(reason) => TrialOutcome::failed(reason),
                }
            }
            Ok(Message::Error {
                trial: id,
                error,
                traceback,
            }) if id == trial.trial_id => TrialOutcome::Failed {
                reason: error,
                stderr_tail: traceback,
            },
            _ => {
                let reason = format!("protocol error: unexpected line from the shim: {line}");
                self.crashed(reason, from).await
            }
        }
    }

    /// Kills the interpreter and reports it as crashed.
    async fn crashed(&mut self, reason: String, from: u64) -> TrialOutcome {
        self.kill("crashed", Duration::ZERO).await;
        TrialOutcome::Crashed {
            reason,
            stderr_tail: stderr_tail(&self.stderr, from),
        }
    }

    /// SIGTERM to the interpreter's group, SIGKILL after `grace`; the worker is gone.
    async fn kill(&mut self, why: &str, grace: Duration) {
        if let Some(group) = self.group.take() {
            if let Err(err) = group.terminate(&mut self.child, grace).await {
                tracing::warn!(%err, "waiting for the python interpreter");
            }
        }
        self.gone.get_or_insert_with(|| why.to_string());
    }

    /// Waits for the interpreter (whose output has closed) and says how it ended.
    async fn exit_description(&mut self) -> String {
        let status = tokio::time::timeout(SHUTDOWN_GRACE, self.child.wait()).await;
        match status {
            Ok(Ok(status)) => describe_status(&status),
            Ok(Err(err)) => format!("could not be waited for ({err})"),
            Err(_) => "closed its output but did not exit".to_string(),
        }
    }

    /// Empties the stderr file when it has grown large; returns where this trial's
    /// stderr starts.
    fn rotate_stderr(&self) -> u64 {
        let len = std::fs::metadata(&self.stderr)
            .map(|m| m.len())
            .unwrap_or(0);
        if len < STDERR_ROTATE_BYTES {
            return len;
        }
        match OpenOptions::new()
            .write(true)
            .open(&self.stderr)
            .and_then(|f| f.set_len(0))
        {
            Ok(()) => 0,
            Err(err) => {
                tracing::warn!(path = %self.stderr.display(), %err, "cannot empty stderr file");
                len
            }
        }
    }

    /// Closes the shim's input (it exits at end of input), waits briefly, then kills
    /// whatever is left of the group.
    pub(crate) async fn shutdown(self) {
        let PythonWorker {
            mut child,
            group,
            input,
            output,
            ..
        } = self;
        drop(input);
        drop(output);
        let Some(group) = group else { return };
        match tokio::time::timeout(SHUTDOWN_GRACE, child.wait()).await {
            Ok(_) => group.sweep(),
            Err(_) => {
                if let Err(err) = group.terminate(&mut child, Duration::ZERO).await {
                    tracing::warn!(%err, "waiting for the python interpreter");
                }
            }
        }
    }
}

fn open_stderr(ctx: &SlotContext, path: &std::path::Path) -> Result<File, ModelError> {
    let scratch_error = |source| ModelError::Scratch {
        node: ctx.node.clone(),
        slot: ctx.slot,
        path: ctx.scratch.clone(),
        source,
    };
    std::fs::create_dir_all(&ctx.scratch).map_err(scratch_error)?;
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|file| file.set_len(0).map(|()| file))
        .map_err(scratch_error)
}
