// The definitions of include/CNamespaceShims.h, from the C library's headers.
#define _GNU_SOURCE 1
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "CNamespaceShims.h"

const int shim_CLONE_NEWNS = CLONE_NEWNS;

int shim_setns(int fd, int type) { return setns(fd, type); }
int shim_setfsuid(unsigned int uid) { return setfsuid(uid); }
int shim_setfsgid(unsigned int gid) { return setfsgid(gid); }

int shim_openat2_in_root(int dirfd, const char *path, int flags) {
    struct open_how how = { .flags = (unsigned long long)flags, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}
