//! Start the command to trace: fork, `PTRACE_TRACEME`, stop for the tracer to set its
//! options, install the seccomp filter (after `PR_SET_NO_NEW_PRIVS`), exec.
//!
//! Between fork and exec the child only makes async-signal-safe system calls; every
//! allocation happens before the fork. A failure in the child is written to a
//! close-on-exec pipe as (step, errno) and the child exits with 127.

use crate::error::{ptrace_denied_hint, TraceError};
use nix::errno::Errno;
use nix::unistd::Pid;
use seccompiler::BpfProgram;
use std::ffi::{CString, OsString};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Steps of the child that can fail, as written to the error pipe.
const STEP_TRACEME: u8 = 1;
const STEP_SECCOMP: u8 = 2;
const STEP_EXEC: u8 = 3;

/// A forked child, stopped and waiting for the tracer's options.
#[derive(Debug)]
pub struct Child {
    pub pid: Pid,
    pub program: PathBuf,
    error_pipe: OwnedFd,
}

/// Find `name` like `execvp` does: as given when it holds a `/`, else in `PATH`.
pub fn find_program(name: &OsString) -> Result<PathBuf, TraceError> {
    let given = Path::new(name);
    if name.as_bytes().contains(&b'/') {
        return if is_executable(given) {
            Ok(given.to_path_buf())
        } else {
            Err(TraceError::CommandNotFound {
                name: given.display().to_string(),
                searched: Vec::new(),
            })
        };
    }
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.iter()
        .map(|d| d.join(given))
        .find(|p| is_executable(p))
        .ok_or(TraceError::CommandNotFound {
            name: given.display().to_string(),
            searched: dirs,
        })
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn cstring(bytes: &[u8], index: usize) -> Result<CString, TraceError> {
    CString::new(bytes).map_err(|_| TraceError::NulInArgument { index })
}

/// What the traced command gets besides its arguments.
#[derive(Debug, Default)]
pub struct SpawnOptions {
    /// Variables added to (or replacing in) the inherited environment.
    pub env: Vec<(OsString, OsString)>,
    /// The command's standard error, instead of ours.
    pub stderr: Option<OwnedFd>,
}

impl SpawnOptions {
    /// These options with the command's stderr sent into a new pipe; returns the
    /// pipe's read end.
    pub fn with_stderr_pipe(mut self) -> std::io::Result<(Self, std::fs::File)> {
        let (read_end, write_end) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        self.stderr = Some(write_end);
        Ok((self, std::fs::File::from(read_end)))
    }
}

/// The inherited environment with `extra` set, as `NAME=value` C strings.
fn environment(extra: &[(OsString, OsString)]) -> Result<Vec<CString>, TraceError> {
    let mut vars: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
        .collect();
    vars.extend(extra.iter().cloned());
    vars.iter()
        .map(|(k, v)| {
            let mut bytes = k.as_bytes().to_vec();
            bytes.push(b'=');
            bytes.extend_from_slice(v.as_bytes());
            CString::new(bytes).map_err(|_| TraceError::NulInArgument { index: 0 })
        })
        .collect()
}

/// Fork the command stopped under ptrace, its filter not installed yet.
pub fn spawn(
    argv: &[OsString],
    filter: &BpfProgram,
    options: &SpawnOptions,
) -> Result<Child, TraceError> {
    let name = argv.first().ok_or(TraceError::EmptyCommand)?;
    let program = find_program(name)?;
    let c_program = cstring(program.as_os_str().as_bytes(), 0)?;
    let c_args = argv
        .iter()
        .enumerate()
        .map(|(i, a)| cstring(a.as_bytes(), i))
        .collect::<Result<Vec<_>, _>>()?;
    let mut c_argv: Vec<*const libc::c_char> = c_args.iter().map(|a| a.as_ptr()).collect();
    c_argv.push(std::ptr::null());
    let c_env = environment(&options.env)?;
    let mut c_envp: Vec<*const libc::c_char> = c_env.iter().map(|a| a.as_ptr()).collect();
    c_envp.push(std::ptr::null());
    let stderr = options.stderr.as_ref().map(AsRawFd::as_raw_fd);

    let (read_end, write_end) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|errno| TraceError::Spawn {
            what: "pipe2",
            errno,
        })?;
    // SAFETY: the child runs only async-signal-safe calls (see `child_main`) and
    // never returns.
    match unsafe { nix::unistd::fork() } {
        Err(errno) => Err(TraceError::Spawn {
            what: "fork",
            errno,
        }),
        Ok(nix::unistd::ForkResult::Child) => {
            drop(read_end);
            let exec = Exec {
                program: &c_program,
                argv: &c_argv,
                envp: &c_envp,
                stderr,
            };
            child_main(write_end.as_raw_fd(), &exec, filter)
        }
        Ok(nix::unistd::ForkResult::Parent { child }) => {
            drop(write_end);
            Ok(Child {
                pid: child,
                program,
                error_pipe: read_end,
            })
        }
    }
}

/// Everything the child needs for exec, built before the fork.
struct Exec<'a> {
    program: &'a CString,
    argv: &'a [*const libc::c_char],
    envp: &'a [*const libc::c_char],
    stderr: Option<libc::c_int>,
}

fn child_main(pipe: libc::c_int, exec: &Exec<'_>, filter: &BpfProgram) -> ! {
    let fail = |step: u8| -> ! {
        let errno = Errno::last_raw().to_ne_bytes();
        let msg = [step, errno[0], errno[1], errno[2], errno[3]];
        // SAFETY: write(2) and _exit(2) are async-signal-safe; msg outlives the call.
        unsafe {
            libc::write(pipe, msg.as_ptr().cast(), msg.len());
            libc::_exit(127)
        }
    };
    // SAFETY: plain system calls with valid arguments, no allocation.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        if let Some(fd) = exec.stderr {
            if libc::dup2(fd, 2) < 0 {
                fail(STEP_EXEC);
            }
        }
        if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
            fail(STEP_TRACEME);
        }
        libc::raise(libc::SIGSTOP);
    }
    if seccompiler::apply_filter(filter).is_err() {
        fail(STEP_SECCOMP);
    }
    // SAFETY: program, argv and envp are NUL-terminated C strings (and NULL-terminated
    // arrays) built before the fork.
    unsafe {
        libc::execve(
            exec.program.as_ptr(),
            exec.argv.as_ptr(),
            exec.envp.as_ptr(),
        );
    }
    fail(STEP_EXEC)
}

impl Child {
    /// After the child has exited or exec'd: the error it reported, if any.
    pub fn take_error(&self) -> Option<TraceError> {
        let mut msg = [0u8; 5];
        let n = nix::unistd::read(self.error_pipe.as_raw_fd(), &mut msg).ok()?;
        if n != msg.len() {
            return None;
        }
        let errno = Errno::from_raw(i32::from_ne_bytes([msg[1], msg[2], msg[3], msg[4]]));
        Some(match msg[0] {
            STEP_TRACEME if errno == Errno::EPERM => TraceError::PtraceDenied {
                errno,
                hint: ptrace_denied_hint(),
            },
            STEP_TRACEME => TraceError::Ptrace {
                request: "PTRACE_TRACEME",
                pid: self.pid.as_raw(),
                errno,
            },
            STEP_SECCOMP => TraceError::SeccompInstall { errno },
            _ => TraceError::Exec {
                path: self.program.clone(),
                source: std::io::Error::from_raw_os_error(errno as i32),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_on_path() {
        let found = find_program(&OsString::from("sh")).unwrap();
        assert!(found.is_absolute(), "{}", found.display());
    }

    #[test]
    fn missing_command_is_named() {
        let err = find_program(&OsString::from("no-such-tool-xyz")).unwrap_err();
        assert!(err.to_string().contains("no-such-tool-xyz"));
        let err = find_program(&OsString::from("./no/such/file")).unwrap_err();
        assert!(matches!(err, TraceError::CommandNotFound { .. }));
    }
}
