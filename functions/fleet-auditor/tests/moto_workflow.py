"""moto server with Security Hub's BatchUpdateFindings, for the waived-finding tests.

moto (5.2.5) has no BatchUpdateFindings (no PATCH /findings/batchupdate route), and its
BatchImportFindings overwrites every field of an existing finding, Workflow and Note
included. Security Hub does neither: once a finding exists, BatchImportFindings leaves
its Workflow and Note alone, and BatchUpdateFindings sets them (API reference,
BatchImportFindings and BatchUpdateFindings). This adds both behaviours to moto's own
Security Hub backend, then runs moto_server with the arguments given.
"""
import datetime
import json
import sys

from moto.securityhub import urls
from moto.securityhub.models import SecurityHubBackend
from moto.securityhub.responses import SecurityHubResponse

CUSTOMER_FIELDS = ("Workflow", "Note")
import_findings = SecurityHubBackend.batch_import_findings


def batch_import_findings(self, findings):
    kept = {}
    for finding in findings:
        existing = next((f for f in self.findings if f.id == finding.get("Id")), None)
        if existing is not None:
            kept[finding["Id"]] = {k: existing.data[k] for k in CUSTOMER_FIELDS if k in existing.data}
    result = import_findings(self, findings)
    for finding in self.findings:
        if finding.id in kept:
            for field in CUSTOMER_FIELDS:
                finding.data.pop(field, None)
            finding.data.update(kept[finding.id])
    return result


def batch_update_findings(self, identifiers, workflow, note):
    processed, unprocessed = [], []
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    for ident in identifiers:
        finding = next(
            (f for f in self.findings
             if f.id == ident.get("Id") and f.data.get("ProductArn") == ident.get("ProductArn")),
            None,
        )
        if finding is None:
            unprocessed.append({"FindingIdentifier": ident, "ErrorCode": "FindingNotFound",
                                "ErrorMessage": "Finding Not Found"})
            continue
        if workflow:
            finding.data["Workflow"] = dict(workflow)
        if note:
            finding.data["Note"] = dict(note, UpdatedAt=now)
        processed.append(ident)
    return processed, unprocessed


def batch_update_findings_response(self):
    body = json.loads(self.body or "{}")
    processed, unprocessed = self.securityhub_backend.batch_update_findings(
        body.get("FindingIdentifiers", []), body.get("Workflow"), body.get("Note"))
    return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})


SecurityHubBackend.batch_import_findings = batch_import_findings
SecurityHubBackend.batch_update_findings = batch_update_findings
SecurityHubResponse.batch_update_findings = batch_update_findings_response
urls.url_paths["{0}/findings/batchupdate$"] = SecurityHubResponse.dispatch

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
