/* cn_scattered.h — part of cnumerics.h; filled by its issue. */
#ifndef CN_SCATTERED_H
#define CN_SCATTERED_H

#endif
