#include "cnumerics.h"

const char *cn_status_message(int status) {
    switch (status) {
    case CN_OK: return "ok";
    case CN_ERR_ARGUMENT: return "invalid argument";
    case CN_ERR_NONFINITE: return "input holds NaN or infinity";
    case CN_ERR_SINGULAR: return "singular linear system";
    case CN_ERR_LAPACK: return "LAPACK failure";
    case CN_ERR_DEGENERATE: return "degenerate geometry";
    case CN_ERR_NO_CONVERGENCE: return "no convergence";
    case CN_ERR_WORKSPACE: return "workspace too small";
    case CN_ERR_OBJECTIVE: return "objective returned a non-finite value";
    case CN_ERR_FULL: return "capacity exhausted";
    case CN_ERR_INFEASIBLE: return "cannot be served by the configured resources";
    case CN_MORE_OUTPUT: return "output buffer full, call again";
    default: return "unknown status";
    }
}
