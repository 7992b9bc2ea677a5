//! Profile the filesystem-metadata syscalls of a command tree with ptrace + seccomp.
