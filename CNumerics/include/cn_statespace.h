/* cn_statespace.h — part of cnumerics.h; filled by its issue. */
#ifndef CN_STATESPACE_H
#define CN_STATESPACE_H

#endif
