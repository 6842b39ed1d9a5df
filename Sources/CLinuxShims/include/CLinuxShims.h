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

#endif
