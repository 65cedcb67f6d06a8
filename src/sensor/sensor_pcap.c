/* sensor_pcap - libpcap file and interface reading for the sensor engine (see sensor_pcap.h) */
#include "sensor/sensor_pcap.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <string.h>

struct feed {
    struct sensor_engine *e;
    int link;
};

/* on_packet - pcap_dispatch's callback: one frame to the engine */
static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct feed *f = (struct feed *)user;
    uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;

    sensor_engine_frame(f->e, f->link, ts, bytes, h->caplen);
}

/* prepare - the link type check and the filter */
static int
prepare(pcap_t *p, const char *bpf, struct feed *f, struct buf *err)
{
    struct bpf_program prog;

    f->link = pcap_datalink(p);
    if (!sensor_decode_link_is_supported(f->link)) {
        buf_printf(err, "unsupported link type %d (%s)", f->link,
                   pcap_datalink_val_to_name(f->link) ? pcap_datalink_val_to_name(f->link) : "?");
        return -1;
    }
    if (bpf == NULL || *bpf == '\0')
        return 0;
    if (pcap_compile(p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        buf_printf(err, "filter \"%s\": %s", bpf, pcap_geterr(p));
        return -1;
    }
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc < 0) {
        buf_printf(err, "filter \"%s\": %s", bpf, pcap_geterr(p));
        return -1;
    }
    return 0;
}

/* sensor_pcap_read_file - every frame, then END_OF_INPUT */
int
sensor_pcap_read_file(struct sensor_engine *e, const char *path, const char *bpf, struct buf *err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct feed f = {e, 0};
    int rc = -1;

    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (p == NULL) {
        buf_printf(err, "%s: %s", path, errbuf);
        return -1;
    }
    if (prepare(p, bpf, &f, err) < 0)
        goto out_close;
    if (pcap_loop(p, -1, on_packet, (u_char *)&f) == PCAP_ERROR) {
        buf_printf(err, "%s: %s", path, pcap_geterr(p));
        goto out_finish;
    }
    rc = 0;
out_finish:
    sensor_engine_finish(e);
out_close:
    pcap_close(p);
    return rc;
}

/* sensor_pcap_live - capture with a short read timeout so *stop is seen promptly */
int
sensor_pcap_live(struct sensor_engine *e, const char *iface, const char *bpf,
                 const volatile sig_atomic_t *stop, struct buf *err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct feed f = {e, 0};
    int rc = -1;

    pcap_t *p = pcap_create(iface, errbuf);
    if (p == NULL) {
        buf_printf(err, "%s: %s", iface, errbuf);
        return -1;
    }
    pcap_set_snaplen(p, 262144);
    pcap_set_promisc(p, 1);
    pcap_set_timeout(p, 100);
    pcap_set_buffer_size(p, 32 << 20);
    if (pcap_activate(p) < 0) {
        buf_printf(err, "%s: %s", iface, pcap_geterr(p));
        goto out_close;
    }
    if (prepare(p, bpf, &f, err) < 0)
        goto out_close;
    /* libpcap's read timeout does not make a quiet Linux capture return, so the stop flag
     * would wait for the next packet: wait in poll(2) ourselves, read without blocking */
    int fd = pcap_get_selectable_fd(p);
    if (fd < 0 || pcap_setnonblock(p, 1, errbuf) < 0) {
        buf_printf(err, "%s: cannot wait for packets without blocking: %s", iface, errbuf);
        goto out_finish;
    }
    while (!*stop) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 100) < 0 && errno != EINTR) {
            buf_printf(err, "%s: poll: %s", iface, strerror(errno));
            goto out_finish;
        }
        if (pcap_dispatch(p, -1, on_packet, (u_char *)&f) == PCAP_ERROR) {
            buf_printf(err, "%s: %s", iface, pcap_geterr(p));
            goto out_finish;
        }
    }
    rc = 0;
out_finish:
    sensor_engine_finish(e);
out_close:
    pcap_close(p);
    return rc;
}
