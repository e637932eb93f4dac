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

# The archive on stdout; manifest.jsonl, summary and meta (each entry's metadata as copied) in $2. Exact
# mtimes go in pax headers.
IFS= read -r -d '' PY_ARCHIVE <<'PY' || true
import tarfile
o, M = H(sys.stdout.buffer), {}
t = tarfile.open(fileobj=o, mode="w|", format=tarfile.PAX_FORMAT, encoding="utf-8", errors=E)
T = {"file": tarfile.REGTYPE, "directory": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE}
def put(e, st, h):
	M[e["path"]] = [e["type"], e["mode"], st.st_size, st.st_mtime_ns, e.get("target")]
	i = tarfile.TarInfo(e["path"])
	i.type, i.mode, i.linkname, i.size = T[e["type"]], e["mode"], e.get("target", ""), h and st.st_size or 0
	i.mtime = st.st_mtime_ns // 10 ** 9
	i.pax_headers = {"mtime": "%d.%09d" % divmod(st.st_mtime_ns, 10 ** 9)}
	t.addfile(i, h)
es, skipped = scan(sys.argv[1], put)
t.close()
sys.stdout.buffer.flush()
done(es, skipped, o.n, o.h.hexdigest(), sys.argv[2])
json.dump(M, open(sys.argv[2] + "/meta", "w"))
PY

# Walks $1 again (lstat only) and fails if any entry differs from $2/meta: the volume is read-only since
# before the copy, so a difference means someone with root got past that, and the copy is not the volume.
IFS= read -r -d '' PY_CHECK <<'PY' || true
M, d, K = json.load(open(sys.argv[2] + "/meta")), [], {stat.S_IFDIR: "directory", stat.S_IFLNK: "symlink", stat.S_IFREG: "file"}
def go(p, r):
	for n in sorted(os.listdir(p)):
		q, x = r + n, p + b"/" + n
		if q == b"lost+found":
			continue
		s = os.lstat(x)
		k, y = q.decode("utf-8", E), K.get(stat.S_IFMT(s.st_mode))
		if not y:
			continue
		if M.pop(k, 0) != [y, s.st_mode & 0o1777, s.st_size, s.st_mtime_ns, os.readlink(x).decode("utf-8", E) if y == "symlink" else None]:
			d.append(k)
		if y == "directory":
			go(x, q + b"/")
go(os.fsencode(sys.argv[1]), b"")
d = sorted(d + list(M))
if d:
	sys.exit("%d entries differ from the copy: %s" % (len(d), ", ".join(map(repr, d[:5]))))
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
  try "the volume changed after it was copied" python3 -c "$PY_WALK$PY_CHECK" "$root" "$WORK_DIR"
  complete "$SNAPSHOT_PREFIX/data/manifest.jsonl"
}

main() {
  local root
  WORK_DIR="$(mktemp -d)"
  exec 2> >(tee -a "$LOG_FILE" >&2)
  discover_notebook
  read_request backup
  log "backing up notebook $NOTEBOOK ($VOLUME) to s3://$BUCKET/$SNAPSHOT_PREFIX/"
  root="$(realpath -e -- "$VOLUME")" || fail "no volume at $VOLUME"
  # Before the notebook is InService, so before any user can write: read-only until the workflow stops it.
  freeze "$root"
  run_copy backup_volume
}

on_exit
main
