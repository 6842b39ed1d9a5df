/* The floor: a pre-start/autodev pair in C that makes the same system calls
 * in the same order as the Swift hooks, with parsing cut to what the
 * benchmark's configs need (no validation, no error messages worth the name):
 * Proxmox's config looked for, the run record (the monitor: the hook's
 * parent, its executable and start time) written and renamed, the tmpfs made
 * with fsopen/fsmount and moved into place, the autodev error file, the
 * host's record of grants written and renamed. Needs glibc 2.36 (the new
 * mount API's wrappers).
 * One binary; the hook type is the last argument, as LXC passes it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char dir[4096], container_dir[4096];

/* TEXT written to /run/lxc-passthrough/DEV-INO.SUFFIX (DEV-INO: the
 * container directory's), as a new file renamed over the old one. */
static int write_record(const char *suffix, const char *text, size_t length) {
    struct stat container;
    stat(container_dir, &container);
    char name[64], temporary[80];
    snprintf(name, sizeof name, "%lu-%lu.%s", (unsigned long)container.st_dev, (unsigned long)container.st_ino, suffix);
    snprintf(temporary, sizeof temporary, ".%s.%d", name, getpid());
    mkdir("/run/lxc-passthrough", 0700);
    int records = open("/run/lxc-passthrough", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    struct stat records_status;
    fstat(records, &records_status);
    unlinkat(records, temporary, 0);
    int fd = openat(records, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    write(fd, text, length);
    int renamed = renameat(records, temporary, records, name);
    close(fd);
    close(records);
    return renamed != 0;
}

/* The run record: the monitor (the hook's parent), by pid and start time. */
static int record_monitor(void) {
    char stat_text[1024], path[64], exe[4096];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f || !fgets(stat_text, sizeof stat_text, f)) return 1;
    fclose(f);
    int parent = 0;
    sscanf(strrchr(stat_text, ')') + 2, "%*c %d", &parent);
    snprintf(path, sizeof path, "/proc/%d/exe", parent);
    if (readlink(path, exe, sizeof exe) < 0) return 1;
    snprintf(path, sizeof path, "/proc/%d/stat", parent);
    f = fopen(path, "r");
    if (!f || !fgets(stat_text, sizeof stat_text, f)) return 1;
    fclose(f);
    unsigned long long start = 0;
    sscanf(strrchr(stat_text, ')') + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &start);
    char record[128];
    int length = snprintf(record, sizeof record, "lxc-passthrough run 1\nmonitor %d %llu\n", parent, start);
    return write_record("run", record, length);
}

static int prestart(const char *config, const char *name) {
    char pve[4096];
    snprintf(pve, sizeof pve, "/etc/pve/lxc/%s.conf", name);
    int pve_config = open(pve, O_RDONLY);
    if (pve_config >= 0) close(pve_config);
    FILE *f = fopen(config, "r");
    if (!f) return 1;
    char line[8192];
    unsigned long uid_base = 0, gid_base = 0;
    static char lines[256][8192];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b, c;
        if (sscanf(line, "lxc.idmap = u %lu %lu %lu", &a, &b, &c) == 3) uid_base = b;
        else if (sscanf(line, "lxc.idmap = g %lu %lu %lu", &a, &b, &c) == 3) gid_base = b;
        else if (!strncmp(line, "dev", 3) && count < 256) strcpy(lines[count++], line);
    }
    fclose(f);
    umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW);
    rmdir(dir);
    if (count == 0) return record_monitor();
    struct stat st[256];
    char *paths[256], *keys[256];
    unsigned mode[256], uid[256], gid[256];
    for (int i = 0; i < count; i++) {
        char *colon = strchr(lines[i], ':');
        *colon = 0;
        keys[i] = lines[i];
        char *value = colon + 2;
        value[strcspn(value, "\n")] = 0;
        paths[i] = strtok(value, ",");
        mode[i] = 0660; uid[i] = 0; gid[i] = 0;
        for (char *opt; (opt = strtok(NULL, ","));) {
            if (!strncmp(opt, "mode=", 5)) mode[i] = strtoul(opt + 5, NULL, 8);
            else if (!strncmp(opt, "uid=", 4)) uid[i] = strtoul(opt + 4, NULL, 10);
            else if (!strncmp(opt, "gid=", 4)) gid[i] = strtoul(opt + 4, NULL, 10);
        }
        if (stat(paths[i], &st[i]) != 0) return 1;
    }
    /* Not in the host's mount namespace. */
    struct stat own_ns, host_ns;
    if (stat("/proc/1/ns/mnt", &host_ns) == 0) {
        if (stat("/proc/self/ns/mnt", &own_ns) == 0 && own_ns.st_ino == host_ns.st_ino) return 1;
    } else {
        /* PID 1's namespace hidden: the mount table says whether ours is private. */
        char table[65536];
        int mountinfo = open("/proc/self/mountinfo", O_RDONLY);
        if (mountinfo < 0 || read(mountinfo, table, sizeof table) < 0) return 1;
        close(mountinfo);
    }
    if (record_monitor() != 0) return 1;
    /* A tmpfs mounted nowhere, filled through its descriptor, then moved onto the directory. */
    int context = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (context < 0) return 1;
    fsconfig(context, FSCONFIG_SET_STRING, "source", "lxc-passthrough", 0);
    fsconfig(context, FSCONFIG_SET_STRING, "size", "1m", 0);
    fsconfig(context, FSCONFIG_SET_STRING, "nr_inodes", "1024", 0);
    fsconfig(context, FSCONFIG_SET_STRING, "mode", "0711", 0);
    if (fsconfig(context, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) return 1;
    int root = fsmount(context, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    if (root < 0) return 1;
    close(context);
    struct stat tmpfs;
    fstat(root, &tmpfs);
    char list[300000];
    static char record[600000];
    int used = 0, recorded = 0;
    for (int i = 0; i < count; i++) {
        if (mknodat(root, keys[i], (st[i].st_mode & S_IFMT) | 0600, st[i].st_rdev) != 0) return 1;
        struct stat made;
        fstatat(root, keys[i], &made, AT_SYMLINK_NOFOLLOW);
        fchownat(root, keys[i], uid_base + uid[i], gid_base + gid[i], AT_SYMLINK_NOFOLLOW);
        fchmodat(root, keys[i], mode[i], 0);
        used += snprintf(list + used, sizeof list - used, "%s %c %u %u %s\n", keys[i], S_ISBLK(st[i].st_mode) ? 'b' : 'c',
                         major(st[i].st_rdev), minor(st[i].st_rdev), paths[i]);
        recorded += snprintf(record + recorded, sizeof record - recorded, "grant %s %c %u %u rw %u:%u %lu %s %s\n", keys[i],
                             S_ISBLK(st[i].st_mode) ? 'b' : 'c', major(st[i].st_rdev), minor(st[i].st_rdev),
                             major(tmpfs.st_dev), minor(tmpfs.st_dev), (unsigned long)made.st_ino, keys[i], paths[i]);
    }
    /* The file autodev reports a failure in, owned by the container's root. */
    int fd = openat(root, "autodev-error", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    close(fd);
    fchownat(root, "autodev-error", uid_base, gid_base, AT_SYMLINK_NOFOLLOW);
    fchmodat(root, "autodev-error", 0600, 0);
    fd = openat(root, "devices", O_WRONLY | O_CREAT | O_EXCL, 0644);
    write(fd, list, used);
    fchmodat(root, "devices", 0644, 0);
    close(fd);
    mkdir(dir, 0755);
    int target = open(dir, O_PATH | O_NOFOLLOW | O_DIRECTORY);
    if (move_mount(root, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) return 1;
    close(target);
    close(root);
    /* The host's record of grants. */
    return write_record("grants", record, recorded);
}

static int autodev(const char *rootfs) {
    char path[4096];
    snprintf(path, sizeof path, "%s/devices", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char key[16], type, name[4096];
    unsigned major_number, minor_number;
    int dev = -1;
    while (fscanf(f, "%15s %c %u %u %4095s", key, &type, &major_number, &minor_number, name) == 5) {
        if (dev < 0) {
            snprintf(path, sizeof path, "%s/dev", rootfs);
            dev = open(path, O_RDONLY | O_DIRECTORY);
        }
        /* mkdir -p of the parents below /dev, then an empty file to mount onto. */
        char *relative = name + 5;
        for (char *slash = strchr(relative, '/'); slash; slash = strchr(slash + 1, '/')) {
            *slash = 0;
            mkdirat(dev, relative, 0755);
            *slash = '/';
        }
        int file = openat(dev, relative, O_WRONLY | O_CREAT | O_NOFOLLOW, 0600);
        close(file);
        char source[4096], target[8192];
        snprintf(source, sizeof source, "%s/%s", dir, key);
        snprintf(target, sizeof target, "%s/dev/%s", rootfs, relative);
        if (mount(source, target, NULL, MS_BIND, NULL) != 0) return 1;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    const char *config = getenv("LXC_CONFIG_FILE");
    if (!config || argc < 2) return 2;
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", config);
    snprintf(container_dir, sizeof container_dir, "%s", dirname(copy));
    snprintf(dir, sizeof dir, "%s/lxc-passthrough", container_dir);
    const char *name = getenv("LXC_NAME");
    if (!strcmp(argv[argc - 1], "pre-start")) return prestart(config, name ? name : "");
    if (!strcmp(argv[argc - 1], "autodev")) return autodev(getenv("LXC_ROOTFS_MOUNT"));
    return 2;
}
