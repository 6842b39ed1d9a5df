// The definitions of include/CLinuxShims.h, from the C library's headers.
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <sys/pidfd.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include "CLinuxShims.h"

_Static_assert(sizeof(dev_t) == sizeof(unsigned long long), "dev_t is 64 bits");

const int shim_O_PATH = O_PATH;

int shim_pidfd_open(int pid, unsigned int flags) { return pidfd_open(pid, flags); }
int shim_pidfd_getfd(int pidfd, int targetfd, unsigned int flags) { return pidfd_getfd(pidfd, targetfd, flags); }

unsigned long long shim_makedev(unsigned int major, unsigned int minor) { return makedev(major, minor); }
unsigned int shim_major(unsigned long long device) { return major(device); }
unsigned int shim_minor(unsigned long long device) { return minor(device); }
