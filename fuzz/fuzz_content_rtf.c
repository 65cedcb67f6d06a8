/* fuzz_content_rtf - any bytes as an RTF attachment ("{\rtf1 " put in front when they do not
 * start with "{\rtf"), with the checks of fuzz_content_doc.h. */
#include "fuzz_content_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_doc rtf = {"{\\rtf1 ", 5,         CONTENT_RTF,
                                        "fuzz.rtf", 64u << 10, 1u << 20};

    return fuzz_doc_run(&rtf, data, size);
}
