/*
 * spine/tcpsrv.h -- serving indexes to searchers on other machines, over
 * Xapian's own remote protocol: the library side of spine-tcpsrv.
 *
 * A searcher reaches a served index through a Xapian stub file holding
 * the line "remote HOST:PORT" (given to spine-search -d).  The server is
 * Xapian's RemoteTcpServer, the one behind Debian's xapian-tcpsrv, told
 * of Spine's weighting scheme and posting sources, without which a stock
 * server refuses every Spine query.  Read-only: nothing is written to the
 * databases served.
 *
 * Present only in a libspine built with the server headers (cmake
 * -DSPINE_XAPIAN_SERVER_HEADERS=DIR, from scripts/xapian-static.sh
 * --headers); spine/spine.h does not include it.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_TCPSRV_H
#define SPINE_TCPSRV_H

#include <stddef.h>

#include "spine/error.h"

/* Xapian's defaults (xapian-tcpsrv's), in seconds. */
#define SPINE_TCPSRV_ACTIVE_TIMEOUT 15.0
#define SPINE_TCPSRV_IDLE_TIMEOUT   60.0

typedef struct spine_tcpsrv_options {
    const char *host;        /* IPv4 address or host name to listen on;
                                "" every interface.  Default loopback */
    int port;                /* TCP port, 1 to 65535 (no default) */
    double active_timeout;   /* seconds the server waits for the next
                                message within an operation; 0: for ever */
    double idle_timeout;     /* seconds it waits between operations
                                before closing a connection; 0: for ever */
    int verbose;             /* 1: Xapian prints a line on stdout for each
                                connection made and closed */
} spine_tcpsrv_options;

#define SPINE_TCPSRV_OPTIONS_INIT                                         \
    { .host = "127.0.0.1", .port = 0,                                     \
      .active_timeout = SPINE_TCPSRV_ACTIVE_TIMEOUT,                      \
      .idle_timeout = SPINE_TCPSRV_IDLE_TIMEOUT, .verbose = 0 }

/* A server listening on one port for the searchers of one or more
 * databases, served together as one. */
typedef struct spine_tcpsrv spine_tcpsrv;

/* Opens each of paths[0..npaths) (npaths >= 1) read-only -- a Spine index
 * directory, a Xapian database directory or a stub file -- so that a
 * missing or damaged one is reported now and not at the first search,
 * then listens as opts (NULL: SPINE_TCPSRV_OPTIONS_INIT, which has no
 * port) says.  Connections are not accepted until spine_tcpsrv_serve()
 * or spine_tcpsrv_serve_one(); a client that connects before waits.
 *
 * Each connection opens the databases anew: an index that spine-index
 * rebuilds or changes under the server is served as it is from the next
 * connection on, while a connection already open goes on reading what it
 * opened.
 *
 * Returns SPINE_OK and sets *out, to release with spine_tcpsrv_free();
 * else *out is NULL and the code is SPINE_EINVAL (no path, a port out of
 * range, a negative timeout), SPINE_ENOTFOUND (no database at a path),
 * SPINE_ECORRUPT or SPINE_EIO (one that does not open), or SPINE_ERROR
 * (the host does not resolve, or the port is in use, privileged or not
 * of this machine), each message naming the path or the address.  Should
 * another process take the port between the check and Xapian's own bind,
 * Xapian ends the process itself, with status 69 after a line on
 * stderr. */
int spine_tcpsrv_open(spine_tcpsrv **out, const char *const *paths,
                      size_t npaths, const spine_tcpsrv_options *opts,
                      spine_error *err);

/* Serves srv for ever: each connection in a child process of its own
 * (fork()), so that searchers are answered at once.  Does not return
 * when it has started.  Xapian's loop handles SIGCHLD itself, and SIGTERM
 * by sending SIGTERM to the caller's whole process group, the children
 * with it, then exiting with status 0: a program that shares its process
 * group with others (a shell script's background job) should make a
 * group of its own first (setpgid()). */
int spine_tcpsrv_serve(spine_tcpsrv *srv, spine_error *err);

/* Accepts one connection on srv and answers it in this process until the
 * searcher closes it, or a timeout of the options closes it; then
 * returns SPINE_OK (also when the searcher went away part way: that is
 * the connection's end, not an error of the server), or SPINE_ERROR when
 * no connection could be accepted.  Called again, serves the next one. */
int spine_tcpsrv_serve_one(spine_tcpsrv *srv, spine_error *err);

/* Stops listening and releases srv.  Accepts NULL. */
void spine_tcpsrv_free(spine_tcpsrv *srv);

#endif /* SPINE_TCPSRV_H */
