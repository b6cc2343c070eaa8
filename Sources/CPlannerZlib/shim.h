// zlib (Debian zlib1g-dev) for PlannerIO: gzip traces and deflated NPZ members.
// Own module name so it never collides with ZIPFoundation's CZLib.
#ifndef PLANNER_ZLIB_SHIM_H
#define PLANNER_ZLIB_SHIM_H
#include <zlib.h>
#endif
