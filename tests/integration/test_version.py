"""`--version`: the program's version, the git revision it was built from and the versions
of the libraries it uses (running and built against), without touching AWS."""
import os
import re
import subprocess
import unittest

import harness

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class VersionTest(unittest.TestCase):
    def test_version_names_revision_and_libraries(self):
        done = harness.run_program(["--version"], {"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = done.stdout.splitlines()
        self.assertRegex(lines[0], r"^bedrock-chat-migrate \d+\.\d+\.\d+$")
        revision = re.match(r"^revision (\S+)$", lines[1])
        self.assertIsNotNone(revision, done.stdout)
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True)
        if head.returncode == 0:
            # Built from this clone: the revision is a prefix of a commit of it.
            self.assertTrue(head.stdout.startswith(revision.group(1).split("-")[0]),
                            (revision.group(1), head.stdout))
        for name in ("libcurl", "OpenSSL", "ncursesw", "cJSON", "libxml2"):
            row = re.search(r"^  %s\s+(\d+\.\d+\S*)\s+(\d+\.\d+\S*)$" % name, done.stdout, re.M)
            self.assertIsNotNone(row, "%s missing or without versions:\n%s" % (name, done.stdout))


if __name__ == "__main__":
    unittest.main()
