//! The passthrough filesystem: every request is carried out at once on the backing
//! directory; metadata requests (lookup, getattr, setattr, readlink, mknod, mkdir,
//! unlink, rmdir, symlink, rename, link, open, create, opendir, readdir, statfs,
//! access) are counted and answered when the queue says (see `queue`); data requests
//! (read, write, flush, fsync, fallocate) and closes (release, releasedir) are
//! answered at once, as a parallel filesystem serves them from the object servers or
//! the client.
//!
//! The backing directory is reached through a descriptor opened before mounting
//! (`/proc/self/fd/N`), so the simulator can be mounted over the very directory it
//! mirrors.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fuser::{
    FileAttr, FileType, Filesystem, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow,
};
use libc::c_int;

use crate::attr;
use crate::delay::Delayer;
use crate::inodes::Inodes;
use crate::stats::SharedBooks;

pub struct Mirror {
    root: PathBuf,
    ttl: Duration,
    inodes: Inodes,
    files: HashMap<u64, File>,
    dirs: HashMap<u64, Vec<(u64, FileType, std::ffi::OsString)>>,
    next_fh: u64,
    books: SharedBooks,
    delayer: Delayer,
}

fn errno(e: io::Error) -> c_int {
    e.raw_os_error().unwrap_or(libc::EIO)
}

impl Mirror {
    /// `root`: the backing directory as a path that stays valid under the mount.
    pub fn new(root: PathBuf, ttl: Duration, books: SharedBooks, delayer: Delayer) -> Self {
        Mirror {
            root,
            ttl,
            inodes: Inodes::new(),
            files: HashMap::new(),
            dirs: HashMap::new(),
            next_fh: 1,
            books,
            delayer,
        }
    }

    /// Counts `op` and sends `answer` when the queue has served it.
    fn answer(&self, op: &'static str, answer: impl FnOnce() + Send + 'static) {
        let at: Instant = self.books.lock().expect("books").admit(op);
        self.delayer.at(at, Box::new(answer));
    }

    fn rel(&self, ino: u64) -> Result<PathBuf, c_int> {
        self.inodes
            .path(ino)
            .map(Path::to_path_buf)
            .ok_or(libc::ESTALE)
    }

    fn full(&self, ino: u64) -> Result<PathBuf, c_int> {
        Ok(self.root.join(self.rel(ino)?))
    }

    fn child(&self, parent: u64, name: &OsStr) -> Result<(PathBuf, PathBuf), c_int> {
        let rel = self.rel(parent)?.join(name);
        Ok((self.root.join(&rel), rel))
    }

    /// Attributes of `rel`, numbering it.
    fn stat_rel(&mut self, rel: PathBuf) -> Result<FileAttr, c_int> {
        let meta = fs::symlink_metadata(self.root.join(&rel)).map_err(errno)?;
        let ino = self.inodes.intern(meta.dev(), meta.ino(), rel);
        Ok(attr::of(&meta, ino))
    }

    fn reply_entry(&self, op: &'static str, res: Result<FileAttr, c_int>, reply: ReplyEntry) {
        let ttl = self.ttl;
        self.answer(op, move || match res {
            Ok(a) => reply.entry(&ttl, &a, 0),
            Err(e) => reply.error(e),
        });
    }

    fn reply_empty(&self, op: &'static str, res: Result<(), c_int>, reply: ReplyEmpty) {
        self.answer(op, move || match res {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        });
    }

    fn fh(&mut self) -> u64 {
        self.next_fh += 1;
        self.next_fh
    }

    fn set_attrs(&mut self, ino: u64, change: AttrChange) -> Result<FileAttr, c_int> {
        let path = self.full(ino)?;
        if let Some(mode) = change.mode {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode & 0o7777)).map_err(errno)?;
        }
        if change.uid.is_some() || change.gid.is_some() {
            std::os::unix::fs::lchown(&path, change.uid, change.gid).map_err(errno)?;
        }
        if let Some(size) = change.size {
            match change.fh.and_then(|fh| self.files.get(&fh)) {
                Some(f) => f.set_len(size).map_err(errno)?,
                None => OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .and_then(|f| f.set_len(size))
                    .map_err(errno)?,
            }
        }
        if change.atime.is_some() || change.mtime.is_some() {
            let spec = |t: Option<TimeOrNow>| match t {
                None => nix::sys::time::TimeSpec::UTIME_OMIT,
                Some(TimeOrNow::Now) => nix::sys::time::TimeSpec::UTIME_NOW,
                Some(TimeOrNow::SpecificTime(t)) => {
                    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                    nix::sys::time::TimeSpec::from_duration(d)
                }
            };
            nix::sys::stat::utimensat(
                None,
                &path,
                &spec(change.atime),
                &spec(change.mtime),
                nix::sys::stat::UtimensatFlags::NoFollowSymlink,
            )
            .map_err(|e| e as c_int)?;
        }
        self.stat_rel(self.rel(ino)?)
    }

    fn list(&mut self, ino: u64) -> Result<Vec<(u64, FileType, std::ffi::OsString)>, c_int> {
        let rel = self.rel(ino)?;
        let mut entries = vec![
            (ino, FileType::Directory, ".".into()),
            (ino, FileType::Directory, "..".into()),
        ];
        for entry in fs::read_dir(self.root.join(&rel)).map_err(errno)? {
            let entry = entry.map_err(errno)?;
            let kind = entry
                .file_type()
                .map(attr::kind)
                .unwrap_or(FileType::RegularFile);
            let dev = entry.metadata().map(|m| m.dev()).unwrap_or(0);
            let child = self
                .inodes
                .intern(dev, entry.ino(), rel.join(entry.file_name()));
            entries.push((child, kind, entry.file_name()));
        }
        Ok(entries)
    }
}

/// What a setattr request changes.
struct AttrChange {
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
    size: Option<u64>,
    atime: Option<TimeOrNow>,
    mtime: Option<TimeOrNow>,
    fh: Option<u64>,
}

fn open_options(flags: i32) -> OpenOptions {
    let mut o = OpenOptions::new();
    match flags & libc::O_ACCMODE {
        libc::O_WRONLY => o.write(true),
        libc::O_RDWR => o.read(true).write(true),
        _ => o.read(true),
    };
    o.custom_flags(flags & !(libc::O_ACCMODE | libc::O_CREAT | libc::O_EXCL | libc::O_TRUNC));
    if flags & libc::O_TRUNC != 0 && flags & libc::O_ACCMODE != libc::O_RDONLY {
        o.truncate(true);
    }
    o
}

use std::os::unix::fs::DirEntryExt;

impl Filesystem for Mirror {
    fn lookup(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEntry) {
        let res = self.rel(parent).and_then(|p| self.stat_rel(p.join(name)));
        self.reply_entry("lookup", res, reply);
    }

    fn getattr(&mut self, _req: &Request<'_>, ino: u64, _fh: Option<u64>, reply: ReplyAttr) {
        let res = self.rel(ino).and_then(|p| self.stat_rel(p));
        let ttl = self.ttl;
        self.answer("getattr", move || match res {
            Ok(a) => reply.attr(&ttl, &a),
            Err(e) => reply.error(e),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn setattr(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<std::time::SystemTime>,
        fh: Option<u64>,
        _crtime: Option<std::time::SystemTime>,
        _chgtime: Option<std::time::SystemTime>,
        _bkuptime: Option<std::time::SystemTime>,
        _flags: Option<u32>,
        reply: ReplyAttr,
    ) {
        let change = AttrChange {
            mode,
            uid,
            gid,
            size,
            atime,
            mtime,
            fh,
        };
        let res = self.set_attrs(ino, change);
        let ttl = self.ttl;
        self.answer("setattr", move || match res {
            Ok(a) => reply.attr(&ttl, &a),
            Err(e) => reply.error(e),
        });
    }

    fn readlink(&mut self, _req: &Request<'_>, ino: u64, reply: ReplyData) {
        let res = self.full(ino).and_then(|p| fs::read_link(p).map_err(errno));
        self.answer("readlink", move || match res {
            Ok(t) => reply.data(t.as_os_str().as_encoded_bytes()),
            Err(e) => reply.error(e),
        });
    }

    fn mknod(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        umask: u32,
        rdev: u32,
        reply: ReplyEntry,
    ) {
        let res = self.child(parent, name).and_then(|(full, rel)| {
            nix::sys::stat::mknod(
                &full,
                nix::sys::stat::SFlag::from_bits_truncate(mode & libc::S_IFMT),
                nix::sys::stat::Mode::from_bits_truncate(mode & !umask & 0o7777),
                rdev as libc::dev_t,
            )
            .map_err(|e| e as c_int)?;
            self.stat_rel(rel)
        });
        self.reply_entry("mknod", res, reply);
    }

    fn mkdir(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        let res = self.child(parent, name).and_then(|(full, rel)| {
            fs::DirBuilder::new()
                .mode(mode & !umask & 0o7777)
                .create(&full)
                .map_err(errno)?;
            self.stat_rel(rel)
        });
        self.reply_entry("mkdir", res, reply);
    }

    fn unlink(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        let res = self
            .child(parent, name)
            .and_then(|(full, _)| fs::remove_file(full).map_err(errno));
        self.reply_empty("unlink", res, reply);
    }

    fn rmdir(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        let res = self
            .child(parent, name)
            .and_then(|(full, _)| fs::remove_dir(full).map_err(errno));
        self.reply_empty("rmdir", res, reply);
    }

    fn symlink(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        link_name: &OsStr,
        target: &Path,
        reply: ReplyEntry,
    ) {
        let res = self.child(parent, link_name).and_then(|(full, rel)| {
            std::os::unix::fs::symlink(target, &full).map_err(errno)?;
            self.stat_rel(rel)
        });
        self.reply_entry("symlink", res, reply);
    }

    fn rename(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        newparent: u64,
        newname: &OsStr,
        flags: u32,
        reply: ReplyEmpty,
    ) {
        let res = self.child(parent, name).and_then(|(from, from_rel)| {
            let (to, to_rel) = self.child(newparent, newname)?;
            if flags == 0 {
                fs::rename(&from, &to).map_err(errno)?;
            } else {
                nix::fcntl::renameat2(
                    None,
                    &from,
                    None,
                    &to,
                    nix::fcntl::RenameFlags::from_bits_truncate(flags),
                )
                .map_err(|e| e as c_int)?;
            }
            self.inodes.renamed(&from_rel, &to_rel);
            Ok(())
        });
        self.reply_empty("rename", res, reply);
    }

    fn link(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        newparent: u64,
        newname: &OsStr,
        reply: ReplyEntry,
    ) {
        let res = self.full(ino).and_then(|src| {
            let (to, rel) = self.child(newparent, newname)?;
            fs::hard_link(src, to).map_err(errno)?;
            self.stat_rel(rel)
        });
        self.reply_entry("link", res, reply);
    }

    fn open(&mut self, _req: &Request<'_>, ino: u64, flags: i32, reply: ReplyOpen) {
        let res = self
            .full(ino)
            .and_then(|p| open_options(flags).open(p).map_err(errno));
        let res = res.map(|f| {
            let fh = self.fh();
            self.files.insert(fh, f);
            fh
        });
        self.answer("open", move || match res {
            Ok(fh) => reply.opened(fh, 0),
            Err(e) => reply.error(e),
        });
    }

    fn create(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let res = self.child(parent, name).and_then(|(full, rel)| {
            // Created files are opened read-write whatever the access mode asked.
            let mut o = open_options((flags & !libc::O_ACCMODE) | libc::O_RDWR);
            o.create(true).mode(mode & !umask & 0o7777);
            if flags & libc::O_EXCL != 0 {
                o.create_new(true);
            }
            let file = o.open(&full).map_err(errno)?;
            let attr = self.stat_rel(rel)?;
            let fh = self.fh();
            self.files.insert(fh, file);
            Ok((attr, fh))
        });
        let ttl = self.ttl;
        self.answer("create", move || match res {
            Ok((a, fh)) => reply.created(&ttl, &a, 0, fh, 0),
            Err(e) => reply.error(e),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn read(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        fh: u64,
        offset: i64,
        size: u32,
        _flags: i32,
        _lock: Option<u64>,
        reply: ReplyData,
    ) {
        let Some(file) = self.files.get(&fh) else {
            return reply.error(libc::EBADF);
        };
        let mut buf = vec![0; size as usize];
        let mut done = 0;
        while done < buf.len() {
            match file.read_at(&mut buf[done..], offset as u64 + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return reply.error(errno(e)),
            }
        }
        reply.data(&buf[..done]);
    }

    #[allow(clippy::too_many_arguments)]
    fn write(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        fh: u64,
        offset: i64,
        data: &[u8],
        _wflags: u32,
        _flags: i32,
        _lock: Option<u64>,
        reply: ReplyWrite,
    ) {
        match self
            .files
            .get(&fh)
            .map(|f| f.write_all_at(data, offset as u64))
        {
            Some(Ok(())) => reply.written(data.len() as u32),
            Some(Err(e)) => reply.error(errno(e)),
            None => reply.error(libc::EBADF),
        }
    }

    fn flush(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        _fh: u64,
        _lock_owner: u64,
        reply: ReplyEmpty,
    ) {
        reply.ok();
    }

    fn release(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        fh: u64,
        _flags: i32,
        _lock: Option<u64>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.files.remove(&fh);
        reply.ok();
    }

    fn fsync(&mut self, _req: &Request<'_>, _ino: u64, fh: u64, datasync: bool, reply: ReplyEmpty) {
        let res = match self.files.get(&fh) {
            Some(f) if datasync => f.sync_data(),
            Some(f) => f.sync_all(),
            None => return reply.error(libc::EBADF),
        };
        match res {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(errno(e)),
        }
    }

    fn fallocate(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        fh: u64,
        offset: i64,
        length: i64,
        mode: i32,
        reply: ReplyEmpty,
    ) {
        let Some(f) = self.files.get(&fh) else {
            return reply.error(libc::EBADF);
        };
        use std::os::fd::AsRawFd;
        // SAFETY: a valid descriptor of an open file; plain integer arguments.
        let rc = unsafe { libc::fallocate(f.as_raw_fd(), mode, offset, length) };
        if rc == 0 {
            reply.ok()
        } else {
            reply.error(errno(io::Error::last_os_error()))
        }
    }

    fn opendir(&mut self, _req: &Request<'_>, ino: u64, _flags: i32, reply: ReplyOpen) {
        let res = self.list(ino).map(|entries| {
            let fh = self.fh();
            self.dirs.insert(fh, entries);
            fh
        });
        self.answer("opendir", move || match res {
            Ok(fh) => reply.opened(fh, 0),
            Err(e) => reply.error(e),
        });
    }

    fn readdir(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        fh: u64,
        offset: i64,
        mut reply: ReplyDirectory,
    ) {
        let Some(entries) = self.dirs.get(&fh) else {
            return reply.error(libc::EBADF);
        };
        let rest: Vec<_> = entries
            .iter()
            .enumerate()
            .skip(offset.max(0) as usize)
            .map(|(i, e)| (i, e.clone()))
            .collect();
        self.answer("readdir", move || {
            for (i, (ino, kind, name)) in rest {
                if reply.add(ino, i as i64 + 1, kind, name) {
                    break;
                }
            }
            reply.ok();
        });
    }

    fn releasedir(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        fh: u64,
        _flags: i32,
        reply: ReplyEmpty,
    ) {
        self.dirs.remove(&fh);
        reply.ok();
    }

    fn statfs(&mut self, _req: &Request<'_>, _ino: u64, reply: ReplyStatfs) {
        let res = nix::sys::statvfs::statvfs(&self.root).map_err(|e| e as c_int);
        self.answer("statfs", move || match res {
            Ok(s) => reply.statfs(
                s.blocks(),
                s.blocks_free(),
                s.blocks_available(),
                s.files(),
                s.files_free(),
                s.block_size() as u32,
                s.name_max() as u32,
                s.fragment_size() as u32,
            ),
            Err(e) => reply.error(e),
        });
    }

    fn access(&mut self, _req: &Request<'_>, ino: u64, mask: i32, reply: ReplyEmpty) {
        let res = self.full(ino).and_then(|p| {
            nix::unistd::access(&p, nix::unistd::AccessFlags::from_bits_truncate(mask))
                .map_err(|e| e as c_int)
        });
        self.reply_empty("access", res, reply);
    }
}
