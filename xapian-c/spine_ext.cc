/*
 * spine_ext.cc -- Spine's extensions to Xapian (spine_ext.h): its weighting
 * scheme and posting sources, the Xapian subclasses that must be C++.
 * Handles and error helpers are the binding's (xapian_c_int.h).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include "spine_ext.h"
#include "spine_ext_int.h"
#include "xapian_c_int.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

/* ------------------------------------------------------------------------
 * The weighting scheme
 */

double spine_ext_prenorm_coeff(double wqf, double N, double collfreq,
                               double n, double scale)
{
    double F = collfreq / scale;
    double idf = std::log2((N + 1) / (N * -std::expm1(-F / N) + 0.5));
    return wqf * idf * (F + 1) / n;
}

double spine_ext_prenorm_part(double coeff, double wdf, double scale)
{
    return coeff * wdf / (wdf + scale);
}

/* IneB2 over prenormalised wdfs (spine_ext.h): it needs no document
 * length, which spares Xapian's matcher a length lookup for every posting
 * it weighs. */
class PrenormIneB2Weight : public Xapian::Weight {
    double scale;
    double coeff = 0;                   /* wqf * idf * (F + 1) / n * factor */
    double upper = 0;

  public:
    explicit PrenormIneB2Weight(double scale_) : scale(scale_)
    {
        need_stat(COLLECTION_SIZE);
        need_stat(COLLECTION_FREQ);
        need_stat(TERMFREQ);
        need_stat(WDF);
        need_stat(WDF_MAX);
        need_stat(WQF);
    }

    Weight *clone() const override
    {
        return new PrenormIneB2Weight(scale);
    }

    void init(double factor) override
    {
        double wdf_max = get_wdf_upper_bound();
        double n = get_termfreq();
        /* factor 0 is the term-independent part: none in this scheme. */
        if (factor == 0.0 || wdf_max == 0 || n == 0)
            return;
        coeff = spine_ext_prenorm_coeff(get_wqf(), get_collection_size(),
                              get_collection_freq(), n, scale) * factor;
        upper = spine_ext_prenorm_part(coeff, wdf_max, scale);
    }

    std::string name() const override { return SPINE_EXT_PRENORM_NAME; }

    /* Xapian's portable encoding of a double: a remote shard's server
     * reads what any client wrote. */
    std::string serialise() const override
    {
        return Xapian::sortable_serialise(scale);
    }

    Weight *unserialise(const std::string &s) const override
    {
        double v = Xapian::sortable_unserialise(s);
        if (s.empty() || !(v > 0))
            throw Xapian::SerialisationError("PrenormIneB2Weight: bad "
                                             "scale");
        return new PrenormIneB2Weight(v);
    }

    double get_sumpart(Xapian::termcount wdf, Xapian::termcount,
                       Xapian::termcount) const override
    {
        return spine_ext_prenorm_part(coeff, wdf, scale);
    }

    double get_maxpart() const override { return upper; }

    double get_sumextra(Xapian::termcount, Xapian::termcount) const override
    {
        return 0;
    }

    double get_maxextra() const override { return 0; }
};

int spine_ext_enquire_set_prenorm(xapian_enquire *enq, double scale,
                                  xapian_error *err)
{
    REQUIRE(enq);
    if (!(scale > 0))
        return set_error(err, XAPIAN_EINVAL, "spine_ext_enquire_set_prenorm: "
                         "scale must be positive");
    try {
        enq->enq.set_weighting_scheme(PrenormIneB2Weight(scale));
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

/* ------------------------------------------------------------------------
 * Posting sources
 */

/* A fixed set of docids, at weight 0.  The docids are those of a
 * database that may be sharded (Database::add_database(), or a stub of
 * several): Xapian numbers the documents of shard k of n as
 * (local - 1) * n + k + 1, and inits a posting source once a shard with
 * that shard alone, telling it neither k nor n.  So the source keeps the
 * shards' uuids, in order, and finds its shard by its uuid (one shard, or
 * none known: the docids are the shard's own). */
class DocidSource : public Xapian::PostingSource {
    std::vector<Xapian::docid> ids;     /* sorted, unique, of the whole */
    std::vector<std::string> shards;    /* uuids in order; < 2: unsharded */
    std::vector<Xapian::docid> share;   /* a shard's share, local ids */
    const std::vector<Xapian::docid> *mine = &ids;  /* ids, or share */
    size_t at = 0;
    bool started = false;

  public:
    DocidSource(std::vector<Xapian::docid> ids_,
                std::vector<std::string> shards_)
        : ids(std::move(ids_)), shards(std::move(shards_)) { }

    DocidSource(const DocidSource &) = delete;
    DocidSource &operator=(const DocidSource &) = delete;

    DocidSource *clone() const override
    {
        return new DocidSource(ids, shards);
    }

    void init(const Xapian::Database &db) override
    {
        at = 0;
        started = false;
        mine = &ids;
        if (shards.size() < 2)
            return;
        auto it = std::find(shards.begin(), shards.end(), db.get_uuid());
        if (it == shards.end())
            throw Xapian::InvalidArgumentError("DocidSource: a shard not of "
                                               "the database its docids "
                                               "are of");
        Xapian::docid n = static_cast<Xapian::docid>(shards.size());
        Xapian::docid k = static_cast<Xapian::docid>(it - shards.begin());
        share.clear();
        for (Xapian::docid d : ids)
            if ((d - 1) % n == k)
                share.push_back((d - 1) / n + 1);
        mine = &share;
    }

    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override
    {
        return static_cast<Xapian::doccount>(mine->size());
    }
    Xapian::doccount get_termfreq_max() const override
    {
        return static_cast<Xapian::doccount>(mine->size());
    }

    void next(double) override
    {
        if (started)
            at++;
        started = true;
    }

    void skip_to(Xapian::docid did, double) override
    {
        started = true;
        while (at < mine->size() && (*mine)[at] < did)
            at++;
    }

    bool at_end() const override { return started && at >= mine->size(); }

    Xapian::docid get_docid() const override { return (*mine)[at]; }

    std::string name() const override { return "Spine::DocidSource"; }

    /* Text, so that a remote shard's server reads what any client wrote:
     * the number of shards, their uuids a line each, then the docids in
     * decimal, a space before each. */
    std::string serialise() const override
    {
        std::string s = std::to_string(shards.size()) + "\n";
        for (const std::string &u : shards)
            s += u + "\n";
        for (Xapian::docid d : ids)
            s += " " + std::to_string(d);
        return s;
    }

    DocidSource *unserialise(const std::string &s) const override
    {
        const char *p = s.c_str(), *end = p + s.size();
        char *stop;
        unsigned long n = std::strtoul(p, &stop, 10);
        if (stop == p || *stop != '\n' || n > s.size())
            throw Xapian::SerialisationError("DocidSource: bad shard count");
        p = stop + 1;
        std::vector<std::string> u;
        for (unsigned long i = 0; i < n; i++) {
            const char *nl = static_cast<const char *>(
                std::memchr(p, '\n', static_cast<size_t>(end - p)));
            if (!nl)
                throw Xapian::SerialisationError("DocidSource: bad uuid");
            u.emplace_back(p, nl);
            p = nl + 1;
        }
        std::vector<Xapian::docid> v;
        while (p < end) {
            if (*p != ' ')
                throw Xapian::SerialisationError("DocidSource: bad docid");
            unsigned long d = std::strtoul(p + 1, &stop, 10);
            if (stop == p + 1 || d == 0 || d > 0xffffffffUL)
                throw Xapian::SerialisationError("DocidSource: bad docid");
            v.push_back(static_cast<Xapian::docid>(d));
            p = stop;
        }
        return new DocidSource(std::move(v), std::move(u));
    }
};

/* Every docid from lo to hi, at weight 0: the share of the database that
 * one part of a split match covers.  Its estimate is the whole database,
 * so that an AND tries the query's own posting lists first and only
 * skips this one to their docids; the caller scales the part's match
 * counts back to the share. */
class DocidRangeSource : public Xapian::PostingSource {
    Xapian::docid lo, hi, did = 0;
    Xapian::doccount size = 0;

  public:
    DocidRangeSource(Xapian::docid lo_, Xapian::docid hi_) : lo(lo_), hi(hi_)
    { }

    DocidRangeSource *clone() const override
    {
        return new DocidRangeSource(lo, hi);
    }

    void init(const Xapian::Database &db) override
    {
        did = 0;
        size = db.get_doccount();
    }

    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return size; }
    Xapian::doccount get_termfreq_max() const override { return size; }

    void next(double) override { did = did ? did + 1 : lo; }

    void skip_to(Xapian::docid d, double) override
    {
        if (d > did)
            did = std::max(d, lo);
    }

    bool at_end() const override { return did > hi; }

    Xapian::docid get_docid() const override { return did; }

    std::string name() const override { return "Spine::DocidRangeSource"; }
};

/* The uuids of db's shards, in order, when it has more than one. */
static std::vector<std::string> shard_uuids(const xapian_database *db)
{
    std::vector<std::string> v;
    if (!db || db->db.size() < 2)
        return v;
    /* Database::get_uuid() joins its shards' uuids with ':' (and is empty
     * when one has none). */
    std::string all = db->db.get_uuid();
    for (size_t at = 0; !all.empty(); ) {
        size_t colon = all.find(':', at);
        v.push_back(all.substr(at, colon == std::string::npos
                                       ? std::string::npos : colon - at));
        if (colon == std::string::npos)
            break;
        at = colon + 1;
    }
    if (v.size() != db->db.size())
        throw Xapian::InvalidArgumentError("a sharded database with a shard "
                                           "that has no uuid");
    return v;
}

int spine_ext_query_docids_of(xapian_query **out, const xapian_database *db,
                              const xapian_docid *ids, size_t n,
                              xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(ids || n == 0);
    try {
        std::vector<Xapian::docid> v(ids, ids + n);
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        if (!v.empty() && v.front() == 0)
            v.erase(v.begin());
        if (v.empty()) {
            *out = new xapian_query{Xapian::Query::MatchNothing};
            return XAPIAN_OK;
        }
        DocidSource *src = new DocidSource(std::move(v), shard_uuids(db));
        *out = new xapian_query{Xapian::Query(src->release())};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int spine_ext_query_docids(xapian_query **out, const xapian_docid *ids,
                           size_t n, xapian_error *err)
{
    return spine_ext_query_docids_of(out, NULL, ids, n, err);
}

int spine_ext_query_docid_range(xapian_query **out, xapian_docid lo,
                                xapian_docid hi, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    try {
        DocidRangeSource *src = new DocidRangeSource(lo, hi);
        *out = new xapian_query{Xapian::Query(src->release())};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int spine_ext_query_unserialise(xapian_query **out, const char *data,
                                size_t len, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(data || len == 0);
    try {
        Xapian::Registry reg;
        spine_ext::register_all(reg);
        *out = new xapian_query{Xapian::Query::unserialise(
            std::string(data, len), reg)};
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

/* ------------------------------------------------------------------------
 * The registry (spine_ext_int.h), for every reader of serialised queries
 * and weights: spine_ext_query_unserialise() and the remote server of
 * spine_ext_tcpsrv.cc.  DocidRangeSource has no serialised form and is not
 * in it.
 */

void spine_ext::register_all(Xapian::Registry &reg)
{
    reg.register_posting_source(DocidSource({}, {}));
    reg.register_weighting_scheme(PrenormIneB2Weight(1));
}
