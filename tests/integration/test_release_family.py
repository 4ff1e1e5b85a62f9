"""What was deployed, shown: the release family from the stack's resources (v1.2.5+ launches
its embedding tasks through a Step Functions state machine, AWS::StepFunctions::StateMachine)
and from the task definition (v1.2.5+ asks for 100 GiB of ephemeral storage), and that
every launch satisfies both task contracts (command argument and EVENT), in `outputs
--json`, `plan --json`, `plan` and the wizard's outputs step; seeded with and without the
state machine. The ListStackResources request is held against botocore's model."""
import json
import unittest

import botocore_model
from run_helpers import RunTestCase
from test_wizard_release import _WizardCase
from test_wizard_run import Pane, _tmux_available


def _checks(doc):
    return {c["id"]: c for c in doc["checks"]}


class _ReleaseCase(RunTestCase):
    def outputs(self):
        done = self.run_cli("outputs", "--json")
        self.assert_clean_exit(done, 0)
        for rec in self.sent("ListStackResources"):
            self.assertEqual(botocore_model.check_request("cloudformation", rec), [])
        return json.loads(done.stdout)

    def plan(self):
        done = self.run_cli("plan", "--json", "--scan-table")
        self.assert_clean_exit(done, 0)
        return json.loads(done.stdout)


class V14WithStateMachine(_ReleaseCase):
    seed_args = {"bots": 2, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "rel14"}

    def test_state_machine_and_storage_say_v125(self):
        doc = self.outputs()
        self.assertEqual(doc["release_family"], "v1.2.5+")
        self.assertEqual(doc["release_evidence"], ["step_functions_state_machine", "task_ephemeral_storage"])
        self.assertTrue(doc["state_machine"].startswith("BedrockChatStack-EmbeddingStateMachine"), doc["state_machine"])
        self.assertEqual(doc["task_contracts"], ["command", "EVENT"])
        release = _checks(doc)["release"]
        self.assertEqual(release["state"], "ok")
        self.assertIn("Step Functions state machine", release["summary"])
        self.assertIn("both contracts are met", release["summary"])
        self.assertEqual(release["summary_id"], "check.release.v1_2_5_both")
        self.assertEqual(len(self.sent("ListStackResources")), 1)

        plan = self.plan()
        self.assertEqual(plan["release_family"], "v1.2.5+")
        self.assertEqual(plan["task_contracts"], ["command", "EVENT"])
        self.assertEqual(plan["release_evidence"], doc["release_evidence"])
        human = self.run_cli("plan", "--scan-table")
        self.assert_clean_exit(human, 0)
        self.assertIn("Release: v1.2.5 or later (the Step Functions state machine", human.stdout)


class V10StackWithStateMachine(_ReleaseCase):
    """A task definition without the 100 GiB (an edited cdk.json) but the state machine there:
    the stack's resources decide (v1.2.5+ launches through Step Functions)."""
    seed_args = {"bots": 2, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "relsfn",
                 "release": "v1.0", "state_machine": True}

    def test_state_machine_alone_says_v125(self):
        doc = self.outputs()
        self.assertEqual(doc["release_family"], "v1.2.5+")
        self.assertEqual(doc["release_evidence"], ["step_functions_state_machine"])
        self.assertEqual(_checks(doc)["release"]["summary_id"], "check.release.v1_2_5_state_machine")


class V10WithoutStateMachine(_ReleaseCase):
    seed_args = {"bots": 2, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "rel10",
                 "release": "v1.0"}

    def test_neither_sign_says_v100(self):
        doc = self.outputs()
        self.assertEqual(doc["release_family"], "v1.0.0-v1.2.4")
        self.assertEqual(doc["release_evidence"], [])
        self.assertIsNone(doc["state_machine"])
        release = _checks(doc)["release"]
        self.assertIn("no Step Functions state machine", release["summary"])
        self.assertIn("both contracts are met", release["summary"])
        self.assertEqual(self.plan()["release_family"], "v1.0.0-v1.2.4")


@unittest.skipUnless(_tmux_available(), "tmux is not installed")
class ReleaseWizard(_WizardCase):
    seed_args = {"bots": 2, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "relwiz"}

    def test_outputs_step_shows_the_release_and_both_contracts(self):
        pane = self.start()
        screen = pane.wait_for("Bedrock Chat release", timeout=60)
        screen = pane.wait_for("both task contracts are met", timeout=30)
        self.assertIn("Release deployed: v1.2.5+", screen)
        self.assertIn("Step Functions", screen)

    def test_japanese(self):
        pane = Pane(self.env, ("--lang", "ja"))
        self.panes.append(pane)
        pane.wait_for(lambda s: s.strip() != "")
        pane.keys("Enter")
        pane.wait_for("123456789012")
        pane.keys("Enter")
        pane.wait_for("Bedrock Chat のリリース", timeout=60)
        screen = pane.wait_for("どちらのタスク契約も満たします", timeout=30)
        self.assertIn("デプロイ済みのリリース: v1.2.5+", screen)
