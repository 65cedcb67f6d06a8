/* sensor_pcap_loop - the line rate of reading a capture file: a minimal libpcap loop that
 * touches every packet (sums its bytes) and does nothing else. bench/sensor/run.sh compares
 * `smtpwarden sensor` with it. Usage: sensor_pcap_loop FILE; prints one line of figures. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

int
main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0, sum = 0;
    struct timespec t0, t1;
    pcap_t *p;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: sensor_pcap_loop FILE\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    p = pcap_open_offline(argv[1], err);
    if (p == NULL) {
        fprintf(stderr, "sensor_pcap_loop: %s\n", err);
        return 2;
    }
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
        sum += data[h->caplen - 1]; /* the packet is read, as a consumer would */
    }
    if (rc == PCAP_ERROR)
        fprintf(stderr, "sensor_pcap_loop: %s\n", pcap_geterr(p));
    pcap_close(p);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("packets %llu bytes %llu seconds %.3f MB/s %.1f (checksum %llu)\n",
           (unsigned long long)packets, (unsigned long long)bytes, secs, (double)bytes / 1e6 / secs,
           (unsigned long long)sum);
    return rc == PCAP_ERROR ? 1 : 0;
}
