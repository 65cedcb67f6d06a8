/*
 * gateway - `smtpwarden gateway`: the inline SMTP relay (proxy mode).
 *
 * gateway_main() is the master process: it loads the configuration, binds one SO_REUSEPORT
 * socket per listener per worker, forks the workers (each one event loop, privileges dropped),
 * restarts a worker that dies, reloads on SIGHUP (new workers with the new configuration, old
 * ones drain) and drains everything on SIGTERM/SIGINT. Returns the process exit status.
 */
#ifndef SW_GATEWAY_GATEWAY_H
#define SW_GATEWAY_GATEWAY_H

struct gateway_options {
    const char *config_path; /* NULL = embedded default */
    unsigned workers;        /* 0 = from the configuration */
};

int gateway_main(const struct gateway_options *opt);

#endif
