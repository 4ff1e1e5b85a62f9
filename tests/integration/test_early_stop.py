"""A run whose first bots all fail the same way stops launching: the Bedrock model access
failure operators meet (#471) on every bot, counted in RunTask calls; --max-early-failures 0
keeps launching; a run that resumes after the fix launches the rest."""
import json

from run_helpers import RunTestCase, json_lines

BEDROCK_DENIED = ("botocore.errorfactory.AccessDeniedException: An error occurred (AccessDeniedException) "
                  "when calling the InvokeModel operation: You don't have access to the model with the "
                  "specified model ID.")


class EarlyStop(RunTestCase):
    seed_args = {"bots": 8, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "early"}

    def everyone_fails(self):
        return self.start_simulator(fail_bot_ids=self.dep.bot_ids(), fail_reason=BEDROCK_DENIED,
                                    duration=(0.2, 0.4))

    def test_first_three_failing_alike_stop_the_launches(self):
        self.everyone_fails()
        done = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 1)
        self.assert_clean_exit(done, 1)
        self.assertEqual(len(self.sent("RunTask")), 3, "no RunTask after the third failure")
        self.assertEqual(done.stdout.count("Stopped launching"), 1, done.stdout)
        self.assertIn("Bedrock model access denied", done.stdout)
        self.assertIn("Model access", done.stdout)
        self.assertIn("5 bots not launched", done.stdout)
        states = self.final_states()
        self.assertEqual(sorted(b["state"] for b in states.values()), ["failed"] * 3 + ["queued"] * 5)

        # After the fix, the same journal resumes: the other five are launched (and the three retried).
        self.sim.stop(raise_errors=True)
        self.start_simulator(duration=(0.1, 0.2))
        again = self.run_cli("run", "--yes", "--retry-failed", "--concurrency", 4)
        self.assert_clean_exit(again, 0)
        self.assertEqual(len(self.sent("RunTask")), 3 + 8)

    def test_json_event_and_zero_never_stops(self):
        self.everyone_fails()
        done = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 1, "--json")
        self.assert_clean_exit(done, 1)
        events = [e for e in json_lines(done.stdout) if e.get("event") == "early_stop"]
        self.assertEqual(len(events), 1, done.stdout)
        self.assertEqual(events[0]["cause"], "Bedrock model access denied")
        self.assertEqual(events[0]["failed_the_same_way"], 3)
        self.assertEqual(events[0]["not_launched"], 5)
        # The same through the message catalogue (what the wizard words in Japanese).
        self.assertEqual(events[0]["cause_id"], "early.cause.bedrock_access")
        self.assertEqual(events[0]["cause_params"], {})
        self.assertEqual(events[0]["hint_id"], "early.hint.bedrock_access")
        messages = [e for e in json_lines(done.stdout) if e.get("event") == "message"
                    and "failed the same way" in e.get("text", "")]
        self.assertEqual(len(messages), 1)
        self.assertIn("3 of the first 3 bots to finish failed the same way: Bedrock model access denied. "
                      "Not launching the other 5 bots", messages[0]["text"])
        first = len(self.sent("RunTask"))
        self.assertEqual(first, 3)

        done = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 2, "--new-run",
                            "--max-early-failures", 0)
        self.assert_clean_exit(done, 1)
        self.assertEqual(len(self.sent("RunTask")) - first, 8, "every bot launched when told never to stop")
        self.assertNotIn("Stopped launching", done.stdout)

    def test_usage(self):
        done = self.run_cli("run", "--yes", "--max-early-failures", "-1")
        self.assert_clean_exit(done, 2)
        self.assertIn("--max-early-failures", done.stderr)
