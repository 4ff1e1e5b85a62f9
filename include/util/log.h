/* --debug logging: one line per request, status, latency and retry, to stderr or a file.
 *
 * Owns: the debug sink and redaction. Anything that could carry a secret (Authorization,
 * X-Amz-Security-Token, tokens in bodies) is masked here, at the single place where text
 * leaves the process for the log, so callers cannot forget to. */
#ifndef BCM_UTIL_LOG_H
#define BCM_UTIL_LOG_H

#include <stdio.h>

struct debug_log;

/* path NULL or "-": stderr. Returns NULL and sets *error on failure. */
struct debug_log *debug_log_open(const char *path, char **error);
void debug_log_close(struct debug_log *log);
/* log may be NULL (then nothing happens). Appends a newline. */
void debug_log(struct debug_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns a copy of text in which secrets are masked: the Signature= part of an
 * Authorization value, X-Amz-Security-Token / X-Amz-Credential values, and JSON fields
 * named SecretAccessKey, SessionToken, Token, accessToken. */
char *redact_secrets(const char *text);

#endif
