"""kill -9 at random (seeded, repeatable) moments of a run, then resume: zero duplicate
tasks, zero lost bots. And a journal cut at every byte offset of its last record still
loads (`status --json` answers, counting the torn line as damaged).

Seeds 0..SEEDS-1 each kill one run during the launch phase (after a random number of
launch records plus a random delay) and SEEDS more during the follow phase (every task
launched, then a random delay). Three seeds run side by side against one emulator, each
on a deployment of its own (stack, table, cluster, simulator): two runs over the same
bots at once would overwrite each other's LastExecId, and the program rightly reads a
task whose item names another task as one that "stopped without writing a SyncStatus
for itself". Duplicates are counted per run in the simulator's record and in ECS
ListTasks(startedBy). test_resume.py covers the hand-picked moments (between RunTask and
its record, Ctrl-C, detach).
"""
import json
import os
import random
import signal
import subprocess
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import SANITIZER_ENV, program, run_program, sanitizer_report
from run_helpers import read_journal, wait_until, RunTestCase
from seed import seed_deployment
from simulator import Simulator

SEEDS = int(os.environ.get("BCM_CRASH_SEEDS", "20"))   # per phase
WORKERS = 3


def count(records, kind):
    return sum(1 for r in records if r.get("type") == kind)


class Lane:
    """One worker's deployment and simulator: its seeds run one after another on it."""

    def __init__(self, dep, sim):
        self.dep = dep
        self.sim = sim

    def selected_sks(self):
        return {b["sk"] for b in self.dep.bots if b["expected"] in ("succeeded", "failed")}


class CrashAndResume(RunTestCase):
    seed_args = {"bots": 6, "failing": 1, "empty_bots": 1, "conversations": 3, "suffix": "crash"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The class's deployment is the first lane's; the other lanes get stacks of their own.
        try:
            cls.lane_deps = [cls.dep] + [
                seed_deployment(cls.emu, **dict(cls.seed_args, stack_name=f"BedrockChatStack{w}",
                                                     suffix=f"crash{w}"))
                for w in range(1, WORKERS)]
        except BaseException:
            super().tearDownClass()
            raise

    def start_lanes(self, duration):
        lanes = []
        for dep in self.lane_deps:
            sim = Simulator(self.emu, dep, duration=duration, fail_bot_ids=dep.bot_ids(expected="failed"))
            self.addCleanup(sim.stop, False)
            lanes.append(Lane(dep, sim.start()))
        return lanes

    def started_by_of(self, journal):
        for rec in read_journal(journal):
            if rec.get("type") == "run":
                return rec["started_by"]
        return None

    def check_run(self, lane, journal, label):
        """Problems with the run in journal: duplicates, lost bots, states that are not
        final or not what the bot's own task wrote."""
        problems = []
        started_by = self.started_by_of(journal)
        if not started_by:
            return [f"{label}: no run record"]
        selected = lane.selected_sks()
        per_bot = {}
        for sk, recs in list(lane.sim.tasks_by_bot.items()):
            n = sum(1 for r in recs if r.started_by == started_by)
            if n:
                per_bot[sk] = n
        dup = {sk: n for sk, n in per_bot.items() if n > 1}
        lost = selected - set(per_bot)
        extra = set(per_bot) - selected
        if dup:
            problems.append(f"{label}: duplicates {dup}")
        outcomes = sorted(f"{r.bot_id}:{r.outcome}:{r.keys_from or 'no keys'}"
                          for recs in list(lane.sim.tasks_by_bot.values()) for r in recs
                          if r.started_by == started_by)
        if lost:
            problems.append(f"{label}: bots never launched {sorted(lost)}")
        if extra:
            problems.append(f"{label}: unselected bots launched {sorted(extra)}")
        ecs = self.emu.client("ecs")
        arns = []
        for status in ("RUNNING", "STOPPED"):
            arns += ecs.list_tasks(cluster=lane.dep.cluster, startedBy=started_by,
                                   desiredStatus=status)["taskArns"]
        if len(arns) != len(selected):
            problems.append(f"{label}: ECS lists {len(arns)} tasks for {started_by}, expected {len(selected)}")
        st = run_program(["status", "--json", "--journal", journal], self.env(), timeout=180)
        if sanitizer_report(st):
            problems.append(f"{label}: sanitizer report from status:\n{sanitizer_report(st)}")
        else:
            doc = json.loads(st.stdout)
            states = {b["bot_id"]: b["state"] for b in doc["bots"]}
            unfinished = {b: s for b, s in states.items() if s not in ("succeeded", "failed")}
            if unfinished or len(states) != len(selected):
                problems.append(f"{label}: journal not final: {unfinished}, {len(states)} bots")
            expected = {b["bot_id"]: b["expected"] for b in lane.dep.bots if b["sk"] in selected}
            wrong = {b: f"{s}, expected {expected.get(b)}" for b, s in states.items()
                     if s in ("succeeded", "failed") and s != expected.get(b)}
            if wrong:
                problems.append(f"{label}: judged otherwise than their tasks ended: {wrong}")
        if problems:
            problems.append(f"{label}: the simulator's tasks of this run: {outcomes}")
        return problems

    def crash_then_resume(self, lane, seed, phase):
        rng = random.Random(f"{phase}-{seed}")
        journal = os.path.join(self.tmp, f"{phase}-{seed}.jsonl")
        env = self.env()
        for k, v in SANITIZER_ENV.items():
            env.setdefault(k, v)
        stack = ["--stack", lane.dep.stack_name]
        p = subprocess.Popen([program(), "run", "--yes", "--scan-table", "--concurrency", "2", *stack,
                              "--journal", journal], env={k: str(v) for k, v in env.items()},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        total = len(lane.selected_sks())
        if phase == "launch":
            records = rng.randint(0, 2 * total - 1)     # intent/launched records before the kill
            wait_until(lambda: p.poll() is not None or
                       count(read_journal(journal), "intent") + count(read_journal(journal), "launched")
                       >= records, 60, f"{records} launch records")
        else:
            wait_until(lambda: p.poll() is not None or count(read_journal(journal), "launched") >= total,
                       60, "every bot launched")
        delay = rng.uniform(0.0, 0.4 if phase == "launch" else 1.2)
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            pass
        killed = p.poll() is None
        p.send_signal(signal.SIGKILL) if killed else None
        p.communicate(timeout=30)
        wait_until(lambda: self.proxy.in_flight() == 0, 30, "proxy idle")
        # Killed before the run record reached the journal: there is nothing to resume, and
        # the second run is a fresh one (with the same selection).
        had_run = self.started_by_of(journal) is not None
        resumed = run_program(["run", "--yes", "--concurrency", 4, *stack, "--journal", journal]
                              + ([] if had_run else ["--scan-table"]), env, timeout=120)
        label = f"{phase} seed {seed}"
        problems = []
        if sanitizer_report(resumed):
            problems.append(f"{label}: sanitizer report:\n{sanitizer_report(resumed)}")
        elif resumed.returncode not in (0, 1):
            problems.append(f"{label}: resume exited {resumed.returncode}:\n{resumed.stderr[-1500:]}")
        elif had_run and "Resuming run" not in resumed.stdout:
            problems.append(f"{label}: the second run did not resume")
        found = self.check_run(lane, journal, label)
        if found:
            # What the resumed run said is what explains a lost or stuck bot.
            found.append(f"{label}: the resumed run exited {resumed.returncode}; its output:\n"
                         f"{resumed.stdout[-3000:]}\n{resumed.stderr[-3000:]}")
        problems += found
        return killed, problems

    def kill_at_random(self, phase):
        lanes = self.start_lanes(duration=(0.4, 0.9))

        def lane_seeds(w):
            return [self.crash_then_resume(lanes[w], s, phase) for s in range(w, SEEDS, WORKERS)]

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            outcomes = [o for per_lane in pool.map(lane_seeds, range(WORKERS)) for o in per_lane]
        killed = sum(1 for k, _ in outcomes if k)
        problems = [p for _, ps in outcomes for p in ps]
        self.assertEqual(problems, [], "\n".join(problems))
        # Most seeds must really have killed a live process, or the test proves nothing.
        self.assertGreaterEqual(killed, SEEDS * 3 // 4, f"only {killed} of {SEEDS} seeds killed a live run")
        print(f"\n  kill -9 during {phase}: {killed}/{SEEDS} seeds killed mid-run, 0 duplicates, 0 lost", end=" ")

    def test_kill9_during_launch(self):
        self.kill_at_random("launch")

    def test_kill9_during_follow(self):
        self.kill_at_random("follow")

    def test_journal_cut_at_every_offset_of_its_last_record_loads(self):
        self.start_simulator(duration=(1.0, 1.5))
        out = self.run_cli("run", "--yes", "--scan-table", "--detach", "--concurrency", 2)
        self.assert_clean_exit(out, 0)
        with open(self.journal, "rb") as f:
            data = f.read()
        body = data.rstrip(b"\n")
        start = body.rfind(b"\n") + 1          # the last record begins here
        offsets = list(range(start, len(data) + 1))
        env = self.env()

        def status_at(offset):
            path = os.path.join(self.tmp, f"cut-{offset}.jsonl")
            with open(path, "wb") as f:
                f.write(data[:offset])
            os.chmod(path, 0o600)
            st = run_program(["status", "--json", "--journal", path], env, timeout=180)
            os.unlink(path)
            if sanitizer_report(st):
                return f"offset {offset}: sanitizer report:\n{sanitizer_report(st)}"
            if st.returncode not in (0, 1):
                return f"offset {offset}: exit {st.returncode}: {st.stderr[-500:]}"
            doc = json.loads(st.stdout)
            torn = start < offset < len(body)
            if torn and doc.get("damaged_lines") != 1:
                return f"offset {offset}: damaged_lines {doc.get('damaged_lines')}, expected 1"
            if len(doc["bots"]) != len(self.selected_sks()):
                return f"offset {offset}: {len(doc['bots'])} bots"
            return None

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            problems = [p for p in pool.map(status_at, offsets) if p]
        self.assertEqual(problems, [], "\n".join(problems[:10]))
        print(f"\n  torn journal: {len(offsets)} offsets of a {len(data) - start}-byte last record", end=" ")


if __name__ == "__main__":
    unittest.main()
