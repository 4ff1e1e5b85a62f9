#!/usr/bin/env python3
"""Runs every test `make check` knows of and ends with one line: `N passed, M failed`.

Unit tests are cmocka programs (one per module) run with TAP output, so each test case is
counted. Integration tests are Python unittest modules under tests/integration that drive
the sanitised program against a local emulator; each module runs in its own process with
its own emulator, up to --jobs at a time.

The integration suite runs once, over HTTPS (--transport https, the default; BCM_TEST_TLS=1):
the emulator's endpoints and every fault proxy the program is given speak TLS with a
certificate from a CA the run makes (tests/integration/tls_ca.py), trusted only through
AWS_CA_BUNDLE, as AWS is reached. Stand-ins that are plain HTTP by nature (the container
credentials endpoint, the web probe's site) and the RDS Data API, Service Quotas and Bedrock
test servers stay plain HTTP, so the same pass keeps the program's plain-HTTP path tested.
--transport plain runs the suite over plain HTTP only; --transport both runs it twice.

The --check commands (lint, fuzz) run at a lower priority beside the integration modules,
which leave CPU idle while they wait on their emulators; the slowest modules start first.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

TAP_OK = re.compile(r"^ok \d+")
TAP_NOT_OK = re.compile(r"^not ok \d+")
RAN = re.compile(r"^Ran (\d+) tests? in")
FAILED = re.compile(r"^FAILED \((.*)\)")


# Modules that never give the program an endpoint (documentation, the signer against
# botocore, the benchmark's own smoke test): TLS changes nothing for them, so they run
# once, over plain HTTP, whatever the transport.
PLAIN_ONLY = {"test_docs.py", "test_sigv4_botocore.py", "test_bench_smoke.py"}

# The modules that take longest (about 40 s to 130 s each on two cores), longest first: they
# start first, so the pool does not end with one long module running alone on a core
# while the other idles. The rest follow in name order.
SLOW_FIRST = ["test_copy.py", "test_real_aws.py", "test_resume.py", "test_crash_resume.py",
              "test_verify.py", "test_wizard_run.py", "test_run.py", "test_bench_smoke.py",
              "test_live_cost.py", "test_iam_policy.py"]

# The checks (lint, fuzz, scripts) run beside the integration modules, which leave about
# 40 % of the CPU idle while they wait on their emulators and tasks, and at a lower
# priority, so they take that idle time rather than the modules' share.
CHECK_NICENESS = 10


def run_unit(binary, timeout):
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP",
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    started = time.monotonic()
    try:
        p = subprocess.run([binary], capture_output=True, text=True, env=env,
                           timeout=timeout, errors="replace")
        out, code = p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out, code = f"{e.stdout or ''}\n{binary}: timed out after {timeout}s", -1
    passed = sum(1 for l in out.splitlines() if TAP_OK.match(l))
    failed = sum(1 for l in out.splitlines() if TAP_NOT_OK.match(l))
    if code != 0 and failed == 0:
        failed = 1  # crashed, leaked or sanitizer report: count it, show it
    return binary, passed, failed, out, time.monotonic() - started


def run_valgrind(binary, timeout):
    """The same cmocka program built without sanitizers, under valgrind's memcheck: one
    result per program (leaks or invalid accesses fail it)."""
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP", BCM_UNDER_VALGRIND="1")
    started = time.monotonic()
    cmd = ["valgrind", "--quiet", "--error-exitcode=97", "--leak-check=full",
           "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect",
           "--track-fds=no", "--child-silent-after-fork=yes", binary]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout,
                           errors="replace")
        out, code = p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out, code = f"{e.stdout or ''}\n{binary}: timed out under valgrind after {timeout}s", -1
    ok = code == 0
    return binary, 1 if ok else 0, 0 if ok else 1, out, time.monotonic() - started


def run_command(label, cmd, timeout, niceness=0):
    started = time.monotonic()
    try:
        # `nice` rather than a preexec_fn: this runs beside the pool's threads.
        if niceness:
            cmd = f"nice -n {niceness} sh -c {shlex.quote(cmd)}"
        p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout,
                           errors="replace")
        out, code = p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired:
        out, code = f"{label}: timed out after {timeout}s", -1
    return label, 1 if code == 0 else 0, 0 if code == 0 else 1, out, time.monotonic() - started


def run_integration(module_path, program, timeout, tls=False):
    env = dict(os.environ, BCM_PROGRAM=os.path.abspath(program),
               PYTHONDONTWRITEBYTECODE="1")
    if tls:
        env["BCM_TEST_TLS"] = "1"   # every endpoint over HTTPS with the run's own CA
    else:
        env.pop("BCM_TEST_TLS", None)
    started = time.monotonic()
    try:
        p = subprocess.run([sys.executable, "-m", "unittest", "-v", os.path.basename(module_path)[:-3]],
                           cwd=os.path.dirname(module_path), capture_output=True, text=True,
                           env=env, timeout=timeout, errors="replace")
        out, code = p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = f"{(e.stdout or b'')!s}\n{(e.stderr or b'')!s}\n{module_path}: timed out after {timeout}s"
        return module_path, 0, 1, out, time.monotonic() - started
    ran, bad, skipped = 0, 0, 0
    for line in out.splitlines():
        m = RAN.match(line)
        if m:
            ran = int(m.group(1))
        m = FAILED.match(line)
        if m:
            for part in m.group(1).split(","):
                k, _, v = part.strip().partition("=")
                if k in ("failures", "errors", "unexpected successes"):
                    bad += int(v)
                elif k == "skipped":
                    skipped += int(v)
        m = re.match(r"^OK \(skipped=(\d+)\)", line)
        if m:
            skipped += int(m.group(1))
    if code != 0 and bad == 0:
        bad = 1
    return module_path, max(ran - bad - skipped, 0), bad, out, time.monotonic() - started


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unit", nargs="*", default=[])
    ap.add_argument("--valgrind", nargs="*", default=[],
                    help="unsanitised unit test programs to run under valgrind")
    ap.add_argument("--check", action="append", default=[],
                    help="LABEL=COMMAND: a shell command that must succeed (lint)")
    ap.add_argument("--integration", default=None)
    ap.add_argument("--program", required=True)
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("BCM_TEST_JOBS", "2")))
    ap.add_argument("--only", default=None, help="substring filter on test file names")
    ap.add_argument("--transport", choices=("https", "plain", "both"), default="https",
                    help="https (default): the integration modules once, every emulator endpoint "
                         "and proxy over HTTPS through a CA made by the run (BCM_TEST_TLS=1, "
                         "AWS_CA_BUNDLE); plain: once over plain HTTP; both: twice")
    ap.add_argument("--tls", action="store_const", const="both", dest="transport",
                    help="the same as --transport both (kept for older scripts)")
    args = ap.parse_args()

    total_pass = total_fail = 0
    failures = []

    units = [u for u in args.unit if not args.only or args.only in u]
    with ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for name, p, f, out, secs in ex.map(lambda b: run_unit(b, 300), units):
            total_pass += p
            total_fail += f
            print(f"unit  {os.path.basename(name):40s} {p:4d} passed {f:3d} failed  {secs:6.1f}s")
            if f:
                failures.append((name, out))

    vg = [u for u in args.valgrind if not args.only or args.only in u]
    with ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for name, p, f, out, secs in ex.map(lambda b: run_valgrind(b, 600), vg):
            total_pass += p
            total_fail += f
            print(f"vgrnd {os.path.basename(name):40s} {p:4d} passed {f:3d} failed  {secs:6.1f}s")
            if f:
                failures.append((name + " (valgrind)", out))

    def run_checks():
        return [run_command(label, cmd, 900, CHECK_NICENESS)
                for label, _, cmd in (spec.partition("=") for spec in args.check)]

    checks_pool = ThreadPoolExecutor(max_workers=1)
    checks = checks_pool.submit(run_checks)

    modules = []
    if args.integration and os.path.isdir(args.integration):
        modules = sorted(os.path.join(args.integration, m) for m in os.listdir(args.integration)
                         if m.startswith("test_") and m.endswith(".py"))
    modules = [m for m in modules if not args.only or args.only in m]
    # One pool for both passes (--transport both), so the second pass shares the cores
    # instead of adding its own tail.
    plain_only = [m for m in modules if os.path.basename(m) in PLAIN_ONLY]
    others = [m for m in modules if os.path.basename(m) not in PLAIN_ONLY]
    jobs = [(m, False) for m in plain_only]
    if args.transport in ("plain", "both"):
        jobs += [(m, False) for m in others]
    if args.transport in ("https", "both"):
        jobs += [(m, True) for m in others]
    slow_rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    jobs.sort(key=lambda job: (slow_rank.get(os.path.basename(job[0]), len(SLOW_FIRST)), job[1],
                               os.path.basename(job[0])))
    with ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for (name, p, f, out, secs), (_, tls) in zip(
                ex.map(lambda job: run_integration(job[0], args.program, 900, job[1]), jobs), jobs):
            total_pass += p
            total_fail += f
            label = "integ-tls" if tls else "integ"
            print(f"{label:9s} {os.path.basename(name):36s} {p:4d} passed {f:3d} failed  {secs:6.1f}s")
            if f:
                failures.append((name + (" (HTTPS pass)" if tls else ""), out))

    for label, p, f, out, secs in checks.result():
        total_pass += p
        total_fail += f
        print(f"check {label:40s} {p:4d} passed {f:3d} failed  {secs:6.1f}s")
        if f:
            failures.append((label, out))
    checks_pool.shutdown()

    for name, out in failures:
        print(f"\n===== {name} =====")
        tail = out.splitlines()[-200:]
        print("\n".join(tail))

    print(f"{total_pass} passed, {total_fail} failed")
    return 1 if total_fail or total_pass == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
