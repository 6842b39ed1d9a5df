// The kernel interfaces the watcher waits on, which Swift's Glibc module does
// not bring in: epoll, inotify, signalfd, timerfd and netlink (and malloc_trim). Only the
// watcher imports this module; the hooks never link it.
#ifndef LXC_PASSTHROUGH_WATCH_SHIMS_H
#define LXC_PASSTHROUGH_WATCH_SHIMS_H

#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <linux/netlink.h>
#include <malloc.h>

/// The kernel's multicast group for uevents on NETLINK_KOBJECT_UEVENT (udev's is 2).
static const unsigned int shim_uevent_kernel_group = 1;

#endif
