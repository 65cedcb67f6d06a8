/*
 * sensor_pcap - libpcap input for the sensor engine: a capture file (-r, pcap or pcapng, which
 * pcap_open_offline reads alike) or a live interface (-i), with an optional BPF filter.
 *
 * sensor_pcap_read_file() runs every frame of the file through the engine at the file's own
 * timestamps (microseconds), then closes the remaining flows (END_OF_INPUT). sensor_pcap_live()
 * captures until *stop becomes non-zero (a signal handler's flag), then does the same. Both
 * return 0, or -1 with a message in `err` (cannot open, bad filter, unsupported link type).
 * The engine's stats say what was seen. Not thread-safe per engine.
 */
#ifndef SW_SENSOR_PCAP_H
#define SW_SENSOR_PCAP_H

#include <signal.h>

#include "sensor/sensor_engine.h"
#include "util/buf.h"

/* sensor_pcap_read_file - the whole file through e; bpf may be NULL */
int sensor_pcap_read_file(struct sensor_engine *e, const char *path, const char *bpf,
                          struct buf *err);

/* sensor_pcap_live - capture on iface until *stop; bpf may be NULL */
int sensor_pcap_live(struct sensor_engine *e, const char *iface, const char *bpf,
                     const volatile sig_atomic_t *stop, struct buf *err);

#endif
