/* Calling AWS: one function per protocol family, asynchronous, retried like the SDKs'
 * standard mode.
 *
 * Owns: endpoint resolution (URLs split by libcurl's parser), request building per
 * protocol (JSON 1.0/1.1 with X-Amz-Target, query with an XML reply, REST-XML for S3),
 * signing, and retries with capped exponential backoff and full jitter under a retry
 * quota. Replies and errors are read in client_reply.c; what an error means (retry or
 * not) is decided by aws/error_class.h. Callers get a parsed document (cJSON or libxml2)
 * or an aws_error that says what went wrong. */
#ifndef BCM_AWS_CLIENT_H
#define BCM_AWS_CLIENT_H

#include "aws/http.h"
#include "aws/http_request.h"
#include "util/buf.h"

#include <cjson/cJSON.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct ev_loop;
struct cred_provider;
struct debug_log;
struct aws_config;

enum aws_protocol {
    AWS_PROTO_JSON,       /* JSON 1.0 / 1.1 with X-Amz-Target */
    AWS_PROTO_QUERY,      /* form-encoded Action=…&Version=…, XML reply */
    AWS_PROTO_EC2,        /* like query; errors in <Response><Errors> */
    AWS_PROTO_REST_XML,   /* S3 */
    AWS_PROTO_REST_JSON,  /* SSO portal, RDS Data API */
};

struct aws_service {
    const char *service_id;      /* botocore service id: "DynamoDB", "CloudWatch Logs" */
    const char *endpoint_prefix; /* "dynamodb", "logs" */
    const char *signing_name;    /* usually the prefix */
    enum aws_protocol protocol;
    const char *json_version;    /* "1.0" / "1.1" for AWS_PROTO_JSON */
    const char *target_prefix;   /* "DynamoDB_20120810" */
    const char *api_version;     /* "2011-06-15" for query */
    int default_max_attempts;    /* 3; DynamoDB 4 */
};

extern const struct aws_service AWS_SVC_STS;
extern const struct aws_service AWS_SVC_CLOUDFORMATION;
extern const struct aws_service AWS_SVC_DYNAMODB;
extern const struct aws_service AWS_SVC_ECS;
extern const struct aws_service AWS_SVC_LOGS;
extern const struct aws_service AWS_SVC_S3;
extern const struct aws_service AWS_SVC_EC2;
extern const struct aws_service AWS_SVC_SSO;
extern const struct aws_service AWS_SVC_RDS_DATA;
extern const struct aws_service AWS_SVC_ECR;
extern const struct aws_service AWS_SVC_SERVICE_QUOTAS;
extern const struct aws_service AWS_SVC_RDS;
extern const struct aws_service AWS_SVC_SECRETS_MANAGER;
extern const struct aws_service AWS_SVC_BEDROCK;

enum aws_error_kind {
    AWS_ERR_NONE = 0,
    AWS_ERR_CREDENTIALS,  /* no credentials could be found or refreshed */
    AWS_ERR_TRANSPORT,    /* connection refused, DNS, reset, timeout (after retries) */
    AWS_ERR_SERVICE,      /* AWS answered with an error code */
    AWS_ERR_HTTP,         /* non-2xx without a recognisable error body */
    AWS_ERR_PARSE,        /* 2xx whose body could not be parsed */
};

struct aws_error {
    enum aws_error_kind kind;
    enum http_failure transport; /* AWS_ERR_TRANSPORT: what the wire did (HTTP_OK otherwise) */
    long http_status;
    char *code;        /* "ThrottlingException", "SignatureDoesNotMatch", … or NULL */
    char *message;     /* AWS's message or the transport's error text */
    char *request_id;
};

struct aws_response {
    struct aws_error err;   /* kind == AWS_ERR_NONE on success */
    long status;
    buf_t body;
    cJSON *json;            /* JSON protocols, on success */
    xmlDocPtr xml;          /* query, EC2 and REST-XML, on success (NULL for an empty body) */
    int attempts;
    const char *operation;
    const struct aws_service *service;
};

/* The response is valid only during the callback; the client frees it afterwards. */
typedef void (*aws_done_fn)(void *ud, struct aws_response *resp);

struct aws_client_config {
    struct ev_loop *loop;
    struct http_transport *http;
    struct cred_provider *creds;
    const char *region;
    const char *endpoint_url;    /* --endpoint-url: applies to every service */
    const char *profile;         /* for endpoint_url / max_attempts from the config file */
    const struct aws_config *config; /* NULL: files not consulted */
    int max_attempts;            /* 0: AWS_MAX_ATTEMPTS, the profile, or the service default */
    struct debug_log *log;       /* NULL: quiet */
    time_t (*wall_clock)(void);  /* NULL: time(); tests freeze it */
    double (*random01)(void);    /* NULL: util/random; tests make jitter deterministic */
    long connect_timeout_ms;
    long timeout_ms;
};

struct aws_client;

struct aws_client *aws_client_new(const struct aws_client_config *cfg);
void aws_client_free(struct aws_client *c);
const char *aws_client_region(const struct aws_client *c);
struct ev_loop *aws_client_loop(const struct aws_client *c);

/* The endpoint URL for a service ("https://dynamodb.eu-west-1.amazonaws.com"), honouring
 * --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL and the profile. */
char *aws_client_endpoint(const struct aws_client *c, const struct aws_service *svc);

/* JSON protocol: body is consumed (may be NULL for "{}"). */
void aws_call_json(struct aws_client *c, const struct aws_service *svc, const char *operation,
                   cJSON *body, aws_done_fn done, void *ud);
/* For calls that must not be repeated blindly (ECS RunTask): only answers that prove the
 * request was not executed (throttling, connection refused) are retried here; a timeout,
 * reset or 5xx comes back to the caller, who reconciles before trying again. */
#define AWS_CALL_NOT_IDEMPOTENT 1u
/* The caller paces this operation itself (the runner's RunTask bucket): a throttling
 * answer comes back to it at once instead of being retried here around its pace. */
#define AWS_CALL_CALLER_PACES 2u
void aws_call_json_ex(struct aws_client *c, const struct aws_service *svc, const char *operation,
                      cJSON *body, unsigned flags, aws_done_fn done, void *ud);
/* Query protocol (and EC2): params are copied. */
void aws_call_query(struct aws_client *c, const struct aws_service *svc, const char *action,
                    const struct http_kv *params, size_t nparams, aws_done_fn done, void *ud);
/* REST (S3, SSO): path is decoded ("/my-bucket"); each segment is encoded by the client. */
void aws_call_rest(struct aws_client *c, const struct aws_service *svc, const char *operation,
                   const char *method, const char *path, const struct http_kv *query, size_t nquery,
                   const struct http_kv *headers, size_t nheaders,
                   aws_done_fn done, void *ud);

/* REST-JSON with a JSON body (the RDS Data API): POST to path, signed; body is consumed. */
void aws_call_rest_json(struct aws_client *c, const struct aws_service *svc, const char *operation,
                        const char *path, cJSON *body, aws_done_fn done, void *ud);

/* Request and retry counters, per client, for --debug summaries and benchmarks. */
struct aws_client_stats {
    uint64_t requests;      /* HTTP requests sent, retries included */
    uint64_t retries;
    uint64_t throttles;
    uint64_t failures;      /* calls that ended in an error */
};
void aws_client_get_stats(const struct aws_client *c, struct aws_client_stats *out);

/* "ThrottlingException: Rate exceeded (HTTP 400, request id …)" — for people. */
char *aws_error_describe(const struct aws_error *e);
/* Whether to retry, reconcile or give up: aws_error_class() in aws/error_class.h. */
/* What a person should do about a well-known error code (static text), or NULL. */
const char *aws_error_hint(const struct aws_error *e);
void aws_error_free(struct aws_error *e);

/* xpath-free helpers for the XML replies: the text of the first descendant element of
 * node with that local name (namespaces ignored), or NULL. */
xmlNodePtr aws_xml_find(xmlNodePtr node, const char *local_name);
char *aws_xml_text(xmlNodePtr node, const char *local_name);

#endif
