/*
 * xapian_c_int.h -- the binding's private C++ side: what each opaque handle
 * of xapian_c.h holds, and the error helpers every entry point uses.
 * Included by xapian_c.cc and by spine_ext.cc (Spine's extensions to
 * Xapian), never by C.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef XAPIAN_C_INT_H
#define XAPIAN_C_INT_H

#ifndef __cplusplus
#error "xapian_c_int.h is C++: C sees only xapian_c.h"
#endif

#include <xapian.h>

#include <map>
#include <string>
#include <vector>

#include "xapian_c.h"

struct xapian_database {
    Xapian::Database db;
};

struct xapian_writable_database {
    Xapian::WritableDatabase db;
};

/* Document::get_data() and get_value() return strings by value, while the C
 * getters hand out borrowed pointers: the copies live here until the
 * document is freed or asked again. */
struct xapian_document {
    Xapian::Document doc;
    std::string data;
    std::map<xapian_slot, std::string> values;
};

struct xapian_stem {
    Xapian::Stem stem;
};

/* Stoppers are not handles but intrusively counted objects: the struct owns
 * one reference (taken after release()), and each TermGenerator or
 * QueryParser it is given to takes its own. */
struct xapian_stopper {
    Xapian::SimpleStopper *stopper;
};

struct xapian_term_generator {
    Xapian::TermGenerator tg;
};

struct xapian_query_parser {
    Xapian::QueryParser qp;
    std::string corrected;  /* returned by xapian_query_parser_corrected() */
};

struct xapian_query {
    Xapian::Query q;
};

struct xapian_enquire {
    Xapian::Enquire enq;
    explicit xapian_enquire(const Xapian::Database &db) : enq(db) { }
};

struct xapian_mset {
    Xapian::MSet mset;
};

/* started: the first xapian_postlist_next() reads the first posting. */
struct xapian_postlist {
    Xapian::PostingIterator it, end;
    bool started = false;
};

/* term holds the current term, for the borrowed pointer handed out. */
struct xapian_termlist {
    Xapian::TermIterator it, end;
    std::string term;
    bool started = false;
};

struct xapian_eset {
    Xapian::ESet eset;
    std::vector<std::string> terms;     /* for borrowed term pointers */
};

namespace xapian_c {

/* Writes code and a printf-style message into err (if any) and returns
 * code.  A message cut at 255 bytes is trimmed back to a UTF-8 boundary. */
int set_error(xapian_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Maps the exception being handled to an XAPIAN_E* code, with a message
 * naming it in err (if any).  Call only from inside a catch block. */
int fail(xapian_error *err) noexcept;

}  // namespace xapian_c

using xapian_c::set_error;
using xapian_c::fail;

/* Rejects a NULL argument, naming it.  Used by every entry point before its
 * try block. */
#define REQUIRE(arg)                                                        \
    do {                                                                    \
        if (!(arg))                                                         \
            return set_error(err, XAPIAN_EINVAL, "%s: NULL argument '%s'",  \
                             __func__, #arg);                               \
    } while (0)

/* A (pointer, length) pair may have a NULL pointer only when empty. */
#define REQUIRE_TEXT(p, len) REQUIRE((p) || (len) == 0)

#endif /* XAPIAN_C_INT_H */
