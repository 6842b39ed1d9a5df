// Declarations only: see include/watch_shims.h.
#include "watch_shims.h"
