/*
 * event_json - JSON strings from peer-chosen text; see event_json.h.
 */
#include "events/event_json.h"

#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

json_t *
event_json_text(const char *s)
{
    size_t len;
    struct buf b;
    json_t *j;

    if (s == NULL)
        return json_string("");
    len = strlen(s);
    if (utf8_is_valid(s, len) && (j = json_stringn(s, len)) != NULL)
        return j;
    buf_init(&b, 0);
    utf8_sanitize(s, len, &b);
    j = json_stringn(b.data != NULL ? b.data : "", b.len);
    buf_release(&b);
    return j != NULL ? j : json_string("");
}

json_t *
event_json_text_or_null(const char *s)
{
    return (s == NULL || s[0] == '\0') ? json_null() : event_json_text(s);
}
