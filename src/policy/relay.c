/* relay - default-deny relay decision from authentication and client networks. */
#include "policy/relay.h"

bool
relay_policy_check(const struct relay_policy *p, const struct conn_facts *f, struct verdict *v)
{
    if (f->auth_user[0] != '\0') {
        v->action = VERDICT_CONTINUE;
        v->reason = "authenticated";
        return true;
    }
    if (p->networks != NULL && cidr_list_contains(p->networks, &f->client_ip)) {
        v->action = VERDICT_CONTINUE;
        v->reason = "relay_network";
        return true;
    }
    verdict_set(v, VERDICT_REJECT, "relay_denied", 554, "5.7.1",
                "Relay access denied: client %s is not authenticated and not in relay_networks",
                f->client_addr);
    return false;
}
