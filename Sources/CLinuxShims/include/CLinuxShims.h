// What Swift's Glibc module leaves out: O_PATH and pidfd_open/pidfd_getfd,
// which sit behind _GNU_SOURCE, and makedev, major and minor, which are
// macros Swift cannot import. Declared here with plain C types only;
// shims.c defines them from the C library's own headers (nothing is a
// copied value). The headers are not included here: compiled with
// _GNU_SOURCE into this module, their types (struct stat, fd_set) would
// clash with those of Swift's Glibc module.
#ifndef C_LINUX_SHIMS_H
#define C_LINUX_SHIMS_H

/// O_PATH (open(2)): a descriptor that only names a file.
extern const int shim_O_PATH;

/// pidfd_open(2).
int shim_pidfd_open(int pid, unsigned int flags);
/// pidfd_getfd(2): a duplicate of another process's descriptor, sharing its file offset.
int shim_pidfd_getfd(int pidfd, int targetfd, unsigned int flags);

/// makedev(3), major(3), minor(3) (dev_t is 64 bits on Linux).
/// statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_TYPE): the file's type bits and device, as the kernel has them cached.
int shim_cached_type(const char *path, unsigned int *mode, unsigned int *rdev_major, unsigned int *rdev_minor);

/// statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BTIME | STATX_CTIME): the birth time, else the last status change, in ns since the epoch.
int shim_birth_time(const char *path, long long *nanoseconds);

/// prctl(PR_SET_PDEATHSIG, SIGKILL): this process is killed when its parent ends.
int shim_die_with_parent(void);

/// sendmsg(2) of one message with `count` descriptors (SCM_RIGHTS), MSG_NOSIGNAL; the bytes sent, or -1.
long shim_send_with_descriptors(int socket, const void *bytes, unsigned long length, const int *descriptors, int count);
/// recvmsg(2) of one message and up to `capacity` descriptors (MSG_CMSG_CLOEXEC); the bytes received, or -1;
/// `*count` is set to the descriptors received, `*truncated` to 1 when the message or its descriptors did not fit.
long shim_receive_with_descriptors(int socket, void *bytes, unsigned long capacity, int *descriptors, int descriptorCapacity,
                                   int *count, int *truncated);

/// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV:
/// `path` (relative) resolved below `dirfd`, on its mount, through no symlink.
int shim_openat2_beneath(int dirfd, const char *path, int flags);

unsigned long long shim_makedev(unsigned int major, unsigned int minor);
unsigned int shim_major(unsigned long long device);
unsigned int shim_minor(unsigned long long device);

#endif
