"""moto_server with the RDS operation the snapshot copy needs and moto lacks.

moto implements RestoreDBClusterFromSnapshot, CreateDBInstance, ModifyDBCluster,
DescribeDBClusterSnapshots, DeleteDBCluster, DeleteDBInstance and tags, but not
`EnableHttpEndpoint` (the RDS Data API switch for Serverless v2 and provisioned clusters):
its ModifyDBCluster EnableHttpEndpoint only works for Serverless v1 engine versions, as
on AWS. This module adds that one action to moto's own RDS responder and then runs
moto_server unchanged, so signature checking, IAM enforcement, request parsing and the
reply serialisation stay moto's (replies are serialised from botocore's rds model:
EnableHttpEndpointResult {ResourceArn, HttpEndpointEnabled}). The cluster then reports
HttpEndpointEnabled true in DescribeDBClusters, which is what the Data API test server
(data_api.py) checks before it serves a restored cluster.

Usage (harness.py does this when an Emulator is made with rds_extras=True):
    python3 moto_extras.py -H 127.0.0.1 -p PORT
"""
import sys

from moto.core.responses import ActionResult
from moto.rds.exceptions import DBClusterNotFoundError
from moto.rds.responses import RDSResponse


def enable_http_endpoint(self):
    arn = self._get_param("ResourceArn")
    for cluster in self.backend.clusters.values():
        if cluster.db_cluster_arn == arn:
            cluster._enable_http_endpoint = True
            return ActionResult({"ResourceArn": arn, "HttpEndpointEnabled": True})
    raise DBClusterNotFoundError(arn)


def disable_http_endpoint(self):
    arn = self._get_param("ResourceArn")
    for cluster in self.backend.clusters.values():
        if cluster.db_cluster_arn == arn:
            cluster._enable_http_endpoint = False
            return ActionResult({"ResourceArn": arn, "HttpEndpointEnabled": False})
    raise DBClusterNotFoundError(arn)


RDSResponse.enable_http_endpoint = enable_http_endpoint
RDSResponse.disable_http_endpoint = disable_http_endpoint


def _slow_restore(knob_path):
    """A test knob: while the file knob_path exists, RestoreDBClusterFromSnapshot makes the
    cluster and then waits that many seconds before it answers, so a test can kill the
    program between the restore reaching RDS and its answer being journaled."""
    import os
    import time

    original = RDSResponse.restore_db_cluster_from_snapshot

    def restore(self):
        result = original(self)
        try:
            with open(knob_path, encoding="utf-8") as f:
                time.sleep(min(float(f.read().strip() or 0), 30.0))
        except (OSError, ValueError):
            pass
        return result

    RDSResponse.restore_db_cluster_from_snapshot = restore


def _record_requests(path):
    """Appends each request moto parses (service, operation, form parameters or JSON body) to
    path as JSON lines, so tests can hold what the program sent against botocore's models."""
    import json
    import threading

    from moto.core.responses import BaseResponse

    lock = threading.Lock()
    original = BaseResponse.setup_class

    def setup_class(self, request, full_url, headers, *args, **kwargs):
        result = original(self, request, full_url, headers, *args, **kwargs)
        try:
            target = self.headers.get("X-Amz-Target") or ""
            body = self.body if isinstance(self.body, str) else ""
            entry = {"service": getattr(self, "service_name", ""), "target": target, "body": body,
                     "content_type": self.headers.get("Content-Type") or "",
                     "user_agent": self.headers.get("User-Agent") or ""}
            if target:
                entry["operation"] = target.rsplit(".", 1)[-1]
                entry["json"] = json.loads(body) if body else {}
            else:
                form = {k: v[0] if isinstance(v, list) and v else v for k, v in self.querystring.items()}
                entry["operation"] = form.get("Action", "")
                entry["form"] = {k: v for k, v in form.items() if isinstance(v, str)}
            with lock, open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
        except Exception:   # recording must never change what moto answers
            pass
        return result

    BaseResponse.setup_class = setup_class

if __name__ == "__main__":
    import os
    if os.environ.get("BCM_MOTO_REQUEST_LOG"):
        _record_requests(os.environ["BCM_MOTO_REQUEST_LOG"])
        _slow_restore(os.path.join(os.path.dirname(os.environ["BCM_MOTO_REQUEST_LOG"]), "slow-restore"))
    from moto.server import main
    main(sys.argv[1:])
