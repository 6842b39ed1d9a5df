// What live attach needs and Swift's Glibc module leaves out (behind
// _GNU_SOURCE): setns, setfsuid, setfsgid and CLONE_NEWNS. Declared with
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

#endif
