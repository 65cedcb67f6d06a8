#!/usr/bin/python3
"""extract_streams - write the two reassembled byte streams of each TCP session to port 25
of a classic pcap (Ethernet, no loss) as <prefix>-<n>.c2s / .s2c, for test_sensor_smtp.

Usage: extract_streams.py capture.pcap out_prefix [port]
Sessions are numbered in the order of their first packet. Retransmitted bytes are kept once.
"""
import struct
import sys


def packets(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    link = struct.unpack(end + 'I', data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + 'IIII', data[off:off + 16])
        yield link, data[off + 16:off + 16 + incl]
        off += 16 + incl


def tcp_segments(path):
    for link, fr in packets(path):
        if link != 1 or len(fr) < 14:
            continue
        eth = struct.unpack('!H', fr[12:14])[0]
        p = 14
        if eth == 0x8100:
            eth = struct.unpack('!H', fr[16:18])[0]
            p = 18
        if eth != 0x0800:
            continue
        ihl = (fr[p] & 15) * 4
        total = struct.unpack('!H', fr[p + 2:p + 4])[0]
        if fr[p + 9] != 6:
            continue
        src, dst = fr[p + 12:p + 16], fr[p + 16:p + 20]
        t = p + ihl
        sport, dport, seq = struct.unpack('!HHI', fr[t:t + 8])
        doff = (fr[t + 12] >> 4) * 4
        flags = fr[t + 13]
        payload = fr[t + doff:p + total]
        yield src, sport, dst, dport, seq, flags, payload


def main():
    path, prefix = sys.argv[1], sys.argv[2]
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    sessions = {}
    order = []
    for src, sport, dst, dport, seq, flags, payload in tcp_segments(path):
        if dport == port:
            key, d = (src, sport, dst, dport), 0
        elif sport == port:
            key, d = (dst, dport, src, sport), 1
        else:
            continue
        if key not in sessions:
            sessions[key] = [{}, {}, [None, None]]
            order.append(key)
        sess = sessions[key]
        if flags & 2:  # SYN
            sess[2][d] = (seq + 1) & 0xffffffff
            continue
        if payload:
            sess[0 + d].setdefault(seq, payload)
    for n, key in enumerate(order, 1):
        sess = sessions[key]
        for d, ext in ((0, 'c2s'), (1, 's2c')):
            segs = sess[d]
            nxt = sess[2][d] if sess[2][d] is not None else (min(segs) if segs else 0)
            out = bytearray()
            progress = True
            while progress:
                progress = False
                for seq in sorted(segs):
                    data = segs[seq]
                    rel = (seq - nxt) & 0xffffffff
                    if rel == 0 or (rel > 0x80000000 and (nxt - seq) & 0xffffffff < len(data)):
                        skip = (nxt - seq) & 0xffffffff if rel else 0
                        out += data[skip:]
                        nxt = (seq + len(data)) & 0xffffffff
                        progress = True
            with open('%s-%d.%s' % (prefix, n, ext), 'wb') as f:
                f.write(out)
        print('%s-%d: %s:%d -> %s:%d' % (prefix, n, '.'.join(map(str, key[0])), key[1],
                                          '.'.join(map(str, key[2])), key[3]))


main()
