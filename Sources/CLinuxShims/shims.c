// The definitions of include/CLinuxShims.h, from the C library's headers.
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>
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

/* At most this many descriptors go with one message. */
enum { shim_most_descriptors = 4 };

long shim_send_with_descriptors(int socket, const void *bytes, unsigned long length, const int *descriptors, int count) {
    if (count < 0 || count > shim_most_descriptors) { errno = EINVAL; return -1; }
    union { char buffer[CMSG_SPACE(sizeof(int) * shim_most_descriptors)]; struct cmsghdr align; } control;
    memset(&control, 0, sizeof control);
    struct iovec vector = { .iov_base = (void *)bytes, .iov_len = length };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1 };
    if (count > 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * count);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * count);
        memcpy(CMSG_DATA(header), descriptors, sizeof(int) * count);
    }
    return sendmsg(socket, &message, MSG_NOSIGNAL);
}

long shim_receive_with_descriptors(int socket, void *bytes, unsigned long capacity, int *descriptors, int descriptorCapacity,
                                   int *count, int *truncated) {
    union { char buffer[CMSG_SPACE(sizeof(int) * shim_most_descriptors)]; struct cmsghdr align; } control;
    struct iovec vector = { .iov_base = bytes, .iov_len = capacity };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer };
    *count = 0;
    *truncated = 0;
    long received = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
    if (received < 0) return -1;
    if (message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) *truncated = 1;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        int carried = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int index = 0; index < carried; index++) {
            int descriptor;
            memcpy(&descriptor, CMSG_DATA(header) + index * sizeof(int), sizeof(int));
            /* More than asked for: closed, never handed on. */
            if (*count < descriptorCapacity) descriptors[(*count)++] = descriptor; else { close(descriptor); *truncated = 1; }
        }
    }
    return received;
}

int shim_openat2_beneath(int dirfd, const char *path, int flags) {
    struct open_how how = {
        .flags = (unsigned long long)flags,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}
