// stand-in-monitor: what any local user can do to LXC's command sockets,
// for the end-to-end tests. Run as an unprivileged user:
//
//   stand-in-monitor answer NAME CGROUP   binds the abstract socket NAME (as
//       a stopped container's monitor would) in new user and mount
//       namespaces of its own (uid 0 there is the user; /dev an empty tmpfs),
//       and answers liblxc as LXC 5.0's monitor does: GET_STATE RUNNING,
//       GET_INIT_PID and GET_INIT_PIDFD itself, GET_LIMIT_CGROUP the path
//       CGROUP; ENOSYS to anything else.
//   stand-in-monitor silent NAME          binds NAME, accepts every
//       connection and never answers.
//
// It prints "ready PID\n" once bound, then serves until killed.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

// LXC 5.0's wire format (src/lxc/commands.h), on this machine's ABI.
struct lxc_cmd_req { int cmd; int datalen; const void *data; };
struct lxc_cmd_rsp { int ret; int datalen; void *data; };
enum { GET_STATE = 3, GET_INIT_PID = 4, GET_INIT_PIDFD = 18, GET_LIMIT_CGROUP = 19 };
enum { RUNNING = 2 };

static void die(const char *what) {
    fprintf(stderr, "stand-in-monitor: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) die(path);
    close(fd);
}

// uid and gid 0 in a user namespace of its own are this user; /dev there an empty tmpfs.
static void own_namespaces(void) {
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) die("unshare(CLONE_NEWUSER|CLONE_NEWNS)");
    char map[64];
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %u 1", uid);
    write_file("/proc/self/uid_map", map);
    snprintf(map, sizeof map, "0 %u 1", gid);
    write_file("/proc/self/gid_map", map);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("mount --make-rprivate /");
    if (mount("none", "/dev", "tmpfs", 0, "mode=0755") != 0) die("mount tmpfs on /dev");
}

static void answer(int connection, const char *cgroup) {
    struct lxc_cmd_req request;
    if (recv(connection, &request, sizeof request, MSG_WAITALL) != (ssize_t)sizeof request) return;
    if (request.datalen > 0 && request.datalen < 65536) {
        char *data = malloc((size_t)request.datalen);
        if (data) {
            (void)!recv(connection, data, (size_t)request.datalen, MSG_WAITALL);
            free(data);
        }
    }
    struct lxc_cmd_rsp response = { .ret = -ENOSYS };
    int pidfd = -1;
    switch (request.cmd) {
    case GET_STATE: response = (struct lxc_cmd_rsp){ .data = (void *)(long)RUNNING }; break;
    case GET_INIT_PID: response = (struct lxc_cmd_rsp){ .data = (void *)(long)getpid() }; break;
    case GET_INIT_PIDFD:
        pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
        response = (struct lxc_cmd_rsp){ .ret = pidfd < 0 ? -errno : 0 };
        break;
    case GET_LIMIT_CGROUP: response = (struct lxc_cmd_rsp){ .datalen = (int)strlen(cgroup) + 1, .data = (void *)cgroup }; break;
    }
    struct iovec iov = { .iov_base = &response, .iov_len = sizeof response };
    union { char buffer[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (pidfd >= 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = sizeof control.buffer;
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(header), &pidfd, sizeof(int));
    }
    (void)!sendmsg(connection, &message, MSG_NOSIGNAL);
    if (response.datalen > 0) (void)!send(connection, response.data, (size_t)response.datalen, MSG_NOSIGNAL);
    if (pidfd >= 0) close(pidfd);
}

int main(int argc, char **argv) {
    if (argc < 3 || (strcmp(argv[1], "answer") != 0 && strcmp(argv[1], "silent") != 0)) {
        fprintf(stderr, "usage: stand-in-monitor answer NAME CGROUP | silent NAME\n");
        return 2;
    }
    int answering = strcmp(argv[1], "answer") == 0;
    if (answering) own_namespaces();
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) die("socket");
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    size_t length = strlen(argv[2]);
    if (length + 1 > sizeof address.sun_path) { errno = ENAMETOOLONG; die("the name"); }
    memcpy(address.sun_path + 1, argv[2], length);
    if (bind(listener, (struct sockaddr *)&address, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + length)) != 0) die("bind");
    if (listen(listener, 64) != 0) die("listen");
    printf("ready %d\n", getpid());
    fflush(stdout);
    for (;;) {
        int connection = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (connection < 0) {
            if (errno == EINTR) continue;
            die("accept");
        }
        // Silent: the connection stays open, unanswered, for as long as this runs.
        if (!answering) continue;
        answer(connection, argc > 3 ? argv[3] : "/");
        close(connection);
    }
}
