/* Structured engine messages: every id has a stable name and an English template, the
 * templates are filled in (text, integers, formatted numbers, nested messages), the JSON
 * form reads back, and every template has a Japanese translation in the compiled catalog
 * that names exactly the same parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/message/message.h"
#include "tui/i18n.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_every_id_has_a_name_and_template(void **state)
{
    (void)state;
    for (int i = MSG_NONE + 1; i < MSG_COUNT; i++) {
        const char *name = message_id_name((enum message_id)i);
        if (strcmp(name, "none") == 0)
            fail_msg("message id %d has no name in src/engine/message/message.c", i);
        if (!*message_template((enum message_id)i))
            fail_msg("message %s has no English template", name);
        for (int j = MSG_NONE + 1; j < i; j++)
            if (strcmp(message_id_name((enum message_id)j), name) == 0)
                fail_msg("message name %s is used twice", name);
    }
}

static void test_render_english(void **state)
{
    (void)state;
    struct message m = MESSAGE(MSG_CHECK_TABLE_NOT_FOUND, MSG_S("table", "bedrock-conv"),
                               MSG_S("region", "ap-northeast-1"));
    char *text = message_english(&m);
    assert_string_equal(text, "table bedrock-conv not found in ap-northeast-1");
    free(text);
    message_free(&m);

    m = MESSAGE(MSG_CHECK_CLUSTER_OK, MSG_S("cluster", "c"), MSG_I("running", 2));
    text = message_english(&m);
    assert_string_equal(text, "c, ACTIVE, 2 running tasks");
    free(text);
    message_free(&m);

    /* Numbers keep the format they were given; a percentage carries its sign. */
    m = MESSAGE(MSG_ASSUME_EMBED_TIME, MSG_F("lo", "%.2f", 0.05), MSG_F("hi", "%.1f", 0.5));
    text = message_english(&m);
    assert_string_equal(text, "Embedding takes 0.05-0.5 s per chunk (batched calls vs one Bedrock call per chunk).");
    free(text);
    message_free(&m);

    /* A parameter the message lacks stays visible as its placeholder; NULL text is "". */
    m = MESSAGE(MSG_CHECK_SG_OTHER_VPC, MSG_S("group", "sg-1"), MSG_S("vpc", NULL));
    text = message_english(&m);
    assert_string_equal(text, "sg-1 is in  but the subnets are in {subnet_vpc}");
    free(text);
    message_free(&m);
}

static void test_nested_and_copied(void **state)
{
    (void)state;
    struct message status = MESSAGE0(MSG_RUN_UNSET);
    struct message first = MESSAGE(MSG_RUN_STOPPED_WITH_STATUS, MSG_M("status", &status));
    struct message code = MESSAGE(MSG_RUN_EXIT_CODE_OOM, MSG_I("code", 137));
    struct message joined = MESSAGE(MSG_JOIN, MSG_M("first", &first), MSG_M("second", &code));
    message_free(&status);
    message_free(&first);
    message_free(&code);
    struct message copy;
    message_copy(&copy, &joined);
    message_free(&joined);
    char *text = message_english(&copy);
    assert_string_equal(text, "the task stopped while the bot's SyncStatus was unset; container exit "
                              "code 137 (killed: out of memory?)");
    free(text);

    /* JSON: ids by name, parameters typed, nested messages nested; it reads back. */
    cJSON *j = message_to_json(&copy);
    char *json = cJSON_PrintUnformatted(j);
    assert_non_null(strstr(json, "\"id\":\"join\""));
    assert_non_null(strstr(json, "{\"id\":\"run.exit_code_oom\",\"params\":{\"code\":137}}"));
    struct message back;
    message_from_json(j, &back);
    char *again = message_english(&back);
    char *orig = message_english(&copy);
    assert_string_equal(again, orig);
    free(again);
    free(orig);
    free(json);
    cJSON_Delete(j);
    message_free(&back);
    message_free(&copy);

    /* Something that is not a message reads as none. */
    cJSON *bad = cJSON_Parse("{\"id\":\"no.such.id\",\"params\":{}}");
    message_from_json(bad, &back);
    assert_int_equal(back.id, MSG_NONE);
    cJSON_Delete(bad);
}

/* The placeholders of a text, sorted and joined: "{a}{b}". */
static void s_add_name(void *ud, const char *name, size_t len)
{
    char *out = ud;
    size_t o = strlen(out);
    if (o + len + 3 < 512)
        snprintf(out + o, 512 - o, "{%.*s}", (int)len, name);
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void s_names(const char *text, char *out)
{
    char raw[512] = "";
    message_template_names(text, s_add_name, raw);
    char *parts[32];
    size_t n = 0;
    for (char *p = strtok(raw, "}"); p && n < 32; p = strtok(NULL, "}"))
        parts[n++] = p;
    qsort(parts, n, sizeof *parts, s_cmp);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, parts[i]);
        strcat(out, "}");
    }
}

/* Whether a template has words of its own besides the placeholders (then its Japanese must
 * differ from the English). */
static bool s_has_words(const char *tmpl)
{
    bool inside = false;
    for (const char *p = tmpl; *p; p++) {
        if (*p == '{')
            inside = true;
        else if (*p == '}')
            inside = false;
        else if (!inside && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return true;
    }
    return false;
}

static void test_japanese_catalog_covers_every_template(void **state)
{
    (void)state;
    unsetenv("LANGUAGE");
    unsetenv("BCM_LOCALEDIR");
    assert_int_equal(i18n_init("ja"), 0);
    assert_int_equal(i18n_lang(), UI_LANG_JA);
    for (int i = MSG_NONE + 1; i < MSG_COUNT; i++) {
        if (i == MSG_TEXT || i == MSG_JOIN)
            continue;
        struct message m = MESSAGE0((enum message_id)i);
        char *ja = tr_message(&m); /* no parameters: the placeholders stay as they are */
        const char *en = message_template((enum message_id)i);
        if (s_has_words(en) && strcmp(ja, en) == 0)
            fail_msg("message %s: \"%s\" has no Japanese translation in po/ja.po",
                     message_id_name((enum message_id)i), en);
        char a[512], b[512];
        s_names(en, a);
        s_names(ja, b);
        if (strcmp(a, b) != 0)
            fail_msg("message %s: English names %s, Japanese %s", message_id_name((enum message_id)i), a, b);
        free(ja);
        message_free(&m);
    }
    /* "none" found (a list that is empty) is not the key that deselects every bot. */
    struct message none = MESSAGE0(MSG_NONE_FOUND);
    char *ja = tr_message(&none);
    assert_string_equal(ja, "なし");
    assert_string_equal(tr("key.none"), "全解除");
    free(ja);
    /* Parameters are filled into the translation; text parameters are not translated. */
    struct message m = MESSAGE(MSG_CHECK_TABLE_NOT_FOUND, MSG_S("table", "none"), MSG_S("region", "us-east-1"));
    ja = tr_message(&m);
    assert_string_equal(ja, "us-east-1 にテーブル none が見つかりません");
    free(ja);
    message_free(&m);
    /* --lang en: the English whatever the catalog says. */
    assert_int_equal(i18n_init("en"), 0);
    ja = tr_message(&none);
    assert_string_equal(ja, "none");
    free(ja);
    message_free(&none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_id_has_a_name_and_template),
        cmocka_unit_test(test_render_english),
        cmocka_unit_test(test_nested_and_copied),
        cmocka_unit_test(test_japanese_catalog_covers_every_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
