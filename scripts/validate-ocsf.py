"""Validates OCSF events against the OCSF models of py-ocsf-models (requirements-dev.txt).

Usage: validate-ocsf.py FILE  (a JSON array of events, as `streamwarden check --format ocsf`
prints). Each event must be a valid Compliance Finding (class_uid 2003) and use only
attributes the schema knows: a member the model would drop is an error. Prints
`N passed, N failed` and exits 1 on any failure.
"""

import json
import sys

from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding


def unknown(sent, kept, path=""):
    """The members of `sent` that the validated model did not keep."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        for key, value in sent.items():
            if key not in kept:
                yield f"{path}/{key}"
            else:
                yield from unknown(value, kept[key], f"{path}/{key}")
    elif isinstance(sent, list) and isinstance(kept, list):
        for i, (a, b) in enumerate(zip(sent, kept)):
            yield from unknown(a, b, f"{path}/{i}")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        events = json.load(f)
    if not isinstance(events, list):
        print("not a JSON array", file=sys.stderr)
        return 1
    passed = failed = 0
    for i, event in enumerate(events):
        try:
            model = ComplianceFinding.model_validate(event)
            kept = model.model_dump(mode="json", exclude_unset=True)
            extra = list(unknown(event, kept))
            if extra:
                raise ValueError(f"not in the OCSF schema: {', '.join(extra)}")
            if model.class_uid != 2003:
                raise ValueError(f"class_uid {model.class_uid}, not 2003")
            passed += 1
        except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"event {i}: {e}", file=sys.stderr)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
