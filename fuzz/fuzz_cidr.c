/* fuzz_cidr - cidr_parse and ip_addr_parse on arbitrary text; what parses must round-trip. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/cidr.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_net - a parsed network formats to text that parses back to itself and holds its own
 * network address */
static void
check_net(const struct cidr *net)
{
    char text[64];
    struct cidr again;

    cidr_format(net, text, sizeof text);
    if (cidr_parse(text, &again) != 0 || again.prefix != net->prefix ||
        again.net.family != net->net.family || memcmp(again.net.bytes, net->net.bytes, 16) != 0)
        __builtin_trap();
    if (!cidr_contains(net, &net->net))
        __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmemdup(data, size);
    struct cidr net;
    struct ip_addr a;
    struct cidr_list list = {0};

    if (cidr_parse(text, &net) == 0) {
        check_net(&net);
        cidr_list_add(&list, &net);
        if (!cidr_list_contains(&list, &net.net))
            __builtin_trap();
        (void)cidr_is_everything(&net);
    }
    if (ip_addr_parse(text, &a) == 0) {
        char out[64];
        ip_addr_format(&a, out, sizeof out);
        if (ip_addr_parse(out, &a) != 0)
            __builtin_trap();
        if (list.n > 0)
            (void)cidr_contains(&list.items[0], &a);
    }
    cidr_list_release(&list);
    free(text);
    return 0;
}
