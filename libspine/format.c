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

int spine_format_text(FILE *out, const spine_results *r)
{
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
    return ferror(out) ? SPINE_EIO : SPINE_OK;
}

/* json_string() rejects invalid UTF-8 by returning NULL; our strings were
 * validated on the way in, but a null is still better than a crash. */
static json_t *str_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
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
    int rc = json_dumpf(root, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (rc != 0 || fputc('\n', out) == EOF)
        return SPINE_EIO;
    return ferror(out) ? SPINE_EIO : SPINE_OK;
}
