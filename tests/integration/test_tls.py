"""HTTPS with a private CA, as the program meets it behind a corporate proxy or a VPC
endpoint with its own certificate: the endpoint's certificate is signed by a CA the test
run made (tls_ca.py) and trusted only through AWS_CA_BUNDLE.

  * the right bundle: the program works over HTTPS (the whole suite also runs once this
    way: `tests/runner.py --tls`, part of `make check`);
  * a bundle of another CA: refused, exit 3, with a message that names the certificate
    problem and says how to trust a private CA; no request gets through;
  * a TLS handshake cut before any request was sent (CURLE_SSL_CONNECT_ERROR): retried
    like a refused connection, since nothing reached AWS; when it keeps failing, the
    message speaks of the connection, not of the CA bundle.
"""
import shutil
import unittest

import tls_ca
from fault_proxy import FaultProxy
from harness import EmulatorTestCase


@unittest.skipUnless(shutil.which("openssl"), "openssl is needed to make the test CA")
class PrivateCa(EmulatorTestCase):
    seed_args = {"bots": 3, "failing": 0, "conversations": 2, "suffix": "tls"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            port = int(cls.emu.endpoint.rsplit(":", 1)[1])
            cls.proxy = FaultProxy(port, ssl_context=tls_ca.server_context()).start()
        except BaseException:
            cls.emu.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        super().tearDownClass()

    def https(self, *args, bundle=None, **env):
        overrides = {"AWS_ENDPOINT_URL": self.proxy.url,
                     "AWS_CA_BUNDLE": bundle or tls_ca.ca_file()}
        overrides.update(env)
        return self.cli(*args, env_overrides=overrides, timeout=120)

    def test_the_right_ca_bundle_is_trusted(self):
        self.assertTrue(self.proxy.url.startswith("https://"))
        before = len(self.proxy.requests)
        done = self.https("whoami")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(self.emu.account_id, done.stdout)
        done = self.https("plan", "--json")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertGreater(len(self.proxy.requests), before, "the calls went through the HTTPS endpoint")

    def test_a_bundle_of_another_ca_is_refused_naming_the_certificate_problem(self):
        before = (len(self.proxy.requests), self.proxy.tls_failures)
        done = self.https("whoami", bundle=tls_ca.other_ca_file())
        self.assertEqual(done.returncode, 3, done.stdout + done.stderr)
        err = done.stderr
        self.assertIn("certificate", err.lower(), err)
        # curl's own words for a chain that ends at an unknown issuer
        self.assertIn("unable to get local issuer certificate", err, err)
        self.assertIn("AWS_CA_BUNDLE", err, "the error says how to trust a private CA")
        self.assertNotIn(self.emu.account_id, done.stdout)
        self.assertEqual(len(self.proxy.requests), before[0], "nothing got through the handshake")
        self.assertGreater(self.proxy.tls_failures, before[1])

    def test_a_cut_handshake_is_retried_since_nothing_was_sent(self):
        cut_before = self.proxy.handshakes_cut
        self.proxy.handshake_failures = 2
        done = self.https("whoami")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.proxy.handshakes_cut - cut_before, 2, "both cut handshakes were retried")
        self.assertIn(self.emu.account_id, done.stdout)

    def test_a_handshake_that_keeps_failing_is_not_blamed_on_the_ca_bundle(self):
        self.proxy.handshake_failures = 1000
        try:
            done = self.https("whoami")
        finally:
            self.proxy.handshake_failures = 0
        self.assertEqual(done.returncode, 3, done.stderr)
        self.assertNotIn("AWS_CA_BUNDLE", done.stderr, "a cut connection is no certificate problem")
        self.assertNotIn("verification failed", done.stderr.lower())
        self.assertIn("connect", done.stderr.lower(), done.stderr)


if __name__ == "__main__":
    unittest.main()
