#!/bin/bash
# OnCreate script of the RESTORE lifecycle configuration (see lifecycle/README.md). Downloads every file of
# a snapshot's data-manifest.json into the new notebook's empty volume, verifies each one's size and
# SHA-256, then uploads restore-manifest.json LAST, only if every file verified: the workflow compares the
# two manifests before it reports the notebook restored. Written for bash 4.2 and python 3.7 too, like
# backup-on-start.sh.
set -euo pipefail

# S3 bucket names have no underscore, so the placeholder is easy to tell from a substituted name.
BUCKET="${BACKUP_BUCKET:-__BACKUP_BUCKET__}"
METADATA_FILE="${RESOURCE_METADATA:-/opt/ml/metadata/resource-metadata.json}"
VOLUME="${SAGEMAKER_VOLUME:-/home/ec2-user/SageMaker}"
LOG_FILE="${BACKUP_LOG:-/var/log/notebook-restore.log}"
FOREGROUND="${BACKUP_FOREGROUND:-0}"
WORK_DIR=""
HANDED_OFF=0

# ---- shared with backup-on-start.sh (a test keeps both copies identical) ----

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

# ---- end of the shared part ----

# Checks the backup's manifest ($1) and writes its files as NUL-terminated path, bytes, sha256 triples
# ($2). The script runs as root: a path must stay inside the volume whatever the manifest says.
read_manifest() {
  python3 - "$1" "$2" <<'PY'
import json, re, sys
manifest = json.load(open(sys.argv[1], encoding="utf-8"))
files, seen, out = manifest["files"], set(), open(sys.argv[2], "wb")
if manifest.get("version") != 1 or manifest.get("fileCount") != len(files):
    sys.exit("unsupported manifest version, or fileCount does not match its files")
for file in files:
    path, size, digest = file.get("path"), file.get("bytes"), file.get("sha256")
    if (not isinstance(path, str) or path in seen or "\0" in path
            or any(part in ("", ".", "..") for part in path.split("/"))):
        sys.exit("unsafe or repeated path in the manifest: %r" % (path,))
    if type(size) is not int or size < 0 or not isinstance(digest, str) or not re.fullmatch("[0-9a-f]{64}", digest):
        sys.exit("bad bytes or sha256 for %r" % (path,))
    seen.add(path)
    out.write(b"%s\0%d\0%s\0" % (path.encode("utf-8"), size, digest.encode()))
PY
}

restore_file() {
  local volume_root="$1" relative="$2" bytes="$3" sha="$4" target parent existing temp
  target="$volume_root/$relative"
  parent="${target%/*}"
  # A directory already there (a cloned repository, say) may be a symlink: check before creating anything.
  existing="$parent"
  while [[ ! -e "$existing" && ! -L "$existing" ]]; do existing="${existing%/*}"; done
  existing="$(realpath -e -- "$existing")" || fail "$relative: a directory on its path is a broken symlink"
  [[ "$existing" == "$volume_root" || "$existing" == "$volume_root"/* ]] ||
    fail "$relative would be written outside the volume, through $existing"
  mkdir -p -- "$parent"
  if [[ -e "$target" || -L "$target" ]]; then
    # The new volume is empty but for what SageMaker put there: never overwrite anything silently.
    [[ -f "$target" && ! -L "$target" ]] || fail "$relative already exists and is not a regular file"
    measure "$target"
    [[ "$SIZE $DIGEST" == "$bytes $sha" ]] || fail "$relative already exists with different content: not overwriting it"
    log "$relative was already there with the same content"
  else
    # A temporary name first, so a file that fails verification never appears under its real name.
    temp="$(mktemp -- "$parent/.notebook-restore.XXXXXX")"
    s3_get "$SNAPSHOT_PREFIX/data/$relative" "$temp" || {
      rm -f -- "$temp"
      fail "cannot download $relative"
    }
    measure "$temp"
    if [[ "$SIZE $DIGEST" != "$bytes $sha" ]]; then
      rm -f -- "$temp"
      fail "$relative does not match the manifest: expected $bytes bytes $sha, got $SIZE bytes $DIGEST"
    fi
    # The manifest has no modes: files come back as a plain download would create them.
    chmod 644 -- "$temp"
    mv -T -- "$temp" "$target"
  fi
  printf '%s\0%s\0%s\0' "$relative" "$SIZE" "$DIGEST" >>"$WORK_DIR/restored"
}

restore_volume() {
  local volume_root relative bytes sha count=0 total=0
  volume_root="$(realpath -e -- "$VOLUME")"
  : >"$WORK_DIR/restored"
  while IFS= read -r -d '' relative && IFS= read -r -d '' bytes && IFS= read -r -d '' sha; do
    restore_file "$volume_root" "$relative" "$bytes" "$sha"
    count=$((count + 1)) total=$((total + bytes))
  done <"$WORK_DIR/files"
  # Jupyter runs as ec2-user, which owns the volume on a notebook instance.
  if id ec2-user >/dev/null 2>&1; then chown -R ec2-user:ec2-user -- "$volume_root"; fi
  write_manifest "$WORK_DIR/restored" "$WORK_DIR/restore-manifest.json"
  s3_put "$WORK_DIR/restore-manifest.json" "$SNAPSHOT_PREFIX/restore-manifest.json" ||
    fail "cannot upload restore-manifest.json"
  log "restore complete: $count files, $total bytes from s3://$BUCKET/$SNAPSHOT_PREFIX/"
}

main() {
  WORK_DIR="$(mktemp -d)"
  # The log file gets this part too, so that one file on the instance tells the whole story.
  exec 2> >(tee -a "$LOG_FILE" >&2)
  discover_notebook
  read_request restore-request.json
  s3_get "$SNAPSHOT_PREFIX/data-manifest.json" "$WORK_DIR/data-manifest.json" ||
    fail "no data-manifest.json in s3://$BUCKET/$SNAPSHOT_PREFIX/: that backup never completed"
  read_manifest "$WORK_DIR/data-manifest.json" "$WORK_DIR/files" || fail "data-manifest.json is not valid"
  log "restoring notebook $NOTEBOOK ($VOLUME) from s3://$BUCKET/$SNAPSHOT_PREFIX/"
  run_copy restore_volume
}

trap finish EXIT
main
