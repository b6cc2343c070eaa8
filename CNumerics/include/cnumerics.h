/*
 * cnumerics.h — the one public header of the planner's C99 numerical core.
 *
 * Conventions (after LAPACK and liblbfgs): every public symbol starts with
 * `cn_`; matrices are column-major with an explicit leading dimension;
 * workspaces are owned by the caller; no globals, no printing; every fallible
 * routine returns a `cn_status`. Each area declares its API in its own
 * section header below, all of which are part of this one public interface.
 */
#ifndef CNUMERICS_H
#define CNUMERICS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes shared by every routine of the core. */
typedef enum cn_status {
    CN_OK = 0,
    CN_ERR_ARGUMENT = -1,      /**< a size, pointer or option is invalid */
    CN_ERR_NONFINITE = -2,     /**< an input holds NaN or infinity */
    CN_ERR_SINGULAR = -3,      /**< a linear system is singular */
    CN_ERR_LAPACK = -4,        /**< LAPACK reported a failure */
    CN_ERR_DEGENERATE = -5,    /**< geometry is degenerate (collinear, duplicates) */
    CN_ERR_NO_CONVERGENCE = -6,/**< an iteration did not converge */
    CN_ERR_WORKSPACE = -7,     /**< a caller workspace is too small */
    CN_ERR_OBJECTIVE = -8,     /**< an objective returned a non-finite value */
    CN_ERR_FULL = -9,          /**< a caller-sized capacity (slots, pool) is exhausted */
    CN_ERR_INFEASIBLE = -10,   /**< an input can never be served by the configured resources */
    CN_MORE_OUTPUT = 1,        /**< not an error: the output buffer filled, call again */
} cn_status;

/** A short English description of a status code (static storage). */
const char *cn_status_message(int status);

#include "cn_linalg.h"
#include "cn_optimize.h"
#include "cn_spline.h"
#include "cn_scattered.h"
#include "cn_statespace.h"
#include "cn_arima.h"
#include "cn_prophet.h"
#include "cn_holt_winters.h"
#include "cn_replay.h"

#ifdef __cplusplus
}
#endif
#endif /* CNUMERICS_H */
