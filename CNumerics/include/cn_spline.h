/* cn_spline.h — part of cnumerics.h; filled by its issue. */
#ifndef CN_SPLINE_H
#define CN_SPLINE_H

#endif
