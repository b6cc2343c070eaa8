/* cn_arima.h — part of cnumerics.h; filled by its issue. */
#ifndef CN_ARIMA_H
#define CN_ARIMA_H

#endif
