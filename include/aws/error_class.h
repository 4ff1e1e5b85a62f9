/* What kind of failure an AWS call ended in, and so what may be done about it.
 *
 * Owns: the one rule set that sorts a failed call (transport result, HTTP status, AWS
 * error code) into classes. The client's retry decision and every engine caller that
 * must choose between retrying, reconciling and giving up ask aws_error_class(); nobody
 * else matches error codes or status ranges to decide that. (Callers may still look
 * for one operation's specific code, such as CloudFormation's "stack does not exist",
 * to word a message.) */
#ifndef BCM_AWS_ERROR_CLASS_H
#define BCM_AWS_ERROR_CLASS_H

#include <stdbool.h>

struct aws_error;

enum aws_error_class {
    AWS_ERROR_CLASS_NONE = 0,        /* no error */
    AWS_ERROR_CLASS_THROTTLED,       /* throttling code or HTTP 429: not executed; slow down */
    AWS_ERROR_CLASS_TRANSIENT,       /* HTTP 500/502/503/504, a timeout code, a timeout or reset
                                      * on the wire, an unreadable 2xx reply: it may have been
                                      * executed; asking again may work */
    AWS_ERROR_CLASS_SERVER,          /* another 5xx: AWS failed, the outcome is unknown, and
                                      * the SDKs do not retry it */
    AWS_ERROR_CLASS_UNREACHABLE,     /* connection failed (DNS, refused): never reached AWS */
    AWS_ERROR_CLASS_SETUP,           /* never sent: TLS verification failed, the endpoint URL
                                      * is unusable, or demo mode refused the endpoint */
    AWS_ERROR_CLASS_NO_CREDENTIALS,  /* never sent: no credentials could be found or signed with */
    AWS_ERROR_CLASS_CREDENTIALS,     /* AWS refused the credentials: expired, unknown key,
                                      * bad signature, clock skew (HTTP 401) */
    AWS_ERROR_CLASS_PERMISSION,      /* IAM refused the caller (AccessDenied…, HTTP 403) */
    AWS_ERROR_CLASS_NOT_FOUND,       /* the resource does not exist (…NotFound…, NoSuch…, 404) */
    AWS_ERROR_CLASS_CLIENT,          /* any other 4xx: the request itself is wrong (validation) */
};

/* The class of e (kind, transport failure, HTTP status and code). An AWS error code
 * decides before the status; a status without a code (an empty or unreadable error body)
 * is classified by its number, so a bare 4xx is a refusal like a coded one. */
enum aws_error_class aws_error_class(const struct aws_error *e);

/* Short English name ("throttled", "permission"), for logs and tests. */
const char *aws_error_class_name(enum aws_error_class c);

/* Asking again later may succeed (the client's retry loop retries exactly these). */
bool aws_error_class_retryable(enum aws_error_class c);
/* The request certainly had no effect at AWS (safe to send again, even RunTask). */
bool aws_error_class_not_executed(enum aws_error_class c);
/* AWS answered and refused: the same request gets the same answer until a person fixes
 * something (credentials, IAM, a name, the request). */
bool aws_error_class_refused(enum aws_error_class c);

#endif
