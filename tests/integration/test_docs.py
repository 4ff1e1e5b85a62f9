"""README, man page and --help agree with the code and with each other.

Everything is read from the sources, not listed here: the long options from src/main.c's
option table, the commands from src/cli/commands.c, which options each command reads from
its own source, the wizard's steps from src/tui/wizard.c, the AWS operations from the
calls in src/. A new option, command, step or AWS call therefore fails this test until it
is documented."""
import json
import os
import re
import shutil
import subprocess
import unittest

import harness

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def long_options():
    """{option name: OPT_ constant} from main.c's s_long_options."""
    table = re.search(r"s_long_options\[\] = \{(.*?)\n\};", read("src/main.c"), re.S).group(1)
    return dict(re.findall(r'\{"([a-z-]+)", \w+, NULL, (\w+|\'h\')\}', table))


def option_fields():
    """{option name: app_options field it sets}, from s_apply_option's cases."""
    main = read("src/main.c")
    by_const = {}
    for const, field in re.findall(r"case (\w+|'h'):\s*(?:if \(s_parse_int\(arg, [^&]*&)?o->([\w.]+)", main):
        by_const[const] = field
    return {name: by_const.get(const) for name, const in long_options().items()}


def commands():
    """Command names in the order of the command table."""
    return re.findall(r'^    \{"([a-z]+)", "', read("src/cli/commands.c"), re.M)


COMMON = ["region", "profile", "endpoint-url", "json", "debug", "debug-file"]
# Read by main.c itself, not by a command.
GLOBAL_ONLY = {"help", "version"}


def fields_read(sources):
    """The app_options fields the given source files read, directly or through app/options.c's
    helpers (app_journal_path reads --journal and --stack)."""
    text = "\n".join(read(s) for s in sources)
    fields = set(re.findall(r"\b(?:o|opts|w->opts)->([a-z_]+(?:\.[a-z_]+)?)", text))
    if "app_journal_path(" in text:
        fields |= {"journal", "stack"}
    return fields


def command_sources(name):
    if name == "wizard":
        tui = os.path.join(ROOT, "src", "tui")
        return [os.path.join("src", "tui", f) for f in sorted(os.listdir(tui)) if f.endswith(".c")]
    return [os.path.join("src", "cli", f"cmd_{name}.c")]


def wizard_steps():
    """Step names in order, from s_steps in wizard.c (&step_welcome → "welcome")."""
    block = re.search(r"s_steps\[STEP_COUNT\] = \{(.*?)\};", read("src/tui/wizard.c"), re.S).group(1)
    return re.findall(r"&step_(\w+)", block)


def help_text(*args):
    env = dict(os.environ)
    env.update(harness.SANITIZER_ENV)
    r = subprocess.run([harness.program(), *args], capture_output=True, text=True, env=env,
                       timeout=30)
    return r


class DocsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.readme = read("README.md")
        cls.man = read("man/bedrock-chat-migrate.1").replace("\\-", "-").replace("\\(en", "–")
        cls.options = long_options()
        cls.commands = commands()

    def test_sources_parse(self):
        # The parsers above are the test's foundation: they must find what is really there.
        self.assertGreaterEqual(len(self.options), 25, self.options)
        for name in ("region", "yes", "retry-failed", "help", "demo"):
            self.assertIn(name, self.options)
        self.assertEqual(self.commands[:6], ["whoami", "outputs", "plan", "run", "status", "logs"])
        self.assertIn("wizard", self.commands)
        fields = option_fields()
        self.assertEqual(fields["region"], "aws.region")
        self.assertEqual(fields["concurrency"], "concurrency")
        self.assertEqual(fields["help"], "help")
        self.assertEqual(wizard_steps()[0], "welcome")

    def test_every_option_in_man_page_and_readme(self):
        for name in self.options:
            with self.subTest(option=name):
                pattern = re.compile(r"--%s(?![a-z-])" % re.escape(name))
                self.assertTrue(pattern.search(self.man), f"--{name} missing from the man page")
                self.assertTrue(pattern.search(self.readme), f"--{name} missing from the README")

    def test_every_command_in_man_page_and_readme(self):
        for name in self.commands:
            with self.subTest(command=name):
                self.assertTrue(re.search(r"(?m)^\.BI? %s\b" % name, self.man),
                                f"command {name} has no entry in the man page's COMMANDS")
                self.assertTrue(re.search(r"`%s(?: [A-Z_]+)?`" % name, self.readme),
                                f"command {name} missing from the README's commands table")

    def test_usage_lists_every_command_and_global_option(self):
        r = help_text("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in self.commands:
            self.assertRegex(r.stdout, r"(?m)^  %s " % name)
        for name in COMMON + ["lang", "no-color", "demo", "help", "version"]:
            self.assertIn(f"--{name}", r.stdout)

    def test_each_command_help_lists_the_options_it_reads(self):
        fields = option_fields()
        by_field = {}
        for name, field in fields.items():
            by_field.setdefault(field, []).append(name)
        for cmd in self.commands:
            with self.subTest(command=cmd):
                r = help_text(cmd, "--help")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertTrue(r.stdout.startswith("Usage: bedrock-chat-migrate"), r.stdout[:80])
                expected = set(COMMON)
                for field in fields_read(command_sources(cmd)):
                    for name in by_field.get(field, []):
                        if name not in GLOBAL_ONLY:
                            expected.add(name)
                if cmd == "wizard":
                    expected |= {"lang", "no-color", "demo"}  # handed over by main.c
                missing = sorted(n for n in expected
                                 if not re.search(r"--%s(?![a-z-])" % re.escape(n), r.stdout))
                self.assertEqual(missing, [], f"`{cmd} --help` does not list what it reads")
                # And it lists nothing the program does not accept.
                for listed in re.findall(r"--([a-z][a-z-]*)", r.stdout):
                    self.assertIn(listed, self.options, f"`{cmd} --help` lists --{listed}")

    def test_exit_codes_documented(self):
        codes = dict((name, int(v)) for name, v in
                     re.findall(r"(EXIT_\w+) = (\d+)", read("include/app/output.h")))
        self.assertEqual(sorted(codes.values()), [0, 1, 2, 3, 130])
        for code in codes.values():
            self.assertRegex(self.readme, r"`%d`" % code)
            self.assertRegex(self.man, r"\b%d\b" % code)

    def test_readme_embeds_a_screenshot_of_every_wizard_step(self):
        steps = wizard_steps()
        self.assertGreaterEqual(len(steps), 7)
        for i, step in enumerate(steps, 1):
            for lang in ("en", "ja"):
                rel = f"screenshots/{lang}/{i:02d}-{step}.png"
                with self.subTest(screenshot=rel):
                    path = os.path.join(ROOT, rel)
                    self.assertTrue(os.path.isfile(path), f"{rel} does not exist (make screenshots)")
                    with open(path, "rb") as f:
                        self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", f"{rel} is not a PNG")
                    self.assertTrue(f"]({rel})" in self.readme, f"the README does not link {rel}")
            self.assertTrue(re.search(r"!\[[^\]]*\]\(screenshots/en/%02d-%s\.png\)" % (i, step),
                                      self.readme), f"the README does not embed step {i} ({step})")
        # No stale images of steps that no longer exist.
        for lang in ("en", "ja"):
            names = sorted(os.listdir(os.path.join(ROOT, "screenshots", lang)))
            self.assertEqual(names, [f"{i:02d}-{s}.png" for i, s in enumerate(steps, 1)])

    def iam_block(self):
        blocks = re.findall(r"```json\n(.*?)```", self.readme, re.S)
        policies = [b for b in blocks if '"Version": "2012-10-17"' in b]
        self.assertEqual(len(policies), 1, "the README should hold exactly one IAM policy")
        return policies[0]

    def test_readme_iam_policy_is_docs_iam_policy_verbatim(self):
        block = self.iam_block()
        policy = read("docs/iam-policy.json")
        self.assertEqual(block.strip(), policy.strip())
        self.assertEqual(json.loads(block), json.loads(policy))

    def test_iam_policy_covers_every_aws_call(self):
        policy = json.loads(read("docs/iam-policy.json"))
        allowed = {a for st in policy["Statement"] if st["Effect"] == "Allow" for a in st["Action"]}
        prefix = {"STS": "sts", "CLOUDFORMATION": "cloudformation", "DYNAMODB": "dynamodb",
                  "EC2": "ec2", "ECS": "ecs", "LOGS": "logs", "S3": "s3", "ECR": "ecr",
                  "SERVICE_QUOTAS": "servicequotas", "RDS": "rds",
                  "SECRETS_MANAGER": "secretsmanager", "RDS_DATA": "rds-data",
                  "BEDROCK": "bedrock"}
        # S3 operations whose IAM action has another name.
        renamed = {"s3:ListObjectsV2": "s3:ListBucket"}
        calls = set()
        for dirpath, _, files in os.walk(os.path.join(ROOT, "src")):
            for f in files:
                if f.endswith(".c"):
                    with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                        text = fh.read()
                    calls |= set(re.findall(r'&AWS_SVC_([A-Z0-9_]+),\s*"([A-Za-z0-9]+)"', text))
        self.assertGreaterEqual(len(calls), 10, calls)
        needed = set()
        for svc, op in calls:
            self.assertIn(svc, prefix, f"unknown service {svc}: add its IAM prefix to this test")
            action = f"{prefix[svc]}:{op}"
            needed.add(renamed.get(action, action))
        self.assertEqual(sorted(needed - allowed), [], "actions the program calls but the policy lacks")
        # Tagging on RunTask and passing the task roles need these too.
        self.assertIn("ecs:TagResource", allowed)
        self.assertIn("iam:PassRole", allowed)
        # Nothing that could write to the table.
        self.assertFalse([a for a in allowed if a.startswith("dynamodb:") and
                          re.match(r"dynamodb:(Put|Update|Delete|BatchWrite|Transact)", a)])

    @unittest.skipUnless(shutil.which("groff"), "groff is not installed")
    def test_man_page_renders_without_warnings(self):
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z",
                            os.path.join(ROOT, "man", "bedrock-chat-migrate.1")],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), "")


if __name__ == "__main__":
    unittest.main()
