// What live attach needs and Swift's Glibc module leaves out (behind
// _GNU_SOURCE): setns, setfsuid, setfsgid and CLONE_NEWNS; and openat2, which
// glibc 2.36 does not wrap, for reading a container's files confined to its root. Declared with
// plain C types; shims.c defines them from the C library's own headers (see
// CLinuxShims for why the headers are not included here). A target of its
// own so that the hooks, which never enter a namespace, do not link it.
#ifndef C_NAMESPACE_SHIMS_H
#define C_NAMESPACE_SHIMS_H

/// CLONE_NEWNS (setns(2)).
extern const int shim_CLONE_NEWNS;

/// setns(2).
int shim_setns(int fd, int type);
/// setfsuid(2) and setfsgid(2): this thread's file system ids; return the previous id.
int shim_setfsuid(unsigned int uid);
int shim_setfsgid(unsigned int gid);

/// openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: `path` resolved as
/// if `dirfd` were the root directory (`..` and absolute symlinks stay in it),
/// never through a /proc magic link. Returns a descriptor, or -1 and errno.
int shim_openat2_in_root(int dirfd, const char *path, int flags);

/// 1 when the network namespace of the process `pid` is owned by the user
/// namespace this process is in (the kernel's uevents reach it), 0 when by
/// another (they do not), -1 and errno when it cannot be told.
int shim_network_namespace_is_owned_here(int pid);

/// Sends a uevent's body (`length` bytes, at most 2032) into the network
/// namespace of the process `pidfd` refers to, from its user namespace as
/// its root: in a child process, which joins that user namespace, takes
/// uid and gid 0 there, joins the network namespace, sends the message to
/// the kernel (NETLINK_KOBJECT_UEVENT) and waits at most `timeout_ms` for
/// the kernel's acknowledgement. Returns 0, or -1 with errno and `*step`
/// naming the call that failed.
int shim_send_uevent(int pidfd, const void *body, unsigned long length, int timeout_ms, const char **step);

// lxc-passthrough's own device program on cgroup v2 (device_deny_program.c):
// beside LXC's, it denies the device numbers in its map, and nothing else.

/// Creates the map and the program, and attaches the program to the cgroup
/// directory `cgroup` (BPF_F_ALLOW_MULTI). Returns 0 and the map's descriptor
/// in `*map`; or -1 (BPF_MAP_CREATE), -2 (BPF_PROG_LOAD) or -3
/// (BPF_PROG_ATTACH) with errno.
int shim_device_deny_attach(int cgroup, int *map);
/// The map of the program attached to `cgroup` itself, found by its name
/// (BPF_PROG_QUERY): 0 and its descriptor in `*map`, or -1 in `*map` when
/// there is none; -1 and errno when it cannot be told.
int shim_device_deny_find(int cgroup, int *map);
/// Puts a device number into the map (`denied` 1) or takes it out (0; a number
/// not in it is no failure). 0, or -1 and errno (E2BIG: the map is full).
int shim_device_deny_set(int map, int block, unsigned int major, unsigned int minor, int denied);
/// 1 when the number is in the map, 0 when not, -1 and errno.
int shim_device_deny_contains(int map, int block, unsigned int major, unsigned int minor);
/// How many device numbers the map holds at most.
extern const int shim_device_deny_capacity;
/// What `shim_probe_device` found: the node at the path (as the host sees
/// it, before any user namespace is joined), then the open's outcome.
struct shim_probe_result {
    /// 0 when every step ran; else the failed step (`shim_probe_steps`) and its errno.
    int step;
    int error;
    /// The node's status, when `looked` (the O_PATH open and fstat worked).
    int looked;
    unsigned int mode;
    unsigned int major;
    unsigned int minor;
    unsigned int uid;
    unsigned int gid;
    /// Whether the read-only open was tried (only a character or block
    /// device is), and its errno (0: it opened).
    int tried;
    int open_error;
};

/// The name of a step of `shim_probe_device`, for a message.
const char *shim_probe_step(int step);

/// Whether the node at `path` inside a running container opens, as the
/// container would open it, in a child process: which joins the cgroup
/// `cgroup_dirfd` (writes 0 to its `cgroup.procs`; -1: none), looks the
/// path up under `root_fd` (the container's `/`) with its root's file
/// system ids `root_uid`/`root_gid`, by `openat2(O_PATH, RESOLVE_IN_ROOT |
/// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)` (no link followed, none
/// out of its root), and when it is a character or block device, joins the
/// user namespace of `userns_pidfd` as its root (-1: stays host root, for a
/// privileged container) and opens it again through that descriptor,
/// `O_RDONLY | O_NONBLOCK | O_NOCTTY`; nothing is read. The child is killed
/// after `timeout_ms` (a FUSE mount on the way may never answer). Returns
/// 0 and `*result`; -1 and errno when the child could not be run or did
/// not answer in time (ETIMEDOUT).
int shim_probe_device(int cgroup_dirfd, int root_fd, const char *path, unsigned int root_uid, unsigned int root_gid,
                      int userns_pidfd, int timeout_ms, struct shim_probe_result *result);

#endif
