/* A listener of the kernel's uevents (NETLINK_KOBJECT_UEVENT, group 1), for UeventInjectionTests:
 * prints "ready", then, for the first message heard within 10 s, the sender's port and
 * credentials and the message, a field a line. Built by the test with cc. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/netlink.h>
int main(void) {
    int sock = socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT);
    struct sockaddr_nl address = { .nl_family = AF_NETLINK, .nl_groups = 1 };
    if (sock < 0 || bind(sock, (struct sockaddr *)&address, sizeof address) != 0) { perror("listen"); return 1; }
    int on = 1;
    setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    struct timeval timeout = { 10, 0 };
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    printf("ready\n");
    fflush(stdout);
    char buffer[4096], control[CMSG_SPACE(sizeof(struct ucred))];
    struct sockaddr_nl from;
    struct iovec iov = { buffer, sizeof buffer - 1 };
    struct msghdr message = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    ssize_t got = recvmsg(sock, &message, 0);
    if (got < 0) { perror("recvmsg"); return 1; }
    struct cmsghdr *c = CMSG_FIRSTHDR(&message);
    struct ucred creds = { 0, 99999, 99999 };
    if (c && c->cmsg_type == SCM_CREDENTIALS) memcpy(&creds, CMSG_DATA(c), sizeof creds);
    printf("from port %u uid %u gid %u\n", from.nl_pid, creds.uid, creds.gid);
    for (ssize_t i = 0; i < got; i++) putchar(buffer[i] ? buffer[i] : '\n');
    return 0;
}
