#include "aws/session.h"

#include "aws/client.h"
#include "aws/config_file.h"
#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/http.h"
#include "util/ev_loop.h"
#include "util/log.h"
#include "util/mem.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The CA certificates when neither AWS_CA_BUNDLE nor the profile names them: SSL_CERT_FILE,
 * libcurl's built-in path when it exists, else the first bundle found where distributions keep it.
 * A release binary built on Debian (/etc/ssl/certs/ca-certificates.crt) then still
 * verifies AWS's certificates on Amazon Linux, Fedora or RHEL (/etc/pki/tls/certs/…).
 * NULL: leave it to libcurl. */
static const char *s_system_ca_bundle(void)
{
    static const char *const bundles[] = {
        "/etc/ssl/certs/ca-certificates.crt",                 /* Debian, Ubuntu, Alpine */
        "/etc/pki/tls/certs/ca-bundle.crt",                   /* Amazon Linux, Fedora, RHEL */
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  /* the same, newer layout */
        "/etc/ssl/ca-bundle.pem",                             /* openSUSE */
        "/etc/ssl/cert.pem",                                  /* macOS, BSDs */
    };
    const char *env = getenv("SSL_CERT_FILE");
    if (env && *env && access(env, R_OK) == 0)
        return env;
    const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    if (info && info->cainfo && access(info->cainfo, R_OK) == 0)
        return NULL;
    for (size_t i = 0; i < sizeof bundles / sizeof *bundles; i++)
        if (access(bundles[i], R_OK) == 0)
            return bundles[i];
    return NULL;
}

/* BCM_HTTP_TIMEOUT_MS: the total time one HTTP request may take (default 60 s), a knob for
 * tests that hold replies past the timeout without waiting a minute. 0 when unset. */
static long s_env_timeout_ms(void)
{
    const char *v = getenv("BCM_HTTP_TIMEOUT_MS");
    if (!v || !*v)
        return 0;
    char *end = NULL;
    long ms = strtol(v, &end, 10);
    return (*end == '\0' && ms > 0 && ms <= 3600000) ? ms : 0;
}

static struct aws_client *s_client_new(struct aws_session *s, const char *region)
{
    struct aws_client_config ac = {
        .loop = s->loop,
        .http = s->http,
        .creds = s->creds,
        .region = region,
        .endpoint_url = s->endpoint_url,
        .profile = s->profile,
        .config = s->config,
        .log = s->log,
        .timeout_ms = s->timeout_ms,
    };
    return aws_client_new(&ac);
}

struct aws_client *aws_session_client_for_region(struct aws_session *s, const char *region)
{
    if (!region || !*region || strcmp(region, s->region) == 0)
        return s->client;
    for (size_t i = 0; i < s->nregion_clients; i++)
        if (strcmp(aws_client_region(s->region_clients[i]), region) == 0)
            return s->region_clients[i];
    debug_log(s->log, "a client for region %s (the session's is %s)", region, s->region);
    s->region_clients = xrealloc(s->region_clients, (s->nregion_clients + 1) * sizeof(*s->region_clients));
    s->region_clients[s->nregion_clients] = s_client_new(s, region);
    return s->region_clients[s->nregion_clients++];
}

int aws_session_open(struct aws_session *s, const struct aws_session_options *o, char **error)
{
    memset(s, 0, sizeof(*s));
    if (o->debug || o->debug_file) {
        s->log = debug_log_open(o->debug_file, error);
        if (!s->log)
            return -1;
    }
    s->config = aws_config_load(error);
    if (!s->config) {
        aws_session_close(s);
        return -1;
    }
    s->profile_explicit = o->profile && *o->profile;
    s->profile = xstrdup(aws_config_profile_name(o->profile));
    s->region = aws_resolve_region(s->config, o->region, s->profile, &s->region_source);
    if (!s->region) {
        *error = xasprintf("no AWS region is set: pass --region (for example --region "
                           "ap-northeast-1), set AWS_REGION, or add `region = …` to profile "
                           "'%s' in the AWS config file", s->profile);
        aws_session_close(s);
        return -1;
    }
    if (!o->endpoint_url || !*o->endpoint_url) {
        char *probe = aws_endpoint_default("sts", s->region,
                                           aws_endpoint_variant_configured(s->config, s->profile), error);
        if (!probe) {
            aws_session_close(s);
            return -1;
        }
        free(probe);
    }
    s->loop = ev_loop_new();
    if (!s->loop) {
        *error = xstrdup("could not start the network layer (libcurl multi)");
        aws_session_close(s);
        return -1;
    }
    const char *ca = getenv("AWS_CA_BUNDLE");
    if (!ca || !*ca)
        ca = aws_config_get(s->config, s->profile, "ca_bundle");
    if (!ca || !*ca)
        ca = s_system_ca_bundle();
    struct http_curl_config hc = {.ca_bundle = ca};
    s->http = http_curl_transport_new(s->loop, &hc);
    struct cred_chain_config cc = {
        .profile = s->profile_explicit ? s->profile : NULL,
        .loop = s->loop,
        .http = s->http,
        .region = s->region,
    };
    s->creds = cred_provider_default_chain(&cc);
    s->endpoint_url = o->endpoint_url ? xstrdup(o->endpoint_url) : NULL;
    s->timeout_ms = s_env_timeout_ms();
    s->client = s_client_new(s, s->region);
    debug_log(s->log, "profile %s%s, region %s (from %s)", s->profile,
              s->profile_explicit ? " (--profile)" : "", s->region, s->region_source);
    return 0;
}

void aws_session_close(struct aws_session *s)
{
    for (size_t i = 0; i < s->nregion_clients; i++)
        aws_client_free(s->region_clients[i]);
    free(s->region_clients);
    free(s->endpoint_url);
    aws_client_free(s->client);
    cred_provider_free(s->creds);
    http_transport_free(s->http);
    ev_loop_free(s->loop);
    aws_config_free(s->config);
    debug_log_close(s->log);
    free(s->profile);
    free(s->region);
    memset(s, 0, sizeof(*s));
}
