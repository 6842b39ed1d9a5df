// The shims are inline functions in include/CLinuxShims.h.
