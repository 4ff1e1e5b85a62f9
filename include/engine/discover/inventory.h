/* The bots of a deployment, read from DynamoDB, with their documents' real sizes from S3.
 *
 * Owns: the bot model, the scan (the sparse LastBotUsedIndex when DescribeTable shows it
 * with the needed projection, else the table with contains(SK, "#BOT#")), parallel
 * segments, pagination, consumed capacity, and the S3 listing per bot. */
#ifndef BCM_ENGINE_INVENTORY_H
#define BCM_ENGINE_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aws_session;
struct deployment;
struct cJSON;

struct bot_file {
    char *name;
    uint64_t bytes;            /* 0 when missing */
    bool missing;              /* listed by the bot, absent from S3 */
};

struct bot {
    char *pk;                  /* owner user id */
    char *sk;                  /* "<user>#BOT#<bot id>" */
    char *bot_id;
    char *title;               /* raw, exactly as stored (sanitise before display) */
    char *description;
    char **source_urls;
    size_t n_source_urls;
    char **sitemap_urls;
    size_t n_sitemap_urls;
    struct bot_file *files;
    size_t n_files;
    uint64_t document_bytes;   /* sum of present files */
    size_t n_missing_files;
    int chunk_size;            /* 0 when absent */
    int chunk_overlap;
    bool enable_partition_pdf;
    char *sync_status;         /* NULL when absent */
    char *sync_status_reason;
    char *last_exec_id;
    bool is_public;            /* PublicBotId present */
    bool is_published;         /* ApiPublishmentStackName present */
    bool knowledge_base;       /* a BedrockKnowledgeBase map (v1.2.5+): its knowledge lives in a
                                  Bedrock Knowledge Base, not pgvector; never gets a task */
    int64_t last_used_ms;
    char **warnings;           /* "Knowledge.filenames is not a list; ignored", … */
    size_t n_warnings;
};

static inline bool bot_has_knowledge(const struct bot *b)
{
    return b->n_source_urls + b->n_sitemap_urls + b->n_files > 0;
}

struct inventory {
    struct bot *bots;          /* sorted by owner, then bot id */
    size_t nbots;
    bool used_index;           /* LastBotUsedIndex scanned instead of the table */
    char *scan_source;         /* "index LastBotUsedIndex" / "table (index missing: …)" */
    uint64_t items_scanned;    /* ScannedCount summed */
    double read_units;         /* ConsumedCapacity summed */
    uint64_t scan_requests;
    uint64_t s3_requests;
    bool bucket_listed;        /* false when no bucket is known or listing failed */
    char *bucket_error;
};

struct inventory_options {
    bool force_table_scan;     /* --scan-table */
    int segments;              /* 0: chosen from the table size */
    int page_limit;            /* 0: none (DynamoDB's 1 MB pages) */
    bool skip_documents;       /* do not list S3 */
};

/* progress: items scanned so far (for spinners); may be NULL. */
typedef void (*inventory_progress_fn)(void *ud, uint64_t items_scanned, size_t bots_found);
typedef void (*inventory_done_fn)(void *ud, struct inventory *inv, const char *error);

void inventory_load(struct aws_session *s, const struct deployment *dep,
                    const struct inventory_options *opts, inventory_progress_fn progress,
                    inventory_done_fn done, void *ud);
void inventory_move(struct inventory *dst, struct inventory *src);
void inventory_free(struct inventory *inv);
void bot_free(struct bot *b);
const struct bot *inventory_find(const struct inventory *inv, const char *bot_id);

#endif
