// What live attach needs and Swift's Glibc module leaves out (behind
// _GNU_SOURCE): setns, setfsuid, setfsgid and CLONE_NEWNS; and openat2, which
// glibc 2.36 does not wrap, for reading a container's files confined to its root. Declared with
// plain C types; shims.c defines them from the C library's own headers (see
// CLinuxShims for why the headers are not included here). A target of its
// own so that the hooks, which never enter a namespace, do not link it.
#ifndef C_NAMESPACE_SHIMS_H
#define C_NAMESPACE_SHIMS_H

/// CLONE_NEWNS (setns(2)).
extern const int shim_CLONE_NEWNS;

/// setns(2).
int shim_setns(int fd, int type);
/// setfsuid(2) and setfsgid(2): this thread's file system ids; return the previous id.
int shim_setfsuid(unsigned int uid);
int shim_setfsgid(unsigned int gid);

/// openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: `path` resolved as
/// if `dirfd` were the root directory (`..` and absolute symlinks stay in it),
/// never through a /proc magic link. Returns a descriptor, or -1 and errno.
int shim_openat2_in_root(int dirfd, const char *path, int flags);

#endif
