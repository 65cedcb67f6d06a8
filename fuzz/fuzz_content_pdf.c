/* fuzz_content_pdf - any bytes as a PDF attachment ("%PDF-" put in front when they do not
 * start with it), with the checks of fuzz_content_doc.h. */
#include "fuzz_content_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_doc pdf = {"%PDF-1.7\n", 5,        CONTENT_PDF,
                                        "fuzz.pdf",   1u << 20, 4u << 20};

    return fuzz_doc_run(&pdf, data, size);
}
