"""The committed SigV4 cases still are what the installed botocore computes.

tests/unit/test_sigv4.c compares our signer with tests/sigv4/cases.json; this test
regenerates that file with the installed botocore (tests/sigv4/gen_cases.py) and checks
it is byte-for-byte the committed one, so a change in botocore's signer (or an edit of
the file by hand) cannot go unnoticed. No emulator is needed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GENERATOR = os.path.join(ROOT, "tests", "sigv4", "gen_cases.py")
COMMITTED = os.path.join(ROOT, "tests", "sigv4", "cases.json")
MIN_CASES = 200
INTERMEDIATES = ("canonical_request", "string_to_sign", "signed_headers", "scope",
                 "payload_hash", "signature", "authorization", "x_amz_date")


def _first_difference(committed, regenerated):
    """Names the first case that differs, to say what drifted."""
    try:
        old = json.loads(committed)["cases"]
        new = json.loads(regenerated)["cases"]
    except (ValueError, KeyError) as e:
        return f"the files differ and one does not parse ({e})"
    if len(old) != len(new):
        return f"{len(old)} committed cases, {len(new)} regenerated"
    for a, b in zip(old, new):
        if a != b:
            fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            if "expected" in fields:
                ea, eb = a.get("expected", {}), b.get("expected", {})
                fields += [f"expected.{k}" for k in sorted(set(ea) | set(eb))
                           if ea.get(k) != eb.get(k)]
            return f"case {a.get('name')!r} differs in {', '.join(fields)}"
    return "the cases are equal but the files' bytes differ (formatting)"


class SigV4CasesMatchBotocore(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bcm-sigv4-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def test_committed_cases_equal_regenerated(self):
        out = os.path.join(self.tmp, "cases.json")
        p = subprocess.run([sys.executable, GENERATOR, "--output", out],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, f"gen_cases.py failed:\n{p.stderr}")
        with open(out, encoding="utf-8") as f:
            regenerated = f.read()
        with open(COMMITTED, encoding="utf-8") as f:
            committed = f.read()
        if regenerated != committed:
            self.fail("tests/sigv4/cases.json no longer matches botocore: "
                      + _first_difference(committed, regenerated)
                      + ". If botocore changed on purpose, check the signer against the new "
                        "cases and run tests/sigv4/gen_cases.py to refresh the file.")

    def test_enough_complete_cases(self):
        with open(COMMITTED, encoding="utf-8") as f:
            doc = json.load(f)
        cases = doc["cases"]
        self.assertGreaterEqual(len(cases), MIN_CASES)
        self.assertEqual(doc["count"], len(cases))
        names = [c["name"] for c in cases]
        self.assertEqual(len(names), len(set(names)), "case names must be unique")
        for c in cases:
            for field in INTERMEDIATES:
                self.assertTrue(c["expected"].get(field), f"{c['name']}: no {field}")
        # The mix the differential test is meant to cover is actually there.
        self.assertTrue(any(c["s3"] for c in cases))
        self.assertTrue(any(not c["s3"] for c in cases))
        self.assertTrue(any(c["token"] for c in cases))
        self.assertTrue(any(not c["token"] for c in cases))
        self.assertTrue(any(c["body"].get("length", 0) >= 1024 * 1024 for c in cases))
        self.assertTrue(any(c["body"].get("text") == "" for c in cases))
        self.assertTrue(any("/../" in c["path"] or "//" in c["path"] for c in cases))
        self.assertTrue(any(len({q[0] for q in c["query"]}) < len(c["query"]) for c in cases))
        self.assertTrue(any(any(q[1] == "" for q in c["query"]) for c in cases))
        self.assertTrue(any(any("\t" in h[1] for h in c["headers"]) for c in cases))


if __name__ == "__main__":
    unittest.main()
