/* Test support for the credential providers' unit tests: a done callback that records
 * what a provider answered, and a clean AWS environment to start each test from. */
#ifndef BCM_TEST_CRED_ANSWER_H
#define BCM_TEST_CRED_ANSWER_H

#include "aws/credentials.h"

#include <stdbool.h>

/* What a provider answered, and how many times. */
struct cred_answer {
    bool done;
    int calls;
    bool have;
    struct aws_credentials creds;
    char *error;
};

/* A cred_done_fn: ud is a struct cred_answer; keeps a copy of the latest answer. */
void cred_answer_record(void *ud, const struct aws_credentials *creds, const char *error);
/* Frees what was recorded and zeroes the record. */
void cred_answer_free(struct cred_answer *a);

/* Unsets every variable the credential chain reads and disables IMDS, so that no test
 * sees the developer's credentials or waits on a real metadata service. */
void cred_test_clean_env(void);

#endif
