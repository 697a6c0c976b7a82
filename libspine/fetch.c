/*
 * fetch.c -- one stored article, whole, by its id (spine_article_get):
 * what a reader opens after picking a hit.  The id term finds the
 * document as spine_related() finds it; the record decodes as a hit's
 * does, checksums and all.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <stdlib.h>

#include "schema.h"
#include "search_int.h"
#include "store.h"
#include "util.h"

int spine_searcher_find(spine_searcher *s, const char *id, spine_buf *idterm,
                        xapian_docid *did, spine_error *err)
{
    xapian_error xe;
    spine_buf_puts(idterm, SPINE_PREFIX_ID);
    spine_buf_puts(idterm, id);
    *did = 0;
    if (xapian_database_find_docid(did, s->db, idterm->p, idterm->n, &xe))
        return spine_searcher_xapian_error(err, s, &xe);
    if (*did == 0)
        return spine_error_set(err, SPINE_ENOTFOUND, "no article with id "
                               "'%s' in %s", id, s->dir);
    return 0;
}

int spine_article_get(spine_article **out, spine_searcher *s, const char *id,
                      spine_error *err)
{
    xapian_document *doc = NULL;
    spine_record *rec = NULL;
    spine_buf idterm = SPINE_BUF_INIT;
    xapian_docid did = 0;
    xapian_error xe;
    const char *data;
    size_t len;
    int rc;

    *out = NULL;
    spine_searcher_refresh(s);
    rc = spine_searcher_find(s, id, &idterm, &did, err);
    if (rc != 0)
        goto done;
    rc = xapian_database_get_document(&doc, s->db, did, &xe);
    if (rc == 0)
        rc = xapian_document_get_data(&data, &len, doc, &xe);
    if (rc != 0) {
        rc = spine_searcher_xapian_error(err, s, &xe);
        goto done;
    }
    spine_error why;
    rc = spine_store_decode(&rec, data, len, &why);
    if (rc != 0) {
        spine_searcher_record_error(err, s, doc, rc, &why);
        goto done;
    }
    /* The article is the record's first member: spine_article_free()
     * finds the record again from it. */
    *out = &rec->article;

done:
    xapian_document_free(doc);
    spine_buf_free(&idterm);
    return rc;
}

void spine_article_free(spine_article *a)
{
    spine_record_free((spine_record *)a);
}
