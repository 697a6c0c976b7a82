/*
 * shardset.c -- the shards a path names, each opened on its own
 * (shardset.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "generation.h"
#include "shardset.h"
#include "util.h"
#include "xerror.h"

/* Stubs within stubs, as deep as this: deeper is taken for a loop. */
#define MAX_DEPTH 8

static int list_path(spine_shardset *set, const char *path, int depth,
                     spine_error *err);

static spine_shard_ref *add_ref(spine_shardset *set, const char *name,
                                const char *where)
{
    set->v = spine_realloc(set->v, (set->n + 1) * sizeof *set->v);
    spine_shard_ref *r = &set->v[set->n++];
    memset(r, 0, sizeof *r);
    r->name = spine_strdup(name);
    r->where = where ? spine_strdup(where) : NULL;
    return r;
}

/* path resolved against the directory of the stub file stub, as Xapian
 * resolves a relative path in a stub (malloc()ed). */
static char *resolve(const char *stub, const char *path)
{
    const char *slash = strrchr(stub, '/');
    if (path[0] == '/' || !slash)
        return spine_strdup(path);
    char *dir = spine_strndup(stub, (size_t)(slash - stub));
    char *out = spine_path_join(dir, path);
    free(dir);
    return out;
}

/* Adds the remote shard of spec, "HOST:PORT" (an IPv6 host in brackets),
 * read at where. */
static int add_remote(spine_shardset *set, const char *spec,
                      const char *where, spine_error *err)
{
    const char *colon = strrchr(spec, ':');
    char *end = NULL;
    unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
    if (spec[0] == ':')
        return spine_error_set(err, SPINE_EINVAL, "%s: a remote shard run "
                               "as a program (remote :PROG) is not "
                               "supported; serve it with spine-tcpsrv and "
                               "name it as remote HOST:PORT", where);
    if (!colon || colon == spec || !end || *end || port == 0
        || port > 65535)
        return spine_error_set(err, SPINE_EINVAL, "%s: a remote shard is "
                               "named as remote HOST:PORT (got \"%s\")",
                               where, spec);
    const char *host = spec;
    size_t hlen = (size_t)(colon - spec);
    if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
        host++;
        hlen -= 2;
    }
    spine_shard_ref *r = add_ref(set, spec, where);
    r->host = spine_strndup(host, hlen);
    r->port = (unsigned)port;
    set->remote++;
    return SPINE_OK;
}

/* Reads the stub file at stub: each line adds its shards. */
static int read_stub(spine_shardset *set, const char *stub, int depth,
                     spine_error *err)
{
    FILE *f = fopen(stub, "r");
    if (!f)
        return spine_error_set(err, errno == ENOENT ? SPINE_ENOTFOUND
                                                    : SPINE_EIO,
                               "%s: %s", stub, strerror(errno));
    char *line = NULL, where[4200];
    size_t cap = 0;
    unsigned lineno = 0;
    int rc = SPINE_OK;
    while (rc == SPINE_OK && getline(&line, &cap, f) >= 0) {
        size_t len = strlen(line);
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'
                       || line[len - 1] == ' ' || line[len - 1] == '\t'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        snprintf(where, sizeof where, "%s:%u", stub, lineno);
        char *space = strchr(line, ' ');
        char *arg = space ? space + 1 : line + len;
        if (space)
            *space = '\0';
        while (*arg == ' ')
            arg++;
        if (!*arg) {
            rc = spine_error_set(err, SPINE_EINVAL, "%s: \"%s\" names no "
                                 "database", where, line);
        } else if (!strcmp(line, "auto") || !strcmp(line, "glass")) {
            char *path = resolve(stub, arg);
            rc = list_path(set, path, depth + 1, err);
            if (rc == SPINE_ENOTFOUND)
                rc = spine_error_set(err, SPINE_ENOTFOUND, "%s: no database "
                                     "at %s", where, path);
            free(path);
        } else if (!strcmp(line, "remote")) {
            rc = add_remote(set, arg, where, err);
        } else {
            rc = spine_error_set(err, SPINE_EINVAL, "%s: unknown database "
                                 "type \"%s\" (a shard is auto PATH, glass "
                                 "PATH or remote HOST:PORT)", where, line);
        }
    }
    if (rc == SPINE_OK && ferror(f))
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", stub,
                             strerror(errno));
    if (rc == SPINE_OK && lineno == 0)
        rc = spine_error_set(err, SPINE_EINVAL, "%s: an empty stub lists "
                             "no database", stub);
    free(line);
    fclose(f);
    return rc;
}

static int list_path(spine_shardset *set, const char *path, int depth,
                     spine_error *err)
{
    struct stat st;
    if (depth > MAX_DEPTH)
        return spine_error_set(err, SPINE_EINVAL, "%s: stubs nested more "
                               "than %d deep (a loop?)", path, MAX_DEPTH);
    if (stat(path, &st) != 0)
        return spine_error_set(err, errno == ENOENT || errno == ENOTDIR
                                        ? SPINE_ENOTFOUND : SPINE_EIO,
                               "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return read_stub(set, path, depth, err);
    char *stub = spine_path_join(path, SPINE_STUB_NAME);
    int rc;
    if (stat(stub, &st) == 0) {
        rc = read_stub(set, stub, depth, err);
    } else {
        spine_shard_ref *r = add_ref(set, path, NULL);
        r->path = spine_strdup(path);
        rc = SPINE_OK;
    }
    free(stub);
    return rc;
}

int spine_shardset_list(spine_shardset *set, const char *path,
                        spine_error *err)
{
    memset(set, 0, sizeof *set);
    int rc = list_path(set, path, 0, err);
    if (rc != SPINE_OK)
        spine_shardset_free(set);
    return rc;
}

/* Opens shard r into *db: Xapian's error in *xe on failure. */
static int open_one(xapian_database **db, const spine_shard_ref *r,
                    unsigned timeout_ms, xapian_error *xe)
{
    if (r->path)
        return xapian_database_open(db, r->path, xe);
    return xapian_database_open_remote(db, r->host, r->port, timeout_ms, xe);
}

/* The error for shard r, down for why: Xapian's error code (xe). */
static int shard_error(spine_error *err, const spine_shard_ref *r,
                       const xapian_error *xe)
{
    int code = r->path ? spine_error_from_xapian(NULL, xe, "") : SPINE_ESHARD;
    return spine_error_set(err, code, "shard %s%s%s%s: %s", r->name,
                           r->where ? " (" : "", r->where ? r->where : "",
                           r->where ? ")" : "", xe->msg);
}

int spine_shardset_open(xapian_database **out, spine_shardset *set,
                        unsigned timeout_ms, int partial, spine_error *err)
{
    xapian_database **dbs = spine_calloc(set->n ? set->n : 1, sizeof *dbs);
    char **uuids = spine_calloc(set->n ? set->n : 1, sizeof *uuids);
    xapian_error xe;
    int rc = SPINE_OK;
    size_t first = set->n;

    *out = NULL;
    if (timeout_ms == 0)
        timeout_ms = SPINE_SHARD_TIMEOUT_MS;
    set->down = 0;
    for (size_t i = 0; i < set->n && rc == SPINE_OK; i++) {
        spine_shard_ref *r = &set->v[i];
        free(r->why);
        r->why = NULL;
        r->up = 0;
        if (open_one(&dbs[i], r, timeout_ms, &xe) == 0
            && xapian_database_uuid(&uuids[i], dbs[i], &xe) == 0) {
            r->up = 1;
            if (first == set->n)
                first = i;
            continue;
        }
        xapian_database_free(dbs[i]);
        dbs[i] = NULL;
        if (!partial) {
            set->failed = xe;
            rc = shard_error(err, r, &xe);
            break;
        }
        r->why = spine_strdup(xe.msg);
        set->down++;
    }
    /* The same database twice would be searched twice, and a docid
     * filter (spine_ext.h) could not tell its two shards apart. */
    for (size_t i = 0; i < set->n && rc == SPINE_OK; i++)
        for (size_t k = i + 1; k < set->n && uuids[i] && rc == SPINE_OK; k++)
            if (uuids[k] && *uuids[i] && !strcmp(uuids[i], uuids[k]))
                rc = spine_error_set(err, SPINE_EINVAL, "shards %s and %s "
                                     "are the same database",
                                     set->v[i].name, set->v[k].name);
    if (rc == SPINE_OK && first == set->n)
        rc = spine_error_set(err, SPINE_ESHARD, "no shard answered (%s: %s)",
                             set->n ? set->v[0].name : "none",
                             set->n ? set->v[0].why : "an empty set");
    for (size_t i = first + 1; i < set->n && rc == SPINE_OK; i++)
        if (dbs[i] && xapian_database_add_database(dbs[first], dbs[i],
                                                   &xe) != 0)
            rc = spine_error_from_xapian(err, &xe, set->v[i].name);
    if (rc == SPINE_OK) {
        *out = dbs[first];
        dbs[first] = NULL;
    }
    for (size_t i = 0; i < set->n; i++) {
        xapian_database_free(dbs[i]);
        free(uuids[i]);
    }
    free(dbs);
    free(uuids);
    return rc;
}

void spine_shardset_free(spine_shardset *set)
{
    for (size_t i = 0; i < set->n; i++) {
        spine_shard_ref *r = &set->v[i];
        free(r->name);
        free(r->where);
        free(r->path);
        free(r->host);
        free(r->why);
    }
    free(set->v);
    memset(set, 0, sizeof *set);
}
