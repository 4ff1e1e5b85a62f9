"""The wizard's run, summary and resume offer, driven in a real terminal (tmux) against the
emulator with the embedding simulator.

Each test starts the program in its own tmux server (private socket) at 100x30, sends keys
and polls `capture-pane` until the expected text shows (never a blind sleep), then checks
what the emulator and the simulator saw: exactly one task per selected bot, the failed bot
retried once, the report files (mode 0600) beside the journal, the terminal restored, and a
left run resumed on restart without launching anything twice. Also: the breadcrumb and DEMO
badge on the dashboard and summary, resizing both (80×24, too small, back) while the run
goes on, the spinner animating, and SIGTERM mid-run with a log tail open (exit 130, the
journal named, the terminal restored, no sanitizer report: pending replies are drained).
"""
import glob
import json
import os
import re
import shlex
import signal
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

import harness
from fault_proxy import FaultProxy
from simulator import Simulator

COLS, ROWS = 100, 30
# Texts the run screens show (src/tui/i18n_run.c, English).
RUN_PROGRESS = "bots done"
REPORT_WRITTEN = "Report written (mode 0600)"
LEAVE_TITLE = "Leave the run?"
RESUME_TITLE = "An earlier run was found"
EXITED = "BCM-EXITED"


def _tmux_available():
    return shutil.which("tmux") is not None


class Pane:
    """The program in a detached tmux session of its own server; the pane stays after the
    program exits (so the terminal's state can be inspected) and the exit status is
    written to a file."""

    counter = 0

    def __init__(self, env, args=(), cols=COLS, rows=ROWS):
        Pane.counter += 1
        self.workdir = tempfile.mkdtemp(prefix="bcm-tmux-")
        self.socket = f"bcm-run-{os.getpid()}-{Pane.counter}"
        self.rc_file = os.path.join(self.workdir, "rc")
        env = dict(env)
        env["TERM"] = "screen-256color"
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items()))
        program = " ".join(shlex.quote(a) for a in [harness.program(), *args])
        # The shell survives a Ctrl-C sent to the pane (its trap is reset for the program).
        script = (f"trap : INT; env -i {assignments} {program} 2>{shlex.quote(self.workdir)}/stderr; "
                  f"echo $? > {shlex.quote(self.rc_file)}; echo {EXITED}; exec sleep 600")
        self._tmux("-f", "/dev/null", "new-session", "-d", "-x", str(cols), "-y", str(rows),
                   "-s", "main", "sh", "-c", script)

    def _tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              errors="replace", check=check, timeout=20)

    def keys(self, *keys):
        self._tmux("send-keys", "-t", "main", *keys)

    def text(self, literal):
        self._tmux("send-keys", "-t", "main", "-l", literal)

    def screen(self):
        return self._tmux("capture-pane", "-p", "-t", "main").stdout

    def display(self, fmt):
        return self._tmux("display-message", "-p", "-t", "main", fmt).stdout.strip()

    def resize(self, cols, rows):
        self._tmux("resize-window", "-t", "main", "-x", str(cols), "-y", str(rows))

    def program_pid(self):
        """The program's pid: the child of the pane's shell."""
        shell = self.display("#{pane_pid}")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            out = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
            if out:
                return int(out[0])
            time.sleep(0.05)
        raise AssertionError("the program is not running in the pane")

    def wait_for(self, what, timeout=45.0, gone=False):
        """Poll the screen until `what` (a string or a predicate on the screen) shows (or,
        with gone, no longer shows)."""
        check = what if callable(what) else (lambda s: what in s)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen) != gone:
                return screen
            if os.path.exists(self.rc_file) and what != EXITED:
                break  # the program is gone: nothing more will show
            time.sleep(0.05)
        raise AssertionError(f"{'still showing' if gone else 'never showed'} {what!r} within "
                             f"{timeout}s; screen:\n{screen}\nstderr:\n{self.stderr()}")

    def exit_status(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.rc_file):
                with open(self.rc_file) as f:
                    content = f.read().strip()
                if content:
                    return int(content)
            time.sleep(0.05)
        raise AssertionError(f"the program did not exit within {timeout}s; screen:\n{self.screen()}")

    def stderr(self):
        try:
            with open(os.path.join(self.workdir, "stderr"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        self._tmux("kill-server", check=False)
        shutil.rmtree(self.workdir, ignore_errors=True)


@unittest.skipUnless(_tmux_available(), "tmux is not installed")
class WizardRunTest(harness.EmulatorTestCase):
    seed_args = {"bots": 5, "failing": 1, "empty_bots": 0, "conversations": 10}
    sim_args = {}   # the simulator's release contract: v1.4 by default

    def setUp(self):
        # Each test has its own state directory: its own journal and reports.
        self.state = tempfile.mkdtemp(prefix="state-", dir=self.emu.tmpdir)
        self.env = self.emu.env(XDG_STATE_HOME=self.state)
        self.panes = []
        self.sim = None

    def tearDown(self):
        for pane in self.panes:
            pane.close()
        if self.sim is not None:
            self.sim.stop(raise_errors=False)
        shutil.rmtree(self.state, ignore_errors=True)

    def start(self, *args, demo=False, **env_overrides):
        env = dict(self.env, **env_overrides)
        if demo:
            env["BCM_DEMO_ACTIVE"] = "1"
        pane = Pane(env, ("--demo", *args) if demo else args)
        self.panes.append(pane)
        return pane

    def assert_clean_exit(self, pane):
        report = harness.sanitizer_report(subprocess.CompletedProcess([], 0, "", pane.stderr()))
        self.assertIsNone(report, report)
        self.assertEqual(pane.display("#{alternate_on}"), "0")
        self.assertEqual(pane.display("#{cursor_flag}"), "1")

    def assert_frame(self, screen, crumb):
        top = screen.split("\n", 1)[0]
        self.assertIn(crumb, top, screen)
        self.assertIn("DEMO", top, screen)

    def resize_round_trip(self, pane, text):
        """80×24 keeps the screen (text and key bar), below that only the too-small message,
        then the full size again."""
        def redrawn(cols, rows):
            def check(screen):
                lines = screen.rstrip("\n").split("\n")
                return (len(lines) == rows and text in screen and re.search(r"\bq \w", lines[-1])
                        and "bedrock-chat-migrate" in lines[0] and len(lines[0].rstrip()) <= cols)
            return check
        pane.resize(80, 24)
        pane.wait_for(redrawn(80, 24))
        pane.resize(60, 20)
        pane.wait_for("terminal too small: need 80×24, have 60×20")
        pane.resize(COLS, ROWS)
        return pane.wait_for(redrawn(COLS, ROWS))

    def simulate(self, duration):
        self.sim = Simulator(self.emu, self.dep, duration=duration,
                             fail_bot_ids=self.dep.bot_ids(expected="failed"), **self.sim_args)
        self.sim.start()
        return self.sim

    # -- navigation through the CORE steps (1–5) ------------------------------------------

    def to_launch(self, pane, resume=False):
        """Welcome → Identity → Outputs → Bots → Cost, then the explicit launch (Tab, y).
        With resume, answer the resume offer with r and stop once the dashboard shows."""
        pane.wait_for(lambda s: s.strip() != "")
        pane.keys("Enter")                                   # welcome: re-embed (default)
        if resume:
            pane.wait_for(RESUME_TITLE)
            pane.keys("r")
            pane.wait_for(RESUME_TITLE, gone=True)
        pane.wait_for("123456789012")                        # identity: the account
        pane.keys("Enter")
        if resume:
            # Outputs resolve, then the resumed run opens by itself (no bots or cost step);
            # with short tasks it may already have reached its summary.
            return pane.wait_for(lambda s: RUN_PROGRESS in s or REPORT_WRITTEN in s)
        pane.wait_for(self.dep.cluster)                      # outputs: resolved and checked
        pane.wait_for(lambda s: "✓" in s)
        pane.keys("Enter")
        pane.wait_for(lambda s: "%" in s or "$" in s or "✓" in s)
        titled = [b["title"] for b in self.dep.bots if b["title"] and b["title"].isascii()
                  and b["title"].isprintable()]
        if titled:
            pane.wait_for(titled[0][:20])                    # bots: the table is there
        pane.keys("Enter")
        pane.wait_for("$")                                   # cost: money on screen
        pane.keys("Tab")
        pane.keys("y")
        return pane.wait_for(RUN_PROGRESS)

    # -- helpers on what the run left behind -------------------------------------------------

    def journal(self):
        paths = glob.glob(os.path.join(self.state, "bedrock-chat-migrate", "*.jsonl"))
        paths = [p for p in paths if p.count(".") == 1]  # not the ones set aside
        self.assertEqual(len(paths), 1, paths)
        return paths[0]

    def run_record(self):
        with open(self.journal()) as f:
            return json.loads(f.readline())

    def journal_bots(self):
        """SK of every bot the run holds (its plan), from the journal's bot records."""
        with open(self.journal()) as f:
            records = [json.loads(line) for line in f if line.strip()]
        return sorted(r["sk"] for r in records if r.get("type") == "bot")

    def this_run_tasks(self):
        started_by = self.run_record()["started_by"]
        return [r for r in self.sim.records() if r.started_by == started_by]

    # -- tests ---------------------------------------------------------------------------------

    def test_run_to_summary_retry_and_report(self):
        sim = self.simulate(duration=(0.5, 1.5))
        pane = self.start(demo=True)
        self.assert_frame(self.to_launch(pane), "6 Run")
        failed = self.dep.bot_ids(expected="failed")
        self.assertEqual(len(failed), 1)

        screen = pane.wait_for(REPORT_WRITTEN)
        self.assert_frame(screen, "7 Summary")
        screen = self.resize_round_trip(pane, REPORT_WRITTEN)
        self.assertIn("succeeded", screen)
        self.assertIn("failed", screen)
        selected = self.journal_bots()
        self.assertIn(next(b["sk"] for b in self.dep.bots if b["bot_id"] in failed), selected)
        tasks = self.this_run_tasks()
        self.assertEqual(sorted(r.sk for r in tasks), selected, "one task per selected bot")

        # The reports sit beside the journal, private.
        md, js = (os.path.splitext(self.journal())[0] + ext for ext in (".report.md", ".report.json"))
        for path in (md, js):
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, path)
        with open(js) as f:
            report = json.load(f)
        self.assertEqual(report["counts"]["failed"], 1)
        self.assertEqual(report["counts"]["succeeded"], len(selected) - 1)
        self.assertFalse(report["all_succeeded"])
        with open(md) as f:
            self.assertNotIn("\x1b", f.read())

        # Back to the dashboard, find the failed bot, open its detail and log tail.
        pane.keys("Left")
        pane.wait_for(RUN_PROGRESS)
        pane.keys("/")
        pane.text("failed")
        pane.keys("Enter")
        pane.keys("Enter")
        screen = pane.wait_for("Embedding failed.")
        self.assertIn("Traceback", screen)
        self.assertNotIn("\x1b", screen)

        # r in the detail retries this bot: a second task, failing again.
        pane.keys("r")
        sk = next(b["sk"] for b in self.dep.bots if b["bot_id"] in failed)
        sim.wait_for(lambda s: len([r for r in s.tasks_by_bot.get(sk, [])
                                    if r.outcome == "failed"]) == 2, what="the retried task failed")
        pane.keys("Escape")
        pane.wait_for(REPORT_WRITTEN)
        tasks = self.this_run_tasks()
        self.assertEqual(len(tasks), len(selected) + 1, "only the failed bot was launched again")
        with open(js) as f:
            report = json.load(f)
        attempts = {b["bot_id"]: b["attempt"] for b in report["bots"]}
        self.assertEqual(attempts[next(iter(failed))], 2)

        # q on the summary ends the wizard: exit 1 (some failed), terminal restored.
        pane.keys("q")
        self.assertEqual(pane.exit_status(), 1, pane.stderr())
        pane.wait_for(EXITED)
        self.assertEqual(pane.display("#{alternate_on}"), "0")
        self.assertEqual(pane.display("#{cursor_flag}"), "1")
        self.assertIn("Run report:", pane.stderr())
        self.assertNotIn("runtime error", pane.stderr())
        self.assert_clean_exit(pane)

    def test_leave_mid_run_then_resume(self):
        # Slow tasks so that the run is left while some bots run and others wait.
        sim = self.simulate(duration=(4.0, 6.0))
        pane = self.start()
        self.to_launch(pane)
        pane.wait_for(lambda s: "running" in s)
        # The spinner of running rows animates (the loop wakes for its timer only).
        frames = set()
        def two_frames(screen):
            frames.update(re.findall(r"(?m)^ ([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) .*running", screen))
            return len(frames) >= 2
        pane.wait_for(two_frames, timeout=10)
        self.resize_round_trip(pane, RUN_PROGRESS)
        # Ctrl-C asks the same question as q, once however often it is pressed; n stays.
        pane.keys("C-c")
        pane.wait_for(LEAVE_TITLE)
        pane.keys("C-c")
        pane.keys("n")
        screen = pane.wait_for(LEAVE_TITLE, gone=True)
        self.assertNotIn("┌", screen, "no second dialog was left behind")
        pane.keys("q")
        pane.wait_for(LEAVE_TITLE)
        pane.keys("y")
        self.assertEqual(pane.exit_status(), 130, pane.stderr())
        # The simulator polls the cluster: wait until it has seen the tasks the run started.
        started_by = self.run_record()["started_by"]
        sim.wait_for(lambda s: any(r.started_by == started_by for r in s.records()),
                     what="the run's first tasks seen")
        launched = {r.sk for r in self.this_run_tasks()}
        self.assertLess(len(launched), len(self.journal_bots()), "some bots were still queued")
        self.assertIn(self.journal(), pane.stderr().replace("\n", ""))

        # Restart: the offer appears; resume follows the old tasks and launches the rest.
        pane2 = self.start()
        self.to_launch(pane2, resume=True)
        pane2.wait_for(REPORT_WRITTEN, timeout=60)
        tasks = self.this_run_tasks()
        per_bot = {}
        for r in tasks:
            per_bot.setdefault(r.sk, []).append(r)
        self.assertEqual(sorted(per_bot), self.journal_bots(), "every bot of the run got a task")
        self.assertTrue(all(len(v) == 1 for v in per_bot.values()),
                        {k: len(v) for k, v in per_bot.items() if len(v) != 1})
        pane2.keys("q")
        self.assertEqual(pane2.exit_status(), 1, pane2.stderr())
        self.assert_clean_exit(pane)
        self.assert_clean_exit(pane2)

    def test_sigterm_mid_run_with_log_tail(self):
        # The log tail's GetLogEvents is held by a proxy, so the signal lands while its
        # reply is pending: the program must wait for it before freeing (else LSan reports
        # the request's context).
        proxy = FaultProxy(int(self.emu.endpoint.rsplit(":", 1)[1])).start()
        self.addCleanup(proxy.stop)
        proxy.add_rule("GetLogEvents", "delay", probability=1.0, seconds=2.0)
        self.simulate(duration=(3.0, 5.0))
        pane = self.start(AWS_ENDPOINT_URL=proxy.url)
        self.to_launch(pane)
        pane.wait_for(lambda s: "running" in s)
        pane.keys("Enter")                       # the first row's detail and log tail
        pane.wait_for(lambda s: "Log" in s and "Task" in s)
        deadline = time.monotonic() + 20
        while proxy.count("GetLogEvents", "delay") == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(proxy.count("GetLogEvents", "delay"), 1, "the log tail asked once")
        os.kill(pane.program_pid(), signal.SIGTERM)
        self.assertEqual(pane.exit_status(), 130, pane.stderr())
        pane.wait_for(EXITED)
        self.assertIn(self.journal(), pane.stderr().replace("\n", ""))
        self.assert_clean_exit(pane)


class WizardRunTestV10(WizardRunTest):
    """The same wizard runs against a v1.0.0 – v1.2.4 deployment (keys read from the command)."""
    seed_args = {**WizardRunTest.seed_args, "release": "v1.0"}
    sim_args = {"contract": "v1.0"}


if __name__ == "__main__":
    unittest.main()
