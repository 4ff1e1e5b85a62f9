/* Micro-benchmarks of the program's own hot paths, linked against its library:
 * SigV4 signatures per second (a DynamoDB Scan request as the client signs it) and JSON
 * parse throughput of a Scan page (the file given, as the client parses every reply).
 * Prints one JSON object. Built and run by bench/micro.py, never by `make check`. */
#include "aws/credentials.h"
#include "aws/http_request.h"
#include "aws/sigv4.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double s_signatures_per_second(double seconds)
{
    struct aws_credentials creds = {.access_key_id = (char *)"AKIDEXAMPLEBENCHKEY1",
                                    .secret_access_key = (char *)"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
    struct sigv4_params p = {.creds = &creds, .region = "ap-northeast-1", .service = "dynamodb",
                             .now = 1700000000};
    static const char body[] =
        "{\"TableName\":\"BedrockChatStack-DatabaseConversationTable03F3FD7A-1DNKXAZ1ZG5Q\","
        "\"IndexName\":\"LastBotUsedIndex\",\"Limit\":1000,\"ReturnConsumedCapacity\":\"TOTAL\"}";
    long n = 0;
    double start = s_now(), elapsed;
    do {
        for (int i = 0; i < 100; i++, n++) {
            struct http_request r;
            struct sigv4_result out;
            http_request_init(&r, "POST", "https", "dynamodb.ap-northeast-1.amazonaws.com", "/");
            http_request_set_header(&r, "Content-Type", "application/x-amz-json-1.0");
            http_request_set_header(&r, "X-Amz-Target", "DynamoDB_20120810.Scan");
            http_request_set_body(&r, body, sizeof body - 1);
            if (sigv4_sign(&r, &p, &out) != 0) {
                fprintf(stderr, "micro: sigv4_sign failed\n");
                exit(1);
            }
            sigv4_result_free(&out);
            http_request_free(&r);
        }
        elapsed = s_now() - start;
    } while (elapsed < seconds);
    return (double)n / elapsed;
}

static char *s_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = size > 0 ? malloc((size_t)size) : NULL;
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return data;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: micro SCAN_PAGE.json SECONDS\n");
        return 2;
    }
    double seconds = atof(argv[2]);
    size_t len = 0;
    char *page = s_read_file(argv[1], &len);
    if (!page) {
        fprintf(stderr, "micro: cannot read %s\n", argv[1]);
        return 1;
    }
    double sigs = s_signatures_per_second(seconds);

    long parses = 0, items = 0;
    double start = s_now(), elapsed;
    do {
        cJSON *doc = cJSON_ParseWithLength(page, len);
        if (!doc) {
            fprintf(stderr, "micro: the Scan page does not parse\n");
            return 1;
        }
        items += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "Items"));
        cJSON_Delete(doc);
        parses++;
        elapsed = s_now() - start;
    } while (elapsed < seconds);
    printf("{\"sigv4_signatures_per_second\":%.0f,\"scan_page_bytes\":%zu,\"scan_page_items\":%ld,"
           "\"json_parse_mib_per_second\":%.1f,\"json_parse_items_per_second\":%.0f}\n",
           sigs, len, parses ? items / parses : 0, (double)len * (double)parses / elapsed / 1048576.0,
           (double)items / elapsed);
    free(page);
    return 0;
}
