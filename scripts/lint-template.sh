#!/usr/bin/env bash
# Validates the templates with the pinned tools in .venv/ (scripts/bootstrap.sh):
# `sam validate --lint` (SAM transform + cfn-lint) and cfn-lint on its own. Both must be
# clean; a warning that stays is ignored in the template beside its reason.
#
#   scripts/lint-template.sh [TEMPLATE...]    # default: template.yaml (the central stack)
#                                             # and member.yaml (the member StackSet)
#
# Offline: telemetry is off. (SAM CLI may also look for a newer version on PyPI once a
# week; that check times out after 5 s and never fails the run.)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ $# -eq 0 ]]; then
    set -- template.yaml member.yaml
fi
# sam validate needs a region; the template does not depend on which.
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-eu-west-1}}"

for tool in sam cfn-lint; do
    if [[ ! -x ".venv/bin/$tool" ]]; then
        printf 'lint-template: .venv/bin/%s is missing: run scripts/bootstrap.sh\n' "$tool" >&2
        exit 1
    fi
done
for template in "$@"; do
    [[ -f "$template" ]] || {
        printf 'lint-template: %s not found\n' "$template" >&2
        exit 1
    }
done

export SAM_CLI_TELEMETRY=0

for template in "$@"; do
    echo "lint-template: sam validate --lint $template"
    .venv/bin/sam validate --lint --template "$template" --region "$region"
    echo "lint-template: cfn-lint $template"
    .venv/bin/cfn-lint -- "$template"
    echo "lint-template: $template is clean"
done
