/*
 * xapian_testutil.h -- helpers of the suites that call the binding
 * (check_xapian, check_match): a call asserted to succeed, literal text as
 * (pointer, length), a database opened and a hit's docid read, asserted.
 */
#ifndef SPINE_XAPIAN_TESTUTIL_H
#define SPINE_XAPIAN_TESTUTIL_H

#include <check.h>
#include <string.h>

#include "xapian_c.h"

/* Asserts that a call returned XAPIAN_OK, showing the error (a local
 * xapian_error named err) otherwise. */
#define OK(call)                                                           \
    do {                                                                   \
        int rc_ = (call);                                                  \
        ck_assert_msg(rc_ == XAPIAN_OK, "%s -> %s: %s", #call,             \
                      xapian_strerror(rc_), err.msg);                      \
    } while (0)

#define S(lit) (lit), strlen(lit)

/* Opens path read-only, asserting success. */
static inline xapian_database *open_db(const char *path)
{
    xapian_error err;
    xapian_database *db;
    OK(xapian_database_open(&db, path, &err));
    ck_assert_ptr_nonnull(db);
    return db;
}

/* Returns the docid of hit i, asserting it exists. */
static inline xapian_docid hit(const xapian_mset *mset, unsigned i)
{
    xapian_error err;
    xapian_docid did;
    OK(xapian_mset_docid(&did, mset, i, &err));
    return did;
}

#endif
