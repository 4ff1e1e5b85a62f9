/* The wizard's core strings (key → English msgid), the language choice and lookup through
 * gettext. The Japanese texts are in po/ja.po. */
#include "tui/i18n.h"

#include "util/mem.h"
#include "util/platform.h"

#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef BCM_LOCALEDIR
#define BCM_LOCALEDIR "/usr/local/share/locale"
#endif

/* The one catalog there is; a directory holding it is one the domain can be bound to. */
#define JA_CATALOG "ja/LC_MESSAGES/" I18N_DOMAIN ".mo"

const struct tr_entry tr_table_core[] = {
    /* frame */
    {"title.program", N_("bedrock-chat-migrate")},
    {"title.demo", N_("DEMO — local emulator, no real AWS")},
    {"title.demo_short", N_("DEMO (emulator)")},
    {"step.welcome", N_("Welcome")},
    {"step.identity", N_("Identity")},
    {"step.outputs", N_("Outputs")},
    {"step.bots", N_("Bots")},
    {"step.cost", N_("Cost")},
    {"screen.too_small", N_("terminal too small: need %d×%d, have %d×%d — enlarge the window (q quits)")},
    {"help.title", N_("Keys")},
    {"help.everywhere", N_("Everywhere")},
    {"table.empty", N_("(nothing to show)")},
    {"table.no_match", N_("(no row matches the filter; Esc clears it)")},
    {"textbox.empty", N_("(paste here: the terminal's paste, or type)")},
    {"textbox.too_long", N_("the paste is over 1 MiB and was cut; paste only the outputs")},
    {"log.empty", N_("(no log lines yet)")},
    {"cost.unknown", N_("unknown")},
    /* keys */
    {"key.help", N_("help")},
    {"key.quit", N_("quit")},
    {"key.redraw", N_("redraw the screen")},
    {"key.close", N_("close")},
    {"key.next", N_("next")},
    {"key.back", N_("back")},
    {"key.choose", N_("choose")},
    {"key.scroll", N_("scroll")},
    {"key.move", N_("move")},
    {"key.pick", N_("use this profile")},
    {"key.cancel", N_("cancel")},
    {"key.apply", N_("apply")},
    {"key.profile", N_("profile")},
    {"key.region", N_("region")},
    {"key.refresh", N_("check again")},
    {"key.paste", N_("paste outputs")},
    {"key.rediscover", N_("discover again")},
    {"key.validate", N_("validate the paste")},
    {"key.clear", N_("clear")},
    {"key.newline", N_("new line")},
    {"key.toggle", N_("select")},
    {"key.all", N_("all")},
    {"key.none", N_("none")},
    {"key.filter", N_("filter")},
    {"key.sort", N_("sort")},
    {"key.sort_reverse", N_("reverse the sort")},
    {"key.reload", N_("read the bots again")},
    {"key.keep_filter", N_("keep filter")},
    {"key.clear_filter", N_("clear filter")},
    {"key.focus_launch", N_("go to Launch")},
    {"key.concurrency", N_("concurrency")},
    {"key.edit_prices", N_("edit prices")},
    {"key.probe_web", N_("probe web sources")},
    {"key.pilot", N_("run a pilot first")},
    {"key.type_count", N_("type the bot count")},
    {"key.launch_now", N_("launch")},
    {"key.leave_launch", N_("leave the button")},
    {"key.switch", N_("switch")},
    {"key.press", N_("press")},
    {"key.yes", N_("yes")},
    {"key.no", N_("no")},
    /* quit */
    {"quit.title", N_("Quit?")},
    {"quit.body_idle", N_("Nothing has been launched. Quit the wizard?")},
    {"quit.body_running", N_("Tasks already launched keep running in ECS. Launching stops now; start the wizard (or `run --yes`) again later to resume from the journal.")},
    {"quit.yes", N_("Quit")},
    {"quit.no", NC_("quit.no", "Stay")},
    {"quit.waiting", N_("Quitting: waiting for launches in flight to be recorded…")},
    {"quit.resume_hint", N_("Tasks launched keep running. Resume later with the wizard or `bedrock-chat-migrate run --yes` (journal %s).")},
    /* welcome */
    {"welcome.what_title", N_("What this does")},
    {"welcome.what",
     N_("The v1 upgrade of Bedrock Claude Chat replaced the Aurora cluster that held the bots' vectors. This wizard rebuilds them: for every bot you select it launches one ECS Fargate embedding task (the deployment's own task definition), follows it to the end, and records everything in a journal so an interrupted run resumes without launching twice. Nothing is launched before the cost step, where you confirm explicitly. The tool never writes to the DynamoDB table.")},
    {"welcome.prereq_title", N_("Before you start")},
    {"welcome.prereq",
     N_("• Bedrock Claude Chat v1 is deployed (the stack's outputs include DbConfigSecretArn).\n• Published bot APIs were removed before the upgrade (their stacks pointed at the old cluster).\n• Your credentials may call: sts:GetCallerIdentity, cloudformation:DescribeStacks, dynamodb:DescribeTable/Scan, s3:ListBucket, ecs:DescribeTaskDefinition/RunTask/DescribeTasks/ListTasks, iam:PassRole on the task roles, logs:GetLogEvents.")},
    {"welcome.ways_title", N_("Two ways to migrate")},
    {"welcome.ways",
     N_("Re-embed (this tool): simple and safe, works from the documents and URLs the bots already have; costs Fargate time and Bedrock embedding tokens, takes minutes to hours, and web sources are crawled again as they are today.\nCopy from the snapshot: restores the replaced cluster's final snapshot as a temporary cluster and copies the exact old vectors through the Data API; no embedding cost, about an hour of a small temporary cluster. The copy step lists the snapshots and shows both ways side by side before anything is created (headless: bedrock-chat-migrate copy).")},
    {"welcome.more", N_("more ↓ PgDn")},
    {"welcome.choose", N_("How do you want to migrate?")},
    {"welcome.choice_reembed", N_("Re-embed every selected bot with this tool")},
    {"welcome.choice_snapshot", N_("Copy the old vectors from the v0 snapshot (no re-embedding)")},
    {"welcome.enter_hint", N_("Enter continues to the identity check; nothing is launched yet.")},
    {"welcome.enter_hint_copy", N_("Enter continues to the identity check; the copy step lists the snapshots and shows both ways before anything is created.")},
    /* identity */
    {"identity.intro", N_("The account and credentials every later step uses. Check this is the account of your Bedrock Chat deployment before going on.")},
    {"identity.fetching", N_("Asking STS who these credentials are…")},
    {"identity.account", N_("Account")},
    {"identity.arn", N_("Caller ARN")},
    {"identity.user_id", N_("User id")},
    {"identity.region", N_("Region")},
    {"identity.profile", N_("Profile")},
    {"identity.credentials", N_("Credentials from")},
    {"identity.endpoint", N_("Endpoint")},
    {"identity.no_session", N_("The AWS session could not be set up:")},
    {"identity.failed", N_("Could not confirm the identity:")},
    {"identity.failed_hint", N_("Press p to pick another profile, r to change the region, F5 to try again.")},
    {"identity.ok_hint", N_("If this is the right account and region, press Enter. Otherwise p picks another profile, r changes the region.")},
    {"identity.busy", N_("Wait for the request in flight to finish, then try again.")},
    {"identity.reopen_failed", N_("could not set up the session")},
    {"identity.switched", N_("Now using profile %s in %s.")},
    {"identity.pick_profile", N_("Profile (from ~/.aws/config and credentials)")},
    {"identity.no_profiles", N_("No profiles in the shared config files.")},
    {"identity.region_prompt", N_("Region")},
    {"identity.region_example", N_("e.g. us-east-1, ap-northeast-1")},
    /* outputs */
    {"outputs.discovering", N_("Discovering the stack's outputs in CloudFormation…")},
    {"outputs.validating", N_("Validating the pasted outputs against the account…")},
    {"outputs.failed", N_("The deployment could not be resolved:")},
    {"outputs.failed_hint", N_("Press p to paste the stack's outputs (from the console or `aws cloudformation describe-stacks`), F5 to discover again.")},
    {"outputs.source", N_("Outputs from")},
    {"outputs.ok", N_("✓ Every required check passed. Enter continues to the bots.")},
    {"outputs.not_ok", N_("✗ Fix the failed checks below first (hints under each), then F5 or paste again.")},
    {"outputs.contracts", N_("Release deployed: %s. Every launch passes the bot's keys both as the command "
                             "argument (v1.0.0-v1.2.4) and as EVENT (v1.2.5+): both task contracts are met.")},
    {"outputs.release_unknown", N_("not known")},
    {"outputs.fix_first", N_("Not yet: the deployment must pass its checks before the bots can be read.")},
    {"outputs.aurora.title", N_("Start the Aurora cluster?")},
    {"outputs.aurora.body",
     N_("The Aurora cluster %s is stopped (the stack's rdbSchedules can stop it on a schedule). Every "
        "embedding task launched now would fail.\n\nStart it now? This calls rds:StartDBCluster; "
        "starting takes a few minutes, and the wizard goes on once the cluster is available.")},
    {"outputs.aurora.yes", N_("Start it")},
    {"outputs.aurora.no", N_("Not now")},
    {"outputs.aurora.starting", N_("%s Starting the Aurora cluster %s: %s, %d s so far…")},
    {"outputs.aurora.available", N_("✓ The Aurora cluster is available.")},
    {"outputs.aurora.failed", N_("The Aurora cluster could not be started: %s")},
    {"outputs.paste_intro", N_("Paste the stack's outputs: the console's Outputs tab, `describe-stacks` JSON or text, KEY=VALUE lines, or the guide's variables. Your terminal's paste goes straight into the box.")},
    {"outputs.paste_title", N_("Stack outputs")},
    {"outputs.paste_count", N_("%zu lines, %zu bytes — Ctrl-D validates")},
    {"outputs.paste_empty", N_("The box is empty: paste the outputs first.")},
    {"check.table", N_("DynamoDB table")},
    {"check.cluster", N_("ECS cluster")},
    {"check.task_definition", N_("Task definition")},
    {"check.subnets", N_("Subnets")},
    {"check.security_group", N_("Security group")},
    {"check.document_bucket", N_("Document bucket")},
    {"check.stack_version", N_("Stack version")},
    {"check.aurora_cluster", N_("Aurora cluster")},
    {"check.release", N_("Bedrock Chat release")},
    {"check.bedrock_model_access", N_("Bedrock model access")},
    /* bots */
    {"bots.loading", N_("%s Reading bots: %llu items scanned, %zu bots found…")},
    {"bots.failed", N_("The bots could not be read:")},
    {"bots.failed_hint", N_("F5 tries again; Esc goes back to the outputs.")},
    {"bots.no_inventory", N_("the bots have not been read yet")},
    {"bots.summary", N_("%zu of %zu bots selected — estimate %s")},
    {"bots.scan_source", N_("read from")},
    {"bots.col_title", N_("Title")},
    {"bots.col_owner", N_("Owner")},
    {"bots.col_sources", N_("Sources")},
    {"bots.col_size", N_("Docs")},
    {"bots.col_status", N_("Status")},
    {"bots.col_estimate", N_("Estimate")},
    {"bots.no_knowledge", N_("no knowledge")},
    {"bots.already_migrated", N_("already migrated")},
    {"bots.detail", NC_("bots.detail", "Bot")},
    {"bots.detail_sources", N_("%zu files (%s, %zu missing), %zu URLs, %zu sitemaps")},
    {"bots.detail_estimate", N_("task %s–%s, %s, %llu–%llu tokens")},
    {"bots.not_selected", N_("not selected:")},
    {"bots.last_reason", N_("last sync:")},
    {"bots.none_selected", N_("Select at least one bot (Space, or a for all).")},
    {"bots.empty_selected", N_("This bot has no knowledge: its task would only clear its vectors.")},
    /* cost */
    {"cost.heading", N_("Cost preview for %zu bots (ranges: low–high)")},
    {"cost.fargate", N_("Fargate tasks")},
    {"cost.bedrock", N_("Bedrock embeddings")},
    {"cost.nat", N_("Image pull via NAT")},
    {"cost.nat_assumed", N_("Image pull via NAT*")},
    {"cost.nat_fix", N_("! Every task pulls the whole image through the NAT gateway. An S3 gateway endpoint (free) on the private subnets' route tables would save %s on this run. Create it before launching (this program does not):")},
    {"cost.nat_fix_see_plan", N_("see `bedrock-chat-migrate plan` for the command.")},
    {"cost.probing", N_("Probing %zu web sources from this machine (never with AWS credentials)…")},
    {"cost.probed", N_("Web sources probed from here: %zu of %zu answered; the others keep the guess (listed below).")},
    {"cost.probe_none", N_("No selected bot has web sources to probe.")},
    {"cost.scan", N_("DynamoDB scan (done)")},
    {"cost.total", N_("Total")},
    {"cost.wall", N_("Time: %s–%s")},
    {"cost.concurrency", N_("Concurrency: %d tasks at once (+/-)")},
    {"cost.prices", N_("Prices: %s, %s, %s")},
    {"cost.per_bot", N_("Per bot")},
    {"cost.price_values", N_("$%s/vCPU-h, $%s/GB-h, $%s/1K tokens (e edits)")},
    {"prices.title", N_("Prices (USD)")},
    {"prices.intro", N_("The list prices the estimate multiplies by. Type your own (discounts, another region's rates); the totals are recomputed.")},
    {"prices.vcpu_hour", N_("Fargate, per vCPU-hour")},
    {"prices.gb_hour", N_("Fargate, per GB-hour of memory")},
    {"prices.embed_1k", N_("Bedrock embedding, per 1K tokens")},
    {"prices.hint", N_("Enter applies all three; Esc leaves the prices as they were.")},
    {"prices.region", N_("Built-in table for %s (%s) unless edited here.")},
    {"prices.key_type", N_("type a price")},
    {"prices.err_empty", N_("%s: type a price in USD, for example 0.04048.")},
    {"prices.err_number", N_("%s: \"%s\" is not a number; use digits and one dot, for example 0.04048.")},
    {"prices.err_large", N_("%s: $%s is more than $%g, which no list price comes near; check the decimal point.")},
    {"cost.assumptions", N_("Assumptions")},
    {"cost.launch", N_("Launch")},
    {"cost.launch_rest", N_("Launch the rest")},
    {"cost.pilot_launch", N_("Run the pilot")},
    {"cost.pilot_hint", N_("Or press p to run a pilot of %zu bots first: the estimate of the rest is then refitted to what they measure.")},
    {"cost.pilot_chosen", N_("Pilot: %zu bots chosen to span the mix (file types, sizes, web sources); they run in this run's journal.")},
    {"cost.pilot_too_few", N_("A pilot needs more than %zu selected bots; launch them all instead.")},
    {"cost.pilot_done_already", N_("The pilot has run; its measurements are above. Launch the rest, or q to leave.")},
    {"cost.pilot_heading", N_("After the pilot")},
    {"cost.pilot_measured", N_("%zu pilot bots measured: %s (their task logs and ECS times)")},
    {"cost.pilot_rest", N_("The remaining %zu bots: %s refitted to the pilot · first estimate %s")},
    {"cost.pilot_time", N_("Their time, refitted: %s–%s at this concurrency")},
    {"cost.tab_hint", N_("Press Tab to focus Launch; Enter alone never launches.")},
    {"cost.type_prompt", N_("Type %zu (the number of bots) and Enter, or y: %s▏")},
    {"cost.type_mismatch", N_("That is not %zu: type the number of selected bots exactly, or Esc.")},
    {"cost.selection_fixed", N_("The pilot ran on this selection, so the selection stays as it is. Launch the rest (Tab), or q to leave.")},
    {"cost.enter_hint", N_("To launch, press Tab to focus Launch, then type the number of bots or y.")},
    {NULL, NULL, NULL},
};

static enum ui_lang s_lang = UI_LANG_EN;
/* --lang en: the English text whatever the environment's locale or LANGUAGE say. */
static bool s_english_only;
static char *s_locale_dir;
/* The LANGUAGE value i18n_init put in the environment and the one it replaced, so that a
 * later call (tests make several) decides from the user's environment, not from ours. */
static char *s_language_ours;
static char *s_language_before;

static bool s_is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool s_holds_catalog(const char *dir)
{
    char *path = xasprintf("%s/%s", dir, JA_CATALOG);
    bool found = access(path, R_OK) == 0;
    free(path);
    return found;
}

/* The directory of the running program, or NULL when the system does not say. */
static char *s_program_directory(void)
{
    char *path = platform_executable_path();
    char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash) {
        free(path);
        return NULL;
    }
    *slash = '\0';
    if (!path[0]) {
        free(path);
        return xstrdup("/");
    }
    return path;
}

/* $BCM_LOCALEDIR, then the build tree beside the program (./bedrock-chat-migrate uses
 * build/locale; build/san/… and build/tests/… use build/locale as their ../locale), then an
 * installed tree (<prefix>/bin → <prefix>/share/locale), then the configured directory. */
static char *s_find_locale_dir(void)
{
    const char *env = getenv("BCM_LOCALEDIR");
    if (env && *env && s_is_directory(env))
        return xstrdup(env);
    char *dir = s_program_directory();
    if (dir) {
        const char *relative[] = {"build/locale", "../locale", "../share/locale"};
        for (size_t i = 0; i < sizeof relative / sizeof relative[0]; i++) {
            char *candidate = xasprintf("%s/%s", dir, relative[i]);
            if (s_holds_catalog(candidate)) {
                free(dir);
                return candidate;
            }
            free(candidate);
        }
        free(dir);
    }
    return xstrdup(BCM_LOCALEDIR);
}

static bool s_is_c_locale(const char *name)
{
    return !name || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0;
}

/* The locale the environment asks messages in: the first set of LC_ALL, LC_MESSAGES, LANG. */
static const char *s_environment_locale(void)
{
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

static bool s_names_a_language(const char *locale_name)
{
    return locale_name && *locale_name && !s_is_c_locale(locale_name) &&
           strncmp(locale_name, "C.", 2) != 0;
}

/* glibc's gettext ignores LANGUAGE while LC_MESSAGES is the C locale; C.UTF-8 (present
 * even where no other locale is installed) lets it through and keeps C's conventions. */
static void s_messages_locale_heeds_language(void)
{
    if (!s_is_c_locale(setlocale(LC_MESSAGES, NULL)))
        return;
    if (!setlocale(LC_MESSAGES, "C.UTF-8"))
        (void)setlocale(LC_MESSAGES, "en_US.UTF-8");
}

static void s_set_language(const char *value)
{
    const char *before = getenv("LANGUAGE");
    s_language_before = before ? xstrdup(before) : NULL;
    s_language_ours = xstrdup(value);
    setenv("LANGUAGE", value, 1);
}

static void s_restore_language(void)
{
    if (!s_language_ours)
        return;
    const char *now = getenv("LANGUAGE");
    if (now && strcmp(now, s_language_ours) == 0) {
        if (s_language_before)
            setenv("LANGUAGE", s_language_before, 1);
        else
            unsetenv("LANGUAGE");
    }
    free(s_language_ours);
    free(s_language_before);
    s_language_ours = NULL;
    s_language_before = NULL;
}

/* The language gettext really answers in: the Language field of the catalog it found
 * (its header is the translation of the empty msgid); English when it found none. */
static enum ui_lang s_catalog_language(void)
{
    const char *header = dgettext(I18N_DOMAIN, "");
    if (!header || !*header)
        return UI_LANG_EN;
    const char *field = strncmp(header, "Language:", 9) == 0 ? header : strstr(header, "\nLanguage:");
    if (!field)
        return UI_LANG_EN;
    field = strchr(field, ':') + 1;
    while (*field == ' ')
        field++;
    return strncmp(field, "ja", 2) == 0 ? UI_LANG_JA : UI_LANG_EN;
}

int i18n_init(const char *lang_option)
{
    enum { FROM_ENVIRONMENT, ENGLISH, JAPANESE } want = FROM_ENVIRONMENT;
    if (lang_option) {
        if (strcmp(lang_option, "ja") == 0 || strncmp(lang_option, "ja_", 3) == 0)
            want = JAPANESE;
        else if (strcmp(lang_option, "en") == 0 || strncmp(lang_option, "en_", 3) == 0)
            want = ENGLISH;
        else
            return -1;
    }
    s_restore_language();
    free(s_locale_dir);
    s_locale_dir = s_find_locale_dir();
    (void)bindtextdomain(I18N_DOMAIN, s_locale_dir);
    (void)bind_textdomain_codeset(I18N_DOMAIN, "UTF-8");
    s_english_only = want == ENGLISH;
    if (want == JAPANESE) {
        s_set_language("ja");
        s_messages_locale_heeds_language();
    } else if (want == FROM_ENVIRONMENT) {
        if (!setlocale(LC_MESSAGES, ""))
            (void)setlocale(LC_MESSAGES, "C");
        /* LANG=ja_JP.UTF-8 on a machine without that locale leaves LC_MESSAGES at C, where
         * gettext would answer in English: ask for the language by name instead, as gettext
         * would have with the locale installed (an explicit LANGUAGE still comes first). */
        const char *asked = s_environment_locale();
        if (s_is_c_locale(setlocale(LC_MESSAGES, NULL)) && s_names_a_language(asked)) {
            const char *language = getenv("LANGUAGE");
            if (!language || !*language)
                s_set_language(asked);
            s_messages_locale_heeds_language();
        }
    }
    s_lang = s_english_only ? UI_LANG_EN : s_catalog_language();
    return 0;
}

enum ui_lang i18n_lang(void)
{
    return s_lang;
}

const char *i18n_locale_dir(void)
{
    return s_locale_dir ? s_locale_dir : BCM_LOCALEDIR;
}

const struct tr_entry *i18n_entry(size_t i)
{
    const struct tr_entry *tables[] = {tr_table_core, tr_table_run, tr_table_copy};
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        size_t n = 0;
        while (tables[t][n].key)
            n++;
        if (i < n)
            return &tables[t][i];
        i -= n;
    }
    return NULL;
}

/* A msgctxt entry's msgid in the catalog is "context\004english". */
static const char *s_translate(const struct tr_entry *e)
{
    if (s_english_only)
        return e->en;
    if (!e->context)
        return dgettext(I18N_DOMAIN, e->en);
    char *id = xasprintf("%s\004%s", e->context, e->en);
    const char *text = dgettext(I18N_DOMAIN, id);
    if (text == id)
        text = e->en;
    free(id);
    return text;
}

const char *tr(const char *key)
{
    if (!key)
        return "";
    const struct tr_entry *e;
    for (size_t i = 0; (e = i18n_entry(i)) != NULL; i++)
        if (strcmp(e->key, key) == 0)
            return e->en ? s_translate(e) : key;
    return key;
}

static const char *s_translate_template(const char *english)
{
    return s_english_only ? english : dgettext(I18N_DOMAIN, english);
}

char *tr_message(const struct message *m)
{
    return message_render(m, s_translate_template);
}

const char *tr_message_into(const struct message *m, char *buf, size_t n)
{
    char *text = tr_message(m);
    snprintf(buf, n, "%s", text);
    free(text);
    return buf;
}

char *trf(const char *key, ...)
{
    const char *fmt = tr(key);
    va_list ap;
    va_start(ap, key);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return xstrdup(fmt);
    }
    char *out = xmalloc((size_t)n + 1);
    vsnprintf(out, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return out;
}
