"""The wizard in a pseudo-terminal: time to the first screen, and CPU and output while
nothing changes.

The program runs on the slave side of a pty sized 100x30 (TERM=xterm-256color); the
master side is read continuously. Start-up time is measured until the welcome step's text
has been drawn; then the wizard sits on that screen for a fixed wall interval while its
CPU time (from /proc) and the bytes it writes are recorded: an idle wizard should neither
spin nor redraw.
"""
import fcntl
import os
import re
import signal
import struct
import subprocess
import termios
import threading
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
FIRST_SCREEN = re.compile(rb"What this does|Welcome")
COLS, ROWS = 100, 30


def _cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class _Reader(threading.Thread):
    def __init__(self, fd):
        super().__init__(daemon=True)
        self.fd = fd
        self.data = bytearray()
        self.writes = 0
        self.lock = threading.Lock()

    def run(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.data += chunk
                self.writes += 1

    def snapshot(self):
        with self.lock:
            return len(self.data), self.writes, bytes(self.data)


def measure(program, env, idle_seconds, timeout=30.0):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = dict(env, TERM="xterm-256color", LANG="C.UTF-8")
    started = time.monotonic()
    proc = subprocess.Popen([program, "wizard"], env=env, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True, close_fds=True,
                            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    reader = _Reader(master)
    reader.start()
    result = {"terminal": f"{COLS}x{ROWS}"}
    try:
        deadline = started + timeout
        while time.monotonic() < deadline:
            _n, _w, data = reader.snapshot()
            if FIRST_SCREEN.search(data):
                result["startup_seconds_to_first_screen"] = round(time.monotonic() - started, 3)
                break
            if proc.poll() is not None:
                result["error"] = f"the wizard exited with {proc.returncode} before its first screen"
                return result
            time.sleep(0.005)
        else:
            result["error"] = f"no first screen within {timeout:.0f}s"
            return result
        time.sleep(1.0)   # let the first screen's background work (identity, outputs) settle
        n0, w0, _ = reader.snapshot()
        cpu0, t0 = _cpu(proc.pid), time.monotonic()
        time.sleep(idle_seconds)
        cpu1, t1 = _cpu(proc.pid), time.monotonic()
        n1, w1, _ = reader.snapshot()
        result.update({
            "idle_window_seconds": round(t1 - t0, 1),
            "idle_cpu_seconds": round(cpu1 - cpu0, 3),
            "idle_cpu_percent": round(100 * (cpu1 - cpu0) / (t1 - t0), 3),
            "idle_bytes_written": n1 - n0,
            "idle_writes": w1 - w0,
        })
        return result
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        os.close(master)
