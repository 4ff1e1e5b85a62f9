/* Strings of the run dashboard, the summary and the resume offer (English, Japanese).
 * Owned with those screens; the core strings are in i18n.c. Entries holding printf
 * conversions must keep the same conversions, in the same order, in both languages
 * (tests/unit/test_i18n_run.c checks it). */
#include "tui/i18n.h"

#include <stddef.h>

const struct tr_entry tr_table_run[] = {
    {"step.run", "Run", "実行"},
    {"step.summary", "Summary", "結果"},

    /* Bot states, as runner.h names them. */
    {"state.queued", "queued", "待機中"},
    {"state.launching", "launching", "起動要求中"},
    {"state.provisioning", "provisioning", "準備中"},
    {"state.pending", "pending", "開始待ち"},
    {"state.running", "running", "実行中"},
    {"state.stopped", "stopped", "停止・判定中"},
    {"state.succeeded", "succeeded", "成功"},
    {"state.failed", "failed", "失敗"},
    {"state.skipped", "skipped", "スキップ"},
    {"state.cancelled", "cancelled", "中止"},

    /* Dashboard. */
    {"run.col.icon", " ", " "},
    {"run.col.title", "Bot", "ボット"},
    {"run.col.state", "State", "状態"},
    {"run.col.attempt", "#", "#"},
    {"run.col.elapsed", "Elapsed", "経過"},
    {"run.col.reason", "Reason", "理由"},
    {"run.progress", "%zu of %zu bots done", "%zu / %zu ボット完了"},
    {"run.stats", "%s bots/min · ETA %s · cost so far ≈ %s · concurrency %d",
     "%s ボット/分 · 残り約 %s · ここまでの費用 ≈ %s · 同時実行 %d"},
    {"run.paused", "LAUNCHING PAUSED (p resumes)", "起動を一時停止中 (p で再開)"},
    {"run.finished", "run finished", "実行完了"},
    {"run.reason.launch_retry", "launch refused for now; retrying with back-off",
     "起動が一時的に拒否されました。間隔をあけて再試行します"},
    {"run.retried", "%zu failed bot(s) queued for a new attempt", "失敗した %zu 件を再実行キューに入れました"},
    {"run.nothing_to_retry", "no failed bot to retry", "再実行する失敗ボットはありません"},
    {"run.leaving", "Leaving: waiting for launches in flight to be journaled…",
     "終了中: 送信中の起動要求をジャーナルに記録しています…"},
    {"run.quit.title", "Leave the run?", "実行を離れますか?"},
    {"run.quit.body",
     "%zu task(s) are running and %zu bot(s) are still queued. Leaving stops launching; running "
     "tasks keep going in ECS and finish on their own.\n\nNothing is lost: the journal %s records "
     "the run, and starting the wizard again offers to resume it.",
     "%zu 件のタスクが実行中、%zu 件のボットが待機中です。離れると新しい起動は止まりますが、"
     "実行中のタスクは ECS で最後まで動きます。\n\nジャーナル %s に記録されているので失われるものは"
     "ありません。ウィザードを再び起動すると再開を提案します。"},
    {"run.quit.yes", "Leave", "離れる"},
    {"run.quit.no", "Stay", "とどまる"},
    {"run.err.title", "The run could not be started", "実行を開始できませんでした"},
    {"run.err.no_deployment", "The stack outputs are not resolved yet: go back to the Outputs step.",
     "スタック出力がまだ解決されていません。出力ステップに戻ってください。"},
    {"run.err.open", "the run journal could not be opened", "実行ジャーナルを開けませんでした"},
    {"run.err.no_bots", "No bot is selected for this run: go back and select at least one bot.",
     "この実行で選択されたボットがありません。戻って 1 件以上選択してください。"},
    {"run.err.next", "Nothing was launched. Press b to go back, or q to quit.",
     "何も起動していません。b で戻る、q で終了します。"},

    /* Task detail and log. */
    {"run.d.title", "Title", "タイトル"},
    {"run.d.bot", "Bot id", "ボット ID"},
    {"run.d.owner", "Owner", "所有者"},
    {"run.d.state", "State", "状態"},
    {"run.d.attempt", "attempt", "試行"},
    {"run.d.elapsed", "Elapsed", "経過"},
    {"run.d.task", "Task", "タスク"},
    {"run.d.ecs", "ECS status", "ECS 状態"},
    {"run.d.sync", "SyncStatus", "SyncStatus"},
    {"run.d.stopped", "Stopped", "停止理由"},
    {"run.d.reason", "Reason", "判定理由"},
    {"run.d.stream", "Log stream", "ログストリーム"},
    {"run.log.title", "Log (scrolled; End follows)", "ログ (スクロール中; End で追従)"},
    {"run.log.title_follow", "Log (following)", "ログ (追従中)"},
    {"run.log.loading", "reading the task's log…", "タスクのログを読み込み中…"},
    {"run.log.no_task", "no task yet: the log appears once the bot is launched",
     "タスクはまだありません。起動されるとログが表示されます"},
    {"run.log.no_stream", "no log stream yet: it appears once the container starts",
     "ログストリームはまだありません。コンテナーが起動すると現れます"},
    {"run.log.no_group",
     "the task definition has no awslogs configuration, so there is no log to show",
     "タスク定義に awslogs 設定がないため、表示できるログがありません"},
    {"run.log.empty", "the log is empty so far", "ログはまだ空です"},
    {"run.log.ended", "the task has stopped; this is the end of its log", "タスクは停止しました。ログはここまでです"},
    {"run.log.failed", "reading the log failed", "ログの読み込みに失敗しました"},

    /* Keys. */
    {"run.key.move", "move", "移動"},
    {"run.key.detail", "task & log", "詳細とログ"},
    {"run.key.retry", "retry failed", "失敗を再実行"},
    {"run.key.retry_one", "retry this bot", "このボットを再実行"},
    {"run.key.pause", "pause launching", "起動を一時停止"},
    {"run.key.concurrency", "concurrency", "同時実行数"},
    {"run.key.filter", "filter", "絞り込み"},
    {"run.key.sort", "sort", "並べ替え"},
    {"run.key.summary", "summary (when finished)", "結果 (完了後)"},
    {"run.key.quit", "leave (tasks go on)", "離れる (タスク継続)"},
    {"run.key.quit_now", "quit", "終了"},
    {"run.key.back", "back", "戻る"},
    {"run.key.back_to_list", "back to the list", "一覧に戻る"},
    {"run.key.scroll", "scroll", "スクロール"},
    {"run.key.follow", "follow", "追従"},
    {"run.key.help", "help", "ヘルプ"},

    /* Summary. */
    {"sum.no_run", "No run to summarise.", "まとめる実行がありません。"},
    {"sum.headline", "%zu bot(s): %zu succeeded, %zu failed", "%zu ボット: 成功 %zu、失敗 %zu"},
    {"sum.col.duration", "Duration", "所要時間"},
    {"sum.report_written", "Report written (mode 0600) in %s: %s and %s",
     "レポートを書き出しました (モード 0600、%s): %s と %s"},
    {"sum.report_failed", "The report could not be written:", "レポートを書き出せませんでした:"},
    {"sum.next.check",
     "Next: open a bot that has documents (a RAG bot) in the Bedrock Chat app and ask something "
     "only its documents can answer; the reply should use them.",
     "次に: ドキュメントを持つボット (RAG ボット) を Bedrock Chat アプリで開き、そのドキュメントにしか"
     "答えられない質問をしてください。回答がドキュメントを使っていれば成功です。"},
    {"sum.next.retry",
     "Retry the %zu unsuccessful bot(s): press r now, or later run `bedrock-chat-migrate run "
     "--retry-failed --yes` (only they get new tasks).",
     "成功しなかった %zu 件を再実行: 今 r を押すか、後で `bedrock-chat-migrate run --retry-failed "
     "--yes` を実行します (新しいタスクはそれらだけに起動されます)。"},
    {"sum.next.logs",
     "Why a bot failed: ← back to the dashboard and Enter on it for its log, or "
     "`bedrock-chat-migrate logs BOT_ID`.",
     "失敗の理由: ← でダッシュボードに戻り、ボットで Enter を押すとログが見られます。"
     "`bedrock-chat-migrate logs BOT_ID` でも確認できます。"},
    {"sum.aside", "The earlier run's journal was kept as %s.", "以前の実行のジャーナルは %s に保管しました。"},
    {"sum.exit_message", "Run report: %s", "実行レポート: %s"},
    {"sum.key.retry", "retry failed", "失敗を再実行"},
    {"sum.key.dashboard", "dashboard", "ダッシュボード"},
    {"sum.key.finish", "finish", "終了"},

    /* Resume offer. */
    {"resume.title", "An earlier run was found", "以前の実行が見つかりました"},
    {"resume.body",
     "Run %s (stack %s) in the journal %s did not finish cleanly: of %zu bot(s), %zu succeeded, "
     "%zu failed or were cancelled, %zu are unfinished (their tasks may still be running in ECS).\n\n"
     "Resume: follow its tasks and launch its remaining bots; nothing already launched is launched "
     "again.\nNew run: choose bots again; the old journal is kept beside the new one.\n"
     "Ignore: decide later.",
     "実行 %s (スタック %s、ジャーナル %s) は正常に完了していません。%zu ボットのうち成功 %zu、"
     "失敗・中止 %zu、未完了 %zu (タスクが ECS で実行中の可能性があります)。\n\n"
     "再開: タスクを追跡し残りのボットを起動します。起動済みのものを再び起動することはありません。\n"
     "新しい実行: ボットを選び直します。古いジャーナルは新しいものの隣に保管されます。\n"
     "無視: 後で決めます。"},
    {"resume.btn.resume", "Resume", "再開"},
    {"resume.btn.new", "New run", "新しい実行"},
    {"resume.btn.ignore", "Ignore", "無視"},
    {"resume.key.switch", "next button", "次のボタン"},
    {"resume.key.press", "press", "決定"},
    {"resume.key.resume", "resume", "再開"},
    {"resume.key.new", "new run", "新しい実行"},
    {"resume.key.ignore", "ignore", "無視"},

    {NULL, NULL, NULL},
};
