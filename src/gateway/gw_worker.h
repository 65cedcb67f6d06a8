/*
 * gw_worker - run one gateway worker (called in the forked child).
 *
 * gw_worker_run() takes the listening sockets (one per configured listener, in order), sets up
 * TLS, AUTH and events, calls drop_privileges (may be NULL) once files are open, and runs the
 * event loop until SIGTERM/SIGINT has drained every session. Returns the exit status.
 */
#ifndef SW_GATEWAY_GW_WORKER_H
#define SW_GATEWAY_GW_WORKER_H

#include <stddef.h>

#include "config/config.h"

/* the exit status of a worker whose files or settings are unusable: not worth restarting */
#define GW_WORKER_EXIT_SETUP 78

struct gw_content;

/* content: the content engine built by the master (may be NULL: content.enabled is false);
 * slot: the worker's index in its generation (names its behaviour snapshot) */
int gw_worker_run(const struct sw_config *cfg, struct gw_content *content, unsigned slot,
                  const int *fds, size_t nfds, int (*drop_privileges)(const struct sw_config *));

#endif
