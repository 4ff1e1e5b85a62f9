"""`outputs` against the emulator: discovery (default stack, --stack, a missing stack with
candidates), every paste format through --outputs FILE and standard input, a broken paste,
a deleted security group, and the JSON fields scripts rely on."""
import json
import os
import tempfile
import unittest

import harness
import seed

JSON_FIELDS = ("table", "cluster", "task_definition", "task_definition_arn", "container",
               "security_group", "subnets", "document_bucket", "source", "stack", "task_cpu",
               "task_memory", "log_group", "log_stream_prefix", "checks")
CHECK_IDS = {"table", "cluster", "task_definition", "subnets", "security_group",
             "document_bucket", "stack_version", "aurora_cluster",
             "release", "bedrock_model_access"}


def _checks(doc):
    return {c["id"]: c for c in doc["checks"]}


class _Base(harness.EmulatorTestCase):
    def outputs_json(self, *args, input=None):
        done = self.cli("outputs", "--json", *args, input=input)
        try:
            doc = json.loads(done.stdout)
        except ValueError:
            self.fail(f"not JSON (rc {done.returncode}): {done.stdout!r} {done.stderr!r}")
        return done, doc

    def assert_resolves_to(self, doc, dep):
        self.assertEqual(doc["table"], dep.table)
        self.assertEqual(doc["cluster"], dep.cluster)
        self.assertEqual(doc["task_definition"], dep.task_family)
        self.assertEqual(doc["security_group"], dep.security_group)
        self.assertEqual(doc["container"], dep.container)


class DiscoveryTest(_Base):
    """The seeded BedrockChatStack, a second Bedrock Chat stack, and CDKToolkit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.other = seed.seed_deployment(cls.emu, bots=2, failing=0, stack_name="OtherChat",
                                             conversations=0, empty_bots=0, suffix="other")
        except BaseException:
            cls.emu.stop()
            raise

    def test_default_stack_json_fields(self):
        done, doc = self.outputs_json()
        self.assertEqual(done.returncode, 0, done.stderr)
        for field in JSON_FIELDS:
            self.assertIn(field, doc)
        self.assert_resolves_to(doc, self.dep)
        self.assertEqual(doc["subnets"], self.dep.private_subnets)
        self.assertEqual(doc["document_bucket"], self.dep.bucket)
        self.assertEqual(doc["stack"], "BedrockChatStack")
        self.assertIn("BedrockChatStack", doc["source"])
        self.assertEqual(doc["task_cpu"], 2048)
        self.assertEqual(doc["task_memory"], 4096)
        self.assertEqual(doc["log_group"], self.dep.log_group)
        self.assertEqual(doc["log_stream_prefix"], self.dep.log_prefix)
        self.assertTrue(doc["task_definition_arn"].endswith(f"task-definition/{self.dep.task_family}:1"))
        # The seed deploys v1.4 (100 GiB of ephemeral storage); launches satisfy both contracts.
        self.assertEqual(doc["release_family"], "v1.2.5+")
        self.assertEqual(doc["task_contracts"], ["command", "EVENT"])
        checks = _checks(doc)
        self.assertIn("v1.2.5 or later", checks["release"]["summary"])
        self.assertEqual(set(checks), CHECK_IDS)
        for cid in CHECK_IDS - {"document_bucket"}:
            self.assertEqual(checks[cid]["state"], "ok", checks[cid])
            self.assertIsNone(checks[cid]["hint"])
        self.assertEqual(checks["document_bucket"]["state"], "skipped")
        self.assertIn("--check-bucket", checks["document_bucket"]["hint"])
        for c in doc["checks"]:
            self.assertIn(c["state"], ("ok", "warn", "fail", "skipped"))

    def test_check_bucket(self):
        done, doc = self.outputs_json("--check-bucket")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(_checks(doc)["document_bucket"]["state"], "ok")

    def test_human_output(self):
        done = self.cli("outputs")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(self.dep.table, done.stdout)
        self.assertIn(self.dep.private_subnets[1], done.stdout)
        self.assertIn("✓ table", done.stdout)
        self.assertIn("All checks passed", done.stdout)
        self.assertNotIn("\x1b", done.stdout)

    def test_other_stack(self):
        done, doc = self.outputs_json("--stack", "OtherChat")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assert_resolves_to(doc, self.other)
        self.assertEqual(doc["stack"], "OtherChat")

    def test_missing_stack_lists_candidates(self):
        done = self.cli("outputs", "--stack", "NoSuchStack")
        self.assertEqual(done.returncode, 3, done.stdout)
        self.assertIn("NoSuchStack does not exist", done.stderr)
        self.assertIn("BedrockChatStack", done.stderr)
        self.assertIn("OtherChat", done.stderr)
        self.assertIn("--stack NAME", done.stderr)
        self.assertNotIn("CDKToolkit", done.stderr)  # its look-alike key is not enough
        self.assertEqual(done.stdout, "")


class SingleCandidateTest(_Base):
    """Only a stack with another name: discovery picks it and says so."""
    seed_args = dict(bots=2, failing=0, stack_name="ProdChat", conversations=0, empty_bots=0)

    def test_picks_the_only_candidate(self):
        done, doc = self.outputs_json()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assert_resolves_to(doc, self.dep)
        self.assertEqual(doc["stack"], "ProdChat")
        self.assertIn("BedrockChatStack does not exist", doc["source"])

    def test_a_named_stack_that_does_not_exist_is_never_replaced_by_another(self):
        for command in ("outputs", "plan"):
            with self.subTest(command=command):
                done = self.cli(command, "--stack", "Nope")
                self.assertEqual(done.returncode, 3, done.stdout + done.stderr)
                self.assertIn("Nope does not exist", done.stderr)
                self.assertIn("ProdChat", done.stderr, "what exists is named")
                self.assertNotIn(self.dep.table, done.stdout, "nothing was resolved from ProdChat")


def _aws_text(outputs):
    # `--output text` sorts each row's columns by name: Description, ExportName, OutputKey, OutputValue.
    rows = ["STACKS\t2026-11-20T10:00:00.000Z\tFalse\tarn:aws:cloudformation:ap-northeast-1:123456789012:"
            "stack/BedrockChatStack/0a1b\tBedrockChatStack\tUPDATE_COMPLETE"]
    rows += [f"OUTPUTS\tNone\tNone\t{k}\t{v}" for k, v in outputs.items()]
    return "\n".join(rows) + "\n"


def _aws_table(outputs):
    kw = max(len(k) for k in outputs)
    vw = max(len(v) for v in outputs.values())
    rule = "||+" + "-" * (kw + 2) + "+" + "-" * (vw + 2) + "+||"
    lines = ["-" * (kw + vw + 11), "|" + "DescribeStacks".center(kw + vw + 9) + "|",
             "||" + "Outputs".center(kw + vw + 7) + "||", rule,
             "|||  " + "OutputKey".center(kw) + "  |  " + "OutputValue".center(vw) + "  |||", rule]
    lines += [f"|||  {k.ljust(kw)}  |  {v.ljust(vw)}  |||" for k, v in outputs.items()]
    return "\n".join(lines + [rule]) + "\n"


class PasteTest(_Base):
    seed_args = dict(bots=2, failing=0, conversations=0, empty_bots=0)

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    def formats(self):
        out = self.dep.outputs
        described = self.emu.client("cloudformation").describe_stacks(StackName=self.dep.stack_name)
        described.pop("ResponseMetadata", None)
        d = self.dep
        return {
            "console": "\ufeffKey\tValue\tDescription\tExport name\r\n" +
                       "".join(f"{k}\t{v}\t-\t-\r\n" for k, v in out.items()),
            "console_ja": "キー  値  説明  エクスポート名\n" + "".join(f"{k}   {v}   -   -\n" for k, v in out.items()),
            "json": json.dumps(described, default=str, indent=4),
            "json_outputs": json.dumps(described["Stacks"][0]["Outputs"], indent=2),
            "text": _aws_text(out),
            "table": _aws_table(out),
            "env": "".join(f"export {k}='{v}'\n" for k, v in (
                ("TABLE_NAME", d.table), ("CLUSTER_NAME", d.cluster),
                ("TASK_DEFINITION_NAME", d.task_family), ("SECURITY_GROUP_ID", d.security_group),
                ("SUBNET_ID", ",".join(d.private_subnets)))),
            "python": ("# AWS 管理コンソールで CloudFormation スタックを開き、Outputs タブから値をコピーします。\n"
                       f'TABLE_NAME = "{d.table}"\nCLUSTER_NAME = "{d.cluster}"\n'
                       f'TASK_DEFINITION_NAME = "{d.task_family}"\n'
                       'CONTAINER_NAME = "Container"  # 変更不要\n'
                       f'SUBNET_ID = "{d.private_subnets[0]}"\n'
                       f"SECURITY_GROUP_ID = '{d.security_group}'  # comment\n"),
        }

    def test_every_format_file_and_stdin(self):
        for name, text in self.formats().items():
            path = self.write(name + ".txt", text)
            for via in ("file", "stdin"):
                with self.subTest(format=name, via=via):
                    if via == "file":
                        done, doc = self.outputs_json("--outputs", path)
                    else:
                        done, doc = self.outputs_json("--outputs", "-", input=text)
                    self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
                    self.assert_resolves_to(doc, self.dep)
                    self.assertEqual(doc["subnets"][0], self.dep.private_subnets[0])
                    self.assertIsNone(doc["stack"])
                    self.assertIn(path if via == "file" else "standard input", doc["source"])
                    states = {c["id"]: c["state"] for c in doc["checks"]}
                    for cid in ("table", "cluster", "task_definition", "subnets", "security_group"):
                        self.assertEqual(states[cid], "ok", (cid, doc["checks"]))

    def test_broken_paste_names_the_line(self):
        d = self.dep
        path = self.write("broken.py", f'TABLE_NAME = "{d.table}"\n# the cluster\n'
                                       f'CLUSTER_NAME = "{d.cluster}\nSUBNET_ID = "{d.private_subnets[0]}"\n')
        done = self.cli("outputs", "--outputs", path)
        self.assertEqual(done.returncode, 3)
        self.assertIn("line 3", done.stderr)
        self.assertIn("closing quote", done.stderr)
        self.assertEqual(done.stdout, "")
        done, doc = self.outputs_json("--outputs", path)
        self.assertEqual(done.returncode, 3)
        self.assertIn("line 3", doc["error"])
        self.assertNotIn("table", doc)  # never a partial result

    def test_missing_keys_say_where(self):
        path = self.write("partial.txt", f"DatabaseConversationTableNameAB12CD34\t{self.dep.table}\n")
        done = self.cli("outputs", "--outputs", path)
        self.assertEqual(done.returncode, 3)
        self.assertIn("EmbeddingClusterName", done.stderr)
        self.assertIn("CloudFormation › BedrockChatStack › Outputs", done.stderr)

    def test_deleted_security_group(self):
        ec2 = self.emu.client("ec2")
        gone = ec2.create_security_group(GroupName="bcm-deleted-sg", Description="deleted",
                                         VpcId=self.dep.vpc)["GroupId"]
        ec2.delete_security_group(GroupId=gone)
        out = dict(self.dep.outputs)
        for k in list(out):
            if k.startswith("EmbeddingTaskSecurityGroupId"):
                out[k] = gone
        path = self.write("sg.txt", "".join(f"{k}\t{v}\n" for k, v in out.items()))
        done = self.cli("outputs", "--outputs", path)
        self.assertEqual(done.returncode, 3, done.stdout + done.stderr)
        self.assertIn("✗ security_group", done.stdout)
        self.assertIn(f"{gone} not found", done.stdout)
        self.assertIn("npx cdk deploy", done.stdout)
        done, doc = self.outputs_json("--outputs", path)
        self.assertEqual(done.returncode, 3)
        sg = _checks(doc)["security_group"]
        self.assertEqual(sg["state"], "fail")
        self.assertTrue(sg["hint"])
        self.assertFalse(doc["ok"])


if __name__ == "__main__":
    unittest.main()
