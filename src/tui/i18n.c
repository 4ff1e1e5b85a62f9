/* The wizard's core strings in English and Japanese, the language choice and lookup. */
#include "tui/i18n.h"

#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct tr_entry tr_table_core[] = {
    /* frame */
    {"title.program", "bedrock-chat-migrate", "bedrock-chat-migrate"},
    {"title.demo", "DEMO — local emulator, no real AWS", "デモ — ローカルエミュレータ（実際のAWSではありません）"},
    {"title.demo_short", "DEMO (emulator)", "デモ（エミュレータ）"},
    {"step.welcome", "Welcome", "はじめに"},
    {"step.identity", "Identity", "認証情報"},
    {"step.outputs", "Outputs", "スタック出力"},
    {"step.bots", "Bots", "ボット"},
    {"step.cost", "Cost", "費用"},
    {"screen.too_small", "terminal too small: need %d×%d, have %d×%d — enlarge the window (q quits)",
     "端末が小さすぎます: %d×%d 必要ですが現在 %d×%d です — ウィンドウを広げてください（q で終了）"},
    {"help.title", "Keys", "キー操作"},
    {"help.everywhere", "Everywhere", "全画面共通"},
    {"table.empty", "(nothing to show)", "（表示するものがありません）"},
    {"table.no_match", "(no row matches the filter; Esc clears it)", "（フィルタに一致する行がありません。Esc で解除）"},
    {"textbox.empty", "(paste here: the terminal's paste, or type)", "（ここに貼り付けるか入力してください）"},
    {"textbox.too_long", "the paste is over 1 MiB and was cut; paste only the outputs", "貼り付けが 1 MiB を超えたため切り詰めました。出力部分だけを貼り付けてください"},
    {"log.empty", "(no log lines yet)", "（ログはまだありません）"},
    {"cost.unknown", "unknown", "不明"},
    /* keys */
    {"key.help", "help", "ヘルプ"},
    {"key.quit", "quit", "終了"},
    {"key.redraw", "redraw the screen", "再描画"},
    {"key.close", "close", "閉じる"},
    {"key.next", "next", "次へ"},
    {"key.back", "back", "戻る"},
    {"key.choose", "choose", "選択"},
    {"key.scroll", "scroll", "スクロール"},
    {"key.move", "move", "移動"},
    {"key.pick", "use this profile", "このプロファイルを使う"},
    {"key.cancel", "cancel", "取消"},
    {"key.apply", "apply", "適用"},
    {"key.profile", "profile", "プロファイル"},
    {"key.region", "region", "リージョン"},
    {"key.refresh", "check again", "再確認"},
    {"key.paste", "paste outputs", "出力を貼り付け"},
    {"key.rediscover", "discover again", "再検出"},
    {"key.validate", "validate the paste", "貼り付けを検証"},
    {"key.clear", "clear", "消去"},
    {"key.newline", "new line", "改行"},
    {"key.toggle", "select", "選択切替"},
    {"key.all", "all", "全選択"},
    {"key.none", "none", "全解除"},
    {"key.filter", "filter", "絞り込み"},
    {"key.sort", "sort", "並べ替え"},
    {"key.sort_reverse", "reverse the sort", "逆順"},
    {"key.reload", "read the bots again", "ボットを再読込"},
    {"key.keep_filter", "keep filter", "絞り込みを確定"},
    {"key.clear_filter", "clear filter", "絞り込みを解除"},
    {"key.focus_launch", "go to Launch", "起動ボタンへ"},
    {"key.concurrency", "concurrency", "同時実行数"},
    {"key.edit_prices", "edit prices", "価格を編集"},
    {"key.type_count", "type the bot count", "ボット数を入力"},
    {"key.launch_now", "launch", "起動"},
    {"key.leave_launch", "leave the button", "ボタンから離れる"},
    {"key.switch", "switch", "切替"},
    {"key.press", "press", "決定"},
    {"key.yes", "yes", "はい"},
    {"key.no", "no", "いいえ"},
    /* quit */
    {"quit.title", "Quit?", "終了しますか？"},
    {"quit.body_idle", "Nothing has been launched. Quit the wizard?", "まだ何も起動していません。ウィザードを終了しますか？"},
    {"quit.body_running", "Tasks already launched keep running in ECS. Launching stops now; start the wizard (or `run --yes`) again later to resume from the journal.",
     "起動済みのタスクは ECS で実行を続けます。新たな起動は止めます。後でウィザード（または `run --yes`）を再び開くとジャーナルから再開できます。"},
    {"quit.yes", "Quit", "終了"},
    {"quit.no", "Stay", "続ける"},
    {"quit.waiting", "Quitting: waiting for launches in flight to be recorded…", "終了中: 送信中の起動要求の結果を記録しています…"},
    {"quit.resume_hint", "Tasks launched keep running. Resume later with the wizard or `bedrock-chat-migrate run --yes` (journal %s).",
     "起動したタスクは実行を続けます。後でウィザードか `bedrock-chat-migrate run --yes` で再開できます（ジャーナル %s）。"},
    /* welcome */
    {"welcome.what_title", "What this does", "このツールが行うこと"},
    {"welcome.what",
     "The v1 upgrade of Bedrock Claude Chat replaced the Aurora cluster that held the bots' vectors. This wizard rebuilds them: for every bot you select it launches one ECS Fargate embedding task (the deployment's own task definition), follows it to the end, and records everything in a journal so an interrupted run resumes without launching twice. Nothing is launched before the cost step, where you confirm explicitly. The tool never writes to the DynamoDB table.",
     "Bedrock Claude Chat の v1 アップグレードでボットのベクトルを保持していた Aurora クラスタが置き換えられました。このウィザードはそれを再構築します。選んだボットごとに ECS Fargate の埋め込みタスク（デプロイ済みのタスク定義）を 1 つ起動し、終了まで追跡し、すべてをジャーナルに記録するので、中断しても二重起動せずに再開できます。費用の画面で明示的に確認するまで何も起動しません。DynamoDB テーブルには一切書き込みません。"},
    {"welcome.prereq_title", "Before you start", "開始前の確認"},
    {"welcome.prereq",
     "• Bedrock Claude Chat v1 is deployed (the stack's outputs include DbConfigSecretArn).\n• Published bot APIs were removed before the upgrade (their stacks pointed at the old cluster).\n• Your credentials may call: sts:GetCallerIdentity, cloudformation:DescribeStacks, dynamodb:DescribeTable/Scan, s3:ListBucket, ecs:DescribeTaskDefinition/RunTask/DescribeTasks/ListTasks, iam:PassRole on the task roles, logs:GetLogEvents.",
     "• Bedrock Claude Chat v1 がデプロイ済みであること（スタック出力に DbConfigSecretArn があること）。\n• 公開済みのボット API はアップグレード前に削除済みであること（旧クラスタを参照していたため）。\n• 認証情報で次を呼び出せること: sts:GetCallerIdentity、cloudformation:DescribeStacks、dynamodb:DescribeTable/Scan、s3:ListBucket、ecs:DescribeTaskDefinition/RunTask/DescribeTasks/ListTasks、タスクロールへの iam:PassRole、logs:GetLogEvents。"},
    {"welcome.ways_title", "Two ways to migrate", "移行の 2 つの方法"},
    {"welcome.ways",
     "Re-embed (this tool): simple and safe, works from the documents and URLs the bots already have; costs Fargate time and Bedrock embedding tokens, takes minutes to hours, and web sources are crawled again as they are today.\nSnapshot restore + logical replication: keeps the exact old vectors and costs no embedding, but needs the old cluster's snapshot, database work (restore, replication, cut-over) and downtime planning. This tool does not do it.",
     "再埋め込み（このツール）: 簡単で安全。ボットが既に持つ文書と URL から作り直します。Fargate の実行時間と Bedrock の埋め込みトークンの費用がかかり、数分から数時間かかります。Web ソースは現在の内容で再クロールされます。\nスナップショット復元 + 論理レプリケーション: 旧ベクトルをそのまま保持し埋め込み費用は不要ですが、旧クラスタのスナップショット、データベース作業（復元・レプリケーション・切替）と停止計画が必要です。このツールでは行いません。"},
    {"welcome.more", "more ↓ PgDn", "続き ↓ PgDn"},
    {"welcome.choose", "How do you want to migrate?", "移行方法を選んでください"},
    {"welcome.choice_reembed", "Re-embed every selected bot with this tool", "このツールで選んだボットを再埋め込みする"},
    {"welcome.choice_snapshot", "Snapshot restore + logical replication (done by hand)", "スナップショット復元 + 論理レプリケーション（手作業）"},
    {"welcome.snapshot_note", "This tool only re-embeds. Follow the Bedrock Chat migration guide for the snapshot path, or choose re-embed above.",
     "このツールは再埋め込みのみ行います。スナップショットでの移行は Bedrock Chat の移行ガイドに従うか、上の再埋め込みを選んでください。"},
    {"welcome.enter_hint", "Enter continues to the identity check; nothing is launched yet.", "Enter で認証情報の確認へ進みます。まだ何も起動しません。"},
    /* identity */
    {"identity.intro", "The account and credentials every later step uses. Check this is the account of your Bedrock Chat deployment before going on.",
     "以降のすべての手順で使うアカウントと認証情報です。Bedrock Chat をデプロイしたアカウントであることを確認してから進んでください。"},
    {"identity.fetching", "Asking STS who these credentials are…", "STS に認証情報の主体を問い合わせています…"},
    {"identity.account", "Account", "アカウント"},
    {"identity.arn", "Caller ARN", "呼び出し元 ARN"},
    {"identity.user_id", "User id", "ユーザー ID"},
    {"identity.region", "Region", "リージョン"},
    {"identity.profile", "Profile", "プロファイル"},
    {"identity.credentials", "Credentials from", "認証情報の取得元"},
    {"identity.endpoint", "Endpoint", "エンドポイント"},
    {"identity.no_session", "The AWS session could not be set up:", "AWS セッションを準備できませんでした:"},
    {"identity.failed", "Could not confirm the identity:", "認証情報を確認できませんでした:"},
    {"identity.failed_hint", "Press p to pick another profile, r to change the region, F5 to try again.", "p で別のプロファイル、r でリージョン変更、F5 で再試行。"},
    {"identity.ok_hint", "If this is the right account and region, press Enter. Otherwise p picks another profile, r changes the region.",
     "アカウントとリージョンが正しければ Enter。違う場合は p でプロファイル、r でリージョンを変更します。"},
    {"identity.busy", "Wait for the request in flight to finish, then try again.", "実行中の要求が終わるのを待ってから再度お試しください。"},
    {"identity.reopen_failed", "could not set up the session", "セッションを準備できませんでした"},
    {"identity.switched", "Now using profile %s in %s.", "プロファイル %s（%s）に切り替えました。"},
    {"identity.pick_profile", "Profile (from ~/.aws/config and credentials)", "プロファイル（~/.aws/config と credentials）"},
    {"identity.no_profiles", "No profiles in the shared config files.", "共有設定ファイルにプロファイルがありません。"},
    {"identity.region_prompt", "Region", "リージョン"},
    {"identity.region_example", "e.g. us-east-1, ap-northeast-1", "例: us-east-1、ap-northeast-1"},
    /* outputs */
    {"outputs.discovering", "Discovering the stack's outputs in CloudFormation…", "CloudFormation でスタック出力を検出しています…"},
    {"outputs.validating", "Validating the pasted outputs against the account…", "貼り付けた出力をアカウントで検証しています…"},
    {"outputs.failed", "The deployment could not be resolved:", "デプロイメントを特定できませんでした:"},
    {"outputs.failed_hint", "Press p to paste the stack's outputs (from the console or `aws cloudformation describe-stacks`), F5 to discover again.",
     "p でスタック出力（コンソールや `aws cloudformation describe-stacks` の結果）を貼り付け、F5 で再検出します。"},
    {"outputs.source", "Outputs from", "出力の取得元"},
    {"outputs.ok", "✓ Every required check passed. Enter continues to the bots.", "✓ 必要な確認はすべて成功しました。Enter でボット一覧へ。"},
    {"outputs.not_ok", "✗ Fix the failed checks below first (hints under each), then F5 or paste again.", "✗ 下の失敗した項目を先に修正してください（各項目の下にヒント）。その後 F5 か再度貼り付け。"},
    {"outputs.fix_first", "Not yet: the deployment must pass its checks before the bots can be read.", "まだ進めません: ボットを読み込む前にデプロイメントの確認を通す必要があります。"},
    {"outputs.paste_intro", "Paste the stack's outputs: the console's Outputs tab, `describe-stacks` JSON or text, KEY=VALUE lines, or the guide's variables. Your terminal's paste goes straight into the box.",
     "スタック出力を貼り付けてください: コンソールの出力タブ、`describe-stacks` の JSON やテキスト、KEY=VALUE 行、ガイドの変数のいずれでも構いません。端末の貼り付けがそのまま入ります。"},
    {"outputs.paste_title", "Stack outputs", "スタック出力"},
    {"outputs.paste_count", "%zu lines, %zu bytes — Ctrl-D validates", "%zu 行、%zu バイト — Ctrl-D で検証"},
    {"outputs.paste_empty", "The box is empty: paste the outputs first.", "空です。先に出力を貼り付けてください。"},
    {"check.table", "DynamoDB table", "DynamoDB テーブル"},
    {"check.cluster", "ECS cluster", "ECS クラスタ"},
    {"check.task_definition", "Task definition", "タスク定義"},
    {"check.subnets", "Subnets", "サブネット"},
    {"check.security_group", "Security group", "セキュリティグループ"},
    {"check.document_bucket", "Document bucket", "文書バケット"},
    {"check.stack_version", "Stack version", "スタックのバージョン"},
    /* bots */
    {"bots.loading", "%s Reading bots: %llu items scanned, %zu bots found…", "%s ボットを読み込み中: %llu 件走査、%zu 件のボット…"},
    {"bots.failed", "The bots could not be read:", "ボットを読み込めませんでした:"},
    {"bots.failed_hint", "F5 tries again; Esc goes back to the outputs.", "F5 で再試行、Esc でスタック出力に戻ります。"},
    {"bots.no_inventory", "the bots have not been read yet", "ボットがまだ読み込まれていません"},
    {"bots.summary", "%zu of %zu bots selected — estimate %s", "%zu / %zu 件のボットを選択 — 見積 %s"},
    {"bots.scan_source", "read from", "読込元"},
    {"bots.col_title", "Title", "タイトル"},
    {"bots.col_owner", "Owner", "所有者"},
    {"bots.col_sources", "Sources", "ソース"},
    {"bots.col_size", "Docs", "文書"},
    {"bots.col_status", "Status", "状態"},
    {"bots.col_estimate", "Estimate", "見積"},
    {"bots.no_knowledge", "no knowledge", "ナレッジなし"},
    {"bots.detail", "Bot", "ボット詳細"},
    {"bots.detail_sources", "%zu files (%s, %zu missing), %zu URLs, %zu sitemaps", "ファイル %zu 件（%s、欠落 %zu）、URL %zu 件、サイトマップ %zu 件"},
    {"bots.detail_estimate", "task %s–%s, %s, %llu–%llu tokens", "タスク %s–%s、%s、%llu–%llu トークン"},
    {"bots.not_selected", "not selected:", "未選択:"},
    {"bots.last_reason", "last sync:", "前回の同期:"},
    {"bots.none_selected", "Select at least one bot (Space, or a for all).", "ボットを 1 件以上選んでください（Space、または a で全選択）。"},
    {"bots.empty_selected", "This bot has no knowledge: its task would only clear its vectors.", "このボットにはナレッジがありません。タスクはベクトルを消去するだけです。"},
    /* cost */
    {"cost.heading", "Cost preview for %zu bots (ranges: low–high)", "%zu 件のボットの費用見積（範囲: 下限–上限）"},
    {"cost.fargate", "Fargate tasks", "Fargate タスク"},
    {"cost.bedrock", "Bedrock embeddings", "Bedrock 埋め込み"},
    {"cost.scan", "DynamoDB scan (done)", "DynamoDB 走査（実施済み）"},
    {"cost.total", "Total", "合計"},
    {"cost.wall", "Time: %s–%s", "所要時間: %s–%s"},
    {"cost.concurrency", "Concurrency: %d tasks at once (+/-)", "同時実行数: %d タスク（+/-）"},
    {"cost.concurrency_why", "chosen in the wizard", "ウィザードで指定"},
    {"cost.prices", "Prices: %s, %s, %s", "価格: %s、%s、%s"},
    {"cost.per_bot", "Per bot", "ボットごと"},
    {"cost.price_values", "$%s/vCPU-h, $%s/GB-h, $%s/1K tokens (e edits)", "$%s/vCPU時, $%s/GB時, $%s/1Kトークン（e で編集）"},
    {"prices.title", "Prices (USD)", "価格（USD）"},
    {"prices.intro", "The list prices the estimate multiplies by. Type your own (discounts, another region's rates); the totals are recomputed.",
     "見積に使う定価です。割引後の単価などを入力すると合計を再計算します。"},
    {"prices.vcpu_hour", "Fargate, per vCPU-hour", "Fargate（vCPU 1 時間あたり）"},
    {"prices.gb_hour", "Fargate, per GB-hour of memory", "Fargate（メモリ 1 GB・1 時間あたり）"},
    {"prices.embed_1k", "Bedrock embedding, per 1K tokens", "Bedrock 埋め込み（1K トークンあたり）"},
    {"prices.hint", "Enter applies all three; Esc leaves the prices as they were.", "Enter で 3 つとも適用、Esc で変更せずに閉じます。"},
    {"prices.region", "Built-in table for %s (%s) unless edited here.", "編集しない場合は %s（%s）の組み込み価格表を使います。"},
    {"prices.key_type", "type a price", "価格を入力"},
    {"prices.err_empty", "%s: type a price in USD, for example 0.04048.", "%s: USD の価格を入力してください（例: 0.04048）。"},
    {"prices.err_number", "%s: \"%s\" is not a number; use digits and one dot, for example 0.04048.",
     "%s: 「%s」は数値ではありません。数字と小数点 1 つで入力してください（例: 0.04048）。"},
    {"prices.err_large", "%s: $%s is more than $%g, which no list price comes near; check the decimal point.",
     "%s: $%s は $%g を超えており、どの定価よりも大きすぎます。小数点の位置を確認してください。"},
    {"cost.assumptions", "Assumptions", "前提"},
    {"cost.launch", "Launch", "起動"},
    {"cost.tab_hint", "Press Tab to focus Launch; Enter alone never launches.", "Tab で起動ボタンへ。Enter だけでは起動しません。"},
    {"cost.type_prompt", "Type %zu (the number of bots) and Enter, or y: %s▏", "%zu（ボット数）を入力して Enter、または y: %s▏"},
    {"cost.type_mismatch", "That is not %zu: type the number of selected bots exactly, or Esc.", "%zu ではありません。選択したボット数を正確に入力するか Esc。"},
    {"cost.enter_hint", "To launch, press Tab to focus Launch, then type the number of bots or y.", "起動するには Tab で起動ボタンに移り、ボット数か y を入力してください。"},
    {NULL, NULL, NULL},
};

static enum ui_lang s_lang = UI_LANG_EN;

static bool s_is_ja(const char *v)
{
    return v && (strncmp(v, "ja", 2) == 0);
}

int i18n_init(const char *lang_option)
{
    if (lang_option) {
        if (strcmp(lang_option, "ja") == 0 || strncmp(lang_option, "ja_", 3) == 0)
            s_lang = UI_LANG_JA;
        else if (strcmp(lang_option, "en") == 0 || strncmp(lang_option, "en_", 3) == 0)
            s_lang = UI_LANG_EN;
        else
            return -1;
        return 0;
    }
    /* The POSIX precedence: LC_ALL, then LC_MESSAGES, then LANG; the first set one decides. */
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    s_lang = UI_LANG_EN;
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) {
            s_lang = s_is_ja(v) ? UI_LANG_JA : UI_LANG_EN;
            break;
        }
    }
    return 0;
}

enum ui_lang i18n_lang(void)
{
    return s_lang;
}

const struct tr_entry *i18n_entry(size_t i)
{
    const struct tr_entry *tables[] = {tr_table_core, tr_table_run};
    for (size_t t = 0; t < 2; t++) {
        size_t n = 0;
        while (tables[t][n].key)
            n++;
        if (i < n)
            return &tables[t][i];
        i -= n;
    }
    return NULL;
}

const char *tr(const char *key)
{
    if (!key)
        return "";
    const struct tr_entry *e;
    for (size_t i = 0; (e = i18n_entry(i)) != NULL; i++) {
        if (strcmp(e->key, key) == 0) {
            const char *text = s_lang == UI_LANG_JA && e->ja ? e->ja : e->en;
            return text ? text : key;
        }
    }
    return key;
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
