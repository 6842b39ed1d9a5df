/* Times pre-start/autodev hook pairs against one generated container, the
 * way LXC runs them: fork, exec, wait. Several implementations take turns
 * run by run, so that the machine's drift hits them alike. Cleanup between
 * runs is not timed. Run inside a private mount namespace (run.sh does).
 *
 *   measure RUNS CONTAINER_DIR ROOTFS EXPECTED_NODES NAME PRESTART AUTODEV [NAME PRESTART AUTODEV]...
 *
 * Prints a line per implementation: its name, runs, then median/min/max wall
 * time in ms of pre-start, autodev and the pair, then the peak RSS in KiB of
 * either hook. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs `program NAME lxc TYPE` (hook version 0); returns wall ms, adds to *rss. */
static double run_hook(const char *program, const char *type, long *rss) {
    double start = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", 1);
        dup2(null, 1);
        execl(program, program, "bench", "lxc", type, (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "measure: %s (%s) failed (status %d)\n", program, type, status);
        exit(1);
    }
    double elapsed = now_ms() - start;
    if (usage.ru_maxrss > *rss) *rss = usage.ru_maxrss;
    return elapsed;
}

static void reset(const char *container, const char *rootfs) {
    char path[4096];
    snprintf(path, sizeof path, "%s/lxc-passthrough", container);
    while (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {}
    rmdir(path);
    snprintf(path, sizeof path, "%s/dev", rootfs);
    while (umount2(path, MNT_DETACH) == 0) {}
    if (mount("none", path, "tmpfs", 0, "mode=0755") != 0) { perror("measure: mount rootfs/dev"); exit(1); }
}

/* Bind mounts below rootfs/dev: what autodev made. */
static int count_binds(const char *rootfs) {
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[8192], prefix[4096];
    int count = 0;
    snprintf(prefix, sizeof prefix, " %s/dev/", rootfs);
    while (f && fgets(line, sizeof line, f)) if (strstr(line, prefix)) count++;
    if (f) fclose(f);
    return count;
}

static void summary(double *values, int n) {
    qsort(values, n, sizeof *values, compare);
    printf(" %.3f %.3f %.3f", values[n / 2], values[0], values[n - 1]);
}

int main(int argc, char **argv) {
    if (argc < 8 || (argc - 5) % 3 != 0) {
        fprintf(stderr, "usage: measure RUNS CONTAINER_DIR ROOTFS EXPECTED_NODES NAME PRESTART AUTODEV [NAME PRESTART AUTODEV]...\n");
        return 2;
    }
    int runs = atoi(argv[1]), expected = atoi(argv[4]), count = (argc - 5) / 3;
    const char *container = argv[2], *rootfs = argv[3];
    char config[4096];
    snprintf(config, sizeof config, "%s/config", container);
    setenv("LXC_NAME", "bench", 1);
    setenv("LXC_CONFIG_FILE", config, 1);
    setenv("LXC_ROOTFS_MOUNT", rootfs, 1);
    double *pre = calloc((size_t)runs * count, sizeof *pre), *autodev = calloc((size_t)runs * count, sizeof *autodev),
           *pair = calloc((size_t)runs * count, sizeof *pair);
    long *rss = calloc(count, sizeof *rss);
    for (int i = 0; i < runs; i++) {
        for (int turn = 0; turn < count; turn++) {
            int k = (i + turn) % count;
            const char *name = argv[5 + 3 * k], *prestart = argv[6 + 3 * k], *auto_hook = argv[7 + 3 * k];
            reset(container, rootfs);
            pre[k * runs + i] = run_hook(prestart, "pre-start", &rss[k]);
            autodev[k * runs + i] = run_hook(auto_hook, "autodev", &rss[k]);
            pair[k * runs + i] = pre[k * runs + i] + autodev[k * runs + i];
            if (i == 0 && count_binds(rootfs) != expected) {
                fprintf(stderr, "measure: %s made %d nodes in the container, expected %d\n", name, count_binds(rootfs), expected);
                return 1;
            }
        }
    }
    reset(container, rootfs);
    for (int k = 0; k < count; k++) {
        printf("%s %d", argv[5 + 3 * k], runs);
        summary(pre + k * runs, runs);
        summary(autodev + k * runs, runs);
        summary(pair + k * runs, runs);
        printf(" %ld\n", rss[k]);
    }
    return 0;
}
