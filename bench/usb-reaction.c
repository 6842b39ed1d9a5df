/*
 * How long a USB device plugged in takes to be usable in a running container
 * that selects it by identity, and to be heard there (its uevent in the
 * container's network namespace), timed from the host. This machine has no
 * USB: the device is a stand-in in a sysfs tree of the bench's own (bound on
 * /sys/bus where the watcher and the container's monitor run, as the
 * end-to-end tests do), and its uevent is sent as root to the kernel, which
 * passes it on to the host's listeners as if it were its own: the same code
 * paths the kernel's own event drives.
 *
 *   usb-reaction CGROUP_PROCS ROOT NETNS STANDIN ROUNDS PORT VID PID SERIAL FIRST
 *
 * CGROUP_PROCS: the container's cgroup.procs (this process joins it, so the
 * container's device rules apply to its opens). ROOT: /proc/PID/root of its
 * init. NETNS: /proc/PID/ns/net of its init, or - (a privileged container
 * hears the kernel's own events: a stand-in's are not for it). STANDIN: the
 * stand-in's root (its bus/usb/devices/PORT links to its devices). Each
 * round plugs the device in at PORT with the next address (FIRST, FIRST+1,
 * ...: a new /dev/bus/usb/001/DDD each time, as a replug gets), writes its
 * sysfs files, then starts the clock and sends the kernel's "add"; it polls
 * every 50 us until the node at its udev path gets past the container's
 * device rules (its open fails with ENXIO: the number has no driver here;
 * EPERM while the rules deny it) and until the container's network
 * namespace hears an "add" for it. Then it unplugs the device (files gone,
 * "remove" sent) and waits until the node is gone from the container.
 * Prints one line a round: "usb USABLE_US HEARD_US REFUSED" (HEARD_US -1
 * without NETNS; REFUSED 1 when the node was there before its rule).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void write_file(const char *path, const char *text) {
    FILE *file = fopen(path, "w");
    if (!file || fputs(text, file) < 0 || fclose(file) != 0) die(path);
}

static void make_directories(char *path) {
    for (char *slash = path + 1; (slash = strchr(slash, '/')); slash++) {
        *slash = 0;
        if (mkdir(path, 0755) != 0 && errno != EEXIST) die(path);
        *slash = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST) die(path);
}

static const char *bus1 = "devices/pci0000:00/0000:00:14.0/usb1";

/* The device at PORT with ADDRESS, laid out as the kernel lays it out. */
static void plug(const char *standin, const char *port, const char *vid, const char *pid, const char *serial, int address) {
    char directory[4096], path[4200], text[512], link[4200];
    snprintf(directory, sizeof directory, "%s/%s/%s", standin, bus1, port);
    make_directories(directory);
    struct { const char *name; char value[256]; } files[] = {
        {"idVendor", ""}, {"idProduct", ""}, {"serial", ""}, {"busnum", "1\n"}, {"devnum", ""}, {"dev", ""},
    };
    snprintf(files[0].value, sizeof files[0].value, "%s\n", vid);
    snprintf(files[1].value, sizeof files[1].value, "%s\n", pid);
    snprintf(files[2].value, sizeof files[2].value, "%s\n", serial);
    snprintf(files[4].value, sizeof files[4].value, "%d\n", address);
    snprintf(files[5].value, sizeof files[5].value, "189:%d\n", address - 1);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", directory, files[i].name);
        write_file(path, files[i].value);
    }
    snprintf(text, sizeof text,
             "MAJOR=189\nMINOR=%d\nDEVNAME=bus/usb/001/%03d\nDEVTYPE=usb_device\nDRIVER=usb\nPRODUCT=%x/%x/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=%03d\n",
             address - 1, address, (unsigned)strtoul(vid, NULL, 16), (unsigned)strtoul(pid, NULL, 16), address);
    snprintf(path, sizeof path, "%s/uevent", directory);
    write_file(path, text);
    snprintf(path, sizeof path, "%s/subsystem", directory);
    if (symlink("../../../../../bus/usb", path) != 0 && errno != EEXIST) die(path);
    snprintf(link, sizeof link, "%s/bus/usb/devices/%s", standin, port);
    if (symlink(directory, link) != 0) die(link);
}

static void unplug(const char *standin, const char *port) {
    char command[8400];
    snprintf(command, sizeof command, "rm -rf '%s/bus/usb/devices/%s' '%s/%s/%s'", standin, port, standin, bus1, port);
    if (system(command) != 0) die("rm");
}

/* ACTION@DEVPATH and its fields, sent to the kernel of this network namespace (NETLINK_KOBJECT_UEVENT), acknowledged. */
static void announce(int sender, const char *action, const char *port, const char *vid, const char *pid, int address) {
    char body[1024];
    int length = snprintf(body, sizeof body,
                          "%s@/%s/%s%cACTION=%s%cDEVPATH=/%s/%s%cSUBSYSTEM=usb%cMAJOR=189%cMINOR=%d%cDEVNAME=bus/usb/001/%03d%c"
                          "DEVTYPE=usb_device%cPRODUCT=%x/%x/100%cBUSNUM=001%cDEVNUM=%03d",
                          action, bus1, port, 0, action, 0, bus1, port, 0, 0, 0, address - 1, 0, address, 0, 0,
                          (unsigned)strtoul(vid, NULL, 16), (unsigned)strtoul(pid, NULL, 16), 0, 0, address) + 1;
    struct {
        struct nlmsghdr header;
        char body[1024];
    } message;
    memset(&message, 0, sizeof message);
    message.header.nlmsg_len = NLMSG_LENGTH(length);
    message.header.nlmsg_type = NLMSG_MIN_TYPE;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    memcpy(message.body, body, length);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(sender, &message, message.header.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) die("sendto (uevent)");
    char answer[256];
    if (recv(sender, answer, sizeof answer, 0) < (ssize_t)NLMSG_LENGTH(sizeof(int))) die("recv (the kernel's acknowledgement)");
    int error = *(int *)NLMSG_DATA((struct nlmsghdr *)answer);
    if (error != 0) {
        errno = -error;
        die("the kernel refused the uevent");
    }
}

/* Whether the listener heard ACTION for DEVNAME (every message waiting is read). */
static int heard(int listener, const char *action, const char *devname) {
    char buffer[8192];
    int found = 0;
    for (;;) {
        ssize_t got = recv(listener, buffer, sizeof buffer - 1, MSG_DONTWAIT);
        if (got <= 0) return found;
        buffer[got] = 0;
        int action_matches = 0, name_matches = 0;
        for (char *field = buffer; field < buffer + got; field += strlen(field) + 1) {
            if (strncmp(field, "ACTION=", 7) == 0 && strcmp(field + 7, action) == 0) action_matches = 1;
            if (strncmp(field, "DEVNAME=", 8) == 0 && strcmp(field + 8, devname) == 0) name_matches = 1;
        }
        if (action_matches && name_matches) found = 1;
    }
}

int main(int argc, char **argv) {
    if (argc != 11) {
        fprintf(stderr, "usage: usb-reaction CGROUP_PROCS ROOT NETNS|- STANDIN ROUNDS PORT VID PID SERIAL FIRST\n");
        return 2;
    }
    const char *procs = argv[1], *root = argv[2], *netns = argv[3], *standin = argv[4], *port = argv[6];
    const char *vid = argv[7], *pid = argv[8], *serial = argv[9];
    int rounds = atoi(argv[5]), first = atoi(argv[10]);

    int sender = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
    if (sender < 0) die("socket (sender)");
    struct timeval second = {1, 0};
    setsockopt(sender, SOL_SOCKET, SO_RCVTIMEO, &second, sizeof second);
    int listener = -1;
    if (strcmp(netns, "-") != 0) {
        int here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), there = open(netns, O_RDONLY | O_CLOEXEC);
        if (here < 0 || there < 0) die("open (network namespace)");
        if (setns(there, CLONE_NEWNET) != 0) die("setns (the container's network namespace)");
        listener = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        struct sockaddr_nl group = {.nl_family = AF_NETLINK, .nl_groups = 1};
        if (listener < 0 || bind(listener, (struct sockaddr *)&group, sizeof group) != 0) die("bind (listener)");
        int size = 4 << 20;
        setsockopt(listener, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
        if (setns(here, CLONE_NEWNET) != 0) die("setns (back)");
        close(here);
        close(there);
    }
    FILE *cgroup = fopen(procs, "w");
    if (!cgroup || fprintf(cgroup, "%d\n", getpid()) < 0 || fclose(cgroup) != 0) die(procs);

    for (int round = 0; round < rounds; round++) {
        int address = first + round;
        char node[4200], devname[64];
        snprintf(devname, sizeof devname, "bus/usb/001/%03d", address);
        snprintf(node, sizeof node, "%s/dev/%s", root, devname);
        plug(standin, port, vid, pid, serial, address);
        if (listener >= 0) heard(listener, "", ""); /* drop what came before */
        double start = now_us(), usable = -1, heard_at = -1;
        int refused = 0;
        announce(sender, "add", port, vid, pid, address);
        while (now_us() - start < 5e6 && (usable < 0 || (listener >= 0 && heard_at < 0))) {
            if (usable < 0) {
                int fd = open(node, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0) close(fd);
                if (fd >= 0 || errno == ENXIO || errno == ENODEV) usable = now_us() - start;
                else if (errno == EPERM) refused = 1;
            }
            if (listener >= 0 && heard_at < 0 && heard(listener, "add", devname)) heard_at = now_us() - start;
            struct timespec pause = {0, 50000};
            nanosleep(&pause, NULL);
        }
        printf("usb %.0f %.0f %d\n", usable, heard_at, refused);
        fflush(stdout);
        unplug(standin, port);
        announce(sender, "remove", port, vid, pid, address);
        struct stat info;
        double gone = now_us();
        while (lstat(node, &info) == 0 && now_us() - gone < 5e6) {
            struct timespec pause = {0, 200000};
            nanosleep(&pause, NULL);
        }
        struct timespec settle = {0, 100000000};
        nanosleep(&settle, NULL);
    }
    return 0;
}
