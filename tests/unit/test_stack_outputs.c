/* The stack-outputs model: keys matched by prefix (CDK hash) or by the guide's names,
 * resolution with origins, subnet order, ambiguity and missing-key reports, deep copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/discover/stack_outputs.h"

#include <stdlib.h>
#include <string.h>

static void s_add(struct stack_output_pairs *p, const char *k, const char *v, int line)
{
    stack_output_pairs_add(p, k, strlen(k), v, strlen(v), line);
}

static void s_add_required(struct stack_output_pairs *p)
{
    s_add(p, "DatabaseConversationTableNameC2A8A4C2", "Stack-ConversationTable-1", 1);
    s_add(p, "EmbeddingClusterName8D4B9D3A", "Stack-EmbeddingCluster-1", 2);
    s_add(p, "EmbeddingTaskDefinitionName5B2F0C6E", "StackEmbeddingTaskDef1", 3);
    s_add(p, "EmbeddingTaskSecurityGroupId1A2B3C4D", "sg-0123abcd", 4);
}

static void test_key_matching(void **state)
{
    (void)state;
    assert_int_equal(stack_output_key_field("DatabaseConversationTableNameC2A8A4C2"), SO_TABLE);
    assert_int_equal(stack_output_key_field("ConversationTableName"), SO_TABLE);
    assert_int_equal(stack_output_key_field("table_name"), SO_TABLE);
    assert_int_equal(stack_output_key_field("EmbeddingClusterName"), SO_CLUSTER);
    assert_int_equal(stack_output_key_field("EmbeddingTaskDefinitionNameFFFF0000"), SO_TASK_DEFINITION);
    assert_int_equal(stack_output_key_field("CONTAINER_NAME"), SO_CONTAINER);
    assert_int_equal(stack_output_key_field("EmbeddingTaskSecurityGroupId00"), SO_SECURITY_GROUP);
    assert_int_equal(stack_output_key_field("PrivateSubnetId1"), SO_PRIVATE_SUBNET);
    assert_int_equal(stack_output_key_field("Subnet_Id"), SO_PRIVATE_SUBNET);
    assert_int_equal(stack_output_key_field("PublicSubnetId0"), SO_PUBLIC_SUBNET);
    assert_int_equal(stack_output_key_field("DocumentBucketName"), SO_DOCUMENT_BUCKET);
    assert_int_equal(stack_output_key_field("DbConfigSecretArn"), SO_DB_SECRET);
    /* Prefixes are case-sensitive CloudFormation keys; unrelated keys are not ours. */
    assert_int_equal(stack_output_key_field("embeddingclustername"), SO_NFIELDS);
    assert_int_equal(stack_output_key_field("FrontendURL"), SO_NFIELDS);
    assert_int_equal(stack_output_key_field("EmbeddingCluster"), SO_NFIELDS);
    assert_int_equal(stack_output_key_field(""), SO_NFIELDS);
    assert_int_equal(stack_output_key_field(NULL), SO_NFIELDS);
    assert_string_equal(stack_output_field_key(SO_CLUSTER), "EmbeddingClusterName");
    assert_string_equal(stack_output_field_key(SO_CONTAINER), "CONTAINER_NAME");
    assert_string_equal(stack_output_field_label(SO_TABLE), "DynamoDB table");
}

static void test_resolve_with_origins_and_subnet_order(void **state)
{
    (void)state;
    struct stack_output_pairs p = {0};
    s_add_required(&p);
    s_add(&p, "PrivateSubnetId1", "subnet-0bbb", 5);
    s_add(&p, "PrivateSubnetId0", "subnet-0aaa", 6);
    s_add(&p, "ConversationTableName", "Stack-ConversationTable-1", 7); /* same value: fine */
    s_add(&p, "FrontendURL", "https://example.cloudfront.net", 8);
    s_add(&p, "VpcId", "vpc-0abc", 9);
    struct stack_outputs o;
    char *error = NULL;
    assert_int_equal(stack_outputs_resolve(&p, NULL, &o, &error), 0);
    assert_null(error);
    assert_int_equal(o.nsubnets, 2);
    assert_string_equal(o.subnets[0], "subnet-0aaa");
    assert_string_equal(o.subnets[1], "subnet-0bbb");
    assert_string_equal(o.origin[SO_PRIVATE_SUBNET], "PrivateSubnetId0 (line 6)");
    assert_string_equal(o.origin[SO_TABLE], "DatabaseConversationTableNameC2A8A4C2 (line 1)");
    assert_string_equal(o.vpc, "vpc-0abc");
    assert_null(o.container);
    assert_null(o.document_bucket);
    assert_true(o.from_output_keys);

    struct stack_outputs copy;
    stack_outputs_copy(&copy, &o);
    stack_outputs_free(&o);
    assert_null(o.table);
    assert_string_equal(copy.cluster, "Stack-EmbeddingCluster-1");
    assert_string_equal(copy.subnets[1], "subnet-0bbb");
    assert_string_equal(copy.origin[SO_CLUSTER], "EmbeddingClusterName8D4B9D3A (line 2)");
    assert_true(copy.from_output_keys);
    stack_outputs_free(&copy);
    stack_output_pairs_free(&p);
}

static void test_guide_names_and_comma_subnets(void **state)
{
    (void)state;
    struct stack_output_pairs p = {0};
    s_add(&p, "TABLE_NAME", "Stack-ConversationTable-1", 1);
    s_add(&p, "CLUSTER_NAME", "Stack-EmbeddingCluster-1", 2);
    s_add(&p, "TASK_DEFINITION_NAME", "StackEmbeddingTaskDef1", 3);
    s_add(&p, "CONTAINER_NAME", "Container", 4);
    s_add(&p, "SECURITY_GROUP_ID", "sg-0123abcd", 5);
    s_add(&p, "SUBNET_ID", "subnet-0aaa, subnet-0bbb,subnet-0aaa", 6);
    struct stack_outputs o;
    char *error = NULL;
    assert_int_equal(stack_outputs_resolve(&p, NULL, &o, &error), 0);
    assert_int_equal(o.nsubnets, 2);
    assert_string_equal(o.subnets[1], "subnet-0bbb");
    assert_string_equal(o.container, "Container");
    assert_false(o.from_output_keys);
    stack_outputs_free(&o);
    stack_output_pairs_free(&p);
}

static void test_conflicting_subnet_key(void **state)
{
    (void)state;
    struct stack_output_pairs p = {0};
    s_add_required(&p);
    s_add(&p, "PrivateSubnetId0", "subnet-0aaa", 5);
    s_add(&p, "PrivateSubnetId0", "subnet-0ccc", 9);
    struct stack_outputs o;
    char *error = NULL;
    assert_int_equal(stack_outputs_resolve(&p, NULL, &o, &error), -1);
    assert_non_null(strstr(error, "PrivateSubnetId0 appears twice"));
    assert_non_null(strstr(error, "subnet-0ccc"));
    assert_null(o.table);
    free(error);
    stack_output_pairs_free(&p);
}

static void test_ambiguous_table(void **state)
{
    (void)state;
    struct stack_output_pairs p = {0};
    s_add_required(&p);
    s_add(&p, "PrivateSubnetId0", "subnet-0aaa", 5);
    s_add(&p, "ConversationTableName", "Other-Table", 0);
    struct stack_outputs o;
    char *error = NULL;
    assert_int_equal(stack_outputs_resolve(&p, "ProdChat", &o, &error), -1);
    assert_non_null(strstr(error, "DynamoDB table is ambiguous"));
    assert_non_null(strstr(error, "DatabaseConversationTableNameC2A8A4C2 (line 1) = Stack-ConversationTable-1"));
    assert_non_null(strstr(error, "ConversationTableName = Other-Table"));
    free(error);
    stack_output_pairs_free(&p);
}

static void test_missing_names_stack(void **state)
{
    (void)state;
    struct stack_output_pairs p = {0};
    s_add(&p, "EmbeddingClusterName8D4B9D3A", "Stack-EmbeddingCluster-1", 0);
    assert_false(stack_output_pairs_usable(&p));
    struct stack_outputs o;
    char *error = NULL;
    assert_int_equal(stack_outputs_resolve(&p, "ProdChat", &o, &error), -1);
    assert_non_null(strstr(error, "CloudFormation › ProdChat › Outputs"));
    assert_non_null(strstr(error, "DatabaseConversationTableName…"));
    assert_non_null(strstr(error, "TABLE_NAME"));
    assert_non_null(strstr(error, "SECURITY_GROUP_ID"));
    assert_null(strstr(error, "CLUSTER_NAME"));
    assert_null(o.cluster);
    free(error);
    stack_output_pairs_free(&p);
}

static void test_usable(void **state)
{
    (void)state;
    struct stack_output_pairs p = {0};
    s_add_required(&p);
    assert_false(stack_output_pairs_usable(&p));
    s_add(&p, "PrivateSubnetId0", "", 0);
    assert_false(stack_output_pairs_usable(&p)); /* an empty value is not a value */
    s_add(&p, "PrivateSubnetId1", "subnet-0bbb", 0);
    assert_true(stack_output_pairs_usable(&p));
    stack_output_pairs_free(&p);
    assert_int_equal(p.n, 0);
}

static void test_values_checked(void **state)
{
    (void)state;
    const struct {
        const char *key, *value, *needle;
    } cases[] = {
        {"EmbeddingTaskSecurityGroupId1", "subnet-0aaa", "security group id"},
        {"PrivateSubnetId0", "sg-0aaa", "subnet id"},
        {"DocumentBucketName", "Upper_Case", "bucket"},
        {"VpcId", "vpc-zz", "VPC id"},
        {"CONTAINER_NAME", "a/b", "container name"},
        {"TABLE_NAME", "x", "table name"},
        {"CLUSTER_NAME", "Stack-EmbeddingClusterXXXXX", "placeholder"},
        {"TASK_DEFINITION_NAME", "has\x01control", "control"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct stack_output_pairs p = {0};
        s_add_required(&p);
        s_add(&p, "PrivateSubnetId0", "subnet-0aaa", 5);
        s_add(&p, cases[i].key, cases[i].value, 7);
        struct stack_outputs o;
        char *error = NULL;
        assert_int_equal(stack_outputs_resolve(&p, NULL, &o, &error), -1);
        if (!strstr(error, cases[i].needle) || !strstr(error, "line 7"))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, error, cases[i].needle);
        free(error);
        stack_output_pairs_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_matching),
        cmocka_unit_test(test_resolve_with_origins_and_subnet_order),
        cmocka_unit_test(test_guide_names_and_comma_subnets),
        cmocka_unit_test(test_conflicting_subnet_key),
        cmocka_unit_test(test_ambiguous_table),
        cmocka_unit_test(test_missing_names_stack),
        cmocka_unit_test(test_usable),
        cmocka_unit_test(test_values_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
