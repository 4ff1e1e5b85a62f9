/* --version: the program, its revision and the libraries' versions. */
#include "app/version.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BCM_REVISION
#define BCM_REVISION "unknown"
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

/* The revision the build passed in; an empty one reads "unknown". */
static const char s_revision[] = BCM_REVISION;

const char *app_revision(void)
{
    return s_revision[0] ? s_revision : "unknown";
}

/* libxml2 says its running version as "20914" (xmlParserVersion): write it 2.9.14. */
static void s_libxml_running(char *buf, size_t n)
{
    const char *v = xmlParserVersion;
    long num = v ? strtol(v, NULL, 10) : 0;
    if (num > 0)
        snprintf(buf, n, "%ld.%ld.%ld", num / 10000, num / 100 % 100, num % 100);
    else
        snprintf(buf, n, "?");
}

static void s_row(FILE *out, const char *name, const char *running, const char *built)
{
    fprintf(out, "  %-9s %-22s %s\n", name, running && *running ? running : "?", built);
}

void app_print_version(FILE *out, const char *curses_running, const char *curses_built)
{
    fprintf(out, "bedrock-chat-migrate %s\n", BCM_VERSION);
    fprintf(out, "revision %s\n", app_revision());
    fprintf(out, "libraries:  running                built against\n");
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    s_row(out, "libcurl", curl ? curl->version : NULL, LIBCURL_VERSION);
    /* OpenSSL_version gives "OpenSSL 3.0.17 1 Jul 2025": the number is the second word. */
    char ssl[64];
    const char *ssl_text = OpenSSL_version(OPENSSL_VERSION);
    const char *space = ssl_text ? strchr(ssl_text, ' ') : NULL;
    snprintf(ssl, sizeof ssl, "%s", space ? space + 1 : ssl_text ? ssl_text : "?");
    char *cut = strchr(ssl, ' ');
    if (cut)
        *cut = '\0';
    s_row(out, "OpenSSL", ssl, OPENSSL_FULL_VERSION_STR);
    s_row(out, "ncursesw", curses_running, curses_built);
    s_row(out, "cJSON", cJSON_Version(),
          STR(CJSON_VERSION_MAJOR) "." STR(CJSON_VERSION_MINOR) "." STR(CJSON_VERSION_PATCH));
    char xml[32];
    s_libxml_running(xml, sizeof xml);
    s_row(out, "libxml2", xml, LIBXML_DOTTED_VERSION);
}
