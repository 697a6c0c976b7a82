/*
 * xerror.h -- turning binding errors into libspine errors (internal).
 */
#ifndef SPINE_XERROR_H
#define SPINE_XERROR_H

#include "spine/error.h"
#include "xapian_c.h"

/* Maps xe's code to the nearest SPINE_E* code, records "what: message" in
 * err (which may be NULL) and returns the SPINE_E* code. */
int spine_error_from_xapian(spine_error *err, const xapian_error *xe,
                            const char *what);

#endif
