/* cn_prophet.h — part of cnumerics.h; filled by its issue. */
#ifndef CN_PROPHET_H
#define CN_PROPHET_H

#endif
