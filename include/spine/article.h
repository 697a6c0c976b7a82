/*
 * spine/article.h -- the article, Spine's unit of a search result.
 *
 * An article has an id unique within a corpus, a title, an optional URL and
 * source (the publishing site: NIDDK, GARD, ...), and one or more sections.
 * A MedQuAD article's sections are its question/answer pairs; a JSON Lines
 * article has one section holding its body.
 *
 * spine_article is a plain view: it owns nothing.  Whoever hands one out says
 * how long its strings live (readers: for the duration of the callback).
 * All strings are NUL-terminated UTF-8.
 */
#ifndef SPINE_ARTICLE_H
#define SPINE_ARTICLE_H

#include <stddef.h>

typedef struct spine_section {
    const char *pid;       /* section id within the article ("1"), or "" */
    const char *question;  /* heading or question, "" when none */
    const char *answer;    /* body text; never empty in an indexed article */
    const char *type;      /* what the section tells ("symptoms", "causes",
                              "complications", ...: MedQuAD's qtype), ""
                              or NULL when unknown.  Indexed (the words of
                              some types also under fields of their own,
                              schema.h), not stored: an article read back
                              from an index has "" */
} spine_section;

typedef struct spine_article {
    const char *id;        /* unique id, e.g. "5_NIDDK_QA/0000001" */
    const char *title;     /* title ("" when unknown) */
    const char *url;       /* "" when unknown */
    const char *source;    /* "" when unknown */
    const spine_section *sections;
    size_t nsections;
} spine_article;

/* Returns the number of bytes of text in a's title and sections. */
size_t spine_article_text_bytes(const spine_article *a);

#endif /* SPINE_ARTICLE_H */
