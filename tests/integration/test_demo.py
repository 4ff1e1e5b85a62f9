"""`make demo`'s path, end to end in a real terminal: scripts/demo.sh starts the program
with --demo in a tmux pane (100x30); the program starts the seeded emulator and the
embedding simulator itself. The test walks the wizard to the launch, confirms, waits for
the run to finish with the demo's expected successes and failures, quits, and checks that
the exit status is 0 (the failures are the demo's design), the report the wizard names is
kept under the operator's state directory, the emulator processes are gone and the demo's
temporary files removed.

The demo's size comes from src/cli/demo.c (the arguments it gives demo_env.py) and
demo_env.py's defaults, so the expectations follow them. Every wait polls the screen."""
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import unittest

import harness

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLS, ROWS = 100, 30
EXITED = "BCM-DEMO-EXITED"
RUN_TIMEOUT = 240.0


def demo_shape():
    """(bots, failing, empty) as the program's demo seeds them."""
    with open(os.path.join(ROOT, "src", "cli", "demo.c"), encoding="utf-8") as f:
        demo_c = f.read()
    bots = int(re.search(r'"--bots", "(\d+)"', demo_c).group(1))
    failing = int(re.search(r'"--failing", "(\d+)"', demo_c).group(1))
    with open(os.path.join(os.path.dirname(__file__), "demo_env.py"), encoding="utf-8") as f:
        empty = int(re.search(r'"--empty-bots", type=int, default=(\d+)', f.read()).group(1))
    return bots, failing, empty


def processes_with_env(marker):
    """PIDs whose environment holds the assignment `marker` (our private TMPDIR)."""
    found = []
    needle = marker.encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if needle in env:
            found.append((int(pid), cmd))
    return found


@unittest.skipUnless(shutil.which("tmux"), "tmux is not installed")
class DemoTest(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(harness.program()):
            self.fail("program not built: %s" % harness.program())
        self.work = tempfile.mkdtemp(prefix="bcm-demo-test-")
        self.tmp = os.path.join(self.work, "tmp")       # the program's TMPDIR
        os.mkdir(self.tmp)
        self.marker = f"TMPDIR={self.tmp}"
        self.socket = os.path.join(self.work, "tmux.sock")
        self.rc_file = os.path.join(self.work, "rc")
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        self._tmux("kill-server", check=False)
        # Whatever the outcome, nothing of this demo may outlive the test.
        deadline = time.monotonic() + 10
        while processes_with_env(self.marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid, _ in processes_with_env(self.marker):
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        shutil.rmtree(self.work, ignore_errors=True)

    def _tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True,
                              errors="replace", check=check, timeout=20)

    def start(self):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": self.work,
            "TMPDIR": self.tmp,
            "TERM": "tmux-256color" if subprocess.run(["infocmp", "tmux-256color"],
                                                      capture_output=True).returncode == 0
                    else "screen-256color",
            # Shorter embedding tasks when the program offers the knob (ignored otherwise).
            "BCM_DEMO_TASK_SECONDS": "1:4",
            **harness.SANITIZER_ENV,
        }
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items()))
        demo = os.path.join(ROOT, "scripts", "demo.sh")
        script = (f"env -i {assignments} {shlex.quote(demo)} {shlex.quote(harness.program())} "
                  f"2>{shlex.quote(self.work)}/stderr; echo $? > {shlex.quote(self.rc_file)}; "
                  f"echo {EXITED}; exec sleep 600")
        self._tmux("-f", "/dev/null", "new-session", "-d", "-x", str(COLS), "-y", str(ROWS),
                   "-s", "demo", "sh", "-c", script)

    def keys(self, *keys):
        self._tmux("send-keys", "-t", "demo", *keys)

    def screen(self):
        return self._tmux("capture-pane", "-p", "-t", "demo").stdout

    def stderr(self):
        try:
            with open(os.path.join(self.work, "stderr"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_for(self, what, timeout=60.0):
        check = what if callable(what) else (lambda s: what in s)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            if EXITED in screen:
                break
            time.sleep(0.1)
        self.fail(f"never showed {what!r} within {timeout}s; screen:\n{screen}\n"
                  f"stderr:\n{self.stderr()[-3000:]}")

    def test_make_demo_path_runs_to_the_expected_summary_and_cleans_up(self):
        bots, failing, empty = demo_shape()
        selected = bots - empty
        self.start()

        # 1 Welcome: the demo labels itself.
        self.wait_for("DEMO — local emulator, no real AWS", timeout=120)
        alive = processes_with_env(self.marker)
        self.assertTrue(any("demo_env.py" in cmd for _, cmd in alive), alive)
        self.assertTrue(any("moto" in cmd for _, cmd in alive), alive)
        demo_dirs = [d for d in os.listdir(self.tmp) if d.startswith("bcm-demo-")]
        self.assertEqual(len(demo_dirs), 1, os.listdir(self.tmp))
        self.keys("Enter")
        # 2 Identity: the emulator's account.
        self.wait_for("123456789012")
        self.keys("Enter")
        # 3 Outputs: discovered and checked.
        self.wait_for(lambda s: "EmbeddingCluster" in s and "✓" in s)
        self.keys("Enter")
        # 4 Bots: the seeded deployment, the demo's selection.
        # demo_env.py adds one Bedrock Knowledge Base bot: listed, never selected.
        self.wait_for(f"{selected} of {bots + 1} bots selected")
        self.keys("Enter")
        # 5 Cost: every bot at once keeps the run short; then the explicit launch.
        screen = self.wait_for("+/-")
        self.assertIn("DEMO", screen)
        for _ in range(selected):
            self.keys("+")
        self.wait_for(lambda s: any(int(n) >= selected for n in re.findall(r"Concurrency: (\d+) tasks", s)))
        self.keys("Tab")
        self.wait_for(f"Type {selected}")
        self.keys("y")
        # 6 Run → 7 Summary.
        screen = self.wait_for("bots done")
        self.assertIn("DEMO", screen)
        screen = self.wait_for("Report written", timeout=RUN_TIMEOUT)
        self.assertIn(f"{selected} bot(s): {selected - failing} succeeded, {failing} failed", screen)
        self.assertIn("DEMO", screen)

        self.keys("q")
        self.wait_for(EXITED, timeout=30)
        # The bots that fail, fail by design: the demo ran as designed, so `make demo`
        # ends with status 0 (the program itself said 1, "some bots failed").
        with open(self.rc_file) as f:
            self.assertEqual(f.read().strip(), "0", "the demo ran as designed: exit status 0")
        self.assertIn("made to fail", self.stderr())
        # The report the wizard names on leaving is kept, under the operator's state
        # directory (HOME here), not in the emulator's temporary directory.
        named = re.search(r"Run report: (\S+)", self.stderr())
        self.assertIsNotNone(named, self.stderr())
        report = named.group(1)
        state = os.path.join(self.work, ".local", "state", "bedrock-chat-migrate", "demo")
        self.assertTrue(report.startswith(state + os.sep), report)
        self.assertTrue(os.path.isfile(report), "the named report is gone: " + report)
        with open(report, encoding="utf-8") as f:
            self.assertIn("failed", f.read())
        self.assertIsNone(harness.sanitizer_report(
            subprocess.CompletedProcess([], 0, "", self.stderr())), self.stderr())

        # The emulator and the simulator stopped with the wizard, their files removed.
        deadline = time.monotonic() + 15
        while processes_with_env(self.marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(processes_with_env(self.marker), [], "demo processes left running")
        self.assertEqual(os.listdir(self.tmp), [], "demo files left behind")


if __name__ == "__main__":
    unittest.main()
