/* fuzz_config - config_load_string on arbitrary bytes: no crash, no leak, bounded output. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_diag d;

    config_diag_init(&d);
    struct sw_config *cfg = config_load_string((const char *)data, size, "fuzz.yaml", &d);
    /* a loaded config has what the gateway relies on, or no gateway at all (a file for scan
     * or sensor alone): listeners and a next hop come together */
    if (cfg != NULL && (cfg->gateway.nlisten == 0) != (cfg->gateway.next_hop.host == NULL))
        __builtin_trap();
    /* every diagnostic is one printable line */
    if (memchr(d.text.data, '\0', d.text.len) != NULL)
        __builtin_trap();
    config_free(cfg);
    config_diag_release(&d);
    return 0;
}
