# OnCreate script of the RESTORE lifecycle configuration (see lifecycle/README.md). Downloads every file of
# a snapshot's data-manifest.json into the new notebook's empty volume, verifies each one's size and
# SHA-256, then uploads restore-manifest.json LAST, only if every file verified: the workflow compares the
# two manifests before it reports the notebook restored. Not runnable alone: lifecycle-scripts.ts deploys
# it after common.sh, which defines what it uses.

LOG_FILE="${BACKUP_LOG:-/var/log/notebook-restore.log}"

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
