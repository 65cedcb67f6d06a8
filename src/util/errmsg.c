/* errmsg - write a caller's error message (see errmsg.h) */
#include "util/errmsg.h"

#include <stdarg.h>
#include <stdio.h>

int
errmsg_set(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}
