//! Reading a stopped tracee: its syscall (`PTRACE_GET_SYSCALL_INFO`), strings from its
//! memory (`process_vm_readv`), and its cwd, fds, exe and thread group from `/proc`.

use nix::errno::Errno;
use nix::unistd::Pid;

/// `struct ptrace_syscall_info` (linux/ptrace.h): a header and a union of 8 words.
#[repr(C)]
#[derive(Default)]
struct RawSyscallInfo {
    op: u8,
    _pad: [u8; 3],
    arch: u32,
    instruction_pointer: u64,
    stack_pointer: u64,
    data: [u64; 8],
}

/// What `PTRACE_GET_SYSCALL_INFO` reports at a stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyscallInfo {
    /// A seccomp stop: the syscall number and its arguments, before it runs.
    Seccomp { nr: u64, args: [u64; 6] },
    /// A syscall-exit stop: the raw return value.
    Exit { rval: i64 },
    /// Any other stop.
    Other,
}

/// The syscall state of a stopped tracee.
pub fn syscall_info(pid: Pid) -> Result<SyscallInfo, Errno> {
    let mut raw = RawSyscallInfo::default();
    // SAFETY: the kernel writes at most `size` bytes into `raw`.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_GET_SYSCALL_INFO,
            pid.as_raw(),
            std::mem::size_of::<RawSyscallInfo>(),
            &mut raw as *mut RawSyscallInfo,
        )
    };
    if ret < 0 {
        return Err(Errno::last());
    }
    let d = raw.data;
    Ok(match raw.op {
        libc::PTRACE_SYSCALL_INFO_SECCOMP => SyscallInfo::Seccomp {
            nr: d[0],
            args: [d[1], d[2], d[3], d[4], d[5], d[6]],
        },
        libc::PTRACE_SYSCALL_INFO_EXIT => SyscallInfo::Exit { rval: d[0] as i64 },
        _ => SyscallInfo::Other,
    })
}

/// Read a NUL-terminated string (at most `PATH_MAX` bytes) from the tracee.
pub fn read_cstring(pid: Pid, addr: u64) -> Option<String> {
    const PAGE: u64 = 4096;
    const CHUNK: u64 = 512;
    let mut out: Vec<u8> = Vec::new();
    let mut buf = [0u8; CHUNK as usize];
    let mut addr = addr;
    while out.len() < libc::PATH_MAX as usize {
        // Never cross a page boundary in one read: the next page may be unmapped.
        let len = CHUNK.min(PAGE - addr % PAGE) as usize;
        let local = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: len,
        };
        let remote = libc::iovec {
            iov_base: addr as *mut libc::c_void,
            iov_len: len,
        };
        // SAFETY: local points to `len` writable bytes; remote memory is the tracee's.
        let n = unsafe { libc::process_vm_readv(pid.as_raw(), &local, 1, &remote, 1, 0) };
        if n <= 0 {
            return None;
        }
        let n = n as usize;
        if let Some(end) = buf[..n].iter().position(|b| *b == 0) {
            out.extend_from_slice(&buf[..end]);
            return Some(String::from_utf8_lossy(&out).into_owned());
        }
        out.extend_from_slice(&buf[..n]);
        addr += n as u64;
    }
    None
}

/// Where `/proc/PID/<entry>` points (cwd, exe, fd/N, ns/mnt).
pub fn proc_link(pid: i32, entry: &str) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/{entry}"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// Thread-group id and parent pid of a task, from `/proc/TID/status`.
pub fn tgid_and_ppid(tid: i32) -> Option<(i32, i32)> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    parse_status(&status)
}

fn parse_status(status: &str) -> Option<(i32, i32)> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<i32>().ok())
    };
    Some((field("Tgid:")?, field("PPid:")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_parsed() {
        let text =
            "Name:\tpython\nUmask:\t0022\nState:\tS\nTgid:\t41\nNgid:\t0\nPid:\t42\nPPid:\t7\n";
        assert_eq!(parse_status(text), Some((41, 7)));
        assert_eq!(parse_status("Name:\tx\n"), None);
    }

    #[test]
    fn reads_own_memory_and_proc() {
        let me = Pid::this();
        let text = std::ffi::CString::new("/some/path").unwrap();
        let got = read_cstring(me, text.as_ptr() as u64);
        assert_eq!(got.as_deref(), Some("/some/path"));
        let long = std::ffi::CString::new("d/".repeat(900)).unwrap();
        let got = read_cstring(me, long.as_ptr() as u64).unwrap();
        assert_eq!(got.len(), 1800, "strings longer than one read chunk");
        assert!(proc_link(me.as_raw(), "cwd").is_some());
        let (tgid, _) = tgid_and_ppid(me.as_raw()).unwrap();
        assert_eq!(tgid, me.as_raw());
    }
}
