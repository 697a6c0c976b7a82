/*
 * schema.h -- how an article maps onto a Xapian document.  The indexer and
 * the searcher both follow this table; change it and old indexes must be
 * rebuilt (SPINE_SCHEMA_VERSION is stored in the index metadata).
 */
#ifndef SPINE_SCHEMA_H
#define SPINE_SCHEMA_H

/* 3: terms, pair sets and synonyms are made from folded text (fold.h:
 * accents and case are no part of a term). */
/* 4: title-field terms (SPINE_PREFIX_TITLE) are weighed by their share of
 * the title (SPINE_TITLE_NORM), not by the article's length. */
#define SPINE_SCHEMA_VERSION  "4"
#define SPINE_META_SCHEMA     "spine.schema"    /* metadata key */
/* The query stop words the index was built with (corpus/stopwords.txt by
 * default), one per line; the searcher's query parser drops them. */
#define SPINE_META_STOPWORDS  "spine.stopwords"
/* "1" when the index has a spelling dictionary (spine-index without
 * --no-spelling, and any words): without the key, a searcher cannot tell
 * a dictionary never built from one whose table was removed. */
#define SPINE_META_SPELLING   "spine.spelling"
/* Written by every update (update.c): the Xapian revision (decimal) of the
 * generation's heads file, whose entries the update kept true (heads.h). */
#define SPINE_META_HEADS_BASE "spine.heads.base"
/* Written by every update: a token of its own (time, process, revision),
 * by which a commit that reported a failure is found to be in or not. */
#define SPINE_META_CHANGE     "spine.change"
/* In a shard set's lexicon: the SPINE_META_CHANGE of each shard, a line
 * each, as the last change that committed the lexicon left them (update.c):
 * its spelling dictionary is of the shards as they were then. */
#define SPINE_META_SHARDS     "spine.shards"

#define SPINE_PREFIX_ID       "Q"    /* unique id term: "Q" + article id */
#define SPINE_PREFIX_TITLE    "S"    /* title words, for title: queries */
#define SPINE_PREFIX_SOURCE   "XS"   /* boolean source filter, lower case */
/* "See also" (seealso.h): the answer words of a section of type
 * (spine_section.type) "symptoms", "causes" or "complications" are also
 * indexed under a field of that type, stemmed as the body is ("Z" + prefix
 * + stem, and the word unstemmed), without positions, for the query
 * language's symptom:, cause: and complication:.  Prefixes of two capitals
 * that start neither "XS" (source) nor "Q", "S" or "Z". */
#define SPINE_PREFIX_SYMPTOM      "XY"
#define SPINE_PREFIX_CAUSE        "XU"
#define SPINE_PREFIX_COMPLICATION "XK"
/* Their length normalisation: a typed field's words count as body words
 * do (schema 2, below), in a "document" of the field's words in the
 * article (all its sections of the type) against a mean length of
 * SPINE_TYPED_AVLEN words, fixed as the field's wdf unit is set before the
 * index's articles are known.  So a word among the 1,500 of a rare
 * syndrome's list of phenotype terms counts a tenth of one in a
 * 100-word account of a condition's symptoms.  MedQuAD's typed fields
 * (1-9_*) have median lengths of 273 words (symptoms, 2,700 articles), 125
 * (causes, 667) and 184 (complications, 43).  On the judged see-also set
 * (benchmarks/medquad-seealso-*, 864b140; recall@10 of conditions graded
 * 1 and 2 / of those graded 2) 100 scored 0.814 / 0.705, 250 0.805 /
 * 0.668, 1000 0.791 / 0.668: the stronger normalisation does better. */
#define SPINE_TYPED_AVLEN         100

#define SPINE_SLOT_ID         0      /* value slot holding the article id */
/* The article's pair set (phrase.h), in an index without positions: lets
 * a quoted phrase rule articles out without reading them.  An index
 * without it (built before) still answers, reading every candidate. */
#define SPINE_SLOT_PAIRS      1
/* A copy of the head of the article's stored record (header and fields,
 * store.h), a few hundred bytes: the indexer writes the heads file
 * (heads.h) from it, and a hit listed without a snippet is read from here
 * when there is no heads file (remote shards), instead of from its whole
 * record, which Xapian copies twice in full (tens of KB for a long
 * article). */
#define SPINE_SLOT_HEAD       2
/* The condition an article is about, for collapsing one condition's
 * articles from several sources into one "see also" entry (seealso.h):
 * its title folded, lower-cased and stemmed, words joined by one space
 * ("kidney stone" for "Kidney Stones").  Empty for an untitled article. */
#define SPINE_SLOT_CONDITION  3

/* Title words are also indexed unprefixed with this wdf boost, so that an
 * article whose title matches ranks above one that merely mentions it. */
#define SPINE_TITLE_WDF       4
/* The title field's own length normalisation: a word's normalised
 * frequency in the title-field terms is SPINE_TITLE_NORM times its share
 * of the title's words (document.h), so that for "osteoporosis" the
 * article titled "Osteoporosis" outranks "Juvenile osteoporosis", whose
 * bodies' weights both saturate.  Tuned with the searcher's TITLE_LIFT on
 * the judged MedQuAD queries (search_int.h): 1, 2 and 4 scored nDCG@10
 * 0.729, 0.737 and 0.731. */
#define SPINE_TITLE_NORM      2.0

/* Position gap between sections, so phrases never span two sections, and
 * between a section's question and its answer (a phrase never spans them;
 * NEAR may). */
#define SPINE_SECTION_GAP     100
#define SPINE_ANSWER_GAP      1

#define SPINE_STEM_LANGUAGE   "english"

/* Term weights (schema 2).  The searcher ranks with IneB2 (divergence from
 * randomness), whose normalisation 2 scales a word's frequency in an
 * article of length len by log2(1 + c * avlen / len).  The indexer applies
 * it: each word occurrence adds SPINE_WDF_SCALE times that factor to the
 * word's wdf, rounded, instead of 1 (document.h; len counts words, the
 * title's SPINE_TITLE_WDF + 1 times).  The searcher's weight
 * ("ineb2-prenorm", xapian-c/spine_ext.h) divides the scale out again, and takes a
 * term's collection frequency to be the sum of its normalised frequencies.
 * So Xapian's matcher never looks up a document length, which cost a third
 * of its work on MedQuAD.  avlen is the mean length of the first
 * SPINE_AVLEN_SAMPLE articles indexed (the indexer holds them back until it
 * knows it), stored under SPINE_META_AVLEN for reference.
 *
 * A limit: Xapian 1.4 sums a term's wdfs (its collection frequency) in 32
 * bits, and the scale multiplies that sum by about SPINE_WDF_SCALE.  On
 * MedQuAD "the" sums to 941 an article (5168346 in 5490), so one index of
 * about 4.5 million such articles would overflow it. */
#define SPINE_WDF_SCALE       32
#define SPINE_NORM_C          1.0
#define SPINE_AVLEN_SAMPLE    4096
#define SPINE_META_AVLEN      "spine.avlen"
/* The sum of the index's article lengths (decimal), kept by builds and
 * updates: with the article count, the mean length now, against which
 * updates measure the drift of avlen (spine/index.h). */
#define SPINE_META_LENGTH     "spine.length"

/* Impact tiers (tiers.h): each term that
 * indexes SPINE_TIER_MIN_TF articles or more keeps its postings of highest
 * wdf, SPINE_TIER_SIZE of them or 1/SPINE_TIER_SHARE of its list if more,
 * under metadata key SPINE_META_TIERS + term, so that a query of one or
 * two common words is answered from them (search.c).  An index without
 * them still answers, reading whole posting lists.  At 1M generated
 * articles that is 7985 terms and 207 MB (2.8% of the index: 7.60 GB
 * against 7.39 GB), written in about 19 s at the end of a 21-minute build; under 8192 articles no term qualifies,
 * and only the key SPINE_META_TIERS itself is written. */
#define SPINE_META_TIERS      "spine.tier:"
#define SPINE_TIER_MIN_TF     8192
#define SPINE_TIER_SIZE       2048
#define SPINE_TIER_SHARE      32

#endif /* SPINE_SCHEMA_H */
