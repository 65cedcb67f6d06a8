/*
 * sensor_decode - one captured frame to the facts the sensor needs: IP version, addresses,
 * protocol, fragment fields and, for TCP, ports, sequence numbers, flags, window and payload.
 *
 * sensor_decode_frame() takes the pcap link type (the DLT value pcap_datalink() returns, or the
 * LINKTYPE value stored in a file: both are accepted) and the captured bytes:
 *   SENSOR_LINK_NULL / SENSOR_LINK_LOOP   BSD loopback (4-byte family, host / network order)
 *   SENSOR_LINK_EN10MB                    Ethernet II with any stack of 802.1Q / 802.1ad / QinQ
 *                                         (0x8100, 0x88a8, 0x9100) tags, at most
 *                                         SENSOR_DECODE_MAX_VLANS
 *   SENSOR_LINK_LINUX_SLL / _SLL2         Linux cooked capture v1 and v2
 *   SENSOR_LINK_RAW* / _IPV4 / _IPV6      raw IP (version from the first nibble)
 * IPv4 options are skipped; IPv6 extension headers (hop-by-hop, routing, destination options,
 * AH, fragment) are walked, at most SENSOR_DECODE_MAX_EXT of them. A fragment (IPv4 with MF or
 * an offset, IPv6 with a fragment header that is not atomic) is reported in `frag_*` and its
 * TCP header is not parsed: IPv4 fragments go to sensor_ipfrag, which hands the reassembled
 * payload back to sensor_decode_l4(). IPv6 fragments are reported only.
 *
 * Addresses are 16 bytes; IPv4 ones are stored IPv4-mapped (::ffff:a.b.c.d) so one flow key
 * serves both versions. Pointers in the result point into the caller's frame (nothing is
 * copied). The IP total / payload length clips Ethernet padding; a total length of 0 on IPv4
 * (TCP segmentation offload on the capturing host) means "the rest of the frame".
 *
 * Checksums are not verified: capture on a sending host sees offloaded, unfinished checksums.
 * Errors come back as an enum sensor_decode_err; a truncated or malformed frame never makes the
 * decoder read past `len`. Pure functions, thread-safe, no allocation.
 */
#ifndef SW_SENSOR_DECODE_H
#define SW_SENSOR_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sensor_link {
    SENSOR_LINK_NULL = 0,
    SENSOR_LINK_EN10MB = 1,
    SENSOR_LINK_RAW = 12,       /* DLT_RAW on most systems */
    SENSOR_LINK_RAW_BSD = 14,   /* DLT_RAW on some BSDs */
    SENSOR_LINK_RAW_FILE = 101, /* LINKTYPE_RAW as stored in files */
    SENSOR_LINK_LOOP = 108,
    SENSOR_LINK_LINUX_SLL = 113,
    SENSOR_LINK_IPV4 = 228,
    SENSOR_LINK_IPV6 = 229,
    SENSOR_LINK_LINUX_SLL2 = 276,
};

enum sensor_decode_err {
    SENSOR_DECODE_OK = 0,
    SENSOR_DECODE_UNSUPPORTED_LINK, /* link type we do not decode */
    SENSOR_DECODE_TRUNCATED,        /* a header or declared length runs past the capture */
    SENSOR_DECODE_MALFORMED,        /* impossible header values (IHL < 5, TCP offset < 5...) */
    SENSOR_DECODE_NOT_IP,           /* a frame that carries something else (ARP, LLDP...) */
    SENSOR_DECODE_TOO_MANY_VLANS,   /* more tags than SENSOR_DECODE_MAX_VLANS */
    SENSOR_DECODE_TOO_MANY_EXT,     /* more IPv6 extension headers than SENSOR_DECODE_MAX_EXT */
    SENSOR_DECODE_ERR_COUNT
};

#define SENSOR_DECODE_MAX_VLANS 4
#define SENSOR_DECODE_MAX_EXT 8

enum {
    SENSOR_TCP_FIN = 0x01,
    SENSOR_TCP_SYN = 0x02,
    SENSOR_TCP_RST = 0x04,
    SENSOR_TCP_PSH = 0x08,
    SENSOR_TCP_ACK = 0x10,
    SENSOR_TCP_URG = 0x20,
};

enum { SENSOR_PROTO_TCP = 6, SENSOR_PROTO_UDP = 17 };

struct sensor_packet {
    uint8_t ip_version; /* 4 or 6 */
    uint8_t proto;      /* the upper-layer protocol after extension headers */
    uint8_t vlan_count;
    uint16_t vlan[SENSOR_DECODE_MAX_VLANS]; /* VLAN ids, outermost first */
    uint8_t src[16], dst[16];               /* IPv4 stored IPv4-mapped */

    /* fragment fields: frag_is_fragment is set for a non-atomic fragment */
    bool frag_is_fragment;
    bool frag_more;
    uint32_t frag_id;     /* IPv4: 16-bit identification; IPv6: 32-bit */
    uint32_t frag_offset; /* in bytes */

    const uint8_t *l4; /* IP payload after all IP headers, clipped to the IP length */
    size_t l4_len;

    /* TCP, set when proto == SENSOR_PROTO_TCP and the packet is not a fragment */
    bool has_tcp;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t tcp_flags;
    uint16_t window;
    const uint8_t *payload;
    size_t payload_len;
};

/* sensor_decode_frame - decode one frame of link type `link`; SENSOR_DECODE_OK or an error */
enum sensor_decode_err sensor_decode_frame(int link, const uint8_t *frame, size_t len,
                                           struct sensor_packet *p);

/* sensor_decode_l4 - parse the TCP header of an IP payload (used after fragment reassembly);
 * sets p->l4/l4_len and, for TCP, the TCP fields */
enum sensor_decode_err sensor_decode_l4(struct sensor_packet *p, const uint8_t *l4, size_t len);

/* sensor_decode_err_name - a short stable name for logs and stats ("truncated") */
const char *sensor_decode_err_name(enum sensor_decode_err err);

/* sensor_decode_link_is_supported - true for the link types listed above */
bool sensor_decode_link_is_supported(int link);

#endif
