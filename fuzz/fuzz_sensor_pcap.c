/* fuzz_sensor_pcap - the fuzzer's bytes as a capture file through the whole sensor: libpcap
 * (pcap or pcapng), decoding, fragments, flows, reassembly, passive SMTP with the content
 * engine, detections and both outputs, with small bounds.
 *
 * Input: when it starts with a pcap or pcapng magic number it is the file as it is; otherwise a
 * pcap file header (Ethernet, snap length 65535) is put before it, so the mutator works on the
 * records. Always: the run ends (read error or end of file), and the flow table is within its
 * bounds at the end. The content engine is built once (Hyperscan compiles slowly); everything
 * else per input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content/content_scan.h"
#include "sensor/sensor_app.h"
#include "sensor/sensor_pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* content_engine - built at the first input and kept (a harness, not a library) */
static const struct content_engine *
content_engine(void)
{
    static struct content_engine *engine;
    char err[256];

    if (engine == NULL) {
        struct content_options o = content_options_default();
        o.max_attachment_bytes = 1 << 20;
        engine = content_engine_new(&o, err, sizeof err);
        if (engine == NULL)
            abort();
    }
    return engine;
}

/* write_capture - the input as a file, with a pcap header when it has none */
static int
write_capture(const char *path, const uint8_t *data, size_t size)
{
    static const uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
    uint32_t magic = 0;
    FILE *f = fopen(path, "wb");

    if (f == NULL)
        return -1;
    if (size >= 4)
        memcpy(&magic, data, 4);
    if (magic != 0xa1b2c3d4 && magic != 0xd4c3b2a1 && magic != 0xa1b23c4d && magic != 0x4d3cb2a1 &&
        magic != 0x0a0d0d0a)
        fwrite(header, 4, 6, f);
    fwrite(data, 1, size, f);
    return fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    struct cidr_list servers = {0}, clients = {0};
    struct cidr net;
    struct buf err;
    static const uint8_t salt[] = "fuzz-salt";

    snprintf(path, sizeof path, "/tmp/fuzz_sensor_pcap.%d.pcap", (int)getpid());
    if (write_capture(path, data, size) < 0)
        return 0;
    cidr_parse("10.0.0.0/8", &net);
    cidr_list_add(&servers, &net);
    cidr_parse("192.168.0.0/16", &net);
    cidr_list_add(&clients, &net);

    FILE *out = fopen("/dev/null", "w");
    struct sensor_app_options o = {.content = content_engine(),
                                   .detect = {&servers, &clients},
                                   .pw_salt = salt,
                                   .pw_salt_len = sizeof salt - 1,
                                   .max_detect_hold = 64,
                                   .json = out,
                                   .zeek = out};
    struct sensor_app *app = sensor_app_new(&o);
    struct sensor_engine_cfg cfg;
    sensor_engine_cfg_defaults(&cfg);
    cfg.max_flows = 16;
    cfg.max_mem = 256 * 1024;
    cfg.max_queue_bytes = 16 * 1024;
    cfg.max_queue_segments = 32;
    cfg.frag_max_datagrams = 8;
    cfg.frag_max_bytes = 16 * 1024;
    sensor_app_engine_cfg(app, &cfg);
    struct sensor_engine *e = sensor_engine_new(&cfg);
    buf_init(&err, 0);
    sensor_pcap_read_file(e, path, NULL, &err);
    const struct sensor_flow_table *t = sensor_engine_flows(e);
    if (sensor_flow_count(t) != 0) /* every flow closed at the end of the input */
        abort();
    if (sensor_engine_stats(e)->flow.peak_flows > cfg.max_flows)
        abort();
    buf_release(&err);
    sensor_engine_free(e);
    sensor_app_free(app);
    fclose(out);
    cidr_list_release(&servers);
    cidr_list_release(&clients);
    unlink(path);
    return 0;
}
