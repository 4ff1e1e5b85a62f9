#!/usr/bin/env python3
"""A live demo deployment: emulator + seed + simulator, until SIGTERM or SIGINT.

  python3 tests/integration/demo_env.py --bots 64 --failing 4 --duration 8:40 --env-file F

writes the environment for running the program against it to F (shell-quoted KEY=VALUE
lines, for `set -a; . F`), prints "ready" on standard output, and keeps the embedding
simulator running (each task takes a random LO..HI seconds) until it is told to stop;
then it stops the simulator and both emulator processes and removes their files.

With --copy-world it also sets up the snapshot copy's world (copy_seed.py: the replaced
v0 cluster's snapshot, two PostgreSQL databases behind the RDS Data API test server; it
needs PostgreSQL installed) and adds BCM_DEMO_COPY_OUTPUTS, the outputs file naming the
v1 cluster the copy writes to (pass it with --outputs). `make screenshots` uses it for the
wizard's copy steps.
"""
import argparse
import os
import shlex
import signal
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import seed  # noqa: E402
from simulator import Simulator  # noqa: E402

# Only what the program needs: the terminal's own TERM and no sanitizer knobs.
EXCLUDED = {"TERM", *harness.SANITIZER_ENV}


def parse_duration(text):
    try:
        lo, _, hi = text.partition(":")
        lo, hi = float(lo), float(hi or lo)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--duration wants LO:HI seconds (e.g. 8:40), not {text!r}")
    if lo < 0 or hi < lo:
        raise argparse.ArgumentTypeError(f"--duration wants 0 <= LO <= HI, not {text!r}")
    return lo, hi


def write_env_file(path, env):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        for key in sorted(env):
            if key not in EXCLUDED:
                f.write(f"{key}={shlex.quote(env[key])}\n")
    os.chmod(tmp, 0o600)   # it holds the emulator user's (throwaway) secret key
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bots", type=int, default=64)
    ap.add_argument("--failing", type=int, default=4)
    ap.add_argument("--empty-bots", type=int, default=3)
    ap.add_argument("--conversations", type=int, default=200)
    ap.add_argument("--duration", type=parse_duration, default=(8.0, 40.0), help="LO:HI seconds per task")
    ap.add_argument("--region", default=harness.DEFAULT_REGION)
    ap.add_argument("--env-file", required=True)
    ap.add_argument("--copy-world", action="store_true", help="also the snapshot copy's world")
    args = ap.parse_args(argv)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())

    emu = harness.Emulator(region=args.region, rds_extras=args.copy_world)
    sim = None
    world = None
    try:
        emu.start()
        dep = seed.seed_deployment(emu, bots=args.bots, failing=args.failing,
                                   empty_bots=args.empty_bots, conversations=args.conversations,
                                   knowledge_base_bots=1)
        sim = Simulator(emu, dep, duration=args.duration, fail_bot_ids=dep.bot_ids("failed"),
                        poll_interval=0.25).start()
        env = emu.env()
        if args.copy_world:
            import copy_seed  # noqa: E402 (needs PostgreSQL: only for this world)
            world = copy_seed.CopyWorld(emu, dep).start()
            env.update(world.env())
            env["BCM_DEMO_COPY_OUTPUTS"] = world.outputs_file
        write_env_file(args.env_file, env)
        print("ready", flush=True)
        reported = 0
        while not stop.wait(1.0):
            # The demo goes on (the next poll usually works); the errors go to stderr once.
            for error in sim.errors[reported:]:
                print(f"demo_env: simulator: {error}", file=sys.stderr)
            reported = len(sim.errors)
        return 0
    except harness.EmulatorError as e:
        print(f"demo_env: {e}", file=sys.stderr)
        return 3
    finally:
        if sim is not None:
            sim.stop(raise_errors=False)
        if world is not None:
            world.stop()
        emu.stop()


if __name__ == "__main__":
    sys.exit(main())
