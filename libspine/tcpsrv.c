/*
 * tcpsrv.c -- serving indexes over Xapian's remote protocol
 * (spine/tcpsrv.h).  The server is the binding's (spine_ext_tcpsrv.h:
 * Xapian's own, with Spine's subclasses registered); this file checks what
 * it is given, opens each database once to say now what would otherwise
 * fail every connection, and puts the binding's errors in libspine's
 * terms.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include "spine/tcpsrv.h"

#include <stdlib.h>

#include "spine_ext_tcpsrv.h"
#include "xapian_c.h"
#include "xerror.h"

struct spine_tcpsrv {
    spine_ext_tcpsrv *server;
};

/* Says a failure of the binding's server: a listening address that will
 * not do is not a shard that did not answer, so XAPIAN_ENETWORK is
 * SPINE_ERROR here, and the binding's message names the address. */
static int server_error(spine_error *err, const xapian_error *xe)
{
    switch (xe->code) {
    case XAPIAN_ENETWORK:
        return spine_error_set(err, SPINE_ERROR, "%s", xe->msg);
    case XAPIAN_EINVAL:
        return spine_error_set(err, SPINE_EINVAL, "%s", xe->msg);
    default:
        return spine_error_from_xapian(err, xe, "spine-tcpsrv");
    }
}

/* Opens the database at path and closes it again. */
static int check_database(const char *path, spine_error *err)
{
    xapian_database *db = NULL;
    xapian_error xe;
    int rc = xapian_database_open(&db, path, &xe);
    xapian_database_free(db);
    if (rc == XAPIAN_ENOTFOUND || rc == XAPIAN_EOPENING)
        return spine_error_set(err, SPINE_ENOTFOUND, "no database at %s "
                               "(%s)", path, xe.msg);
    if (rc != 0)
        return spine_error_from_xapian(err, &xe, path);
    return SPINE_OK;
}

int spine_tcpsrv_open(spine_tcpsrv **out, const char *const *paths,
                      size_t npaths, const spine_tcpsrv_options *opts,
                      spine_error *err)
{
    static const spine_tcpsrv_options defaults = SPINE_TCPSRV_OPTIONS_INIT;
    spine_tcpsrv *srv = NULL;
    xapian_error xe;
    int rc = SPINE_OK;

    if (!out)
        return spine_error_set(err, SPINE_EINVAL, "spine_tcpsrv_open: NULL "
                               "out");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (!paths || npaths == 0)
        return spine_error_set(err, SPINE_EINVAL, "no database to serve");
    if (opts->port < 1 || opts->port > 65535)
        return spine_error_set(err, SPINE_EINVAL, "port %d is not from 1 to "
                               "65535", opts->port);
    if (!(opts->active_timeout >= 0) || !(opts->idle_timeout >= 0))
        return spine_error_set(err, SPINE_EINVAL, "a timeout is negative");
    for (size_t i = 0; i < npaths && rc == SPINE_OK; i++)
        rc = paths[i] ? check_database(paths[i], err)
                      : spine_error_set(err, SPINE_EINVAL, "spine_tcpsrv_open: "
                                        "NULL path %zu", i);
    if (rc != SPINE_OK)
        return rc;

    srv = calloc(1, sizeof *srv);
    if (!srv)
        return spine_error_set(err, SPINE_ENOMEM, "out of memory");
    if (spine_ext_tcpsrv_open(&srv->server, paths, npaths,
                              opts->host ? opts->host : defaults.host,
                              opts->port, opts->active_timeout,
                              opts->idle_timeout, opts->verbose, &xe) != 0) {
        free(srv);
        return server_error(err, &xe);
    }
    *out = srv;
    return SPINE_OK;
}

/* Runs the binding's loop: one connection (once) or for ever. */
static int serve(spine_tcpsrv *srv, int once, spine_error *err)
{
    xapian_error xe;
    if (!srv)
        return spine_error_set(err, SPINE_EINVAL, "%s: NULL server",
                               once ? "spine_tcpsrv_serve_one"
                                    : "spine_tcpsrv_serve");
    if (spine_ext_tcpsrv_run(srv->server, once, &xe) != 0)
        return server_error(err, &xe);
    return SPINE_OK;
}

int spine_tcpsrv_serve(spine_tcpsrv *srv, spine_error *err)
{
    return serve(srv, 0, err);
}

int spine_tcpsrv_serve_one(spine_tcpsrv *srv, spine_error *err)
{
    return serve(srv, 1, err);
}

void spine_tcpsrv_free(spine_tcpsrv *srv)
{
    if (!srv)
        return;
    spine_ext_tcpsrv_free(srv->server);
    free(srv);
}
