"""The wizard against what v1 operators meet: a stopped Aurora cluster (offered, started
only on an explicit yes, followed until available, then on to the bots; the StartDBCluster
request held against botocore's model), and a run whose first bots all fail the same way
(the wizard stops launching and asks)."""
import os
import shutil
import tempfile
import unittest

import botocore_model
import harness
from fault_proxy import FaultProxy
from run_helpers import wait_until
from test_early_stop import BEDROCK_DENIED
from test_wizard_run import Pane, _tmux_available
from simulator import Simulator


class _WizardCase(harness.EmulatorTestCase):
    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="state-", dir=self.emu.tmpdir)
        self.proxy = FaultProxy(int(self.emu.endpoint.rsplit(":", 1)[1])).start()
        self.env = self.emu.env(XDG_STATE_HOME=self.state, BCM_POLL_MS=200,
                                AWS_ENDPOINT_URL=self.proxy.url)
        self.panes = []
        self.sim = None

    def tearDown(self):
        for pane in self.panes:
            pane.close()
        if self.sim is not None:
            self.sim.stop(raise_errors=False)
        self.proxy.stop()
        shutil.rmtree(self.state, ignore_errors=True)

    def start(self):
        pane = Pane(self.env)
        self.panes.append(pane)
        pane.wait_for(lambda s: s.strip() != "")
        pane.keys("Enter")                       # welcome
        pane.wait_for("123456789012")            # identity
        pane.keys("Enter")
        return pane


@unittest.skipUnless(_tmux_available(), "tmux is not installed")
class StoppedClusterWizard(_WizardCase):
    seed_args = {"bots": 3, "failing": 0, "empty_bots": 0, "conversations": 0,
                 "aurora_status": "stopped"}

    def test_offers_to_start_it_and_goes_on_once_available(self):
        pane = self.start()
        screen = pane.wait_for("Start the Aurora cluster?")
        self.assertIn(self.dep.db_cluster[:30], screen)
        self.assertEqual(self.proxy.count("StartDBCluster", "forwarded"), 0, "nothing before the yes")
        rds = self.emu.client("rds")
        self.assertEqual(rds.describe_db_clusters(DBClusterIdentifier=self.dep.db_cluster)
                         ["DBClusters"][0]["Status"], "stopped")
        pane.keys("y")
        pane.wait_for("bots selected", timeout=60)   # on to the bots once available
        self.assertEqual(rds.describe_db_clusters(DBClusterIdentifier=self.dep.db_cluster)
                         ["DBClusters"][0]["Status"], "available")
        starts = [r for r in self.proxy.requests if r.operation == "StartDBCluster"]
        self.assertEqual(len(starts), 1)
        self.assertEqual(botocore_model.check_request("rds", starts[0]), [])
        self.assertIn(b"DBClusterIdentifier=" + self.dep.db_cluster.encode(), starts[0].body)
        pane.keys("q")
        pane.keys("y")
        self.assertIn(pane.exit_status(), (0, 130))


@unittest.skipUnless(_tmux_available(), "tmux is not installed")
class EarlyStopWizard(_WizardCase):
    seed_args = {"bots": 8, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "wizearly"}

    def test_asks_when_the_first_bots_fail_alike(self):
        self.sim = Simulator(self.emu, self.dep, duration=(0.3, 0.5), fail_bot_ids=self.dep.bot_ids(),
                             fail_reason=BEDROCK_DENIED).start()
        pane = self.start()
        pane.wait_for(self.dep.cluster)
        pane.wait_for(lambda s: "✓" in s)
        pane.keys("Enter")
        pane.wait_for("bots selected")
        pane.keys("Enter")
        pane.wait_for("$")
        pane.keys("Tab")
        pane.keys("y")
        screen = pane.wait_for("The first bots all failed the same way", timeout=90)
        self.assertIn("Bedrock model access denied", screen)
        launched = self.proxy.count("RunTask", "forwarded")
        pane.keys("Enter")                        # the focus is on "Stop launching"
        # With tasks still running it asks about them; keep them (the default).
        screen = pane.wait_for(lambda s: "Stop the running tasks too?" in s or "Report written" in s
                               or "Summary" in s.split("\n", 1)[0], timeout=60)
        if "Stop the running tasks too?" in screen:
            pane.keys("Enter")
        wait_until(lambda: all(r.outcome != "running" for r in self.sim.records()), 60, "tasks ended")
        self.assertEqual(self.proxy.count("RunTask", "forwarded"), launched, "no launch after the stop")
        self.assertLess(launched, len(self.dep.bots))

    def test_the_question_in_japanese(self):
        """The cause and what to fix come from the message catalogue: in Japanese here."""
        self.sim = Simulator(self.emu, self.dep, duration=(0.3, 0.5), fail_bot_ids=self.dep.bot_ids(),
                             fail_reason=BEDROCK_DENIED).start()
        pane = Pane(self.env, ("--lang", "ja"))
        self.panes.append(pane)
        pane.wait_for(lambda s: s.strip() != "")
        pane.keys("Enter")                       # welcome
        pane.wait_for("123456789012")            # identity
        pane.keys("Enter")
        pane.wait_for(self.dep.cluster)
        pane.wait_for(lambda s: "✓" in s)
        pane.keys("Enter")
        pane.wait_for("件のボットを選択")
        pane.keys("Enter")
        pane.wait_for("$")
        pane.keys("Tab")
        pane.keys("y")
        screen = pane.wait_for("最初のボットがすべて同じ理由で失敗しました", timeout=90)
        # The cause (the dialog may wrap it after "Bedrock") and what to fix, in Japanese.
        self.assertIn("モデルアクセスが拒否されました", screen)
        self.assertIn("モデルアクセスを有効にし", screen)
        self.assertNotIn("Bedrock model access denied", screen)
        self.assertNotIn("failed the same way", screen)
        pane.keys("Enter")                        # stop launching
        screen = pane.wait_for(lambda s: "最初のボット" not in s, timeout=60)
        if "?" in screen or "？" in screen:
            pane.keys("Enter")
        wait_until(lambda: all(r.outcome != "running" for r in self.sim.records()), 60, "tasks ended")

