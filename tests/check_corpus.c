/*
 * check_corpus.c -- the corpus readers: MedQuAD XML trees and JSON Lines
 * (plain and gzip), good input and every kind of bad record; and the
 * indexer's other input files, the synonym and stop-word lists.
 *
 * Good input comes from tests/fixtures/corpus/; bad input is written into a
 * fresh temporary directory by each test.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "spine/corpus.h"
#include "synonyms.h"
#include "testutil.h"

#define FIXTURES SPINE_FIXTURES "/corpus"
#define MEDQUAD  FIXTURES "/medquad"

/* ---- a sink that records what it is given ------------------------------- */

typedef struct rec {
    char   id[64], title[128], url[128], source[64];
    size_t nsec;
    char   pids[64];        /* section pids joined with ',' */
    char   q[4][256];       /* first four sections' questions */
    char   a[4][512];       /* ... and answers */
    size_t alen0;           /* strlen of the first answer (may be long) */
} rec;

typedef struct rej {
    char   file[512];
    long   line;
    spine_reject why;
    char   detail[512];
} rej;

typedef struct collect {
    rec    art[64];
    size_t n;
    rej    bad[32];
    size_t nbad;
    size_t stop_after;      /* return 42 after this many articles (0: never) */
    int    seq_bad;         /* an id was not "r<count>" */
} collect;

static void copy(char *dst, size_t size, const char *src)
{
    ck_assert_ptr_nonnull(src);
    snprintf(dst, size, "%s", src);
}

static int on_article(const spine_article *a, void *payload)
{
    collect *c = payload;
    size_t k = c->n++;
    char want[32];
    snprintf(want, sizeof want, "r%zu", k + 1);
    if (strcmp(a->id, want) != 0)
        c->seq_bad = 1;
    if (k >= 64)            /* long runs: only count and check the ids */
        return 0;
    rec *r = &c->art[k];
    memset(r, 0, sizeof *r);
    copy(r->id, sizeof r->id, a->id);
    copy(r->title, sizeof r->title, a->title);
    copy(r->url, sizeof r->url, a->url);
    copy(r->source, sizeof r->source, a->source);
    r->nsec = a->nsections;
    for (size_t i = 0; i < a->nsections; i++) {
        const spine_section *s = &a->sections[i];
        ck_assert_ptr_nonnull(s->pid);
        ck_assert_ptr_nonnull(s->question);
        ck_assert_ptr_nonnull(s->answer);
        ck_assert_str_ne(s->answer, "");        /* never an empty section */
        size_t used = strlen(r->pids);
        snprintf(r->pids + used, sizeof r->pids - used, "%s%s",
                 i ? "," : "", s->pid);
        if (i < 4) {
            copy(r->q[i], sizeof r->q[i], s->question);
            copy(r->a[i], sizeof r->a[i], s->answer);
        }
    }
    r->alen0 = a->nsections ? strlen(a->sections[0].answer) : 0;
    return (c->stop_after && c->n == c->stop_after) ? 42 : 0;
}

static void on_reject(const char *file, long line, spine_reject why,
                      const char *detail, void *payload)
{
    collect *c = payload;
    if (c->nbad == 32) {    /* keep the first 32; the stats count all */
        return;
    }
    rej *r = &c->bad[c->nbad++];
    copy(r->file, sizeof r->file, file);
    copy(r->detail, sizeof r->detail, detail);
    r->line = line;
    r->why = why;
}

/* Per-test state: a collector, its sink, zeroed stats, a temp dir. */
static collect *C;
static spine_corpus_sink SINK;
static spine_corpus_stats ST;
static spine_error ERR;
static char *TMP;

static void setup(void)
{
    C = calloc(1, sizeof *C);
    ck_assert_ptr_nonnull(C);
    SINK.on_article = on_article;
    SINK.on_reject = on_reject;
    SINK.payload = C;
    memset(&ST, 0, sizeof ST);
    spine_error_clear(&ERR);
    TMP = tu_mkdtemp();
}

static void teardown(void)
{
    tu_rmtree(TMP);
    free(TMP);
    free(C);
}

/* Writes a NUL-terminated string to TMP/name; returns the path (free it). */
static char *put(const char *name, const char *text)
{
    char *path = tu_path(TMP, name);
    ck_assert_int_eq(tu_write_file(path, text, strlen(text)), 0);
    return path;
}

static void mkdir_in_tmp(const char *name)
{
    char *path = tu_path(TMP, name);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    free(path);
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

static uint64_t total_rejected(void)
{
    uint64_t n = 0;
    for (int i = 0; i < SPINE_REJECT_COUNT; i++)
        n += ST.rejected[i];
    return n;
}

/* Asserts the collector got exactly the records r1..rn, in order. */
static void assert_records(size_t n)
{
    ck_assert_uint_eq(C->n, n);
    ck_assert_uint_eq(ST.articles, n);
    ck_assert_int_eq(C->seq_bad, 0);
}

/* Asserts reject i has reason why, line and a detail containing needle. */
static void assert_reject(size_t i, spine_reject why, long line,
                          const char *needle)
{
    ck_assert_uint_lt(i, C->nbad);
    ck_assert_msg(C->bad[i].why == why, "reject %zu: reason %d, want %d (%s)",
                  i, (int)C->bad[i].why, (int)why, C->bad[i].detail);
    ck_assert_int_eq(C->bad[i].line, line);
    ck_assert_msg(strstr(C->bad[i].detail, needle) != NULL,
                  "reject %zu: detail \"%s\" lacks \"%s\"", i,
                  C->bad[i].detail, needle);
}

static const char *const MEDQUAD_FILES[] = {
    "1_Alpha_QA/0000001.xml", "1_Alpha_QA/0000002.xml",
    "2_Beta_QA/0000001.xml",  "2_Beta_QA/0000002.xml",
    "3_Gamma_QA/0000002.xml", "3_Gamma_QA/0000010.xml",
    "3_Gamma_QA/extra/0000001.xml",
};

/* Checks everything the fixture tree should yield. */
static void assert_medquad_fixture(void)
{
    ck_assert_uint_eq(C->n, 6);
    ck_assert_str_eq(C->art[0].id, "1_Alpha_QA/0000001");
    ck_assert_str_eq(C->art[1].id, "1_Alpha_QA/0000002");
    ck_assert_str_eq(C->art[2].id, "2_Beta_QA/0000002");
    ck_assert_str_eq(C->art[3].id, "3_Gamma_QA/0000002");
    ck_assert_str_eq(C->art[4].id, "3_Gamma_QA/0000010");
    ck_assert_str_eq(C->art[5].id, "extra/0000001");

    rec *a = &C->art[0];
    ck_assert_str_eq(a->title, "Pollen Sneezing");
    ck_assert_str_eq(a->source, "Alpha");
    ck_assert_str_eq(a->url,
                     "https://alpha.example.org/topics/pollen-sneezing");
    ck_assert_uint_eq(a->nsec, 3);
    ck_assert_str_eq(a->pids, "1,2,3");
    ck_assert_str_eq(a->q[1], "What are the symptoms of Pollen Sneezing ?");
    ck_assert_str_eq(a->a[2], "Keeping windows shut in spring, rinsing the "
                              "nose with salt water, and antihistamine "
                              "tablets.");

    /* The empty second answer is dropped; text is trimmed at both ends,
     * entities decoded, and inner whitespace kept as written. */
    a = &C->art[1];
    ck_assert_str_eq(a->title, "Knee Creak");
    ck_assert_uint_eq(a->nsec, 2);
    ck_assert_str_eq(a->pids, "1,3");
    ck_assert_str_eq(a->q[0], "What is (are) Knee Creak ?");
    ck_assert_str_eq(a->a[0],
                     "Knee creak is a harmless clicking of the knee joint & "
                     "its tendons when rising from a chair.\n\n\t\t\tIt is "
                     "common after long walks \"uphill\".");
    ck_assert_str_eq(a->q[1], "How to diagnose Knee Creak ?");

    /* No source or url attributes; non-ASCII text comes through intact. */
    a = &C->art[2];
    ck_assert_str_eq(a->title, "Caf\xc3\xa9 Cough");
    ck_assert_str_eq(a->source, "");
    ck_assert_str_eq(a->url, "");
    ck_assert_uint_eq(a->nsec, 1);
    ck_assert_ptr_nonnull(strstr(a->a[0], "\xe5\x92\xb3"));

    /* No <Focus>; a QAPair without pid or Question still counts. */
    a = &C->art[3];
    ck_assert_str_eq(a->title, "");
    ck_assert_uint_eq(a->nsec, 2);
    ck_assert_str_eq(a->pids, "7,");
    ck_assert_str_eq(a->q[1], "");
    ck_assert_str_eq(a->a[1], "Wash the cut and cover it for a day.");

    ck_assert_str_eq(C->art[4].title, "Thumb Twitch");
    ck_assert_str_eq(C->art[5].title, "Hiccup Run");
    ck_assert_str_eq(C->art[5].url, "https://gamma.example.org/extra/1");

    /* The questions-only article is the one reject. */
    ck_assert_uint_eq(C->nbad, 1);
    assert_reject(0, SPINE_REJECT_EMPTY, 0, "answer");
    ck_assert_str_eq(C->bad[0].file, MEDQUAD "/2_Beta_QA/0000001.xml");

    uint64_t bytes = 0;
    for (size_t i = 0; i < sizeof MEDQUAD_FILES / sizeof *MEDQUAD_FILES;
         i++) {
        char *p = tu_path(MEDQUAD, MEDQUAD_FILES[i]);
        bytes += file_size(p);
        free(p);
    }
    ck_assert_uint_eq(ST.files, 7);      /* not .hidden.xml, not notes.txt */
    ck_assert_uint_eq(ST.articles, 6);
    ck_assert_uint_eq(ST.sections, 10);
    ck_assert_uint_eq(ST.bytes, bytes);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_EMPTY], 1);
    ck_assert_uint_eq(total_rejected(), 1);
}

/* Checks everything good.jsonl should yield. */
static void assert_good_jsonl(void)
{
    ck_assert_uint_eq(C->n, 4);
    ck_assert_uint_eq(C->nbad, 0);
    rec *a = &C->art[0];
    ck_assert_str_eq(a->id, "doc-a");
    ck_assert_str_eq(a->title, "Nettle Rash");
    ck_assert_str_eq(a->url, "https://jsonl.example.org/a");
    ck_assert_str_eq(a->source, "Delta");
    ck_assert_uint_eq(a->nsec, 1);
    ck_assert_str_eq(a->pids, "1");
    ck_assert_str_eq(a->q[0], "");
    ck_assert_str_eq(a->a[0], "Red itchy bumps after brushing against "
                              "nettles; they fade within a day.");
    a = &C->art[1];
    ck_assert_str_eq(a->id, "2");                  /* integer id */
    ck_assert_str_eq(a->title, "");
    ck_assert_str_eq(a->url, "");
    ck_assert_str_eq(a->source, "");
    a = &C->art[2];
    ck_assert_str_eq(a->id, "doc-c");
    ck_assert_str_eq(a->title, "");                /* null title */
    ck_assert_str_eq(a->a[0], "Sore heels from new shoes: pad the back of "
                              "the shoe.\nChange shoes every other day.");
    a = &C->art[3];                                /* no final newline */
    ck_assert_str_eq(a->id, "doc-d");
    ck_assert_str_eq(a->title, "Eye Strain");
    ck_assert_ptr_nonnull(strstr(a->a[0], "Caf\xc3\xa9 chairs"));
    ck_assert_uint_eq(ST.files, 1);
    ck_assert_uint_eq(ST.articles, 4);
    ck_assert_uint_eq(ST.sections, 4);
    ck_assert_uint_eq(total_rejected(), 0);
}

/* Writes len bytes of data to path through gzwrite. */
static void gz_put(const char *path, const void *data, size_t len)
{
    gzFile gz = gzopen(path, "wb");
    ck_assert_ptr_nonnull(gz);
    ck_assert_int_eq(gzwrite(gz, data, (unsigned)len), (int)len);
    ck_assert_int_eq(gzclose(gz), Z_OK);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = malloc(1 << 20);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* A MedQuAD article with one section, for tests that write trees. */
static const char GOOD_XML[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Document id=\"1\" source=\"Test\" url=\"u\">\n"
    "<Focus>Good</Focus>\n"
    "<QAPairs><QAPair pid=\"1\"><Question>Q?</Question>"
    "<Answer>Some answer.</Answer></QAPair></QAPairs>\n"
    "</Document>\n";

/* ---- core --------------------------------------------------------------- */

START_TEST(medquad_tree)
{
    ck_assert_int_eq(spine_medquad_read(MEDQUAD, NULL, &SINK, &ST, &ERR), 0);
    assert_medquad_fixture();
}
END_TEST

START_TEST(dispatch_directory_is_medquad)
{
    spine_corpus_options o = SPINE_CORPUS_OPTIONS_INIT;
    ck_assert_int_eq(spine_corpus_read(MEDQUAD "/", &o, &SINK, &ST, &ERR), 0);
    assert_medquad_fixture();
}
END_TEST

START_TEST(medquad_runs_are_identical)
{
    ck_assert_int_eq(spine_corpus_read(MEDQUAD, NULL, &SINK, &ST, &ERR), 0);
    collect first = *C;
    memset(C, 0, sizeof *C);
    ck_assert_int_eq(spine_corpus_read(MEDQUAD, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, first.n);
    for (size_t i = 0; i < C->n; i++)
        ck_assert_str_eq(C->art[i].id, first.art[i].id);
    /* Stats accumulate across calls. */
    ck_assert_uint_eq(ST.articles, 12);
    ck_assert_uint_eq(ST.files, 14);
}
END_TEST

START_TEST(medquad_single_file)
{
    const char *path = MEDQUAD "/1_Alpha_QA/0000002.xml";
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 1);
    ck_assert_str_eq(C->art[0].id, "1_Alpha_QA/0000002");
    ck_assert_str_eq(C->art[0].pids, "1,3");
    ck_assert_uint_eq(ST.files, 1);
    ck_assert_uint_eq(ST.bytes, file_size(path));
}
END_TEST

START_TEST(medquad_file_at_top_of_tree)
{
    /* A file directly under the named directory takes that folder's name,
     * even when the directory is given as ".". */
    mkdir_in_tmp("Top_QA");
    char *dir = tu_path(TMP, "Top_QA");
    char *src = tu_path(MEDQUAD, "3_Gamma_QA/0000010.xml");
    size_t len;
    char *text = slurp(src, &len);
    char *dst = tu_path(dir, "42.xml");
    ck_assert_int_eq(tu_write_file(dst, text, len), 0);

    char *old = getcwd(NULL, 0);
    ck_assert_int_eq(chdir(dir), 0);
    int rc = spine_medquad_read(".", NULL, &SINK, &ST, &ERR);
    int rc2 = spine_medquad_read("42.xml", NULL, &SINK, &ST, &ERR);
    ck_assert_int_eq(chdir(old), 0);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(rc2, 0);
    ck_assert_uint_eq(C->n, 2);
    ck_assert_str_eq(C->art[0].id, "Top_QA/42");
    ck_assert_str_eq(C->art[1].id, "Top_QA/42");
    free(old); free(dst); free(text); free(src); free(dir);
}
END_TEST

START_TEST(jsonl_plain)
{
    const char *path = FIXTURES "/good.jsonl";
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
    assert_good_jsonl();
    ck_assert_uint_eq(ST.bytes, file_size(path));
}
END_TEST

START_TEST(jsonl_gzip)
{
    size_t len;
    char *text = slurp(FIXTURES "/good.jsonl", &len);
    char *path = tu_path(TMP, "good.jsonl.gz");
    gz_put(path, text, len);
    ck_assert_uint_ne(file_size(path), len);          /* really compressed */
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
    assert_good_jsonl();
    ck_assert_uint_eq(ST.bytes, len);                  /* uncompressed */
    free(path);
    free(text);
}
END_TEST

START_TEST(jsonl_long_lines_span_reads)
{
    /* Lines longer than one read chunk: one kept, one over the limit. */
    const size_t keep = 100000, drop = 300000;
    char *buf = malloc(keep + drop + 256);
    ck_assert_ptr_nonnull(buf);
    size_t n = (size_t)sprintf(buf, "{\"id\": \"long\", \"body\": \"");
    memset(buf + n, 'k', keep);
    n += keep;
    n += (size_t)sprintf(buf + n, "\"}\n{\"id\": \"huge\", \"body\": \"");
    memset(buf + n, 'd', drop);
    n += drop;
    n += (size_t)sprintf(buf + n, "\"}\n{\"id\": \"after\", \"body\": \"ok\"}");
    char *path = tu_path(TMP, "long.jsonl");
    ck_assert_int_eq(tu_write_file(path, buf, n), 0);

    spine_corpus_options o = { 200000 };
    ck_assert_int_eq(spine_jsonl_read(path, &o, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 2);
    ck_assert_str_eq(C->art[0].id, "long");
    ck_assert_uint_eq(C->art[0].alen0, keep);
    ck_assert_str_eq(C->art[1].id, "after");
    ck_assert_uint_eq(C->nbad, 1);
    assert_reject(0, SPINE_REJECT_TOO_LARGE, 2, "200000");
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_TOO_LARGE], 1);
    ck_assert_uint_eq(ST.bytes, n);
    free(path);
    free(buf);
}
END_TEST

START_TEST(byte_order_mark_is_accepted)
{
    /* A UTF-8 byte order mark opens the file's text, not line 1's record:
     * plain, gzip, and (libxml2 knows it) MedQuAD XML.  Only there: one
     * inside the file is a record's bad first byte. */
    static const char text[] =
        "\xef\xbb\xbf{\"id\": \"r1\", \"body\": \"after the mark\"}\n"
        "{\"id\": \"r2\", \"body\": \"second\"}\n"
        "\xef\xbb\xbf{\"id\": \"r3\", \"body\": \"mark inside\"}\n";
    char *path = put("bom.jsonl", text);
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
    char *gz = tu_path(TMP, "bom.jsonl.gz");
    gz_put(gz, text, strlen(text));
    ck_assert_int_eq(spine_corpus_read(gz, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 4);
    ck_assert_str_eq(C->art[0].a[0], "after the mark");
    ck_assert_str_eq(C->art[3].id, "r2");
    ck_assert_uint_eq(C->nbad, 2);
    assert_reject(0, SPINE_REJECT_MALFORMED, 3, "column");
    assert_reject(1, SPINE_REJECT_MALFORMED, 3, "column");
    ck_assert_uint_eq(ST.bytes, 2 * strlen(text));
    C->n = 0;                   /* restart the id sequence (r1...) */

    mkdir_in_tmp("Bom_QA");
    char xml[1024];
    snprintf(xml, sizeof xml, "\xef\xbb\xbf%s", GOOD_XML);
    free(put("Bom_QA/1.xml", xml));
    char *dir = tu_path(TMP, "Bom_QA");
    ck_assert_int_eq(spine_corpus_read(dir, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->nbad, 2);
    ck_assert_str_eq(C->art[0].id, "Bom_QA/1");
    ck_assert_str_eq(C->art[0].title, "Good");
    ck_assert_str_eq(C->art[0].a[0], "Some answer.");
    free(dir); free(gz); free(path);
}
END_TEST

START_TEST(callback_stops_the_read)
{
    C->stop_after = 2;
    ck_assert_int_eq(spine_corpus_read(MEDQUAD, NULL, &SINK, &ST, &ERR), 42);
    ck_assert_uint_eq(C->n, 2);
    ck_assert_str_eq(C->art[1].id, "1_Alpha_QA/0000002");
    ck_assert_uint_eq(ST.articles, 2);
    ck_assert_uint_eq(ST.files, 2);

    memset(C, 0, sizeof *C);
    C->stop_after = 3;
    ck_assert_int_eq(spine_corpus_read(FIXTURES "/good.jsonl", NULL, &SINK,
                                       &ST, &ERR), 42);
    ck_assert_uint_eq(C->n, 3);
    ck_assert_str_eq(C->art[2].id, "doc-c");
}
END_TEST

START_TEST(reject_names)
{
    for (int i = 0; i < SPINE_REJECT_COUNT; i++) {
        const char *name = spine_reject_name((spine_reject)i);
        ck_assert_ptr_nonnull(name);
        ck_assert_str_ne(name, "");
        ck_assert_str_ne(name, spine_reject_name(SPINE_REJECT_COUNT));
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(name, spine_reject_name((spine_reject)j));
    }
    ck_assert_str_eq(spine_reject_name(SPINE_REJECT_EMPTY), "no answer text");
    ck_assert_str_eq(spine_reject_name(SPINE_REJECT_ENCODING),
                     "invalid UTF-8");
}
END_TEST

START_TEST(no_reject_callback)
{
    SINK.on_reject = NULL;
    ck_assert_int_eq(spine_corpus_read(MEDQUAD, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 6);
    ck_assert_uint_eq(C->nbad, 0);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_EMPTY], 1);
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

START_TEST(xml_bad_files_are_skipped)
{
    mkdir_in_tmp("X_QA");
    free(put("X_QA/01.xml", GOOD_XML));
    /* Tag mismatch on line 7. */
    free(put("X_QA/02.xml",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<Document id=\"2\">\n"
             "<Focus>Broken</Focus>\n"
             "<QAPairs>\n"
             "<QAPair pid=\"1\">\n"
             "<Question>Why?\n"
             "</Answer></Question>\n"
             "</QAPair></QAPairs></Document>\n"));
    /* A Latin-1 byte in a UTF-8 document, on line 3. */
    free(put("X_QA/03.xml",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<Document id=\"3\">\n"
             "<Focus>Caf\xe9</Focus>\n"
             "<QAPairs><QAPair pid=\"1\"><Question>Q</Question>"
             "<Answer>A</Answer></QAPair></QAPairs></Document>\n"));
    /* Well-formed, but not a MedQuAD document. */
    free(put("X_QA/04.xml",
             "<?xml version=\"1.0\"?>\n\n<Article><Focus>F</Focus></Article>\n"));
    /* Empty file. */
    free(put("X_QA/05.xml", ""));
    /* No QAPairs at all. */
    free(put("X_QA/06.xml", "<Document><Focus>Only a title</Focus></Document>"));
    free(put("X_QA/07.xml", GOOD_XML));

    ck_assert_int_eq(spine_corpus_read(TMP, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 2);
    ck_assert_str_eq(C->art[0].id, "X_QA/01");
    ck_assert_str_eq(C->art[1].id, "X_QA/07");
    ck_assert_uint_eq(C->nbad, 5);
    assert_reject(0, SPINE_REJECT_MALFORMED, 7,
                  "line 7: Opening and ending tag mismatch: Question line 6 "
                  "and Answer");
    assert_reject(1, SPINE_REJECT_ENCODING, 3, "line 3:");
    assert_reject(2, SPINE_REJECT_FIELD, 3, "<Article>");
    assert_reject(3, SPINE_REJECT_MALFORMED, 1, "line 1:");
    assert_reject(4, SPINE_REJECT_EMPTY, 0, "QAPairs");
    char *p = tu_path(TMP, "X_QA/02.xml");
    ck_assert_str_eq(C->bad[0].file, p);
    free(p);
    ck_assert_uint_eq(ST.files, 7);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_MALFORMED], 2);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_ENCODING], 1);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_FIELD], 1);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_EMPTY], 1);
}
END_TEST

START_TEST(xml_dialects_are_read)
{
    /* MedQuAD holds two variants besides <Document>: the same layout under
     * <DiseaseFile>, and lower-case names with a "corpus" attribute. */
    mkdir_in_tmp("D_QA");
    free(put("D_QA/01.xml",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<DiseaseFile fid=\"1\" source=\"CDC\" url=\"u1\">\n"
             "<Focus>Tapeworms</Focus>\n"
             "<QAPairs><QAPair pid=\"1\"><Question>What are tapeworms ?"
             "</Question><Answer>Flat worms of the gut.</Answer></QAPair>"
             "</QAPairs></DiseaseFile>\n"));
    free(put("D_QA/02.xml",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<doc docid=\"2\" corpus=\"NINDS\" url=\"u2\">\n"
             "<doctitle-focus>Nerve Aches</doctitle-focus>\n"
             "<qaPairs><pair pid=\"1\"><question>what are nerve aches?"
             "</question><answer>Pain carried by nerves.</answer></pair>"
             "<pair pid=\"2\"><question>how are they treated?</question>"
             "<answer></answer></pair></qaPairs></doc>\n"));

    ck_assert_int_eq(spine_corpus_read(TMP, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->nbad, 0);
    ck_assert_uint_eq(C->n, 2);
    ck_assert_str_eq(C->art[0].title, "Tapeworms");
    ck_assert_str_eq(C->art[0].source, "CDC");
    ck_assert_str_eq(C->art[0].a[0], "Flat worms of the gut.");
    ck_assert_str_eq(C->art[1].id, "D_QA/02");
    ck_assert_str_eq(C->art[1].title, "Nerve Aches");
    ck_assert_str_eq(C->art[1].source, "NINDS");
    ck_assert_str_eq(C->art[1].url, "u2");
    ck_assert_str_eq(C->art[1].pids, "1");
    ck_assert_str_eq(C->art[1].q[0], "what are nerve aches?");
    ck_assert_str_eq(C->art[1].a[0], "Pain carried by nerves.");
}
END_TEST

START_TEST(xml_no_network_no_external_entities)
{
    /* An external entity must not be loaded (it would pull in secret.txt);
     * the reference is dropped, so the answer has only the inline text. */
    free(put("secret.txt", "TOP SECRET"));
    char *secret = tu_path(TMP, "secret.txt");
    char doc[2048];
    snprintf(doc, sizeof doc,
             "<?xml version=\"1.0\"?>\n"
             "<!DOCTYPE Document [ <!ENTITY s SYSTEM \"file://%s\"> ]>\n"
             "<Document><QAPairs><QAPair pid=\"1\"><Question>Q</Question>"
             "<Answer>before &s; after</Answer></QAPair></QAPairs>"
             "</Document>\n", secret);
    char *path = put("ent.xml", doc);
    int rc = spine_corpus_read(path, NULL, &SINK, &ST, &ERR);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(C->n, 1);
    ck_assert_ptr_null(strstr(C->art[0].a[0], "SECRET"));
    ck_assert_ptr_nonnull(strstr(C->art[0].a[0], "before"));
    free(path);
    free(secret);
}
END_TEST

START_TEST(xml_too_large)
{
    mkdir_in_tmp("Big_QA");
    free(put("Big_QA/1.xml", GOOD_XML));
    char big[4096];
    snprintf(big, sizeof big,
             "<Document><QAPairs><QAPair pid=\"1\"><Answer>%0600d"
             "</Answer></QAPair></QAPairs></Document>", 7);
    free(put("Big_QA/2.xml", big));
    free(put("Big_QA/3.xml", GOOD_XML));
    spine_corpus_options o = { 400 };
    ck_assert_int_eq(spine_corpus_read(TMP, &o, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 2);
    ck_assert_str_eq(C->art[0].id, "Big_QA/1");
    ck_assert_str_eq(C->art[1].id, "Big_QA/3");
    ck_assert_uint_eq(C->nbad, 1);
    assert_reject(0, SPINE_REJECT_TOO_LARGE, 0, "400");
    /* The big file was not read. */
    ck_assert_uint_eq(ST.bytes, 2 * strlen(GOOD_XML));
}
END_TEST

START_TEST(xml_unreadable_entries)
{
    mkdir_in_tmp("U_QA");
    free(put("U_QA/1.xml", GOOD_XML));
    char *target = tu_path(TMP, "U_QA/missing-target");
    char *link = tu_path(TMP, "U_QA/2.xml");
    ck_assert_int_eq(symlink(target, link), 0);     /* dangling */
    /* A symlink loop is not followed. */
    char *loop = tu_path(TMP, "U_QA/loop");
    ck_assert_int_eq(symlink("..", loop), 0);
    /* A symlink to a good file is followed. */
    char *good = tu_path(TMP, "U_QA/1.xml");
    char *alias = tu_path(TMP, "U_QA/3.xml");
    ck_assert_int_eq(symlink(good, alias), 0);

    ck_assert_int_eq(spine_corpus_read(TMP, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 2);
    ck_assert_str_eq(C->art[0].id, "U_QA/1");
    ck_assert_str_eq(C->art[1].id, "U_QA/3");
    ck_assert_uint_eq(C->nbad, 1);
    assert_reject(0, SPINE_REJECT_UNREADABLE, 0, "No such file");
    ck_assert_str_eq(C->bad[0].file, link);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_UNREADABLE], 1);

    /* Permission bits only bite when not running as root. */
    if (geteuid() != 0) {
        memset(C, 0, sizeof *C);
        memset(&ST, 0, sizeof ST);
        ck_assert_int_eq(chmod(good, 0), 0);
        ck_assert_int_eq(spine_corpus_read(TMP, NULL, &SINK, &ST, &ERR), 0);
        ck_assert_uint_eq(C->n, 0);
        ck_assert_uint_eq(ST.rejected[SPINE_REJECT_UNREADABLE], 3);
        ck_assert_int_eq(spine_corpus_read(good, NULL, &SINK, &ST, &ERR),
                         SPINE_EIO);
        ck_assert_int_eq(chmod(good, 0644), 0);
    }
    free(target); free(link); free(loop); free(good); free(alias);
}
END_TEST

START_TEST(missing_paths)
{
    char *path = tu_path(TMP, "nowhere");
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR),
                     SPINE_ENOTFOUND);
    ck_assert_int_eq(ERR.code, SPINE_ENOTFOUND);
    char want[1024];
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    ck_assert_str_eq(ERR.msg, want);
    ck_assert_int_eq(spine_medquad_read(path, NULL, &SINK, &ST, &ERR),
                     SPINE_ENOTFOUND);
    ck_assert_int_eq(spine_jsonl_read(path, NULL, &SINK, &ST, &ERR),
                     SPINE_ENOTFOUND);
    free(path);
    path = tu_path(TMP, "nowhere.xml");
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR),
                     SPINE_ENOTFOUND);
    free(path);
    ck_assert_uint_eq(ST.files, 0);
    ck_assert_uint_eq(C->n + C->nbad, 0);
}
END_TEST

START_TEST(devices_are_refused)
{
    /* /dev/zero would be read for ever (one endless line of NULs): any
     * source that is not a file, directory or pipe is refused unread. */
    static const char *const dev[] = { "/dev/zero", "/dev/null" };
    for (size_t i = 0; i < 2; i++) {
        if (access(dev[i], R_OK) != 0)
            continue;
        ck_assert_int_eq(spine_corpus_read(dev[i], NULL, &SINK, &ST, &ERR),
                         SPINE_EINVAL);
        ck_assert_ptr_nonnull(strstr(ERR.msg, dev[i]));
        ck_assert_ptr_nonnull(strstr(ERR.msg, "a character device"));
        ck_assert_int_eq(spine_jsonl_read(dev[i], NULL, &SINK, &ST, &ERR),
                         SPINE_EINVAL);
        ck_assert_int_eq(spine_medquad_read(dev[i], NULL, &SINK, &ST, &ERR),
                         SPINE_EINVAL);
    }
    ck_assert_uint_eq(ST.files, 0);
    ck_assert_uint_eq(C->n + C->nbad, 0);

    /* In a MedQuAD tree, an .xml name that is a pipe or a link to a
     * device is named and counted, not passed over (nor waited on). */
    mkdir_in_tmp("Dev_QA");
    free(put("Dev_QA/1.xml", GOOD_XML));
    char *fifo = tu_path(TMP, "Dev_QA/2.xml");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    char *link = tu_path(TMP, "Dev_QA/3.xml");
    ck_assert_int_eq(symlink("/dev/zero", link), 0);
    free(put("Dev_QA/4.xml", GOOD_XML));
    ck_assert_int_eq(spine_corpus_read(TMP, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 2);
    ck_assert_str_eq(C->art[1].id, "Dev_QA/4");
    ck_assert_uint_eq(C->nbad, 2);
    assert_reject(0, SPINE_REJECT_UNREADABLE, 0, "a pipe, not a regular");
    ck_assert_str_eq(C->bad[0].file, fifo);
    assert_reject(1, SPINE_REJECT_UNREADABLE, 0, "a character device");
    ck_assert_str_eq(C->bad[1].file, link);
    free(link); free(fifo);
}
END_TEST

START_TEST(pipes_are_read)
{
    /* A pipe is a stream like any file (spine-index corpus <(zcat ...)). */
    char *fifo = tu_path(TMP, "feed");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    static const char text[] = "{\"id\": \"r1\", \"body\": \"piped\"}\n"
                               "{\"id\": \"r2\", \"body\": \"too\"}";
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        _exit(tu_write_file(fifo, text, strlen(text)) == 0 ? 0 : 1);
    }
    ck_assert_int_eq(spine_corpus_read(fifo, NULL, &SINK, &ST, &ERR), 0);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_records(2);
    ck_assert_str_eq(C->art[1].a[0], "too");
    ck_assert_uint_eq(C->nbad, 0);
    free(fifo);
}
END_TEST

START_TEST(jsonl_nul_bytes)
{
    /* NUL bytes are not text: a line holding one is rejected with its
     * offset; a megabyte of them with no newline (a zero-filled block)
     * is one line over the limit, skipped unbuffered, and the records
     * after it are read. */
    const size_t zeros = 1 << 20;
    char *buf = calloc(1, zeros + 512);
    ck_assert_ptr_nonnull(buf);
    size_t n = (size_t)sprintf(buf, "{\"id\": \"r1\", \"body\": \"one\"}\n"
                                    "{\"id\": \"x\", \"body\": \"nul ");
    n += 1;                                         /* the NUL */
    n += (size_t)sprintf(buf + n, "here\"}\n");
    n += zeros;                                     /* a block of NULs */
    n += (size_t)sprintf(buf + n, "\n{\"id\": \"r2\", \"body\": \"two\"}\n");
    char *path = tu_path(TMP, "nul.jsonl");
    ck_assert_int_eq(tu_write_file(path, buf, n), 0);

    spine_corpus_options o = { 4096 };
    ck_assert_int_eq(spine_corpus_read(path, &o, &SINK, &ST, &ERR), 0);
    assert_records(2);
    ck_assert_uint_eq(C->nbad, 2);
    assert_reject(0, SPINE_REJECT_ENCODING, 2, "NUL byte at byte offset 25");
    assert_reject(1, SPINE_REJECT_TOO_LARGE, 3, "4096");
    ck_assert_uint_eq(ST.bytes, n);
    free(path);
    free(buf);
}
END_TEST

START_TEST(bad_arguments)
{
    ck_assert_int_eq(spine_corpus_read(NULL, NULL, &SINK, &ST, &ERR),
                     SPINE_EINVAL);
    ck_assert_int_eq(spine_corpus_read(MEDQUAD, NULL, NULL, &ST, &ERR),
                     SPINE_EINVAL);
    spine_corpus_sink empty = { NULL, NULL, NULL };
    ck_assert_int_eq(spine_medquad_read(MEDQUAD, NULL, &empty, &ST, NULL),
                     SPINE_EINVAL);
    ck_assert_int_eq(spine_jsonl_read(FIXTURES "/good.jsonl", NULL, &empty,
                                      &ST, NULL), SPINE_EINVAL);
    /* A directory is not a JSON Lines file. */
    ck_assert_int_eq(spine_jsonl_read(MEDQUAD, NULL, &SINK, &ST, &ERR),
                     SPINE_EIO);
    ck_assert_uint_eq(C->n, 0);
    /* NULL stats is tolerated. */
    ck_assert_int_eq(spine_corpus_read(MEDQUAD, NULL, &SINK, NULL, NULL), 0);
    ck_assert_uint_eq(C->n, 6);
}
END_TEST

START_TEST(jsonl_bad_lines_are_skipped)
{
    char *path = put("bad.jsonl",
        "{\"id\": \"first\", \"body\": \"Good before.\"}\n"          /* 1 */
        "{\"id\": \"b\", \"body\": \"x\",}\n"                         /* 2 */
        "{\"body\": \"no id\"}\n"                                     /* 3 */
        "{\"id\": \"d\"}\n"                                           /* 4 */
        "{\"id\": \"e\", \"title\": 5, \"body\": \"t\"}\n"            /* 5 */
        "{\"id\": \"f\", \"body\": \"  \\n\\t \"}\n"                  /* 6 */
        "{\"id\": \"g\", \"body\": \"caf\xe9\"}\n"                    /* 7 */
        "{\"id\": \"h\", \"body\": \"nul \\u0000 inside\"}\n"         /* 8 */
        "\n"                                                          /* 9 */
        "{\"id\": 10, \"body\": \"Good after.\"}\n"                   /* 10 */
        "[1, 2]\n"                                                    /* 11 */
        "{\"id\": 1.5, \"body\": \"real id\"}\n"                      /* 12 */
        "{\"id\": \"m\", \"body\": 7}\n"                              /* 13 */
        "{\"id\": \"n\", \"body\": \"b\", \"url\": [\"x\"]}\n"        /* 14 */
        "{\"id\": \"\", \"body\": \"empty id\"}\n"                    /* 15 */
        "{\"id\": \"last\", \"body\": \"Good at the end.\"}\n");      /* 16 */
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);

    ck_assert_uint_eq(C->n, 3);
    ck_assert_str_eq(C->art[0].id, "first");
    ck_assert_str_eq(C->art[1].id, "10");
    ck_assert_str_eq(C->art[2].id, "last");
    ck_assert_str_eq(C->art[2].a[0], "Good at the end.");

    ck_assert_uint_eq(C->nbad, 12);
    assert_reject(0, SPINE_REJECT_MALFORMED, 2, "column ");
    assert_reject(1, SPINE_REJECT_FIELD, 3, "missing field \"id\"");
    assert_reject(2, SPINE_REJECT_FIELD, 4, "missing field \"body\"");
    assert_reject(3, SPINE_REJECT_FIELD, 5,
                  "field \"title\" is not a string");
    assert_reject(4, SPINE_REJECT_EMPTY, 6, "field \"body\" is empty");
    assert_reject(5, SPINE_REJECT_ENCODING, 7, "byte offset 24");
    assert_reject(6, SPINE_REJECT_ENCODING, 8, "NUL");
    assert_reject(7, SPINE_REJECT_FIELD, 11, "not a JSON object");
    assert_reject(8, SPINE_REJECT_FIELD, 12, "\"id\"");
    assert_reject(9, SPINE_REJECT_FIELD, 13, "field \"body\" is not a string");
    assert_reject(10, SPINE_REJECT_FIELD, 14, "field \"url\"");
    assert_reject(11, SPINE_REJECT_FIELD, 15, "field \"id\" is empty");
    for (size_t i = 0; i < C->nbad; i++)
        ck_assert_str_eq(C->bad[i].file, path);

    ck_assert_uint_eq(ST.files, 1);
    ck_assert_uint_eq(ST.articles, 3);
    ck_assert_uint_eq(ST.sections, 3);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_MALFORMED], 1);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_FIELD], 8);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_EMPTY], 1);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_ENCODING], 2);
    ck_assert_uint_eq(ST.bytes, file_size(path));
    free(path);
}
END_TEST

START_TEST(jsonl_malformed_detail)
{
    char *path = put("m.jsonl", "{\"id\": \"a\" \"body\": \"x\"}\n");
    ck_assert_int_eq(spine_jsonl_read(path, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->nbad, 1);
    /* jansson names the problem and the column where it saw it. */
    assert_reject(0, SPINE_REJECT_MALFORMED, 1, "column 17: ");
    ck_assert_ptr_nonnull(strstr(C->bad[0].detail, "expected"));
    free(path);
}
END_TEST

START_TEST(jsonl_line_over_limit)
{
    char *path = put("l.jsonl",
        "{\"id\": 1, \"body\": \"short\"}\n"
        "{\"id\": 2, \"body\": \"this line is longer than sixty-four bytes, "
        "so it is dropped\"}\n"
        "{\"id\": 3, \"body\": \"short again\"}\n"
        "{\"id\": 4, \"body\": \"and a last long line without a newline "
        "at its end\"}");
    spine_corpus_options o = { 64 };
    ck_assert_int_eq(spine_jsonl_read(path, &o, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 2);
    ck_assert_str_eq(C->art[0].id, "1");
    ck_assert_str_eq(C->art[1].id, "3");
    ck_assert_uint_eq(C->nbad, 2);
    assert_reject(0, SPINE_REJECT_TOO_LARGE, 2, "64");
    assert_reject(1, SPINE_REJECT_TOO_LARGE, 4, "64");
    free(path);
}
END_TEST

/* Builds n JSON lines "r1".."rn" with varied text (so gzip can't shrink
 * them to nothing).  Returns a malloc()ed buffer; *len gets its size. */
static char *many_lines(int n, size_t *len)
{
    static const char *const words[] = {
        "fever", "rash", "cough", "ache", "sleep", "water", "salt", "knee",
        "joint", "blood", "sugar", "walk", "rest", "diet", "heart", "lung",
    };
    size_t cap = (size_t)n * 200, used = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    unsigned seed = 12345;
    for (int i = 1; i <= n; i++) {
        used += (size_t)snprintf(buf + used, cap - used,
                                 "{\"id\": \"r%d\", \"body\": \"", i);
        for (int w = 0; w < 12; w++) {
            seed = seed * 1103515245u + 12345u;
            used += (size_t)snprintf(buf + used, cap - used, "%s%u ",
                                     words[(seed >> 16) & 15],
                                     (seed >> 8) & 255);
        }
        used += (size_t)snprintf(buf + used, cap - used, "\"}\n");
    }
    *len = used;
    return buf;
}

/* Returns the start of line k (1-based) of text. */
static size_t line_start(const char *text, int k)
{
    const char *p = text;
    for (int i = 1; i < k; i++) {
        p = strchr(p, '\n');
        ck_assert_ptr_nonnull(p);
        p++;
    }
    return (size_t)(p - text);
}

/* Compresses text[0..len) as one gzip member into a malloc()ed buffer
 * (*zlen bytes), with a full flush after its first cut bytes: the deflate
 * block that follows starts on a byte boundary, at the offset returned, so
 * a test can damage it knowing exactly what was decoded before. */
static unsigned char *gz_split(const char *text, size_t len, size_t cut,
                               size_t *zlen, size_t *block)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, len) + 64;
    unsigned char *z = malloc(cap);
    ck_assert_ptr_nonnull(z);
    zs.next_out = z;
    zs.avail_out = (uInt)cap;
    zs.next_in = (Bytef *)text;
    zs.avail_in = (uInt)cut;
    ck_assert_int_eq(deflate(&zs, Z_FULL_FLUSH), Z_OK);
    ck_assert_uint_eq(zs.avail_in, 0);
    *block = cap - zs.avail_out;
    zs.avail_in = (uInt)(len - cut);
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *zlen = cap - zs.avail_out;
    deflateEnd(&zs);
    return z;
}

START_TEST(gzip_bad_crc_keeps_every_record)
{
    /* The CRC trailer is checked after the last byte is inflated: every
     * record was decoded and is delivered, and the damage is one reject
     * on the line after the last.  2,000 records fit in zlib's first
     * buffer, 20,000 do not. */
    static const int sizes[] = { 2000, 20000 };
    for (size_t t = 0; t < 2; t++) {
        memset(C, 0, sizeof *C);
        memset(&ST, 0, sizeof ST);
        int n = sizes[t];
        size_t len;
        char *text = many_lines(n, &len);
        char *path = tu_path(TMP, "crc.jsonl.gz");
        gz_put(path, text, len);
        size_t zlen;
        char *z = slurp(path, &zlen);
        ck_assert_uint_lt(zlen, 1 << 20);
        z[zlen - 8] = (char)(z[zlen - 8] ^ 0x01);      /* CRC-32, first byte */
        ck_assert_int_eq(tu_write_file(path, z, zlen), 0);

        ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
        assert_records((size_t)n);
        ck_assert_uint_eq(ST.bytes, len);
        ck_assert_uint_eq(C->nbad, 1);
        assert_reject(0, SPINE_REJECT_DAMAGED, n + 1, "incorrect data check");
        ck_assert_str_eq(C->bad[0].file, path);
        ck_assert_uint_eq(ST.rejected[SPINE_REJECT_DAMAGED], 1);
        ck_assert_uint_eq(total_rejected(), 1);
        free(z); free(path); free(text);
    }
}
END_TEST

/* Writes text (len bytes) to TMP/broken.jsonl.gz as gzip with a block
 * boundary extra bytes into line k (see gz_split), broken there as how
 * says: 'b' the block is of the reserved type, 't' the file ends there.
 * Reads it with fresh C and ST and asserts that lines 1..k-1 were
 * delivered and line k is the one reject, whose detail holds needle and
 * says the line was cut short exactly when extra > 0. */
static void assert_gzip_broken_at(const char *text, size_t len, int k,
                                  size_t extra, char how, const char *needle)
{
    size_t cut = line_start(text, k) + extra, zlen, block;
    unsigned char *z = gz_split(text, len, cut, &zlen, &block);
    if (how == 'b')
        z[block] |= 0x06;                       /* BTYPE 11: reserved */
    char *path = tu_path(TMP, "broken.jsonl.gz");
    ck_assert_int_eq(tu_write_file(path, z, how == 't' ? block : zlen), 0);
    memset(C, 0, sizeof *C);
    memset(&ST, 0, sizeof ST);

    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
    assert_records((size_t)k - 1);
    ck_assert_uint_eq(ST.bytes, cut);
    ck_assert_uint_eq(C->nbad, 1);
    assert_reject(0, SPINE_REJECT_DAMAGED, k, needle);
    ck_assert_str_eq(C->bad[0].file, path);
    ck_assert_msg((strstr(C->bad[0].detail, "line is cut short") != NULL)
                  == (extra > 0), "detail: %s", C->bad[0].detail);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_DAMAGED], 1);
    ck_assert_uint_eq(total_rejected(), 1);
    free(path);
    free(z);
}

START_TEST(gzip_damaged_block)
{
    /* A block with an invalid type after 12,000 whole records and part of
     * the next: the 12,000 are delivered (some 1.2 MB, far more than zlib's
     * own buffer), the cut record is the one reject, named by its line.
     * Then damage right at a line's start: no line is cut. */
    size_t len;
    char *text = many_lines(20000, &len);
    assert_gzip_broken_at(text, len, 12001, 10, 'b', "invalid block type");
    assert_gzip_broken_at(text, len, 501, 0, 'b', "invalid block type");
    free(text);
}
END_TEST

START_TEST(gzip_truncated)
{
    /* Cut at a block boundary: everything before it is decoded; the record
     * it splits is rejected as cut short, and the read still returns 0. */
    size_t len;
    char *text = many_lines(3000, &len);
    assert_gzip_broken_at(text, len, 2001, 40, 't', "ends early");
    assert_gzip_broken_at(text, len, 2501, 0, 't', "ends early");

    /* Cut anywhere: the same, give or take what zlib holds back. */
    memset(C, 0, sizeof *C);
    memset(&ST, 0, sizeof ST);
    char *path = tu_path(TMP, "cut.jsonl.gz");
    gz_put(path, text, len);
    size_t zlen;
    char *z = slurp(path, &zlen);
    ck_assert_int_eq(tu_write_file(path, z, zlen / 2), 0);
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_gt(C->n, 10);
    ck_assert_uint_lt(C->n, 3000);
    ck_assert_int_eq(C->seq_bad, 0);
    ck_assert_uint_eq(C->nbad, 1);
    ck_assert_uint_eq(C->bad[0].line, (long)C->n + 1);
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_DAMAGED], 1);
    free(z); free(path); free(text);
}
END_TEST

START_TEST(gzip_corrupt)
{
    size_t len;
    char *text = many_lines(3000, &len);
    char *path = tu_path(TMP, "bad.jsonl.gz");
    gz_put(path, text, len);
    size_t zlen;
    char *z = slurp(path, &zlen);
    for (size_t i = zlen / 2; i < zlen / 2 + 64; i++)
        z[i] = (char)(z[i] ^ 0x5a);
    ck_assert_int_eq(tu_write_file(path, z, zlen), 0);

    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
    /* Garbage decoded before zlib noticed may have been rejected or (with
     * bad luck) read as records, but what came before it is intact, and
     * the damage itself is counted. */
    ck_assert_uint_lt(C->n, 3000);
    ck_assert_uint_gt(C->n, 10);
    for (size_t i = 0; i < 10; i++) {
        char want[32];
        snprintf(want, sizeof want, "r%zu", i + 1);
        ck_assert_str_eq(C->art[i].id, want);
    }
    ck_assert_uint_eq(ST.rejected[SPINE_REJECT_DAMAGED], 1);
    free(z); free(path); free(text);
}
END_TEST

START_TEST(gzip_members_and_trailing_bytes)
{
    /* Two members back to back (as from `cat a.gz b.gz`) read as one text;
     * zero padding after the last is ignored; anything else after it is a
     * reject on the line after the last, not a silent drop. */
    size_t len;
    char *text = many_lines(300, &len);
    size_t half = line_start(text, 151), z1, z2, b;
    unsigned char *a = gz_split(text, half, half, &z1, &b);
    unsigned char *c = gz_split(text + half, len - half, 0, &z2, &b);
    unsigned char *both = malloc(z1 + z2 + 64);
    ck_assert_ptr_nonnull(both);
    memcpy(both, a, z1);
    memcpy(both + z1, c, z2);
    memset(both + z1 + z2, 0, 64);
    char *path = tu_path(TMP, "two.jsonl.gz");

    ck_assert_int_eq(tu_write_file(path, both, z1 + z2 + 64), 0);
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
    assert_records(300);
    ck_assert_uint_eq(ST.bytes, len);
    ck_assert_uint_eq(C->nbad, 0);

    memset(C, 0, sizeof *C);
    memset(&ST, 0, sizeof ST);
    memcpy(both + z1 + z2 + 8, "junk", 4);
    ck_assert_int_eq(tu_write_file(path, both, z1 + z2 + 64), 0);
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
    assert_records(300);
    ck_assert_uint_eq(C->nbad, 1);
    assert_reject(0, SPINE_REJECT_DAMAGED, 301, "header");
    free(path); free(both); free(c); free(a); free(text);
}
END_TEST

START_TEST(read_error_is_a_reject)
{
    /* Linux's /proc/self/mem opens as a regular file, and reading its
     * first page (never mapped) fails with EIO: a read error, named and
     * counted. */
    const char *path = "/proc/self/mem";
    if (access(path, R_OK) != 0)
        return;
    ck_assert_int_eq(spine_jsonl_read(path, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 0);
    ck_assert_uint_eq(C->nbad, 1);
    assert_reject(0, SPINE_REJECT_UNREADABLE, 1, "read error at byte 0");
    ck_assert_str_eq(C->bad[0].file, path);
    ck_assert_uint_eq(ST.files, 1);
    ck_assert_uint_eq(total_rejected(), 1);

    /* Read as XML, the same: a reject, not an error left uncounted. */
    memset(C, 0, sizeof *C);
    memset(&ST, 0, sizeof ST);
    ck_assert_int_eq(spine_medquad_read(path, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(C->n, 0);
    ck_assert_uint_eq(C->nbad, 1);
    assert_reject(0, SPINE_REJECT_UNREADABLE, 0, "read error");
    ck_assert_str_eq(C->bad[0].file, path);
    ck_assert_uint_eq(total_rejected(), 1);
}
END_TEST

START_TEST(gzip_whole_is_fine)
{
    size_t len;
    char *text = many_lines(3000, &len);
    char *path = tu_path(TMP, "all.jsonl.gz");
    gz_put(path, text, len);
    C->stop_after = 0;
    ck_assert_int_eq(spine_corpus_read(path, NULL, &SINK, &ST, &ERR), 0);
    ck_assert_uint_eq(ST.articles, 3000);
    ck_assert_uint_eq(C->n, 3000);
    ck_assert_int_eq(C->seq_bad, 0);
    ck_assert_uint_eq(ST.bytes, len);
    free(path); free(text);
}
END_TEST

/* ---- the synonym and stop-word files (index time) ---------------------- */

/* The start of what the last read_words_file() stored. */
static char FIRST[64];

/* Reads text as a synonyms file (stop words when stop is 1) into fresh
 * lists; returns the code, with the error in ERR and the pairs counted in
 * *npairs. */
static int read_words_file(const char *text, size_t len, int stop,
                           size_t *npairs)
{
    char *path = tu_path(TMP, stop ? "stop.txt" : "syn.txt");
    ck_assert_int_eq(tu_write_file(path, text, len), 0);
    spine_synonyms_lists l = SPINE_SYNONYMS_LISTS_INIT;
    spine_error_clear(&ERR);
    int rc = stop ? spine_synonyms_read_stopwords(&l, path, &ERR)
                  : spine_synonyms_read_file(&l, path, &ERR);
    *npairs = stop ? l.stopwords.n : l.npairs;
    const spine_buf *b = stop ? &l.stopwords : &l.pairs;
    snprintf(FIRST, sizeof FIRST, "%.*s", (int)(b->n < 63 ? b->n : 63),
             b->p ? b->p : "");
    spine_synonyms_lists_free(&l);
    free(path);
    return rc;
}

/* Asserts ERR names TMP/name, line and holds needle. */
static void assert_error_at(const char *name, long line, const char *needle)
{
    char want[1024];
    snprintf(want, sizeof want, "%s/%s:%ld: ", TMP, name, line);
    ck_assert_msg(strncmp(ERR.msg, want, strlen(want)) == 0,
                  "error \"%s\" does not start \"%s\"", ERR.msg, want);
    ck_assert_msg(strstr(ERR.msg, needle) != NULL,
                  "error \"%s\" lacks \"%s\"", ERR.msg, needle);
}

START_TEST(synonyms_file_must_be_utf8)
{
    size_t n;
    /* Good: a mark at the start, non-ASCII letters, a comment. */
    static const char good[] = "\xef\xbb\xbf" "backache, back pain\n"
                               "# caf\xc3\xa9 is fine here\n"
                               "caf\xc3\xa9: coffee house\n";
    ck_assert_int_eq(read_words_file(good, strlen(good), 0, &n), 0);
    ck_assert_uint_gt(n, 0);
    ck_assert_str_eq(FIRST, "backache");        /* the mark left out */

    /* A Latin-1 byte, or a lone continuation byte, even in a comment. */
    static const char latin1[] = "backache, back pain\n"
                                 "caf\xe9, coffee house\n";
    ck_assert_int_eq(read_words_file(latin1, strlen(latin1), 0, &n),
                     SPINE_EPARSE);
    assert_error_at("syn.txt", 2, "invalid UTF-8 at byte offset 3");
    static const char comment[] = "a, b\n\n# \x80\n";
    ck_assert_int_eq(read_words_file(comment, strlen(comment), 0, &n),
                     SPINE_EPARSE);
    assert_error_at("syn.txt", 3, "invalid UTF-8");

    /* A NUL byte would cut the line short, dropping what follows it. */
    static const char nul[] = "kidney stones, nephrolithiasis\0, gravel\n";
    ck_assert_int_eq(read_words_file(nul, sizeof nul - 1, 0, &n),
                     SPINE_EPARSE);
    assert_error_at("syn.txt", 1, "NUL byte at byte offset 30");

    /* The stop-word file is read the same way. */
    static const char stop_good[] = "\xef\xbb\xbfwhat are the\nof\n";
    ck_assert_int_eq(read_words_file(stop_good, strlen(stop_good), 1, &n),
                     0);
    ck_assert_str_eq(FIRST, "what\nare\nthe\nof\n");
    static const char stop_bad[] = "what\nare the \xff\n";
    ck_assert_int_eq(read_words_file(stop_bad, strlen(stop_bad), 1, &n),
                     SPINE_EPARSE);
    assert_error_at("stop.txt", 2, "invalid UTF-8 at byte offset 8");
}
END_TEST

START_TEST(probe_sources)
{
    /* What the indexer checks before it begins: the same verdicts as a
     * read, without reading. */
    spine_error err;
    char *dir = tu_mkdtemp();
    char *fifo = tu_path(dir, "pipe");
    char *file = tu_path(dir, "a.jsonl");
    char *missing = tu_path(dir, "missing");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(tu_write_file(file, "{}\n", 3), 0);
    ck_assert_int_eq(spine_corpus_probe(dir, &err), SPINE_OK);
    ck_assert_int_eq(spine_corpus_probe(file, &err), SPINE_OK);
    ck_assert_int_eq(spine_corpus_probe(fifo, &err), SPINE_OK);
    ck_assert_int_eq(spine_corpus_probe("/dev/zero", &err), SPINE_EINVAL);
    ck_assert_msg(strstr(err.msg, "/dev/zero: a character device"), "%s",
                  err.msg);
    ck_assert_int_eq(spine_corpus_probe(missing, &err), SPINE_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, missing));
    ck_assert_int_eq(spine_corpus_probe(NULL, &err), SPINE_EINVAL);
    tu_rmtree(dir);
    free(fifo);
    free(file);
    free(missing);
    free(dir);
}
END_TEST

static Suite *corpus_suite(void)
{
    Suite *s = suite_create("corpus");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, medquad_tree);
    tcase_add_test(core, dispatch_directory_is_medquad);
    tcase_add_test(core, medquad_runs_are_identical);
    tcase_add_test(core, medquad_single_file);
    tcase_add_test(core, medquad_file_at_top_of_tree);
    tcase_add_test(core, jsonl_plain);
    tcase_add_test(core, jsonl_gzip);
    tcase_add_test(core, jsonl_long_lines_span_reads);
    tcase_add_test(core, byte_order_mark_is_accepted);
    tcase_add_test(core, callback_stops_the_read);
    tcase_add_test(core, reject_names);
    tcase_add_test(core, no_reject_callback);
    tcase_add_test(core, xml_dialects_are_read);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, xml_bad_files_are_skipped);
    tcase_add_test(errors, xml_no_network_no_external_entities);
    tcase_add_test(errors, xml_too_large);
    tcase_add_test(errors, xml_unreadable_entries);
    tcase_add_test(errors, missing_paths);
    tcase_add_test(errors, bad_arguments);
    tcase_add_test(errors, devices_are_refused);
    tcase_add_test(errors, pipes_are_read);
    tcase_add_test(errors, jsonl_nul_bytes);
    tcase_add_test(errors, jsonl_bad_lines_are_skipped);
    tcase_add_test(errors, jsonl_malformed_detail);
    tcase_add_test(errors, jsonl_line_over_limit);
    tcase_add_test(errors, gzip_bad_crc_keeps_every_record);
    tcase_add_test(errors, gzip_damaged_block);
    tcase_add_test(errors, gzip_truncated);
    tcase_add_test(errors, gzip_corrupt);
    tcase_add_test(errors, gzip_whole_is_fine);
    tcase_add_test(errors, read_error_is_a_reject);
    tcase_add_test(errors, gzip_members_and_trailing_bytes);
    tcase_add_test(errors, synonyms_file_must_be_utf8);
    tcase_add_test(errors, probe_sources);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    return tu_run_suite(corpus_suite());
}
