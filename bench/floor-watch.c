/*
 * The floor for the watcher's replug reaction: the least a watcher can do
 * when a stable link moves to a new device, with no checks at all.
 *
 *   floor-watch LINK INIT_PID DEVICES_ALLOW PATH
 *   floor-watch LINK INIT_PID lxc:NAME PATH
 *
 * Wakes on inotify in LINK's directory; when LINK is made or renamed into
 * place, stats it, allows "b MAJ:MIN rwm", makes the node in a tmpfs of its
 * own, enters the container's mount namespace (that of INIT_PID) and puts
 * the node at PATH (the old one unmounted), then comes back. Runs until
 * killed. Prints "ready" once it waits for changes.
 *
 * The rule: on cgroup v1 written to DEVICES_ALLOW (the container's
 * devices.allow); on cgroup v2 (lxc:NAME) sent to container NAME's monitor
 * with liblxc's set_cgroup_item, the one way LXC offers to change its device
 * program, through a handle made once, as the watcher keeps one. After the
 * swap, the device the link named before is denied the same way (devices.deny
 * beside DEVICES_ALLOW), as any watcher must take it back: on v2 LXC's
 * monitor rebuilds its program only for a rule that changes, so a floor that
 * never denied would find both numbers of a replug allowed after two rounds
 * and pay no rebuild at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

/* Allows or denies "b MAJ:MIN rwm": through liblxc (CONTAINER) or the cgroup v1 file at PATH. */
static void rule(struct lxc_container *container, const char *path, int allow, dev_t device) {
    char text[64];
    snprintf(text, sizeof text, "b %u:%u rwm", major(device), minor(device));
    if (container) {
        if (!container->set_cgroup_item(container, allow ? "devices.allow" : "devices.deny", text))
            fprintf(stderr, "floor-watch: set_cgroup_item %s failed\n", text);
        return;
    }
    FILE *rules = fopen(path, "w");
    if (rules) {
        fprintf(rules, "%s\n", text);
        fclose(rules);
    }
}

static void die(const char *what) {
    fprintf(stderr, "floor-watch: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: floor-watch LINK INIT_PID DEVICES_ALLOW PATH\n");
        return 2;
    }
    const char *link = argv[1], *allow = argv[3], *path = argv[4];
    struct lxc_container *container = NULL;
    if (strncmp(allow, "lxc:", 4) == 0) {
        container = lxc_container_new(allow + 4, NULL);
        if (!container || !container->is_running(container)) {
            fprintf(stderr, "floor-watch: container %s is not running\n", allow + 4);
            return 1;
        }
    }
    char copy[4096], namespace[64], tmpfs[] = "/tmp/floor-watch.XXXXXX";
    snprintf(copy, sizeof copy, "%s", link);
    const char *name = basename(copy);
    char directory[4096];
    snprintf(directory, sizeof directory, "%s", link);
    dirname(directory);
    snprintf(namespace, sizeof namespace, "/proc/%s/ns/mnt", argv[2]);
    int theirs = open(namespace, O_RDONLY | O_CLOEXEC), ours = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (theirs < 0 || ours < 0) die("open the mount namespaces");
    if (!mkdtemp(tmpfs) || mount("floor", tmpfs, "tmpfs", 0, "mode=0700") != 0) die("mount a tmpfs");
    /* The container's root as the host sees it (its uid_map's first line): what is made in its /dev is made as it. */
    unsigned inside = 0, root_uid = 0, root_gid = 0, count_ids = 0;
    char map[64];
    snprintf(map, sizeof map, "/proc/%s/uid_map", argv[2]);
    FILE *ids = fopen(map, "r");
    if (ids && fscanf(ids, "%u %u %u", &inside, &root_uid, &count_ids) == 3 && inside == 0) root_gid = root_uid;
    if (ids) fclose(ids);
    int notify = inotify_init1(IN_CLOEXEC);
    if (notify < 0 || inotify_add_watch(notify, directory, IN_CREATE | IN_MOVED_TO) < 0) die("inotify");
    printf("ready\n");
    fflush(stdout);
    char buffer[16384] __attribute__((aligned(8)));
    unsigned serial = 0;
    dev_t previous = 0;
    /* devices.deny beside devices.allow (cgroup v1). */
    char deny[4200];
    snprintf(deny, sizeof deny, "%s", allow);
    char *suffix = strstr(deny, "devices.allow");
    if (suffix) strcpy(suffix, "devices.deny");
    for (;;) {
        ssize_t count = read(notify, buffer, sizeof buffer);
        if (count <= 0) die("read inotify");
        int moved = 0;
        for (char *at = buffer; at < buffer + count;) {
            struct inotify_event *event = (struct inotify_event *)at;
            if (event->len && strcmp(event->name, name) == 0) moved = 1;
            at += sizeof *event + event->len;
        }
        struct stat device;
        if (!moved || stat(link, &device) != 0) continue;
        rule(container, allow, 1, device.st_rdev);
        char node[4200];
        snprintf(node, sizeof node, "%s/node%u", tmpfs, serial++);
        if (mknod(node, S_IFBLK | 0666, device.st_rdev) != 0 || chmod(node, 0666) != 0) die("mknod");
        int tree = (int)syscall(SYS_open_tree, AT_FDCWD, node, OPEN_TREE_CLONE | O_CLOEXEC);
        if (tree < 0) die("open_tree");
        if (setns(theirs, CLONE_NEWNS) != 0) die("setns into the container");
        umount2(path, MNT_DETACH);
        setfsgid(root_gid);
        setfsuid(root_uid);
        int file = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        if (file >= 0) close(file);
        setfsuid(0);
        setfsgid(0);
        if (syscall(SYS_move_mount, tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) != 0) die("move_mount");
        if (setns(ours, CLONE_NEWNS) != 0) die("setns back");
        close(tree);
        unlink(node);
        if (previous != 0 && previous != device.st_rdev) rule(container, deny, 0, previous);
        previous = device.st_rdev;
    }
}
