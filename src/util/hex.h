/*
 * hex - the value of one hexadecimal digit, for the decoders that read %XX, =XX, &#xHH; and
 * <hex> strings: hex_digit() gives 0-15 for 0-9, a-f and A-F, and -1 for any other byte.
 * Header only (one comparison chain, inlined into hot loops such as quoted-printable).
 */
#ifndef SW_UTIL_HEX_H
#define SW_UTIL_HEX_H

static inline int
hex_digit(int c)
{
    unsigned u = (unsigned)c;

    if (u - '0' < 10)
        return (int)(u - '0');
    u |= 0x20;
    if (u - 'a' < 6)
        return (int)(u - 'a' + 10);
    return -1;
}

#endif
