# OnStart script of the BACKUP lifecycle configuration: see lifecycle/README.md.

LOG_FILE="${BACKUP_LOG:-/var/log/notebook-backup.log}"

# An upper bound of the archive's size: the CLI needs --expected-size for streams over 50 GB.
IFS= read -r -d '' PY_BOUND <<'PY' || true
t = 20480
for d, ds, fs in os.walk(os.fsencode(sys.argv[1])):
	for n in ds + fs:
		p = os.path.join(d, n)
		t += 2560 + len(p) + os.lstat(p).st_size
print(t + t // 8)
PY

# The archive on stdout; manifest.jsonl and summary in $2. Exact mtimes go in pax headers.
IFS= read -r -d '' PY_ARCHIVE <<'PY' || true
import tarfile
o = H(sys.stdout.buffer)
t = tarfile.open(fileobj=o, mode="w|", format=tarfile.PAX_FORMAT, encoding="utf-8", errors=E)
T = {"file": tarfile.REGTYPE, "directory": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE}
def put(e, st, h):
	i = tarfile.TarInfo(e["path"])
	i.type, i.mode, i.linkname, i.size = T[e["type"]], e["mode"], e.get("target", ""), h and st.st_size or 0
	i.mtime = st.st_mtime_ns // 10 ** 9
	i.pax_headers = {"mtime": "%d.%09d" % divmod(st.st_mtime_ns, 10 ** 9)}
	t.addfile(i, h)
es, skipped = scan(sys.argv[1], put)
t.close()
sys.stdout.buffer.flush()
done(es, skipped, o.n, o.h.hexdigest(), sys.argv[2])
PY

archive() {
  python3 -c "$PY_WALK$PY_BOUND" "$1" >"$WORK_DIR/size" &&
    python3 -c "$PY_WALK$PY_ARCHIVE" "$1" "$WORK_DIR" |
    aws s3 cp - "s3://$BUCKET/$SNAPSHOT_PREFIX/data/archive.tar" --expected-size "$(cat "$WORK_DIR/size")" --only-show-errors
}

backup_volume() {
  local root
  root="$(realpath -e -- "$VOLUME")"
  try "cannot back up the volume" archive "$root"
  complete "$SNAPSHOT_PREFIX/data/manifest.jsonl"
}

main() {
  WORK_DIR="$(mktemp -d)"
  exec 2> >(tee -a "$LOG_FILE" >&2)
  discover_notebook
  read_request backup
  log "backing up notebook $NOTEBOOK ($VOLUME) to s3://$BUCKET/$SNAPSHOT_PREFIX/"
  run_copy backup_volume
}

trap finish EXIT
main
