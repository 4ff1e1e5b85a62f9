/* Bedrock model access: whether the account may invoke the embedding model the tasks call
 * (cohere.embed-multilingual-v3) in the deployment's region, asked before anything is
 * launched. Without access every task fails the same way after paying for its start.
 *
 * Owns: Bedrock's read-only GetFoundationModelAvailability (GET
 * /foundation-model-availability/{modelId}) and the verdict read from its four answers
 * (agreement, authorization, entitlement, region). It invokes nothing. The caller needs
 * bedrock:GetFoundationModelAvailability, which the tool treats as optional: a refusal or
 * an endpoint that does not answer comes back as MODEL_ACCESS_UNKNOWN, never as a verdict. */
#ifndef BCM_ENGINE_MODEL_ACCESS_H
#define BCM_ENGINE_MODEL_ACCESS_H

#include <stdbool.h>

struct aws_client;

/* The model every v1 embedding task invokes (backend/embedding, 1024 dimensions). */
#define MODEL_ACCESS_EMBEDDING_MODEL "cohere.embed-multilingual-v3"

enum model_access_verdict {
    MODEL_ACCESS_OK,           /* authorized, entitled, agreed, offered in the region */
    MODEL_ACCESS_PENDING,      /* the agreement is being processed: not yet invocable */
    MODEL_ACCESS_NOT_ACCESSIBLE, /* definitely not invocable now (see the fields for why) */
    MODEL_ACCESS_NO_AGREEMENT, /* authorized, entitled and offered, but no agreement yet:
                                  Bedrock may make one on the first invocation (a Marketplace
                                  subscription, if the invoking role may subscribe), so this
                                  is a warning, not a refusal */
    MODEL_ACCESS_UNKNOWN,      /* not asked or not answered: denied, endpoint error, … */
};

struct model_access_result {
    enum model_access_verdict verdict;
    const char *model_id;
    const char *region;
    /* Bedrock's answers as it wrote them (NULL when missing); MODEL_ACCESS_UNKNOWN: all NULL */
    const char *agreement;     /* AVAILABLE | PENDING | NOT_AVAILABLE | ERROR */
    const char *agreement_error; /* agreementAvailability.errorMessage */
    const char *authorization; /* AUTHORIZED | NOT_AUTHORIZED */
    const char *entitlement;   /* AVAILABLE | NOT_AVAILABLE */
    const char *region_availability; /* AVAILABLE | NOT_AVAILABLE */
    /* MODEL_ACCESS_UNKNOWN: why (English, for logs and --json), and whether the caller may
     * simply not call the operation */
    const char *why;
    bool denied;
};

/* The result is valid during the callback only; the callback always runs from the loop. */
typedef void (*model_access_done_fn)(void *ud, const struct model_access_result *r);

/* Asks Bedrock about model_id in the client's region. */
void model_access_check(struct aws_client *client, const char *model_id, model_access_done_fn done,
                        void *ud);

/* The verdict for the four answers (exposed for the unit tests): NOT_ACCESSIBLE when any says
 * no (NOT_AUTHORIZED, entitlement or region NOT_AVAILABLE, an agreement in ERROR), PENDING for
 * an agreement being processed, NO_AGREEMENT for an agreement NOT_AVAILABLE when the rest says
 * yes, OK when all say yes, UNKNOWN when an answer is missing. */
enum model_access_verdict model_access_verdict_of(const char *agreement, const char *authorization,
                                                  const char *entitlement, const char *region);

#endif
