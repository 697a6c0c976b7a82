/*
 * error.c -- the spine_error record.
 */
#include <stdarg.h>
#include <stdio.h>

#include "spine/error.h"
#include "xerror.h"

int spine_error_set(spine_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void spine_error_clear(spine_error *err)
{
    if (err) {
        err->code = SPINE_OK;
        err->msg[0] = '\0';
    }
}

const char *spine_strerror(int code)
{
    switch (code) {
    case SPINE_OK:        return "OK";
    case SPINE_ENOMEM:    return "ENOMEM";
    case SPINE_EINVAL:    return "EINVAL";
    case SPINE_EIO:       return "EIO";
    case SPINE_EPARSE:    return "EPARSE";
    case SPINE_ECORRUPT:  return "ECORRUPT";
    case SPINE_ENOTFOUND: return "ENOTFOUND";
    case SPINE_ELOCKED:   return "ELOCKED";
    case SPINE_EQUERY:    return "EQUERY";
    case SPINE_EABORT:    return "EABORT";
    case SPINE_ELIMIT:    return "ELIMIT";
    case SPINE_ESHARD:    return "ESHARD";
    default:              return "ERROR";
    }
}

int spine_error_from_xapian(spine_error *err, const xapian_error *xe,
                            const char *what)
{
    int code;
    switch (xe->code) {
    case XAPIAN_ENOMEM:    code = SPINE_ENOMEM; break;
    case XAPIAN_EINVAL:    code = SPINE_EINVAL; break;
    case XAPIAN_ENOTFOUND: code = SPINE_ENOTFOUND; break;
    case XAPIAN_ELOCKED:   code = SPINE_ELOCKED; break;
    case XAPIAN_ECORRUPT:
    case XAPIAN_EVERSION:  code = SPINE_ECORRUPT; break;
    case XAPIAN_EQUERY:    code = SPINE_EQUERY; break;
    case XAPIAN_EDATABASE:
    case XAPIAN_EMODIFIED:
    case XAPIAN_EOPENING:  code = SPINE_EIO; break;
    case XAPIAN_ENETWORK:  code = SPINE_ESHARD; break;
    default:               code = SPINE_ERROR; break;
    }
    return spine_error_set(err, code, "%s: %s", what, xe->msg);
}
