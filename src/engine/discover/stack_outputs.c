#include "engine/discover/stack_outputs.h"

#include "util/buf.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Output keys are matched by prefix because CDK appends an 8-hex-digit hash to the keys
 * of outputs declared inside constructs; the guide's variable names are matched exactly
 * (case-insensitively, operators retype them). */
struct field_spec {
    const char *label;
    const char *prefixes[3];   /* CloudFormation output keys (prefixes) */
    const char *names[5];      /* the guide's variables and obvious variants */
    bool required;
    bool multi;                /* several values allowed (subnets) */
};

static const struct field_spec FIELDS[SO_NFIELDS] = {
    [SO_TABLE] = {"DynamoDB table", {"DatabaseConversationTableName", "ConversationTableName"},
                  {"TABLE_NAME", "TABLE"}, true, false},
    [SO_CLUSTER] = {"ECS cluster", {"EmbeddingClusterName"}, {"CLUSTER_NAME", "CLUSTER"}, true, false},
    [SO_TASK_DEFINITION] = {"task definition", {"EmbeddingTaskDefinitionName"},
                            {"TASK_DEFINITION_NAME", "TASK_DEFINITION", "TASK_DEFINITION_FAMILY"},
                            true, false},
    [SO_CONTAINER] = {"container name", {NULL}, {"CONTAINER_NAME", "CONTAINER"}, false, false},
    [SO_SECURITY_GROUP] = {"security group", {"EmbeddingTaskSecurityGroupId"},
                           {"SECURITY_GROUP_ID", "SECURITY_GROUP"}, true, false},
    [SO_PRIVATE_SUBNET] = {"private subnet", {"PrivateSubnetId"},
                           {"SUBNET_ID", "SUBNET_IDS", "SUBNET_ID_0", "SUBNET_ID_1", "SUBNET_ID2"},
                           true, true},
    [SO_PUBLIC_SUBNET] = {"public subnet", {"PublicSubnetId"}, {"PUBLIC_SUBNET_ID"}, false, true},
    [SO_DOCUMENT_BUCKET] = {"document bucket", {"DocumentBucketName"},
                            {"DOCUMENT_BUCKET", "DOCUMENT_BUCKET_NAME", "BUCKET_NAME"}, false, false},
    [SO_VPC] = {"VPC", {"VpcId"}, {"VPC_ID"}, false, false},
    [SO_DB_SECRET] = {"Aurora secret", {"DbConfigSecretArn"}, {"DB_SECRET_ARN"}, false, false},
    [SO_DB_HOSTNAME] = {"Aurora endpoint", {"DbConfigHostname"}, {"DB_HOSTNAME"}, false, false},
};

const char *stack_output_field_label(enum stack_output_field f)
{
    return f < SO_NFIELDS ? FIELDS[f].label : "unknown";
}

const char *stack_output_field_key(enum stack_output_field f)
{
    if (f >= SO_NFIELDS)
        return "";
    return FIELDS[f].prefixes[0] ? FIELDS[f].prefixes[0] : FIELDS[f].names[0];
}

static bool s_is_output_key(const char *key, enum stack_output_field *f)
{
    for (int i = 0; i < SO_NFIELDS; i++)
        for (size_t j = 0; j < 3 && FIELDS[i].prefixes[j]; j++)
            if (strncmp(key, FIELDS[i].prefixes[j], strlen(FIELDS[i].prefixes[j])) == 0) {
                *f = (enum stack_output_field)i;
                return true;
            }
    return false;
}

enum stack_output_field stack_output_key_field(const char *key)
{
    enum stack_output_field f;
    if (!key)
        return SO_NFIELDS;
    if (s_is_output_key(key, &f))
        return f;
    for (int i = 0; i < SO_NFIELDS; i++)
        for (size_t j = 0; j < 5 && FIELDS[i].names[j]; j++)
            if (strcasecmp(key, FIELDS[i].names[j]) == 0)
                return (enum stack_output_field)i;
    return SO_NFIELDS;
}

void stack_output_pairs_add(struct stack_output_pairs *p, const char *key, size_t keylen,
                            const char *value, size_t valuelen, int line)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->items = xrealloc(p->items, p->cap * sizeof(*p->items));
    }
    p->items[p->n].key = xstrndup(key, keylen);
    p->items[p->n].value = xstrndup(value, valuelen);
    p->items[p->n].line = line;
    p->n++;
}

void stack_output_pairs_free(struct stack_output_pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].key);
        free(p->items[i].value);
    }
    free(p->items);
    memset(p, 0, sizeof(*p));
}

bool stack_output_pairs_usable(const struct stack_output_pairs *p)
{
    bool seen[SO_NFIELDS] = {false};
    for (size_t i = 0; i < p->n; i++) {
        enum stack_output_field f = stack_output_key_field(p->items[i].key);
        if (f < SO_NFIELDS && p->items[i].value[0])
            seen[f] = true;
    }
    for (int i = 0; i < SO_NFIELDS; i++)
        if (FIELDS[i].required && !seen[i])
            return false;
    return true;
}

/* ---- value checks ---------------------------------------------------------------- */

static bool s_charset(const char *v, const char *extra)
{
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (!isalnum(*c) && !strchr(extra, *c))
            return false;
    return true;
}

/* The guide's template holds "…XXXXX", "subnet-xxxxx", "sg-xxxx": a value still ending
 * in a run of x's was never filled in. Real ids are hex and CDK hashes are upper hex. */
static bool s_is_placeholder(const char *v)
{
    size_t n = strlen(v), run = 0;
    while (run < n && (v[n - 1 - run] == 'x' || v[n - 1 - run] == 'X'))
        run++;
    return run >= 4;
}

static bool s_aws_id(const char *v, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(v, prefix, pl) != 0 || strlen(v) < pl + 1 || strlen(v) > pl + 32)
        return false;
    for (const char *c = v + pl; *c; c++)
        if (!isxdigit((unsigned char)*c))
            return false;
    return true;
}

/* NULL when the value is plausible for the field; otherwise what was expected. */
static const char *s_value_problem(enum stack_output_field f, const char *v)
{
    if (!v[0])
        return "the value is empty";
    if (strlen(v) > 2048)
        return "the value is longer than any AWS name (2048 characters)";
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (*c <= ' ' || *c == 0x7f)
            return "the value holds spaces or control characters; AWS names have none";
    if (s_is_placeholder(v))
        return "this is still the guide's placeholder; replace it with the real value";
    switch (f) {
    case SO_TABLE:
        return strlen(v) >= 3 && strlen(v) <= 255 && s_charset(v, "_.-")
                   ? NULL : "expected a DynamoDB table name (3-255 letters, digits, _ . -)";
    case SO_CLUSTER:
        return (strlen(v) <= 255 && s_charset(v, "_-")) || strncmp(v, "arn:", 4) == 0
                   ? NULL : "expected an ECS cluster name (letters, digits, _ -) or ARN";
    case SO_TASK_DEFINITION:
        return (strlen(v) <= 255 && s_charset(v, "_-:")) || strncmp(v, "arn:", 4) == 0
                   ? NULL : "expected a task definition family (letters, digits, _ -)";
    case SO_CONTAINER:
        return strlen(v) <= 255 && s_charset(v, "_-")
                   ? NULL : "expected a container name (letters, digits, _ -)";
    case SO_SECURITY_GROUP:
        return s_aws_id(v, "sg-") ? NULL : "expected a security group id like sg-0123456789abcdef0";
    case SO_PRIVATE_SUBNET:
    case SO_PUBLIC_SUBNET:
        return s_aws_id(v, "subnet-") ? NULL : "expected a subnet id like subnet-0123456789abcdef0";
    case SO_VPC:
        return s_aws_id(v, "vpc-") ? NULL : "expected a VPC id like vpc-0123456789abcdef0";
    case SO_DOCUMENT_BUCKET:
        return strlen(v) >= 3 && strlen(v) <= 63 && s_charset(v, ".-") &&
                       !strpbrk(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                   ? NULL : "expected an S3 bucket name (3-63 lower-case letters, digits, . -)";
    default:
        return NULL;
    }
}

/* ---- resolution -------------------------------------------------------------------- */

static char *s_origin(const struct stack_output_pair *p)
{
    return p->line > 0 ? xasprintf("%s (line %d)", p->key, p->line) : xstrdup(p->key);
}

static void s_problem_prefix(buf_t *b)
{
    if (b->len)
        buf_puts(b, "\n");
}

/* Subnet variables may hold several ids separated by commas ("subnet-a,subnet-b"). */
static void s_add_unique(char ***list, size_t *n, const char *v, size_t len)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen((*list)[i]) == len && strncmp((*list)[i], v, len) == 0)
            return;
    *list = xrealloc(*list, (*n + 1) * sizeof(**list));
    (*list)[(*n)++] = xstrndup(v, len);
}

static int s_cmp_pair_key(const void *a, const void *b)
{
    const struct stack_output_pair *const *x = a, *const *y = b;
    int c = strcmp((*x)->key, (*y)->key);
    return c ? c : (*x)->line - (*y)->line;
}

static char **s_field_slot(struct stack_outputs *o, enum stack_output_field f)
{
    switch (f) {
    case SO_TABLE: return &o->table;
    case SO_CLUSTER: return &o->cluster;
    case SO_TASK_DEFINITION: return &o->task_definition;
    case SO_CONTAINER: return &o->container;
    case SO_SECURITY_GROUP: return &o->security_group;
    case SO_DOCUMENT_BUCKET: return &o->document_bucket;
    case SO_VPC: return &o->vpc;
    case SO_DB_SECRET: return &o->db_secret_arn;
    case SO_DB_HOSTNAME: return &o->db_hostname;
    default: return NULL;
    }
}

/* Resolves one field from its matching pairs. Problems go to *problems. */
static void s_resolve_field(struct stack_outputs *o, enum stack_output_field f,
                            const struct stack_output_pair **m, size_t nm, buf_t *problems)
{
    /* Values are checked first: a bad value is reported at its line. */
    bool bad = false;
    for (size_t i = 0; i < nm; i++) {
        const char *v = m[i]->value;
        if (FIELDS[f].multi && strchr(v, ',')) {
            /* checked piece by piece below */
            char *copy = xstrdup(v), *save = NULL;
            for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
                const char *why = s_value_problem(f, tok);
                if (why) {
                    s_problem_prefix(problems);
                    if (m[i]->line)
                        buf_printf(problems, "line %d: %s holds \"%s\": %s", m[i]->line,
                                   m[i]->key, tok, why);
                    else
                        buf_printf(problems, "output %s holds \"%s\": %s", m[i]->key, tok, why);
                    bad = true;
                }
            }
            free(copy);
            continue;
        }
        const char *why = s_value_problem(f, v);
        if (why) {
            s_problem_prefix(problems);
            if (m[i]->line)
                buf_printf(problems, "line %d: %s = \"%s\": %s", m[i]->line, m[i]->key, v, why);
            else
                buf_printf(problems, "output %s = \"%s\": %s", m[i]->key, v, why);
            bad = true;
        }
    }
    if (bad)
        return;

    if (FIELDS[f].multi) {
        char ***list = f == SO_PRIVATE_SUBNET ? &o->subnets : &o->public_subnets;
        size_t *n = f == SO_PRIVATE_SUBNET ? &o->nsubnets : &o->npublic_subnets;
        /* The same key twice with different values is a conflict, not two subnets. */
        for (size_t i = 1; i < nm; i++)
            if (strcmp(m[i]->key, m[i - 1]->key) == 0 && strcmp(m[i]->value, m[i - 1]->value) != 0) {
                s_problem_prefix(problems);
                buf_printf(problems, "%s appears twice with different values: %s and %s; "
                                     "keep the one from the stack you are migrating",
                           m[i]->key, m[i - 1]->value, m[i]->value);
                return;
            }
        for (size_t i = 0; i < nm; i++) {
            const char *v = m[i]->value;
            while (*v) {
                size_t len = strcspn(v, ", ");
                if (len)
                    s_add_unique(list, n, v, len);
                v += len;
                v += strspn(v, ", ");
            }
        }
        if (nm)
            o->origin[f] = s_origin(m[0]);
        return;
    }

    const struct stack_output_pair *chosen = NULL;
    bool ambiguous = false;
    for (size_t i = 0; i < nm; i++) {
        if (!chosen)
            chosen = m[i];
        else if (strcmp(chosen->value, m[i]->value) != 0)
            ambiguous = true;
    }
    if (ambiguous) {
        s_problem_prefix(problems);
        buf_printf(problems, "the %s is ambiguous: ", FIELDS[f].label);
        for (size_t i = 0; i < nm; i++) {
            char *origin = s_origin(m[i]);
            buf_printf(problems, "%s%s = %s", i ? ", " : "", origin, m[i]->value);
            free(origin);
        }
        buf_puts(problems, "; keep only the one from the stack you are migrating");
        return;
    }
    if (chosen) {
        *s_field_slot(o, f) = xstrdup(chosen->value);
        o->origin[f] = s_origin(chosen);
    }
}

int stack_outputs_resolve(const struct stack_output_pairs *pairs, const char *stack_hint,
                          struct stack_outputs *out, char **error)
{
    memset(out, 0, sizeof(*out));
    *error = NULL;
    const char *stack = stack_hint && *stack_hint ? stack_hint : "BedrockChatStack";
    buf_t problems = BUF_INIT;
    const struct stack_output_pair **m = xcalloc(pairs->n + 1, sizeof(*m));
    size_t output_keys = 0, guide_names = 0;

    for (int f = 0; f < SO_NFIELDS; f++) {
        size_t nm = 0;
        for (size_t i = 0; i < pairs->n; i++) {
            enum stack_output_field pf;
            if (s_is_output_key(pairs->items[i].key, &pf)) {
                if ((int)pf == f) {
                    m[nm++] = &pairs->items[i];
                    output_keys++;
                }
            } else if ((int)stack_output_key_field(pairs->items[i].key) == f) {
                m[nm++] = &pairs->items[i];
                guide_names++;
            }
        }
        /* Subnets in key order (…Id0 before …Id1); single values keep paste order. */
        if (FIELDS[f].multi)
            qsort(m, nm, sizeof(*m), s_cmp_pair_key);
        s_resolve_field(out, (enum stack_output_field)f, m, nm, &problems);
    }
    free(m);
    out->from_output_keys = output_keys > 0 && output_keys >= guide_names;

    /* Tasks run without a public IP in the private subnets: a public one given as
     * private is a mistake that would leave the task without a route to Bedrock. */
    for (size_t i = 0; i < out->nsubnets; i++)
        for (size_t j = 0; j < out->npublic_subnets; j++)
            if (strcmp(out->subnets[i], out->public_subnets[j]) == 0) {
                s_problem_prefix(&problems);
                buf_printf(&problems, "%s is listed both as a private and as a public subnet; "
                                      "the embedding tasks must run in the private subnets "
                                      "(PrivateSubnetId0/1)", out->subnets[i]);
            }

    if (!problems.len) {
        bool missing = false;
        for (int f = 0; f < SO_NFIELDS; f++) {
            if (!FIELDS[f].required)
                continue;
            bool have = f == SO_PRIVATE_SUBNET ? out->nsubnets > 0 : *s_field_slot(out, (enum stack_output_field)f) != NULL;
            if (have)
                continue;
            if (!missing)
                buf_puts(&problems, "the stack outputs are incomplete; missing:");
            missing = true;
            buf_printf(&problems, "\n  - the %s: output key %s%s (or %s in the guide's script)",
                       FIELDS[f].label, FIELDS[f].prefixes[0],
                       f == SO_PRIVATE_SUBNET ? "0 / …1" : "…", FIELDS[f].names[0]);
        }
        if (missing)
            buf_printf(&problems, "\nFind them in the AWS console under CloudFormation › %s › "
                                  "Outputs, in the region the stack is deployed to.", stack);
    }

    if (problems.len) {
        *error = buf_detach(&problems);
        stack_outputs_free(out);
        return -1;
    }
    buf_free(&problems);
    return 0;
}

void stack_outputs_free(struct stack_outputs *o)
{
    if (!o)
        return;
    for (int f = 0; f < SO_NFIELDS; f++) {
        char **slot = s_field_slot(o, (enum stack_output_field)f);
        if (slot)
            free(*slot);
        free(o->origin[f]);
    }
    for (size_t i = 0; i < o->nsubnets; i++)
        free(o->subnets[i]);
    free(o->subnets);
    for (size_t i = 0; i < o->npublic_subnets; i++)
        free(o->public_subnets[i]);
    free(o->public_subnets);
    memset(o, 0, sizeof(*o));
}

static char **s_copy_list(char *const *src, size_t n)
{
    if (!n)
        return NULL;
    char **dst = xcalloc(n, sizeof(*dst));
    for (size_t i = 0; i < n; i++)
        dst[i] = xstrdup(src[i]);
    return dst;
}

void stack_outputs_copy(struct stack_outputs *dst, const struct stack_outputs *src)
{
    memset(dst, 0, sizeof(*dst));
    for (int f = 0; f < SO_NFIELDS; f++) {
        char **d = s_field_slot(dst, (enum stack_output_field)f);
        char **s = s_field_slot((struct stack_outputs *)src, (enum stack_output_field)f);
        if (d && *s)
            *d = xstrdup(*s);
        if (src->origin[f])
            dst->origin[f] = xstrdup(src->origin[f]);
    }
    dst->subnets = s_copy_list(src->subnets, src->nsubnets);
    dst->nsubnets = src->nsubnets;
    dst->public_subnets = s_copy_list(src->public_subnets, src->npublic_subnets);
    dst->npublic_subnets = src->npublic_subnets;
    dst->from_output_keys = src->from_output_keys;
}
