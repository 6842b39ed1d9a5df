// The definitions of include/CLinuxShims.h, from the C library's headers.
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include "CLinuxShims.h"

_Static_assert(sizeof(dev_t) == sizeof(unsigned long long), "dev_t is 64 bits");

const int shim_O_PATH = O_PATH;

int shim_pidfd_open(int pid, unsigned int flags) { return pidfd_open(pid, flags); }
int shim_pidfd_getfd(int pidfd, int targetfd, unsigned int flags) { return pidfd_getfd(pidfd, targetfd, flags); }

int shim_cached_type(const char *path, unsigned int *mode, unsigned int *rdev_major, unsigned int *rdev_minor) {
    struct statx info;
    if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_TYPE, &info) != 0) return -1;
    *mode = info.stx_mode;
    *rdev_major = info.stx_rdev_major;
    *rdev_minor = info.stx_rdev_minor;
    return 0;
}

int shim_birth_time(const char *path, long long *nanoseconds) {
    struct statx info;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BTIME | STATX_CTIME, &info) != 0) return -1;
    struct statx_timestamp time = (info.stx_mask & STATX_BTIME) ? info.stx_btime : info.stx_ctime;
    *nanoseconds = (long long)time.tv_sec * 1000000000LL + time.tv_nsec;
    return 0;
}

int shim_die_with_parent(void) { return prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); }

unsigned long long shim_makedev(unsigned int major, unsigned int minor) { return makedev(major, minor); }
unsigned int shim_major(unsigned long long device) { return major(device); }
unsigned int shim_minor(unsigned long long device) { return minor(device); }
