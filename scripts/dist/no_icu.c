/* The release binary links libxml2 statically (see scripts/dist.sh). Debian's libxml2 is
 * built with ICU, whose libstdc++ and libgcc_s need glibc 2.35 and 2.36 (arc4random,
 * _dl_find_object), so the release would not start on Amazon Linux 2023 (glibc 2.34).
 *
 * libxml2 converts a document's character encoding with iconv (glibc) first and asks ICU
 * only for encodings iconv does not know. These are the seven ICU calls libxml2 makes,
 * answering "no such converter": libxml2 then behaves as if built without ICU. Every
 * document the program parses comes from AWS in UTF-8 and never reaches them. */
#include <stddef.h>
#include <stdint.h>

/* ICU versions its symbol names (ucnv_open_72): the Makefile reads the suffix libxml2.a
 * refers to. */
#ifndef ICU_SUFFIX
#define ICU_SUFFIX 72
#endif
#define ICU_CAT2(name, suffix) name##_##suffix
#define ICU_CAT(name, suffix) ICU_CAT2(name, suffix)
#define ICU(name) ICU_CAT(name, ICU_SUFFIX)

/* ICU's error code for a converter that cannot be opened (U_FILE_ACCESS_ERROR). */
#define ICU_FILE_ACCESS_ERROR 4

typedef int icu_error_code;
typedef void icu_converter;
typedef void (*icu_callback)(void);

icu_converter *ICU(ucnv_open)(const char *name, icu_error_code *err);
void ICU(ucnv_close)(icu_converter *cnv);
void ICU(ucnv_convertEx)(icu_converter *target_cnv, icu_converter *source_cnv, char **target,
                       const char *target_limit, const char **source, const char *source_limit,
                       uint16_t *pivot_start, uint16_t **pivot_source, uint16_t **pivot_target,
                       const uint16_t *pivot_limit, int8_t reset, int8_t flush, icu_error_code *err);
void ICU(ucnv_setToUCallBack)(icu_converter *cnv, icu_callback action, const void *context,
                            icu_callback *old_action, const void **old_context, icu_error_code *err);
void ICU(ucnv_setFromUCallBack)(icu_converter *cnv, icu_callback action, const void *context,
                              icu_callback *old_action, const void **old_context, icu_error_code *err);
void ICU(UCNV_TO_U_CALLBACK_STOP)(void);
void ICU(UCNV_FROM_U_CALLBACK_STOP)(void);

icu_converter *ICU(ucnv_open)(const char *name, icu_error_code *err)
{
    (void)name;
    if (err)
        *err = ICU_FILE_ACCESS_ERROR;
    return NULL;
}

void ICU(ucnv_close)(icu_converter *cnv)
{
    (void)cnv;
}

void ICU(ucnv_convertEx)(icu_converter *target_cnv, icu_converter *source_cnv, char **target,
                       const char *target_limit, const char **source, const char *source_limit,
                       uint16_t *pivot_start, uint16_t **pivot_source, uint16_t **pivot_target,
                       const uint16_t *pivot_limit, int8_t reset, int8_t flush, icu_error_code *err)
{
    (void)target_cnv, (void)source_cnv, (void)target, (void)target_limit, (void)source;
    (void)source_limit, (void)pivot_start, (void)pivot_source, (void)pivot_target;
    (void)pivot_limit, (void)reset, (void)flush;
    if (err)
        *err = ICU_FILE_ACCESS_ERROR;
}

void ICU(ucnv_setToUCallBack)(icu_converter *cnv, icu_callback action, const void *context,
                            icu_callback *old_action, const void **old_context, icu_error_code *err)
{
    (void)cnv, (void)action, (void)context, (void)old_action, (void)old_context;
    if (err)
        *err = ICU_FILE_ACCESS_ERROR;
}

void ICU(ucnv_setFromUCallBack)(icu_converter *cnv, icu_callback action, const void *context,
                              icu_callback *old_action, const void **old_context, icu_error_code *err)
{
    (void)cnv, (void)action, (void)context, (void)old_action, (void)old_context;
    if (err)
        *err = ICU_FILE_ACCESS_ERROR;
}

void ICU(UCNV_TO_U_CALLBACK_STOP)(void)
{
}

void ICU(UCNV_FROM_U_CALLBACK_STOP)(void)
{
}
