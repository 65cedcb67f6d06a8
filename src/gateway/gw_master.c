/*
 * gw_master - the gateway's master process: configuration, listening sockets (one
 * SO_REUSEPORT socket per listener per worker, so the kernel spreads connections), worker
 * processes, restarts, reload on SIGHUP and shutdown on SIGTERM/SIGINT.
 *
 * A reload starts a new generation of workers on new sockets before the old generation is told
 * to drain, so no connection attempt finds the port closed. The master keeps its privileges
 * (to bind again on reload); workers drop theirs once their files are open.
 */
#include "gateway/gateway.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <netinet/in.h>

#include "config/config.h"
#include "gateway/gw_content.h"
#include "gateway/gw_proof.h"
#include "gateway/gw_tls.h"
#include "gateway/gw_worker.h"
#include "util/log.h"
#include "util/mem.h"

#define MAX_GENERATIONS 8

struct generation {
    struct sw_config *cfg;
    unsigned nworkers;
    int *fds;    /* nworkers x nlisten; -1 once closed */
    pid_t *pids; /* 0 = not running */
    time_t *started;
    bool retiring;              /* told to drain */
    struct gw_content *content; /* compiled once here, shared by the forked workers */
};

struct master {
    const struct gateway_options *opt;
    struct generation *gens[MAX_GENERATIONS];
    size_t ngens;
    bool stopping;
};

/* open_listener - one bound, listening, non-blocking socket with SO_REUSEPORT */
static int
open_listener(const struct cfg_listen *l)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
    char port[8];
    int fd = -1, one = 1, e;

    snprintf(port, sizeof port, "%u", l->port);
    e = getaddrinfo(l->host, port, &hints, &res);
    if (e != 0) {
        log_error("listen %s: %s", l->address, gai_strerror(e));
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto out_error;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (res->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0)
        goto out_error;
    freeaddrinfo(res);
    return fd;
out_error:
    log_error("listen %s: %s", l->address, strerror(errno));
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    return -1;
}

/* drop_privileges - in a worker, once its files are open */
static int
drop_privileges(const struct sw_config *cfg)
{
    const char *user = cfg->gateway.user;
    struct passwd *pw;

    if (user == NULL || geteuid() != 0)
        return 0;
    pw = getpwnam(user);
    if (pw == NULL) {
        log_error("user %s: no such user", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
        setuid(pw->pw_uid) < 0) {
        log_error("cannot switch to user %s: %s", user, strerror(errno));
        return -1;
    }
    return 0;
}

/* close_foreign_fds - in a new worker: close every listening socket that is not its own */
static void
close_foreign_fds(struct master *m, struct generation *mine, unsigned slot)
{
    for (size_t g = 0; g < m->ngens; g++) {
        struct generation *gen = m->gens[g];
        size_t nl = gen->cfg->gateway.nlisten;
        for (unsigned wkr = 0; wkr < gen->nworkers; wkr++) {
            if (gen == mine && wkr == slot)
                continue;
            for (size_t i = 0; i < nl; i++)
                if (gen->fds[wkr * nl + i] >= 0)
                    close(gen->fds[wkr * nl + i]);
        }
    }
}

/* spawn_worker - fork the worker for one slot of a generation */
static int
spawn_worker(struct master *m, struct generation *gen, unsigned slot)
{
    size_t nl = gen->cfg->gateway.nlisten;
    sigset_t none;
    pid_t pid = fork();

    if (pid < 0) {
        log_error("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        close_foreign_fds(m, gen, slot);
        _exit(
            gw_worker_run(gen->cfg, gen->content, slot, &gen->fds[slot * nl], nl, drop_privileges));
    }
    gen->pids[slot] = pid;
    gen->started[slot] = time(NULL);
    return 0;
}

/* generation_free - close its sockets and free it */
static void
generation_free(struct generation *gen)
{
    size_t n = gen->cfg ? gen->nworkers * gen->cfg->gateway.nlisten : 0;
    for (size_t i = 0; i < n; i++)
        if (gen->fds[i] >= 0)
            close(gen->fds[i]);
    free(gen->fds);
    free(gen->pids);
    free(gen->started);
    gw_content_free(gen->content);
    config_free(gen->cfg);
    free(gen);
}

/* old_socket - where the previous generation holds a socket for this slot and address: an
 * index into old->fds, or -1 */
static long
old_socket(const struct generation *old, unsigned slot, const struct cfg_listen *l)
{
    size_t onl;

    if (old == NULL || slot >= old->nworkers)
        return -1;
    onl = old->cfg->gateway.nlisten;
    for (size_t j = 0; j < onl; j++) {
        const struct cfg_listen *ol = &old->cfg->gateway.listen[j];
        size_t k = slot * onl + j;
        if (old->fds[k] >= 0 && ol->port == l->port && strcmp(ol->host, l->host) == 0)
            return (long)k;
    }
    return -1;
}

/* generation_alloc - an empty generation of n workers for cfg */
static struct generation *
generation_alloc(struct sw_config *cfg, unsigned n)
{
    struct generation *gen = xcalloc(1, sizeof *gen);
    size_t nl = cfg->gateway.nlisten;

    gen->cfg = cfg;
    gen->nworkers = n;
    gen->fds = xcalloc(n * nl, sizeof *gen->fds);
    gen->pids = xcalloc(n, sizeof *gen->pids);
    gen->started = xcalloc(n, sizeof *gen->started);
    for (size_t i = 0; i < n * nl; i++)
        gen->fds[i] = -1;
    return gen;
}

/*
 * generation_start - bind every socket, then fork every worker; NULL on failure (cfg stays the
 * caller's). A socket of the previous generation for the same worker slot and address is handed
 * over instead of a new one: closing an SO_REUSEPORT socket resets the connections in its accept
 * queue, so a reload keeps it open and lets the new worker accept from it.
 */
static struct generation *
generation_start(struct master *m, struct sw_config *cfg, struct generation *old)
{
    size_t nl = cfg->gateway.nlisten;
    unsigned n = m->opt->workers ? m->opt->workers : cfg->gateway.workers;
    struct generation *gen;
    long *from_old;

    if (n == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 0 ? (unsigned)cores : 1;
    }
    gen = generation_alloc(cfg, n);
    if (cfg->content.enabled) {
        /* the DLP databases are built once, before fork: workers start at once and share
         * the pages */
        struct buf err;
        buf_init(&err, 0);
        gen->content = gw_content_new(cfg, &err);
        if (gen->content == NULL) {
            log_error("%s", err.data);
            buf_release(&err);
            gen->cfg = NULL;
            generation_free(gen);
            return NULL;
        }
        buf_release(&err);
    }
    from_old = xcalloc(n * nl, sizeof *from_old);
    for (size_t i = 0; i < n * nl; i++) {
        from_old[i] = old_socket(old, (unsigned)(i / nl), &cfg->gateway.listen[i % nl]);
        if (from_old[i] < 0 && (gen->fds[i] = open_listener(&cfg->gateway.listen[i % nl])) < 0) {
            for (size_t k = 0; k < i; k++)
                if (gen->fds[k] >= 0)
                    close(gen->fds[k]);
            gen->cfg = NULL; /* the caller still owns cfg; the old sockets stay where they are */
            free(from_old);
            generation_free(gen);
            return NULL;
        }
    }
    for (size_t i = 0; i < n * nl; i++) {
        if (from_old[i] >= 0) {
            gen->fds[i] = old->fds[from_old[i]];
            old->fds[from_old[i]] = -1;
        }
    }
    free(from_old);
    if (m->ngens == MAX_GENERATIONS)
        die_bug("too many worker generations");
    m->gens[m->ngens++] = gen;
    for (unsigned i = 0; i < n; i++)
        spawn_worker(m, gen, i);
    for (size_t i = 0; i < nl; i++)
        log_info("listening on %s (%s), %u worker(s)", cfg->gateway.listen[i].address,
                 cfg->gateway.listen[i].tls == CFG_TLS_IMPLICIT ? "implicit TLS"
                 : cfg->gateway.listen[i].tls == CFG_TLS_NONE   ? "no TLS"
                                                                : "STARTTLS",
                 n);
    return gen;
}

/* load_config - the file or the embedded default, with self-signed certificates prepared */
static struct sw_config *
load_config(const char *path)
{
    struct config_diag d;
    struct sw_config *cfg;
    const char *text = config_embedded_default();

    config_diag_init(&d);
    cfg = path ? config_load_file(path, &d) : config_load_string(text, strlen(text), NULL, &d);
    if (d.text.len > 0)
        fprintf(stderr, "%s", d.text.data);
    config_diag_release(&d);
    if (cfg != NULL && cfg->log_level != NULL)
        log_set_level(strcmp(cfg->log_level, "debug") == 0     ? LOG_LEVEL_DEBUG
                      : strcmp(cfg->log_level, "warning") == 0 ? LOG_LEVEL_WARN
                      : strcmp(cfg->log_level, "error") == 0   ? LOG_LEVEL_ERROR
                                                               : LOG_LEVEL_INFO);
    if (cfg != NULL && (cfg->gateway.nlisten == 0 || cfg->gateway.next_hop.host == NULL)) {
        log_error("%s has no 'gateway' section (listen, next_hop): nothing to run",
                  path ? path : "the configuration");
        cfg = config_free(cfg);
    }
    if (cfg != NULL)
        gw_proof_apply(cfg); /* unproven domains are not owned (policy.require_domain_proof) */
    if (cfg != NULL && cfg->gateway.tls.self_signed && cfg->gateway.tls.certificate != NULL) {
        struct buf err;
        buf_init(&err, 0);
        if (gw_tls_ensure_self_signed(cfg->gateway.tls.certificate,
                                      cfg->gateway.tls.key ? cfg->gateway.tls.key
                                                           : cfg->gateway.tls.certificate,
                                      cfg->gateway.hostname, &err) < 0) {
            log_error("self-signed certificate: %s", err.data);
            cfg = config_free(cfg);
        }
        buf_release(&err);
    }
    if (cfg != NULL) {
        struct buf err;
        buf_init(&err, 0);
        if (gw_content_prepare(cfg, &err) < 0) {
            log_error("%s", err.data);
            cfg = config_free(cfg);
        }
        buf_release(&err);
    }
    return cfg;
}

/* retire_generation - tell every worker of a generation to drain */
static void
retire_generation(struct generation *gen)
{
    size_t n = gen->nworkers * gen->cfg->gateway.nlisten;

    gen->retiring = true;
    for (unsigned i = 0; i < gen->nworkers; i++)
        if (gen->pids[i] > 0)
            kill(gen->pids[i], SIGTERM);
    for (size_t i = 0; i < n; i++) { /* the kernel stops routing to sockets nobody holds */
        if (gen->fds[i] >= 0)
            close(gen->fds[i]);
        gen->fds[i] = -1;
    }
}

static void master_reap(struct master *m);

/* master_reload - SIGHUP: a new generation on the new configuration, then retire the old */
static void
master_reload(struct master *m)
{
    struct sw_config *cfg;
    struct generation *old;

    if (m->opt->config_path == NULL) {
        log_info("reload: running on the embedded configuration, nothing to reload");
        return;
    }
    master_reap(m); /* old generations that finished draining make room */
    if (m->ngens == MAX_GENERATIONS) {
        /* a burst of SIGHUPs while old workers still drain sessions: refuse, never abort */
        log_warn("reload: %d older generations are still draining; not reloading now, send "
                 "SIGHUP again later",
                 MAX_GENERATIONS - 1);
        return;
    }
    old = m->ngens ? m->gens[m->ngens - 1] : NULL;
    log_info("reload: reading %s", m->opt->config_path);
    cfg = load_config(m->opt->config_path);
    if (cfg == NULL) {
        log_error("reload: %s has errors; keeping the running configuration", m->opt->config_path);
        return;
    }
    if (generation_start(m, cfg, old) == NULL) {
        log_error("reload: cannot open the new listeners; keeping the running configuration");
        config_free(cfg);
        return;
    }
    if (old != NULL)
        retire_generation(old);
}

/* generation_running - workers still alive */
static unsigned
generation_running(const struct generation *gen)
{
    unsigned n = 0;
    for (unsigned i = 0; i < gen->nworkers; i++)
        n += gen->pids[i] > 0;
    return n;
}

/* master_reap - collect exited workers; restart a crashed current one; drop empty old gens */
static void
master_reap(struct master *m)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t g = 0; g < m->ngens; g++) {
            struct generation *gen = m->gens[g];
            for (unsigned i = 0; i < gen->nworkers; i++) {
                if (gen->pids[i] != pid)
                    continue;
                gen->pids[i] = 0;
                bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
                if (WIFEXITED(status) && WEXITSTATUS(status) == GW_WORKER_EXIT_SETUP) {
                    log_error("worker %ld could not start (see above); not restarting it",
                              (long)pid);
                } else if (!gen->retiring && !m->stopping) {
                    log_error("worker %ld exited (%s %d); restarting", (long)pid,
                              WIFSIGNALED(status) ? "signal" : "status",
                              WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
                    if (!clean && time(NULL) - gen->started[i] < 1)
                        sleep(1); /* a worker failing at start must not spin */
                    spawn_worker(m, gen, i);
                }
            }
        }
    }
    for (size_t g = 0; g < m->ngens;) {
        struct generation *gen = m->gens[g];
        if (gen->retiring && generation_running(gen) == 0) {
            generation_free(gen);
            memmove(&m->gens[g], &m->gens[g + 1], (m->ngens - g - 1) * sizeof m->gens[0]);
            m->ngens--;
        } else {
            g++;
        }
    }
}

/* master_running - workers alive across every generation */
static unsigned
master_running(const struct master *m)
{
    unsigned n = 0;
    for (size_t g = 0; g < m->ngens; g++)
        n += generation_running(m->gens[g]);
    return n;
}

/* master_stop - SIGTERM: every worker drains; wait for them, bounded */
static int
master_stop(struct master *m)
{
    unsigned limit = 0;
    time_t deadline;

    m->stopping = true;
    for (size_t g = 0; g < m->ngens; g++) {
        if (m->gens[g]->cfg->gateway.drain_timeout > limit)
            limit = m->gens[g]->cfg->gateway.drain_timeout;
        retire_generation(m->gens[g]);
    }
    deadline = time(NULL) + limit + 30;
    while (m->ngens > 0 && time(NULL) < deadline) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
        master_reap(m);
        nanosleep(&ts, NULL);
    }
    for (size_t g = 0; g < m->ngens; g++)
        for (unsigned i = 0; i < m->gens[g]->nworkers; i++)
            if (m->gens[g]->pids[i] > 0)
                kill(m->gens[g]->pids[i], SIGKILL);
    master_reap(m);
    for (size_t g = 0; g < m->ngens; g++)
        generation_free(m->gens[g]);
    m->ngens = 0;
    log_info("stopped");
    return 0;
}

int
gateway_main(const struct gateway_options *opt)
{
    struct master m = {.opt = opt};
    struct sw_config *cfg;
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    cfg = load_config(opt->config_path);
    if (cfg == NULL)
        die("%s: the configuration has errors", opt->config_path ? opt->config_path : "<embedded>");
    if (geteuid() == 0 && cfg->gateway.user == NULL)
        log_warn("running as root: set gateway.user to drop privileges in the workers");
    if (generation_start(&m, cfg, NULL) == NULL) {
        config_free(cfg);
        die("cannot open the listeners");
    }
    for (;;) {
        int sig = sigwaitinfo(&set, NULL);
        if (sig == SIGCHLD) {
            master_reap(&m);
            if (master_running(&m) == 0) {
                log_error("no worker is running: stopping");
                master_stop(&m);
                return 1;
            }
        } else if (sig == SIGHUP)
            master_reload(&m);
        else if (sig == SIGTERM || sig == SIGINT)
            return master_stop(&m);
    }
}
