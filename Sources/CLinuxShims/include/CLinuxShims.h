// Linux system calls that glibc has no wrapper for (or hides behind
// _GNU_SOURCE), as inline functions Swift can import; `syscall` itself is
// variadic and not importable.
#ifndef C_LINUX_SHIMS_H
#define C_LINUX_SHIMS_H

#include <sys/syscall.h>
#include <unistd.h>

/// pidfd_open(2)
static inline int shim_pidfd_open(int pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/// pidfd_getfd(2): a duplicate of another process's descriptor, sharing its file offset.
static inline int shim_pidfd_getfd(int pidfd, int targetfd) {
    return (int)syscall(SYS_pidfd_getfd, pidfd, targetfd, 0);
}

/// fsopen(2): a file system context for a new superblock.
static inline int shim_fsopen(const char *type, unsigned int flags) {
    return (int)syscall(SYS_fsopen, type, flags);
}

/// fsconfig(2) with a string value (FSCONFIG_SET_STRING) or a command (value NULL).
static inline int shim_fsconfig(int context, unsigned int command, const char *key, const char *value) {
    return (int)syscall(SYS_fsconfig, context, command, key, value, 0);
}

/// fsmount(2): a detached mount of the context's superblock.
static inline int shim_fsmount(int context, unsigned int flags, unsigned int attributes) {
    return (int)syscall(SYS_fsmount, context, flags, attributes);
}

/// open_tree(2).
static inline int shim_open_tree(int directory, const char *path, unsigned int flags) {
    return (int)syscall(SYS_open_tree, directory, path, flags);
}

/// move_mount(2).
static inline int shim_move_mount(int fromDirectory, const char *fromPath, int toDirectory, const char *toPath, unsigned int flags) {
    return (int)syscall(SYS_move_mount, fromDirectory, fromPath, toDirectory, toPath, flags);
}

/// setns(2).
static inline int shim_setns(int fd, int type) {
    return (int)syscall(SYS_setns, fd, type);
}

/// setfsuid(2) and setfsgid(2) (this thread's file system ids); return the previous id.
static inline int shim_setfsuid(unsigned int uid) {
    return (int)syscall(SYS_setfsuid, uid);
}
static inline int shim_setfsgid(unsigned int gid) {
    return (int)syscall(SYS_setfsgid, gid);
}

#endif
