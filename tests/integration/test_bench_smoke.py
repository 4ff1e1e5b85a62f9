"""`make bench` machinery in miniature: every section of bench/bench.py runs once against
its own emulator with tiny sizes (20 bots), so the benchmark keeps working as the program
changes. Numbers are not judged here (no timed assertions); shapes and counts are."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import harness

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BENCH = os.path.join(ROOT, "bench", "bench.py")


class BenchSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(harness.program()):
            raise unittest.SkipTest(f"program not built: {harness.program()}")
        cls.tmp = tempfile.mkdtemp(prefix="bcm-bench-smoke-")
        cls.output = os.path.join(cls.tmp, "results.json")
        cls.completed = subprocess.run(
            [sys.executable, BENCH, "--program", harness.program(), "--sanitizer-env",
             "--sizes", "20", "--items-per-bot", "5", "--plan-bots", "20", "--plan-items", "120",
             "--plan-items-full", "200",
             "--follow-tasks", "12", "--follow-seconds", "2", "--settle-seconds", "1",
             "--idle-seconds", "1", "--micro-seconds", "0.2", "--wizard-run-bots", "12",
             "--wizard-run-seconds", "1", "--real-aws-bots", "25", "--output", cls.output],
            capture_output=True, text=True, timeout=180)
        try:
            with open(cls.output, encoding="utf-8") as f:
                cls.results = json.load(f)
        except (OSError, ValueError):
            cls.results = None

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        if self.results is None:
            self.fail(f"bench.py wrote no results (exit {self.completed.returncode}):\n"
                      f"{self.completed.stderr[-4000:]}")

    def test_every_section_ran(self):
        self.assertEqual(self.results["errors"], {}, self.completed.stderr[-4000:])
        self.assertEqual(self.completed.returncode, 0, self.completed.stderr[-4000:])
        for section in ("launch", "real_aws", "plan", "follow", "wizard", "wizard_run", "micro", "machine",
                        "targets"):
            self.assertIn(section, self.results)
        self.assertIn("moto_version", self.results["machine"])
        self.assertIn("scan+launch", self.completed.stdout)

    def test_real_aws_launch_beside_the_guides_script(self):
        ra = self.results["real_aws"]
        for side in ("baseline", "ours"):
            self.assertEqual(ra[side]["launched"], 25, side)
            self.assertGreater(ra[side]["launch_seconds"], 0)
        self.assertIn("real_aws_launch_bound_ratio", self.results["targets"])
        self.assertIn("real-AWS proxy", self.completed.stdout)

    def test_launch_counts_requests_for_both_sides(self):
        row = self.results["launch"][0]
        baseline, ours = row["baseline"], row["ours"]
        self.assertEqual(baseline["bots_found"], 20)
        self.assertEqual(baseline["launched"], 20)   # one RunTask per bot, seen by the proxy
        self.assertGreaterEqual(baseline["by_operation"].get("Scan", 0), 1)
        self.assertEqual(ours["launched"], ours["bots_found"])
        self.assertGreater(ours["launched"], 0)
        self.assertEqual(ours["writes_to_table"], 0)
        self.assertEqual(ours["exit"], 0)
        self.assertGreater(row["wall_ratio"], 0)
        self.assertTrue(ours["peak_rss_mib"] > 0 and baseline["peak_rss_mib"] > 0)

    def test_plan_both_ways_and_the_guides_scan(self):
        plan = self.results["plan"]
        for way in ("index", "scan_table"):
            self.assertEqual(plan["ways"][way]["exit"], 0, plan["ways"][way])
            self.assertGreaterEqual(plan["ways"][way]["by_operation"].get("Scan", 0), 1)
        self.assertEqual(plan["baseline_scan"]["items_scanned"], plan["items"])
        # Topped up to the full size and planned through the index again.
        self.assertEqual(plan["full"]["items"], 200)
        self.assertEqual(plan["full"]["index"]["exit"], 0, plan["full"])
        self.assertEqual(plan["full"]["index"]["plan_output"]["totals"]["bots"],
                         plan["ways"]["index"]["plan_output"]["totals"]["bots"])
        self.assertNotIn("RunTask", plan["baseline_scan"]["by_operation"])

    def test_follow_polls_and_leaves_on_interrupt(self):
        follow = self.results["follow"]
        self.assertEqual(follow["exit_after_sigint"], 130)
        self.assertGreater(follow["tasks_running"], 0)
        self.assertNotIn("RunTask", follow["by_operation"])   # nothing launched while following
        self.assertGreaterEqual(follow["cpu_seconds"], 0)

    def test_wizard_run_redraw_is_counted(self):
        run = self.results["wizard_run"]
        self.assertGreater(run["bots"], 0)
        self.assertGreaterEqual(run["window_seconds"], 1)
        # The run dashboard animates its spinner: something reaches the terminal.
        self.assertGreater(run["frames"], 0)
        self.assertGreater(run["bytes_per_second"], 0)

    def test_wizard_and_micro(self):
        self.assertNotIn("error", self.results["wizard"])
        self.assertGreater(self.results["wizard"]["startup_seconds_to_first_screen"], 0)
        self.assertGreater(self.results["micro"]["sigv4_signatures_per_second"], 0)
        self.assertGreater(self.results["micro"]["json_parse_items_per_second"], 0)


def _descendants(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        return []
    out = []
    for k in kids:
        out += [k] + _descendants(k)
    return out


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class BenchInterruptTest(unittest.TestCase):
    def test_ctrl_c_stops_the_program_and_the_emulator(self):
        if not os.path.exists(harness.program()):
            self.skipTest(f"program not built: {harness.program()}")
        tmp = tempfile.mkdtemp(prefix="bcm-bench-int-")
        output = os.path.join(tmp, "results.json")
        proc = subprocess.Popen(
            [sys.executable, BENCH, "--program", harness.program(), "--sanitizer-env", "--only", "follow",
             "--follow-tasks", "6", "--follow-seconds", "600", "--settle-seconds", "0", "--output", output],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            # Wait until the measured program runs under the benchmark (GNU time, then it).
            deadline, children = time.monotonic() + 90, []
            program = os.path.basename(harness.program())[:15]
            while time.monotonic() < deadline:
                children = _descendants(proc.pid)
                names = []
                for c in children:
                    try:
                        with open(f"/proc/{c}/comm") as f:
                            names.append(f.read().strip())
                    except OSError:
                        pass
                if program in names and any(n.startswith("moto") or n.startswith("python") for n in names):
                    break
                time.sleep(0.2)
            else:
                self.fail("the benchmark never started the program")
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 130, err[-3000:])
            self.assertIn("interrupted", err)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(_alive(c) for c in children):
                time.sleep(0.1)
            self.assertEqual([c for c in children if _alive(c)], [], "processes left running")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
