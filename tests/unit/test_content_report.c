/* test_content_report - aggregation of findings and the rules that turn them into a verdict */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "content/content_report.h"

static void
add(struct content_report_builder *b, const char *det, const char *cat, int conf, const char *part,
    const char *loc)
{
    struct content_value v = {.detector = det,
                              .category = cat,
                              .description = "",
                              .confidence = conf,
                              .offset = 7,
                              .redacted = "****1111"};

    content_report_add_value(b, part, loc, &v);
}

/* values at one place share one entry; counts, highest confidence and first sample kept */
static void
test_aggregation(void **state)
{
    struct content_report_builder *b = content_report_builder_new();
    struct content_report *r;

    add(b, "card", "financial", 60, "1", "body");
    add(b, "card", "financial", 90, "1", "body");
    add(b, "card", "financial", 70, "2", "a.zip/x.txt");
    add(b, "kr_rrn", "national_id", 50, "1", "body");
    r = content_report_get(b);
    assert_int_equal(r->nfindings, 3);
    assert_string_equal(r->findings[0].detector, "card");
    assert_int_equal(r->findings[0].count, 2);
    assert_int_equal(r->findings[0].confidence, 90);
    assert_string_equal(r->findings[1].location, "a.zip/x.txt");
    assert_int_equal(r->findings[1].count, 1);
    content_report_builder_reset(b);
    assert_int_equal(content_report_get(b)->nfindings, 0);
    content_report_builder_free(b);
}

/* a rule counts only values at or above its confidence, across places */
static void
test_rules_confidence_and_count(void **state)
{
    struct content_report_builder *b = content_report_builder_new();
    struct content_rule rules[] = {
        {.detector = "card", .min_count = 3, .min_confidence = 65, .action = CONTENT_REJECT},
        {.detector = "national_id", .min_count = 1, .min_confidence = 0, .action = CONTENT_TAG},
    };

    add(b, "card", "financial", 60, "1", "body");
    add(b, "card", "financial", 90, "1", "body");
    add(b, "card", "financial", 70, "2", "x");
    content_rules_decide(b, rules, 2);
    assert_int_equal(content_report_get(b)->action, CONTENT_ACCEPT); /* only 2 at >= 65 */
    add(b, "card", "financial", 65, "3", "y");
    content_rules_decide(b, rules, 2);
    assert_int_equal(content_report_get(b)->action, CONTENT_REJECT);
    assert_non_null(strstr(content_report_get(b)->reason, "card: 3 findings"));
    content_report_builder_free(b);
}

/* a category and an id prefix name detectors; the most severe action wins */
static void
test_rules_names_and_severity(void **state)
{
    struct content_report_builder *b = content_report_builder_new();
    struct content_rule rules[] = {
        {.detector = "secret", .min_count = 1, .action = CONTENT_QUARANTINE},
        {.detector = "*", .min_count = 1, .action = CONTENT_TAG},
    };

    add(b, "secret.aws_key", "secret", 80, "1", "body");
    content_rules_decide(b, rules, 2);
    assert_int_equal(content_report_get(b)->action, CONTENT_QUARANTINE);
    content_report_builder_reset(b);
    add(b, "secretary", "other", 80, "1", "body"); /* not "secret" + '.' */
    content_rules_decide(b, rules, 1);
    assert_int_equal(content_report_get(b)->action, CONTENT_ACCEPT);
    content_report_builder_free(b);
}

/* without rules: infostealer and secret quarantine at 60, the rest tags at 50 */
static void
test_default_rules(void **state)
{
    struct content_report_builder *b = content_report_builder_new();

    add(b, "infostealer.self_addressed", "infostealer", 40, "0", "headers");
    content_rules_decide(b, NULL, 0);
    assert_int_equal(content_report_get(b)->action, CONTENT_ACCEPT);
    add(b, "card", "financial", 55, "1", "body");
    content_rules_decide(b, NULL, 0);
    assert_int_equal(content_report_get(b)->action, CONTENT_TAG);
    add(b, "infostealer.banner", "infostealer", 90, "1", "body");
    content_rules_decide(b, NULL, 0);
    assert_int_equal(content_report_get(b)->action, CONTENT_QUARANTINE);
    content_report_builder_free(b);
}

/* a message with findings in more places than the bound stays bounded */
static void
test_bounded_places(void **state)
{
    struct content_report_builder *b = content_report_builder_new();
    char loc[32];

    for (int i = 0; i < 20000; i++) {
        snprintf(loc, sizeof loc, "f%d.txt", i);
        add(b, "card", "financial", 80, "2", loc);
    }
    struct content_report *r = content_report_get(b);
    assert_true(r->nfindings <= 4097);
    unsigned total = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        total += r->findings[i].count;
    assert_int_equal(total, 20000);
    content_report_builder_free(b);
}

/* anomalies are kept once each */
static void
test_anomalies_once(void **state)
{
    struct content_report_builder *b = content_report_builder_new();

    content_report_add_anomaly(b, "unclosed_multipart");
    content_report_add_anomaly(b, "unclosed_multipart");
    content_report_add_anomaly(b, "base64");
    assert_int_equal(content_report_get(b)->nanomalies, 2);
    content_report_builder_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aggregation),
        cmocka_unit_test(test_rules_confidence_and_count),
        cmocka_unit_test(test_rules_names_and_severity),
        cmocka_unit_test(test_default_rules),
        cmocka_unit_test(test_bounded_places),
        cmocka_unit_test(test_anomalies_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
