// The definitions of include/CNamespaceShims.h, from the C library's headers.
#define _GNU_SOURCE 1
#include <sched.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "CNamespaceShims.h"

const int shim_CLONE_NEWNS = CLONE_NEWNS;

int shim_setns(int fd, int type) { return setns(fd, type); }
int shim_setfsuid(unsigned int uid) { return setfsuid(uid); }
int shim_setfsgid(unsigned int gid) { return setfsgid(gid); }

int shim_openat2_in_root(int dirfd, const char *path, int flags) {
    struct open_how how = { .flags = (unsigned long long)flags, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

#include <signal.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>

int shim_network_namespace_is_owned_here(int pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", pid);
    int net = open(path, O_RDONLY | O_CLOEXEC);
    if (net < 0) return -1;
    int owner = ioctl(net, NS_GET_USERNS);
    int saved = errno;
    close(net);
    if (owner < 0) { errno = saved; return -1; }
    struct stat theirs, ours;
    int failed = fstat(owner, &theirs) != 0 || stat("/proc/self/ns/user", &ours) != 0;
    saved = errno;
    close(owner);
    if (failed) { errno = saved; return -1; }
    return theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

/* What the child tells its parent when a step fails. */
struct uevent_failure { int step; int error; };

static const char *uevent_steps[] = {
    "clone", "setns(CLONE_NEWUSER)", "setresgid", "setresuid", "setns(CLONE_NEWNET)", "socket(NETLINK_KOBJECT_UEVENT)",
    "setsockopt(SO_RCVTIMEO)", "sendto", "recv (the kernel's acknowledgement)", "the kernel's acknowledgement",
};

/* What the child is given, and where it says which step failed (it shares this process's memory). */
struct uevent_request {
    int pidfd;
    const void *body;
    unsigned long length;
    int timeout_ms;
    struct uevent_failure failure;
};

/* The child: a process of its own (it joins another user namespace, which a
 * thread cannot), sharing this one's memory while this one waits (clone with
 * CLONE_VM | CLONE_VFORK, as posix_spawn does), so that no page table is
 * copied: a fork of the watcher cost more than the rest of the send. Only
 * system calls here, made directly: glibc's setresuid would signal this
 * process's other threads, as if it were this process. */
static int uevent_child(void *argument) {
    struct uevent_request *request = argument;
    int pidfd = request->pidfd, timeout_ms = request->timeout_ms;
    const void *body = request->body;
    unsigned long length = request->length;
    struct uevent_failure failure = {0, 0};
    /* Into the container's user namespace, as its root: a listener sees uid 0 (libudev and libusb drop others). */
    if (syscall(SYS_setns, pidfd, CLONE_NEWUSER) != 0) { failure.step = 1; goto failed; }
    if (syscall(SYS_setresgid, 0, 0, 0) != 0) { failure.step = 2; goto failed; }
    if (syscall(SYS_setresuid, 0, 0, 0) != 0) { failure.step = 3; goto failed; }
    /* Then its network namespace, which that user namespace owns: the kernel refuses any other. */
    if (syscall(SYS_setns, pidfd, CLONE_NEWNET) != 0) { failure.step = 4; goto failed; }
    int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
    if (sock < 0) { failure.step = 5; goto failed; }
    struct timeval timeout = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0) { failure.step = 6; goto failed; }
    /* To the kernel (pid 0), which passes it on to group 1 of this namespace as its own. */
    char message[2048];
    struct nlmsghdr *header = (struct nlmsghdr *)message;
    if (length + NLMSG_HDRLEN > sizeof message) { failure.step = 7; errno = EMSGSIZE; goto failed; }
    memset(header, 0, NLMSG_HDRLEN);
    header->nlmsg_len = NLMSG_HDRLEN + length;
    header->nlmsg_type = NLMSG_MIN_TYPE;
    header->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    header->nlmsg_seq = 1;
    memcpy(message + NLMSG_HDRLEN, body, length);
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(sock, message, header->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) != (ssize_t)header->nlmsg_len) {
        failure.step = 7;
        goto failed;
    }
    char answer[256];
    ssize_t got = recv(sock, answer, sizeof answer, 0);
    if (got < (ssize_t)(NLMSG_HDRLEN + sizeof(struct nlmsgerr))) { failure.step = 8; if (got >= 0) errno = EPROTO; goto failed; }
    struct nlmsghdr *reply = (struct nlmsghdr *)answer;
    if (reply->nlmsg_type != NLMSG_ERROR) { failure.step = 9; errno = EPROTO; goto failed; }
    struct nlmsgerr *acknowledgement = NLMSG_DATA(reply);
    if (acknowledgement->error != 0) { failure.step = 9; errno = -acknowledgement->error; goto failed; }
    syscall(SYS_exit, 0);
    return 0;
failed:
    failure.error = errno;
    request->failure = failure;
    syscall(SYS_exit, 1);
    return 1;
}

int shim_send_uevent(int pidfd, const void *body, unsigned long length, int timeout_ms, const char **step) {
    *step = uevent_steps[0];
    enum { stack_size = 64 << 10 };
    char *stack = malloc(stack_size);
    if (!stack) return -1;
    struct uevent_request request = { pidfd, body, length, timeout_ms, {0, 0} };
    /* This process waits (CLONE_VFORK) until the child has exited. */
    pid_t child = clone(uevent_child, stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &request);
    int saved = errno;
    if (child < 0) {
        free(stack);
        errno = saved;
        return -1;
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    free(stack);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (request.failure.step > 0 && request.failure.step < (int)(sizeof uevent_steps / sizeof *uevent_steps)) {
        *step = uevent_steps[request.failure.step];
        errno = request.failure.error;
    } else {
        *step = "the child that sends it";
        errno = ECHILD;
    }
    return -1;
}

/* For `lxc-passthrough doctor`: a device node inside a running container opened as the container opens it. */

#include <poll.h>
#include <signal.h>
#include <sys/sysmacros.h>

static const char *probe_steps[] = {
    "", "openat(cgroup.procs)", "write(cgroup.procs)", "setfsgid", "setfsuid", "openat2(O_PATH)", "fstat",
    "setns(CLONE_NEWUSER)", "setresgid", "setresuid",
};

const char *shim_probe_step(int step) {
    if (step < 0 || step >= (int)(sizeof probe_steps / sizeof *probe_steps)) return "?";
    return probe_steps[step];
}

static void probe_child(int cgroup_dirfd, int root_fd, const char *path, unsigned int uid, unsigned int gid, int userns_pidfd, int report) {
    struct shim_probe_result result;
    memset(&result, 0, sizeof result);
    if (cgroup_dirfd >= 0) {
        int procs = openat(cgroup_dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (procs < 0) { result.step = 1; goto failed; }
        if (write(procs, "0\n", 2) != 2) { result.step = 2; goto failed; }
        close(procs);
    }
    /* Looked up as the container's root: what it may not search, this does not either. */
    setfsgid(gid);
    if ((unsigned int)setfsgid((unsigned int)-1) != gid) { result.step = 3; errno = EPERM; goto failed; }
    setfsuid(uid);
    if ((unsigned int)setfsuid((unsigned int)-1) != uid) { result.step = 4; errno = EPERM; goto failed; }
    struct open_how how = {
        .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    int node = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    if (node < 0) { result.step = 5; goto failed; }
    struct stat info;
    if (fstat(node, &info) != 0) { result.step = 6; goto failed; }
    result.looked = 1;
    result.mode = info.st_mode;
    result.major = major(info.st_rdev);
    result.minor = minor(info.st_rdev);
    result.uid = info.st_uid;
    result.gid = info.st_gid;
    if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode)) {
        if (userns_pidfd >= 0) {
            /* The container's root: its capabilities hold over what its id map maps, as in the container. */
            if (setns(userns_pidfd, CLONE_NEWUSER) != 0) { result.step = 7; goto failed; }
            if (setresgid(0, 0, 0) != 0) { result.step = 8; goto failed; }
            if (setresuid(0, 0, 0) != 0) { result.step = 9; goto failed; }
        }
        /* The very node looked at, opened again through its descriptor: no second lookup. */
        char again[64];
        snprintf(again, sizeof again, "/proc/self/fd/%d", node);
        result.tried = 1;
        int opened = open(again, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (opened < 0) result.open_error = errno; else close(opened);
    }
    if (write(report, &result, sizeof result) != sizeof result) _exit(2);
    _exit(0);
failed:
    result.error = errno;
    if (write(report, &result, sizeof result) != sizeof result) _exit(2);
    _exit(1);
}

int shim_probe_device(int cgroup_dirfd, int root_fd, const char *path, unsigned int root_uid, unsigned int root_gid,
                      int userns_pidfd, int timeout_ms, struct shim_probe_result *result) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -1;
    pid_t child = fork();
    if (child < 0) {
        int saved = errno;
        close(report[0]);
        close(report[1]);
        errno = saved;
        return -1;
    }
    if (child == 0) {
        close(report[0]);
        probe_child(cgroup_dirfd, root_fd, path, root_uid, root_gid, userns_pidfd, report[1]);
    }
    close(report[1]);
    struct pollfd waiting = { .fd = report[0], .events = POLLIN };
    int ready;
    do { ready = poll(&waiting, 1, timeout_ms); } while (ready < 0 && errno == EINTR);
    ssize_t got = -1;
    if (ready > 0) {
        do { got = read(report[0], result, sizeof *result); } while (got < 0 && errno == EINTR);
    } else {
        kill(child, SIGKILL);
    }
    close(report[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (ready == 0) { errno = ETIMEDOUT; return -1; }
    if (got != (ssize_t)sizeof *result) { errno = ECHILD; return -1; }
    return 0;
}
