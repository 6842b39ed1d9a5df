/* The floor: a pre-start/autodev pair in C that makes the same system calls
 * in the same order as the Swift hooks, with parsing cut to what the
 * benchmark's configs need (no validation, no error messages worth the name).
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

static char dir[4096];

static int prestart(const char *config) {
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
    if (count == 0) return 0;
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
    mkdir(dir, 0755);
    if (mount("none", dir, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=1m,nr_inodes=1024,mode=0755") != 0) return 1;
    int root = open(dir, O_RDONLY | O_DIRECTORY);
    char list[300000];
    int used = 0;
    for (int i = 0; i < count; i++) {
        if (mknodat(root, keys[i], (st[i].st_mode & S_IFMT) | 0600, st[i].st_rdev) != 0) return 1;
        struct stat made;
        fstatat(root, keys[i], &made, AT_SYMLINK_NOFOLLOW);
        fchownat(root, keys[i], uid_base + uid[i], gid_base + gid[i], AT_SYMLINK_NOFOLLOW);
        fchmodat(root, keys[i], mode[i], 0);
        used += snprintf(list + used, sizeof list - used, "%s %c %u %u %s\n", keys[i], S_ISBLK(st[i].st_mode) ? 'b' : 'c',
                         major(st[i].st_rdev), minor(st[i].st_rdev), paths[i]);
    }
    int fd = openat(root, "devices", O_WRONLY | O_CREAT | O_EXCL, 0644);
    write(fd, list, used);
    close(fd);
    return 0;
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
    snprintf(dir, sizeof dir, "%s/lxc-passthrough", dirname(copy));
    if (!strcmp(argv[argc - 1], "pre-start")) return prestart(config);
    if (!strcmp(argv[argc - 1], "autodev")) return autodev(getenv("LXC_ROOTFS_MOUNT"));
    return 2;
}
