/*
 * generation.c -- the files of an index directory: generations, the stub,
 * the lock, the sweep (layout and guarantees in generation.h and
 * spine/index.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "generation.h"
#include "util.h"

#define STUB_NAME SPINE_STUB_NAME
#define LOCK_NAME ".lock"
#define READERS_NAME "readers.lock"
#define GEN_FMT   "gen-%06u"

struct spine_generation {
    char *dir;                      /* the index directory */
    int lock_fd;                    /* flock()ed INDEX_DIR/.lock */
    unsigned gen;                   /* number of the generation being built */
    char *tmp_path;                 /* INDEX_DIR/gen-NNNNNN.tmp */
    int committed;                  /* 1 once swapped in */
    char *live_path;                /* spine_generation_lock_live(): the
                                       live generation's directory */
};

/* ---- files and directories ------------------------------------------- */


static int rm_entry(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw)
{
    (void)sb; (void)type; (void)ftw;
    return remove(path);
}

static int rmtree(const char *path)
{
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t du_total;

static int du_entry(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw)
{
    (void)path; (void)ftw;
    if (type == FTW_F)
        du_total += (uint64_t)sb->st_size;
    return 0;
}

uint64_t spine_generation_disk_bytes(const char *path)
{
    du_total = 0;
    nftw(path, du_entry, 16, FTW_PHYS);
    return du_total;
}

/* fsync()s a directory so that renames inside it are durable. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* ---- generation names and the stub ------------------------------------ */

/* Parses "gen-NNNNNN" (exactly); returns 1 and sets *n on a match. */
static int parse_gen(const char *name, unsigned *n)
{
    unsigned v;
    int len = 0;
    if (sscanf(name, "gen-%6u%n", &v, &len) == 1 && len == 10
        && name[len] == '\0') {
        *n = v;
        return 1;
    }
    return 0;
}

/* Is name something an index directory holds?  Returns 1 for the stub, the
 * lock, the stub's temporary, and generations finished or not (setting *gen
 * to their number, else 0); 0 for anything else. */
static int layout_entry(const char *name, unsigned *gen)
{
    char base[16];
    size_t len = strlen(name);
    *gen = 0;
    if (!strcmp(name, STUB_NAME) || !strcmp(name, STUB_NAME ".tmp")
        || !strcmp(name, LOCK_NAME))
        return 1;
    if (len == 14 && !strcmp(name + 10, ".tmp")) {
        memcpy(base, name, 10);
        base[10] = '\0';
        return parse_gen(base, gen);
    }
    return parse_gen(name, gen);
}

/* Reads the generation the stub names into *live (0 when there is none). */
static void read_live_gen(const char *dir, unsigned *live)
{
    char *stub = spine_path_join(dir, STUB_NAME);
    FILE *f = fopen(stub, "r");
    char line[256];
    *live = 0;
    if (f) {
        char name[128];
        if (fgets(line, sizeof line, f)
            && sscanf(line, "auto %127s", name) == 1)
            parse_gen(name, live);
        fclose(f);
    }
    free(stub);
}

void spine_stub_look(const char *dir, spine_stub *st)
{
    char *stub = spine_path_join(dir, STUB_NAME);
    struct stat sb;
    memset(st, 0, sizeof *st);
    if (stat(stub, &sb) == 0) {
        st->exists = 1;
        st->dev = sb.st_dev;
        st->ino = sb.st_ino;
        st->size = sb.st_size;
        st->mtime = sb.st_mtim;
        st->ctime = sb.st_ctim;
    }
    free(stub);
}

int spine_stub_same(const spine_stub *a, const spine_stub *b)
{
    if (!a->exists || !b->exists)
        return a->exists == b->exists;
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size
        && a->mtime.tv_sec == b->mtime.tv_sec
        && a->mtime.tv_nsec == b->mtime.tv_nsec
        && a->ctime.tv_sec == b->ctime.tv_sec
        && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

int spine_generation_is_set(const char *gen_dir)
{
    char *stub = spine_path_join(gen_dir, STUB_NAME);
    struct stat st;
    int set = stat(stub, &st) == 0;
    free(stub);
    return set;
}

char *spine_generation_live_dir(const char *dir)
{
    char *stub = spine_path_join(dir, STUB_NAME);
    FILE *f = fopen(stub, "r");
    char text[64], name[32], *out = NULL;
    unsigned gen;
    size_t n = 0;
    free(stub);
    if (!f)
        return NULL;
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* Exactly what swap_stub() writes: one line, one generation. */
    int len = 0;
    if (sscanf(text, "auto %31s%n", name, &len) == 1
        && !strcmp(text + len, "\n") && parse_gen(name, &gen))
        out = spine_path_join(dir, name);
    return out;
}

/* Points the stub at generation gen: write a new stub beside the old one,
 * make it durable, then rename it over the old one in one step. */
static int swap_stub(spine_generation *g, const char *gen_name,
                     spine_error *err)
{
    char *tmp = spine_path_join(g->dir, STUB_NAME ".tmp");
    char *stub = spine_path_join(g->dir, STUB_NAME);
    int rc = SPINE_OK;
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "auto %s\n", gen_name) < 0 || fflush(f) != 0
        || fsync(fileno(f)) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", tmp, strerror(errno));
    }
    if (f && fclose(f) != 0 && rc == SPINE_OK)
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", tmp, strerror(errno));
    if (rc == SPINE_OK && rename(tmp, stub) != 0)
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", stub, strerror(errno));
    if (rc != SPINE_OK)
        remove(tmp);
    else
        sync_dir(g->dir);
    free(tmp);
    free(stub);
    return rc;
}

/* ---- survey and sweep -------------------------------------------------- */

/* Looks at dir without changing it: sets *foreign when it holds anything an
 * index does not, and *max_gen to the highest generation number in use. */
static int survey(const char *dir, int *foreign, unsigned *max_gen,
                  spine_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return spine_error_set(err, SPINE_EIO, "%s: %s", dir,
                               strerror(errno));
    *foreign = 0;
    *max_gen = 0;
    while ((e = readdir(d)) != NULL) {
        unsigned n;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (!layout_entry(e->d_name, &n))
            *foreign = 1;
        else if (n > *max_gen)
            *max_gen = n;
    }
    closedir(d);
    return SPINE_OK;
}

/* Removes the generation (or temporary directory) at path, unless a
 * reader is opening it: a reader holds its readers' lock shared while it
 * opens, and we take it exclusive, without waiting, for as long as the
 * removal lasts.  A generation a reader held is left for the next sweep. */
static void remove_generation(const char *path)
{
    char *lock = spine_path_join(path, READERS_NAME);
    int fd = open(lock, O_RDONLY | O_CLOEXEC);
    free(lock);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return;
    }
    rmtree(path);
    if (fd >= 0)
        close(fd);
}

int spine_generation_hold(const char *gen_dir)
{
    char *lock = spine_path_join(gen_dir, READERS_NAME);
    int fd = open(lock, O_RDONLY | O_CLOEXEC);
    free(lock);
    if (fd >= 0 && flock(fd, LOCK_SH) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

void spine_generation_release(int hold)
{
    if (hold >= 0)
        close(hold);                    /* and with it the shared lock */
}

/* Removes what earlier runs left behind: temporary generations, a stub
 * temporary, and any generation other than live.  Only names of the index
 * layout are touched.  Call with the lock held. */
static void sweep(const char *dir, unsigned live)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        unsigned n, g;
        if (!layout_entry(name, &n) || !strcmp(name, STUB_NAME)
            || !strcmp(name, LOCK_NAME) || (parse_gen(name, &g) && g == live))
            continue;
        char *path = spine_path_join(dir, name);
        remove_generation(path);
        free(path);
    }
    closedir(d);
}

/* ---- a generation's life ----------------------------------------------- */

/* Takes g's index lock (INDEX_DIR/.lock, created if missing), without
 * waiting: SPINE_ELOCKED when another writer holds it. */
static int take_lock(spine_generation *g, spine_error *err)
{
    char *lock = spine_path_join(g->dir, LOCK_NAME);
    g->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(lock);
    if (g->lock_fd < 0)
        return spine_error_set(err, SPINE_EIO, "cannot write to index %s: "
                               "%s", g->dir, strerror(errno));
    if (flock(g->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return spine_error_set(err, SPINE_ELOCKED, "index %s is locked: "
                               "another spine-index is writing it", g->dir);
    return SPINE_OK;
}

int spine_generation_begin(spine_generation **out, const char *dir,
                           spine_error *err)
{
    spine_generation *g = spine_calloc(1, sizeof *g);
    unsigned live, max_gen;
    int foreign, rc;
    char name[32];

    *out = NULL;
    g->lock_fd = -1;
    g->dir = spine_strdup(dir);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rc = spine_error_set(err, SPINE_EIO, "cannot create index %s: %s",
                             dir, strerror(errno));
        goto fail;
    }
    /* Never write (or later sweep) inside a directory that holds something
     * else: a mistyped path must not cost anybody files. */
    read_live_gen(dir, &live);
    rc = survey(dir, &foreign, &max_gen, err);
    if (rc != SPINE_OK)
        goto fail;
    if (foreign && live == 0) {
        rc = spine_error_set(err, SPINE_EINVAL, "%s exists and is not a "
                             "Spine index; refusing to write into it", dir);
        goto fail;
    }

    rc = take_lock(g, err);
    if (rc != SPINE_OK)
        goto fail;

    /* Under the lock the picture may have changed: look again. */
    read_live_gen(dir, &live);
    rc = survey(dir, &foreign, &max_gen, err);
    if (rc != SPINE_OK)
        goto fail;
    sweep(dir, live);

    g->gen = max_gen + 1;
    snprintf(name, sizeof name, GEN_FMT ".tmp", g->gen);
    g->tmp_path = spine_path_join(dir, name);
    if (mkdir(g->tmp_path, 0777) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", g->tmp_path,
                             strerror(errno));
        goto fail;
    }
    *out = g;
    return SPINE_OK;

fail:
    spine_generation_free(g);
    return rc;
}

const char *spine_generation_build_dir(const spine_generation *g)
{
    return g->tmp_path;
}

int spine_generation_commit(spine_generation *g, const char *built,
                            uint64_t *bytes, spine_error *err)
{
    char name[32];
    int rc;

    snprintf(name, sizeof name, GEN_FMT, g->gen);
    char *gen_path = spine_path_join(g->dir, name);
    /* The file readers lock while they open the generation (see
     * remove_generation()). */
    char *lock = spine_path_join(built, READERS_NAME);
    int fd = open(lock, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || close(fd) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", lock,
                             strerror(errno));
        free(lock);
        free(gen_path);
        return rc;
    }
    free(lock);
    sync_dir(built);
    if (rename(built, gen_path) != 0) {
        rc = spine_error_set(err, SPINE_EIO, "%s: %s", gen_path,
                             strerror(errno));
        free(gen_path);
        return rc;
    }
    sync_dir(g->dir);

    rc = swap_stub(g, name, err);
    if (rc != SPINE_OK) {
        rmtree(gen_path);                       /* never live: no reader */
        free(gen_path);
        return rc;
    }
    g->committed = 1;

    /* The new generation is live: the old ones, and the shards, are
     * garbage now, except one a reader is still opening.  Readers that
     * have an old one open keep its files until they close. */
    sweep(g->dir, g->gen);
    *bytes = spine_generation_disk_bytes(gen_path);
    free(gen_path);
    return SPINE_OK;
}

int spine_generation_lock_live(spine_generation **out, const char *dir,
                               spine_error *err)
{
    spine_generation *g = spine_calloc(1, sizeof *g);
    char name[32];
    int rc;

    *out = NULL;
    g->lock_fd = -1;
    g->dir = spine_strdup(dir);
    g->committed = 1;                   /* nothing of its own to remove */
    /* Looked at before the lock too: no lock file is made where there is
     * no index. */
    read_live_gen(dir, &g->gen);
    rc = g->gen ? take_lock(g, err) : SPINE_OK;
    if (rc == SPINE_OK)
        read_live_gen(dir, &g->gen);    /* under the lock */
    if (rc == SPINE_OK && g->gen == 0)
        rc = spine_error_set(err, SPINE_ENOTFOUND, "no index at %s to "
                             "change (build one first: spine-index %s "
                             "SOURCE...)", dir, dir);
    if (rc != SPINE_OK) {
        spine_generation_free(g);
        return rc;
    }
    sweep(dir, g->gen);                 /* what killed builds left */
    snprintf(name, sizeof name, GEN_FMT, g->gen);
    g->live_path = spine_path_join(dir, name);
    *out = g;
    return SPINE_OK;
}

const char *spine_generation_index_dir(const spine_generation *g)
{
    return g->dir;
}

const char *spine_generation_live(const spine_generation *g)
{
    return g->live_path;
}

int spine_generation_announce(spine_generation *g, spine_error *err)
{
    char name[32];
    snprintf(name, sizeof name, GEN_FMT, g->gen);
    return swap_stub(g, name, err);
}

void spine_generation_free(spine_generation *g)
{
    if (!g)
        return;
    if (!g->committed && g->tmp_path)
        rmtree(g->tmp_path);
    if (g->lock_fd >= 0)
        close(g->lock_fd);                   /* releases our flock */
    free(g->tmp_path);
    free(g->live_path);
    free(g->dir);
    free(g);
}
