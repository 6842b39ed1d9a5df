/*
 * deny-syscall: runs a command under a seccomp filter that makes some system
 * calls fail with a given errno, so a test can have the kernel really refuse
 * a call a hook makes (mount(2) denied, stat(2) denied) without changing the
 * hook. Built by the end-to-end tests at run time (DeniedCallTests.swift);
 * not part of the product.
 *
 *   deny-syscall RULE[,RULE...] ERRNO COMMAND [ARG...]
 *
 * RULE is a system call name (mount, newfstatat, statx, ...) or number,
 * optionally followed by conditions on its arguments, `:argN=VALUE` (N from
 * 0 to 5, VALUE decimal or 0x hex, may be negative): the call is denied only
 * when every condition holds. Conditions compare the argument's low 32 bits
 * (the arguments worth matching, such as a dirfd or flags, are C ints).
 * ERRNO is a name (EPERM, EACCES, ...) or a number. Every other call is
 * allowed; a call made through another architecture's entry (x32, i386) kills
 * the process, so the filter cannot be bypassed by accident.
 *
 * Example: `deny-syscall newfstatat:arg0=-100:arg3=0 EACCES prog` fails
 * glibc's stat(path) (newfstatat(AT_FDCWD, path, buf, 0)) but not fstat or
 * fstatat(..., AT_SYMLINK_NOFOLLOW).
 *
 * Raw BPF, no libseccomp. Exit status 125 on a usage or setup error, 127 if
 * COMMAND cannot be run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#else
#error "deny-syscall supports x86_64 and little-endian aarch64"
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "argument offsets below assume little-endian"
#endif

struct name_number { const char *name; long number; };

static const struct name_number syscalls[] = {
#define SYSCALL(name) { #name, __NR_##name },
#ifdef __NR_mount
    SYSCALL(mount)
#endif
#ifdef __NR_umount2
    SYSCALL(umount2)
#endif
#ifdef __NR_move_mount
    SYSCALL(move_mount)
#endif
#ifdef __NR_open_tree
    SYSCALL(open_tree)
#endif
#ifdef __NR_fsopen
    SYSCALL(fsopen)
#endif
#ifdef __NR_fsmount
    SYSCALL(fsmount)
#endif
#ifdef __NR_stat
    SYSCALL(stat)
#endif
#ifdef __NR_lstat
    SYSCALL(lstat)
#endif
#ifdef __NR_fstat
    SYSCALL(fstat)
#endif
#ifdef __NR_newfstatat
    SYSCALL(newfstatat)
#endif
#ifdef __NR_statx
    SYSCALL(statx)
#endif
#ifdef __NR_open
    SYSCALL(open)
#endif
#ifdef __NR_openat
    SYSCALL(openat)
#endif
#ifdef __NR_openat2
    SYSCALL(openat2)
#endif
#ifdef __NR_mkdirat
    SYSCALL(mkdirat)
#endif
#ifdef __NR_mknodat
    SYSCALL(mknodat)
#endif
#ifdef __NR_fchownat
    SYSCALL(fchownat)
#endif
#ifdef __NR_fchmodat
    SYSCALL(fchmodat)
#endif
#ifdef __NR_unlinkat
    SYSCALL(unlinkat)
#endif
#ifdef __NR_rmdir
    SYSCALL(rmdir)
#endif
#ifdef __NR_unlink
    SYSCALL(unlink)
#endif
#ifdef __NR_readlink
    SYSCALL(readlink)
#endif
#ifdef __NR_readlinkat
    SYSCALL(readlinkat)
#endif
#ifdef __NR_write
    SYSCALL(write)
#endif
#undef SYSCALL
};

static const struct name_number errnos[] = {
#define ERRNO(name) { #name, name },
    ERRNO(EPERM) ERRNO(ENOENT) ERRNO(EIO) ERRNO(ENXIO) ERRNO(EACCES) ERRNO(EBUSY)
    ERRNO(EEXIST) ERRNO(ENODEV) ERRNO(ENOTDIR) ERRNO(EINVAL) ERRNO(ENOSPC) ERRNO(EROFS)
    ERRNO(ENOMEM) ERRNO(ELOOP) ERRNO(ENOSYS) ERRNO(ENAMETOOLONG) ERRNO(EOVERFLOW)
#undef ERRNO
};

#define MAX_RULES 8
#define MAX_CONDITIONS 6

struct rule {
    long number;
    int conditions;
    int argument[MAX_CONDITIONS];
    uint32_t value[MAX_CONDITIONS];
};

__attribute__((noreturn)) static void usage(const char *message, const char *detail) {
    fprintf(stderr, "deny-syscall: %s%s%s\n"
                    "usage: deny-syscall SYSCALL[:argN=VALUE...][,SYSCALL...] ERRNO COMMAND [ARG...]\n",
            message, detail ? ": " : "", detail ? detail : "");
    exit(125);
}

static int parse_number(const char *text, long *result) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 0);
    if (errno != 0 || end == text || *end != '\0') return 0;
    *result = value;
    return 1;
}

static long lookup(const struct name_number *table, size_t count, const char *name, const char *what) {
    for (size_t i = 0; i < count; i++)
        if (strcmp(table[i].name, name) == 0) return table[i].number;
    long number;
    if (parse_number(name, &number) && number >= 0) return number;
    usage(what, name);
}

/* "name:arg3=0:arg0=-100" */
static void parse_rule(char *text, struct rule *rule) {
    char *save = NULL;
    char *part = strtok_r(text, ":", &save);
    if (part == NULL) usage("empty system call rule", NULL);
    rule->number = lookup(syscalls, sizeof syscalls / sizeof *syscalls, part, "unknown system call");
    rule->conditions = 0;
    while ((part = strtok_r(NULL, ":", &save)) != NULL) {
        long value;
        if (strncmp(part, "arg", 3) != 0 || part[3] < '0' || part[3] > '5' || part[4] != '=' ||
            !parse_number(part + 5, &value))
            usage("a condition must be argN=VALUE with N from 0 to 5", part);
        if (rule->conditions == MAX_CONDITIONS) usage("too many conditions", part);
        rule->argument[rule->conditions] = part[3] - '0';
        rule->value[rule->conditions] = (uint32_t)value;
        rule->conditions++;
    }
}

int main(int argc, char **argv) {
    if (argc < 4) usage("missing arguments", NULL);
    struct rule rules[MAX_RULES];
    int count = 0;
    char *save = NULL;
    for (char *text = strtok_r(argv[1], ",", &save); text != NULL; text = strtok_r(NULL, ",", &save)) {
        if (count == MAX_RULES) usage("too many system calls", text);
        parse_rule(text, &rules[count++]);
    }
    if (count == 0) usage("no system call named", NULL);
    long error = lookup(errnos, sizeof errnos / sizeof *errnos, argv[2], "unknown errno");
    if (error <= 0 || error > SECCOMP_RET_DATA) usage("errno out of range", argv[2]);

    struct sock_filter program[8 + MAX_RULES * (2 + 2 * MAX_CONDITIONS + 1)];
    int length = 0;
#define EMIT(statement) (program[length++] = (struct sock_filter)statement)
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0));
    EMIT(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#if defined(__x86_64__)
    /* x32 calls have bit 30 set and the same arch value. */
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
    EMIT(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#endif
    for (int r = 0; r < count; r++) {
        /* Each block: load nr, compare, conditions, deny. A failed test jumps
         * past the block's end: skip = instructions left in the block after it. */
        int block = 2 + 2 * rules[r].conditions + 1;
        EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
        EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)rules[r].number, 0, block - 2));
        for (int c = 0; c < rules[r].conditions; c++) {
            EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                          offsetof(struct seccomp_data, args) + 8 * rules[r].argument[c]));
            EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, rules[r].value[c], 0, block - 4 - 2 * c));
        }
        EMIT(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((uint32_t)error & SECCOMP_RET_DATA)));
    }
    EMIT(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
#undef EMIT

    struct sock_fprog filter = { .len = (unsigned short)length, .filter = program };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        perror("deny-syscall: prctl(PR_SET_NO_NEW_PRIVS)");
        return 125;
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) != 0) {
        if (errno != ENOSYS || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0) != 0) {
            perror("deny-syscall: seccomp(SECCOMP_SET_MODE_FILTER)");
            return 125;
        }
    }
    execvp(argv[3], argv + 3);
    fprintf(stderr, "deny-syscall: cannot run %s: %s\n", argv[3], strerror(errno));
    return 127;
}
