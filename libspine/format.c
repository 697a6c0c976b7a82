/*
 * format.c -- results as text for people and as JSON (jansson) for
 * programs.
 */
#include <jansson.h>

#include <string.h>

#include "spine/format.h"
#include "spine/error.h"
#include "util.h"

int spine_format_escaped(FILE *out, const char *s)
{
    size_t left = strlen(s);
    while (left) {
        size_t n = spine_control_len(s, left) ? 0 : spine_utf8_len(s, left);
        if (n) {
            fwrite(s, 1, n, out);
        } else {
            fprintf(out, "\\x%02x", (unsigned char)*s);
            n = 1;
        }
        s += n;
        left -= n;
    }
    return ferror(out) ? SPINE_EIO : SPINE_OK;
}

int spine_format_count(FILE *out, const spine_results *r)
{
    const char *about = r->lower == r->upper ? "" : "about ";
    const char *noun = r->estimated == 1 ? "article" : "articles";
    if (r->nhits == 0 && r->estimated == 0)
        return SPINE_OK;
    if (r->nhits == 0)
        fprintf(out, "%s%lu %s\n", about, r->estimated, noun);
    else if (r->nhits == 1)
        fprintf(out, "%u of %s%lu %s\n", r->hits[0].rank, about,
                r->estimated, noun);
    else
        fprintf(out, "%u-%u of %s%lu %s\n", r->hits[0].rank,
                r->hits[r->nhits - 1].rank, about, r->estimated, noun);
    if (r->facets) {
        fputs("By source:", out);
        for (size_t i = 0; i < r->nfacets; i++) {
            fputc(' ', out);
            if (*r->facets[i].source)
                spine_format_escaped(out, r->facets[i].source);
            else
                fputs("(no source)", out);
            fprintf(out, " %lu%s", r->facets[i].count,
                    i + 1 < r->nfacets ? "," : "");
        }
        fputc('\n', out);
    }
    return ferror(out) ? SPINE_EIO : SPINE_OK;
}

/* The "See also" block of spine_format_text(), when r has entries: a
 * line each, "  TITLE [SOURCE]: QUERY is a FIELD". */
static void see_also_text(FILE *out, const spine_results *r)
{
    const char *q = r->auto_corrected && r->corrected ? r->corrected
                                                      : r->query;
    if (r->nsee_also == 0)
        return;
    fputs("See also:\n", out);
    for (size_t i = 0; i < r->nsee_also; i++) {
        const spine_see_also *e = &r->see_also[i];
        fputs("  ", out);
        spine_format_escaped(out, *e->title ? e->title : e->id);
        if (*e->source) {
            fputs(" [", out);
            spine_format_escaped(out, e->source);
            fputc(']', out);
        }
        fputs(": ", out);
        spine_format_escaped(out, q ? q : "");
        fprintf(out, " is a %s\n", e->field);
    }
    fputc('\n', out);
}

int spine_format_text(FILE *out, const spine_results *r)
{
    if (r->nmissing) {
        fputs("Incomplete: no answer from shard", out);
        fputs(r->nmissing > 1 ? "s" : "", out);
        for (size_t i = 0; i < r->nmissing; i++) {
            fputs(i ? ", " : " ", out);
            spine_format_escaped(out, r->missing[i]);
        }
        fputs("; these results are from the others\n\n", out);
    }
    if (r->corrected && r->auto_corrected) {
        fputs("Showing results for: ", out);
        spine_format_escaped(out, r->corrected);
        fputs(" (search instead for: ", out);
        spine_format_escaped(out, r->query);
        fputs(" with --exact)\n\n", out);
    } else if (r->corrected) {
        fputs("Did you mean: ", out);
        spine_format_escaped(out, r->corrected);
        fputs("?\n\n", out);
    }
    if (r->nhits) {
        spine_format_count(out, r);
        fputc('\n', out);
    }
    for (size_t i = 0; i < r->nhits; i++) {
        const spine_hit *h = &r->hits[i];
        fprintf(out, "%u. ", h->rank);
        spine_format_escaped(out, *h->title ? h->title : h->id);
        if (*h->source) {
            fputs(" [", out);
            spine_format_escaped(out, h->source);
            fputc(']', out);
        }
        fputc('\n', out);
        if (*h->url) {
            fputs("   ", out);
            spine_format_escaped(out, h->url);
            fputc('\n', out);
        }
        /* The snippet comes with the caller's highlight markers, which may
         * be escape sequences; the library has made its text safe. */
        if (h->snippet && *h->snippet)
            fprintf(out, "   %s\n", h->snippet);
        if (h->explain) {
            fputs("   why:", out);
            for (size_t k = 0; k < h->nexplain; k++) {
                fputc(' ', out);
                spine_format_escaped(out, h->explain[k].term);
                fprintf(out, " %.2f (%lu docs)%s", h->explain[k].weight,
                        h->explain[k].docs, k + 1 < h->nexplain ? "," : "");
            }
            fputc('\n', out);
        }
        fputc('\n', out);
    }
    see_also_text(out, r);
    return ferror(out) ? SPINE_EIO : SPINE_OK;
}

/* json_string() rejects invalid UTF-8 by returning NULL; our strings were
 * validated on the way in, but a null is still better than a crash. */
static json_t *str_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

/* Writes root (whose reference it takes) as one compact line. */
static int dump_line(FILE *out, json_t *root)
{
    int rc = json_dumpf(root, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (rc != 0 || fputc('\n', out) == EOF)
        return SPINE_EIO;
    return ferror(out) ? SPINE_EIO : SPINE_OK;
}

/* v[0..n) as [{"source":..,"count":N},...]. */
static json_t *source_counts(const spine_source_count *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "source", str_or_null(v[i].source));
        json_object_set_new(o, "count", json_integer((json_int_t)v[i].count));
        json_array_append_new(a, o);
    }
    return a;
}

int spine_format_json(FILE *out, const spine_results *r, unsigned offset)
{
    json_t *root = json_object();
    json_t *hits = json_array();
    json_object_set_new(root, "query", str_or_null(r->query));
    json_object_set_new(root, "corrected", str_or_null(r->corrected));
    json_object_set_new(root, "auto_corrected",
                        json_boolean(r->auto_corrected));
    json_object_set_new(root, "estimated", json_integer((json_int_t)r->estimated));
    json_object_set_new(root, "over_budget", json_boolean(r->over_budget));
    json_object_set_new(root, "offset", json_integer(offset));
    if (r->nmissing) {
        json_t *missing = json_array();
        for (size_t i = 0; i < r->nmissing; i++)
            json_array_append_new(missing, str_or_null(r->missing[i]));
        json_object_set_new(root, "incomplete", json_true());
        json_object_set_new(root, "missing_shards", missing);
    }
    for (size_t i = 0; i < r->nhits; i++) {
        const spine_hit *h = &r->hits[i];
        json_t *o = json_object();
        json_object_set_new(o, "rank", json_integer(h->rank));
        json_object_set_new(o, "id", str_or_null(h->id));
        json_object_set_new(o, "score", json_real(h->score));
        json_object_set_new(o, "title", str_or_null(h->title));
        json_object_set_new(o, "source", str_or_null(h->source));
        json_object_set_new(o, "url", str_or_null(h->url));
        json_object_set_new(o, "snippet", str_or_null(h->snippet));
        json_object_set_new(o, "section", str_or_null(h->section));
        if (h->explain) {
            json_t *ex = json_array();
            for (size_t k = 0; k < h->nexplain; k++) {
                json_t *t = json_object();
                json_object_set_new(t, "term",
                                    str_or_null(h->explain[k].term));
                json_object_set_new(t, "weight",
                                    json_real(h->explain[k].weight));
                json_object_set_new(t, "docs", json_integer(
                                    (json_int_t)h->explain[k].docs));
                json_array_append_new(ex, t);
            }
            json_object_set_new(o, "explain", ex);
        }
        json_array_append_new(hits, o);
    }
    json_object_set_new(root, "hits", hits);
    if (r->facets)
        json_object_set_new(root, "facets",
                            source_counts(r->facets, r->nfacets));
    if (r->see_also) {
        json_t *see = json_array();
        for (size_t i = 0; i < r->nsee_also; i++) {
            const spine_see_also *e = &r->see_also[i];
            json_t *o = json_object();
            json_object_set_new(o, "id", str_or_null(e->id));
            json_object_set_new(o, "title", str_or_null(e->title));
            json_object_set_new(o, "source", str_or_null(e->source));
            json_object_set_new(o, "url", str_or_null(e->url));
            json_object_set_new(o, "field", str_or_null(e->field));
            json_object_set_new(o, "score", json_real(e->score));
            json_array_append_new(see, o);
        }
        json_object_set_new(root, "see_also", see);
    }
    return dump_line(out, root);
}

int spine_format_json_error(FILE *out, const char *query, const char *msg)
{
    json_t *root = json_object();
    json_object_set_new(root, "query", str_or_null(query));
    json_object_set_new(root, "error", str_or_null(msg));
    json_object_set_new(root, "hits", json_array());
    return dump_line(out, root);
}

int spine_format_sources_text(FILE *out, const spine_source_count *v,
                              size_t n)
{
    unsigned long total = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%8lu  ", v[i].count);
        if (*v[i].source)
            spine_format_escaped(out, v[i].source);
        else
            fputs("(no source)", out);
        fputc('\n', out);
        total += v[i].count;
    }
    fprintf(out, "%8lu  articles in all\n", total);
    return ferror(out) ? SPINE_EIO : SPINE_OK;
}

int spine_format_sources_json(FILE *out, const spine_source_count *v,
                              size_t n)
{
    json_t *root = json_object();
    unsigned long total = 0;
    for (size_t i = 0; i < n; i++)
        total += v[i].count;
    json_object_set_new(root, "articles", json_integer((json_int_t)total));
    json_object_set_new(root, "sources", source_counts(v, n));
    return dump_line(out, root);
}
