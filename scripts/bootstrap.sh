#!/usr/bin/env bash
# Installs the Python tools of the local stack (moto_server, cargo-lambda, cfn-lint, sam)
# into .venv/ at the repository root, pinned by requirements-dev.txt.
#
#   scripts/bootstrap.sh          # create or refresh .venv/ if needed; silent otherwise
#   scripts/bootstrap.sh --force  # rebuild .venv/ from scratch
#
# A fresh machine needs only Python 3.11 (with its venv module) and a package index.
# The venv is rebuilt from scratch whenever requirements-dev.txt (or this script's stamp
# version) changed, recorded by a hash in .venv/.bootstrap-stamp, or its interpreter is
# gone or not 3.11; otherwise the script exits silently in a few milliseconds, so it is
# safe to call before every test run. Set PYTHON to pick the interpreter that creates it.
set -euo pipefail

readonly STAMP_VERSION=1
started=$SECONDS
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
requirements="$root/requirements-dev.txt"
stamp="$venv/.bootstrap-stamp"
python="${PYTHON:-python3}"

die() {
    printf 'bootstrap: error: %s\n' "$*" >&2
    exit 1
}

force=0
case "${1:-}" in
    "") ;;
    --force) force=1 ;;
    -h | --help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument '$1' (try --help)" ;;
esac

[[ -f "$requirements" ]] || die "$requirements is missing"

# What the venv must have been built from: this script's stamp version and the
# requirements. Its interpreter is checked by running it (any Python 3.11 will do, so
# calling this with another 3.11 does not rebuild).
want="stamp=$STAMP_VERSION requirements=$(sha256sum "$requirements" | cut -d' ' -f1)"

up_to_date() {
    [[ $force -eq 0 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
        "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1
}

# Fast path, no lock: nothing to do, say nothing.
up_to_date && exit 0

command -v "$python" >/dev/null 2>&1 ||
    die "'$python' not found: install Python 3.11 (or set PYTHON=/path/to/python3.11)"
py_version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')" ||
    die "'$python' does not run"
[[ "$py_version" == 3.11.* ]] ||
    die "requirements-dev.txt is pinned for Python 3.11, but '$python' is $py_version (set PYTHON=/path/to/python3.11)"

# Serialise concurrent runs (two `make` targets at once) on one lock per checkout.
if command -v flock >/dev/null 2>&1; then
    lock="${TMPDIR:-/tmp}/streamwarden-bootstrap-$(printf '%s' "$root" | sha256sum | cut -c1-16).lock"
    exec 9>"$lock"
    flock 9
    # Another run may have finished the work while we waited.
    if up_to_date; then
        exit 0
    fi
fi

log="$(mktemp "${TMPDIR:-/tmp}/streamwarden-bootstrap.XXXXXX.log")"
fail() {
    printf 'bootstrap: error: %s\n' "$1" >&2
    if [[ -s "$log" ]]; then
        printf 'bootstrap: last lines of %s:\n' "$log" >&2
        tail -n 30 "$log" | cut -c1-400 | sed 's/^/    /' >&2
    fi
    printf 'bootstrap: failed after %ss; .venv/ is left incomplete: re-run scripts/bootstrap.sh once the cause is fixed\n' \
        "$((SECONDS - started))" >&2
    exit 1
}

if [[ -d "$venv" ]]; then
    echo "bootstrap: .venv/ is stale (requirements-dev.txt changed, or not Python 3.11): rebuilding it"
else
    echo "bootstrap: creating .venv/ (Python $py_version)"
fi
# Always from scratch: no stale packages left behind, and an interrupted run leaves no
# stamp, so the next run starts over.
rm -rf "$venv"
"$python" -m venv "$venv" >>"$log" 2>&1 ||
    fail "'$python -m venv' failed (on Debian/Ubuntu: apt-get install python3.11-venv)"

echo "bootstrap: installing requirements-dev.txt (first run takes a minute)"
PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$venv/bin/python" -m pip install --quiet --requirement "$requirements" >>"$log" 2>&1 ||
    fail "pip install -r requirements-dev.txt failed (is the package index reachable?)"

# The entry points the project uses must be there.
for tool in moto_server cargo-lambda cfn-lint sam; do
    [[ -x "$venv/bin/$tool" ]] || fail ".venv/bin/$tool is missing after the install"
done
"$venv/bin/python" -c 'import moto.server, flask' >>"$log" 2>&1 ||
    fail "moto[server] does not import"

printf '%s\n' "$want" >"$stamp"
rm -f "$log"
echo "bootstrap: .venv/ ready in $((SECONDS - started))s (moto_server, cargo-lambda, cfn-lint, sam in .venv/bin)"
