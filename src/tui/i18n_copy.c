/* Strings of the copy way's screens: the choice of snapshot with both previews side by
 * side (step_copy.c) and the copy's dashboard (step_copy_run.c). Key → English msgid;
 * the Japanese texts are in po/ja.po. A translation must keep its English text's printf
 * conversions, in the same order (msgfmt --check-format checks it). */
#include "tui/i18n.h"

#include <stddef.h>

const struct tr_entry tr_table_copy[] = {
    {"step.copy", NC_("step.copy", "Copy")},
    {"step.copy_run", N_("Copying")},

    /* Keys. */
    {"key.copy_snapshot", N_("choose the snapshot")},
    {"key.copy_focus", N_("go to Start the copy")},
    {"key.copy_confirm", N_("confirm")},
    {"key.copy_resume", N_("resume the copy")},

    /* Looking things up. */
    {"copy.finding_target", N_("Looking up the v1 cluster and its subnet group…")},
    {"copy.finding_snapshots", N_("Listing the snapshots of the replaced v0 cluster and counting the vectors already in the v1 cluster…")},
    {"copy.lookup_failed", N_("The copy cannot be previewed")},
    {"copy.no_deployment", N_("The deployment is not known yet: go back (Esc) to the outputs step.")},
    {"copy.no_v1_outputs", N_("The stack outputs lack DbConfigSecretArn or DbConfigHostname: the copy writes into the v1 cluster through the Data API and needs both (v1.0.0 and later have them). Re-embedding does not need them.")},
    {"copy.retry_hint", N_("r looks again · Esc goes back")},
    {"copy.no_snapshots_title", N_("No snapshot of the replaced v0 cluster was found")},
    {"copy.no_snapshots", N_("RDS listed %zu cluster snapshot(s) in this region; none is an Aurora PostgreSQL snapshot of this stack's replaced cluster (matched by its stack-name tag or identifier; the v1 cluster's own are left out). If you know the snapshot, start the wizard with --snapshot ID; otherwise go back (Esc) and re-embed.")},

    /* The snapshot list. */
    {"copy.snapshots_heading", N_("Snapshots of the replaced v0 cluster (newest first): choose one")},
    {"copy.col.snapshot", N_("Snapshot")},
    {"copy.col.created", N_("Created")},
    {"copy.col.type", N_("Type")},
    {"copy.col.size", N_("Size")},
    {"copy.col.status", N_("Status")},
    {"copy.snapshots_more", N_("%zu of %zu (↑↓)")},

    /* The two previews. */
    {"copy.reembed_heading", N_("Re-embed every selected bot")},
    {"copy.copy_heading", N_("Copy from this snapshot")},
    {"copy.label.cost", N_("cost")},
    {"copy.label.time", N_("time")},
    {"copy.label.tasks", N_("tasks")},
    {"copy.label.tokens", N_("tokens")},
    {"copy.label.rest", N_("+ re-embed")},
    {"copy.label.rows", N_("rows")},
    {"copy.label.acu", N_("ACU-hours")},
    {"copy.label.data_api", N_("Data API")},
    {"copy.label.storage", N_("storage")},
    {"copy.reembed_tasks", N_("%zu Fargate tasks")},
    {"copy.reembed_note", N_("Bedrock embedding tokens, Fargate time and the image pull; web sources crawled again as they are today.")},
    {"copy.rest_value", N_("%zu bot(s): %s")},
    {"copy.rows_value", N_("%zu bot(s), %lld–%lld rows")},
    {"copy.requests_value", N_("%llu–%llu requests")},
    {"copy.storage_value", N_("%d GB while it lives; %s prices%s")},
    {"copy.price_region_other", N_(" (no table for this region)")},

    /* Which bots go which way. */
    {"copy.bots_heading", N_("Bots: %zu copied · %zu re-embedded · %zu skipped")},
    {"copy.v1_rows_unknown", N_("the vectors already in the v1 cluster could not be counted (%s): the copy counts them again before deciding")},
    {"copy.way.copy", N_("copy")},
    {"copy.way.reembed", N_("re-embed")},
    {"copy.way.skip", N_("skip")},
    {"copy.why.copy", N_("rows in the snapshot")},
    {"copy.why.created_after", N_("created after the snapshot: not in it")},
    {"copy.why.not_succeeded", N_("its last embedding had not succeeded: the snapshot may hold older knowledge")},
    {"copy.why.no_rows", N_("no rows in the snapshot")},
    {"copy.why.migrated", N_("already has vectors in the new cluster")},
    {"copy.why.empty", N_("no knowledge")},
    {"copy.why.excluded", N_("excluded (--exclude)")},
    {"copy.why.not_listed", N_("not in --bots")},
    {"copy.why.deselected", N_("deselected on the bots step")},
    {"copy.why.plan_migrated", N_("already migrated by the v1 stack")},
    {"copy.why.knowledge_base", N_("a Bedrock Knowledge Base bot: its vectors are not in Aurora")},

    /* The confirmation. */
    {"copy.start", N_("Start the copy")},
    {"copy.tab_hint", N_("Tab goes to Start the copy; nothing is created before you confirm.")},
    {"copy.enter_confirms", N_("Enter asks for the confirmation.")},
    {"copy.nothing_to_copy", N_("No selected bot has rows to copy from this snapshot: re-embed instead (Esc).")},
    {"copy.confirm_title", N_("Create the temporary cluster and copy?")},
    {"copy.confirm_body", N_("A temporary Aurora Serverless v2 cluster is restored from snapshot %s (with its instance, a security group and a secret holding a new password), then %zu bot(s) are copied into the v1 cluster, verified and the temporary resources removed. Estimated cost %s. The DynamoDB table is not written.")},
    {"copy.confirm_yes", N_("Copy")},
    {"copy.confirm_no", NC_("copy.confirm_no", "Not now")},
    {"copy.not_confirmed", N_("Not confirmed: nothing was created.")},

    /* An unfinished copy in the journal. */
    {"copy.resume_title", N_("An unfinished copy was found")},
    {"copy.resume_body", N_("Copy run %s from snapshot %s, started %s: %zu of %zu bot(s) copied. Its temporary resources may still exist (below). Resuming continues where it stopped: nothing is created twice and no row is copied twice.")},
    {"copy.resume_hint", N_("r resumes it. To abandon it instead, quit and run bedrock-chat-migrate cleanup --yes (it removes the temporary resources).")},
    {"copy.res.secret", N_("temporary secret")},
    {"copy.res.security_group", N_("security group")},
    {"copy.res.cluster", N_("temporary cluster")},
    {"copy.res.instance", N_("its instance")},
    {"copy.res.none", N_("not made")},
    {"copy.res.intended", N_("being made")},
    {"copy.res.created", N_("exists")},
    {"copy.res.deleting", N_("being deleted")},
    {"copy.res.deleted", N_("deleted")},

    /* After the confirmation, until the dashboard is here. */
    {"copy.headless", N_("Confirmed. The wizard's copy dashboard is not built yet: quit (q) and run\n\n  bedrock-chat-migrate copy --snapshot %s --yes\n\nIt restores the temporary cluster, copies, verifies the row counts and removes the temporary resources; it is journaled, so running it again after an interruption resumes.")},
    {"copy.headless_resume", N_("The wizard's copy dashboard is not built yet: quit (q) and run\n\n  bedrock-chat-migrate copy --yes\n\nto resume the copy from snapshot %s where it stopped.")},

    {NULL, NULL, NULL},
};
