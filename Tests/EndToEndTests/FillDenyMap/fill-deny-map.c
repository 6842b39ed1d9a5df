/*
 * fill-deny-map CGROUP_DIRECTORY MAJOR
 *
 * Fills lxc-passthrough's device deny map on a cgroup v2 directory (the map
 * of the program named lxcpt_deny attached there) with block devices
 * MAJOR:0, MAJOR:1, ... until the kernel refuses one more (E2BIG), as if
 * that many devices had been taken back. Prints how many it put in. Exits 1
 * when no such program is attached, or on another error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

static long bpf_call(int command, union bpf_attr *attr) { return syscall(SYS_bpf, command, attr, sizeof *attr); }

static int fail(const char *what) {
    fprintf(stderr, "fill-deny-map: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fill-deny-map CGROUP_DIRECTORY MAJOR\n");
        return 2;
    }
    int cgroup = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgroup < 0) return fail(argv[1]);
    uint32_t ids[64];
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.query.target_fd = (uint32_t)cgroup;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
    attr.query.prog_cnt = 64;
    if (bpf_call(BPF_PROG_QUERY, &attr) < 0) return fail("bpf(BPF_PROG_QUERY)");
    uint32_t count = attr.query.prog_cnt < 64 ? attr.query.prog_cnt : 64;
    int map = -1;
    for (uint32_t index = 0; index < count && map < 0; index++) {
        memset(&attr, 0, sizeof attr);
        attr.prog_id = ids[index];
        int program = (int)bpf_call(BPF_PROG_GET_FD_BY_ID, &attr);
        if (program < 0) continue;
        struct bpf_prog_info info;
        uint32_t map_id = 0;
        memset(&info, 0, sizeof info);
        info.nr_map_ids = 1;
        info.map_ids = (uint64_t)(uintptr_t)&map_id;
        memset(&attr, 0, sizeof attr);
        attr.info.bpf_fd = (uint32_t)program;
        attr.info.info_len = sizeof info;
        attr.info.info = (uint64_t)(uintptr_t)&info;
        if (bpf_call(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0 && strcmp(info.name, "lxcpt_deny") == 0 && info.nr_map_ids == 1) {
            memset(&attr, 0, sizeof attr);
            attr.map_id = map_id;
            map = (int)bpf_call(BPF_MAP_GET_FD_BY_ID, &attr);
            if (map < 0) return fail("bpf(BPF_MAP_GET_FD_BY_ID)");
        }
        close(program);
    }
    if (map < 0) {
        fprintf(stderr, "fill-deny-map: no program lxcpt_deny is attached to %s\n", argv[1]);
        return 1;
    }
    /* The key as lxc-passthrough's program reads it: type (block), major, minor. */
    struct { uint32_t type, major, minor; } key = { BPF_DEVCG_DEV_BLOCK, (uint32_t)strtoul(argv[2], NULL, 10), 0 };
    uint8_t value = 1;
    unsigned added = 0;
    for (;; key.minor++) {
        memset(&attr, 0, sizeof attr);
        attr.map_fd = (uint32_t)map;
        attr.key = (uint64_t)(uintptr_t)&key;
        attr.value = (uint64_t)(uintptr_t)&value;
        attr.flags = BPF_NOEXIST;
        if (bpf_call(BPF_MAP_UPDATE_ELEM, &attr) == 0) { added++; continue; }
        if (errno == EEXIST) continue;
        if (errno == E2BIG) break;
        return fail("bpf(BPF_MAP_UPDATE_ELEM)");
    }
    printf("%u\n", added);
    return 0;
}
