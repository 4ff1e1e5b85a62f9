"""Bedrock model access as an optional pre-flight check: GetFoundationModelAvailability for
cohere.embed-multilingual-v3 in the deployment's region, answered by a stand-in Bedrock
(fake_bedrock.py, botocore's wire shapes) reached through AWS_ENDPOINT_URL_BEDROCK. Every
request is held against botocore's Bedrock model. Accessible: the check passes and plan/run
say so. Definitely not accessible: the check fails with where to enable it, and `run` refuses
(exit 3) before any RunTask. Refused or unanswered: skipped with a note, never a crash."""
import json
import unittest

import botocore_model
from fake_bedrock import FakeBedrock
from harness import free_port
from run_helpers import RunTestCase, json_lines
from test_wizard_release import _WizardCase
from test_wizard_run import Pane, _tmux_available

MODEL = "cohere.embed-multilingual-v3"


def _checks(doc):
    return {c["id"]: c for c in doc["checks"]}


class ModelAccessTest(RunTestCase):
    seed_args = {"bots": 3, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "modelaccess"}

    def setUp(self):
        super().setUp()
        self.fake = FakeBedrock(self.emu.region, self.emu.access_key).start()
        self.addCleanup(self.fake.stop)
        self.bedrock = {"AWS_ENDPOINT_URL_BEDROCK": self.fake.url}

    def tearDown(self):
        self.assertEqual(self.fake.problems, [], "every request is what botocore's model allows")
        for rec in self.fake.sent():
            self.assertEqual(botocore_model.check_request("bedrock", rec, "GetFoundationModelAvailability"), [])
            self.assertEqual(rec.path, f"/foundation-model-availability/{MODEL}")
        super().tearDown()

    def outputs(self, expected_exit):
        done = self.run_cli("outputs", "--json", **self.bedrock)
        self.assert_clean_exit(done, expected_exit)
        return json.loads(done.stdout)

    def test_accessible(self):
        self.fake.set(MODEL)
        doc = self.outputs(0)
        check = _checks(doc)["bedrock_model_access"]
        self.assertEqual(check["state"], "ok", check)
        self.assertIn(MODEL, check["summary"])
        self.assertIn(self.emu.region, check["summary"])
        self.assertEqual(check["summary_id"], "check.bedrock_model_access.ok")
        self.assertEqual(doc["bedrock_model_access"],
                         {"model": MODEL, "verdict": "accessible", "agreement": "AVAILABLE",
                          "authorization": "AUTHORIZED", "entitlement": "AVAILABLE",
                          "region_availability": "AVAILABLE"})
        self.assertEqual(len(self.fake.sent()), 1, "one read-only question, nothing invoked")
        self.assertEqual(self.fake.sent()[0].method, "GET")

        plan = self.run_cli("plan", "--json", "--scan-table", **self.bedrock)
        self.assert_clean_exit(plan, 0)
        pj = json.loads(plan.stdout)
        self.assertEqual(pj["bedrock_model_access"]["verdict"], "accessible")
        self.assertEqual(pj["task_contracts"], ["command", "EVENT"])
        human = self.run_cli("plan", "--scan-table", **self.bedrock)
        self.assert_clean_exit(human, 0)
        self.assertIn(f"Bedrock model access: {MODEL} can be invoked in {self.emu.region}", human.stdout)

    def test_not_authorized_fails_and_run_refuses_before_any_task(self):
        self.fake.set(MODEL, authorization="NOT_AUTHORIZED")
        check = _checks(self.outputs(3))["bedrock_model_access"]
        self.assertEqual(check["state"], "fail")
        self.assertIn("not authorized to invoke", check["summary"])
        self.assertIn("Model access", check["hint"])
        self.assertIn(self.emu.region, check["hint"])

        done = self.run_cli("run", "--yes", "--scan-table", **self.bedrock)
        self.assert_clean_exit(done, 3)
        self.assertIn("bedrock_model_access", done.stderr)
        self.assertIn("Model access", done.stderr)
        self.assertEqual(self.sent("RunTask"), [], "nothing may be launched without model access")

        events = json_lines(self.run_cli("run", "--yes", "--json", "--scan-table", **self.bedrock).stdout)
        self.assertFalse([e for e in events if e.get("event") == "plan"], "no plan, no launch")

    def test_no_agreement_yet_warns_and_the_run_goes_on(self):
        # Authorized, entitled, offered, but no agreement yet: Bedrock makes it on the first
        # invocation when the task's role may subscribe through Marketplace, so a warning
        # with both ways out, not a refusal (the early-failure stop catches a real no).
        self.fake.set(MODEL, agreement="NOT_AVAILABLE")
        doc = self.outputs(0)
        check = _checks(doc)["bedrock_model_access"]
        self.assertEqual(check["state"], "warn", check)
        self.assertIn("has not been granted", check["summary"])
        self.assertIn("first invocation", check["hint"])
        self.assertIn("Marketplace", check["hint"])
        self.assertIn(self.emu.region, check["hint"])
        self.assertEqual(check["hint_id"], "hint.bedrock_model_access.first_use")
        self.assertEqual(doc["bedrock_model_access"]["verdict"], "no_agreement")
        self.start_simulator()
        done = self.run_cli("run", "--yes", "--scan-table", **self.bedrock)
        self.assert_clean_exit(done, 0)
        self.assertEqual(len(self.sent("RunTask")), 3, "one task per bot, not refused")

    def test_agreement_not_entitled_or_pending(self):
        self.fake.set(MODEL, entitlement="NOT_AVAILABLE")
        doc = self.outputs(3)
        self.assertIn("not entitled", _checks(doc)["bedrock_model_access"]["summary"])
        self.assertEqual(doc["bedrock_model_access"]["verdict"], "not_accessible")
        self.fake.set(MODEL, agreement="PENDING")
        check = _checks(self.outputs(3))["bedrock_model_access"]
        self.assertIn("still being granted", check["summary"])

    def test_denied_is_skipped_with_a_note(self):
        self.fake.deny()
        doc = self.outputs(0)
        check = _checks(doc)["bedrock_model_access"]
        self.assertEqual(check["state"], "skipped")
        self.assertIn("was refused", check["summary"])
        self.assertIn("bedrock:GetFoundationModelAvailability", check["hint"])
        self.assertIsNone(doc["bedrock_model_access"])
        self.assertTrue(doc["ok"])

    def test_endpoint_errors_are_skipped(self):
        self.fake.fail_with(500, "InternalServerException")
        check = _checks(self.outputs(0))["bedrock_model_access"]
        self.assertEqual(check["state"], "skipped")
        self.assertIn("not checked", check["summary"])
        # Nothing listening at all: still a skipped check, never a crash.
        done = self.run_cli("outputs", "--json", AWS_ENDPOINT_URL_BEDROCK=f"http://127.0.0.1:{free_port()}")
        self.assert_clean_exit(done, 0)
        self.assertEqual(_checks(json.loads(done.stdout))["bedrock_model_access"]["state"], "skipped")


@unittest.skipUnless(_tmux_available(), "tmux is not installed")
class ModelAccessWizard(_WizardCase):
    """The wizard's checklist shows the check (in Japanese too), and a model without access
    keeps the wizard on the outputs step."""
    seed_args = {"bots": 2, "failing": 0, "empty_bots": 0, "conversations": 0}

    def start_with(self, *args, **answer):
        fake = FakeBedrock(self.emu.region, self.emu.access_key).start()
        self.addCleanup(fake.stop)
        fake.set(MODEL, **answer)
        self.env = dict(self.env, AWS_ENDPOINT_URL_BEDROCK=fake.url)
        pane = Pane(self.env, args)
        self.panes.append(pane)
        pane.wait_for(lambda s: s.strip() != "")
        pane.keys("Enter")                       # welcome
        pane.wait_for("123456789012")            # identity
        pane.keys("Enter")
        return pane, fake

    def test_not_authorized_keeps_the_wizard_on_the_checks(self):
        pane, fake = self.start_with(authorization="NOT_AUTHORIZED")
        screen = pane.wait_for("Bedrock model access", timeout=60)
        pane.wait_for("not authorized to invoke", timeout=30)
        pane.keys("Enter")
        screen = pane.wait_for("Model access", timeout=30)
        self.assertNotIn("bots selected", screen)
        self.assertEqual(fake.problems, [])
        self.assertGreaterEqual(len(fake.sent()), 1)

    def test_japanese(self):
        pane, fake = self.start_with("--lang", "ja")
        pane.wait_for("Bedrock モデルアクセス", timeout=60)
        pane.wait_for("呼び出せます", timeout=30)
        self.assertEqual(fake.problems, [])
