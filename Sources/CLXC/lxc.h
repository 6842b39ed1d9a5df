// liblxc's API (Debian's lxc-dev), for lxc-passthrough's live operations.
// The hooks never import this module: they stay static and run without liblxc.
#include <lxc/lxccontainer.h>
