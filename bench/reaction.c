/*
 * How long a device takes to become usable in a running container, and to
 * stop being usable, timed from the host.
 *
 *   reaction CGROUP_PROCS ROOT MODE ROUNDS [ARGS...]
 *   reaction loop-add NUMBER | loop-remove NUMBER
 *
 * A child process joins the container's cgroup (CGROUP_PROCS, its
 * cgroup.procs file), so that the container's device rules apply to its
 * opens; the parent stays outside (the changes it makes must not be subject
 * to them). Each round the parent starts the clock, tells the child to poll,
 * and makes the change; the child polls every 50 us, through ROOT
 * (/proc/PID/root of the container's init, that is its mount namespace),
 * until the node opens (for a removal: until it no longer opens). Prints one
 * line per round: the microseconds until the node was there (stat), until
 * it opened, and 1 when an open failed after the node was there (0 when the
 * node appeared only once it could be opened).
 *
 * MODE (the path polled is ROOT + PATH):
 *   uevent NUMBER PATH            LOOP_CTL_ADD NUMBER, then LOOP_CTL_REMOVE
 *   link LINK TARGET PATH         symlink(TARGET, LINK), then unlink(LINK)
 *   command PATH CMD ARGS...      run CMD (lxc-device add, lxc-passthrough
 *                                 attach) once (ROUNDS is ignored); the
 *                                 caller takes the node out between runs
 *   replug LINK A B PATH          a real replug with a new number: LINK names
 *                                 loop A (plugged in); each round plugs the
 *                                 other number in (LOOP_CTL_ADD: the kernel's
 *                                 uevents), then moves LINK to it as udev does
 *                                 (a new link renamed over the old), and waits
 *                                 until PATH opens as that device; then the
 *                                 old one is unplugged. Prints one line per
 *                                 round: "renumber SEEN DONE REFUSED"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/loop.h>

extern char **environ;

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void pause_50us(void) {
    struct timespec t = {0, 50000};
    nanosleep(&t, NULL);
}

/* The device number a node must have to count (0: any). */
static dev_t wanted_device;

/* Whether the path opens as a device node (not the empty file a node is
 * mounted onto, which opens too). */
static int open_error;

static int opens(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) { open_error = errno; return 0; }
    struct stat st;
    int node = fstat(fd, &st) == 0 && (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) && (wanted_device == 0 || st.st_rdev == wanted_device);
    close(fd);
    return node;
}

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) && (wanted_device == 0 || st.st_rdev == wanted_device);
}

/* Polls until the node opens (want = 1), or no longer opens (want = 0), for
 * at most 5 s; returns -1 on timeout. For an appearance `seen` gets when the
 * node was first there; for a removal, when it was gone (the time returned is
 * when it stopped opening, which may come first), and the poll goes on until
 * then, so that the next round starts from nothing. */
static int refused_after_seen;

static double wait_for(const char *path, int want, double start, double *seen) {
    *seen = -1;
    refused_after_seen = 0;
    double done = -1;
    while (now_us() - start < 5e6) {
        if (want) {
            if (*seen < 0 && exists(path)) *seen = now_us() - start;
            if (opens(path)) return now_us() - start;
            /* The node was there, and did not open: usable only later.
             * EPERM is the device rules refusing it (the node came before
             * its rule); another error, the device itself not ready yet
             * (a loop device just made may answer ENXIO for a moment). */
            if (*seen >= 0 && exists(path)) refused_after_seen |= open_error == EPERM ? 1 : 2;
        } else {
            if (done < 0 && !opens(path)) done = now_us() - start;
            if (done >= 0 && !exists(path)) { *seen = now_us() - start; return done; }
        }
        pause_50us();
    }
    return want ? -1 : done;
}

static void loop_control(unsigned long request, int number) {
    int fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (fd < 0) { perror("open /dev/loop-control"); exit(1); }
    /* A block device just added is busy for a moment (its partition table is read). */
    for (int i = 0; i < 100000; i++) {
        if (ioctl(fd, request, number) >= 0) { close(fd); return; }
        if (errno != EBUSY) break;
    }
    fprintf(stderr, "ioctl(loop-control, %s, %d): %s\n", request == LOOP_CTL_ADD ? "LOOP_CTL_ADD" : "LOOP_CTL_REMOVE",
            number, strerror(errno));
    exit(1);
}

/* What the parent asks the poller, and what it answers. */
struct request { int want; double start; dev_t device; };
struct answer { double seen, done; int refused; };

static int to_poller[2], from_poller[2];

/* The child: in the container's cgroup, polls on request until told to stop (want < 0). */
static void poller(const char *procs, const char *path) {
    FILE *cgroup = fopen(procs, "w");
    if (!cgroup || fprintf(cgroup, "%d\n", getpid()) < 0 || fclose(cgroup) != 0) {
        fprintf(stderr, "cannot join the container's cgroup %s: %s\n", procs, strerror(errno));
        _exit(1);
    }
    struct request request;
    while (read(to_poller[0], &request, sizeof request) == sizeof request && request.want >= 0) {
        struct answer answer;
        wanted_device = request.device;
        answer.done = wait_for(path, request.want, request.start, &answer.seen);
        answer.refused = refused_after_seen;
        if (write(from_poller[1], &answer, sizeof answer) != sizeof answer) _exit(1);
    }
    _exit(0);
}

static void start_poller(const char *procs, const char *path) {
    if (pipe(to_poller) != 0 || pipe(from_poller) != 0) { perror("pipe"); exit(1); }
    pid_t child = fork();
    if (child < 0) { perror("fork"); exit(1); }
    if (child == 0) poller(procs, path);
}

/* Starts the clock and the poller; the caller then makes the change. Each
 * change starts from a settled state: 20 ms after the last one was seen (the
 * watcher is then done writing the record and the config; a device is not
 * plugged in and out faster than that). */
static double go_for(int want, dev_t device) {
    struct timespec settle = {0, 20000000};
    nanosleep(&settle, NULL);
    struct request request = { want, now_us(), device };
    if (write(to_poller[1], &request, sizeof request) != sizeof request) { perror("write"); exit(1); }
    return request.start;
}

static double go(int want) { return go_for(want, 0); }

static struct answer result(void) {
    struct answer answer;
    if (read(from_poller[0], &answer, sizeof answer) != sizeof answer) { fprintf(stderr, "the poller died\n"); exit(1); }
    return answer;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "loop-add") == 0) { loop_control(LOOP_CTL_ADD, atoi(argv[2])); return 0; }
    if (argc == 3 && strcmp(argv[1], "loop-remove") == 0) { loop_control(LOOP_CTL_REMOVE, atoi(argv[2])); return 0; }
    if (argc < 6) {
        fprintf(stderr, "usage: reaction CGROUP_PROCS ROOT MODE ROUNDS ARGS...\n");
        return 2;
    }
    const char *procs = argv[1], *root = argv[2], *mode = argv[3];
    int rounds = atoi(argv[4]);
    const char *inside = strcmp(mode, "link") == 0 || strcmp(mode, "replug") == 0 ? argv[argc - 1] : strcmp(mode, "uevent") == 0 ? argv[6] : argv[5];
    char path[4096];
    snprintf(path, sizeof path, "%s%s", root, inside);
    start_poller(procs, path);
    int status = 0;
    if (strcmp(mode, "command") == 0) rounds = 1;
    for (int round = 0; round < rounds; round++) {
        struct answer answer;
        if (strcmp(mode, "uevent") == 0) {
            int number = atoi(argv[5]);
            go(1);
            loop_control(LOOP_CTL_ADD, number);
            answer = result();
            printf("add %.0f %.0f %d\n", answer.seen, answer.done, answer.refused);
            go(0);
            loop_control(LOOP_CTL_REMOVE, number);
            answer = result();
            printf("remove %.0f %.0f\n", answer.seen, answer.done);
        } else if (strcmp(mode, "link") == 0) {
            go(1);
            if (symlink(argv[6], argv[5]) != 0) { perror("symlink"); return 1; }
            answer = result();
            printf("add %.0f %.0f %d\n", answer.seen, answer.done, answer.refused);
            go(0);
            if (unlink(argv[5]) != 0) { perror("unlink"); return 1; }
            answer = result();
            printf("remove %.0f %.0f\n", answer.seen, answer.done);
        } else if (strcmp(mode, "replug") == 0) {
            /* Rounds alternate: the link names the old number, the new one is plugged in and the link moved to it. */
            const char *link = argv[5];
            int old = atoi(round % 2 == 0 ? argv[6] : argv[7]), new = atoi(round % 2 == 0 ? argv[7] : argv[6]);
            char target[64], temporary[4096];
            snprintf(target, sizeof target, "/dev/loop%d", new);
            snprintf(temporary, sizeof temporary, "%s.tmp-replug", link);
            go_for(1, makedev(7, new));
            loop_control(LOOP_CTL_ADD, new);
            unlink(temporary);
            if (symlink(target, temporary) != 0 || rename(temporary, link) != 0) { perror("symlink and rename"); return 1; }
            answer = result();
            printf("renumber %.0f %.0f %d\n", answer.seen, answer.done, answer.refused);
            loop_control(LOOP_CTL_REMOVE, old);
        } else if (strcmp(mode, "command") == 0) {
            pid_t child;
            go(1);
            posix_spawn_file_actions_t quiet;
            posix_spawn_file_actions_init(&quiet);
            posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
            if (posix_spawnp(&child, argv[6], &quiet, NULL, argv + 6, environ) != 0) { perror("posix_spawn"); return 1; }
            answer = result();
            waitpid(child, &status, 0);
            printf("add %.0f %.0f %d\n", answer.seen, answer.done, answer.refused);
            status = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
        } else {
            fprintf(stderr, "unknown mode %s\n", mode);
            return 2;
        }
        fflush(stdout);
    }
    struct request stop = { -1, 0 };
    if (write(to_poller[1], &stop, sizeof stop) != sizeof stop) return 1;
    wait(NULL);
    return status;
}
