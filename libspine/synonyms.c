/*
 * synonyms.c -- the synonym table, from file to query (synonyms.h): the
 * synonym and stop-word files read for the indexer, and the table's words
 * read back once per searcher for its synonym gate and its speller.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "schema.h"
#include "synonyms.h"
#include "xerror.h"

/* Size of the synonym gate's prefix filter (spine_synonyms.stem_prefixes):
 * a few hundred prefixes leave a probe a false positive about 1% of the
 * time, which only costs a stemming. */
#define STEM_PREFIX_BITS 16384

/* ---- index time: the synonym and stop-word files ---------------------- */

/* Reads line lineno of f, the file at path, into *line, with a '#'
 * comment cut off (and, on line 1, a UTF-8 byte order mark).  The whole
 * line, comment included, must be UTF-8 without NUL bytes: a NUL would
 * cut it short in silence, and invalid bytes would pass for letters.
 * Returns 1, 0 at the end of the file, or SPINE_EPARSE (invalid text) or
 * SPINE_EIO (a read error) with err naming the file and line. */
static int next_line(FILE *f, const char *path, long lineno, char **line,
                     size_t *cap, spine_error *err)
{
    errno = 0;
    ssize_t n = getline(line, cap, f);
    if (n < 0) {
        if (ferror(f))
            return spine_error_set(err, SPINE_EIO, "%s:%ld: read error: %s",
                                   path, lineno,
                                   strerror(errno ? errno : EIO));
        return 0;
    }
    char *s = *line;
    if (lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
        memmove(s, s + 3, (size_t)n - 2);       /* with the final NUL */
        n -= 3;
    }
    size_t bad;
    if (!spine_utf8_valid(s, (size_t)n, &bad))
        return spine_error_set(err, SPINE_EPARSE, "%s:%ld: %s at byte "
                               "offset %zu", path, lineno,
                               s[bad] == '\0' ? "NUL byte" : "invalid UTF-8",
                               bad);
    char *hash = strchr(s, '#');
    if (hash)
        *hash = '\0';
    return 1;
}

/* Normalises the phrase p[0..n) into out: words folded as the indexer
 * folds text (fold.h: the table's terms are the index's, "Ménière" is
 * "meniere"), lower-cased and joined by single spaces.  Returns the number
 * of words, or -1 for a character other than a letter, digit or space. */
static int phrase_words(spine_buf *out, const char *p, size_t n)
{
    int words = 0, in_word = 0;
    spine_buf folded = SPINE_BUF_INIT;
    p = spine_fold(&folded, p, n, &n, 0);
    spine_buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (isspace(c)) {
            in_word = 0;
            continue;
        }
        if (!isalnum(c) && c < 0x80) {
            words = -1;
            break;
        }
        if (!in_word) {
            if (words)
                spine_buf_append(out, " ", 1);
            words++;
            in_word = 1;
        }
        char lc = (char)tolower(c);
        spine_buf_append(out, &lc, 1);
    }
    spine_buf_free(&folded);
    return words;
}

static void add_pair(spine_synonyms_lists *l, const char *key, size_t klen,
                     const char *val, size_t vlen)
{
    spine_buf_append(&l->pairs, key, klen);
    spine_buf_append(&l->pairs, "", 1);
    spine_buf_append(&l->pairs, val, vlen);
    spine_buf_append(&l->pairs, "", 1);
    l->npairs++;
}

/* Records that phrase key (normalised) finds phrase val: under each of
 * key's lookup forms (see spine/index.h), one synonym, val's words as
 * stemmed terms joined by spaces ("Zsciatic Znerv Zpain"), which a query
 * matches as the AND of its terms (spine_query_weigh_synonyms()).  One
 * string rather than one synonym a word: a multi-word synonym kept whole
 * is as specific as its words together, where its words one by one would
 * each find every article that uses them ("pain"). */
static int add_synonym(spine_synonyms_lists *l, xapian_stem *stem,
                       const char *key, const char *val, xapian_error *xe)
{
    /* One pass for the body ("" / "Z"), one for the title ("S" / "ZS"). */
    static const char *const field[2] = { "", SPINE_PREFIX_TITLE };
    int one_word = strchr(key, ' ') == NULL;
    spine_buf k = SPINE_BUF_INIT, v = SPINE_BUF_INIT;
    int rc = 0;
    for (int f = 0; f < (one_word ? 2 : 1) && rc == 0; f++) {
        /* The lookup keys: the phrase as typed, and a word's stem. */
        char *kstem = NULL;
        if (one_word)
            rc = xapian_stem_word(&kstem, stem, key, strlen(key), xe);
        spine_buf_reset(&v);
        for (const char *w = val; rc == 0 && *w; ) {
            size_t n = strcspn(w, " ");
            char *vstem = NULL;
            rc = xapian_stem_word(&vstem, stem, w, n, xe);
            if (rc == 0)
                spine_buf_printf(&v, "%sZ%s%s", v.n ? " " : "", field[f],
                                 vstem);
            free(vstem);
            w += n;
            w += strspn(w, " ");
        }
        if (rc == 0) {
            spine_buf_reset(&k);
            spine_buf_printf(&k, "%s%s", field[f], key);
            add_pair(l, k.p, k.n, v.p, v.n);
            if (kstem) {
                spine_buf_reset(&k);
                spine_buf_printf(&k, "Z%s%s", field[f], kstem);
                add_pair(l, k.p, k.n, v.p, v.n);
            }
        }
        free(kstem);
    }
    spine_buf_free(&k);
    spine_buf_free(&v);
    return rc;
}

/* Splits s at commas into normalised phrases appended to *list ("a\0b\0").
 * Returns the number of phrases, or -1 for an empty or bad one. */
static int phrase_list(spine_buf *list, const char *s)
{
    spine_buf one = SPINE_BUF_INIT;
    int n = 0;
    for (;;) {
        size_t len = strcspn(s, ",");
        int words = phrase_words(&one, s, len);
        if (words <= 0) {
            n = -1;
            break;
        }
        spine_buf_append(list, one.p, one.n);
        spine_buf_append(list, "", 1);
        n++;
        if (!s[len])
            break;
        s += len + 1;
    }
    spine_buf_free(&one);
    return n;
}

int spine_synonyms_read_file(spine_synonyms_lists *l, const char *path,
                             spine_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return spine_error_set(err, SPINE_EIO, "cannot read synonyms %s: %s",
                               path, strerror(errno));
    xapian_stem *stem = NULL;
    xapian_error xe;
    spine_buf keys = SPINE_BUF_INIT, vals = SPINE_BUF_INIT;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = xapian_stem_new(&stem, SPINE_STEM_LANGUAGE, &xe);
    if (rc != 0)
        rc = spine_error_from_xapian(err, &xe, path);
    while (rc == 0
           && (rc = next_line(f, path, lineno + 1, &line, &cap, err)) > 0) {
        rc = 0;
        lineno++;
        char *colon = strchr(line, ':');
        spine_buf_reset(&keys);
        spine_buf_reset(&vals);
        if (strspn(line, " \t\r\n") == strlen(line))
            continue;                                   /* blank */
        int nk, nv;
        if (colon) {
            *colon = '\0';
            nk = phrase_list(&keys, line);
            nv = phrase_list(&vals, colon + 1);
            if (nk != 1 || nv < 1) {
                rc = spine_error_set(err, SPINE_EPARSE, "%s:%ld: want "
                                     "'term: synonym, synonym...' (words of "
                                     "letters and digits)", path, lineno);
                break;
            }
        } else {
            nk = phrase_list(&keys, line);
            if (nk < 2) {
                rc = spine_error_set(err, SPINE_EPARSE, "%s:%ld: want two "
                                     "or more comma-separated phrases of "
                                     "letters and digits, or 'term: "
                                     "synonym, ...'", path, lineno);
                break;
            }
            spine_buf_append(&vals, keys.p, keys.n);
            nv = nk;
        }
        /* Every key finds every value other than itself. */
        for (const char *k = keys.p; rc == 0 && k < keys.p + keys.n;
             k += strlen(k) + 1)
            for (const char *v = vals.p; rc == 0 && v < vals.p + vals.n;
                 v += strlen(v) + 1)
                if (strcmp(k, v) != 0)
                    rc = add_synonym(l, stem, k, v, &xe);
        if (rc != 0)
            rc = spine_error_from_xapian(err, &xe, path);
    }
    free(line);
    spine_buf_free(&keys);
    spine_buf_free(&vals);
    xapian_stem_free(stem);
    fclose(f);
    return rc;
}

int spine_synonyms_read_stopwords(spine_synonyms_lists *l, const char *path,
                                  spine_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return spine_error_set(err, SPINE_EIO, "cannot read stop words %s: "
                               "%s", path, strerror(errno));
    spine_buf word = SPINE_BUF_INIT;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = 0;
    while (rc == 0
           && (rc = next_line(f, path, lineno + 1, &line, &cap, err)) > 0) {
        rc = 0;
        lineno++;
        for (char *p = line; *p; ) {
            size_t n = strcspn(p, " \t\r\n");
            if (n && phrase_words(&word, p, n) != 1) {
                rc = spine_error_set(err, SPINE_EPARSE, "%s:%ld: '%.*s' is "
                                     "not a word of letters and digits",
                                     path, lineno, (int)n, p);
                break;
            }
            if (n) {
                spine_buf_append(&l->stopwords, word.p, word.n);
                spine_buf_append(&l->stopwords, "\n", 1);
            }
            p += n;
            p += strspn(p, " \t\r\n");
        }
    }
    free(line);
    spine_buf_free(&word);
    fclose(f);
    return rc;
}

int spine_synonyms_store(xapian_writable_database *db,
                         const spine_synonyms_lists *l, xapian_error *xe)
{
    int rc = 0;
    const char *p = l->pairs.p, *end = p + l->pairs.n;
    while (rc == 0 && p && p < end) {
        const char *key = p, *val = key + strlen(key) + 1;
        rc = xapian_writable_database_add_synonym(db, key, strlen(key),
                                                  val, strlen(val), xe);
        p = val + strlen(val) + 1;
    }
    if (rc == 0 && l->stopwords.n)
        rc = xapian_writable_database_set_metadata(
            db, SPINE_META_STOPWORDS, strlen(SPINE_META_STOPWORDS),
            l->stopwords.p, l->stopwords.n, xe);
    return rc;
}

void spine_synonyms_lists_free(spine_synonyms_lists *l)
{
    spine_buf_free(&l->pairs);
    spine_buf_free(&l->stopwords);
    l->npairs = 0;
}

/* ---- query time: the table's words ------------------------------------ */

struct spine_synonyms {
    /* The synonym gate's: the first word of every key, in all its forms. */
    char *firstbuf;                 /* the table's keys, cut up */
    const char **first;             /* their first words: a hash set of
                                       nfirst slots (load_first_words) */
    size_t nfirst;
    /* Bit (hash & (STEM_PREFIX_BITS - 1)) set for each first word less its
     * last letter: what a word must begin with to stem to it
     * (may_stem_to_synonym). */
    unsigned char stem_prefixes[STEM_PREFIX_BITS / 8];
    /* The speller's: every word of the plain keys. */
    char *wordbuf;                  /* the table's keys again */
    const char **words;             /* their words, sorted (into wordbuf) */
    size_t nwords;
};

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}

static int cmp_word(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Collects the words of the synonym table's plain keys ("heart attack",
 * "backache"; not the stemmed or title forms, which start with a capital)
 * from keys, its nkeys keys (copied into syn->wordbuf), into syn->words,
 * sorted: a word there is known even when no article uses it ("myocardial"
 * finds the heart attack articles through "myocardial infarction"), so
 * spelling must leave it alone. */
static void load_key_words(spine_synonyms *syn, const char *keys,
                           size_t nkeys)
{
    size_t bytes = 0;
    for (size_t i = 0; i < nkeys; i++)
        bytes += strlen(keys + bytes) + 1;
    syn->wordbuf = spine_malloc(bytes ? bytes : 1);
    if (bytes)
        memcpy(syn->wordbuf, keys, bytes);
    size_t cap = 0;
    char *k = syn->wordbuf;
    for (size_t i = 0; i < nkeys; i++) {
        size_t len = strlen(k);
        char *next = k + len + 1;
        if (!(k[0] >= 'A' && k[0] <= 'Z')) {
            char *save = NULL;
            for (char *w = strtok_r(k, " ", &save); w;
                 w = strtok_r(NULL, " ", &save)) {
                if (syn->nwords == cap) {
                    cap = cap ? 2 * cap : 64;
                    syn->words = spine_realloc(syn->words,
                                               cap * sizeof *syn->words);
                }
                syn->words[syn->nwords++] = w;
            }
        }
        k = next;
    }
    if (syn->nwords)
        qsort(syn->words, syn->nwords, sizeof *syn->words, cmp_word);
}

/* The slot of syn->first, an open-addressing hash set (NULL: a free slot),
 * that holds w, or else the free slot where w belongs. */
static size_t synonym_slot(const spine_synonyms *syn, const char *w)
{
    size_t mask = syn->nfirst - 1;
    size_t i = spine_fnv1a(SPINE_FNV1A_INIT, w, strlen(w)) & mask;
    while (syn->first[i] && strcmp(syn->first[i], w) != 0)
        i = (i + 1) & mask;
    return i;
}

static int is_synonym_word(const spine_synonyms *syn, const char *w)
{
    return syn->nfirst && syn->first[synonym_slot(syn, w)];
}

/* Collects into syn->first the first word (run of letters and digits) of
 * each of the nkeys keys of the synonym table (syn->firstbuf, cut in
 * place), in all their forms -- as typed ("heart attack"), stemmed
 * ("Zkidney"), for the title ("Skidney", "ZSkidney") -- with the capitals
 * of the prefixes dropped.  Only a key's first word can start a match:
 * Xapian's parser looks a word up as typed, then by its stem, and a run of
 * words by the words as typed from the first (queryparser.lemony). */
static void load_first_words(spine_synonyms *syn, size_t nkeys)
{
    size_t bytes = 0, slots = 16;
    for (size_t i = 0; i < nkeys; i++)
        bytes += strlen(syn->firstbuf + bytes) + 1;
    while (slots < bytes)           /* at least twice the runs */
        slots *= 2;
    if (nkeys == 0)
        return;
    syn->first = spine_calloc(slots, sizeof *syn->first);
    syn->nfirst = slots;
    char *k = syn->firstbuf;
    for (size_t i = 0; i < nkeys; i++) {
        char *end = k + strlen(k);
        while (*k >= 'A' && *k <= 'Z')
            k++;
        /* Cut the key's first word out, in place. */
        char *p = k;
        while (p < end && !is_alnum(*p))
            p++;
        if (p < end) {
            const char *run = p;
            while (is_alnum(*p))
                p++;
            *p = '\0';
            syn->first[synonym_slot(syn, run)] = run;
            /* A one-letter word stems from words of any first letter:
             * the empty prefix, every bit. */
            size_t n = (size_t)(p - run);
            if (n <= 1)
                memset(syn->stem_prefixes, 0xFF, sizeof syn->stem_prefixes);
            else {
                uint32_t h = spine_fnv1a(SPINE_FNV1A_INIT, run, n - 1)
                             & (STEM_PREFIX_BITS - 1);
                syn->stem_prefixes[h / 8] |= (unsigned char)(1u << (h % 8));
            }
        }
        k = end + 1;
    }
}

int spine_synonyms_open(spine_synonyms **out, const xapian_database *db,
                        xapian_error *xe)
{
    spine_synonyms *syn = spine_calloc(1, sizeof *syn);
    size_t nkeys = 0;
    *out = NULL;
    int rc = xapian_database_synonym_keys(&syn->firstbuf, &nkeys, db, xe);
    if (rc != 0) {
        spine_synonyms_free(syn);
        return rc;
    }
    /* The speller's copy first: the gate's set cuts the keys in place. */
    load_key_words(syn, syn->firstbuf, nkeys);
    load_first_words(syn, nkeys);
    *out = syn;
    return 0;
}

void spine_synonyms_free(spine_synonyms *syn)
{
    if (!syn)
        return;
    free(syn->first);
    free(syn->firstbuf);
    free(syn->words);
    free(syn->wordbuf);
    free(syn);
}

/* Could English stemming turn word (lower case, n letters and digits) into
 * a synonym word?  Snowball's English stemmer (Porter2) only rewrites the
 * end of a word: what it keeps is a prefix of the word, to which it may
 * change or add one last letter (happy -> happi, hoping -> hope).  So a
 * stem s can come only from words that begin with s less its last letter
 * -- except for three irregular forms its algorithm lists, dying, lying
 * and tying (die, lie, tie), which are always stemmed.  Returns 0 only
 * when no prefix of word is in syn->stem_prefixes: then its stem, whatever
 * it is, is no synonym word, and stemming it can be skipped. */
static int may_stem_to_synonym(const spine_synonyms *syn, const char *word,
                               size_t n)
{
    static const char *const irregular[] = { "dying", "lying", "tying" };
    for (size_t i = 0; i < sizeof irregular / sizeof *irregular; i++)
        if (n == 5 && memcmp(word, irregular[i], 5) == 0)
            return 1;
    uint32_t h = SPINE_FNV1A_INIT;
    for (size_t i = 0; i < n; i++) {
        h = spine_fnv1a(h, word + i, 1);
        uint32_t b = h & (STEM_PREFIX_BITS - 1);
        if (syn->stem_prefixes[b / 8] & (1u << (b % 8)))
            return 1;
    }
    return 0;
}

int spine_synonyms_may_match(int *out, const spine_synonyms *syn,
                             const xapian_stem *stem, const char *text,
                             xapian_error *xe)
{
    char word[64];
    *out = 0;
    if (syn->nfirst == 0)
        return 0;                   /* an index without synonyms */
    *out = 1;
    for (const char *p = text; *p; p++)
        if ((unsigned char)*p >= 0x80
            || (*p == '.' && p > text && is_alnum(p[-1]) && is_alnum(p[1])))
            return 0;
    *out = 0;
    for (const char *p = text; *p && !*out; ) {
        while (*p && !is_alnum(*p))
            p++;
        size_t n = 0;
        while (is_alnum(p[n]))
            n++;
        if (n == 0)
            break;
        if (n >= sizeof word) {
            *out = 1;                 /* too long to look at: may */
            break;
        }
        for (size_t i = 0; i < n; i++)
            word[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
        word[n] = '\0';
        p += n;
        *out = is_synonym_word(syn, word);
        if (!*out && may_stem_to_synonym(syn, word, n)) {
            char *stemmed = NULL;
            int rc = xapian_stem_word(&stemmed, stem, word, n, xe);
            if (rc != 0)
                return rc;
            *out = is_synonym_word(syn, stemmed);
            free(stemmed);
        }
    }
    return 0;
}

int spine_synonyms_has_key_word(const spine_synonyms *syn, const char *word)
{
    const char *key = word;
    return syn && syn->nwords
           && bsearch(&key, syn->words, syn->nwords, sizeof *syn->words,
                      cmp_word) != NULL;
}
