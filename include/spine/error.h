/*
 * spine/error.h -- error codes and the caller-owned error record shared by
 * every libspine module.
 *
 * Every fallible libspine call returns 0 (SPINE_OK) or a negative SPINE_E*
 * code, and takes an optional spine_error * as its last parameter that
 * receives the code and a one-line message naming the file, line, field or
 * query that failed.  There is no global error state.
 */
#ifndef SPINE_ERROR_H
#define SPINE_ERROR_H

enum {
    SPINE_OK        =   0,
    SPINE_ERROR     =  -1,  /* anything not listed below */
    SPINE_ENOMEM    =  -2,  /* out of memory */
    SPINE_EINVAL    =  -3,  /* bad argument or option */
    SPINE_EIO       =  -4,  /* a file could not be read or written */
    SPINE_EPARSE    =  -5,  /* bad input record (XML, JSON, UTF-8, field) */
    SPINE_ECORRUPT  =  -6,  /* corrupt index or stored record */
    SPINE_ENOTFOUND =  -7,  /* no index (or file) at that path */
    SPINE_ELOCKED   =  -8,  /* another indexer holds the index */
    SPINE_EQUERY    =  -9,  /* malformed query */
    SPINE_EABORT    = -10,  /* stopped on request (callback, --strict) */
    SPINE_ELIMIT    = -11,  /* past a limit of Xapian's format (a term's
                               32-bit collection frequency: ceiling.h) */
    SPINE_ESHARD    = -12   /* a shard of a set did not answer: down,
                               refusing, or slower than the timeout */
};

typedef struct spine_error {
    int  code;               /* SPINE_E* or SPINE_OK */
    char msg[512];           /* NUL-terminated, no trailing newline */
} spine_error;

/* Records code and a printf-style message in err (which may be NULL) and
 * returns code, so a failure path reads `return spine_error_set(err, ...)`. */
int spine_error_set(spine_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Resets err (which may be NULL) to SPINE_OK with an empty message. */
void spine_error_clear(spine_error *err);

/* Returns a static name for a SPINE_E* code, e.g. "ENOTFOUND". */
const char *spine_strerror(int code);

#endif /* SPINE_ERROR_H */
