/* Reading AWS replies, for aws/client.c only.
 *
 * Owns: turning one HTTP response into an aws_response: a 2xx body parsed per protocol
 * (cJSON for the JSON protocols, libxml2 for query, EC2 and REST-XML), or an error
 * reply's code, message and request id found in whichever shape the service sent (JSON
 * __type / code, the x-amzn-errortype header, or an XML <Error>). Deciding what to do
 * about an error (retry, give up) is not done here: see client.c and aws/error_class.h. */
#ifndef BCM_AWS_CLIENT_REPLY_H
#define BCM_AWS_CLIENT_REPLY_H

#include "aws/client.h"

/* The request id AWS put in the headers, or NULL. */
const char *aws_reply_request_id(const struct http_response *http);
/* A 2xx reply: resp takes http's body and gets its parsed document, or AWS_ERR_PARSE. */
void aws_reply_read_success(enum aws_protocol protocol, struct http_response *http,
                            struct aws_response *resp);
/* A non-2xx reply: resp takes http's body; resp->err gets the status, code, message and
 * request id (AWS_ERR_SERVICE with a code, AWS_ERR_HTTP without one). */
void aws_reply_read_error(enum aws_protocol protocol, struct http_response *http,
                          struct aws_response *resp);

#endif
