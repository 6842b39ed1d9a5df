// A device cgroup program of lxc-passthrough's own, attached beside LXC's
// (BPF_F_ALLOW_MULTI) to a container's cgroup on cgroup v2: it denies every
// access to the device numbers in its hash map and lets everything else go
// on to LXC's program. The kernel allows an access only when every program
// attached on the way to the root allows it, so this program can only take
// access away: a number put into its map is denied at once, whatever LXC's
// program allows, with no round trip to the container's monitor.
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "CNamespaceShims.h"

// The map's key: what the kernel passes a device program (bpf_cgroup_dev_ctx),
// the access bits taken out of the type.
struct deny_key {
    uint32_t type; // BPF_DEVCG_DEV_BLOCK or BPF_DEVCG_DEV_CHAR
    uint32_t major;
    uint32_t minor;
};

static const char program_name[] = "lxcpt_deny";
static const char map_name[] = "lxcpt_denied";
enum { map_entries = 4096 };
const int shim_device_deny_capacity = map_entries;

static long bpf_call(int command, union bpf_attr *attr) {
    return syscall(SYS_bpf, command, attr, sizeof *attr);
}

static int device_type(int block) { return block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR; }

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

int shim_device_deny_attach(int cgroup, int *map_out) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_HASH;
    attr.key_size = sizeof(struct deny_key);
    attr.value_size = 1;
    attr.max_entries = map_entries;
    memcpy(attr.map_name, map_name, sizeof map_name);
    int map = (int)bpf_call(BPF_MAP_CREATE, &attr);
    if (map < 0) return -1;

    // r2 = ctx->access_type & 0xffff; key = { r2, ctx->major, ctx->minor } at r10-12;
    // deny (0) when the map has the key, else allow (1).
    struct bpf_insn program[] = {
        INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0),
        INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff),
        INSN(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_2, -12, 0),
        INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 4, 0),
        INSN(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_2, -8, 0),
        INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 8, 0),
        INSN(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_2, -4, 0),
        INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map),
        INSN(0, 0, 0, 0, 0),
        INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
        INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -12),
        INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
        INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 2, 0),
        INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
        INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
        INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
        INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
    static const char license[] = "GPL";
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)program;
    attr.insn_cnt = sizeof program / sizeof program[0];
    attr.license = (uint64_t)(uintptr_t)license;
    attr.expected_attach_type = BPF_CGROUP_DEVICE;
    memcpy(attr.prog_name, program_name, sizeof program_name);
    int loaded = (int)bpf_call(BPF_PROG_LOAD, &attr);
    if (loaded < 0) {
        int saved = errno;
        close(map);
        errno = saved;
        return -2;
    }
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cgroup;
    attr.attach_bpf_fd = (uint32_t)loaded;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    long attached = bpf_call(BPF_PROG_ATTACH, &attr);
    int saved = errno;
    // Attached, the cgroup holds the program and the program its map.
    close(loaded);
    if (attached < 0) {
        close(map);
        errno = saved;
        return -3;
    }
    *map_out = map;
    return 0;
}

int shim_device_deny_find(int cgroup, int *map_out) {
    uint32_t ids[64];
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.query.target_fd = (uint32_t)cgroup;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
    attr.query.prog_cnt = sizeof ids / sizeof ids[0];
    if (bpf_call(BPF_PROG_QUERY, &attr) < 0) return -1;
    uint32_t count = attr.query.prog_cnt;
    for (uint32_t index = 0; index < count && index < sizeof ids / sizeof ids[0]; index++) {
        memset(&attr, 0, sizeof attr);
        attr.prog_id = ids[index];
        int program = (int)bpf_call(BPF_PROG_GET_FD_BY_ID, &attr);
        if (program < 0) continue; // detached meanwhile
        struct bpf_prog_info info;
        uint32_t map_id = 0;
        memset(&info, 0, sizeof info);
        info.nr_map_ids = 1;
        info.map_ids = (uint64_t)(uintptr_t)&map_id;
        memset(&attr, 0, sizeof attr);
        attr.info.bpf_fd = (uint32_t)program;
        attr.info.info_len = sizeof info;
        attr.info.info = (uint64_t)(uintptr_t)&info;
        long got = bpf_call(BPF_OBJ_GET_INFO_BY_FD, &attr);
        close(program);
        if (got < 0 || strncmp(info.name, program_name, sizeof info.name) != 0 || info.nr_map_ids != 1) continue;
        memset(&attr, 0, sizeof attr);
        attr.map_id = map_id;
        int map = (int)bpf_call(BPF_MAP_GET_FD_BY_ID, &attr);
        if (map < 0) return -1;
        struct bpf_map_info map_info;
        memset(&map_info, 0, sizeof map_info);
        memset(&attr, 0, sizeof attr);
        attr.info.bpf_fd = (uint32_t)map;
        attr.info.info_len = sizeof map_info;
        attr.info.info = (uint64_t)(uintptr_t)&map_info;
        if (bpf_call(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0 || map_info.type != BPF_MAP_TYPE_HASH
            || map_info.key_size != sizeof(struct deny_key) || map_info.value_size != 1
            || strncmp(map_info.name, map_name, sizeof map_info.name) != 0) {
            close(map);
            errno = EINVAL;
            return -1;
        }
        *map_out = map;
        return 0;
    }
    *map_out = -1;
    return 0;
}

/* One call on the map's element for the device: its key, and VALUE when there is one. */
static long deny_map_element(int command, int map, int block, unsigned int major, unsigned int minor, uint8_t *value, uint64_t flags) {
    struct deny_key key = { .type = (uint32_t)device_type(block), .major = major, .minor = minor };
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_fd = (uint32_t)map;
    attr.key = (uint64_t)(uintptr_t)&key;
    if (value) attr.value = (uint64_t)(uintptr_t)value;
    attr.flags = flags;
    return bpf_call(command, &attr);
}

int shim_device_deny_set(int map, int block, unsigned int major, unsigned int minor, int denied) {
    uint8_t value = 1;
    if (denied) return (int)deny_map_element(BPF_MAP_UPDATE_ELEM, map, block, major, minor, &value, BPF_ANY);
    if (deny_map_element(BPF_MAP_DELETE_ELEM, map, block, major, minor, NULL, 0) < 0) return errno == ENOENT ? 0 : -1;
    return 0;
}

int shim_device_deny_contains(int map, int block, unsigned int major, unsigned int minor) {
    uint8_t value = 0;
    if (deny_map_element(BPF_MAP_LOOKUP_ELEM, map, block, major, minor, &value, 0) < 0) return errno == ENOENT ? 0 : -1;
    return 1;
}
