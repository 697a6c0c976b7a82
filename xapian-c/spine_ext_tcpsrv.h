/*
 * spine_ext_tcpsrv.h -- Xapian's remote server (RemoteTcpServer, the class
 * behind Debian's xapian-tcpsrv) with a registry that knows Spine's
 * weighting scheme and posting sources, in the C manner of spine_ext.h.
 * A stock xapian-tcpsrv refuses every Spine query ("Weighting scheme
 * Spine::PrenormIneB2Weight not registered"); this one answers it.
 *
 * Built only when CMake is given SPINE_XAPIAN_SERVER_HEADERS, the two
 * server headers libxapian-dev does not ship (scripts/xapian-static.sh
 * --headers).  Conventions are xapian_c.h's: 0 or a negative XAPIAN_E*
 * code, an optional caller-owned xapian_error, out-parameters first.
 * Private to libspine (libspine/tcpsrv.c).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#ifndef SPINE_EXT_TCPSRV_H
#define SPINE_EXT_TCPSRV_H

#include <stddef.h>

#include "xapian_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A listening server of one or more databases, read-only. */
typedef struct spine_ext_tcpsrv spine_ext_tcpsrv;

/* Listens on TCP port (1 to 65535) of host, an IPv4 address or name (""
 * listens on every interface), to serve paths[0..npaths) (npaths >= 1),
 * read-only and together as one database.  The paths are not opened here:
 * a database that cannot be opened fails each connection.  active_timeout
 * is the most seconds the server waits for the next message within an
 * operation, idle_timeout between operations; 0 waits for ever.  verbose
 * makes Xapian print a line on stdout for each connection made and
 * closed.
 *
 * Each connection opens the databases anew, so that a Spine index rebuilt
 * under the server (its XAPIANDB stub pointing to a new generation) is
 * served from the next connection on.
 *
 * Returns 0 and sets *out, to release with spine_ext_tcpsrv_free(); else
 * *out is NULL and the code is XAPIAN_EINVAL (bad argument) or
 * XAPIAN_ENETWORK (the host does not resolve, or the port is in use,
 * privileged or not of this machine: said as such).  Should another
 * process take the port between the check and Xapian's own bind, Xapian
 * ends the process itself: status 69 after a line on stderr. */
int spine_ext_tcpsrv_open(spine_ext_tcpsrv **out, const char *const *paths,
                          size_t npaths, const char *host, int port,
                          double active_timeout, double idle_timeout,
                          int verbose, xapian_error *err);

/* Serves connections on srv.  once: accepts one connection, answers it
 * in this process until the client closes it (or a timeout), and returns
 * 0, or a negative XAPIAN_E* code if the connection could not be
 * accepted.  Otherwise serves for ever, each connection in a child
 * process of its own, and does not return; Xapian's loop then handles
 * SIGCHLD, and SIGTERM by sending SIGTERM to the whole process group
 * (its children with it) and exiting with status 0. */
int spine_ext_tcpsrv_run(spine_ext_tcpsrv *srv, int once, xapian_error *err);

/* Stops listening and releases srv.  No-op on NULL. */
void spine_ext_tcpsrv_free(spine_ext_tcpsrv *srv);

#ifdef __cplusplus
}
#endif

#endif /* SPINE_EXT_TCPSRV_H */
