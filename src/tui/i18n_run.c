/* Strings of the run dashboard, the summary and the resume offer (key → English msgid;
 * the Japanese texts are in po/ja.po). Owned with those screens; the core strings are in
 * i18n.c. A translation must keep its English text's printf conversions, in the same order
 * (msgfmt --check-format and tests/unit/test_i18n_run.c check it). */
#include "tui/i18n.h"

#include <stddef.h>

const struct tr_entry tr_table_run[] = {
    {"step.run", N_("Run")},
    {"step.summary", N_("Summary")},

    /* Bot states, as runner.h names them. */
    {"state.queued", N_("queued")},
    {"state.launching", N_("launching")},
    {"state.provisioning", N_("provisioning")},
    {"state.pending", N_("pending")},
    {"state.running", N_("running")},
    {"state.stopped", N_("stopped")},
    {"state.succeeded", N_("succeeded")},
    {"state.failed", N_("failed")},
    {"state.skipped", N_("skipped")},
    {"state.cancelled", N_("cancelled")},

    /* Dashboard. */
    {"run.col.icon", N_(" ")},
    {"run.col.title", NC_("run.col.title", "Bot")},
    {"run.col.state", N_("State")},
    {"run.col.attempt", N_("#")},
    {"run.col.elapsed", N_("Elapsed")},
    {"run.col.reason", NC_("run.col.reason", "Reason")},
    {"run.progress", N_("%zu of %zu bots done")},
    {"run.stats", N_("%s bots/min · ETA %s · cost so far %s · concurrency %d")},
    {"run.cost_rest", N_("still to finish: %zu bots %s (refitted to %zu measured) · whole run %s · %s–%s")},
    {"run.vcpu_ceiling", N_("(held to %d: Fargate vCPU quota)")},
    {"run.vcpu_ceiling_kept", N_("(held to %d: Fargate vCPU quota, kept from the journal)")},
    {"run.paused", N_("LAUNCHING PAUSED (p resumes)")},
    {"run.finished", N_("run finished")},
    {"run.reason.launch_retry", N_("launch refused for now; retrying with back-off")},
    {"run.retried", N_("%zu failed bot(s) queued for a new attempt")},
    {"run.nothing_to_retry", N_("no failed bot to retry")},
    {"run.leaving", N_("Leaving: waiting for launches in flight to be journaled…")},
    {"run.quit.title", N_("Leave the run?")},
    {"run.quit.body",
     N_("%zu task(s) are running and %zu bot(s) are still queued. Leaving stops launching; running "
        "tasks keep going in ECS and finish on their own.\n\nNothing is lost: the journal %s records "
        "the run, and starting the wizard again offers to resume it.")},
    {"run.quit.yes", N_("Leave")},
    {"run.early.title", N_("The first bots all failed the same way")},
    {"run.early.body",
     N_("%zu of the first bots to finish failed the same way: %s.\n\nEvery other bot would most likely "
        "fail too, at full cost. No new task is being launched.\n\nWhat to fix: %s")},
    {"run.early.continue", N_("Continue launching")},
    {"run.early.stop", N_("Stop launching")},
    {"run.early.tasks_title", N_("Stop the running tasks too?")},
    {"run.early.tasks_body",
     N_("%zu task(s) are still running. Keep them running to see how they end (they cost until they "
        "stop), or stop them now. The queued bots stay in the journal: after the fix, resume the run.")},
    {"run.early.stop_tasks", N_("Stop them")},
    {"run.early.keep_tasks", N_("Keep them running")},
    {"run.quit.no", NC_("run.quit.no", "Stay")},
    {"run.err.title", N_("The run could not be started")},
    {"run.err.no_deployment", N_("The stack outputs are not resolved yet: go back to the Outputs step.")},
    {"run.err.open", N_("the run journal could not be opened")},
    {"run.err.no_bots", N_("No bot is selected for this run: go back and select at least one bot.")},
    {"run.err.next", N_("Nothing was launched. Press b to go back, or q to quit.")},

    /* Task detail and log. */
    {"run.d.title", N_("Title")},
    {"run.d.bot", N_("Bot id")},
    {"run.d.owner", N_("Owner")},
    {"run.d.state", N_("State")},
    {"run.d.attempt", N_("attempt")},
    {"run.d.elapsed", N_("Elapsed")},
    {"run.d.task", N_("Task")},
    {"run.d.ecs", N_("ECS status")},
    {"run.d.sync", N_("SyncStatus")},
    {"run.d.stopped", N_("Stopped")},
    {"run.d.reason", NC_("run.d.reason", "Reason")},
    {"run.d.stream", N_("Log stream")},
    {"run.log.title", N_("Log (scrolled; End follows)")},
    {"run.log.title_follow", N_("Log (following)")},
    {"run.log.loading", N_("reading the task's log…")},
    {"run.log.no_task", N_("no task yet: the log appears once the bot is launched")},
    {"run.log.no_stream", N_("no log stream yet: it appears once the container starts")},
    {"run.log.no_group",
     N_("the task definition has no awslogs configuration, so there is no log to show")},
    {"run.log.empty", N_("the log is empty so far")},
    {"run.log.ended", N_("the task has stopped; this is the end of its log")},
    {"run.log.failed", N_("reading the log failed")},

    /* Keys. */
    {"run.key.move", N_("move")},
    {"run.key.detail", N_("task & log")},
    {"run.key.retry", N_("retry failed")},
    {"run.key.retry_one", N_("retry this bot")},
    {"run.key.pause", N_("pause launching")},
    {"run.key.concurrency", N_("concurrency")},
    {"run.key.filter", N_("filter")},
    {"run.key.sort", N_("sort")},
    {"run.key.summary", N_("summary (when finished)")},
    {"run.key.quit", N_("leave (tasks go on)")},
    {"run.key.quit_now", N_("quit")},
    {"run.key.back", N_("back")},
    {"run.key.back_to_list", N_("back to the list")},
    {"run.key.scroll", N_("scroll")},
    {"run.key.follow", N_("follow")},
    {"run.key.help", N_("help")},

    /* Summary. */
    {"sum.no_run", N_("No run to summarise.")},
    {"sum.headline", N_("%zu bot(s): %zu succeeded, %zu failed")},
    {"sum.col.duration", N_("Duration")},
    {"sum.report_written", N_("Report written (mode 0600) in %s: %s and %s")},
    {"sum.report_failed", N_("The report could not be written:")},
    {"sum.next.check",
     N_("Next: open a bot that has documents (a RAG bot) in the Bedrock Chat app and ask something "
        "only its documents can answer; the reply should use them.")},
    {"sum.next.retry",
     N_("Retry the %zu unsuccessful bot(s): press r now, or later run `bedrock-chat-migrate run "
        "--retry-failed --yes` (only they get new tasks).")},
    {"sum.next.logs",
     N_("Why a bot failed: ← back to the dashboard and Enter on it for its log, or "
        "`bedrock-chat-migrate logs BOT_ID`.")},
    {"sum.aside", N_("The earlier run's journal was kept as %s.")},
    {"sum.exit_message", N_("Run report: %s")},
    {"sum.key.retry", N_("retry failed")},
    {"sum.key.dashboard", N_("dashboard")},
    {"sum.key.finish", N_("finish")},
    {"sum.key.verify", N_("verify vectors")},
    {"sum.col.verdict", N_("Vectors")},
    {"sum.next.verify",
     N_("Verify: press v to count each bot's vectors in the new Aurora cluster over the RDS Data "
        "API (rows only, never their content), or later run `bedrock-chat-migrate verify`.")},
    {"sum.verifying", N_("Verifying the vectors: %s")},
    {"sum.verified", N_("Vectors verified: %s")},
    {"sum.verified_all_ok", N_("every bot has the vectors its task wrote.")},
    {"sum.verify_skipped", N_("Verification skipped: %s")},
    {"sum.verify_failed", N_("Cannot verify: %s")},
    {"verify.phase.cluster", N_("finding the Aurora cluster")},
    {"verify.phase.bots", N_("reading the bots")},
    {"verify.phase.counting", N_("counting vectors per bot")},
    {"verify.phase.waking", N_("waking the database (wait %d, %.0f s)")},
    {"verify.phase.logs", N_("reading task logs %zu/%zu")},
    {"verdict.ok", NC_("verdict", "ok")},
    {"verdict.no_vectors", NC_("verdict", "no vectors")},
    {"verdict.count_differs", NC_("verdict", "count differs")},
    {"verdict.empty_by_design", NC_("verdict", "empty by design")},
    {"verdict.not_succeeded", NC_("verdict", "not succeeded")},
    {"verdict.orphan_rows", NC_("verdict", "orphan rows")},

    /* Resume offer. */
    {"resume.title", N_("An earlier run was found")},
    {"resume.body",
     N_("Run %s (stack %s) in the journal %s did not finish cleanly: of %zu bot(s), %zu succeeded, "
        "%zu failed or were cancelled, %zu are unfinished (their tasks may still be running in ECS).\n\n"
        "Resume: follow its tasks and launch its remaining bots; nothing already launched is launched "
        "again.\nNew run: choose bots again; the old journal is kept beside the new one.\n"
        "Ignore: decide later.")},
    {"resume.btn.resume", N_("Resume")},
    {"resume.btn.new", N_("New run")},
    {"resume.btn.ignore", N_("Ignore")},
    {"resume.key.switch", N_("next button")},
    {"resume.key.press", N_("press")},
    {"resume.key.resume", N_("resume")},
    {"resume.key.new", N_("new run")},
    {"resume.key.ignore", N_("ignore")},

    {NULL, NULL, NULL},
};
