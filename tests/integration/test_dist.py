"""The release tarball (`make dist`) runs where operators are: on a Linux with glibc 2.34
(Amazon Linux 2023, AWS CloudShell) and nothing else installed.

- Every ELF file in it (the program and the bundled libraries) requires no GLIBC_ symbol
  version above 2.34, every library any of them needs is glibc's or in the tarball, and
  none of glibc's own is bundled.
- The unpacked program runs in a root this test builds holding only glibc (its loader,
  libc, libm, libresolv and the small libraries glibc ships), the tarball and a /proc
  (glibc resolves $ORIGIN through /proc/self/exe), entered with unshare (a private mount
  namespace; -r when not root) + chroot: --version, --help, `outputs --help` and a `plan`
  against the emulator. A library missing from the tarball cannot hide there, and
  the test shows it by removing one.

The tarball comes from BCM_DIST_TARBALL (`make check` and `make check-dist` set it)."""
import glob
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import unittest

import harness

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GLIBC_MAX = (2, 34)
PROG = "bedrock-chat-migrate"
# glibc's shared objects: the system provides them, the tarball must not carry them.
GLIBC_SONAMES = re.compile(r"^(ld-linux.*|libc\.so\..*|libm\.so\..*|libresolv\.so\..*|libpthread\.so\..*|"
                           r"libdl\.so\..*|librt\.so\..*|libutil\.so\..*|libanl\.so\..*|libnsl\.so\..*|"
                           r"libmvec\.so\..*|libnss_.*|libthread_db\.so\..*|libBrokenLocale\.so\..*)$")


def tarball():
    path = os.environ.get("BCM_DIST_TARBALL")
    if not path:
        found = sorted(glob.glob(os.path.join(ROOT, PROG + "-*-linux-*.tar.gz")), key=os.path.getmtime)
        path = found[-1] if found else None
    return path


def elf_files(tree):
    for dirpath, _, files in os.walk(tree):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    yield path


def required_glibc(path):
    """The GLIBC_x.y versions a file's version references name (what the loader checks)."""
    out = subprocess.run(["objdump", "-p", path], capture_output=True, text=True, check=True).stdout
    refs = out.split("Version References:", 1)[1] if "Version References:" in out else ""
    return {tuple(int(n) for n in v.split(".")) for v in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", refs)}


def needed(path):
    out = subprocess.run(["objdump", "-p", path], capture_output=True, text=True, check=True).stdout
    return re.findall(r"^\s+NEEDED\s+(\S+)$", out, re.M)


def glibc_files():
    """The running system's glibc: the loader and the libraries of glibc next to libc."""
    out = subprocess.run(["ldd", "/bin/sh"], capture_output=True, text=True, check=True).stdout
    libc = re.search(r"libc\.so\.6 => (\S+)", out).group(1)
    loader = re.search(r"^\s*(/\S*ld-linux\S*)", out, re.M).group(1)
    libdir = os.path.dirname(os.path.realpath(libc))
    files = [loader]
    for name in os.listdir(libdir):
        if GLIBC_SONAMES.match(name) and not name.startswith("libnss_") and name != "libthread_db.so.1":
            files.append(os.path.join(os.path.dirname(libc), name))
    return files


class DistTest(harness.EmulatorTestCase):
    seed_args = {"bots": 6, "conversations": 10, "empty_bots": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tar = tarball()
        cls.work = tempfile.mkdtemp(prefix="bcm-dist-")
        if cls.tar and os.path.exists(cls.tar):
            with tarfile.open(cls.tar) as t:
                t.extractall(os.path.join(cls.work, "unpacked"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        if not self.tar or not os.path.exists(self.tar):
            self.fail("no release tarball: run `make dist` (or set BCM_DIST_TARBALL)")
        tops = os.listdir(os.path.join(self.work, "unpacked"))
        self.assertEqual(len(tops), 1, tops)
        self.name = tops[0]
        self.tree = os.path.join(self.work, "unpacked", self.name)

    def test_layout_and_glibc_versions(self):
        self.assertRegex(self.name, r"^%s-\d+\.\d+\.\d+-linux-(x86_64|aarch64)$" % PROG)
        for part in ("bin/" + PROG, "share/man/man1/%s.1" % PROG,
                     "share/locale/ja/LC_MESSAGES/%s.mo" % PROG, "share/terminfo/x/xterm-256color",
                     "README.txt"):
            self.assertTrue(os.path.exists(os.path.join(self.tree, part)), part)
        libs = set(os.listdir(os.path.join(self.tree, "lib")))
        self.assertEqual([l for l in libs if GLIBC_SONAMES.match(l)], [], "glibc itself is bundled")
        rpath = subprocess.run(["readelf", "-d", os.path.join(self.tree, "bin", PROG)],
                               capture_output=True, text=True, check=True).stdout
        self.assertRegex(rpath, r"\(RPATH\)\s+Library rpath: \[\$ORIGIN/\.\./lib\]")
        highest = {}
        for path in elf_files(self.tree):
            versions = required_glibc(path)
            if versions:
                highest[os.path.relpath(path, self.tree)] = max(versions)
            for lib in needed(path):
                self.assertTrue(GLIBC_SONAMES.match(lib) or lib in libs,
                                "%s needs %s, which is neither glibc's nor in lib/" % (path, lib))
        self.assertIn("bin/" + PROG, highest)
        too_new = {f: ".".join(map(str, v)) for f, v in highest.items() if v > GLIBC_MAX}
        self.assertEqual(too_new, {}, "require a glibc newer than 2.34")

    # ---- the minimal root --------------------------------------------------------------

    def make_root(self, drop=None):
        """A root holding glibc and the unpacked tarball at /opt (without `drop`)."""
        root = tempfile.mkdtemp(prefix="root-", dir=self.work)
        for path in glibc_files():
            dest = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy2(os.path.realpath(path), dest)
        # The loader's path may run through a symlinked /lib64 on the host; make both real.
        shutil.copytree(self.tree, os.path.join(root, "opt", self.name), symlinks=True)
        if drop:
            os.unlink(os.path.join(root, "opt", self.name, "lib", drop))
        for d in ("tmp", "home", "proc"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        return root

    def in_root(self, root, args, env=None):
        prog = "/opt/%s/bin/%s" % (self.name, PROG)
        clean = {"PATH": "/opt/%s/bin" % self.name, "HOME": "/home", "LANG": "C.UTF-8",
                 "TMPDIR": "/tmp"}
        clean.update(env or {})
        # glibc finds $ORIGIN (the run path to lib/) through /proc/self/exe, so the root
        # gets the one thing every Linux has besides files: a /proc, mounted in a mount
        # namespace of its own (gone with the process; -r maps a non-root caller to root).
        chroot = shutil.which("chroot") or "/usr/sbin/chroot"
        unshare = shutil.which("unshare") or "/usr/bin/unshare"
        cmd = [unshare, *([] if os.geteuid() == 0 else ["-r"]), "--mount", "--pid", "--fork",
               "--mount-proc=%s" % os.path.join(root, "proc"), chroot, root, prog, *args]
        return subprocess.run(cmd, env=clean, capture_output=True, text=True, errors="replace",
                              timeout=120)

    def aws_env(self, root):
        """The emulator's endpoints and keys, passed by environment alone (no files in the
        root but the tarball and, in the suite's HTTPS pass, the run's CA: the bundled
        libcurl and OpenSSL then verify the endpoint against it, with no system store)."""
        env = self.emu.env()
        keep = {k: v for k, v in env.items() if k.startswith("AWS_") and "FILE" not in k}
        keep.update({"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                     "XDG_STATE_HOME": "/tmp"})
        if "AWS_CA_BUNDLE" in keep:
            shutil.copy(keep["AWS_CA_BUNDLE"], os.path.join(root, "tmp", "test-ca.pem"))
            keep["AWS_CA_BUNDLE"] = "/tmp/test-ca.pem"
        return keep

    def test_runs_in_a_root_with_only_glibc(self):
        root = self.make_root()
        r = self.in_root(root, ["--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^%s \d+\.\d+\.\d+\n" % PROG)
        for name in ("libcurl", "OpenSSL", "ncursesw", "cJSON", "libxml2"):
            self.assertRegex(r.stdout, r"(?m)^  %s\s+\d" % name)
        r = self.in_root(root, ["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("outputs", r.stdout)
        r = self.in_root(root, ["outputs", "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("outputs", r.stdout)
        r = self.in_root(root, ["plan", "--json", "--scan-table"], self.aws_env(root))
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertEqual({b["bot_id"] for b in plan["bots"]}, self.dep.bot_ids())
        # The Japanese catalog beside the program is found from there.
        r = self.in_root(root, ["--help"], {"LANGUAGE": "ja"})
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_missing_library_is_caught(self):
        # The same run with one needed library taken out of the tree fails to start: the
        # root holds nothing the system could lend instead.
        root = self.make_root(drop="libcjson.so.1")
        r = self.in_root(root, ["--version"])
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("libcjson.so.1", r.stderr)


if __name__ == "__main__":
    unittest.main()
