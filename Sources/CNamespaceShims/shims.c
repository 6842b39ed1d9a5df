// The definitions of include/CNamespaceShims.h, from the C library's headers.
#define _GNU_SOURCE 1
#include <sched.h>
#include <sys/fsuid.h>
#include "CNamespaceShims.h"

const int shim_CLONE_NEWNS = CLONE_NEWNS;

int shim_setns(int fd, int type) { return setns(fd, type); }
int shim_setfsuid(unsigned int uid) { return setfsuid(uid); }
int shim_setfsgid(unsigned int gid) { return setfsgid(gid); }
