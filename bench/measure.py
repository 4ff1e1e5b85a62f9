"""Measuring tools for the benchmarks: a counting proxy, child-process resource use, and
the machine's description.

CountingProxy is the integration tests' FaultProxy with no fault rules: it forwards every
request unchanged (SigV4 still verifies at the emulator) and remembers each operation
with the time it arrived, so a benchmark can count requests per operation in any window
of time, for the program and the baseline alike, without either of them cooperating.
"""
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from fault_proxy import FaultProxy  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class CountingProxy(FaultProxy):
    def __init__(self, upstream_port, real_aws=None):
        super().__init__(upstream_port, real_aws=real_aws)
        # socketserver listens with a backlog of 5: a program that opens a hundred
        # connections at once would see SYNs dropped and retried a second later, and the
        # benchmark would measure the proxy. Listening again raises the backlog (Linux).
        self.server.socket.listen(1024)
        self.arrivals = []          # [(monotonic time, operation)]
        self._arrivals_lock = threading.Lock()

    def _operation(self, handler, body):   # noqa: D401 (hook of FaultProxy)
        operation = FaultProxy._operation(handler, body)
        if " " in operation:   # REST (S3): "GET /bucket" -> the method and the bucket
            operation = "S3 " + operation.split(" ", 1)[0]
        with self._arrivals_lock:
            self.arrivals.append((time.monotonic(), operation))
        return operation

    def mark(self):
        """A position in the arrivals, for counting what came after it."""
        with self._arrivals_lock:
            return len(self.arrivals)

    def counts_since(self, mark=0, until=None):
        """{operation: n} of the requests that arrived after `mark` (and before the mark
        `until`, if given)."""
        with self._arrivals_lock:
            window = self.arrivals[mark:until]
        counts = {}
        for _t, op in window:
            counts[op] = counts.get(op, 0) + 1
        return counts

    def times_since(self, operation, mark=0, until=None):
        with self._arrivals_lock:
            return [t for t, op in self.arrivals[mark:until] if op == operation]

    def arrivals_between(self, operations, mark=0, until=None):
        """[(time, operation)] of the given operations between two marks, in order."""
        with self._arrivals_lock:
            return [(t, op) for t, op in self.arrivals[mark:until] if op in operations]

    def forget_bodies(self):
        """The fault proxy keeps every request body for tests; benchmarks do not need them."""
        with self.lock:
            self.requests.clear()


def merge_counts(*dicts):
    total = {}
    for d in dicts:
        for k, v in d.items():
            total[k] = total.get(k, 0) + v
    return total


GNU_TIME = "/usr/bin/time"


class Measured:
    """One child process: its wall time, CPU time and peak RSS.

    A child forked from this (large) Python process starts with the parent's memory high
    water mark, which survives exec in ru_maxrss; GNU time, itself small, forks the
    program and reports the program's own peak. Without it, wait4's figure is kept and
    marked approximate."""

    live = set()   # started and not yet waited for: killed when the benchmark is stopped

    @classmethod
    def kill_all(cls):
        for m in list(cls.live):
            m.kill()

    def __init__(self, argv, env, timeout, stdout_path, stderr_path):
        self.argv = argv
        self.returncode = None
        self.wall = None
        self.cpu_user = self.cpu_system = None
        self.max_rss_kib = None
        self.rss_exact = os.access(GNU_TIME, os.X_OK)
        self.timed_out = False
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path
        self.time_path = stdout_path + ".time"
        self.timeout = timeout
        self._target = None
        self._out = open(stdout_path, "wb")
        self._err = open(stderr_path, "wb")
        if self.rss_exact:
            argv = [GNU_TIME, "-f", "%e %U %S %M", "-o", self.time_path, *argv]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=self._err, start_new_session=True)
        Measured.live.add(self)

    @property
    def pid(self):
        """The measured program's own pid (GNU time's child when wrapped)."""
        if not self.rss_exact:
            return self.proc.pid
        if self._target is None:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                        children = f.read().split()
                except OSError:
                    children = []
                if children:
                    self._target = int(children[0])
                    break
                time.sleep(0.01)
            else:
                raise RuntimeError(f"no child under {GNU_TIME} for {self.argv[0]}")
        return self._target

    def running(self):
        return self.proc.poll() is None

    def send_signal(self, sig):
        os.kill(self.pid, sig)

    def kill(self):
        try:
            os.killpg(self.proc.pid, 9)
        except ProcessLookupError:
            pass

    def cpu_now(self):
        """CPU seconds (user + system) the running program has used so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_now_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return None

    def wait(self):
        deadline = self.started + self.timeout
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.kill()
                pid, status, usage = os.wait4(self.proc.pid, 0)
                self.timed_out = True
                break
            time.sleep(0.01)
        Measured.live.discard(self)
        self.wall = time.monotonic() - self.started
        self.proc.returncode = self.returncode = os.waitstatus_to_exitcode(status)
        self.cpu_user, self.cpu_system = usage.ru_utime, usage.ru_stime
        self.max_rss_kib = usage.ru_maxrss
        self._out.close()
        self._err.close()
        if self.rss_exact:
            self._read_gnu_time()
        return self

    def _read_gnu_time(self):
        try:
            with open(self.time_path) as f:
                lines = f.read().splitlines()
        except OSError:
            lines = []
        if lines and lines[0].startswith("Command terminated by signal"):
            self.returncode = 128 + int(lines[0].rsplit(" ", 1)[1])
        elif lines and lines[0].startswith("Command exited with non-zero status"):
            lines = lines[1:]
        try:
            _elapsed, user, system, rss = lines[-1].split()
            self.cpu_user, self.cpu_system, self.max_rss_kib = float(user), float(system), int(rss)
        except (IndexError, ValueError):
            self.rss_exact = False

    def stdout(self):
        with open(self.stdout_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def json_lines(self):
        out = []
        for line in self.stdout().splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def summary(self):
        return {"wall_seconds": round(self.wall, 3), "cpu_seconds": round(self.cpu_user + self.cpu_system, 3),
                "peak_rss_mib": round(self.max_rss_kib / 1024, 1), "peak_rss_exact": self.rss_exact,
                "exit": self.returncode}


def machine_info(program):
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
            info["cpu_model"] = m.group(1).strip() if m else None
        with open("/proc/meminfo") as f:
            m = re.search(r"^MemTotal:\s*(\d+)", f.read(), re.M)
            info["memory_mib"] = int(m.group(1)) // 1024 if m else None
    except OSError:
        pass
    for module in ("moto", "boto3", "botocore"):
        try:
            info[f"{module}_version"] = __import__(module).__version__
        except ImportError:
            info[f"{module}_version"] = None
    try:
        info["program_version"] = subprocess.run([program, "--version"], capture_output=True, text=True,
                                                 timeout=10).stdout.strip()
    except OSError:
        info["program_version"] = None
    try:
        info["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                                            capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        pass
    return info
