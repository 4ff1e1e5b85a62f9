#include "engine/copy/temp_cluster.h"

#include "aws/client.h"
#include "aws/error_class.h"
#include "engine/copy/copy_journal.h"
#include "engine/message/message.h"
#include "query_params.h"
#include "rds_reply.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MIN_ACU 0.5
#define DEFAULT_MAX_ACU 4.0
#define DEFAULT_POLL_MIN_MS 2000u
#define DEFAULT_POLL_MAX_MS 15000u
#define DEFAULT_WAIT_LIMIT_MS (90u * 60u * 1000u)
#define PASSWORD_LENGTH 32

enum job_kind { JOB_ENSURE, JOB_REMOVE };

struct temp_cluster_job {
    enum job_kind kind;
    struct aws_client *client;
    struct journal *journal;
    struct copy_view *v;
    struct temp_cluster_options o;
    temp_cluster_progress_fn progress;
    temp_cluster_done_fn done;
    void *ud;
    bool cancelled;
    bool in_call;            /* a request or timer is outstanding */
    bool cluster_ready;      /* seen available (and with the Data API when enabled) */
    bool cluster_looked_up;  /* an intended restore was looked for before sending it again */
    bool instance_ready;
    uint64_t timer;
    uint64_t poll_ms;
    uint64_t wait_started_ms;
    const char *waiting_for; /* what the current wait is about, for the time-out message */
};

static void s_next(struct temp_cluster_job *job);

/* ---- small helpers ------------------------------------------------------------- */

char *temp_cluster_new_password(void)
{
    /* RDS refuses '/', '@', '"' and spaces; 64 symbols make the modulo exact. */
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[PASSWORD_LENGTH];
    if (RAND_bytes(raw, (int)sizeof raw) != 1)
        return NULL;
    char *pw = xmalloc(PASSWORD_LENGTH + 1);
    for (size_t i = 0; i < PASSWORD_LENGTH; i++)
        pw[i] = alphabet[raw[i] % 64];
    pw[PASSWORD_LENGTH] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    return pw;
}

static void s_finish(struct temp_cluster_job *job, const char *error)
{
    if (job->timer)
        ev_timer_cancel(aws_client_loop(job->client), job->timer);
    temp_cluster_done_fn done = job->done;
    void *ud = job->ud;
    free(job);
    done(ud, error);
}

static void s_fail_aws(struct temp_cluster_job *job, const char *what, const struct aws_error *e)
{
    char *msg = rds_error_text(what, e);
    char *full = xasprintf("%s. What exists is in the copy journal: run the same command again to "
                           "resume, or `bedrock-chat-migrate cleanup` to remove it",
                           msg);
    s_finish(job, full);
    free(full);
    free(msg);
}

/* Tells the owner what is being done (m is consumed). */
static void s_progress(struct temp_cluster_job *job, struct message m)
{
    if (job->progress)
        job->progress(job->ud, &m);
    message_free(&m);
}

/* Journals rec (consumed); on failure the job ends, since acting unjournaled could
 * repeat a create after a crash. */
static int s_journal(struct temp_cluster_job *job, cJSON *rec)
{
    if (!job->journal) {
        copy_view_apply(job->v, rec);
        cJSON_Delete(rec);
        return 0;
    }
    char *error = NULL;
    if (copy_journal_write(job->journal, job->v, rec, &error) != 0) {
        char *msg = xasprintf("cannot write the copy journal (%s); stopped before acting so that "
                              "nothing is created twice. Free disk space or fix permissions, then "
                              "run again to resume",
                              error ? error : "write failed");
        free(error);
        s_finish(job, msg);
        free(msg);
        return -1;
    }
    return 0;
}

static int s_mark(struct temp_cluster_job *job, const char *type, enum copy_resource r, const char *id)
{
    char *name = job->v->res[r].name ? xstrdup(job->v->res[r].name)
                                     : copy_resource_name_for(r, job->v->run_id);
    int rc = s_journal(job, copy_rec_resource(type, r, name, id));
    free(name);
    return rc;
}

static const char *s_name(struct temp_cluster_job *job, enum copy_resource r)
{
    if (!job->v->res[r].name)
        job->v->res[r].name = copy_resource_name_for(r, job->v->run_id);
    return job->v->res[r].name;
}

static void s_tags(const char *run_id, const char *(*tags)[2])
{
    tags[0][0] = COPY_TAG_RUN;
    tags[0][1] = run_id;
    tags[1][0] = COPY_TAG_PROGRAM;
    tags[1][1] = COPY_TAG_PROGRAM_VALUE;
}

static void s_on_timer(void *ud)
{
    struct temp_cluster_job *job = ud;
    job->timer = 0;
    job->in_call = false;
    s_next(job);
}

/* Looks again later, backing off; fails when the wait has gone on too long. */
static void s_poll_later(struct temp_cluster_job *job, const char *waiting_for)
{
    uint64_t now = ev_now_ms();
    if (job->waiting_for != waiting_for) {
        job->waiting_for = waiting_for;
        job->wait_started_ms = now;
        job->poll_ms = job->o.poll_min_ms;
    } else {
        job->poll_ms = job->poll_ms * 3 / 2;
        if (job->poll_ms > job->o.poll_max_ms)
            job->poll_ms = job->o.poll_max_ms;
    }
    if (now - job->wait_started_ms > job->o.wait_limit_ms) {
        char *msg = xasprintf("gave up waiting for %s after %llu minutes; check it in the RDS "
                              "console, then run the same command again to resume",
                              waiting_for, (unsigned long long)(job->o.wait_limit_ms / 60000u));
        s_finish(job, msg);
        free(msg);
        return;
    }
    job->in_call = true;
    job->timer = ev_timer_add(aws_client_loop(job->client), job->poll_ms, s_on_timer, job);
}

static void s_call_rds(struct temp_cluster_job *job, const char *action, struct query_params *p,
                       aws_done_fn fn)
{
    job->in_call = true;
    aws_call_query(job->client, &AWS_SVC_RDS, action, p->kv, p->n, fn, job);
    query_params_free(p);
}

static void s_call_ec2(struct temp_cluster_job *job, const char *action, struct query_params *p,
                       aws_done_fn fn)
{
    job->in_call = true;
    aws_call_query(job->client, &AWS_SVC_EC2, action, p->kv, p->n, fn, job);
    query_params_free(p);
}

static void s_call_sm(struct temp_cluster_job *job, const char *op, cJSON *body, aws_done_fn fn)
{
    job->in_call = true;
    aws_call_json(job->client, &AWS_SVC_SECRETS_MANAGER, op, body, fn, job);
}

static bool s_gone(const struct aws_error *e)
{
    return aws_error_class(e) == AWS_ERROR_CLASS_NOT_FOUND;
}

/* ---- the secret ------------------------------------------------------------------ */

static void s_on_secret_described(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "Secrets Manager DescribeSecret (temporary secret)", &resp->err);
        return;
    }
    const cJSON *arn = cJSON_GetObjectItemCaseSensitive(resp->json, "ARN");
    bool ours = false;
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(resp->json, "Tags");
    const cJSON *t;
    cJSON_ArrayForEach(t, tags) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "Key");
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(t, "Value");
        if (cJSON_IsString(k) && cJSON_IsString(val) && strcmp(k->valuestring, COPY_TAG_RUN) == 0 &&
            strcmp(val->valuestring, job->v->run_id) == 0)
            ours = true;
    }
    if (!ours || !cJSON_IsString(arn)) {
        char *msg = xasprintf("a secret named %s already exists and was not made by this copy "
                              "(run %s); remove or rename it, then run again",
                              s_name(job, COPY_RES_SECRET), job->v->run_id);
        s_finish(job, msg);
        free(msg);
        return;
    }
    if (s_mark(job, "created", COPY_RES_SECRET, arn->valuestring) == 0)
        s_next(job);
}

static void s_on_secret_created(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    static const char *const exists[] = {"ResourceExistsException", NULL};
    if (rds_error_is(&resp->err, exists)) {
        /* Created before a crash: adopt it if it carries this run's tag. */
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "SecretId", s_name(job, COPY_RES_SECRET));
        s_call_sm(job, "DescribeSecret", body, s_on_secret_described);
        return;
    }
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "Secrets Manager CreateSecret (temporary secret)", &resp->err);
        return;
    }
    const cJSON *arn = cJSON_GetObjectItemCaseSensitive(resp->json, "ARN");
    if (s_mark(job, "created", COPY_RES_SECRET, cJSON_IsString(arn) ? arn->valuestring : NULL) == 0)
        s_next(job);
}

static void s_create_secret(struct temp_cluster_job *job)
{
    if (job->v->res[COPY_RES_SECRET].state == COPY_RES_NONE &&
        s_mark(job, "intent", COPY_RES_SECRET, NULL) != 0)
        return;
    char *password = temp_cluster_new_password();
    if (!password) {
        s_finish(job, "the system's random source failed, so no password could be made; nothing "
                      "was created");
        return;
    }
    s_progress(job, MESSAGE(MSG_COPY_CREATING_SECRET, MSG_S("name", s_name(job, COPY_RES_SECRET))));
    cJSON *value = cJSON_CreateObject();
    cJSON_AddStringToObject(value, "username", job->v->master_username ? job->v->master_username : "postgres");
    cJSON_AddStringToObject(value, "password", password);
    cJSON_AddStringToObject(value, "engine", "postgres");
    cJSON_AddStringToObject(value, "dbClusterIdentifier", s_name(job, COPY_RES_CLUSTER));
    char *text = cJSON_PrintUnformatted(value);
    cJSON_Delete(value);
    free_secret(password);

    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "Name", s_name(job, COPY_RES_SECRET));
    cJSON_AddStringToObject(body, "Description",
                            "bedrock-chat-migrate: master password of the temporary cluster a "
                            "snapshot copy reads from; deleted when the copy is cleaned up");
    char *token = xasprintf("bedrock-chat-migrate-copy-%s-secret-000001", job->v->run_id);
    cJSON_AddStringToObject(body, "ClientRequestToken", token);
    free(token);
    cJSON_AddStringToObject(body, "SecretString", text ? text : "");
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        cJSON_free(text);
    }
    cJSON *tags = cJSON_AddArrayToObject(body, "Tags");
    const char *kv[2][2];
    s_tags(job->v->run_id, kv);
    for (size_t i = 0; i < 2; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "Key", kv[i][0]);
        cJSON_AddStringToObject(t, "Value", kv[i][1]);
        cJSON_AddItemToArray(tags, t);
    }
    s_call_sm(job, "CreateSecret", body, s_on_secret_created);
}

/* ---- the security group ---------------------------------------------------------- */

static void s_on_sg_found(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "EC2 DescribeSecurityGroups (temporary security group)", &resp->err);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr item = aws_xml_find(root, "securityGroupInfo");
    item = item ? aws_xml_find(item->children, "item") : NULL;
    char *id = item ? rds_child_text(item, "groupId") : NULL;
    char *tag = item ? rds_tag_value(item, COPY_TAG_RUN) : NULL;
    bool ours = tag && strcmp(tag, job->v->run_id) == 0;
    free(tag);
    struct copy_res *res = &job->v->res[COPY_RES_SECURITY_GROUP];
    if (job->kind == JOB_REMOVE) {
        int rc = id && ours ? s_mark(job, "created", COPY_RES_SECURITY_GROUP, id)
                            : s_mark(job, "deleted", COPY_RES_SECURITY_GROUP, NULL);
        free(id);
        if (rc == 0)
            s_next(job);
        return;
    }
    if (!id || !ours) {
        char *msg = id ? xasprintf("a security group named %s already exists in %s and was not "
                                   "made by this copy (run %s); delete or rename it, then run again",
                                   res->name, job->v->vpc, job->v->run_id)
                       : xasprintf("EC2 said the security group %s exists but does not list it; "
                                   "run again in a minute", res->name);
        free(id);
        s_finish(job, msg);
        free(msg);
        return;
    }
    int rc = s_mark(job, "created", COPY_RES_SECURITY_GROUP, id);
    free(id);
    if (rc == 0)
        s_next(job);
}

static void s_find_sg(struct temp_cluster_job *job)
{
    struct query_params p = {0};
    query_params_add(&p, "Filter.1.Name", "group-name");
    query_params_add(&p, "Filter.1.Value.1", s_name(job, COPY_RES_SECURITY_GROUP));
    query_params_add(&p, "Filter.2.Name", "tag:" COPY_TAG_RUN);
    query_params_add(&p, "Filter.2.Value.1", job->v->run_id);
    s_call_ec2(job, "DescribeSecurityGroups", &p, s_on_sg_found);
}

static void s_on_sg_created(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    static const char *const dup[] = {"InvalidGroup.Duplicate", NULL};
    if (rds_error_is(&resp->err, dup)) {
        s_find_sg(job);
        return;
    }
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "EC2 CreateSecurityGroup (temporary security group)", &resp->err);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    char *id = aws_xml_text(root, "groupId");
    if (!id) {
        s_finish(job, "EC2 CreateSecurityGroup answered without a groupId; run again to resume");
        return;
    }
    int rc = s_mark(job, "created", COPY_RES_SECURITY_GROUP, id);
    free(id);
    if (rc == 0)
        s_next(job);
}

static void s_create_sg(struct temp_cluster_job *job)
{
    if (job->v->res[COPY_RES_SECURITY_GROUP].state == COPY_RES_NONE &&
        s_mark(job, "intent", COPY_RES_SECURITY_GROUP, NULL) != 0)
        return;
    s_progress(job, MESSAGE(MSG_COPY_CREATING_SECURITY_GROUP, MSG_S("name", s_name(job, COPY_RES_SECURITY_GROUP))));
    struct query_params p = {0};
    query_params_add(&p, "GroupName", s_name(job, COPY_RES_SECURITY_GROUP));
    /* No spaces: moto's EC2 signature check re-encodes a space differently from us. */
    query_params_add(&p, "GroupDescription", "bedrock-chat-migrate-snapshot-copy-without-inbound-rules");
    if (job->v->vpc && *job->v->vpc)
        query_params_add(&p, "VpcId", job->v->vpc);
    query_params_add(&p, "TagSpecification.1.ResourceType", "security-group");
    const char *kv[2][2];
    s_tags(job->v->run_id, kv);
    query_params_add_tags(&p, "TagSpecification.1.Tag", (const char *const(*)[2])kv, 2);
    s_call_ec2(job, "CreateSecurityGroup", &p, s_on_sg_created);
}

/* ---- the cluster and its instance ------------------------------------------------- */

static void s_on_restored(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    static const char *const exists[] = {"DBClusterAlreadyExistsFault", NULL};
    if (rds_error_is(&resp->err, exists)) {
        /* Restored before a crash; the wait below reads its ARN and checks its tag. */
        if (s_mark(job, "created", COPY_RES_CLUSTER, NULL) == 0)
            s_next(job);
        return;
    }
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "RDS RestoreDBClusterFromSnapshot", &resp->err);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    char *arn = aws_xml_text(root, "DBClusterArn");
    int rc = s_mark(job, "created", COPY_RES_CLUSTER, arn);
    free(arn);
    if (rc == 0)
        s_next(job);
}

static void s_restore(struct temp_cluster_job *job)
{
    if (job->v->res[COPY_RES_CLUSTER].state == COPY_RES_NONE &&
        s_mark(job, "intent", COPY_RES_CLUSTER, NULL) != 0)
        return;
    s_progress(job, MESSAGE(MSG_COPY_RESTORING, MSG_S("snapshot", job->v->snapshot_id),
                            MSG_S("name", s_name(job, COPY_RES_CLUSTER))));
    struct query_params p = {0};
    query_params_add(&p, "DBClusterIdentifier", s_name(job, COPY_RES_CLUSTER));
    /* The identifier: the snapshot is in this account (an ARN is only needed for shared ones). */
    query_params_add(&p, "SnapshotIdentifier", job->v->snapshot_id);
    query_params_add(&p, "Engine", job->v->engine && *job->v->engine ? job->v->engine : "aurora-postgresql");
    if (job->v->subnet_group && *job->v->subnet_group)
        query_params_add(&p, "DBSubnetGroupName", job->v->subnet_group);
    const char *sg = job->v->res[COPY_RES_SECURITY_GROUP].id;
    if (sg)
        query_params_add(&p, "VpcSecurityGroupIds.VpcSecurityGroupId.1", sg);
    query_params_addf(&p, "ServerlessV2ScalingConfiguration.MinCapacity", "%g", job->o.min_acu);
    query_params_addf(&p, "ServerlessV2ScalingConfiguration.MaxCapacity", "%g", job->o.max_acu);
    query_params_add(&p, "DeletionProtection", "false");
    query_params_add(&p, "CopyTagsToSnapshot", "false");
    const char *kv[2][2];
    s_tags(job->v->run_id, kv);
    query_params_add_tags(&p, "Tags.Tag", (const char *const(*)[2])kv, 2);
    s_call_rds(job, "RestoreDBClusterFromSnapshot", &p, s_on_restored);
}

/* A restore journaled as intended by a run that was killed may have reached RDS: look
 * for the cluster by its name (and this run's tag) before restoring again. RDS's answer
 * to a second restore is not to be relied on: it may refuse for another reason first
 * (the emulator: the automated snapshot's name) and the cluster must be adopted. */
static void s_on_cluster_lookup(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    job->cluster_looked_up = true;
    if (s_gone(&resp->err)) {
        s_next(job); /* never made: restore it now */
        return;
    }
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "RDS DescribeDBClusters (temporary cluster)", &resp->err);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr cluster = aws_xml_find(root, "DBCluster");
    char *arn = rds_child_text(cluster, "DBClusterArn");
    char *tag = rds_tag_value(cluster, COPY_TAG_RUN);
    bool ours = tag && strcmp(tag, job->v->run_id) == 0;
    free(tag);
    if (!cluster || !ours) {
        free(arn);
        char *msg = xasprintf("a cluster named %s exists and was not made by this copy (run %s); "
                              "nothing was changed. Remove it or start a new copy",
                              s_name(job, COPY_RES_CLUSTER), job->v->run_id);
        s_finish(job, msg);
        free(msg);
        return;
    }
    s_progress(job, MESSAGE(MSG_COPY_FOUND_RESTORED, MSG_S("name", s_name(job, COPY_RES_CLUSTER))));
    int rc = s_mark(job, "created", COPY_RES_CLUSTER, arn);
    free(arn);
    if (rc == 0)
        s_next(job);
}

static void s_lookup_cluster(struct temp_cluster_job *job)
{
    struct query_params p = {0};
    query_params_add(&p, "DBClusterIdentifier", s_name(job, COPY_RES_CLUSTER));
    s_call_rds(job, "DescribeDBClusters", &p, s_on_cluster_lookup);
}

static void s_on_instance_created(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    static const char *const exists[] = {"DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault", NULL};
    if (resp->err.kind != AWS_ERR_NONE && !rds_error_is(&resp->err, exists)) {
        s_fail_aws(job, "RDS CreateDBInstance (temporary instance)", &resp->err);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    char *arn = root ? aws_xml_text(root, "DBInstanceArn") : NULL;
    int rc = s_mark(job, "created", COPY_RES_INSTANCE, arn);
    free(arn);
    if (rc == 0)
        s_next(job);
}

static void s_create_instance(struct temp_cluster_job *job)
{
    if (job->v->res[COPY_RES_INSTANCE].state == COPY_RES_NONE &&
        s_mark(job, "intent", COPY_RES_INSTANCE, NULL) != 0)
        return;
    s_progress(job, MESSAGE(MSG_COPY_ADDING_INSTANCE, MSG_S("name", s_name(job, COPY_RES_INSTANCE))));
    struct query_params p = {0};
    query_params_add(&p, "DBInstanceIdentifier", s_name(job, COPY_RES_INSTANCE));
    query_params_add(&p, "DBInstanceClass", "db.serverless");
    query_params_add(&p, "Engine", job->v->engine && *job->v->engine ? job->v->engine : "aurora-postgresql");
    query_params_add(&p, "DBClusterIdentifier", s_name(job, COPY_RES_CLUSTER));
    query_params_add(&p, "PubliclyAccessible", "false");
    const char *kv[2][2];
    s_tags(job->v->run_id, kv);
    query_params_add_tags(&p, "Tags.Tag", (const char *const(*)[2])kv, 2);
    s_call_rds(job, "CreateDBInstance", &p, s_on_instance_created);
}

/* ---- waiting ------------------------------------------------------------------------ */

static void s_on_cluster_state(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    bool gone = s_gone(&resp->err);
    if (job->kind == JOB_REMOVE && gone) {
        if (s_mark(job, "deleted", COPY_RES_CLUSTER, NULL) == 0)
            s_next(job);
        return;
    }
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "RDS DescribeDBClusters (temporary cluster)", &resp->err);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr cluster = aws_xml_find(root, "DBCluster");
    char *status = rds_child_text(cluster, "Status");
    char *arn = rds_child_text(cluster, "DBClusterArn");
    char *tag = rds_tag_value(cluster, COPY_TAG_RUN);
    char *http = rds_child_text(cluster, "HttpEndpointEnabled");
    bool ours = tag && strcmp(tag, job->v->run_id) == 0;
    bool http_on = http && strcmp(http, "true") == 0;
    free(tag);
    free(http);
    if (job->kind == JOB_REMOVE) {
        /* Still there: a delete that never reached RDS (a crash after the journal line) is
         * sent again; one under way is waited for. */
        bool deleting = status && strcmp(status, "deleting") == 0;
        free(status);
        free(arn);
        if (!deleting)
            job->v->res[COPY_RES_CLUSTER].state = COPY_RES_CREATED;
        if (deleting)
            s_poll_later(job, "the temporary cluster to be deleted");
        else
            s_next(job);
        return;
    }
    if (!ours) {
        char *msg = xasprintf("a cluster named %s exists and was not made by this copy (run %s); "
                              "nothing was changed. Remove it or start a new copy",
                              s_name(job, COPY_RES_CLUSTER), job->v->run_id);
        free(status);
        free(arn);
        s_finish(job, msg);
        free(msg);
        return;
    }
    if (arn && !job->v->res[COPY_RES_CLUSTER].id) {
        if (s_mark(job, "created", COPY_RES_CLUSTER, arn) != 0) {
            free(status);
            free(arn);
            return;
        }
    }
    free(arn);
    bool available = status && strcmp(status, "available") == 0;
    s_progress(job, MESSAGE(MSG_COPY_CLUSTER_STATUS, MSG_S("name", s_name(job, COPY_RES_CLUSTER)),
                            MSG_S("status", status ? status : "?")));
    free(status);
    if (available && (!job->v->data_api_enabled || http_on)) {
        job->cluster_ready = true;
        job->waiting_for = NULL;
        s_next(job);
        return;
    }
    s_poll_later(job, "the temporary cluster to be available");
}

static void s_describe_cluster(struct temp_cluster_job *job)
{
    struct query_params p = {0};
    query_params_add(&p, "DBClusterIdentifier", s_name(job, COPY_RES_CLUSTER));
    s_call_rds(job, "DescribeDBClusters", &p, s_on_cluster_state);
}

static void s_on_instance_state(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    bool gone = s_gone(&resp->err);
    if (job->kind == JOB_REMOVE && gone) {
        if (s_mark(job, "deleted", COPY_RES_INSTANCE, NULL) == 0)
            s_next(job);
        return;
    }
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "RDS DescribeDBInstances (temporary instance)", &resp->err);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    char *status = aws_xml_text(root, "DBInstanceStatus");
    if (job->kind == JOB_REMOVE) {
        bool deleting = status && strcmp(status, "deleting") == 0;
        free(status);
        if (!deleting)
            job->v->res[COPY_RES_INSTANCE].state = COPY_RES_CREATED;
        if (deleting)
            s_poll_later(job, "the temporary instance to be deleted");
        else
            s_next(job);
        return;
    }
    bool available = status && strcmp(status, "available") == 0;
    s_progress(job, MESSAGE(MSG_COPY_INSTANCE_STATUS, MSG_S("name", s_name(job, COPY_RES_INSTANCE)),
                            MSG_S("status", status ? status : "?")));
    free(status);
    if (available) {
        job->instance_ready = true;
        job->waiting_for = NULL;
        s_next(job);
        return;
    }
    s_poll_later(job, "the temporary instance to be available");
}

static void s_describe_instance(struct temp_cluster_job *job)
{
    struct query_params p = {0};
    query_params_add(&p, "DBInstanceIdentifier", s_name(job, COPY_RES_INSTANCE));
    s_call_rds(job, "DescribeDBInstances", &p, s_on_instance_state);
}

/* ---- the new password and the Data API ---------------------------------------------- */

static void s_on_password_set(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "RDS ModifyDBCluster (the temporary cluster's new master password)", &resp->err);
        return;
    }
    job->cluster_ready = false;
    if (s_journal(job, copy_rec_step("password")) == 0)
        s_next(job);
}

static void s_on_secret_value(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "Secrets Manager GetSecretValue (temporary secret)", &resp->err);
        return;
    }
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(resp->json, "SecretString");
    cJSON *value = cJSON_IsString(text) ? cJSON_Parse(text->valuestring) : NULL;
    const cJSON *pw = cJSON_GetObjectItemCaseSensitive(value, "password");
    if (!cJSON_IsString(pw) || !*pw->valuestring) {
        if (value)
            cJSON_Delete(value);
        s_finish(job, "the temporary secret holds no password; run `bedrock-chat-migrate cleanup` "
                      "and start the copy again");
        return;
    }
    s_progress(job, MESSAGE(MSG_COPY_SETTING_PASSWORD, MSG_S("name", s_name(job, COPY_RES_CLUSTER))));
    struct query_params p = {0};
    query_params_add(&p, "DBClusterIdentifier", s_name(job, COPY_RES_CLUSTER));
    query_params_add(&p, "MasterUserPassword", pw->valuestring);
    query_params_add(&p, "ApplyImmediately", "true");
    OPENSSL_cleanse(pw->valuestring, strlen(pw->valuestring));
    cJSON_Delete(value);
    if (cJSON_IsString(text))
        OPENSSL_cleanse(text->valuestring, strlen(text->valuestring));
    s_call_rds(job, "ModifyDBCluster", &p, s_on_password_set);
}

static void s_set_password(struct temp_cluster_job *job)
{
    cJSON *body = cJSON_CreateObject();
    const struct copy_res *secret = &job->v->res[COPY_RES_SECRET];
    cJSON_AddStringToObject(body, "SecretId", secret->id ? secret->id : secret->name);
    s_call_sm(job, "GetSecretValue", body, s_on_secret_value);
}

static void s_on_http_enabled(void *ud, struct aws_response *resp)
{
    struct temp_cluster_job *job = ud;
    job->in_call = false;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail_aws(job, "RDS EnableHttpEndpoint (the Data API on the temporary cluster)", &resp->err);
        return;
    }
    job->cluster_ready = false;
    if (s_journal(job, copy_rec_step("data_api")) == 0)
        s_next(job);
}

static void s_enable_http(struct temp_cluster_job *job)
{
    s_progress(job, MESSAGE(MSG_COPY_ENABLING_DATA_API, MSG_S("name", s_name(job, COPY_RES_CLUSTER))));
    struct query_params p = {0};
    query_params_add(&p, "ResourceArn", job->v->res[COPY_RES_CLUSTER].id);
    s_call_rds(job, "EnableHttpEndpoint", &p, s_on_http_enabled);
}

/* ---- removal -------------------------------------------------------------------------- */

static bool s_needs_delete(const struct copy_res *r)
{
    return r->state == COPY_RES_INTENDED || r->state == COPY_RES_CREATED;
}

static bool s_may_exist(const struct copy_res *r)
{
    return r->state != COPY_RES_NONE && r->state != COPY_RES_DELETED;
}

static void s_on_deleted(struct temp_cluster_job *job, struct aws_response *resp,
                         enum copy_resource r, const char *what)
{
    job->in_call = false;
    static const char *const busy[] = {"InvalidDBClusterStateFault", "InvalidDBInstanceState",
                                       "InvalidDBInstanceStateFault", "DependencyViolation", NULL};
    if (s_gone(&resp->err)) {
        if (s_mark(job, "deleted", r, NULL) == 0)
            s_next(job);
        return;
    }
    if (rds_error_is(&resp->err, busy)) {
        /* The cluster still has an instance, or the group is still attached to a network
         * interface of the cluster being deleted: try again shortly. */
        job->v->res[r].state = COPY_RES_CREATED;
        s_poll_later(job, what);
        return;
    }
    if (resp->err.kind != AWS_ERR_NONE) {
        char *op = xasprintf("deleting the %s %s", copy_resource_label(r), job->v->res[r].name);
        s_fail_aws(job, op, &resp->err);
        free(op);
        return;
    }
    /* RDS deletes in the background (waited for below); EC2 and Secrets Manager at once. */
    if (r == COPY_RES_CLUSTER || r == COPY_RES_INSTANCE) {
        s_next(job);
        return;
    }
    if (s_mark(job, "deleted", r, NULL) == 0)
        s_next(job);
}

static void s_on_instance_deleted(void *ud, struct aws_response *resp)
{
    s_on_deleted(ud, resp, COPY_RES_INSTANCE, "the temporary instance to accept deletion");
}

static void s_on_cluster_deleted(void *ud, struct aws_response *resp)
{
    s_on_deleted(ud, resp, COPY_RES_CLUSTER, "the temporary cluster to accept deletion");
}

static void s_on_sg_deleted(void *ud, struct aws_response *resp)
{
    s_on_deleted(ud, resp, COPY_RES_SECURITY_GROUP,
                 "the temporary security group to be released by the deleted cluster");
}

static void s_on_secret_deleted(void *ud, struct aws_response *resp)
{
    s_on_deleted(ud, resp, COPY_RES_SECRET, "the temporary secret to be deleted");
}

static void s_delete(struct temp_cluster_job *job, enum copy_resource r)
{
    struct copy_res *res = &job->v->res[r];
    if (res->state != COPY_RES_DELETING && s_mark(job, "deleting", r, NULL) != 0)
        return;
    static const enum message_id deleting[COPY_RES_N] = {
        [COPY_RES_SECRET] = MSG_COPY_DELETING_SECRET,
        [COPY_RES_SECURITY_GROUP] = MSG_COPY_DELETING_SECURITY_GROUP,
        [COPY_RES_CLUSTER] = MSG_COPY_DELETING_CLUSTER,
        [COPY_RES_INSTANCE] = MSG_COPY_DELETING_INSTANCE,
    };
    s_progress(job, MESSAGE(deleting[r], MSG_S("name", s_name(job, r))));
    struct query_params p = {0};
    switch (r) {
    case COPY_RES_INSTANCE:
        query_params_add(&p, "DBInstanceIdentifier", s_name(job, r));
        s_call_rds(job, "DeleteDBInstance", &p, s_on_instance_deleted);
        return;
    case COPY_RES_CLUSTER:
        query_params_add(&p, "DBClusterIdentifier", s_name(job, r));
        query_params_add(&p, "SkipFinalSnapshot", "true");
        s_call_rds(job, "DeleteDBCluster", &p, s_on_cluster_deleted);
        return;
    case COPY_RES_SECURITY_GROUP:
        if (!res->id) {
            s_find_sg(job);
            return;
        }
        query_params_add(&p, "GroupId", res->id);
        s_call_ec2(job, "DeleteSecurityGroup", &p, s_on_sg_deleted);
        return;
    case COPY_RES_SECRET: {
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "SecretId", res->id ? res->id : s_name(job, r));
        cJSON_AddBoolToObject(body, "ForceDeleteWithoutRecovery", true);
        s_call_sm(job, "DeleteSecret", body, s_on_secret_deleted);
        return;
    }
    case COPY_RES_N:
        break;
    }
}

/* ---- the driver ------------------------------------------------------------------------- */

static void s_next_ensure(struct temp_cluster_job *job)
{
    struct copy_view *v = job->v;
    if (v->res[COPY_RES_SECRET].state < COPY_RES_CREATED)
        s_create_secret(job);
    else if (v->res[COPY_RES_SECURITY_GROUP].state < COPY_RES_CREATED)
        s_create_sg(job);
    else if (v->res[COPY_RES_CLUSTER].state == COPY_RES_INTENDED && !job->cluster_looked_up)
        s_lookup_cluster(job);
    else if (v->res[COPY_RES_CLUSTER].state < COPY_RES_CREATED)
        s_restore(job);
    else if (v->res[COPY_RES_INSTANCE].state < COPY_RES_CREATED)
        s_create_instance(job);
    else if (v->res[COPY_RES_CLUSTER].state > COPY_RES_CREATED ||
             v->res[COPY_RES_INSTANCE].state > COPY_RES_CREATED)
        s_finish(job, "the temporary cluster of this copy is being deleted (or is gone); start a "
                      "new copy with --new-run");
    else if (!job->cluster_ready || !v->res[COPY_RES_CLUSTER].id)
        s_describe_cluster(job);
    else if (!job->instance_ready)
        s_describe_instance(job);
    else if (!v->password_set)
        s_set_password(job);
    else if (!v->data_api_enabled)
        s_enable_http(job);
    else
        s_finish(job, NULL);
}

static void s_next_remove(struct temp_cluster_job *job)
{
    struct copy_res *res = job->v->res;
    if (s_needs_delete(&res[COPY_RES_INSTANCE]))
        s_delete(job, COPY_RES_INSTANCE);
    else if (s_needs_delete(&res[COPY_RES_CLUSTER]))
        s_delete(job, COPY_RES_CLUSTER);
    else if (res[COPY_RES_INSTANCE].state == COPY_RES_DELETING)
        s_describe_instance(job);
    else if (res[COPY_RES_CLUSTER].state == COPY_RES_DELETING)
        s_describe_cluster(job);
    else if (s_may_exist(&res[COPY_RES_SECURITY_GROUP]))
        s_delete(job, COPY_RES_SECURITY_GROUP);
    else if (s_may_exist(&res[COPY_RES_SECRET]))
        s_delete(job, COPY_RES_SECRET);
    else
        s_finish(job, NULL);
}

static void s_next(struct temp_cluster_job *job)
{
    if (job->cancelled) {
        s_finish(job, "stopped");
        return;
    }
    if (job->kind == JOB_ENSURE)
        s_next_ensure(job);
    else
        s_next_remove(job);
}

static void s_start_timer(void *ud)
{
    struct temp_cluster_job *job = ud;
    job->timer = 0;
    job->in_call = false;
    s_next(job);
}

static struct temp_cluster_job *s_start(enum job_kind kind, struct aws_client *client,
                                        struct journal *j, struct copy_view *v,
                                        const struct temp_cluster_options *o,
                                        temp_cluster_progress_fn progress,
                                        temp_cluster_done_fn done, void *ud)
{
    struct temp_cluster_job *job = xcalloc(1, sizeof(*job));
    job->kind = kind;
    job->client = client;
    job->journal = j;
    job->v = v;
    if (o)
        job->o = *o;
    if (job->o.min_acu <= 0)
        job->o.min_acu = DEFAULT_MIN_ACU;
    if (job->o.max_acu < job->o.min_acu)
        job->o.max_acu = DEFAULT_MAX_ACU < job->o.min_acu ? job->o.min_acu : DEFAULT_MAX_ACU;
    if (!job->o.poll_min_ms)
        job->o.poll_min_ms = DEFAULT_POLL_MIN_MS;
    if (!job->o.poll_max_ms)
        job->o.poll_max_ms = DEFAULT_POLL_MAX_MS;
    if (!job->o.wait_limit_ms)
        job->o.wait_limit_ms = DEFAULT_WAIT_LIMIT_MS;
    job->progress = progress;
    job->done = done;
    job->ud = ud;
    /* Completions come from the loop, never inside the call that started the job. */
    job->in_call = true;
    job->timer = ev_timer_add(aws_client_loop(client), 0, s_start_timer, job);
    return job;
}

struct temp_cluster_job *temp_cluster_ensure(struct aws_client *client, struct journal *j,
                                             struct copy_view *v,
                                             const struct temp_cluster_options *o,
                                             temp_cluster_progress_fn progress,
                                             temp_cluster_done_fn done, void *ud)
{
    return s_start(JOB_ENSURE, client, j, v, o, progress, done, ud);
}

struct temp_cluster_job *temp_cluster_remove(struct aws_client *client, struct journal *j,
                                             struct copy_view *v,
                                             const struct temp_cluster_options *o,
                                             temp_cluster_progress_fn progress,
                                             temp_cluster_done_fn done, void *ud)
{
    return s_start(JOB_REMOVE, client, j, v, o, progress, done, ud);
}

void temp_cluster_cancel(struct temp_cluster_job *job)
{
    if (!job)
        return;
    job->cancelled = true;
    if (job->timer) {
        /* A wait is pending: end it now, from the loop, not inside this call. */
        ev_timer_cancel(aws_client_loop(job->client), job->timer);
        job->timer = ev_timer_add(aws_client_loop(job->client), 0, s_on_timer, job);
    }
}
