/*
 * spine-tcpsrv -- serves Spine indexes to searchers on other machines over
 * Xapian's own remote protocol: options -> libspine (spine/tcpsrv.h) ->
 * exit status.  A searcher reaches it through a Xapian stub file holding
 * "remote HOST:PORT".
 *
 * The server is Xapian's (the one behind xapian-tcpsrv), told of Spine's
 * weighting scheme, without which every Spine query is refused.  It
 * prints one line on stderr once it listens, so that a script can wait
 * for it; it forks a child per connection (--one-shot: serves one
 * connection itself, then exits).
 *
 * Spine is free software: GPL-2.0-or-later (see LICENSE).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "spine/format.h"
#include "spine/tcpsrv.h"
#include "spine/version.h"

#define PROG "spine-tcpsrv"
#define MAX_TIMEOUT 86400ULL        /* a day, in seconds */

static void usage(FILE *f)
{
    fprintf(f,
"usage: spine-tcpsrv --port PORT [options] DATABASE...\n"
"Serves DATABASE (a Spine index directory, a Xapian database or a stub\n"
"file; several are served as one) read-only over Xapian's remote\n"
"protocol, for spine-search -d STUB where STUB holds 'remote HOST:PORT'.\n"
"\n"
"  -p, --port PORT          TCP port to listen on (1 to 65535; required)\n"
"  -I, --interface ADDR     address to listen on (default 127.0.0.1;\n"
"      --host ADDR          0.0.0.0: every interface)\n"
"      --idle-timeout S     close a connection idle for S seconds between\n"
"                           operations (default %.0f; 0: never)\n"
"      --active-timeout S   give up on a client silent for S seconds\n"
"                           within an operation (default %.0f; 0: never)\n"
"  -o, --one-shot           serve one connection, then exit\n"
"  -q, --quiet              print nothing when ready\n"
"  -v, --verbose            print a line on stdout for each connection\n"
"                           made and closed\n"
"  -h, --help               show this help\n"
"      --version            show the versions of Spine and Xapian\n"
"\n"
"Prints \"spine-tcpsrv: serving DATABASE on ADDR:PORT\" on stderr once it\n"
"listens.  Exit status: 0 after --one-shot's connection or on SIGTERM,\n"
"2 error (bad option, no database, port in use).\n",
            SPINE_TCPSRV_IDLE_TIMEOUT, SPINE_TCPSRV_ACTIVE_TIMEOUT);
}

/* Xapian's serving loop answers SIGTERM by sending SIGTERM to its whole
 * process group (to end its connections' children) before it exits.
 * Started in the background of a script, the server shares the script's
 * group, which would go with it.  So it makes a group of its own unless it
 * leads one already (a job of an interactive shell) or is in a terminal's
 * foreground, where Ctrl-C must still reach it. */
static void own_process_group(void)
{
    if (getpgrp() == getpid())
        return;
    if (isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp())
        return;
    (void)setpgid(0, 0);
}

/* Prints the line a script waits for: the databases and the address. */
static void say_ready(char *const *paths, int n, const char *host, int port)
{
    fputs(PROG ": serving ", stderr);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", stderr);
        spine_format_escaped(stderr, paths[i]);
    }
    fputs(" on ", stderr);
    spine_format_escaped(stderr, *host ? host : "0.0.0.0");
    fprintf(stderr, ":%d\n", port);
}

/* Reads a timeout option's value, in whole seconds. */
static int timeout_arg(const char *opt, const char *arg, double *out)
{
    unsigned long long s;
    if (cli_number(PROG, opt, arg, 0, MAX_TIMEOUT, &s) != 0)
        return -1;
    *out = (double)s;
    return 0;
}

int main(int argc, char **argv)
{
    enum { OPT_IDLE = 256, OPT_ACTIVE, OPT_VERSION };
    static const struct option longopts[] = {
        { "port",           required_argument, NULL, 'p' },
        { "interface",      required_argument, NULL, 'I' },
        { "host",           required_argument, NULL, 'I' },
        { "idle-timeout",   required_argument, NULL, OPT_IDLE },
        { "active-timeout", required_argument, NULL, OPT_ACTIVE },
        { "one-shot",       no_argument,       NULL, 'o' },
        { "quiet",          no_argument,       NULL, 'q' },
        { "verbose",        no_argument,       NULL, 'v' },
        { "help",           no_argument,       NULL, 'h' },
        { "version",        no_argument,       NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 }
    };
    spine_tcpsrv_options opts = SPINE_TCPSRV_OPTIONS_INIT;
    unsigned long long port = 0;
    int one_shot = 0, quiet = 0, opt;

    while ((opt = getopt_long(argc, argv, ":p:I:oqvh", longopts, NULL))
           != -1) {
        switch (opt) {
        case 'p':
            if (cli_number(PROG, "--port", optarg, 1, 65535, &port) != 0)
                return 2;
            break;
        case 'I': opts.host = optarg; break;
        case OPT_IDLE:
            if (timeout_arg("--idle-timeout", optarg, &opts.idle_timeout))
                return 2;
            break;
        case OPT_ACTIVE:
            if (timeout_arg("--active-timeout", optarg, &opts.active_timeout))
                return 2;
            break;
        case 'o': one_shot = 1; break;
        case 'q': quiet = 1; break;
        case 'v': opts.verbose = 1; break;
        case 'h': usage(stdout); return 0;
        case OPT_VERSION:
            printf(PROG " %s (Xapian %s)\n", spine_version(),
                   spine_xapian_version());
            return 0;
        default:
            cli_bad_option(PROG, opt, argv, longopts);
            return 2;
        }
    }
    if (port == 0) {
        fputs(PROG ": --port PORT is required (see --help)\n", stderr);
        return 2;
    }
    if (optind == argc) {
        fputs(PROG ": no DATABASE to serve (see --help)\n", stderr);
        return 2;
    }
    opts.port = (int)port;

    spine_tcpsrv *srv = NULL;
    spine_error err;
    int npaths = argc - optind;
    int rc = spine_tcpsrv_open(&srv, (const char *const *)(argv + optind),
                               (size_t)npaths, &opts, &err);
    if (rc == SPINE_OK) {
        if (!one_shot)
            own_process_group();
        if (!quiet)
            say_ready(argv + optind, npaths, opts.host, opts.port);
        rc = one_shot ? spine_tcpsrv_serve_one(srv, &err)
                      : spine_tcpsrv_serve(srv, &err);
    }
    spine_tcpsrv_free(srv);
    if (rc != SPINE_OK) {
        fputs(PROG ": ", stderr);
        spine_format_escaped(stderr, err.msg);
        fputc('\n', stderr);
        return 2;
    }
    return 0;
}
