/*
 * spine-serve -- one index, kept open, answering HTTP: a JSON API (search,
 * related articles, one article, health, stats) and a search page at /.
 *
 * Built on libmicrohttpd: its threads (--threads N, a pool) take the
 * connections; each request that searches borrows one of N searchers
 * opened at start (a searcher is not thread-safe: search.h), so no two
 * requests ever share one.  A rebuild of the index needs no restart: each
 * searcher moves to the new generation at its next query.
 *
 * Every answer is JSON but the page; a bad request gets a 4xx object
 * {"error": "...", "parameter": "n"} naming what was wrong.  One access
 * log line per request on stderr.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "spine/format.h"
#include "spine/search.h"
#include "spine/version.h"

#define PROG "spine-serve"
#define STR_(x) #x
#define STR(x) STR_(x)

/* The page served at / (page.html, turned into page.c at build time). */
extern const unsigned char serve_page[];
extern const size_t serve_page_len;

/* Request bounds.  A query past libspine's own (SPINE_MAX_QUERY_*) is
 * refused by spine_search() as SPINE_EQUERY; these are the server's. */
#define MAX_OFFSET      100000     /* deeper pages are not for browsing */
#define MAX_ID_BYTES    1024
#define MAX_SOURCE_BYTES 64
/* A request's headers and URL must fit in this much memory: a query of
 * SPINE_MAX_QUERY_BYTES, every byte percent-encoded, with room to spare.
 * Past it libmicrohttpd itself answers 414 or 431. */
#define REQUEST_MEMORY  (4 * SPINE_MAX_QUERY_BYTES + 32768)
#define MAX_CONNECTIONS 512
#define MAX_THREADS     64
/* /stats: percentiles over the latest LATENCY_WINDOW queries. */
#define LATENCY_WINDOW  1024

/* The searchers, lent one request at a time. */
typedef struct pool {
    pthread_mutex_t lock;
    pthread_cond_t returned;
    spine_searcher **idle;
    size_t nidle;
    size_t size;
} pool;

typedef struct server {
    const char *dir;
    pool searchers;
    unsigned threads;
    double time_budget;             /* seconds, for every query */
    struct timespec started;
    pthread_mutex_t stats_lock;     /* guards what follows */
    unsigned long long queries;     /* /search and /related answered */
    unsigned long long errors;      /* requests answered 4xx or 5xx */
    unsigned latency[LATENCY_WINDOW];  /* microseconds, a ring */
    size_t nlatency;
    size_t next_latency;
} server;

/* One request, from its first line to its last byte sent. */
typedef struct request {
    char *uri;                      /* as sent: path and query, encoded */
    char method[16];                /* GET, HEAD, ... (cut at 15 bytes) */
    struct timespec t0;
    int headers_read;               /* the handler has been called */
    unsigned status;
    size_t bytes;
} request;

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- the searcher pool ---------------------------------------------------- */

/* Opens n searchers on dir.  Returns 0, or a SPINE_E* code with err set
 * (the pool is then empty and needs no pool_free()). */
static int pool_open(pool *p, const char *dir, size_t n, spine_error *err)
{
    p->idle = calloc(n, sizeof *p->idle);
    p->nidle = 0;
    p->size = n;
    if (!p->idle)
        return spine_error_set(err, SPINE_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        spine_searcher *s = NULL;
        int rc = spine_searcher_open(&s, dir, err);
        /* Requests run side by side, one thread each: a query split over
         * threads of its own would only crowd them. */
        if (rc == 0)
            rc = spine_searcher_set_threads(s, 1, 0, err);
        if (rc != 0) {
            spine_searcher_free(s);
            while (p->nidle)
                spine_searcher_free(p->idle[--p->nidle]);
            free(p->idle);
            p->idle = NULL;
            return rc;
        }
        p->idle[p->nidle++] = s;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->returned, NULL);
    return 0;
}

/* Takes an idle searcher, waiting for one if all are lent. */
static spine_searcher *pool_take(pool *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->nidle == 0)
        pthread_cond_wait(&p->returned, &p->lock);
    spine_searcher *s = p->idle[--p->nidle];
    pthread_mutex_unlock(&p->lock);
    return s;
}

/* Gives back a searcher from pool_take(). */
static void pool_give(pool *p, spine_searcher *s)
{
    pthread_mutex_lock(&p->lock);
    p->idle[p->nidle++] = s;
    pthread_cond_signal(&p->returned);
    pthread_mutex_unlock(&p->lock);
}

/* Frees every searcher; none may be lent. */
static void pool_free(pool *p)
{
    while (p->nidle)
        spine_searcher_free(p->idle[--p->nidle]);
    free(p->idle);
    pthread_cond_destroy(&p->returned);
    pthread_mutex_destroy(&p->lock);
}

/* ---- statistics --------------------------------------------------------- */

static void note_query(server *sv, double seconds)
{
    double us = seconds * 1e6;
    pthread_mutex_lock(&sv->stats_lock);
    sv->queries++;
    sv->latency[sv->next_latency] = us > 4e9 ? 4000000000u : (unsigned)us;
    sv->next_latency = (sv->next_latency + 1) % LATENCY_WINDOW;
    if (sv->nlatency < LATENCY_WINDOW)
        sv->nlatency++;
    pthread_mutex_unlock(&sv->stats_lock);
}

static int cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

/* The q-th quantile (0..1) of sorted v[0..n), nearest rank; 0 for none. */
static unsigned quantile(const unsigned *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)(q * (double)n + 0.999999);
    return v[rank ? rank - 1 : 0];
}

/* ---- responses -------------------------------------------------------------- */

/* Queues body[0..len) (malloc()ed, taken over) with status and content
 * type; the request keeps what the access log needs. */
static enum MHD_Result send_owned(struct MHD_Connection *c, request *rq,
                                  unsigned status, const char *type,
                                  char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    rq->status = status;
    rq->bytes = len;
    return ok;
}

#define JSON_TYPE "application/json; charset=utf-8"

/* Queues the JSON value v (released here) and a newline. */
static enum MHD_Result send_json(struct MHD_Connection *c, request *rq,
                                 unsigned status, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(v);
    if (!text)
        return MHD_NO;
    size_t n = strlen(text);
    char *body = realloc(text, n + 2);
    if (!body) {
        free(text);
        return MHD_NO;
    }
    body[n] = '\n';
    body[n + 1] = '\0';
    return send_owned(c, rq, status, JSON_TYPE, body, n + 1);
}

/* Queues {"error": message, "parameter": param} (param NULL: left out). */
static enum MHD_Result send_error(struct MHD_Connection *c, request *rq,
                                  unsigned status, const char *param,
                                  const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum MHD_Result send_error(struct MHD_Connection *c, request *rq,
                                  unsigned status, const char *param,
                                  const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *o = json_object();
    /* A message holding bytes that are not UTF-8 (from the request) is
     * kept as far as it is valid. */
    json_t *m = json_string(msg);
    json_object_set_new(o, "error", m ? m : json_string("bad request"));
    if (param)
        json_object_set_new(o, "parameter", json_string(param));
    return send_json(c, rq, status, o);
}

/* Answers a libspine error: a bad query 400, an unknown article 404, a
 * shortage 503, anything else (a damaged index) 500. */
static enum MHD_Result send_spine_error(struct MHD_Connection *c,
                                        request *rq, const spine_error *err,
                                        const char *param)
{
    switch (err->code) {
    case SPINE_EQUERY:
    case SPINE_EINVAL:
        return send_error(c, rq, MHD_HTTP_BAD_REQUEST, param, "%s", err->msg);
    case SPINE_ENOTFOUND:
        return send_error(c, rq, MHD_HTTP_NOT_FOUND, param, "%s", err->msg);
    case SPINE_ENOMEM:
        return send_error(c, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "%s",
                          err->msg);
    default:
        return send_error(c, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                          "%s: %s", spine_strerror(err->code), err->msg);
    }
}

/* ---- parameters ------------------------------------------------------------- */

/* Whether s[0..n) is whole, valid UTF-8 with no NUL (what jansson and
 * libspine take). */
static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p++;
        size_t more;
        unsigned min;
        if (c == 0)
            return 0;
        if (c < 0x80)
            continue;
        if (c >= 0xC2 && c <= 0xDF) { more = 1; min = 0x80; c &= 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { more = 2; min = 0x800; c &= 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { more = 3; min = 0x10000; c &= 0x07; }
        else
            return 0;
        if ((size_t)(end - p) < more)
            return 0;
        for (size_t k = 0; k < more; k++, p++) {
            if ((*p & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (*p & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
    }
    return 1;
}

static int hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
        || (c >= 'A' && c <= 'F');
}

/* Checks the percent-encoding of uri as sent: each '%' starts two hex
 * digits, and none encodes NUL.  Returns NULL when it is sound; else the
 * name of the parameter holding the first bad one, copied to
 * name[0..size) ("" when it is in the path). */
static const char *bad_escape(const char *uri, char *name, size_t size)
{
    const char *query = strchr(uri, '?');
    for (const char *p = uri; *p; p++) {
        if (*p != '%')
            continue;
        if (hex_digit(p[1]) && hex_digit(p[2]) && !(p[1] == '0' && p[2] == '0'))
            continue;
        name[0] = '\0';
        if (query && p > query) {
            /* The key of the pair p is in: from the '?' or '&' before it
             * to its '=' (or its end). */
            const char *k = p;
            while (k > query && k[-1] != '&')
                k--;
            if (k == query)
                k++;
            size_t n = strcspn(k, "=&");
            if (n >= size)
                n = size - 1;
            memcpy(name, k, n);
            name[n] = '\0';
        }
        return name;
    }
    return NULL;
}

/* The parameters a request names, checked against what its endpoint
 * takes. */
typedef struct params_check {
    const char *const *allowed;     /* NULL-terminated */
    const char *bad;                /* the first unknown or non-UTF-8 one */
    int bad_utf8;
} params_check;

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value)
{
    params_check *pc = cls;
    (void)kind;
    int known = 0;
    for (const char *const *a = pc->allowed; *a && !known; a++)
        known = strcmp(*a, key) == 0;
    if (!known || (value && !valid_utf8(value, strlen(value)))) {
        pc->bad = key;
        pc->bad_utf8 = known;
        return MHD_NO;
    }
    return MHD_YES;
}

static const char *arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* Reads parameter name as a number from 0 to max into *out (left as it
 * is when the parameter is absent).  Returns 0, or -1 for a bad value. */
static int number_arg(struct MHD_Connection *c, const char *name,
                      unsigned max, unsigned *out)
{
    const char *v = arg(c, name);
    unsigned long long n = 0;
    if (!v)
        return 0;
    if (!*v)
        return -1;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        n = n * 10 + (unsigned)(*p - '0');
        if (n > max)
            return -1;
    }
    *out = (unsigned)n;
    return 0;
}

/* Reads a yes/no parameter: absent leaves *out; "", "1", "true" and "on"
 * set 1, "0", "false" and "off" 0.  Returns -1 for anything else. */
static int flag_arg(struct MHD_Connection *c, const char *name, int *out)
{
    const char *v = arg(c, name);
    if (!v)
        return 0;
    if (!*v || !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "on"))
        *out = 1;
    else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "off"))
        *out = 0;
    else
        return -1;
    return 0;
}

/* The options of /search and /related: n, offset and hi (the highlight
 * markers: "**" as spine-search --json marks, or hi=ctl for U+0002 and
 * U+0003, which no snippet holds of its own, for a page to find after
 * escaping the text).  Returns NULL, or the name of a bad parameter with
 * *why saying what it wants. */
static const char *page_args(struct MHD_Connection *c, const server *sv,
                             spine_query_options *o, const char **why)
{
    *o = (spine_query_options)SPINE_QUERY_OPTIONS_INIT;
    o->time_budget = sv->time_budget;
    if (number_arg(c, "n", SPINE_MAX_LIMIT, &o->limit) != 0) {
        *why = "n wants a number from 0 to " STR(SPINE_MAX_LIMIT);
        return "n";
    }
    if (number_arg(c, "offset", MAX_OFFSET, &o->offset) != 0) {
        *why = "offset wants a number from 0 to " STR(MAX_OFFSET);
        return "offset";
    }
    /* n=0 asks for the count alone: an exact one, as spine-search -n 0. */
    o->count = o->limit == 0;
    const char *hi = arg(c, "hi");
    if (hi && !strcmp(hi, "ctl")) {
        o->hi_start = "\002";
        o->hi_end = "\003";
    } else if (hi && strcmp(hi, "stars")) {
        *why = "hi wants stars (the default) or ctl";
        return "hi";
    }
    return NULL;
}

/* ---- endpoints ------------------------------------------------------------ */

/* Writes results as spine-search --json does into a new buffer and queues
 * it. */
static enum MHD_Result send_results(struct MHD_Connection *c, request *rq,
                                    const spine_results *r, unsigned offset)
{
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (!f)
        return MHD_NO;
    int rc = spine_format_json(f, r, offset);
    if (fclose(f) != 0 || rc != 0) {
        free(body);
        return send_error(c, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                          "cannot write the results");
    }
    return send_owned(c, rq, MHD_HTTP_OK, JSON_TYPE, body, len);
}

static enum MHD_Result do_search(struct MHD_Connection *c, request *rq,
                                 server *sv)
{
    spine_query_options o;
    const char *why = NULL;
    const char *bad = page_args(c, sv, &o, &why);
    int exact = 0;
    if (!bad && flag_arg(c, "and", &o.match_all) != 0) {
        bad = "and";
        why = "and wants 1 or 0";
    }
    if (!bad && flag_arg(c, "exact", &exact) != 0) {
        bad = "exact";
        why = "exact wants 1 or 0";
    }
    /* see=N: "see also" (spine_query_options.see_also), none unless
     * asked, as spine-search --json. */
    if (!bad && number_arg(c, "see", SPINE_MAX_SEE_ALSO, &o.see_also) != 0) {
        bad = "see";
        why = "see wants a number from 0 to " STR(SPINE_MAX_SEE_ALSO);
    }
    if (bad)
        return send_error(c, rq, MHD_HTTP_BAD_REQUEST, bad, "%s", why);
    o.autocorrect = !exact;

    const char *q = arg(c, "q");
    const char *source = arg(c, "source");
    if (!q || !*q)
        return send_error(c, rq, MHD_HTTP_BAD_REQUEST, "q", "no query: "
                          "give q=WORDS");
    if (strlen(q) > SPINE_MAX_QUERY_BYTES)
        return send_error(c, rq, MHD_HTTP_BAD_REQUEST, "q", "the query "
                          "is longer than %d bytes", SPINE_MAX_QUERY_BYTES);
    /* source=NAME filters as "source:NAME" in the query does. */
    char *query = NULL;
    if (source && *source) {
        size_t n = strlen(source);
        int word = n <= MAX_SOURCE_BYTES;
        for (size_t i = 0; word && i < n; i++)
            word = (source[i] >= 'a' && source[i] <= 'z')
                || (source[i] >= 'A' && source[i] <= 'Z')
                || (source[i] >= '0' && source[i] <= '9')
                || source[i] == '-' || source[i] == '_' || source[i] == '.';
        if (!word)
            return send_error(c, rq, MHD_HTTP_BAD_REQUEST, "source",
                              "source wants a name of at most %d letters, "
                              "digits, '-', '_' or '.'", MAX_SOURCE_BYTES);
        query = malloc(strlen(q) + n + sizeof " source:");
        if (!query)
            return send_error(c, rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                              "out of memory");
        sprintf(query, "%s source:%s", q, source);
    }

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    spine_results *r = NULL;
    spine_error err;
    spine_searcher *s = pool_take(&sv->searchers);
    int rc = spine_search(&r, s, query ? query : q, &o, &err);
    pool_give(&sv->searchers, s);
    free(query);
    if (rc != 0)
        return send_spine_error(c, rq, &err, "q");
    enum MHD_Result ok = send_results(c, rq, r, o.offset);
    spine_results_free(r);
    note_query(sv, seconds_since(&t0));
    return ok;
}

/* The id parameter of /related and /article, or NULL after queueing a
 * 400. */
static const char *id_arg(struct MHD_Connection *c, request *rq,
                          enum MHD_Result *ret)
{
    const char *id = arg(c, "id");
    if (!id || !*id) {
        *ret = send_error(c, rq, MHD_HTTP_BAD_REQUEST, "id",
                          "no article id: give id=ID");
        return NULL;
    }
    if (strlen(id) > MAX_ID_BYTES) {
        *ret = send_error(c, rq, MHD_HTTP_BAD_REQUEST, "id", "the id is "
                          "longer than %d bytes", MAX_ID_BYTES);
        return NULL;
    }
    return id;
}

static enum MHD_Result do_related(struct MHD_Connection *c, request *rq,
                                  server *sv)
{
    spine_query_options o;
    const char *why = NULL;
    const char *bad = page_args(c, sv, &o, &why);
    enum MHD_Result ret = MHD_NO;
    if (bad)
        return send_error(c, rq, MHD_HTTP_BAD_REQUEST, bad, "%s", why);
    const char *id = id_arg(c, rq, &ret);
    if (!id)
        return ret;

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    spine_results *r = NULL;
    spine_error err;
    spine_searcher *s = pool_take(&sv->searchers);
    int rc = spine_related(&r, s, id, &o, &err);
    pool_give(&sv->searchers, s);
    if (rc != 0)
        return send_spine_error(c, rq, &err, "id");
    ret = send_results(c, rq, r, o.offset);
    spine_results_free(r);
    note_query(sv, seconds_since(&t0));
    return ret;
}

static enum MHD_Result do_article(struct MHD_Connection *c, request *rq,
                                  server *sv)
{
    enum MHD_Result ret = MHD_NO;
    const char *id = id_arg(c, rq, &ret);
    if (!id)
        return ret;
    spine_article *a = NULL;
    spine_error err;
    spine_searcher *s = pool_take(&sv->searchers);
    int rc = spine_article_get(&a, s, id, &err);
    pool_give(&sv->searchers, s);
    if (rc != 0)
        return send_spine_error(c, rq, &err, "id");
    json_t *o = json_object(), *secs = json_array();
    json_object_set_new(o, "id", json_string(a->id));
    json_object_set_new(o, "title", json_string(a->title));
    json_object_set_new(o, "source", json_string(a->source));
    json_object_set_new(o, "url", json_string(a->url));
    for (size_t i = 0; i < a->nsections; i++) {
        json_t *sec = json_object();
        json_object_set_new(sec, "pid", json_string(a->sections[i].pid));
        json_object_set_new(sec, "question",
                            json_string(a->sections[i].question));
        json_object_set_new(sec, "answer",
                            json_string(a->sections[i].answer));
        json_array_append_new(secs, sec);
    }
    json_object_set_new(o, "sections", secs);
    spine_article_free(a);
    return send_json(c, rq, MHD_HTTP_OK, o);
}

/* The index's sources and their articles (spine_searcher_sources()),
 * as spine-search --sources --json lists them. */
static enum MHD_Result do_sources(struct MHD_Connection *c, request *rq,
                                  server *sv)
{
    spine_source_count *v = NULL;
    size_t n = 0;
    spine_error err;
    spine_searcher *s = pool_take(&sv->searchers);
    int rc = spine_searcher_sources(&v, &n, s, &err);
    pool_give(&sv->searchers, s);
    if (rc != 0)
        return send_spine_error(c, rq, &err, NULL);
    json_t *o = json_object(), *a = json_array();
    unsigned long total = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "source", json_string(v[i].source));
        json_object_set_new(e, "count", json_integer((json_int_t)v[i].count));
        json_array_append_new(a, e);
        total += v[i].count;
    }
    spine_source_counts_free(v, n);
    json_object_set_new(o, "articles", json_integer((json_int_t)total));
    json_object_set_new(o, "sources", a);
    return send_json(c, rq, MHD_HTTP_OK, o);
}

/* The article count, as a searcher of the pool has it. */
static unsigned articles(server *sv)
{
    spine_searcher *s = pool_take(&sv->searchers);
    unsigned n = spine_searcher_doccount(s);
    pool_give(&sv->searchers, s);
    return n;
}

static enum MHD_Result do_health(struct MHD_Connection *c, request *rq,
                                 server *sv)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    json_object_set_new(o, "articles", json_integer(articles(sv)));
    return send_json(c, rq, MHD_HTTP_OK, o);
}

static enum MHD_Result do_stats(struct MHD_Connection *c, request *rq,
                                server *sv)
{
    unsigned lat[LATENCY_WINDOW];
    pthread_mutex_lock(&sv->stats_lock);
    size_t n = sv->nlatency;
    memcpy(lat, sv->latency, n * sizeof *lat);
    unsigned long long queries = sv->queries, errors = sv->errors;
    pthread_mutex_unlock(&sv->stats_lock);
    qsort(lat, n, sizeof *lat, cmp_unsigned);

    json_t *o = json_object(), *l = json_object();
    json_t *dir = json_string(sv->dir);
    json_object_set_new(o, "index", dir ? dir : json_null());
    json_object_set_new(o, "articles", json_integer(articles(sv)));
    json_object_set_new(o, "threads", json_integer(sv->threads));
    json_object_set_new(o, "uptime_s",
                        json_real(seconds_since(&sv->started)));
    json_object_set_new(o, "queries", json_integer((json_int_t)queries));
    json_object_set_new(o, "errors", json_integer((json_int_t)errors));
    json_object_set_new(l, "window", json_integer((json_int_t)n));
    json_object_set_new(l, "p50", json_integer(quantile(lat, n, 0.50)));
    json_object_set_new(l, "p99", json_integer(quantile(lat, n, 0.99)));
    json_object_set_new(o, "latency_us", l);
    return send_json(c, rq, MHD_HTTP_OK, o);
}

static enum MHD_Result do_page(struct MHD_Connection *c, request *rq)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        serve_page_len, (void *)serve_page, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/html; charset=utf-8");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    /* The page is one file: its own script and style, its data from this
     * server alone, nothing from elsewhere. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; "
                            "style-src 'unsafe-inline'; connect-src 'self'; "
                            "img-src data:; base-uri 'none'; "
                            "form-action 'none'; frame-ancestors 'none'");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    rq->status = MHD_HTTP_OK;
    rq->bytes = serve_page_len;
    return ok;
}

/* ---- routing ------------------------------------------------------------ */

typedef enum MHD_Result (*endpoint_fn)(struct MHD_Connection *, request *,
                                       server *);

static const char *const search_params[] = {
    "q", "n", "offset", "and", "source", "exact", "hi", "see", NULL };
static const char *const related_params[] = { "id", "n", "offset", "hi",
                                              NULL };
static const char *const id_params[] = { "id", NULL };
static const char *const no_params[] = { NULL };

static const struct route {
    const char *path;
    endpoint_fn fn;                 /* NULL: the page */
    const char *const *params;
} routes[] = {
    { "/",        NULL,        no_params },
    { "/search",  do_search,   search_params },
    { "/related", do_related,  related_params },
    { "/article", do_article,  id_params },
    { "/sources", do_sources,  no_params },
    { "/health",  do_health,   no_params },
    { "/stats",   do_stats,    no_params },
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    server *sv = cls;
    request *rq = *con_cls;
    (void)version;
    (void)upload;
    if (!rq)                        /* the URI log callback made none */
        return MHD_NO;
    snprintf(rq->method, sizeof rq->method, "%s", method);
    /* Answered on the last call, once any body has come (and been thrown
     * away): an answer queued sooner makes libmicrohttpd close the
     * connection instead of keeping it for the next request. */
    if (!rq->headers_read || *upload_size) {
        rq->headers_read = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->status)
        return MHD_YES;

    char name[64];
    const char *bad = bad_escape(rq->uri, name, sizeof name);
    if (bad)
        return send_error(c, rq, MHD_HTTP_BAD_REQUEST, *bad ? bad : NULL,
                          "bad percent-encoding in the URL");
    const struct route *rt = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && !rt; i++)
        if (strcmp(url, routes[i].path) == 0)
            rt = &routes[i];
    if (!rt)
        return send_error(c, rq, MHD_HTTP_NOT_FOUND, NULL, "no such path; "
                          "try /search?q=WORDS, /related?id=ID, "
                          "/article?id=ID, /health or /stats");
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0
        && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return send_error(c, rq, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
                          "only GET and HEAD are answered");
    params_check pc = { rt->params, NULL, 0 };
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_param, &pc);
    if (pc.bad)
        return send_error(c, rq, MHD_HTTP_BAD_REQUEST, pc.bad, pc.bad_utf8
                          ? "the value is not valid UTF-8"
                          : "unknown parameter for this path");
    if (!rt->fn)
        return do_page(c, rq);
    return rt->fn(c, rq, sv);
}

/* The first thing libmicrohttpd knows of a request: its URI as sent. */
static void *request_begins(void *cls, const char *uri,
                            struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    request *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &rq->t0);
    rq->uri = strdup(uri ? uri : "");
    if (!rq->uri) {
        free(rq);
        return NULL;
    }
    return rq;
}

/* The access log: one line a request, written whole. */
static void request_ends(void *cls, struct MHD_Connection *c,
                         void **con_cls, enum MHD_RequestTerminationCode toe)
{
    server *sv = cls;
    request *rq = *con_cls;
    (void)c;
    if (!rq)
        return;
    double us = seconds_since(&rq->t0) * 1e6;
    if (rq->status >= 400) {
        pthread_mutex_lock(&sv->stats_lock);
        sv->errors++;
        pthread_mutex_unlock(&sv->stats_lock);
    }
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    flockfile(stderr);
    fprintf(stderr, "%s ", stamp);
    spine_format_escaped(stderr, rq->method[0] ? rq->method : "-");
    fputc(' ', stderr);
    spine_format_escaped(stderr, rq->uri);
    fprintf(stderr, " %u %zu %.0f%s\n", rq->status, rq->bytes, us,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (cut off)");
    funlockfile(stderr);
    free(rq->uri);
    free(rq);
    *con_cls = NULL;
}

/* ---- start-up ---------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
"usage: spine-serve [options]\n"
"Serves a Spine index over HTTP: a search page at /, and JSON at\n"
"/search?q=WORDS[&n=N&offset=N&and=1&source=NAME&exact=1&hi=ctl],\n"
"/related?id=ID, /article?id=ID, /sources, /health and /stats.\n"
"\n"
"  -d, --index DIR        index to serve (default $SPINE_INDEX, else\n"
"                         %s)\n"
"  -l, --listen ADDR:PORT address to listen on (default 127.0.0.1:8080;\n"
"                         port 0: any free port; [::1]:PORT for IPv6)\n"
"  -t, --threads N        serve N requests at once, each with a searcher\n"
"                         of its own (default 2, at most %d)\n"
"      --time-budget MS   once a query has taken MS milliseconds, skip\n"
"                         its optional steps (default 1000; 0: none)\n"
"      --timeout S        close a connection idle for S seconds\n"
"                         (default 10)\n"
"  -h, --help             show this help\n"
"      --version          show the versions of Spine and Xapian\n"
"\n"
"Prints \"listening on http://ADDR:PORT/\" once it is; stops on SIGINT or\n"
"SIGTERM.  One access log line per request on stderr.\n",
            SPINE_DEFAULT_INDEX, MAX_THREADS);
}

/* Parses "HOST:PORT" (HOST an IPv4 address, "localhost" or "[IPv6]") into
 * *addr.  Returns 0, or -1 after saying why. */
static int parse_listen(const char *text, struct sockaddr_storage *addr,
                        socklen_t *len)
{
    const char *colon = strrchr(text, ':');
    char host[64];
    unsigned long long port;
    if (!colon || (size_t)(colon - text) >= sizeof host)
        goto bad;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    if (cli_number(PROG, "--listen's port", colon + 1, 0, 65535, &port) != 0)
        return -1;
    memset(addr, 0, sizeof *addr);
    if (host[0] == '[') {
        size_t n = strlen(host);
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
        if (n < 2 || host[n - 1] != ']')
            goto bad;
        host[n - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
            goto bad;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((unsigned short)port);
        *len = sizeof *a6;
        return 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
    if (!strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
        goto bad;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((unsigned short)port);
    *len = sizeof *a4;
    return 0;
bad:
    fprintf(stderr, PROG ": --listen wants ADDRESS:PORT (127.0.0.1:8080, "
            "[::1]:8080), not '");
    spine_format_escaped(stderr, text);
    fputs("'\n", stderr);
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "index",       required_argument, NULL, 'd' },
        { "listen",      required_argument, NULL, 'l' },
        { "threads",     required_argument, NULL, 't' },
        { "time-budget", required_argument, NULL, 'B' },
        { "timeout",     required_argument, NULL, 'T' },
        { "help",        no_argument,       NULL, 'h' },
        { "version",     no_argument,       NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    static server sv;
    const char *listen = "127.0.0.1:8080";
    unsigned long long threads = 2, budget_ms = 1000, timeout = 10;
    int opt;

    sv.dir = getenv("SPINE_INDEX");
    if (!sv.dir || !*sv.dir)
        sv.dir = SPINE_DEFAULT_INDEX;
    while ((opt = getopt_long(argc, argv, ":d:l:t:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': sv.dir = optarg; break;
        case 'l': listen = optarg; break;
        case 't':
            if (cli_number(PROG, "--threads", optarg, 1, MAX_THREADS,
                           &threads) != 0)
                return 2;
            break;
        case 'B':
            if (cli_number(PROG, "--time-budget", optarg, 0, 3600000,
                           &budget_ms) != 0)
                return 2;
            break;
        case 'T':
            if (cli_number(PROG, "--timeout", optarg, 1, 3600, &timeout) != 0)
                return 2;
            break;
        case 'h': usage(stdout); return 0;
        case 'V':
            printf(PROG " %s (Xapian %s, libmicrohttpd %s)\n", spine_version(),
                   spine_xapian_version(), MHD_get_version());
            return 0;
        default:
            cli_bad_option(PROG, opt, argv, longopts);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument '");
        spine_format_escaped(stderr, argv[optind]);
        fputs("' (see --help)\n", stderr);
        return 2;
    }
    struct sockaddr_storage addr;
    socklen_t addrlen;
    if (parse_listen(listen, &addr, &addrlen) != 0)
        return 2;
    sv.threads = (unsigned)threads;
    sv.time_budget = (double)budget_ms / 1000.0;

    spine_error err;
    if (pool_open(&sv.searchers, sv.dir, sv.threads, &err) != 0) {
        fputs(PROG ": ", stderr);
        spine_format_escaped(stderr, err.msg);
        fputc('\n', stderr);
        return 2;
    }
    pthread_mutex_init(&sv.stats_lock, NULL);
    clock_gettime(CLOCK_MONOTONIC, &sv.started);

    /* The daemon's threads inherit a mask without the stop signals, which
     * this thread then waits for. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO
                   | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* A pool of one thread is none (libmicrohttpd warns of it): the
     * pool size is given only for two or more. */
    struct MHD_OptionItem opts[] = {
        { MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)timeout, NULL },
        { MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS, NULL },
        { MHD_OPTION_CONNECTION_MEMORY_LIMIT, REQUEST_MEMORY, NULL },
        { MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    if (threads == 1)
        opts[3].option = MHD_OPTION_END;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, answer, &sv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_URI_LOG_CALLBACK, request_begins, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, request_ends, &sv,
        MHD_OPTION_ARRAY, opts,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, PROG ": cannot listen on ");
        spine_format_escaped(stderr, listen);
        fputs(" (in use, or not an address of this machine?)\n", stderr);
        pool_free(&sv.searchers);
        return 2;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    char host[INET6_ADDRSTRLEN];
    if (addr.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&addr)->sin6_addr, host,
                  sizeof host);
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&addr)->sin_addr, host,
                  sizeof host);
    printf("listening on http://%s%s%s:%u/\n",
           addr.ss_family == AF_INET6 ? "[" : "", host,
           addr.ss_family == AF_INET6 ? "]" : "", port);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, PROG ": %s: stopping\n", sig == SIGINT ? "SIGINT"
                                                          : "SIGTERM");
    MHD_stop_daemon(d);
    pool_free(&sv.searchers);
    pthread_mutex_destroy(&sv.stats_lock);
    return 0;
}
