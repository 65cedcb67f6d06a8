/* facts - connection/transaction facts and verdict helpers. */
#include "policy/facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

void
txn_facts_init(struct txn_facts *t, unsigned index)
{
    memset(t, 0, sizeof *t);
    t->index = index;
}

void
txn_facts_add_rcpt(struct txn_facts *t, const char *addr)
{
    t->rcpt = xrealloc(t->rcpt, (t->nrcpt + 1) * sizeof *t->rcpt);
    t->rcpt[t->nrcpt++] = xstrdup(addr);
}

/* txn_facts_add_refusal - record a refused recipient with the reply it got */
void
txn_facts_add_refusal(struct txn_facts *t, const char *addr, const struct smtp_reply *r)
{
    struct buf b;

    buf_init(&b, 0);
    buf_printf(&b, "%d%s%s %s", r->code, r->enh[0] ? " " : "", r->enh, r->text);
    t->refused = xrealloc(t->refused, (t->nrefused + 1) * sizeof *t->refused);
    t->refused[t->nrefused].addr = xstrdup(addr);
    t->refused[t->nrefused].reply = b.data; /* ownership moves */
    t->nrefused++;
}

void
txn_facts_release(struct txn_facts *t)
{
    for (unsigned i = 0; i < t->nrcpt; i++)
        free(t->rcpt[i]);
    for (unsigned i = 0; i < t->nrefused; i++) {
        free(t->refused[i].addr);
        free(t->refused[i].reply);
    }
    free(t->rcpt);
    free(t->refused);
    t->rcpt = NULL;
    t->refused = NULL;
    t->nrcpt = t->nrefused = 0;
}

void
verdict_set(struct verdict *v, enum verdict_action action, const char *reason, int code,
            const char *enh, const char *fmt, ...)
{
    va_list ap;

    v->action = action;
    v->reason = reason;
    v->reply.code = code;
    snprintf(v->reply.enh, sizeof v->reply.enh, "%s", enh ? enh : "");
    va_start(ap, fmt);
    vsnprintf(v->reply.text, sizeof v->reply.text, fmt, ap);
    va_end(ap);
}

const char *
verdict_action_name(enum verdict_action a)
{
    switch (a) {
    case VERDICT_CONTINUE:
        return "continue";
    case VERDICT_ACCEPT:
        return "accept";
    case VERDICT_REJECT:
        return "reject";
    case VERDICT_DEFER:
        return "defer";
    case VERDICT_ABORT:
        return "abort";
    }
    return "unknown";
}
