/* The AWS shared config and credentials files (INI), as the AWS CLI reads them.
 *
 * Owns: parsing ~/.aws/config (AWS_CONFIG_FILE; sections [default], [profile NAME],
 * [sso-session NAME], [services NAME]) and ~/.aws/credentials
 * (AWS_SHARED_CREDENTIALS_FILE; sections [NAME]), including indented continuation
 * lines for nested keys (s3 = \n  addressing_style = path). Comments (# ;), blank lines,
 * stray spaces, CRLF and a UTF-8 BOM are accepted. Bounded: a file over 1 MiB is refused. */
#ifndef BCM_AWS_CONFIG_FILE_H
#define BCM_AWS_CONFIG_FILE_H

#include <stddef.h>

struct aws_config;

/* Loads both files from the environment's locations (missing files are fine).
 * Returns NULL and sets *error (caller frees) when a file exists but cannot be parsed. */
struct aws_config *aws_config_load(char **error);
/* Parses the two texts directly (either may be NULL); for tests and fuzzing. */
struct aws_config *aws_config_parse(const char *config_text, const char *credentials_text,
                                    char **error);
void aws_config_free(struct aws_config *cfg);

/* A profile's value: the credentials file wins over the config file for the same key,
 * as in the CLI. NULL when absent. The pointer lives as long as cfg. */
const char *aws_config_get(const struct aws_config *cfg, const char *profile, const char *key);
/* A value from a [sso-session NAME] section. */
const char *aws_config_sso_session(const struct aws_config *cfg, const char *session,
                                   const char *key);
/* Profile names from both files, sorted, without duplicates; *n receives the count. The
 * array and strings live as long as cfg. */
const char *const *aws_config_profiles(const struct aws_config *cfg, size_t *n);

/* The profile to use: explicit (--profile), else AWS_PROFILE, else "default". */
const char *aws_config_profile_name(const char *explicit_profile);

/* Region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region. Returns a new
 * string or NULL; *source (static text) says where it came from. */
char *aws_resolve_region(const struct aws_config *cfg, const char *cli_region,
                         const char *profile, const char **source);

#endif
