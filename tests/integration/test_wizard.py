"""The wizard's steps 1–5 driven through tmux against the emulator: a real terminal
(tmux new-session -x 100 -y 30), keys sent with send-keys, the screen read with
capture-pane and polled for the expected text (never a blind sleep).

Covered: welcome → identity → outputs (discovered, and pasted with bracketed paste) →
bots (Japanese titles and emoji sequences aligned, hostile titles inert: no escape other
than our own SGR, no C1 or bidi control in the pane, select/filter) → cost (prices edited
and validated, a stray Enter never launches; twenty Enters from the start launch nothing;
breadcrumb, DEMO badge, Back and Next on every screen), resize to 80×24 and below at every
step, colours off with NO_COLOR and --no-color, Japanese UI, and the terminal restored
(cooked mode, main screen, cursor shown) after q → Quit, SIGTERM and a crash (SIGABRT)."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unicodedata
import unittest
import uuid

import harness

POLL_TIMEOUT = 30.0
WIDTH, HEIGHT = 100, 30
TERM = "tmux-256color" if subprocess.run(["infocmp", "tmux-256color"], capture_output=True).returncode == 0 \
    else "screen-256color"


def display_width(text):
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


class Pane:
    """One tmux server (private socket) running the program in a wrapper script that
    reports the exit status and the terminal modes after the program ends."""

    def __init__(self, testcase, args, env, width=WIDTH, height=HEIGHT):
        self.tc = testcase
        self.dir = tempfile.mkdtemp(prefix="bcm-tmux-")
        self.socket = os.path.join(self.dir, "tmux.sock")
        self.name = "w" + uuid.uuid4().hex[:8]
        script = os.path.join(self.dir, "run.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n")
            for key, value in env.items():
                f.write("export %s='%s'\n" % (key, str(value).replace("'", "'\\''")))
            # The terminal description tmux itself advertises, so its key sequences match.
            f.write("export TERM=%s\n" % TERM)
            cmd = " ".join("'%s'" % str(a).replace("'", "'\\''") for a in [harness.program(), *args])
            f.write("%s 2>%s/stderr.txt\n" % (cmd, self.dir))
            f.write("rc=$?\n")
            f.write("echo \"__EXIT__ $rc\"\n")
            f.write("stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '\n")
            f.write("echo \"__STTY__\"\n")
            f.write("sleep 600\n")
        os.chmod(script, 0o700)
        self._tmux("new-session", "-d", "-x", str(width), "-y", str(height), "-s", self.name, script)

    def _tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True,
                              errors="replace", check=check, timeout=10)

    def close(self):
        self._tmux("kill-server", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", self.name]
        if escapes:
            args.insert(1, "-e")
        return self._tmux(*args).stdout

    def stderr(self):
        try:
            with open(os.path.join(self.dir, "stderr.txt"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def keys(self, *keys):
        self._tmux("send-keys", "-t", self.name, *keys)

    def type(self, text):
        self._tmux("send-keys", "-t", self.name, "-l", text)

    def paste(self, text):
        path = os.path.join(self.dir, "paste.txt")
        with open(path, "w") as f:
            f.write(text)
        self._tmux("load-buffer", "-b", "p", path)
        self._tmux("paste-buffer", "-p", "-b", "p", "-t", self.name)

    def resize(self, width, height):
        self._tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height))

    def option(self, fmt):
        return self._tmux("display-message", "-p", "-t", self.name, fmt).stdout.strip()

    def program_pid(self):
        """The program's pid: the only child of the wrapper script running in the pane."""
        shell = self.option("#{pane_pid}")
        deadline = time.monotonic() + POLL_TIMEOUT
        while time.monotonic() < deadline:
            out = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
            if out:
                return int(out[0])
            time.sleep(0.05)
        self.tc.fail("the program is not running in the pane")

    def wait_for(self, pattern, timeout=POLL_TIMEOUT):
        """Polls the screen until the regex (or predicate on the screen) matches; returns
        the screen."""
        check = pattern if callable(pattern) else (lambda s: re.search(pattern, s))
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            if "__STTY__" in screen:
                break
            time.sleep(0.05)
        self.tc.fail("timed out waiting for %r; screen:\n%s\nstderr:\n%s" % (pattern, screen, self.stderr()[-3000:]))


@unittest.skipUnless(shutil.which("tmux"), "tmux is not installed")
class WizardTest(harness.EmulatorTestCase):
    seed_args = {"bots": 14, "failing": 0, "empty_bots": 2, "conversations": 20}

    # A second hostile title, written over one ordinary bot: bidi overrides and isolates,
    # an OSC 52 clipboard write, a C1 CSI and a lone ESC sequence.
    HOSTILE_BIDI = ("\u202eevil\u202c Bidi \u2066iso\u2069 \x1b]52;c;SGVsbG8=\x07osc "
                    "\u009b31mC1 \x1bcend")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        plain = [b for b in cls.dep.bots if b["title"] and b["title"].isascii()
                 and b["title"].isprintable() and "Customer" not in b["title"]]
        bot = plain[-1] if plain else cls.dep.bots[-1]
        cls.emu.client("dynamodb").update_item(
            TableName=cls.dep.table, Key={"PK": {"S": bot["pk"]}, "SK": {"S": bot["sk"]}},
            UpdateExpression="SET Title = :t", ExpressionAttributeValues={":t": {"S": cls.HOSTILE_BIDI}})

    def setUp(self):
        if not os.path.exists(harness.program()):
            self.fail("program not built: %s" % harness.program())
        self.panes = []
        self.state_dir = tempfile.mkdtemp(prefix="bcm-state-")

    def tearDown(self):
        for pane in self.panes:
            pane.close()
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def start(self, *args, **env_overrides):
        env = self.emu.env(XDG_STATE_HOME=self.state_dir, **env_overrides)
        pane = Pane(self, list(args), env)
        self.panes.append(pane)
        return pane

    def quit(self, pane):
        pane.keys("q")
        pane.wait_for(r"< Quit >|< 終了 >")
        pane.keys("y")
        screen = pane.wait_for(r"__STTY__")
        self.assertIsNone(harness.sanitizer_report(
            subprocess.CompletedProcess([], 0, "", pane.stderr())), pane.stderr())
        return screen

    def tasks_launched(self):
        ecs = self.emu.client("ecs")
        return ecs.list_tasks(cluster=self.dep.cluster, desiredStatus="RUNNING")["taskArns"] + \
            ecs.list_tasks(cluster=self.dep.cluster, desiredStatus="STOPPED")["taskArns"]

    def to_bots(self, pane):
        pane.wait_for(r"How do you want to migrate|移行方法")
        pane.keys("Enter")
        pane.wait_for(self.emu_account_pattern())
        pane.keys("Enter")
        pane.wait_for(r"Every required check passed|必要な確認はすべて成功")
        pane.keys("Enter")
        return pane.wait_for(r"bots selected|件のボットを選択")

    def emu_account_pattern(self):
        return r"(Account|アカウント)\s+\d{12}"

    def test_copy_way_changes_the_steps(self):
        """The welcome's second way is the snapshot copy, done in the wizard: choosing it puts
        the copy steps after the bots in the breadcrumb (no Cost, Run, Summary) and launches
        nothing; going back and choosing the first way puts them back. (The copy itself:
        test_wizard_copy.py.)"""
        pane = self.start()
        screen = pane.wait_for(r"How do you want to migrate")
        self.assertIn("Copy the old vectors from the v0 snapshot", screen)
        self.assertIn("6 Run", screen.split("\n", 1)[0])
        pane.keys("Down")
        screen = pane.wait_for("the copy step lists the snapshots")
        pane.keys("Enter")
        screen = pane.wait_for(self.emu_account_pattern())
        top = screen.split("\n", 1)[0]
        self.assertIn("5 Copy", top)
        self.assertNotIn("Run", top)
        pane.keys("Escape")
        pane.wait_for(r"How do you want to migrate")
        pane.keys("Up")
        pane.keys("Enter")
        screen = pane.wait_for(self.emu_account_pattern())
        self.assertIn("5 Cost", screen.split("\n", 1)[0])
        self.assertEqual(self.tasks_launched(), [])

    def test_steps_one_to_five_and_back(self):
        pane = self.start()
        screen = pane.wait_for(r"1 Welcome")
        self.assertIn("Re-embed", screen)
        self.assertIn("2 Identity", screen)
        pane.keys("Enter")
        screen = pane.wait_for(self.emu_account_pattern())
        self.assertIn(self.emu.region, screen)
        self.assertIn("AWS_REGION", screen)            # where the region came from
        pane.keys("Enter")
        screen = pane.wait_for(r"Every required check passed")
        self.assertIn("CloudFormation stack " + self.dep.stack_name, screen)
        self.assertIn("✓", screen)
        pane.keys("Enter")
        screen = pane.wait_for(r"\d+ of \d+ bots selected")
        self.assertIn("社内規程Q&Aボット", screen)
        # Space deselects the row under the cursor: the count drops by one.
        before = int(re.search(r"(\d+) of \d+ bots selected", screen).group(1))
        pane.keys("Space")
        pane.wait_for(r"%d of \d+ bots selected" % (before - 1))
        pane.keys("a")
        pane.wait_for(r"%d of \d+ bots selected" % before)
        # n selects none; Enter then refuses to go on.
        pane.keys("n")
        pane.wait_for(r"0 of \d+ bots selected")
        pane.keys("Enter")
        pane.wait_for(r"Select at least one bot")
        pane.keys("a")
        pane.wait_for(r"%d of \d+ bots selected" % before)
        pane.keys("Enter")
        screen = pane.wait_for(r"Cost preview for %d bots" % before)
        conc = int(re.search(r"Concurrency: (\d+)", screen).group(1))
        pane.keys("NPage")                         # the lower part scrolls to the assumptions
        pane.wait_for(r"Assumptions")
        pane.keys("End")
        pane.wait_for(r"tasks run %d at a time" % conc)
        # Concurrency + and -: the totals and the assumption follow.
        pane.keys("+")
        pane.wait_for(r"Concurrency: %d(.*\n)+.*tasks run %d at a time \(chosen in the wizard\)"
                      % (conc + 1, conc + 1))
        pane.keys("Home")
        pane.keys("-")
        pane.wait_for(r"Concurrency: %d" % conc)
        # Prices: e edits them in place; bad numbers are refused with a reason, Esc keeps
        # the old ones, a valid price recomputes the totals and says it was edited.
        fargate = re.search(r"Fargate tasks\s+(\S+)", screen).group(1)
        self.assertIn("$0.05056/vCPU-h", screen)  # ap-northeast-1's built-in price
        pane.keys("e")
        pane.wait_for(r"Fargate, per vCPU-hour\s+\$ 0\.05056")
        pane.keys("C-u")
        pane.type("1..2")
        pane.keys("Enter")
        pane.wait_for(r'"1\.\.2" is not a number')
        pane.keys("C-u")
        pane.type("500")
        pane.keys("Enter")
        pane.wait_for(r"\$500 is more than \$100")
        pane.keys("Escape")
        screen = pane.wait_for(r"Tab go to Launch")
        self.assertIn("$0.05056/vCPU-h", screen)
        self.assertEqual(re.search(r"Fargate tasks\s+(\S+)", screen).group(1), fargate)
        pane.keys("e")
        pane.wait_for(r"Fargate, per vCPU-hour")
        pane.keys("C-u")
        pane.type("0.5")
        pane.keys("Down")
        pane.keys("C-u")
        pane.type("0.00553")                      # unchanged: not counted as an edit
        pane.keys("Enter")
        screen = pane.wait_for(r"\$0\.5/vCPU-h")
        self.assertIn("edited", screen)
        edited = re.search(r"Fargate tasks\s+\$([\d.]+)(?:–\$([\d.]+))?", screen)
        old = re.search(r"\$([\d.]+)(?:–\$([\d.]+))?", fargate)
        self.assertGreater(float(edited.group(2) or edited.group(1)),
                           float(old.group(2) or old.group(1)) * 5, screen)
        # Enter alone never launches; Tab + a wrong number does not either.
        pane.keys("Enter")
        pane.wait_for(r"Enter alone never launches|To launch, press Tab")
        pane.keys("Tab")
        pane.wait_for(r"Type %d \(the number of bots\)" % before)
        pane.type(str(before + 1))
        pane.keys("Enter")
        pane.wait_for(r"That is not %d" % before)
        self.assertEqual(self.tasks_launched(), [])
        # Esc leaves the button, Esc again goes back to the bots.
        pane.keys("Escape")
        pane.wait_for(r"Press Tab to focus Launch")
        pane.keys("Escape")
        pane.wait_for(r"bots selected")
        screen = self.quit(pane)
        self.assertIn("__EXIT__ 0", screen)
        self.assertEqual(self.tasks_launched(), [])

    def assert_frame(self, screen, crumb, back=True, nxt=True):
        """The title bar names the current step and carries the DEMO badge; the key bar
        offers Back (steps 2–5) and Next (Enter, or Tab to Launch on the cost step)."""
        lines = screen.rstrip("\n").splitlines()
        self.assertIn(crumb, lines[0], screen)
        self.assertIn("DEMO", lines[0], screen)
        keybar = lines[-1]
        if back:
            self.assertIn("Esc back", keybar, screen)
        if nxt:
            self.assertRegex(keybar, r"Enter next|Tab go to Launch", screen)

    def test_twenty_enters_launch_nothing(self):
        pane = self.start("--demo", BCM_DEMO_ACTIVE="1")
        screen = pane.wait_for(r"1 Welcome")
        self.assert_frame(screen, "1 Welcome", back=False)
        expected = [(self.emu_account_pattern(), "2 Identity"),
                    (r"Every required check passed", "3 Outputs"),
                    (r"bots selected", "4 Bots"), (r"Cost preview", "5 Cost")]
        for i in range(20):
            pane.keys("Enter")
            if i < len(expected):
                self.assert_frame(pane.wait_for(expected[i][0]), expected[i][1])
        pane.wait_for(r"To launch, press Tab")
        screen = pane.screen()
        self.assertIn("Cost preview", screen)
        self.assert_frame(screen, "5 Cost")     # still on the cost step
        self.assertEqual(self.tasks_launched(), [])
        self.quit(pane)
        self.assertEqual(self.tasks_launched(), [])

    def test_japanese_titles_aligned(self):
        pane = self.start()
        screen = self.to_bots(pane)
        # Every table row ends with the right-aligned estimate at the same display column,
        # whatever the title's script (CJK, halfwidth/fullwidth, combining marks, RTL, emoji
        # with a ZWJ sequence and a flag: the joiner is dropped so every terminal agrees).
        rows = [l for l in screen.splitlines()
                if re.search(r"\d+f \d+u \d+s", l) and "│" not in l]
        self.assertGreaterEqual(len(rows), 5, screen)
        widths = {display_width(l.rstrip()) for l in rows}
        self.assertEqual(len(widths), 1, "rows end at different columns:\n" + "\n".join(rows))
        self.assertTrue(any("社内規程" in l for l in rows), screen)
        self.assertTrue(any("ｶﾀｶﾅ半角" in l for l in rows), screen)
        emoji = [l for l in rows if "Support bot" in l]
        self.assertEqual(len(emoji), 1, screen)
        self.assertIn("👩💻🇯🇵", emoji[0])
        self.assertNotIn("\u200d", screen)
        self.quit(pane)

    def filter_rows(self, pane, text):
        """Filters the bots table (/) and returns the screen once a row matches."""
        pane.keys("/")
        pane.type(text)
        pane.keys("Enter")
        return pane.wait_for(r"(?m)^ [✓ ] .*%s" % re.escape(text))

    def assert_only_our_escapes(self, escaped):
        """Every escape sequence in `capture-pane -e` is an SGR (ours: colours and
        attributes); no C1 control and no bidi control reached the terminal."""
        others = re.sub(r"\x1b\[[0-9;:]*m", "", escaped)
        self.assertNotIn("\x1b", others, repr(others[:2000]))
        self.assertIsNone(re.search(r"[\x80-\x9f\x07\x00\x7f]", escaped), repr(escaped[:2000]))
        self.assertIsNone(re.search("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]", escaped),
                          repr(escaped[:2000]))

    def test_hostile_title_is_inert(self):
        pane = self.start()
        self.to_bots(pane)
        # Bot 4's title holds ESC [31m, BEL, CR LF, TAB, NUL and DEL: the sequences are dropped
        # whole, BEL shows as U+FFFD, CR LF and TAB as spaces.
        screen = self.filter_rows(pane, "BadTitle")
        row = next(l for l in screen.splitlines() if "BadTitle" in l)
        self.assertRegex(row, "BadTitle\ufffd? with  control chars")
        escaped = pane.screen(escapes=True)
        hostile = next(l for l in escaped.splitlines() if "Bad" in l and "with" in l)
        self.assertIn("BadTitle", hostile)     # not even our own SGR between the halves
        self.assert_only_our_escapes(escaped)
        pane.keys("Escape")                    # clears the filter
        pane.wait_for(r"(?m)^ [✓ ] 社内規程")
        # The second one: bidi overrides/isolates, OSC 52, C1 CSI, ESC c.
        screen = self.filter_rows(pane, "Bidi")
        row = next(l for l in screen.splitlines() if "Bidi" in l)
        self.assertIn("evil Bidi iso osc C1 end", row)
        self.assert_only_our_escapes(pane.screen(escapes=True))
        pane.keys("Escape")
        pane.wait_for(r"\d+ of \d+ bots selected")
        self.quit(pane)

    def resize_round_trip(self, pane, step_text):
        """80×24 still shows the step (with its key bar), 60×20 only the too-small message,
        100×30 the step again."""
        def redrawn(width, height):
            # The whole frame at the new size: title bar cut to the width, key bar last.
            def check(screen):
                lines = screen.rstrip("\n").split("\n")
                return (len(lines) == height and re.search(step_text, screen)
                        and re.search(r"F1 help|q quit|Esc cancel", lines[-1])
                        and "bedrock-chat-migrate" in lines[0]
                        and display_width(lines[0].rstrip()) <= width)
            return check
        pane.resize(80, 24)
        pane.wait_for(redrawn(80, 24))
        pane.resize(60, 20)
        pane.wait_for(r"terminal too small: need 80×24, have 60×20")
        pane.resize(WIDTH, HEIGHT)
        screen = pane.wait_for(redrawn(WIDTH, HEIGHT))
        self.assertNotIn("too small", screen)
        return screen

    def test_resize_at_every_step(self):
        pane = self.start()
        pane.wait_for(r"1 Welcome")
        self.resize_round_trip(pane, r"How do you want to migrate")
        pane.keys("Enter")
        pane.wait_for(self.emu_account_pattern())
        self.resize_round_trip(pane, self.emu_account_pattern())
        pane.keys("Enter")
        self.resize_round_trip(pane, r"Every required check passed")
        pane.keys("Enter")
        pane.wait_for(r"bots selected")
        self.resize_round_trip(pane, r"\d+ of \d+ bots selected")
        pane.keys("Enter")
        pane.wait_for(r"Cost preview")
        # With a modal up (the price editor) too.
        pane.keys("e")
        self.resize_round_trip(pane, r"Fargate, per vCPU-hour")
        pane.keys("Escape")
        self.resize_round_trip(pane, r"Cost preview.*\n(.*\n)*.*Press Tab to focus Launch")
        # Too small, q quits as the message says (no room for a confirm; nothing launched).
        pane.resize(60, 20)
        pane.wait_for(r"\(q quits\)")
        pane.keys("q")
        screen = pane.wait_for(r"__STTY__")
        self.assertIn("__EXIT__ 0", screen)
        self.assert_terminal_restored(pane, screen)
        self.assertEqual(self.tasks_launched(), [])

    def test_no_color(self):
        colour = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]")
        pane = self.start()
        pane.wait_for(r"How do you want to migrate")
        self.assertRegex(pane.screen(escapes=True), colour)   # the palette, normally
        self.quit(pane)
        for args, env in (((), {"NO_COLOR": "1"}), (("--no-color",), {})):
            pane = self.start(*args, **env)
            pane.wait_for(r"How do you want to migrate")
            escaped = pane.screen(escapes=True)
            self.assertIsNone(colour.search(escaped), (args, env, repr(escaped[:1500])))
            self.assertRegex(escaped, r"\x1b\[[0-9;]*7[0-9;]*m")  # reverse video marks focus
            self.quit(pane)

    def assert_terminal_restored(self, pane, screen):
        stty = re.search(r"((?:-?\w+ )+)__STTY__", screen)
        self.assertIsNotNone(stty, screen)
        self.assertIn("icanon", stty.group(1).split())
        self.assertIn("echo", stty.group(1).split())
        self.assertEqual(pane.option("#{alternate_on}"), "0")
        self.assertEqual(pane.option("#{cursor_flag}"), "1")
        self.assertNotIn("\x1b[?2004h", pane.screen(escapes=True))

    def test_signals_restore_terminal(self):
        # SIGTERM: a clean exit through the loop; a crash (SIGABRT): the fatal handler.
        for sig, code in ((signal.SIGTERM, 0), (signal.SIGABRT, 128 + signal.SIGABRT)):
            pane = self.start()
            pane.wait_for(r"1 Welcome")
            pane.keys("Enter")
            pane.wait_for(self.emu_account_pattern())
            self.assertEqual(pane.option("#{alternate_on}"), "1")
            self.assertEqual(pane.option("#{cursor_flag}"), "0")
            os.kill(pane.program_pid(), sig)
            screen = pane.wait_for(r"__STTY__")
            self.assertIn("__EXIT__ %d" % code, screen)
            self.assert_terminal_restored(pane, screen)
            self.assertIsNone(harness.sanitizer_report(
                subprocess.CompletedProcess([], 0, "", pane.stderr())), pane.stderr())

    def test_paste_outputs(self):
        pane = self.start("--stack", "NoSuchStack")
        pane.wait_for(r"1 Welcome")
        pane.keys("Enter")
        pane.wait_for(self.emu_account_pattern())
        pane.keys("Enter")
        pane.wait_for(r"could not be resolved|Every required check passed")
        pane.keys("p")
        pane.wait_for(r"Paste the stack's outputs")
        text = "\n".join("%s=%s" % (k, v) for k, v in self.dep.outputs.items()) + "\n"
        pane.paste(text)
        # Pasted newlines did not act as Enter: still in the box, every line there.
        screen = pane.wait_for(r"%d lines" % (len(self.dep.outputs) + 1))
        self.assertIn("Ctrl-D", screen)
        pane.keys("C-d")
        screen = pane.wait_for(r"Every required check passed")
        self.assertIn("paste", screen)
        pane.keys("Enter")
        pane.wait_for(r"bots selected")
        self.quit(pane)

    def test_japanese_ui_and_quit_restores_terminal(self):
        pane = self.start("--lang", "ja", "--demo", BCM_DEMO_ACTIVE="1")
        screen = pane.wait_for(r"1 はじめに")
        self.assertIn("移行方法", screen)
        # At 80 columns the long Japanese DEMO badge gives way to a short one, so the
        # current step still shows in the title bar.
        pane.resize(80, 24)
        top = pane.wait_for(lambda s: "デモ（エミュレータ）" in s.split("\n", 1)[0]).split("\n", 1)[0]
        self.assertIn("1 はじめに", top)
        pane.resize(120, HEIGHT)
        top = pane.wait_for(lambda s: "実際のAWSではありません" in s.split("\n", 1)[0]).split("\n", 1)[0]
        self.assertIn("1 はじめに › 2 認証情報", top)
        self.assertEqual(pane.option("#{alternate_on}"), "1")
        pane.keys("q")
        pane.wait_for(r"< 終了 >")
        pane.keys("Escape")         # Esc answers no: still running
        pane.wait_for(r"移行方法")
        screen = self.quit(pane)
        self.assertIn("__EXIT__ 0", screen)
        stty = re.search(r"((?:-?\w+ )+)__STTY__", screen)
        self.assertIsNotNone(stty, screen)
        self.assertIn("icanon", stty.group(1).split())
        self.assertIn("echo", stty.group(1).split())
        self.assertEqual(pane.option("#{alternate_on}"), "0")

    # Words the program writes itself read as English when two or more lowercase-bearing
    # English words follow each other ("from the task definition"); names, ids and units
    # (the messages' text parameters, AWS ids, "vCPU", "GB") are not sentences.
    ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,})+")

    def message_texts(self, node, out):
        """Every text parameter of the {id, params} messages in a --json document."""
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("params") and isinstance(value, dict):
                    for v in value.values():
                        if isinstance(v, str):
                            out.add(v)
                self.message_texts(value, out)
        elif isinstance(node, list):
            for v in node:
                self.message_texts(v, out)
        return out

    def assert_no_engine_english(self, screen, names, where):
        for line in screen.splitlines()[1:-1]:        # the title and key bars are not the engine's
            if re.search(r"\$[\d.]+(?:–\$[\d.]+)?\s+\d+[hms] ", line):
                continue                               # a per-bot row: the bot's title is a name
            for name in sorted(names, key=len, reverse=True):
                line = line.replace(name, " ")
            for run in self.ENGLISH_RUN.findall(line):
                if any(w.islower() for w in run.split()):
                    self.fail("English from the engine on the %s step: %r in\n%s" % (where, run, screen))

    def test_japanese_outputs_and_cost_are_japanese(self):
        env = self.emu.env(XDG_STATE_HOME=self.state_dir)
        names = set()
        for args in (["outputs", "--json"], ["plan", "--json"]):
            done = harness.run_program(args, env)
            self.assertIn(done.returncode, (0, 1), done.stderr)
            self.message_texts(json.loads(done.stdout), names)
        self.assertIn(self.dep.stack_name, names)
        pane = self.start("--lang", "ja")
        pane.wait_for(r"移行方法")
        pane.keys("Enter")
        pane.wait_for(self.emu_account_pattern())
        pane.keys("Enter")
        screen = pane.wait_for(r"必要な確認はすべて成功")
        self.assertIn("CloudFormation スタック " + self.dep.stack_name, screen)
        self.assertIn("スタックのバージョン", screen)
        self.assert_no_engine_english(screen, names, "outputs")
        pane.keys("Enter")
        pane.wait_for(r"件のボットを選択")
        pane.keys("Enter")
        # The whole cost step drawn (the bots step's detail box gone, the launch row there).
        screen = pane.wait_for(lambda s: "件のボットの費用見積" in s and "< 起動 >" in s
                               and "ボット詳細" not in s)
        self.assertIn("組み込み価格表", screen)
        self.assert_no_engine_english(screen, names, "cost")
        # Page through the lower part to its end: every assumption and price note.
        seen = set()
        for _ in range(20):
            pane.keys("NPage")
            screen = pane.wait_for(lambda s: True)
            self.assert_no_engine_english(screen, names, "cost")
            seen.update(screen.splitlines())
            if any("公開価格が見つからない" in l for l in seen):
                break
        text = "\n".join(seen)
        self.assertIn("• 同時実行数の上限", text)     # assumptions, in Japanese
        self.assertIn("タスクは同時に", text)
        self.assertIn("公開価格が見つからない", text)
        self.quit(pane)


if __name__ == "__main__":
    unittest.main()
