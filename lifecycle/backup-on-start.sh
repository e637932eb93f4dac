# OnStart script of the BACKUP lifecycle configuration (see lifecycle/README.md). Copies every file of
# the notebook's volume to the backup bucket, then uploads data-manifest.json LAST: the workflow only
# deletes the notebook once that manifest exists, so any failure here leaves the notebook (and its data)
# in place. Not runnable alone: lifecycle-scripts.ts deploys it after common.sh, which defines what it uses.

LOG_FILE="${BACKUP_LOG:-/var/log/notebook-backup.log}"

backup_volume() {
  local volume_root path relative source target before count=0 total=0
  volume_root="$(realpath -e -- "$VOLUME")"
  find "$volume_root" -mindepth 1 ! -type d -print0 >"$WORK_DIR/found"
  : >"$WORK_DIR/files"
  while IFS= read -r -d '' path; do
    relative="${path#"$volume_root"/}"
    source="$path"
    if [[ -L "$path" ]]; then
      # The manifest has no link type: a link to a file in the volume comes back as a copy of that file.
      target="$(realpath -e -- "$path")" || {
        log "skipped $relative: broken symlink"
        continue
      }
      if [[ "$target" != "$volume_root"/* ]]; then
        log "skipped $relative: symlink to $target, outside the volume"
        continue
      elif [[ ! -f "$target" ]]; then
        log "skipped $relative: symlink to $target, not a regular file (a directory's files are copied under their own paths)"
        continue
      fi
      source="$target"
    elif [[ ! -f "$path" ]]; then
      log "skipped $relative: not a regular file"
      continue
    fi
    before="$(stat -c '%s %y %z' -- "$source")"
    measure "$source"
    s3_put "$source" "$SNAPSHOT_PREFIX/data/$relative" || fail "cannot upload $relative"
    # The notebook is in service meanwhile: a file written during the copy would not match its checksum.
    [[ "$(stat -c '%s %y %z' -- "$source")" == "$before" ]] || fail "$relative changed while it was copied"
    printf '%s\0%s\0%s\0' "$relative" "$SIZE" "$DIGEST" >>"$WORK_DIR/files"
    count=$((count + 1)) total=$((total + SIZE))
  done <"$WORK_DIR/found"
  write_manifest "$WORK_DIR/files" "$WORK_DIR/data-manifest.json"
  s3_put "$WORK_DIR/data-manifest.json" "$SNAPSHOT_PREFIX/data-manifest.json" || fail "cannot upload data-manifest.json"
  log "backup complete: $count files, $total bytes in s3://$BUCKET/$SNAPSHOT_PREFIX/"
}

main() {
  WORK_DIR="$(mktemp -d)"
  # The log file gets this part too, so that one file on the instance tells the whole story.
  exec 2> >(tee -a "$LOG_FILE" >&2)
  discover_notebook
  read_request backup-request.json
  log "backing up notebook $NOTEBOOK ($VOLUME) to s3://$BUCKET/$SNAPSHOT_PREFIX/"
  run_copy backup_volume
}

trap finish EXIT
main
