/*
 * xapian_c.cc -- the C binding of Xapian 1.4 declared in xapian_c.h.
 *
 * The project's only C++ translation unit.  Each opaque handle is a struct
 * holding the Xapian object by value (Xapian's classes are reference-counted
 * handles, so copies are cheap and share state).  Every extern "C" entry
 * point checks its arguments, then runs its body inside try/catch; the one
 * helper fail() rethrows the active exception to map it onto an XAPIAN_E*
 * code and a message.  No exception ever reaches the C caller.
 *
 * Functions appear in the order of xapian_c.h.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include "xapian_c.h"

#include <xapian.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

/* The header's flag and strategy values are Xapian's own, passed straight
 * through; these pin them so that a mismatch fails to compile.  (same()
 * compares as int: the two sides are different enum types.) */
static constexpr bool same(int a, int b) { return a == b; }
static_assert(same(XAPIAN_TG_FLAG_SPELLING,
                   Xapian::TermGenerator::FLAG_SPELLING),
              "TermGenerator flag");
static_assert(same(XAPIAN_STEM_SOME, Xapian::TermGenerator::STEM_SOME) &&
              same(XAPIAN_STEM_SOME_FULL_POS,
                   Xapian::TermGenerator::STEM_SOME_FULL_POS) &&
              same(XAPIAN_STEM_SOME_FULL_POS,
                   Xapian::QueryParser::STEM_SOME_FULL_POS),
              "stemming strategies");
static_assert(same(XAPIAN_QP_FLAG_DEFAULT, Xapian::QueryParser::FLAG_DEFAULT) &&
              same(XAPIAN_QP_FLAG_WILDCARD,
                   Xapian::QueryParser::FLAG_WILDCARD) &&
              same(XAPIAN_QP_FLAG_SPELLING_CORRECTION,
                   Xapian::QueryParser::FLAG_SPELLING_CORRECTION) &&
              same(XAPIAN_QP_FLAG_AUTO_MULTIWORD_SYNONYMS,
                   Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS),
              "QueryParser flags");
static_assert(same(XAPIAN_SNIPPET_EMPTY_WITHOUT_MATCH,
                   Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH) &&
              same(XAPIAN_SNIPPET_DEFAULT,
                   Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
                   Xapian::MSet::SNIPPET_EXHAUSTIVE),
              "snippet flags");
static_assert(same(XAPIAN_QUERY_OP_AND, Xapian::Query::OP_AND) &&
              same(XAPIAN_QUERY_OP_OR, Xapian::Query::OP_OR) &&
              same(XAPIAN_QUERY_OP_AND_NOT, Xapian::Query::OP_AND_NOT) &&
              same(XAPIAN_QUERY_OP_AND_MAYBE, Xapian::Query::OP_AND_MAYBE) &&
              same(XAPIAN_QUERY_OP_FILTER, Xapian::Query::OP_FILTER) &&
              same(XAPIAN_QUERY_OP_SYNONYM, Xapian::Query::OP_SYNONYM),
              "query operators");

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

/* Threads kept for the parts of split matches (match_best()), so that a
 * split match starts none: starting and joining one cost 30 to 50 us on
 * the benchmark machine, waking a waiting one 12 us.  Job i goes to
 * thread i: start() hands them out, wait() waits for them.  A job
 * must not throw.  The threads are started by the first start() and
 * joined by the destructor.
 *
 * A child process of fork() has none of its parent's threads, so a pool
 * made before a fork is inherited() in the child, where it can be neither
 * used nor destroyed (its threads cannot be joined, its lock and condition
 * variables may be held by threads that are not there): drop_pool() lets
 * it go without destroying it. */
static std::atomic<unsigned long> forks(0);

static void count_fork(void)
{
    forks.fetch_add(1, std::memory_order_relaxed);
}

class part_pool {
    std::mutex mu;
    std::condition_variable wake, done;
    std::vector<std::function<void()>> jobs;
    std::vector<std::thread> threads;
    unsigned long round = 0;            /* bumped by each start() */
    size_t pending = 0;
    bool stop = false;

    void serve(size_t i)
    {
        unsigned long seen = 0;
        std::unique_lock<std::mutex> lock(mu);
        for (;;) {                      /* until the destructor stops it */
            wake.wait(lock, [&] { return stop || round != seen; });
            if (stop)
                return;
            seen = round;
            if (i >= jobs.size() || !jobs[i])
                continue;
            std::function<void()> job = std::move(jobs[i]);
            jobs[i] = nullptr;
            lock.unlock();
            job();
            lock.lock();
            if (--pending == 0)
                done.notify_one();
        }
    }

    const unsigned long born = forks.load(std::memory_order_relaxed);

  public:
    part_pool()
    {
        static std::once_flag once;
        std::call_once(once, [] { pthread_atfork(NULL, NULL, count_fork); });
    }
    part_pool(const part_pool &) = delete;
    part_pool &operator=(const part_pool &) = delete;

    /* Whether this process was forked since the pool was made. */
    bool inherited() const
    {
        return born != forks.load(std::memory_order_relaxed);
    }

    ~part_pool()
    {
        {
            std::lock_guard<std::mutex> lock(mu);
            stop = true;
        }
        wake.notify_all();
        for (std::thread &t : threads)
            t.join();
    }

    /* Hands job i of js to thread i (started when first needed) and
     * returns; a job no thread could be started for runs here first.
     * Call wait() before the next start(). */
    void start(std::vector<std::function<void()>> &js)
    {
        while (threads.size() < js.size()) {    /* bounded by js.size() */
            try {
                size_t i = threads.size();
                threads.emplace_back([this, i] { serve(i); });
            } catch (const std::system_error &) {
                break;
            }
        }
        size_t handed = std::min(js.size(), threads.size());
        {
            std::lock_guard<std::mutex> lock(mu);
            jobs.assign(js.begin(), js.begin() + handed);
            pending = handed;
            round++;
        }
        if (handed)
            wake.notify_all();
        for (size_t i = handed; i < js.size(); i++)    /* bounded */
            js[i]();
    }

    /* Returns when every job of the last start() is done. */
    void wait()
    {
        std::unique_lock<std::mutex> lock(mu);
        done.wait(lock, [&] { return pending == 0; });
    }
};

/* Empties p: destroys the pool, joining its threads, or leaks it in the
 * child of a fork (see part_pool). */
static void drop_pool(std::unique_ptr<part_pool> &p)
{
    if (p && p->inherited())
        (void)p.release();
    p.reset();
}

/* The query and weighting scheme are kept beside the Enquire, which cannot
 * hand them back, for the parts of a split match and the passes of a lazy
 * one (match_best(), lazy_mset()). */
struct xapian_enquire {
    Xapian::Enquire enq;
    Xapian::Database db;
    Xapian::Query query;
    std::unique_ptr<Xapian::Weight> weight;     /* NULL: Xapian's BM25 */
    bool collapsing = false;
    std::vector<Xapian::Database> helpers;      /* one per extra thread */
    /* Their threads; mutable for match_best(), which replaces it in
     * the child of a fork(). */
    mutable std::unique_ptr<part_pool> pool;
    double split_min = 0;
    double lazy_share = 0, lazy_min = 0;        /* xapian_enquire_set_lazy */
    /* xapian_enquire_set_tiers: the key prefix ("" off), the tiers' own
     * min_tf and size, and the most candidates ranked. */
    std::string tier_prefix;
    Xapian::doccount tier_min_tf = 0;
    unsigned tier_size = 0, tier_max = 0, tier_terms = 0;
    explicit xapian_enquire(const Xapian::Database &db_) : enq(db_), db(db_)
    { }
};

/* Match counts, summed over the parts of a match. */
struct counts_t {
    Xapian::doccount lower = 0, estimated = 0, upper = 0;
};

/* merged: the MSet of a split or lazy match, whose counts are worked out
 * from its passes (Xapian's own are those of the final pass over the best
 * few: rank_among()). */
struct xapian_mset {
    Xapian::MSet mset;
    unsigned parts = 1;
    bool merged = false;
    bool tiered = false;                /* found by tier_mset() */
    counts_t counts;
};

struct xapian_eset {
    Xapian::ESet eset;
    std::vector<std::string> terms;     /* for borrowed term pointers */
};

/* ------------------------------------------------------------------------
 * Error reporting
 */

/* Writes code and a printf-style message into err (if any) and returns
 * code.  A message cut at 255 bytes is trimmed back to a UTF-8 boundary. */
static int set_error(xapian_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_error(xapian_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        err->msg[0] = '\0';
    } else if ((size_t)n >= sizeof err->msg) {
        size_t end = sizeof err->msg - 1;
        /* Drop a multibyte sequence the cut left incomplete. */
        size_t i = end;
        while (i > 0 && ((unsigned char)err->msg[i - 1] & 0xC0) == 0x80)
            i--;
        if (i > 0 && ((unsigned char)err->msg[i - 1] & 0xC0) == 0xC0) {
            unsigned char lead = (unsigned char)err->msg[i - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (end - (i - 1) < need)
                end = i - 1;
        }
        err->msg[end] = '\0';
    }
    return code;
}

static int xapian_code(const Xapian::Error &e, xapian_error *err, int code)
{
    /* Built from Xapian's own strings with no allocation, so that reporting
     * an error cannot itself throw. */
    const char *context = e.get_context().c_str();
    const char *syserr = e.get_error_string();
    return set_error(err, code, "%s: %s%s%s%s%s%s", e.get_type(),
                     e.get_msg().c_str(),
                     *context ? " (context: " : "", context,
                     *context ? ")" : "",
                     syserr ? " (" : "", syserr ? syserr : "");
}

/* Maps the exception being handled to an XAPIAN_E* code.  Call only from
 * inside a catch block. */
static int fail(xapian_error *err) noexcept
{
    try {
        throw;
    } catch (const Xapian::DatabaseNotFoundError &e) {
        return xapian_code(e, err, XAPIAN_ENOTFOUND);
    } catch (const Xapian::DatabaseLockError &e) {
        return xapian_code(e, err, XAPIAN_ELOCKED);
    } catch (const Xapian::DatabaseCorruptError &e) {
        return xapian_code(e, err, XAPIAN_ECORRUPT);
    } catch (const Xapian::DatabaseVersionError &e) {
        return xapian_code(e, err, XAPIAN_EVERSION);
    } catch (const Xapian::QueryParserError &e) {
        return xapian_code(e, err, XAPIAN_EQUERY);
    } catch (const Xapian::DatabaseClosedError &e) {
        return xapian_code(e, err, XAPIAN_ECLOSED);
    } catch (const Xapian::DatabaseOpeningError &e) {
        return xapian_code(e, err, XAPIAN_EOPENING);
    } catch (const Xapian::DatabaseError &e) {
        return xapian_code(e, err, XAPIAN_EDATABASE);
    } catch (const Xapian::DocNotFoundError &e) {
        return xapian_code(e, err, XAPIAN_ERANGE);
    } catch (const Xapian::RangeError &e) {
        return xapian_code(e, err, XAPIAN_ERANGE);
    } catch (const Xapian::InvalidArgumentError &e) {
        return xapian_code(e, err, XAPIAN_EINVAL);
    } catch (const Xapian::NetworkError &e) {
        return xapian_code(e, err, XAPIAN_ENETWORK);
    } catch (const Xapian::Error &e) {
        return xapian_code(e, err, XAPIAN_ERROR);
    } catch (const std::bad_alloc &) {
        return set_error(err, XAPIAN_ENOMEM, "std::bad_alloc: out of memory");
    } catch (const std::exception &e) {
        return set_error(err, XAPIAN_ERROR, "std::exception: %s", e.what());
    } catch (...) {
        return set_error(err, XAPIAN_ERROR, "unknown C++ exception");
    }
}

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

static std::string text(const char *p, size_t len)
{
    return len ? std::string(p, len) : std::string();
}

/* Copies s into malloc()ed memory, NUL-terminated, for the C caller. */
static char *malloc_copy(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (!p)
        throw std::bad_alloc();
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

/* Joins the terms [t, end) (a TermIterator, or strings) into one
 * malloc()ed block of NUL-terminated strings (*out, the caller's to
 * free()), counting them in *out_n. */
template <typename Iter>
static void join_terms(char **out, size_t *out_n, Iter t, const Iter &end)
{
    std::string all;
    size_t n = 0;
    for (; t != end; ++t, n++) {
        all += *t;
        all += '\0';
    }
    *out = malloc_copy(all);
    *out_n = n;
}

/* ------------------------------------------------------------------------
 * Library
 */

const char *xapian_strerror(int code)
{
    switch (code) {
    case XAPIAN_OK:        return "OK";
    case XAPIAN_ERROR:     return "ERROR";
    case XAPIAN_ENOMEM:    return "ENOMEM";
    case XAPIAN_EINVAL:    return "EINVAL";
    case XAPIAN_ENOTFOUND: return "ENOTFOUND";
    case XAPIAN_ELOCKED:   return "ELOCKED";
    case XAPIAN_ECORRUPT:  return "ECORRUPT";
    case XAPIAN_EVERSION:  return "EVERSION";
    case XAPIAN_EQUERY:    return "EQUERY";
    case XAPIAN_ECLOSED:   return "ECLOSED";
    case XAPIAN_EOPENING:  return "EOPENING";
    case XAPIAN_EDATABASE: return "EDATABASE";
    case XAPIAN_ERANGE:    return "ERANGE";
    case XAPIAN_ENETWORK:  return "ENETWORK";
    default:               return "unknown error code";
    }
}

const char *xapian_version_string(void)
{
    return Xapian::version_string();
}

/* ------------------------------------------------------------------------
 * Database (read-only)
 */

int xapian_database_open(xapian_database **out, const char *path,
                         xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(path);
    try {
        *out = new xapian_database{Xapian::Database(path)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_open_remote(xapian_database **out, const char *host,
                                unsigned port, unsigned timeout_ms,
                                xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(host);
    try {
        /* Xapian's defaults: 10 s per operation and for the connect. */
        useconds_t timeout = timeout_ms ? timeout_ms : 10000;
        *out = new xapian_database{
            Xapian::Remote::open(host, port, timeout, timeout)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_add_database(xapian_database *db,
                                 const xapian_database *other,
                                 xapian_error *err)
{
    REQUIRE(db);
    REQUIRE(other);
    try {
        db->db.add_database(other->db);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_doccount(uint32_t *out, const xapian_database *db,
                             xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    try {
        *out = db->db.get_doccount();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_has_positions(int *out, const xapian_database *db,
                                  xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    try {
        *out = db->db.has_positions();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_reopen(int *out_changed, xapian_database *db,
                           xapian_error *err)
{
    if (out_changed)
        *out_changed = 0;
    REQUIRE(db);
    try {
        bool changed = db->db.reopen();
        if (out_changed)
            *out_changed = changed ? 1 : 0;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_spelling_suggestion(char **out, const xapian_database *db,
                                        const char *word, size_t len,
                                        unsigned max_edit_distance,
                                        xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    REQUIRE_TEXT(word, len);
    try {
        unsigned dist = max_edit_distance ? max_edit_distance : 2;
        *out = malloc_copy(
            db->db.get_spelling_suggestion(text(word, len), dist));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_synonym_keys(char **out, size_t *out_n,
                                 const xapian_database *db, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_n);
    *out_n = 0;
    REQUIRE(db);
    try {
        join_terms(out, out_n, db->db.synonym_keys_begin(),
                   db->db.synonym_keys_end());
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_identity(char **out_uuid, uint64_t *out_rev,
                             const xapian_database *db, xapian_error *err)
{
    REQUIRE(out_uuid);
    *out_uuid = NULL;
    REQUIRE(out_rev);
    *out_rev = 0;
    REQUIRE(db);
    try {
        std::string uuid = db->db.get_uuid();
        uint64_t rev = db->db.get_revision();
        *out_uuid = malloc_copy(uuid);
        *out_rev = rev;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_each_value(const xapian_database *db, xapian_slot slot,
                               int (*fn)(xapian_docid did, const char *value,
                                         size_t len, void *ctx),
                               void *ctx, xapian_error *err)
{
    REQUIRE(db);
    REQUIRE(fn);
    try {
        Xapian::ValueIterator end = db->db.valuestream_end(slot);
        for (Xapian::ValueIterator v = db->db.valuestream_begin(slot);
             v != end; ++v) {
            const std::string value = *v;
            int rc = fn(v.get_docid(), value.data(), value.size(), ctx);
            if (rc != 0)
                return rc;
        }
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_termfreq(uint32_t *out, const xapian_database *db,
                             const char *term, size_t len, xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    REQUIRE_TEXT(term, len);
    try {
        *out = db->db.get_termfreq(text(term, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_collection_freq(uint64_t *out, const xapian_database *db,
                                    const char *term, size_t len,
                                    xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    REQUIRE_TEXT(term, len);
    try {
        *out = db->db.get_collection_freq(text(term, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_find_docid(xapian_docid *out, const xapian_database *db,
                               const char *term, size_t len,
                               xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    REQUIRE_TEXT(term, len);
    try {
        Xapian::PostingIterator p = db->db.postlist_begin(text(term, len));
        if (p != db->db.postlist_end(text(term, len)))
            *out = *p;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_get_metadata(char **out, size_t *out_len,
                                 const xapian_database *db,
                                 const char *key, size_t key_len,
                                 xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_len);
    *out_len = 0;
    REQUIRE(db);
    REQUIRE_TEXT(key, key_len);
    try {
        std::string value = db->db.get_metadata(text(key, key_len));
        *out = malloc_copy(value);
        *out_len = value.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_get_document(xapian_document **out,
                                 const xapian_database *db, xapian_docid did,
                                 xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    try {
        *out = new xapian_document{db->db.get_document(did), {}, {}};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_compact(const xapian_database *db, const char *dest_path,
                            xapian_error *err)
{
    REQUIRE(db);
    REQUIRE(dest_path);
    try {
        /* Database::compact() is not const in 1.4, so work on a shallow
         * copy of the handle.  Default flags: a multi-file glass directory,
         * not a single file. */
        Xapian::Database src(db->db);
        src.compact(dest_path);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_database_close(xapian_database *db, xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.close();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_database_free(xapian_database *db)
{
    delete db;
}

/* ------------------------------------------------------------------------
 * Writable database
 */

int xapian_writable_database_open(xapian_writable_database **out,
                                  const char *path, int mode,
                                  xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(path);
    int action, flags = 0;
    if (mode & XAPIAN_DB_NO_SYNC) {
        flags = Xapian::DB_NO_SYNC;
        mode &= ~XAPIAN_DB_NO_SYNC;
    }
    switch (mode) {
    case XAPIAN_DB_CREATE_OR_OPEN:      action = Xapian::DB_CREATE_OR_OPEN; break;
    case XAPIAN_DB_CREATE:              action = Xapian::DB_CREATE; break;
    case XAPIAN_DB_CREATE_OR_OVERWRITE: action = Xapian::DB_CREATE_OR_OVERWRITE; break;
    case XAPIAN_DB_OPEN:                action = Xapian::DB_OPEN; break;
    default:
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_writable_database_open: bad mode %d", mode);
    }
    try {
        *out = new xapian_writable_database{
            Xapian::WritableDatabase(path, action | flags)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_add_document(xapian_docid *out_docid,
                                          xapian_writable_database *db,
                                          const xapian_document *doc,
                                          xapian_error *err)
{
    if (out_docid)
        *out_docid = 0;
    REQUIRE(db);
    REQUIRE(doc);
    try {
        xapian_docid did = db->db.add_document(doc->doc);
        if (out_docid)
            *out_docid = did;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_replace_document(xapian_docid *out_docid,
                                              xapian_writable_database *db,
                                              const char *unique_term,
                                              size_t len,
                                              const xapian_document *doc,
                                              xapian_error *err)
{
    if (out_docid)
        *out_docid = 0;
    REQUIRE(db);
    REQUIRE(unique_term);
    REQUIRE(doc);
    try {
        xapian_docid did =
            db->db.replace_document(text(unique_term, len), doc->doc);
        if (out_docid)
            *out_docid = did;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_add_spelling(xapian_writable_database *db,
                                          const char *word, size_t len,
                                          unsigned freqinc, xapian_error *err)
{
    REQUIRE(db);
    REQUIRE_TEXT(word, len);
    try {
        db->db.add_spelling(text(word, len), freqinc);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_add_spelling_from_terms(
    xapian_writable_database *db,
    int (*accept)(const char *term, size_t len, void *ctx), void *ctx,
    xapian_error *err)
{
    REQUIRE(db);
    REQUIRE(accept);
    try {
        /* The terms are collected first: adding spelling data while
         * iterating the same database's term list is not something Xapian
         * promises to support. */
        std::vector<std::pair<std::string, Xapian::termcount>> words;
        for (Xapian::TermIterator t = db->db.allterms_begin();
             t != db->db.allterms_end(); ++t) {
            const std::string &term = *t;
            if (accept(term.data(), term.size(), ctx))
                words.emplace_back(term, db->db.get_collection_freq(term));
        }
        for (const auto &w : words)
            db->db.add_spelling(w.first, w.second);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_add_synonym(xapian_writable_database *db,
                                         const char *term, size_t term_len,
                                         const char *synonym, size_t syn_len,
                                         xapian_error *err)
{
    REQUIRE(db);
    REQUIRE_TEXT(term, term_len);
    REQUIRE_TEXT(synonym, syn_len);
    try {
        db->db.add_synonym(text(term, term_len), text(synonym, syn_len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_set_metadata(xapian_writable_database *db,
                                          const char *key, size_t key_len,
                                          const char *value, size_t value_len,
                                          xapian_error *err)
{
    REQUIRE(db);
    REQUIRE_TEXT(key, key_len);
    REQUIRE_TEXT(value, value_len);
    try {
        db->db.set_metadata(text(key, key_len), text(value, value_len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

/* ------------------------------------------------------------------------
 * Impact tiers (see xapian_writable_database_add_tiers())
 */

static void put_u32(std::string &s, uint32_t v)
{
    for (int i = 0; i < 4; i++)                 /* little-endian */
        s.push_back(char((v >> (8 * i)) & 0xff));
}

static uint32_t get_u32(const char *p)
{
    const unsigned char *u = reinterpret_cast<const unsigned char *>(p);
    return uint32_t(u[0]) | uint32_t(u[1]) << 8 | uint32_t(u[2]) << 16
           | uint32_t(u[3]) << 24;
}

int xapian_writable_database_add_tiers(xapian_writable_database *db,
                                       const char *prefix, unsigned min_tf,
                                       unsigned size, unsigned share,
                                       unsigned *nterms, xapian_error *err)
{
    REQUIRE(db);
    REQUIRE(prefix && *prefix);
    if (size == 0 || min_tf <= size || share < 2)
        return set_error(err, XAPIAN_EINVAL, "xapian_writable_database_add_"
                         "tiers: need 0 < size < min_tf and share >= 2");
    try {
        Xapian::WritableDatabase &wdb = db->db;
        /* The terms first: the tiers go into the table being walked. */
        std::vector<std::string> terms;
        /* A key longer than Xapian's limit (245 bytes) would be refused:
         * such a term goes without (a match then reads its list). */
        const size_t longest = 240 - std::min<size_t>(std::strlen(prefix),
                                                      240);
        for (auto t = wdb.allterms_begin(); t != wdb.allterms_end(); ++t)
            if (t.get_termfreq() >= min_tf      /* bounded by the terms */
                && (*t).size() <= longest)
                terms.push_back(*t);
        std::vector<std::pair<Xapian::termcount, Xapian::docid>> v;
        for (const std::string &t : terms) {    /* bounded by terms */
            v.clear();
            for (auto p = wdb.postlist_begin(t); p != wdb.postlist_end(t);
                 ++p)                           /* bounded by the list */
                v.emplace_back(p.get_wdf(), *p);
            /* The best size by wdf, ties to the lower docid. */
            auto heavier = [](const std::pair<Xapian::termcount,
                                              Xapian::docid> &a,
                              const std::pair<Xapian::termcount,
                                              Xapian::docid> &b) {
                return a.first > b.first
                       || (a.first == b.first && a.second < b.second);
            };
            size_t n = std::max<size_t>(size, v.size() / share);
            std::nth_element(v.begin(), v.begin() + n, v.end(), heavier);
            Xapian::termcount rest = 0;
            for (size_t i = n; i < v.size(); i++)       /* bounded */
                rest = std::max(rest, v[i].first);
            std::sort(v.begin(), v.begin() + n,
                      [](const std::pair<Xapian::termcount, Xapian::docid> &a,
                         const std::pair<Xapian::termcount, Xapian::docid> &b)
                      { return a.second < b.second; });
            std::string blob;
            blob.reserve(8 + 8 * n);
            put_u32(blob, uint32_t(n));
            put_u32(blob, rest);
            for (size_t i = 0; i < n; i++)              /* bounded by n */
                put_u32(blob, v[i].second);
            for (size_t i = 0; i < n; i++)              /* bounded by n */
                put_u32(blob, v[i].first);
            wdb.set_metadata(prefix + t, blob);
        }
        std::string head;
        put_u32(head, min_tf);
        put_u32(head, size);
        wdb.set_metadata(prefix, head);
        if (nterms)
            *nterms = unsigned(terms.size());
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_begin_transaction(xapian_writable_database *db,
                                               int flushed, xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.begin_transaction(flushed != 0);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_commit_transaction(xapian_writable_database *db,
                                                xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.commit_transaction();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_cancel_transaction(xapian_writable_database *db,
                                                xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.cancel_transaction();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_commit(xapian_writable_database *db,
                                    xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.commit();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_doccount(uint32_t *out,
                                      const xapian_writable_database *db,
                                      xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(db);
    try {
        *out = db->db.get_doccount();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_writable_database_close(xapian_writable_database *db,
                                   xapian_error *err)
{
    REQUIRE(db);
    try {
        db->db.close();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_writable_database_free(xapian_writable_database *db)
{
    if (!db)
        return;
    /* The destructor commits but must not throw; close() first so that the
     * write lock goes even if other copies (a term generator) survive. */
    try {
        db->db.close();
    } catch (...) {
    }
    delete db;
}

/* ------------------------------------------------------------------------
 * Document
 */

int xapian_document_new(xapian_document **out, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    try {
        *out = new xapian_document();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_set_data(xapian_document *doc, const void *data,
                             size_t len, xapian_error *err)
{
    REQUIRE(doc);
    REQUIRE_TEXT(data, len);
    try {
        doc->doc.set_data(text(static_cast<const char *>(data), len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_get_data(const char **out, size_t *out_len,
                             xapian_document *doc, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_len);
    *out_len = 0;
    REQUIRE(doc);
    try {
        doc->data = doc->doc.get_data();
        *out = doc->data.data();
        *out_len = doc->data.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_add_term(xapian_document *doc, const char *term,
                             size_t len, unsigned wdfinc, xapian_error *err)
{
    REQUIRE(doc);
    REQUIRE_TEXT(term, len);
    try {
        doc->doc.add_term(text(term, len), wdfinc);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_add_boolean_term(xapian_document *doc, const char *term,
                                     size_t len, xapian_error *err)
{
    REQUIRE(doc);
    REQUIRE_TEXT(term, len);
    try {
        doc->doc.add_boolean_term(text(term, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_add_value(xapian_document *doc, xapian_slot slot,
                              const void *value, size_t len,
                              xapian_error *err)
{
    REQUIRE(doc);
    REQUIRE_TEXT(value, len);
    try {
        doc->doc.add_value(slot, text(static_cast<const char *>(value), len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_document_get_value(const char **out, size_t *out_len,
                              xapian_document *doc, xapian_slot slot,
                              xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_len);
    *out_len = 0;
    REQUIRE(doc);
    try {
        /* One cached copy per slot, so reading another slot leaves earlier
         * pointers valid. */
        std::string &cached = doc->values[slot];
        cached = doc->doc.get_value(slot);
        *out = cached.data();
        *out_len = cached.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_document_free(xapian_document *doc)
{
    delete doc;
}

/* ------------------------------------------------------------------------
 * Stemmer and stopper
 */

int xapian_stem_new(xapian_stem **out, const char *language,
                    xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(language);
    try {
        *out = new xapian_stem{Xapian::Stem(language)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_stem_word(char **out, const xapian_stem *stem, const char *word,
                     size_t len, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(stem);
    REQUIRE_TEXT(word, len);
    try {
        *out = malloc_copy(stem->stem(text(word, len)));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_stem_free(xapian_stem *stem)
{
    delete stem;
}

int xapian_stopper_new(xapian_stopper **out, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    Xapian::SimpleStopper *stopper = NULL;
    try {
        stopper = new Xapian::SimpleStopper();
        /* Hand counting to Xapian, then hold our own reference. */
        stopper->release();
        stopper->ref();
        *out = new xapian_stopper{stopper};
        return XAPIAN_OK;
    } catch (...) {
        if (stopper)
            stopper->unref();
        return fail(err);
    }
}

int xapian_stopper_add(xapian_stopper *stopper, const char *word, size_t len,
                       xapian_error *err)
{
    REQUIRE(stopper);
    REQUIRE_TEXT(word, len);
    try {
        stopper->stopper->add(text(word, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_stopper_free(xapian_stopper *stopper)
{
    if (!stopper)
        return;
    stopper->stopper->unref();  /* deletes it unless still in use */
    delete stopper;
}

/* ------------------------------------------------------------------------
 * Term generator
 */

int xapian_term_generator_new(xapian_term_generator **out, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    try {
        *out = new xapian_term_generator();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_stemmer(xapian_term_generator *tg,
                                      const xapian_stem *stem,
                                      xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE(stem);
    try {
        tg->tg.set_stemmer(stem->stem);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_stopper(xapian_term_generator *tg,
                                      const xapian_stopper *stopper,
                                      xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE(stopper);
    try {
        tg->tg.set_stopper(stopper->stopper);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_stemming_strategy(xapian_term_generator *tg,
                                                int strategy,
                                                xapian_error *err)
{
    REQUIRE(tg);
    if (strategy < XAPIAN_STEM_NONE || strategy > XAPIAN_STEM_SOME_FULL_POS)
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_term_generator_set_stemming_strategy: "
                         "bad strategy %d", strategy);
    try {
        tg->tg.set_stemming_strategy(
            static_cast<Xapian::TermGenerator::stem_strategy>(strategy));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_database(xapian_term_generator *tg,
                                       xapian_writable_database *db,
                                       xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE(db);
    try {
        tg->tg.set_database(db->db);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_flags(xapian_term_generator *tg, int flags,
                                    xapian_error *err)
{
    REQUIRE(tg);
    try {
        tg->tg.set_flags(static_cast<Xapian::TermGenerator::flags>(flags));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_set_document(xapian_term_generator *tg,
                                       xapian_document *doc,
                                       xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE(doc);
    try {
        tg->tg.set_document(doc->doc);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_index_text(xapian_term_generator *tg,
                                     const char *text_, size_t len,
                                     unsigned wdfinc, const char *prefix,
                                     xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE_TEXT(text_, len);
    try {
        tg->tg.index_text(text(text_, len), wdfinc, prefix ? prefix : "");
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_index_text_without_positions(
    xapian_term_generator *tg, const char *text_, size_t len, unsigned wdfinc,
    const char *prefix, xapian_error *err)
{
    REQUIRE(tg);
    REQUIRE_TEXT(text_, len);
    try {
        tg->tg.index_text_without_positions(text(text_, len), wdfinc,
                                            prefix ? prefix : "");
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_term_generator_increase_termpos(xapian_term_generator *tg,
                                           unsigned delta, xapian_error *err)
{
    REQUIRE(tg);
    try {
        tg->tg.increase_termpos(delta);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_term_generator_free(xapian_term_generator *tg)
{
    delete tg;
}

/* ------------------------------------------------------------------------
 * Query parser and query
 */

int xapian_query_parser_new(xapian_query_parser **out, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    try {
        *out = new xapian_query_parser();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_stemmer(xapian_query_parser *qp,
                                    const xapian_stem *stem,
                                    xapian_error *err)
{
    REQUIRE(qp);
    REQUIRE(stem);
    try {
        qp->qp.set_stemmer(stem->stem);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_stemming_strategy(xapian_query_parser *qp,
                                              int strategy,
                                              xapian_error *err)
{
    REQUIRE(qp);
    if (strategy < XAPIAN_STEM_NONE || strategy > XAPIAN_STEM_SOME_FULL_POS)
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_query_parser_set_stemming_strategy: "
                         "bad strategy %d", strategy);
    try {
        qp->qp.set_stemming_strategy(
            static_cast<Xapian::QueryParser::stem_strategy>(strategy));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_stopper(xapian_query_parser *qp,
                                    const xapian_stopper *stopper,
                                    xapian_error *err)
{
    REQUIRE(qp);
    REQUIRE(stopper);
    try {
        qp->qp.set_stopper(stopper->stopper);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_database(xapian_query_parser *qp,
                                     const xapian_database *db,
                                     xapian_error *err)
{
    REQUIRE(qp);
    REQUIRE(db);
    try {
        qp->qp.set_database(db->db);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_set_default_op(xapian_query_parser *qp, int op,
                                       xapian_error *err)
{
    REQUIRE(qp);
    if (op != XAPIAN_QUERY_OP_AND && op != XAPIAN_QUERY_OP_OR)
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_query_parser_set_default_op: "
                         "op %d is neither AND nor OR", op);
    try {
        qp->qp.set_default_op(op == XAPIAN_QUERY_OP_AND ? Xapian::Query::OP_AND
                                                        : Xapian::Query::OP_OR);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_add_prefix(xapian_query_parser *qp, const char *field,
                                   const char *prefix, xapian_error *err)
{
    REQUIRE(qp);
    REQUIRE(field);
    REQUIRE(prefix);
    try {
        qp->qp.add_prefix(field, prefix);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_add_boolean_prefix(xapian_query_parser *qp,
                                           const char *field,
                                           const char *prefix,
                                           xapian_error *err)
{
    REQUIRE(qp);
    REQUIRE(field);
    REQUIRE(prefix);
    try {
        qp->qp.add_boolean_prefix(field, prefix);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_parser_parse(xapian_query **out, xapian_query_parser *qp,
                              const char *text_, size_t len, unsigned flags,
                              xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(qp);
    REQUIRE_TEXT(text_, len);
    try {
        qp->corrected.clear();
        Xapian::Query q = qp->qp.parse_query(text(text_, len), flags);
        qp->corrected = qp->qp.get_corrected_query_string();
        *out = new xapian_query{q};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

const char *xapian_query_parser_corrected(const xapian_query_parser *qp)
{
    return qp ? qp->corrected.c_str() : "";
}

void xapian_query_parser_free(xapian_query_parser *qp)
{
    delete qp;
}

/* The documents of a fixed, sorted list of docids, each at weight 0: a
 * filter that costs no posting list, unlike an OR of unique id terms,
 * each of which is a B-tree descent. */
class DocidSource : public Xapian::PostingSource {
    std::vector<Xapian::docid> ids;     /* sorted, unique */
    size_t at = 0;
    bool started = false;

  public:
    explicit DocidSource(std::vector<Xapian::docid> ids_) : ids(ids_) { }

    DocidSource *clone() const override { return new DocidSource(ids); }

    void init(const Xapian::Database &) override
    {
        at = 0;
        started = false;
    }

    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return ids.size(); }
    Xapian::doccount get_termfreq_max() const override { return ids.size(); }

    void next(double) override
    {
        if (started)
            at++;
        started = true;
    }

    void skip_to(Xapian::docid did, double) override
    {
        started = true;
        while (at < ids.size() && ids[at] < did)
            at++;
    }

    bool at_end() const override { return started && at >= ids.size(); }

    Xapian::docid get_docid() const override { return ids[at]; }

    std::string name() const override { return "Spine::DocidSource"; }

    /* As raw docids: a query is serialised only to be copied for another
     * thread of the same process (match_best()). */
    std::string serialise() const override
    {
        return std::string(reinterpret_cast<const char *>(ids.data()),
                           ids.size() * sizeof ids[0]);
    }

    DocidSource *unserialise(const std::string &s) const override
    {
        std::vector<Xapian::docid> v(s.size() / sizeof(Xapian::docid));
        if (s.size() != v.size() * sizeof v[0])
            throw Xapian::SerialisationError("DocidSource: bad size");
        std::memcpy(v.data(), s.data(), s.size());
        return new DocidSource(std::move(v));
    }
};

/* Every docid from lo to hi, at weight 0: the share of the database that
 * one part of a split match covers.  Its estimate is the whole database,
 * so that an AND tries the query's own posting lists first and only
 * skips this one to their docids; match_best() scales the part's match
 * counts back to the share. */
class DocidRangeSource : public Xapian::PostingSource {
    Xapian::docid lo, hi, did = 0;
    Xapian::doccount size = 0;

  public:
    DocidRangeSource(Xapian::docid lo_, Xapian::docid hi_) : lo(lo_), hi(hi_)
    { }

    DocidRangeSource *clone() const override
    {
        return new DocidRangeSource(lo, hi);
    }

    void init(const Xapian::Database &db) override
    {
        did = 0;
        size = db.get_doccount();
    }

    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return size; }
    Xapian::doccount get_termfreq_max() const override { return size; }

    void next(double) override { did = did ? did + 1 : lo; }

    void skip_to(Xapian::docid d, double) override
    {
        if (d > did)
            did = std::max(d, lo);
    }

    bool at_end() const override { return did > hi; }

    Xapian::docid get_docid() const override { return did; }

    std::string name() const override { return "Spine::DocidRangeSource"; }
};

int xapian_query_new_term(xapian_query **out, const char *term, size_t len,
                          xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE_TEXT(term, len);
    try {
        *out = new xapian_query{Xapian::Query(text(term, len))};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_new_docids(xapian_query **out, const xapian_docid *ids,
                            size_t n, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(ids || n == 0);
    try {
        std::vector<Xapian::docid> v(ids, ids + n);
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        if (!v.empty() && v.front() == 0)
            v.erase(v.begin());
        if (v.empty()) {
            *out = new xapian_query{Xapian::Query::MatchNothing};
            return XAPIAN_OK;
        }
        DocidSource *src = new DocidSource(std::move(v));
        *out = new xapian_query{Xapian::Query(src->release())};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_combine(xapian_query **out, int op,
                         xapian_query *const *subqueries, size_t n,
                         xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(subqueries || n == 0);
    Xapian::Query::op xop;
    switch (op) {
    case XAPIAN_QUERY_OP_AND:     xop = Xapian::Query::OP_AND; break;
    case XAPIAN_QUERY_OP_OR:      xop = Xapian::Query::OP_OR; break;
    case XAPIAN_QUERY_OP_AND_NOT: xop = Xapian::Query::OP_AND_NOT; break;
    case XAPIAN_QUERY_OP_AND_MAYBE: xop = Xapian::Query::OP_AND_MAYBE; break;
    case XAPIAN_QUERY_OP_FILTER:  xop = Xapian::Query::OP_FILTER; break;
    case XAPIAN_QUERY_OP_SYNONYM: xop = Xapian::Query::OP_SYNONYM; break;
    default:
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_query_combine: unknown op %d", op);
    }
    for (size_t i = 0; i < n; i++) {
        if (!subqueries[i])
            return set_error(err, XAPIAN_EINVAL,
                             "xapian_query_combine: subqueries[%zu] is NULL",
                             i);
    }
    try {
        /* Bounded by n: one pass copying the handles. */
        std::vector<Xapian::Query> subs;
        subs.reserve(n);
        for (size_t i = 0; i < n; i++)
            subs.push_back(subqueries[i]->q);
        *out = new xapian_query{Xapian::Query(xop, subs.begin(), subs.end())};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_scale(xapian_query **out, const xapian_query *q,
                       double factor, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(q);
    try {
        *out = new xapian_query{Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                                              q->q, factor)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_terms(char **out, size_t *out_n, const xapian_query *q,
                       xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_n);
    *out_n = 0;
    REQUIRE(q);
    try {
        join_terms(out, out_n, q->q.get_unique_terms_begin(),
                   q->q.get_unique_terms_end());
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_empty(const xapian_query *q)
{
    return !q || q->q.empty();
}

static bool positional(const Xapian::Query &q)
{
    Xapian::Query::op op = q.get_type();
    if (op == Xapian::Query::OP_PHRASE || op == Xapian::Query::OP_NEAR)
        return true;
    for (size_t i = 0, n = q.get_num_subqueries(); i < n; i++)
        if (positional(q.get_subquery(i)))
            return true;
    return false;
}

int xapian_query_positional(const xapian_query *q)
{
    return q && positional(q->q);
}

static void positional_parts(std::vector<Xapian::Query> &parts,
                             const Xapian::Query &q)
{
    Xapian::Query::op op = q.get_type();
    if (op == Xapian::Query::OP_PHRASE || op == Xapian::Query::OP_NEAR) {
        parts.push_back(q);
        return;
    }
    for (size_t i = 0, n = q.get_num_subqueries(); i < n; i++)
        positional_parts(parts, q.get_subquery(i));
}

int xapian_query_positional_parts(xapian_query ***out, size_t *out_n,
                                  const xapian_query *q, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_n);
    *out_n = 0;
    REQUIRE(q);
    try {
        std::vector<Xapian::Query> parts;
        positional_parts(parts, q->q);
        if (parts.empty())
            return XAPIAN_OK;
        xapian_query **a = static_cast<xapian_query **>(
            calloc(parts.size(), sizeof *a));
        if (!a)
            throw std::bad_alloc();
        for (size_t i = 0; i < parts.size(); i++) {
            a[i] = new (std::nothrow) xapian_query{parts[i]};
            if (!a[i]) {
                while (i--)
                    delete a[i];
                free(a);
                throw std::bad_alloc();
            }
        }
        *out = a;
        *out_n = parts.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_phrase_terms(char **out, size_t *out_n,
                              unsigned *out_window, const xapian_query *q,
                              xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_n);
    *out_n = 0;
    REQUIRE(out_window);
    *out_window = 0;
    REQUIRE(q);
    try {
        if (q->q.get_type() != Xapian::Query::OP_PHRASE)
            return XAPIAN_OK;
        std::vector<std::string> terms;
        for (size_t i = 0, n = q->q.get_num_subqueries(); i < n; i++) {
            Xapian::Query sub = q->q.get_subquery(i);
            if (sub.get_type() != Xapian::Query::LEAF_TERM)
                return XAPIAN_OK;
            terms.push_back(*sub.get_terms_begin());
        }
        /* Xapian 1.4 has no accessor for the window; its description
         * reads "(a@1 PHRASE 2 b@2)". */
        std::string d = q->q.get_description();
        size_t at = d.find(" PHRASE ");
        if (at == std::string::npos)
            return XAPIAN_OK;
        unsigned long window = strtoul(d.c_str() + at + 8, NULL, 10);
        if (window == 0 || window > UINT_MAX)
            return XAPIAN_OK;
        join_terms(out, out_n, terms.cbegin(), terms.cend());
        *out_window = static_cast<unsigned>(window);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

static bool is_part(const Xapian::Query &q, xapian_query *const *parts,
                    size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (q.internal.get() == parts[i]->q.internal.get())
            return true;
    return false;
}

static bool holds_part(const Xapian::Query &q, xapian_query *const *parts,
                       size_t n)
{
    if (is_part(q, parts, n))
        return true;
    for (size_t i = 0, k = q.get_num_subqueries(); i < k; i++)
        if (holds_part(q.get_subquery(i), parts, n))
            return true;
    return false;
}

static Xapian::Query without_parts(const Xapian::Query &q,
                                   xapian_query *const *parts, size_t n)
{
    if (is_part(q, parts, n))
        return Xapian::Query::MatchNothing;
    if (!holds_part(q, parts, n))
        return q;
    Xapian::Query::op op = q.get_type();
    switch (op) {
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_XOR:
    case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_FILTER:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX:
        break;
    default:
        throw Xapian::UnimplementedError("cannot rebuild " +
                                         q.get_description());
    }
    std::vector<Xapian::Query> sub;
    for (size_t i = 0, k = q.get_num_subqueries(); i < k; i++)
        sub.push_back(without_parts(q.get_subquery(i), parts, n));
    return Xapian::Query(op, sub.begin(), sub.end());
}

int xapian_query_without_parts(xapian_query **out, const xapian_query *q,
                               xapian_query *const *parts, size_t n,
                               xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(q);
    REQUIRE(parts || n == 0);
    try {
        *out = new xapian_query{without_parts(q->q, parts, n)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

/* Does whether q matches a document depend only on q's own terms (their
 * wdf and positions)?  Not for wildcards, value ranges, MatchAll or
 * posting sources. */
static bool terms_only(const Xapian::Query &q)
{
    switch (q.get_type()) {
    case Xapian::Query::LEAF_TERM:
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_XOR:
    case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_FILTER:
    case Xapian::Query::OP_NEAR:
    case Xapian::Query::OP_PHRASE:
    case Xapian::Query::OP_SCALE_WEIGHT:
    case Xapian::Query::OP_ELITE_SET:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX:
        break;
    default:
        return false;
    }
    for (size_t i = 0, n = q.get_num_subqueries(); i < n; i++)
        if (!terms_only(q.get_subquery(i)))
            return false;
    return true;
}

/* A copy of doc holding only q's terms, with their wdf and positions:
 * what matching q against doc reads, at a fraction of the cost of adding
 * the whole document to a database. */
static Xapian::Document query_terms_of(const Xapian::Query &q,
                                       const Xapian::Document &doc)
{
    Xapian::Document part;
    Xapian::TermIterator d = doc.termlist_begin();
    for (Xapian::TermIterator t = q.get_unique_terms_begin();
         t != q.get_unique_terms_end(); ++t) {
        d.skip_to(*t);
        if (d == doc.termlist_end())
            break;
        if (*d != *t)
            continue;
        Xapian::termcount positions = 0;
        for (Xapian::PositionIterator p = d.positionlist_begin();
             p != d.positionlist_end(); ++p, ++positions)
            part.add_posting(*t, *p, 0);
        Xapian::termcount wdf = d.get_wdf();
        part.add_term(*t, wdf > positions ? wdf - positions : 0);
    }
    return part;
}

int xapian_query_matches_document(int *out, const xapian_query *q,
                                  const xapian_document *doc,
                                  xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE(q);
    REQUIRE(doc);
    try {
        Xapian::WritableDatabase one(std::string(),
                                     Xapian::DB_BACKEND_INMEMORY);
        one.add_document(terms_only(q->q) ? query_terms_of(q->q, doc->doc)
                                          : doc->doc);
        Xapian::Enquire enq(one);
        enq.set_query(q->q);
        enq.set_weighting_scheme(Xapian::BoolWeight());
        *out = enq.get_mset(0, 1).size() != 0;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_query_describe(char **out, const xapian_query *q,
                          xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(q);
    try {
        *out = malloc_copy(q->q.get_description());
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_query_free(xapian_query *q)
{
    delete q;
}

/* ------------------------------------------------------------------------
 * Enquire and MSet
 */

int xapian_enquire_new(xapian_enquire **out, const xapian_database *db,
                       xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(db);
    try {
        *out = new xapian_enquire(db->db);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_set_query(xapian_enquire *enq, const xapian_query *q,
                             xapian_error *err)
{
    REQUIRE(enq);
    REQUIRE(q);
    try {
        enq->enq.set_query(q->q);
        enq->query = q->q;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

/* Makes w enq's weighting scheme, keeping a copy for split matches. */
static void use_weight(xapian_enquire *enq, const Xapian::Weight &w)
{
    enq->enq.set_weighting_scheme(w);
    enq->weight.reset(w.clone());
}

int xapian_enquire_set_weighting_bm25(xapian_enquire *enq, double k1,
                                      double k2, double k3, double b,
                                      double min_normlen, xapian_error *err)
{
    REQUIRE(enq);
    try {
        use_weight(enq, 
            Xapian::BM25Weight(k1, k2, k3, b, min_normlen));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

/* params[i], or dflt when the caller gave fewer. */
/* IneB2 (divergence from randomness: inverse expected document frequency,
 * Bernoulli after-effect, normalisation 2) over wdfs that the indexer has
 * already normalised: a document's wdf is scale times the normalised
 * frequency tfn = tf * log2(1 + c * avlen / doclen).  Per posting it is then
 *
 *     wqf * idf * (F + 1) / n * tfn / (tfn + 1),   tfn = wdf / scale,
 *
 * with n the term's document frequency, F its collection frequency (in raw
 * counts: Xapian's, divided by scale), N the document count, and
 * idf = log2((N + 1) / (N (1 - e^(-F / N)) + 0.5)).  Needing no document
 * length, it spares Xapian's matcher a length lookup for every posting it
 * weighs. */
/* A term's weight per unit of prenorm_part() in the scheme below:
 * wqf * idf * (F + 1) / n, from the document count N, the term's
 * collection frequency collfreq (in the index's wdf units) and document
 * frequency n.  tier_mset() weighs from tiers by the same two functions. */
static double prenorm_coeff(double wqf, double N, double collfreq,
                            double n, double scale)
{
    double F = collfreq / scale;
    double idf = std::log2((N + 1) / (N * -std::expm1(-F / N) + 0.5));
    return wqf * idf * (F + 1) / n;
}

/* The weight of a posting of wdf wdf for a term of coefficient coeff. */
static double prenorm_part(double coeff, double wdf, double scale)
{
    return coeff * wdf / (wdf + scale);
}

class PrenormIneB2Weight : public Xapian::Weight {
    double scale;
    double coeff = 0;                   /* wqf * idf * (F + 1) / n * factor */
    double upper = 0;

  public:
    explicit PrenormIneB2Weight(double scale_) : scale(scale_)
    {
        need_stat(COLLECTION_SIZE);
        need_stat(COLLECTION_FREQ);
        need_stat(TERMFREQ);
        need_stat(WDF);
        need_stat(WDF_MAX);
        need_stat(WQF);
    }

    Weight *clone() const override
    {
        return new PrenormIneB2Weight(scale);
    }

    void init(double factor) override
    {
        double wdf_max = get_wdf_upper_bound();
        double n = get_termfreq();
        /* factor 0 is the term-independent part: none in this scheme. */
        if (factor == 0.0 || wdf_max == 0 || n == 0)
            return;
        coeff = prenorm_coeff(get_wqf(), get_collection_size(),
                              get_collection_freq(), n, scale) * factor;
        upper = prenorm_part(coeff, wdf_max, scale);
    }

    std::string name() const override { return "Spine::PrenormIneB2Weight"; }

    double get_scale() const { return scale; }

    std::string serialise() const override
    {
        return std::string(reinterpret_cast<const char *>(&scale),
                           sizeof scale);
    }

    Weight *unserialise(const std::string &s) const override
    {
        double v;
        if (s.size() != sizeof v)
            throw Xapian::SerialisationError("PrenormIneB2Weight: bad size");
        std::memcpy(&v, s.data(), sizeof v);
        return new PrenormIneB2Weight(v);
    }

    double get_sumpart(Xapian::termcount wdf, Xapian::termcount,
                       Xapian::termcount) const override
    {
        return prenorm_part(coeff, wdf, scale);
    }

    double get_maxpart() const override { return upper; }

    double get_sumextra(Xapian::termcount, Xapian::termcount) const override
    {
        return 0;
    }

    double get_maxextra() const override { return 0; }
};

static double param(const double *params, size_t n, size_t i, double dflt)
{
    return i < n ? params[i] : dflt;
}

int xapian_enquire_set_weighting(xapian_enquire *enq, const char *name,
                                 const double *params, size_t n,
                                 xapian_error *err)
{
    REQUIRE(enq);
    REQUIRE(name);
    REQUIRE(params || n == 0);
    try {
        std::string s(name);
        const double *p = params;
        if (s == "bm25+")
            use_weight(enq, Xapian::BM25PlusWeight(
                param(p, n, 0, 1), param(p, n, 1, 0), param(p, n, 2, 1),
                param(p, n, 3, 0.5), param(p, n, 4, 0.5), param(p, n, 5, 1)));
        else if (s == "pl2")
            use_weight(enq, Xapian::PL2Weight(param(p, n, 0, 1)));
        else if (s == "pl2+")
            use_weight(enq, Xapian::PL2PlusWeight(
                param(p, n, 0, 1), param(p, n, 1, 0.8)));
        else if (s == "dph")
            use_weight(enq, Xapian::DPHWeight());
        else if (s == "dlh")
            use_weight(enq, Xapian::DLHWeight());
        else if (s == "inl2")
            use_weight(enq, Xapian::InL2Weight(param(p, n, 0, 1)));
        else if (s == "ifb2")
            use_weight(enq, Xapian::IfB2Weight(param(p, n, 0, 1)));
        else if (s == "ineb2")
            use_weight(enq, Xapian::IneB2Weight(param(p, n, 0, 1)));
        else if (s == "ineb2-prenorm") {
            double scale = param(p, n, 0, 1);
            if (!(scale > 0))
                return set_error(err, XAPIAN_EINVAL, "xapian_enquire_set_"
                                 "weighting: scale must be positive");
            use_weight(enq, PrenormIneB2Weight(scale));
        } else if (s == "bb2")
            use_weight(enq, Xapian::BB2Weight(param(p, n, 0, 1)));
        else if (s == "lm")
            use_weight(enq, Xapian::LMWeight(
                param(p, n, 0, 0),
                Xapian::Weight::type_smoothing(int(param(p, n, 1, 1))),
                param(p, n, 2, -1), param(p, n, 3, -1)));
        else
            return set_error(err, XAPIAN_EINVAL, "xapian_enquire_set_weighting:"
                             " unknown scheme \"%s\"", name);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_set_collapse_key(xapian_enquire *enq, xapian_slot slot,
                                    unsigned collapse_max, xapian_error *err)
{
    REQUIRE(enq);
    try {
        if (collapse_max == 0)
            enq->enq.set_collapse_key(Xapian::BAD_VALUENO);
        else
            enq->enq.set_collapse_key(slot, collapse_max);
        enq->collapsing = collapse_max != 0;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_set_split(xapian_enquire *enq,
                             const xapian_database *const *helpers,
                             size_t nhelpers, double min_postings,
                             xapian_error *err)
{
    REQUIRE(enq);
    REQUIRE(helpers || nhelpers == 0);
    try {
        std::vector<Xapian::Database> v;
        for (size_t i = 0; i < nhelpers; i++) {    /* bounded by nhelpers */
            REQUIRE(helpers[i]);
            const Xapian::Database &h = helpers[i]->db;
            if (h.get_uuid() != enq->db.get_uuid()
                || h.get_lastdocid() != enq->db.get_lastdocid()
                || h.get_doccount() != enq->db.get_doccount())
                return set_error(err, XAPIAN_EINVAL, "xapian_enquire_set_"
                                 "split: helper %zu is not a handle on the "
                                 "enquire's database as it now is", i);
            v.push_back(h);
        }
        drop_pool(enq->pool);           /* the old helpers' threads */
        if (!v.empty())
            enq->pool.reset(new part_pool);
        enq->helpers = std::move(v);
        enq->split_min = min_postings;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

/* The postings of q: over its distinct terms, the number of documents
 * each indexes in db. */
static double query_postings(const Xapian::Database &db,
                             const Xapian::Query &q)
{
    double n = 0;
    for (auto t = q.get_unique_terms_begin(); t != q.get_unique_terms_end();
         ++t)                           /* bounded by the query's terms */
        n += db.get_termfreq(*t);
    return n;
}

/* A hit of a match: its weight and docid. */
typedef std::pair<double, Xapian::docid> hit_t;

/* An Enquire over db that weighs as enq does, for query q. */
static Xapian::Enquire enquire_like(const xapian_enquire *enq,
                                    const Xapian::Database &db,
                                    const Xapian::Query &q)
{
    Xapian::Enquire e(db);
    if (enq->weight)
        e.set_weighting_scheme(*enq->weight);
    e.set_query(q);
    return e;
}

/* The number of parts to match q in: 1 + enq->helpers.size() when q's
 * postings reach split_min, else 1. */
static size_t split_parts(const xapian_enquire *enq, const Xapian::Query &q)
{
    if (enq->helpers.empty() || query_postings(enq->db, q) < enq->split_min)
        return 1;
    return enq->helpers.size() + 1;
}

/* The rank after a page of maxitems from first, saturating. */
static unsigned page_end(unsigned first, unsigned maxitems)
{
    return maxitems > UINT_MAX - first ? UINT_MAX : first + maxitems;
}

/* Runs q over enq's database for its best want hits of at least
 * min_weight (0: any), into hits (best first, ties by docid, as Xapian
 * ranks) and c, in parts (split_parts()) at once: each over an even share
 * of the docids (a DocidRangeSource filter) on its own database handle and
 * thread, the first on the caller's.
 *
 * Xapian's handles are reference-counted without atomics, so no object is
 * shared between threads: each part has its own Enquire, weighting scheme
 * and a copy of q made through serialise() (the first part, on this
 * thread, uses q itself), all made before any thread starts; the threads
 * are joined before any of it is touched again.  A part's counts are
 * exact when its bounds meet; else its estimate (made for the whole
 * database: see DocidRangeSource) is scaled to its share of the docids. */
static void match_best(const xapian_enquire *enq, const Xapian::Query &q,
                       size_t parts, unsigned want, unsigned checkatleast,
                       double min_weight, std::vector<hit_t> &hits,
                       counts_t &c)
{
    const Xapian::docid last = enq->db.get_lastdocid();
    /* Only a split needs the copies (and a Registry costs allocations). */
    std::unique_ptr<Xapian::Registry> reg;
    std::string qs;
    if (parts > 1) {
        reg.reset(new Xapian::Registry);
        reg->register_posting_source(DocidSource({}));
        qs = q.serialise();
    }
    std::vector<Xapian::Enquire> part;
    std::vector<Xapian::docid> lo(parts), hi(parts);
    for (size_t i = 0; i < parts; i++) {        /* bounded by parts */
        lo[i] = Xapian::docid(1 + uint64_t(last) * i / parts);
        hi[i] = Xapian::docid(uint64_t(last) * (i + 1) / parts);
        const Xapian::Database &db = i ? enq->helpers[i - 1] : enq->db;
        if (parts == 1) {
            part.push_back(enquire_like(enq, db, q));
            break;
        }
        Xapian::Query range((new DocidRangeSource(lo[i], hi[i]))->release());
        part.push_back(enquire_like(
            enq, db, Xapian::Query(Xapian::Query::OP_FILTER,
                                   i ? Xapian::Query::unserialise(qs, *reg)
                                     : q,
                                   range)));
    }

    if (min_weight > 0)
        for (Xapian::Enquire &e : part)
            e.set_cutoff(0, min_weight);
    std::vector<Xapian::MSet> got(parts);
    std::vector<std::exception_ptr> failed(parts);
    auto run = [&](size_t i) {
        try {
            got[i] = part[i].get_mset(0, want, checkatleast);
        } catch (...) {
            failed[i] = std::current_exception();
        }
    };
    std::vector<std::function<void()>> jobs;
    for (size_t i = 1; i < parts; i++)          /* bounded by parts */
        jobs.push_back([&run, i] { run(i); });
    if (parts > 1 && enq->pool->inherited()) {
        drop_pool(enq->pool);
        enq->pool.reset(new part_pool);
    }
    if (parts > 1)
        enq->pool->start(jobs);         /* the other parts meanwhile */
    run(0);
    if (parts > 1)
        enq->pool->wait();
    for (const std::exception_ptr &e : failed)
        if (e)
            std::rethrow_exception(e);

    hits.clear();
    c = counts_t();
    for (size_t i = 0; i < parts; i++) {        /* bounded by parts */
        const Xapian::MSet &g = got[i];
        for (Xapian::MSetIterator h = g.begin(); h != g.end(); ++h)
            hits.emplace_back(h.get_weight(), *h);
        Xapian::doccount glo = g.get_matches_lower_bound();
        Xapian::doccount gup = g.get_matches_upper_bound();
        double est = g.get_matches_estimated();
        if (parts > 1) {
            gup = std::min<Xapian::doccount>(gup, hi[i] - lo[i] + 1);
            if (glo != g.get_matches_upper_bound())
                est = std::min<double>(
                    std::max<double>(est * (hi[i] - lo[i] + 1) / last, glo),
                    gup);
        }
        c.lower += glo;
        c.upper += gup;
        c.estimated += Xapian::doccount(est + 0.5);
    }
    std::sort(hits.begin(), hits.end(),
              [](const hit_t &a, const hit_t &b) {
                  return a.first > b.first
                         || (a.first == b.first && a.second < b.second);
              });
    if (hits.size() > want)
        hits.resize(want);
}

/* Ranks first .. first + maxitems - 1 of enq's query among the documents
 * of hits alone, in a match on enq itself (filtered by a DocidSource), so
 * that the MSet is Xapian's own.  enq's query is restored after, as
 * snippets and matching terms read it back from the Enquire. */
static Xapian::MSet rank_among(xapian_enquire *enq,
                               const std::vector<hit_t> &hits,
                               unsigned first, unsigned maxitems)
{
    std::vector<Xapian::docid> ids;
    for (const hit_t &h : hits)
        ids.push_back(h.second);
    std::sort(ids.begin(), ids.end());
    Xapian::Query best = ids.empty() ? Xapian::Query::MatchNothing
        : Xapian::Query((new DocidSource(std::move(ids)))->release());
    enq->enq.set_query(Xapian::Query(Xapian::Query::OP_FILTER, enq->query,
                                     best));
    Xapian::MSet m;
    try {
        m = enq->enq.get_mset(first, maxitems);
    } catch (...) {
        enq->enq.set_query(enq->query);
        throw;
    }
    enq->enq.set_query(enq->query);
    return m;
}

/* A term of the query left out of a lazy match's first pass. */
struct lazy_term {
    std::string term;
    Xapian::doccount tf;
};

/* Splits q for a lazy match: *reduced is q without the terms of its
 * top-level OR (under any FILTER or AND_NOT) that index at least min_tf
 * documents, which go to lazy; the rarest is kept should all qualify.
 * Returns false when q has no such OR or no term to leave out. */
static bool leave_out_common(const Xapian::Database &db,
                             const Xapian::Query &q, double min_tf,
                             Xapian::Query &reduced,
                             std::vector<lazy_term> &lazy)
{
    Xapian::Query::op op = q.get_type();
    size_t n = q.get_num_subqueries();
    if ((op == Xapian::Query::OP_FILTER || op == Xapian::Query::OP_AND_NOT)
        && n >= 2) {
        std::vector<Xapian::Query> sub(1);
        if (!leave_out_common(db, q.get_subquery(0), min_tf, sub[0], lazy))
            return false;
        for (size_t i = 1; i < n; i++)          /* bounded by n */
            sub.push_back(q.get_subquery(i));
        reduced = Xapian::Query(op, sub.begin(), sub.end());
        return true;
    }
    if (op != Xapian::Query::OP_OR)
        return false;
    std::vector<Xapian::Query> keep;
    std::vector<std::pair<lazy_term, Xapian::Query>> common;
    for (size_t i = 0; i < n; i++) {            /* bounded by n */
        Xapian::Query sub = q.get_subquery(i);
        if (sub.get_type() == Xapian::Query::LEAF_TERM) {
            std::string t = *sub.get_terms_begin();
            Xapian::doccount tf = db.get_termfreq(t);
            if (tf >= min_tf) {
                common.push_back({ lazy_term{ t, tf }, sub });
                continue;
            }
        }
        keep.push_back(sub);
    }
    if (keep.empty() && !common.empty()) {
        auto rarest = std::min_element(
            common.begin(), common.end(),
            [](const std::pair<lazy_term, Xapian::Query> &a,
               const std::pair<lazy_term, Xapian::Query> &b) {
                return a.first.tf < b.first.tf;
            });
        keep.push_back(rarest->second);
        common.erase(rarest);
    }
    if (common.empty())
        return false;
    for (const auto &c : common)
        lazy.push_back(c.first);
    reduced = keep.size() == 1 ? keep[0]
        : Xapian::Query(Xapian::Query::OP_OR, keep.begin(), keep.end());
    return true;
}

/* The most candidates a lazy match ranks by the whole query. */
#define LAZY_MAX_WINDOW 2000

/* Estimates the match counts of a query from those of its first pass
 * (c) and the frequencies of its left-out terms, as Xapian estimates an
 * OR term by term (tier_mset(): all of an OR's terms, c empty).  Under a filter (wrapped), the left-out terms'
 * documents may not match at all: the estimate is then the first pass's,
 * and only the upper bound counts them. */
static counts_t lazy_counts(const counts_t &c,
                            const std::vector<lazy_term> &lazy, bool wrapped,
                            Xapian::doccount size)
{
    double est = c.estimated, up = c.upper, lo = c.lower;
    for (const lazy_term &t : lazy) {
        up += t.tf;
        if (wrapped)
            continue;
        est += t.tf - est * t.tf / size;
        lo = std::max<double>(lo, t.tf);
    }
    up = std::min<double>(up, size);
    counts_t out;
    out.lower = Xapian::doccount(lo);
    out.upper = Xapian::doccount(up);
    out.estimated = Xapian::doccount(std::min(std::max(est, lo), up) + 0.5);
    return out;
}

/* A lazy match (max-score evaluation; exact): the common terms of enq's OR
 * query (leave_out_common) are left out of a first pass for its best K
 * hits, which are then ranked by the whole query (rank_among).  A
 * document outside those K weighs at most w_K + M: the K-th hit's weight
 * in the first pass (0 when fewer than K matched) plus M, the most the
 * common terms together add (MSet::get_termweight).  When the page's last
 * hit, of weight w, outweighs that, the page is settled.  Else a second
 * pass takes every document of first-pass weight w - M or more (a weight
 * cutoff, which Xapian prunes by from the start); no other can reach w.
 * It is tried only when the first pass's weights, extrapolated, promise
 * few enough candidates.
 *
 * Returns NULL when neither settles the page (more than LAZY_MAX_WINDOW
 * candidates, or fewer hits than the page).  The caller then matches the
 * whole query, but need not weigh any document under *floor (0 when
 * unknown): the page's last hit weighs at least that, as the first pass
 * found that many documents as heavy; and *counts then holds the
 * estimated counts (0 when there is no floor).  Needs a weighting scheme in which a term's weight
 * does not depend on the rest of the query. */
static xapian_mset *lazy_mset(xapian_enquire *enq, unsigned first,
                              unsigned maxitems, unsigned checkatleast,
                              double *floor, counts_t *counts)
{
    const Xapian::doccount size = enq->db.get_doccount();
    const double min_tf = std::max(enq->lazy_share * size, enq->lazy_min);
    Xapian::Query reduced;
    std::vector<lazy_term> lazy;
    *floor = 0;
    if (min_tf > size                   /* no term can be that common */
        || !leave_out_common(enq->db, enq->query, min_tf, reduced, lazy))
        return NULL;
    const unsigned want = page_end(first, maxitems);
    if (want > LAZY_MAX_WINDOW / 4)
        return NULL;
    const unsigned k = 2 * want + 10;
    const size_t parts = split_parts(enq, reduced);
    std::vector<hit_t> hits;
    counts_t c, ignored;
    match_best(enq, reduced, parts, k, checkatleast, 0, hits, c);
    std::unique_ptr<xapian_mset> out(new xapian_mset);
    out->mset = rank_among(enq, hits, first, maxitems);
    out->parts = unsigned(parts);
    out->merged = true;
    out->counts = lazy_counts(c, lazy,
                              enq->query.get_type() != Xapian::Query::OP_OR,
                              size);
    if (out->mset.size() < maxitems)
        return NULL;
    *counts = out->counts;
    double most = 0;
    for (const lazy_term &t : lazy)
        most += out->mset.get_termweight(t.term);
    double w = out->mset[maxitems - 1].get_weight();
    *floor = w * (1 - 1e-12);
    if (w > ((hits.size() < k ? 0 : hits.back().first) + most) * (1 + 1e-12))
        return out.release();
    double reach = (w - most) * (1 - 1e-12);
    if (hits.size() < k || reach <= 0)
        return NULL;
    /* How deep the first pass would have to go to reach that weight, from
     * the slope of its second half: past LAZY_MAX_WINDOW, a second pass
     * would only find too many candidates (weights level off with depth,
     * so this errs towards trying). */
    double slope = (hits[k / 2].first - hits.back().first) / (k - 1 - k / 2);
    if (!(slope > 0)
        || k + (hits.back().first - reach) / slope > LAZY_MAX_WINDOW)
        return NULL;
    match_best(enq, reduced, parts, LAZY_MAX_WINDOW, 0, reach, hits,
               ignored);
    if (hits.size() >= LAZY_MAX_WINDOW)
        return NULL;
    out->mset = rank_among(enq, hits, first, maxitems);
    return out->mset.size() < maxitems ? NULL : out.release();
}

/* One term of a tiered match: its tier's postings, sorted by docid, its
 * coefficient (prenorm_coeff() times its wqf) and cap, the most any of its
 * postings outside the tier weighs. */
struct tier_list {
    std::vector<Xapian::docid> ids;
    std::vector<Xapian::termcount> wdfs;
    double coeff = 0, cap = 0;
};

/* Relative slack in the bounds of a tiered match, for rounding: Xapian
 * sums a document's weight in its own order. */
#define TIER_EPS 1e-9

/* A tiered match (exact): the best documents of an OR of common terms
 * (each with a tier: xapian_writable_database_add_tiers()), found among
 * their tiers without reading their posting lists.  Each document d of a
 * tier weighs at least p(d), the sum of its weights in the tiers it is in,
 * and at most u(d) = p(d) plus the caps of the others (the most a posting
 * outside a tier weighs); a document in none weighs at most B, the sum of
 * all caps.  A floor t for the page's last weight w comes from the page's
 * last p(d), then from a first few candidates of highest u(d) ranked by
 * the whole query (rank_among()); every candidate with u(d) >= t is then
 * ranked so.  When w outweighs B the page is settled: no other document
 * can reach w.  The weights are checked against Xapian's own (each hit's
 * must lie between its p(d) and u(d)).
 *
 * Needs every posting outside a tier to weigh less than the top of the
 * tier, so the weighting must rise with the wdf alone: "ineb2-prenorm".
 * With a weight that saturates, B nears the page's weight as terms are
 * added: hence enq->tier_terms.
 *
 * Returns NULL when the query is not an OR of at most enq->tier_terms
 * distinct terms (or one term) each with a tier, more than enq->tier_max
 * candidates reach t, or B is not outweighed; *floor is then t (0 when
 * unknown), under which the caller's whole match need not look, and
 * *counts the estimated counts (as Xapian estimates an OR from its terms'
 * frequencies). */
static xapian_mset *tier_mset(xapian_enquire *enq, unsigned first,
                              unsigned maxitems, double scale, double *floor,
                              counts_t *counts)
{
    *floor = 0;
    const Xapian::Query &q = enq->query;
    std::vector<std::string> terms;
    if (q.get_type() == Xapian::Query::LEAF_TERM) {
        terms.push_back(*q.get_terms_begin());
    } else if (q.get_type() == Xapian::Query::OP_OR) {
        for (size_t i = 0; i < q.get_num_subqueries(); i++) {  /* bounded */
            Xapian::Query sub = q.get_subquery(i);
            if (sub.get_type() != Xapian::Query::LEAF_TERM)
                return NULL;
            terms.push_back(*sub.get_terms_begin());
        }
    } else {
        return NULL;
    }
    /* A term given m times weighs m times as much (wqf m). */
    std::sort(terms.begin(), terms.end());
    std::vector<unsigned> wqf;
    for (size_t i = 0; i < terms.size(); i++)   /* bounded by terms */
        if (i && terms[i] == terms[i - 1])
            wqf.back()++;
        else
            wqf.push_back(1);
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    const unsigned want = page_end(first, maxitems);
    if (want > enq->tier_size / 8 || terms.size() > enq->tier_terms)
        return NULL;

    const Xapian::Database &db = enq->db;
    const double N = db.get_doccount();
    std::vector<lazy_term> freqs;               /* for the counts */
    for (const std::string &t : terms) {        /* bounded by terms */
        freqs.push_back(lazy_term{ t, db.get_termfreq(t) });
        if (freqs.back().tf < enq->tier_min_tf)
            return NULL;
    }
    std::vector<tier_list> lists;
    double B = 0;
    size_t total = 0;
    for (size_t ti = 0; ti < terms.size(); ti++) {     /* bounded */
        const std::string &t = terms[ti];
        tier_list l;
        l.coeff = prenorm_coeff(wqf[ti], N, db.get_collection_freq(t),
                                freqs[ti].tf, scale);
        std::string blob = db.get_metadata(enq->tier_prefix + t);
        uint32_t k = blob.size() >= 8 ? get_u32(blob.data()) : 0;
        if (k == 0 || blob.size() != 8 + 8 * size_t(k))
            return NULL;                        /* not tiered */
        l.cap = prenorm_part(l.coeff, get_u32(blob.data() + 4), scale);
        const char *ids = blob.data() + 8, *wdfs = ids + 4 * size_t(k);
        l.ids.reserve(k);
        l.wdfs.reserve(k);
        for (uint32_t i = 0; i < k; i++) {      /* bounded by k */
            l.ids.push_back(get_u32(ids + 4 * i));
            l.wdfs.push_back(get_u32(wdfs + 4 * i));
        }
        total += k;
        B += l.cap;
        lists.push_back(std::move(l));
    }
    *counts = lazy_counts(counts_t(), freqs, false, Xapian::doccount(N));

    /* Every candidate, by docid: p(d) and u(d) (k-way merge). */
    struct cand { Xapian::docid id; double p, u; };
    std::vector<cand> cands;
    cands.reserve(total);
    std::vector<size_t> at(lists.size(), 0);
    for (;;) {                                  /* bounded by the postings */
        Xapian::docid d = 0;
        for (size_t i = 0; i < lists.size(); i++)      /* bounded */
            if (at[i] < lists[i].ids.size()
                && (d == 0 || lists[i].ids[at[i]] < d))
                d = lists[i].ids[at[i]];
        if (d == 0)
            break;
        double p = 0, u = B;
        for (size_t i = 0; i < lists.size(); i++) {    /* bounded */
            tier_list &l = lists[i];
            if (at[i] < l.ids.size() && l.ids[at[i]] == d) {
                double w = prenorm_part(l.coeff, l.wdfs[at[i]], scale);
                p += w;
                u += w - l.cap;
                at[i]++;
            }
        }
        cands.push_back(cand{ d, p, u });
    }
    if (cands.size() < want)
        return NULL;
    std::vector<double> ps;
    ps.reserve(cands.size());
    for (const cand &c : cands)
        ps.push_back(c.p);
    std::nth_element(ps.begin(), ps.begin() + (want - 1), ps.end(),
                     std::greater<double>());
    double t = ps[want - 1] * (1 - TIER_EPS);
    /* A first few, those of highest bound, ranked by the whole query:
     * their page's last weight is a closer floor than t, as p(d) counts
     * only the tiers a document is in. */
    std::vector<hit_t> reach;
    reach.reserve(cands.size());
    for (const cand &c : cands)
        reach.emplace_back(c.u, c.id);
    size_t few = std::min<size_t>(reach.size(), 2 * want + 30);
    std::nth_element(reach.begin(), reach.begin() + (few - 1), reach.end(),
                     [](const hit_t &a, const hit_t &b) {
                         return a.first > b.first;
                     });
    reach.resize(few);
    Xapian::MSet m = rank_among(enq, reach, 0, want);
    if (m.size() == want)
        t = std::max(t, m[want - 1].get_weight() * (1 - TIER_EPS));
    *floor = t;
    reach.clear();
    for (const cand &c : cands)
        if (c.u * (1 + TIER_EPS) >= t) {
            if (reach.size() == enq->tier_max)
                return NULL;
            reach.emplace_back(c.u, c.id);
        }
    std::unique_ptr<xapian_mset> out(new xapian_mset);
    out->mset = rank_among(enq, reach, first, maxitems);
    if (out->mset.size() < maxitems)
        return NULL;
    /* The weights worked out here must be Xapian's: each hit's lies
     * between its p(d) and u(d) (cands is in docid order). */
    for (Xapian::MSetIterator h = out->mset.begin(); h != out->mset.end();
         ++h) {                                 /* bounded by maxitems */
        auto c = std::lower_bound(cands.begin(), cands.end(), *h,
                                  [](const cand &a, Xapian::docid d) {
                                      return a.id < d;
                                  });
        double x = h.get_weight();
        if (c == cands.end() || c->id != *h
            || x < c->p * (1 - TIER_EPS) || x > c->u * (1 + TIER_EPS))
            return NULL;
    }
    double w = out->mset[maxitems - 1].get_weight();
    if (!(w > B * (1 + TIER_EPS)))
        return NULL;
    out->merged = true;
    out->tiered = true;
    out->counts = *counts;
    return out.release();
}

int xapian_enquire_set_tiers(xapian_enquire *enq, const char *prefix,
                             unsigned max_terms, unsigned max_candidates,
                             xapian_error *err)
{
    REQUIRE(enq);
    REQUIRE(prefix);
    try {
        enq->tier_prefix.clear();
        /* Metadata and docids are a single database's. */
        std::string head = *prefix && enq->db.size() == 1
                           ? enq->db.get_metadata(prefix) : "";
        if (head.size() != 8)
            return XAPIAN_OK;                   /* no tiers: off */
        enq->tier_min_tf = get_u32(head.data());
        enq->tier_size = get_u32(head.data() + 4);
        enq->tier_max = max_candidates;
        enq->tier_terms = max_terms;
        /* Under min_tf documents no term has a tier: then a query need
         * not look up its terms' frequencies to find that out. */
        if (enq->tier_size > 0 && enq->tier_min_tf > enq->tier_size
            && enq->db.get_doccount() >= enq->tier_min_tf)
            enq->tier_prefix = prefix;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_set_lazy(xapian_enquire *enq, double min_share,
                            double min_postings, xapian_error *err)
{
    REQUIRE(enq);
    if (!(min_share >= 0 && min_share <= 1) || !(min_postings >= 0))
        return set_error(err, XAPIAN_EINVAL, "xapian_enquire_set_lazy: "
                         "share outside [0, 1] or negative postings");
    enq->lazy_share = min_share;
    enq->lazy_min = min_postings;
    return XAPIAN_OK;
}

int xapian_enquire_get_mset(xapian_mset **out, xapian_enquire *enq,
                            unsigned first, unsigned maxitems,
                            unsigned checkatleast, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(enq);
    try {
        bool plain = enq->collapsing || maxitems == 0;
        double floor = 0, tier_floor = 0;
        counts_t counts, tcounts;
        PrenormIneB2Weight *prenorm =
            dynamic_cast<PrenormIneB2Weight *>(enq->weight.get());
        if (!plain && prenorm && !enq->tier_prefix.empty() && !checkatleast)
            *out = tier_mset(enq, first, maxitems, prenorm->get_scale(),
                             &tier_floor, &tcounts);
        if (!*out && !plain && enq->lazy_share > 0 && prenorm)
            *out = lazy_mset(enq, first, maxitems, checkatleast, &floor,
                             &counts);
        if (!*out && tier_floor > floor) {
            floor = tier_floor;
            counts = tcounts;
        }
        size_t parts = *out || plain ? 1 : split_parts(enq, enq->query);
        if (parts > 1) {
            std::vector<hit_t> hits;
            std::unique_ptr<xapian_mset> m(new xapian_mset);
            counts_t c;
            match_best(enq, enq->query, parts, page_end(first, maxitems),
                       checkatleast, floor, hits, c);
            m->mset = rank_among(enq, hits, first, maxitems);
            m->parts = unsigned(parts);
            m->merged = true;
            /* A cutoff changes Xapian's counts: keep the estimates. */
            m->counts = floor > 0 ? counts : c;
            *out = m.release();
        }
        if (!*out) {
            std::unique_ptr<xapian_mset> m(new xapian_mset);
            m->merged = floor > 0;      /* as above */
            m->counts = counts;
            enq->enq.set_cutoff(0, floor);
            try {
                m->mset = enq->enq.get_mset(first, maxitems, checkatleast);
            } catch (...) {
                enq->enq.set_cutoff(0, 0);
                throw;
            }
            enq->enq.set_cutoff(0, 0);
            *out = m.release();
        }
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_set_expansion_scheme(xapian_enquire *enq, const char *name,
                                        double k, xapian_error *err)
{
    REQUIRE(enq);
    REQUIRE(name);
    if (!(k >= 0))
        return set_error(err, XAPIAN_EINVAL,
                         "xapian_enquire_set_expansion_scheme: negative k");
    try {
        enq->enq.set_expansion_scheme(name, k);
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_enquire_get_eset(xapian_eset **out, xapian_enquire *enq,
                            unsigned maxitems, const xapian_docid *rel,
                            size_t nrel, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(enq);
    REQUIRE(rel || nrel == 0);
    try {
        Xapian::RSet rset;
        for (size_t i = 0; i < nrel; i++)       /* bounded by nrel */
            rset.add_document(rel[i]);
        xapian_eset *e = new xapian_eset{enq->enq.get_eset(maxitems, rset), {}};
        for (Xapian::ESetIterator t = e->eset.begin(); t != e->eset.end(); ++t)
            e->terms.push_back(*t);
        *out = e;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

unsigned xapian_eset_size(const xapian_eset *eset)
{
    return eset ? (unsigned)eset->terms.size() : 0;
}

int xapian_eset_term(const char **out, size_t *out_len, double *out_weight,
                     const xapian_eset *eset, unsigned i, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_len);
    *out_len = 0;
    REQUIRE(out_weight);
    *out_weight = 0;
    REQUIRE(eset);
    if (i >= eset->terms.size())
        return set_error(err, XAPIAN_ERANGE, "xapian_eset_term: index %u "
                         "past the end (%zu terms)", i, eset->terms.size());
    try {
        *out = eset->terms[i].data();
        *out_len = eset->terms[i].size();
        Xapian::ESetIterator t = eset->eset.begin();
        t += i;
        *out_weight = t.get_weight();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_eset_free(xapian_eset *eset)
{
    delete eset;
}

int xapian_enquire_matching_terms(char **out, size_t *out_n,
                                  const xapian_enquire *enq,
                                  const xapian_mset *mset, unsigned i,
                                  xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(out_n);
    *out_n = 0;
    REQUIRE(enq);
    REQUIRE(mset);
    if (i >= mset->mset.size())
        return set_error(err, XAPIAN_ERANGE, "xapian_enquire_matching_terms: "
                         "index %u past the end (%u hits)", i,
                         (unsigned)mset->mset.size());
    try {
        Xapian::MSetIterator m = mset->mset[i];
        join_terms(out, out_n, enq->enq.get_matching_terms_begin(m),
                   enq->enq.get_matching_terms_end(m));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_termweight(double *out_weight, uint32_t *out_freq,
                           const xapian_mset *mset, const char *term,
                           size_t len, xapian_error *err)
{
    REQUIRE(out_weight);
    *out_weight = 0;
    REQUIRE(out_freq);
    *out_freq = 0;
    REQUIRE(mset);
    REQUIRE_TEXT(term, len);
    try {
        *out_weight = mset->mset.get_termweight(text(term, len));
        *out_freq = mset->mset.get_termfreq(text(term, len));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_enquire_free(xapian_enquire *enq)
{
    if (enq)
        drop_pool(enq->pool);
    delete enq;
}

unsigned xapian_mset_size(const xapian_mset *mset)
{
    return mset ? mset->mset.size() : 0;
}

unsigned xapian_mset_matches_estimated(const xapian_mset *mset)
{
    return !mset ? 0 : mset->merged ? mset->counts.estimated
                                    : mset->mset.get_matches_estimated();
}

unsigned xapian_mset_matches_lower_bound(const xapian_mset *mset)
{
    return !mset ? 0 : mset->merged ? mset->counts.lower
                                    : mset->mset.get_matches_lower_bound();
}

unsigned xapian_mset_matches_upper_bound(const xapian_mset *mset)
{
    return !mset ? 0 : mset->merged ? mset->counts.upper
                                    : mset->mset.get_matches_upper_bound();
}

int xapian_mset_tiered(const xapian_mset *mset)
{
    return mset && mset->tiered;
}

unsigned xapian_mset_parts(const xapian_mset *mset)
{
    return mset ? mset->parts : 0;
}

/* Checks mset and index i for the per-hit accessors below. */
#define REQUIRE_HIT(mset, i)                                                \
    do {                                                                    \
        REQUIRE(mset);                                                      \
        if ((i) >= (mset)->mset.size())                                     \
            return set_error(err, XAPIAN_ERANGE,                            \
                             "%s: hit %u is past the end (size %u)",        \
                             __func__, (i), (mset)->mset.size());           \
    } while (0)

int xapian_mset_docid(xapian_docid *out, const xapian_mset *mset, unsigned i,
                      xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE_HIT(mset, i);
    try {
        *out = *mset->mset[i];
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_rank(unsigned *out, const xapian_mset *mset, unsigned i,
                     xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE_HIT(mset, i);
    try {
        *out = mset->mset[i].get_rank();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_weight(double *out, const xapian_mset *mset, unsigned i,
                       xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE_HIT(mset, i);
    try {
        *out = mset->mset[i].get_weight();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_percent(int *out, const xapian_mset *mset, unsigned i,
                        xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE_HIT(mset, i);
    try {
        *out = mset->mset[i].get_percent();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_collapse_count(unsigned *out, const xapian_mset *mset,
                               unsigned i, xapian_error *err)
{
    REQUIRE(out);
    *out = 0;
    REQUIRE_HIT(mset, i);
    try {
        *out = mset->mset[i].get_collapse_count();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_document(xapian_document **out, const xapian_mset *mset,
                         unsigned i, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE_HIT(mset, i);
    try {
        *out = new xapian_document{mset->mset[i].get_document(), {}, {}};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int xapian_mset_snippet(char **out, size_t *out_len, const xapian_mset *mset,
                        const char *text_, size_t len, size_t length,
                        const xapian_stem *stem, unsigned flags,
                        const char *hi_start, const char *hi_end,
                        const char *omit, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    if (out_len)
        *out_len = 0;
    REQUIRE(mset);
    REQUIRE_TEXT(text_, len);
    REQUIRE(hi_start);
    REQUIRE(hi_end);
    REQUIRE(omit);
    try {
        std::string s = mset->mset.snippet(text(text_, len), length,
                                           stem ? stem->stem : Xapian::Stem(),
                                           flags, hi_start, hi_end, omit);
        *out = malloc_copy(s);
        if (out_len)
            *out_len = s.size();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void xapian_mset_free(xapian_mset *mset)
{
    delete mset;
}
