/* aws/ — above util/, below the engine: talking to AWS and nothing about Bedrock
 * Chat — the credential chain as the AWS CLI runs it, the shared config files, SigV4,
 * the HTTP transport on the event loop, the client (protocols, retries; replies read in
 * client_reply.c), the one error classification (error_class.h) and the RDS Data API. It includes util/ only; the engine and the commands start here, with a
 * session.
 *
 * Everything a command needs to talk to AWS, set up once from the command line and the
 * environment: the event loop, the HTTP transport, the shared config files, the profile,
 * the region (and where it came from), the credential chain and the client.
 *
 * Owns: the lifetime and tear-down order of those pieces. */
#ifndef BCM_AWS_SESSION_H
#define BCM_AWS_SESSION_H

#include <stdbool.h>
#include <stddef.h>

struct ev_loop;
struct http_transport;
struct aws_config;
struct cred_provider;
struct aws_client;
struct debug_log;

struct aws_session_options {
    const char *profile;       /* --profile */
    const char *region;        /* --region */
    const char *endpoint_url;  /* --endpoint-url */
    bool debug;                /* --debug */
    const char *debug_file;    /* --debug-file (implies --debug) */
};

struct aws_session {
    struct ev_loop *loop;
    struct http_transport *http;
    struct aws_config *config;
    char *profile;             /* the profile in use ("default" when none named) */
    bool profile_explicit;
    char *region;
    const char *region_source; /* "--region", "AWS_REGION", "profile prod", … */
    struct cred_provider *creds;
    struct aws_client *client;
    struct debug_log *log;
    /* clients for other regions (a task definition's awslogs-region), made on demand */
    struct aws_client **region_clients;
    size_t nregion_clients;
    char *endpoint_url;        /* --endpoint-url, for those clients */
    long timeout_ms;
};

/* Returns 0, or -1 with *error (caller frees) saying what is wrong and what to do. */
int aws_session_open(struct aws_session *s, const struct aws_session_options *o, char **error);
void aws_session_close(struct aws_session *s);
/* The session's client when region is NULL, empty or the session's own; else a client
 * for that region sharing the loop, transport and credentials (made once, freed with the
 * session). */
struct aws_client *aws_session_client_for_region(struct aws_session *s, const char *region);

#endif
