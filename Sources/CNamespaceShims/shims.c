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
    "fork", "setns(CLONE_NEWUSER)", "setresgid", "setresuid", "setns(CLONE_NEWNET)", "socket(NETLINK_KOBJECT_UEVENT)",
    "setsockopt(SO_RCVTIMEO)", "sendto", "recv (the kernel's acknowledgement)", "the kernel's acknowledgement",
};

static void uevent_child(int pidfd, const void *body, unsigned long length, int timeout_ms, int report) {
    struct uevent_failure failure = {0, 0};
    /* Into the container's user namespace, as its root: a listener sees uid 0 (libudev and libusb drop others). */
    if (setns(pidfd, CLONE_NEWUSER) != 0) { failure.step = 1; goto failed; }
    if (setresgid(0, 0, 0) != 0) { failure.step = 2; goto failed; }
    if (setresuid(0, 0, 0) != 0) { failure.step = 3; goto failed; }
    /* Then its network namespace, which that user namespace owns: the kernel refuses any other. */
    if (setns(pidfd, CLONE_NEWNET) != 0) { failure.step = 4; goto failed; }
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
    _exit(0);
failed:
    failure.error = errno;
    if (write(report, &failure, sizeof failure) != sizeof failure) _exit(2);
    _exit(1);
}

int shim_send_uevent(int pidfd, const void *body, unsigned long length, int timeout_ms, const char **step) {
    int report[2];
    *step = uevent_steps[0];
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
        uevent_child(pidfd, body, length, timeout_ms, report[1]);
    }
    close(report[1]);
    struct uevent_failure failure = {0, 0};
    ssize_t got;
    do { got = read(report[0], &failure, sizeof failure); } while (got < 0 && errno == EINTR);
    close(report[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (got == (ssize_t)sizeof failure && failure.step > 0 && failure.step < (int)(sizeof uevent_steps / sizeof *uevent_steps)) {
        *step = uevent_steps[failure.step];
        errno = failure.error;
    } else {
        *step = "the child that sends it";
        errno = ECHILD;
    }
    return -1;
}
