/*
 * spine/spine.h -- Spine's public interface: everything an outside program
 * may include, in one header.
 *
 *   spine/error.h    error codes and the caller-owned error record
 *   spine/article.h  the article, as readers hand it out
 *   spine/corpus.h   reading a corpus (MedQuAD XML, JSON Lines)
 *   spine/index.h    building an index, atomically
 *   spine/search.h   searching an index
 *   spine/format.h   printing results as text or JSON
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_SPINE_H
#define SPINE_SPINE_H

#include "spine/error.h"
#include "spine/article.h"
#include "spine/corpus.h"
#include "spine/index.h"
#include "spine/search.h"
#include "spine/format.h"

#endif /* SPINE_SPINE_H */
