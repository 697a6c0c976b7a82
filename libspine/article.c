/*
 * article.c -- helpers on the article view.
 */
#include <string.h>

#include "spine/article.h"

size_t spine_article_text_bytes(const spine_article *a)
{
    size_t n = a->title ? strlen(a->title) : 0;
    for (size_t i = 0; i < a->nsections; i++) {
        const spine_section *s = &a->sections[i];
        n += (s->question ? strlen(s->question) : 0)
           + (s->answer ? strlen(s->answer) : 0);
    }
    return n;
}
