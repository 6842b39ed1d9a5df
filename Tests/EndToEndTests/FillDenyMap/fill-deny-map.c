/*
 * fill-deny-map CGROUP_DIRECTORY MAJOR
 *
 * Fills lxc-passthrough's device deny map on a cgroup v2 directory with
 * block devices MAJOR:0, MAJOR:1, ... until the kernel refuses one more
 * (E2BIG), as if that many devices had been taken back. Prints how many
 * it put in. Built with the package's own device_deny_program.c, whose
 * find and set it calls. Exits 1 when no such program is attached, or on
 * another error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "CNamespaceShims.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fill-deny-map CGROUP_DIRECTORY MAJOR\n");
        return 2;
    }
    int cgroup = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int map = -1;
    if (cgroup < 0 || shim_device_deny_find(cgroup, &map) != 0) {
        fprintf(stderr, "fill-deny-map: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    if (map < 0) {
        fprintf(stderr, "fill-deny-map: no program lxcpt_deny is attached to %s\n", argv[1]);
        return 1;
    }
    unsigned major = (unsigned)strtoul(argv[2], NULL, 10), added = 0;
    for (unsigned minor = 0;; minor++) {
        int present = shim_device_deny_contains(map, 1, major, minor);
        if (present < 0 || (present == 0 && shim_device_deny_set(map, 1, major, minor, 1) != 0)) {
            if (present == 0 && errno == E2BIG) break;
            fprintf(stderr, "fill-deny-map: bpf on the map: %s\n", strerror(errno));
            return 1;
        }
        added += (unsigned)!present;
    }
    printf("%u\n", added);
    return 0;
}
