"""The wizard's redraw while it follows a large run: frames per second and bytes per second
on its terminal, and its CPU time.

The wizard runs in a detached tmux server (a 100x30 pane), driven through its steps with
send-keys and read with capture-pane, as the integration tests drive it. tmux copies
everything the wizard writes to its pane into `pipe-pane`, here a small meter
(`python3 wizard_run_probe.py --meter FILE`) that stamps each chunk with its arrival
time. Frames are counted from those stamps: ncurses writes one screen update in a burst,
so chunks less than FRAME_GAP apart belong to one frame. That counts what reached the
terminal; it needs no help from the program.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

COLS, ROWS = 100, 30
FRAME_GAP = 0.008   # seconds of quiet between two frames
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _meter(path):
    """pipe-pane's command: '<monotonic time> <bytes>' per chunk read from standard input."""
    with open(path, "w", buffering=1) as out:
        while True:
            chunk = os.read(0, 65536)
            if not chunk:
                return
            out.write(f"{time.monotonic():.6f} {len(chunk)}\n")


def _chunks(path, t0, t1):
    stamps = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    t, n = float(parts[0]), int(parts[1])
                    if t0 <= t <= t1:
                        stamps.append((t, n))
    except OSError:
        pass
    return stamps


def _frames(stamps):
    frames, last = 0, None
    for t, _n in stamps:
        if last is None or t - last > FRAME_GAP:
            frames += 1
        last = t
    return frames


class _Tmux:
    def __init__(self, work):
        self.socket = os.path.join(work, "tmux.sock")

    def __call__(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True,
                              errors="replace", check=check, timeout=20)

    def screen(self):
        return self("capture-pane", "-p", "-t", "w").stdout

    def wait_for(self, what, timeout):
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self("capture-pane", "-p", "-t", "w", check=False).stdout
            if (what(screen) if callable(what) else what in screen):
                return screen
            time.sleep(0.1)
        raise RuntimeError(f"the wizard never showed {what if isinstance(what, str) else 'the expected screen'} "
                           f"within {timeout:.0f}s; screen:\n{screen}")


def _pid_in_pane(tmux, name):
    pane_pid = int(tmux("display-message", "-p", "-t", "w", "#{pane_pid}").stdout.strip())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for pid in [pane_pid] + _descendants(pane_pid):
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == name[:15]:
                        return pid
            except OSError:
                pass
        time.sleep(0.05)
    raise RuntimeError(f"no {name} process in the tmux pane")


def _descendants(pid):
    out = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        return out
    for k in kids:
        out += [k] + _descendants(k)
    return out


def _cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def measure(program, env, stack, concurrency, all_running, window_seconds, journal, timeout=1200):
    """Drives the wizard on `stack` to a run of every bot (--include-empty) at once, waits
    until all_running(n) says the n tasks run, then measures for window_seconds. Returns a dict; the wizard is ended with SIGTERM (tasks left running)."""
    work = tempfile.mkdtemp(prefix="bcm-wizard-run-")
    tmux = _Tmux(work)
    meter_log = os.path.join(work, "meter.log")
    result = {"terminal": f"{COLS}x{ROWS}"}
    try:
        term = "tmux-256color" if subprocess.run(["infocmp", "tmux-256color"],
                                                 capture_output=True).returncode == 0 else "screen-256color"
        env = dict(env, TERM=term, LANG="C.UTF-8")
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items()))
        argv = [program, "wizard", "--stack", stack, "--include-empty", "--concurrency", str(concurrency),
                "--journal", journal]
        script = f"env -i {assignments} {' '.join(shlex.quote(a) for a in argv)} 2>{shlex.quote(work)}/stderr; exec sleep 600"
        tmux("-f", "/dev/null", "new-session", "-d", "-x", str(COLS), "-y", str(ROWS), "-s", "w", "sh", "-c", script)
        tmux("pipe-pane", "-o", "-t", "w",
             f"exec {shlex.quote(sys.executable)} {shlex.quote(os.path.abspath(__file__))} --meter {shlex.quote(meter_log)}")
        tmux.wait_for(lambda s: "What this does" in s or "Welcome" in s, 60)
        pid = _pid_in_pane(tmux, os.path.basename(program))
        tmux("send-keys", "-t", "w", "Enter")
        tmux.wait_for(lambda s: re.search(r"\b\d{12}\b", s), 60)          # identity: the account
        tmux("send-keys", "-t", "w", "Enter")
        tmux.wait_for(lambda s: "EmbeddingCluster" in s and "✓" in s, 120)  # outputs checked
        tmux("send-keys", "-t", "w", "Enter")
        screen = tmux.wait_for(lambda s: re.search(r"(\d+) of \1 bots selected", s), 600)  # bots read
        selected = int(re.search(r"(\d+) of \1 bots selected", screen).group(1))
        result["bots"] = selected
        tmux("send-keys", "-t", "w", "Enter")
        tmux.wait_for(lambda s: any(int(n) >= selected for n in re.findall(r"Concurrency: (\d+) tasks", s)), 60)
        tmux("send-keys", "-t", "w", "Tab")
        tmux.wait_for(f"Type {selected}", 30)
        tmux("send-keys", "-t", "w", "y")
        t_launch = time.monotonic()
        deadline = t_launch + timeout
        while not all_running(selected):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the wizard's tasks were not all running within {timeout}s; screen:\n{tmux.screen()}")
            time.sleep(0.5)
        result["seconds_to_all_running"] = round(time.monotonic() - t_launch, 1)
        time.sleep(2.0)
        cpu0, t0 = _cpu(pid), time.monotonic()
        time.sleep(window_seconds)
        cpu1, t1 = _cpu(pid), time.monotonic()
        stamps = _chunks(meter_log, t0, t1)
        frames = _frames(stamps)
        nbytes = sum(n for _t, n in stamps)
        result.update({
            "window_seconds": round(t1 - t0, 1),
            "frames": frames,
            "frames_per_second": round(frames / (t1 - t0), 2),
            "bytes_per_second": round(nbytes / (t1 - t0)),
            "cpu_seconds": round(cpu1 - cpu0, 3),
            "cpu_percent": round(100 * (cpu1 - cpu0) / (t1 - t0), 3),
            "frame_gap_seconds": FRAME_GAP,
        })
        return result
    finally:
        tmux("kill-server", check=False)   # SIGHUP to the wizard: it restores and exits
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--meter":
    _meter(sys.argv[2])
