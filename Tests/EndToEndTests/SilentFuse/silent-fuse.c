// silent-fuse: what a hostile container can put on the way to a path: a
// FUSE mount whose server never answers, so that anything that looks into
// it waits. For the end-to-end tests, run as root:
//
//   silent-fuse PID PATH   mounts, in PID's mount namespace, a FUSE file
//                          system at PATH (made if missing) and never reads
//                          a request. Prints "ready" once mounted, then
//                          waits until killed (the mount is then aborted).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "silent-fuse: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: silent-fuse PID PATH\n");
        return 2;
    }
    int fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fuse < 0) die("open /dev/fuse");
    char namespace[64];
    snprintf(namespace, sizeof namespace, "/proc/%s/ns/mnt", argv[1]);
    int target = open(namespace, O_RDONLY | O_CLOEXEC);
    if (target < 0 || setns(target, CLONE_NEWNS) != 0) die("setns");
    if (mkdir(argv[2], 0755) != 0 && errno != EEXIST) die("mkdir");
    char options[128];
    snprintf(options, sizeof options, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fuse);
    if (mount("silent", argv[2], "fuse.silent", MS_NOSUID | MS_NODEV, options) != 0) die("mount");
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
}
