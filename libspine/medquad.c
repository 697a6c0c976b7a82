/*
 * medquad.c -- the MedQuAD reader: a directory tree of XML files, one article
 * per file, parsed with libxml2.
 *
 * A file looks like
 *
 *   <Document id="0000001" source="NIDDK" url="...">
 *     <Focus>title</Focus>
 *     <QAPairs>
 *       <QAPair pid="1"><Question ...>...</Question><Answer>...</Answer></QAPair>
 *       ...
 *
 * and becomes the article "<parent folder>/<file stem>" whose sections are
 * the QAPairs with answer text.  The walk visits each directory's entries in
 * strcmp order, so ids come out in the same order on every run.  Symbolic
 * links to directories are not followed (no loops); links to .xml files are.
 * An .xml entry that is not a regular file (a pipe, a device, a link to a
 * directory) is rejected as unreadable, not read.
 *
 * Each file is read whole into memory (bounded by max_record_bytes, checked
 * before reading) and parsed from there, with network access and external
 * entity substitution off.  libxml2's own stderr output is replaced by a
 * handler that keeps the first error, so a reject can say where the file
 * went wrong ("line 7: Opening and ending tag mismatch: ...").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "spine/corpus.h"
#include "corpus_int.h"
#include "util.h"

/* libxml2 2.12 made the structured error handler take a const pointer. */
#if LIBXML_VERSION >= 21200
#define XML_ERR_CONST const
#else
#define XML_ERR_CONST
#endif

/* The first serious error libxml2 reported for the current file. */
typedef struct xml_diag {
    int  have;          /* 1 once an error was kept */
    int  level;         /* XML_ERR_ERROR or XML_ERR_FATAL */
    int  code;          /* xmlParserErrors value */
    int  line;          /* 1-based, 0 when unknown */
    char msg[256];      /* one line, no trailing newline */
} xml_diag;

/* State shared by every file of one spine_medquad_read call. */
typedef struct reader {
    const spine_corpus_sink *sink;
    spine_corpus_stats *stats;
    size_t max_bytes;
    xmlParserCtxtPtr ctxt;   /* reused for every file */
    xml_diag diag;
    spine_buf data;          /* the current file's bytes */
    spine_buf id;            /* the current article's id */
} reader;

/* xmlNodeGetContent/xmlGetProp results owned by the article being built. */
typedef struct strpool {
    xmlChar **p;
    size_t n, cap;
} strpool;

/* ---- small helpers ------------------------------------------------------ */

static int has_xml_suffix(const char *name)
{
    size_t n = strlen(name);
    return n >= 4 && strcmp(name + n - 4, ".xml") == 0;
}


/* Counts and reports one skipped record. */
#define reject(r, file, line, why, ...) \
    spine_corpus_reject((r)->sink, (r)->stats, file, line, why, __VA_ARGS__)

/* Structured error handler: keeps the first fatal error (or, until one
 * comes, the first plain error) and prints nothing.  data is the parser
 * context, whose _private points at the reader's xml_diag. */
static void on_xml_error(void *data, XML_ERR_CONST xmlError *e)
{
    xmlParserCtxtPtr ctxt = data;
    xml_diag *d = ctxt ? ctxt->_private : NULL;

    if (!d || !e || e->level < XML_ERR_ERROR)
        return;
    if (d->have && !(d->level < XML_ERR_FATAL && e->level == XML_ERR_FATAL))
        return;
    d->have = 1;
    d->level = e->level;
    d->code = e->code;
    d->line = e->line;
    /* libxml2 messages end in "\n" and some span lines: make one line. */
    size_t j = 0;
    const char *m = e->message ? e->message : "unknown XML error";
    for (size_t i = 0; m[i] && j + 1 < sizeof d->msg; i++) {
        char c = (m[i] == '\n' || m[i] == '\r' || m[i] == '\t') ? ' ' : m[i];
        if (c == ' ' && (j == 0 || d->msg[j - 1] == ' '))
            continue;
        d->msg[j++] = c;
    }
    while (j > 0 && d->msg[j - 1] == ' ')
        j--;
    d->msg[j] = '\0';
}

/* Returns 1 when a libxml2 error code means the bytes were not valid text
 * in the document's encoding, rather than bad XML syntax. */
static int is_encoding_error(int code)
{
    switch (code) {
    case XML_ERR_INVALID_CHAR:
    case XML_ERR_INVALID_ENCODING:
    case XML_ERR_UNKNOWN_ENCODING:
    case XML_ERR_UNSUPPORTED_ENCODING:
    case XML_I18N_NO_NAME:
    case XML_I18N_NO_HANDLER:
    case XML_I18N_EXCESS_HANDLER:
    case XML_I18N_CONV_FAILED:
    case XML_I18N_NO_OUTPUT:
        return 1;
    default:
        return 0;
    }
}

/* Returns the name of the folder dir, for article ids: the last component
 * of the path, or of its real path when the path ends in "." or "..".
 * malloc()ed; never NULL ("" when there is no name, as for "/"). */
static char *folder_name(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t s = n;
    while (s > 0 && dir[s - 1] != '/')
        s--;
    char *name = spine_strndup(dir + s, n - s);
    if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0
        || strcmp(name, "/") == 0) {
        char *real = realpath(dir, NULL);
        free(name);
        if (!real)
            return spine_strdup("");
        const char *slash = strrchr(real, '/');
        name = spine_strdup(slash ? slash + 1 : real);
        free(real);
    }
    return name;
}

/* Takes ownership of s (may be NULL) and returns it trimmed of leading and
 * trailing whitespace: a view into s, or "" when s is NULL. */
static const char *pool_keep(strpool *sp, xmlChar *s)
{
    if (!s)
        return "";
    if (sp->n == sp->cap) {
        sp->cap = sp->cap ? sp->cap * 2 : 16;
        sp->p = spine_realloc(sp->p, sp->cap * sizeof *sp->p);
    }
    sp->p[sp->n++] = s;
    size_t len = strlen((char *)s);
    char *t = (char *)spine_trim((char *)s, &len);
    t[len] = '\0';
    return t;
}

static void pool_free(strpool *sp)
{
    for (size_t i = 0; i < sp->n; i++)
        xmlFree(sp->p[i]);
    free(sp->p);
    sp->p = NULL;
    sp->n = sp->cap = 0;
}

/* Returns parent's first child element called name, or NULL. */
static xmlNode *child(const xmlNode *parent, const char *name)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE
            && xmlStrEqual(c->name, (const xmlChar *)name))
            return c;
    return NULL;
}

/* Text of node and its descendants, trimmed; "" when node is NULL. */
static const char *text_of(strpool *sp, const xmlNode *node)
{
    return node ? pool_keep(sp, xmlNodeGetContent(node)) : "";
}

/* Attribute value, trimmed; "" when absent. */
static const char *attr_of(strpool *sp, const xmlNode *node, const char *name)
{
    return pool_keep(sp, xmlGetProp(node, (const xmlChar *)name));
}

static int utf8_ok(const char *s)
{
    return spine_utf8_valid(s, strlen(s), NULL);
}

/* ---- one file ----------------------------------------------------------- */

/* The element and attribute names of one XML dialect.  Nearly every MedQuAD
 * file is a <Document>; one CDC file has the same layout under
 * <DiseaseFile>, and a few NINDS files use lower-case names of their own.
 * Their answers are as real as any, so all three are read. */
typedef struct dialect {
    const char *root, *focus, *source, *pairs, *pair, *question, *answer;
} dialect;

static const dialect dialects[] = {
    { "Document", "Focus", "source", "QAPairs", "QAPair", "Question",
      "Answer" },
    { "DiseaseFile", "Focus", "source", "QAPairs", "QAPair", "Question",
      "Answer" },
    { "doc", "doctitle-focus", "corpus", "qaPairs", "pair", "question",
      "answer" },
};

/* Returns the dialect whose root element root is, or NULL. */
static const dialect *dialect_of(const xmlNode *root)
{
    size_t n = sizeof dialects / sizeof dialects[0];
    for (size_t i = 0; root && i < n; i++)
        if (xmlStrEqual(root->name, (const xmlChar *)dialects[i].root))
            return &dialects[i];
    return NULL;
}

/* Turns the parsed document into an article and hands it to on_article,
 * or rejects it.  Returns 0 or on_article's non-zero value. */
static int deliver(reader *r, const char *file, xmlDoc *doc)
{
    strpool sp = { NULL, 0, 0 };
    spine_section *secs = NULL;
    size_t nsecs = 0, cap = 0;
    int rc = 0;

    xmlNode *root = xmlDocGetRootElement(doc);
    const dialect *d = dialect_of(root);
    if (!d) {
        reject(r, file, root ? xmlGetLineNo(root) : 0, SPINE_REJECT_FIELD,
               "root element <%s> is not a MedQuAD <Document>",
               root ? (const char *)root->name : "");
        goto cleanup;
    }

    spine_article a;
    a.id = r->id.p;
    a.title = text_of(&sp, child(root, d->focus));
    a.url = attr_of(&sp, root, "url");
    a.source = attr_of(&sp, root, d->source);
    if (!utf8_ok(a.title) || !utf8_ok(a.url) || !utf8_ok(a.source)) {
        reject(r, file, xmlGetLineNo(root), SPINE_REJECT_ENCODING,
               "invalid UTF-8 in <Focus> or <Document> attributes");
        goto cleanup;
    }

    xmlNode *pairs = child(root, d->pairs);
    for (xmlNode *p = pairs ? pairs->children : NULL; p; p = p->next) {
        if (p->type != XML_ELEMENT_NODE
            || !xmlStrEqual(p->name, (const xmlChar *)d->pair))
            continue;
        const char *answer = text_of(&sp, child(p, d->answer));
        if (answer[0] == '\0')
            continue;       /* MedQuAD removed some answers: not an error */
        spine_section s;
        s.pid = attr_of(&sp, p, "pid");
        xmlNode *question = child(p, d->question);
        s.question = text_of(&sp, question);
        s.answer = answer;
        /* MedQuAD types the question (<Question qtype="symptoms">); a
         * pair typed instead is read too. */
        s.type = question ? attr_of(&sp, question, "qtype") : "";
        if (!*s.type)
            s.type = attr_of(&sp, p, "qtype");
        if (!utf8_ok(s.pid) || !utf8_ok(s.question) || !utf8_ok(s.answer)
            || !utf8_ok(s.type)) {
            reject(r, file, xmlGetLineNo(p), SPINE_REJECT_ENCODING,
                   "invalid UTF-8 in <QAPair>");
            goto cleanup;
        }
        if (nsecs == cap) {
            cap = cap ? cap * 2 : 8;
            secs = spine_realloc(secs, cap * sizeof *secs);
        }
        secs[nsecs++] = s;
    }
    if (nsecs == 0) {
        reject(r, file, 0, SPINE_REJECT_EMPTY,
               pairs ? "no <QAPair> has answer text" : "no <QAPairs>");
        goto cleanup;
    }

    a.sections = secs;
    a.nsections = nsecs;
    r->stats->articles++;
    r->stats->sections += nsecs;
    rc = r->sink->on_article(&a, r->sink->payload);

cleanup:
    free(secs);
    pool_free(&sp);
    return rc;
}

/* Reads the whole of the open file fd (st describes it) into r->data.
 * Returns 0; or -1 with errno set on a read error; or 1 when the file
 * holds more than r->max_bytes (it grew after fstat). */
static int slurp(reader *r, int fd, const struct stat *st)
{
    spine_buf_reset(&r->data);
    spine_buf_reserve(&r->data, (size_t)st->st_size + 1);
    for (;;) {
        if (r->data.n > r->max_bytes)
            return 1;
        spine_buf_reserve(&r->data, 65536);
        ssize_t got = read(fd, r->data.p + r->data.n,
                           r->data.cap - r->data.n - 1);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0)
            break;
        r->data.n += (size_t)got;
        r->stats->bytes += (uint64_t)got;
    }
    r->data.p[r->data.n] = '\0';
    return r->data.n > r->max_bytes ? 1 : 0;
}

/* Reads the article in path, whose id is "<folder>/<stem>".  top is 1 when
 * path was named by the caller: a failure to open it is then an error, not
 * a reject.  A file that opens but cannot be read is a reject either way,
 * counted like any other.  Returns 0, SPINE_EIO (top only), or
 * on_article's value. */
static int read_file(reader *r, const char *path, const char *folder,
                     const char *name, int top, spine_error *err)
{
    int rc = 0;
    xmlDoc *doc = NULL;
    struct stat st;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (top)
            return spine_error_set(err, SPINE_EIO, "%s: %s", path,
                                   strerror(errno));
        reject(r, path, 0, SPINE_REJECT_UNREADABLE, "%s", strerror(errno));
        return 0;
    }
    r->stats->files++;
    if (fstat(fd, &st) != 0) {
        reject(r, path, 0, SPINE_REJECT_UNREADABLE, "%s", strerror(errno));
        goto cleanup;
    }
    /* The size check comes before reading, so a huge file costs nothing.
     * libxml2 takes an int length, hence the INT_MAX bound. */
    if ((uint64_t)st.st_size > r->max_bytes || st.st_size > INT_MAX) {
        reject(r, path, 0, SPINE_REJECT_TOO_LARGE,
               "%lld bytes, over the %zu-byte limit",
               (long long)st.st_size, r->max_bytes);
        goto cleanup;
    }
    int got = slurp(r, fd, &st);
    if (got < 0) {
        reject(r, path, 0, SPINE_REJECT_UNREADABLE, "read error: %s",
               strerror(errno));
        goto cleanup;
    }
    if (got > 0 || r->data.n > INT_MAX) {
        reject(r, path, 0, SPINE_REJECT_TOO_LARGE,
               "over the %zu-byte limit", r->max_bytes);
        goto cleanup;
    }

    memset(&r->diag, 0, sizeof r->diag);
    doc = xmlCtxtReadMemory(r->ctxt, r->data.p, (int)r->data.n, path, NULL,
                            XML_PARSE_NONET);
    if (!doc || r->diag.level == XML_ERR_FATAL) {
        xml_diag *d = &r->diag;
        spine_reject why = (d->have && is_encoding_error(d->code))
                               ? SPINE_REJECT_ENCODING
                               : SPINE_REJECT_MALFORMED;
        if (d->have)
            reject(r, path, d->line, why, "line %d: %s", d->line, d->msg);
        else
            reject(r, path, 0, why, "not well-formed XML");
        goto cleanup;
    }

    /* The id: "<folder>/<stem>". */
    size_t nlen = strlen(name);
    if (has_xml_suffix(name))
        nlen -= 4;
    spine_buf_reset(&r->id);
    spine_buf_puts(&r->id, folder);
    spine_buf_puts(&r->id, "/");
    spine_buf_append(&r->id, name, nlen);
    if (!utf8_ok(r->id.p)) {
        reject(r, path, 0, SPINE_REJECT_ENCODING,
               "file or folder name is not valid UTF-8");
        goto cleanup;
    }
    rc = deliver(r, path, doc);

cleanup:
    if (doc)
        xmlFreeDoc(doc);
    close(fd);
    return rc;
}

/* ---- the walk ----------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Joins dir and name with one '/'.  malloc()ed. */
static char *join(const char *dir, const char *name)
{
    spine_buf b = SPINE_BUF_INIT;
    spine_buf_puts(&b, dir);
    if (b.n == 0 || b.p[b.n - 1] != '/')
        spine_buf_puts(&b, "/");
    spine_buf_puts(&b, name);
    return spine_buf_detach(&b);
}

/* Reads every .xml file below dir, whose own name (for ids) is folder, in
 * sorted order.  Hidden entries are skipped; symbolic links are followed
 * only to regular files; an .xml entry that is no regular file is a
 * reject.  Returns 0, SPINE_EIO when the top directory
 * cannot be listed, or on_article's non-zero value. */
static int walk(reader *r, const char *dir, const char *folder, int top,
                spine_error *err)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    DIR *d = opendir(dir);
    if (!d) {
        if (top)
            return spine_error_set(err, SPINE_EIO, "%s: %s", dir,
                                   strerror(errno));
        reject(r, dir, 0, SPINE_REJECT_UNREADABLE, "%s", strerror(errno));
        return 0;
    }
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno != 0) {
                /* Whatever was listed is still read; the rest is lost. */
                reject(r, dir, 0, SPINE_REJECT_UNREADABLE,
                       "listing the directory: %s", strerror(errno));
            }
            break;
        }
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = spine_realloc(names, cap * sizeof *names);
        }
        names[n++] = spine_strdup(e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);

    for (size_t i = 0; i < n && rc == 0; i++) {
        char *path = join(dir, names[i]);
        struct stat st;
        if (lstat(path, &st) != 0) {
            reject(r, path, 0, SPINE_REJECT_UNREADABLE, "%s", strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(r, path, names[i], 0, err);
        } else if (has_xml_suffix(names[i])) {
            if (S_ISLNK(st.st_mode) && stat(path, &st) != 0)
                reject(r, path, 0, SPINE_REJECT_UNREADABLE,
                       "%s", strerror(errno));
            else if (S_ISREG(st.st_mode))
                rc = read_file(r, path, folder, names[i], 0, err);
            else    /* a pipe could block the walk, a device never end */
                reject(r, path, 0, SPINE_REJECT_UNREADABLE, "%s, not a "
                       "regular file: not read",
                       spine_corpus_file_kind(st.st_mode));
        }
        free(path);
    }

    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* ---- entry point -------------------------------------------------------- */

/* See corpus.h.  One parser context serves the whole walk; stats may be
 * NULL (nothing is counted then). */
int spine_medquad_read(const char *path, const spine_corpus_options *opts,
                       const spine_corpus_sink *sink,
                       spine_corpus_stats *stats, spine_error *err)
{
    spine_corpus_stats scratch;
    reader r;
    struct stat st;
    char *folder = NULL, *dir = NULL;
    int rc = 0;

    rc = spine_corpus_check_source("medquad read", path, sink, &st, err);
    if (rc != SPINE_OK)
        return rc;
    if (!stats) {
        memset(&scratch, 0, sizeof scratch);
        stats = &scratch;
    }

    memset(&r, 0, sizeof r);
    r.sink = sink;
    r.stats = stats;
    r.max_bytes = (opts && opts->max_record_bytes)
                      ? opts->max_record_bytes
                      : SPINE_CORPUS_DEFAULT_MAX_RECORD;
    xmlInitParser();
    r.ctxt = xmlNewParserCtxt();
    if (!r.ctxt)
        return spine_error_set(err, SPINE_ENOMEM,
                               "%s: cannot create an XML parser", path);
    r.ctxt->_private = &r.diag;
#if LIBXML_VERSION >= 21300
    xmlCtxtSetErrorHandler(r.ctxt, on_xml_error, r.ctxt);
#else
    /* Errors go to sax->serror with the context's userData, which is the
     * context itself unless a caller changes it. */
    r.ctxt->sax->serror = on_xml_error;
    r.ctxt->userData = r.ctxt;
#endif

    if (S_ISDIR(st.st_mode)) {
        folder = folder_name(path);
        rc = walk(&r, path, folder, 1, err);
    } else {
        const char *slash = strrchr(path, '/');
        const char *name = slash ? slash + 1 : path;
        dir = slash ? spine_strndup(path, (size_t)(slash - path) + 1)
                    : spine_strdup(".");
        folder = folder_name(dir);
        rc = read_file(&r, path, folder, name, 1, err);
    }

    free(dir);
    free(folder);
    spine_buf_free(&r.data);
    spine_buf_free(&r.id);
    xmlFreeParserCtxt(r.ctxt);
    return rc;
}
