# Common part of the notebook lifecycle scripts (see lifecycle/README.md): lifecycle-scripts.ts deploys
# each as "#!/bin/bash", this part, then the script's own part (backup-on-start.sh, restore-on-create.sh).
# Written for bash 4.2 and python 3.7 too: Amazon Linux 2 notebooks are the ones being replaced.
set -euo pipefail

# S3 bucket names have no underscore, so the placeholder is easy to tell from a substituted name.
BUCKET="${BACKUP_BUCKET:-__BACKUP_BUCKET__}"
METADATA_FILE="${RESOURCE_METADATA:-/opt/ml/metadata/resource-metadata.json}"
VOLUME="${SAGEMAKER_VOLUME:-/home/ec2-user/SageMaker}"
FOREGROUND="${BACKUP_FOREGROUND:-0}"
WORK_DIR=""
HANDED_OFF=0
# LOG_FILE, the log on the instance, is set by each script's own part.

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() {
  log "ERROR: $*"
  exit 1
}

# The only two AWS CLI calls besides sts: the test stand-in implements exactly these.
s3_get() { aws s3 cp "s3://$BUCKET/$1" "$2" --only-show-errors; }
s3_put() { aws s3 cp "$1" "s3://$BUCKET/$2" --only-show-errors; }

# Sets SIZE and DIGEST (lowercase hex SHA-256) as the manifest records them. Reading stdin keeps
# sha256sum from escaping unusual file names in its output.
measure() {
  SIZE="$(stat -c %s -- "$1")"
  DIGEST="$(sha256sum <"$1")"
  DIGEST="${DIGEST%% *}"
}

# Sets NOTEBOOK and NOTEBOOK_PREFIX, the contract's roles/<role id>:SageMaker/<notebook>.
discover_notebook() {
  local metadata caller
  [[ "$BUCKET" != *_* ]] || fail "bucket placeholder not substituted: deploy through lifecycle-scripts.ts"
  metadata="$(python3 -c '
import json, sys
metadata = json.load(open(sys.argv[1], encoding="utf-8"))
arn = metadata.get("ResourceArn", "").split(":")
print(metadata["ResourceName"] + "\t" + (arn[3] if len(arn) > 5 else ""))
' "$METADATA_FILE")" || fail "cannot read the notebook name from $METADATA_FILE"
  NOTEBOOK="${metadata%%$'\t'*}"
  # A notebook in a private subnet reaches STS only through its regional endpoint, so the CLI needs a region.
  if [[ -z "${AWS_REGION:-}${AWS_DEFAULT_REGION:-}" && -n "${metadata#*$'\t'}" ]]; then
    export AWS_DEFAULT_REGION="${metadata#*$'\t'}"
  fi
  caller="$(aws sts get-caller-identity --query UserId --output text)" || fail "cannot get the role id from STS"
  # The bucket policy lets the role write only under its aws:userid, "<role id>:SageMaker".
  [[ "$caller" =~ ^[A-Za-z0-9]+:SageMaker$ ]] || fail "caller $caller is not a role session named SageMaker"
  NOTEBOOK_PREFIX="roles/$caller/$NOTEBOOK"
}

# Downloads the workflow's request ($1) and sets SNAPSHOT_PREFIX, which must be one snapshot of this notebook.
read_request() {
  s3_get "$NOTEBOOK_PREFIX/$1" "$WORK_DIR/$1" || fail "cannot download s3://$BUCKET/$NOTEBOOK_PREFIX/$1"
  SNAPSHOT_PREFIX="$(python3 - "$WORK_DIR/$1" "$NOTEBOOK_PREFIX" <<'PY'
import json, sys
request, parent = json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2] + "/"
prefix = request.get("snapshotPrefix") if isinstance(request, dict) else None
snapshot = prefix[len(parent):] if isinstance(prefix, str) and prefix.startswith(parent) else ""
if request.get("version") != 1 or snapshot in ("", ".", "..") or "/" in snapshot:
    sys.exit('expected {"version": 1, "snapshotPrefix": "%s<snapshot id>"}' % parent)
print(prefix)
PY
  )" || fail "$1 is not a valid request"
}

# Writes the manifest ($2) from a list ($1) of NUL-terminated path, bytes, sha256 triples.
write_manifest() {
  python3 - "$1" "$NOTEBOOK" "$2" <<'PY'
import datetime, json, sys
fields = open(sys.argv[1], "rb").read().split(b"\0")[:-1]
files = [{"path": fields[i].decode("utf-8"), "bytes": int(fields[i + 1]), "sha256": fields[i + 2].decode()}
         for i in range(0, len(fields), 3)]
files.sort(key=lambda file: file["path"])  # code point order, the order S3 lists keys in
now = datetime.datetime.now(datetime.timezone.utc)
manifest = {"version": 1, "notebookName": sys.argv[2],
            "completedAt": now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000),
            "fileCount": len(files), "totalBytes": sum(file["bytes"] for file in files), "files": files}
json.dump(manifest, open(sys.argv[3], "w", encoding="utf-8"), ensure_ascii=False, indent=2)
PY
}

# Runs on every exit, of the launcher and of the background copy.
finish() {
  local status=$?
  if ((status != 0)); then log "FAILED (exit $status): nothing more will be uploaded, so the workflow sees no manifest"; fi
  if [[ "$HANDED_OFF" != 1 && -n "$WORK_DIR" ]]; then rm -rf -- "$WORK_DIR"; fi
  # A failing lifecycle script leaves the notebook Failed, where the workflow cannot re-attach its
  # original configuration; the missing manifest already tells the workflow to keep the notebook.
  if [[ "$FOREGROUND" != 1 ]]; then exit 0; fi
}

# Runs the copy ($1) here, or detached: setsid and nohup let it outlive the 5-minute lifecycle limit, and
# its own log file keeps it from holding this script's output (which SageMaker reads to the end) open.
run_copy() {
  if [[ "$FOREGROUND" == 1 ]]; then
    "$1"
    return
  fi
  HANDED_OFF=1
  export BUCKET VOLUME NOTEBOOK SNAPSHOT_PREFIX WORK_DIR FOREGROUND
  HANDED_OFF=0 setsid nohup bash -euo pipefail -c "$(declare -f); trap finish EXIT; $1" \
    </dev/null >>"$LOG_FILE" 2>&1 &
  log "copy running in the background (pid $!), log: $LOG_FILE"
}

# ---- end of the common part: the script's own part follows ----
