/* fuzz_sensor_decode - frames of a fuzzer-chosen link type through the decoder, then the same
 * frames through a whole engine with small bounds (fragments, flows, reassembly).
 *
 * Input: 1 byte picks the link type, then records of [length: 2 bytes][frame]. The input is
 * copied into exact-size buffers so ASan sees any read past a frame. Checks: whatever the
 * decoder returns points inside the frame; the engine's memory stays within its cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = {
    SENSOR_LINK_NULL,     SENSOR_LINK_EN10MB,     SENSOR_LINK_RAW,       SENSOR_LINK_RAW_BSD,
    SENSOR_LINK_RAW_FILE, SENSOR_LINK_LOOP,       SENSOR_LINK_LINUX_SLL, SENSOR_LINK_IPV4,
    SENSOR_LINK_IPV6,     SENSOR_LINK_LINUX_SLL2, 147 /* unsupported */,
};

/* inside - [p, p+n) lies within [base, base+len) */
static int
inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
    return n == 0 || (p >= base && p <= base + len && n <= (size_t)(base + len - p));
}

/* check_decode - the decoder's pointers stay in the frame */
static void
check_decode(int link, const uint8_t *f, size_t len)
{
    struct sensor_packet p;

    if (sensor_decode_frame(link, f, len, &p) != SENSOR_DECODE_OK)
        return;
    if (p.ip_version != 4 && p.ip_version != 6)
        abort();
    if (!inside(p.l4, p.l4_len, f, len))
        abort();
    if (p.has_tcp && !inside(p.payload, p.payload_len, f, len))
        abort();
    if (p.vlan_count > SENSOR_DECODE_MAX_VLANS)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sensor_engine_cfg cfg;

    if (size < 1)
        return 0;
    int link = links[data[0] % (sizeof links / sizeof links[0])];
    sensor_engine_cfg_defaults(&cfg);
    cfg.max_flows = 8;
    cfg.max_mem = 16 * 1024;
    cfg.max_queue_bytes = 512;
    cfg.max_queue_segments = 4;
    cfg.frag_max_datagrams = 4;
    cfg.frag_max_bytes = 80 * 1024;
    struct sensor_engine *e = sensor_engine_new(&cfg);
    uint64_t ts = 0;
    for (size_t off = 1; off < size;) {
        size_t len = size - off;
        if (len >= 2) {
            size_t want = ((size_t)data[off] << 8) | data[off + 1];
            off += 2;
            len = size - off < want ? size - off : want;
        } else {
            off = size;
            len = 0;
        }
        uint8_t *f = malloc(len ? len : 1);
        memcpy(f, data + off, len);
        check_decode(link, f, len);
        sensor_engine_frame(e, link, ts, f, len);
        free(f);
        off += len;
        ts += 1000000;
        if (sensor_flow_mem(sensor_engine_flows(e)) > cfg.max_mem)
            abort();
    }
    sensor_engine_finish(e);
    sensor_engine_free(e);
    return 0;
}
