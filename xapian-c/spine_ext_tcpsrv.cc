/*
 * spine_ext_tcpsrv.cc -- Xapian's remote server with Spine's subclasses
 * registered (spine_ext_tcpsrv.h).  The server is Xapian's own
 * RemoteTcpServer, declared by net/remotetcpserver.h from Xapian's source
 * (not shipped by libxapian-dev, exported by libxapian all the same);
 * this file only opens, configures and runs it.
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include "spine_ext_tcpsrv.h"
#include "spine_ext_int.h"
#include "xapian_c_int.h"

#include <xapian.h>

#include "net/remotetcpserver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

struct spine_ext_tcpsrv {
    RemoteTcpServer server;

    spine_ext_tcpsrv(const std::vector<std::string> &paths,
                     const std::string &host, int port, double active,
                     double idle, bool verbose)
        : server(paths, host, port, active, idle, false, verbose) { }
};

/* Xapian's TcpServer does not throw when it cannot bind because the port
 * is taken or privileged: it prints a line on std::cerr and calls exit().
 * So the bind it will make (IPv4, SO_REUSEADDR, the first address that
 * binds; loopback names without AI_ADDRCONFIG, as Xapian resolves them)
 * is tried here first and let go, to say why as an error of the call.
 * Any address that binds: XAPIAN_OK. */
static int check_port(const char *host, int port, xapian_error *err)
{
    struct addrinfo hints, *res = NULL;
    std::memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (std::strcmp(host, "127.0.0.1") != 0 && std::strcmp(host, "::1") != 0
        && std::strcmp(host, "localhost") != 0)
        hints.ai_flags |= AI_ADDRCONFIG;
    char service[16];
    std::snprintf(service, sizeof service, "%d", port);
    int rc = getaddrinfo(*host ? host : NULL, service, &hints, &res);
    if (rc != 0)
        return set_error(err, XAPIAN_ENETWORK, "cannot listen on %s:%d: "
                         "the host does not resolve (%s)", host, port,
                         gai_strerror(rc));
    int first = 0;                      /* errno of the first failed bind */
    bool bound = false;
    for (struct addrinfo *a = res; a && !bound; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
                        a->ai_protocol);
        if (fd < 0) {
            if (!first)
                first = errno;
            continue;
        }
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        bound = bind(fd, a->ai_addr, a->ai_addrlen) == 0;
        if (!bound && !first)
            first = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (bound || !first)
        return XAPIAN_OK;
    const char *where = *host ? host : "*";
    if (first == EADDRINUSE)
        return set_error(err, XAPIAN_ENETWORK, "cannot listen on %s:%d: the "
                         "port is already in use", where, port);
    if (first == EACCES)
        return set_error(err, XAPIAN_ENETWORK, "cannot listen on %s:%d: a "
                         "port below 1024 needs privileges", where, port);
    if (first == EADDRNOTAVAIL)
        return set_error(err, XAPIAN_ENETWORK, "cannot listen on %s:%d: not "
                         "an address of this machine", where, port);
    return set_error(err, XAPIAN_ENETWORK, "cannot listen on %s:%d: %s",
                     where, port, std::strerror(first));
}

int spine_ext_tcpsrv_open(spine_ext_tcpsrv **out, const char *const *paths,
                          size_t npaths, const char *host, int port,
                          double active_timeout, double idle_timeout,
                          int verbose, xapian_error *err)
{
    REQUIRE(out);
    *out = NULL;
    REQUIRE(paths);
    REQUIRE(host);
    if (npaths == 0)
        return set_error(err, XAPIAN_EINVAL, "spine_ext_tcpsrv_open: no "
                         "database to serve");
    if (port < 1 || port > 65535)
        return set_error(err, XAPIAN_EINVAL, "spine_ext_tcpsrv_open: port "
                         "%d is not from 1 to 65535", port);
    if (!(active_timeout >= 0) || !(idle_timeout >= 0))
        return set_error(err, XAPIAN_EINVAL, "spine_ext_tcpsrv_open: a "
                         "timeout is negative");
    for (size_t i = 0; i < npaths; i++)
        if (!paths[i])
            return set_error(err, XAPIAN_EINVAL, "spine_ext_tcpsrv_open: "
                             "NULL path %zu", i);
    int rc = check_port(host, port, err);
    if (rc != XAPIAN_OK)
        return rc;
    try {
        std::vector<std::string> v(paths, paths + npaths);
        Xapian::Registry reg;
        spine_ext::register_all(reg);
        spine_ext_tcpsrv *srv = new spine_ext_tcpsrv(v, host, port,
                                                     active_timeout,
                                                     idle_timeout,
                                                     verbose != 0);
        srv->server.set_registry(reg);
        *out = srv;
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

int spine_ext_tcpsrv_run(spine_ext_tcpsrv *srv, int once, xapian_error *err)
{
    REQUIRE(srv);
    try {
        if (once)
            srv->server.run_once();
        else
            srv->server.run();
        return XAPIAN_OK;
    } catch (...) {
        return fail(err);
    }
}

void spine_ext_tcpsrv_free(spine_ext_tcpsrv *srv)
{
    delete srv;
}
