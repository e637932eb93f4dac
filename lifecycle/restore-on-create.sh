# OnCreate script of the RESTORE lifecycle configuration: see lifecycle/README.md.

LOG_FILE="${BACKUP_LOG:-/var/log/notebook-restore.log}"
# The restore writes through this second mount of the volume while the volume is read-only for its users.
WRITE_PATH="${RESTORE_WRITE_PATH:-/run/notebook-restore/volume}"

# Extracts stdin into $1. The old notebook's users could write the archive: refuse all that is not a file,
# directory or symlink at a safe path, never write through a symlink nor over an entry, drop setuid/setgid.
IFS= read -r -d '' PY_EXTRACT <<'PY' || true
import shutil, tarfile
from decimal import Decimal
root, out = os.fsencode(sys.argv[1]), sys.argv[2]
s, m = json.load(open(out + "/backup")), open(out + "/backup.jsonl", "rb").read()
if s.get("version") != 2 or s.get("manifestSha256") != hashlib.sha256(m).hexdigest() or s.get("entries") != m.count(b"\n"):
	sys.exit("backup-status/complete does not describe data/manifest.jsonl")
D = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
def opendir(ps):
	fd = os.open(root, D)
	for x in ps:
		try:
			n = os.open(x, D, dir_fd=fd)
		finally:
			os.close(fd)
		fd = n
	return fd
src, dirs, k, pd, fd = H(sys.stdin.buffer), [], 0, [], os.open(root, D)
t = tarfile.open(fileobj=src, mode="r|", encoding="utf-8", errors=E)
for i in t:
	k += 1
	ps = i.name.encode("utf-8", E).split(b"/")
	try:
		if "\0" in i.name or any(x in (b"", b".", b"..") for x in ps) or ps[0] == b"lost+found":
			raise ValueError("unsafe path")
		if i.sparse is not None or i.type not in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE):
			raise ValueError("not a file, directory or symlink")
		if ps[:-1] != pd:
			os.close(fd)
			pd, fd = ps[:-1], opendir(ps[:-1])
		mode, ns, n = i.mode & 0o1777, int(Decimal(i.pax_headers.get("mtime", i.mtime)).scaleb(9)), ps[-1]
		if i.isdir():
			try:
				os.mkdir(n, 0o700, dir_fd=fd)
			except FileExistsError:
				if not stat.S_ISDIR(os.stat(n, dir_fd=fd, follow_symlinks=False).st_mode):
					raise
			dirs.append((ps, mode, ns))
		elif i.issym():
			os.symlink(i.linkname.encode("utf-8", E), n, dir_fd=fd)
			os.utime(n, ns=(ns, ns), dir_fd=fd, follow_symlinks=False)
		else:
			tmp = b".notebook-restore.%d.%d" % (os.getpid(), k)
			w = open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=fd), "wb")
			try:
				with w:
					shutil.copyfileobj(t.extractfile(i), w)
					w.flush()
					os.fchmod(w.fileno(), mode)
					os.utime(w.fileno(), ns=(ns, ns))
				# Unlike rename, link never replaces an existing entry.
				os.link(tmp, n, src_dir_fd=fd, dst_dir_fd=fd)
			finally:
				os.unlink(tmp, dir_fd=fd)
	except (OSError, ValueError) as x:
		sys.exit("refused %r: %s" % (i.name, x))
	if src.n > s["archiveBytes"]:
		sys.exit("archive.tar is longer than archiveBytes")
while src.read(1 << 20):
	pass
if (src.n, src.h.hexdigest(), k) != (s["archiveBytes"], s["archiveSha256"], s["entries"]):
	sys.exit("archive.tar does not match backup-status/complete")
for ps, mode, ns in reversed(dirs):
	fd = opendir(ps)
	os.fchmod(fd, mode)
	os.utime(fd, ns=(ns, ns))
	os.close(fd)
open(out + "/archive", "w").write("%d %s" % (src.n, src.h.hexdigest()))
PY

# The restored volume's manifest, by the backup's own walk.
IFS= read -r -d '' PY_RESTORED <<'PY' || true
def drain(e, st, h):
	while h and h.read(1 << 20):
		pass
n, sha = open(sys.argv[2] + "/archive").read().split()
es, skipped = scan(sys.argv[1], drain)
done(es, skipped, int(n), sha, sys.argv[2])
PY

extract() {
  aws s3 cp "s3://$BUCKET/$SNAPSHOT_PREFIX/data/archive.tar" - --only-show-errors |
    python3 -c "$PY_WALK$PY_EXTRACT" "$1" "$WORK_DIR"
}

restore_volume() {
  local root
  root="$(realpath -e -- "$VOLUME")"
  try "cannot restore the archive" extract "$root"
  # Jupyter runs as ec2-user, which owns the volume on a notebook instance.
  if id ec2-user >/dev/null 2>&1; then try "cannot give the volume to ec2-user" chown -R ec2-user:ec2-user -- "$root"; fi
  try "cannot read the restored volume" python3 -c "$PY_WALK$PY_RESTORED" "$root" "$WORK_DIR"
  complete "$SNAPSHOT_PREFIX/restores/$ATTEMPT/manifest.jsonl"
}

main() {
  local root
  WORK_DIR="$(mktemp -d)"
  exec 2> >(tee -a "$LOG_FILE" >&2)
  discover_notebook
  read_request restore
  s3_get "$SNAPSHOT_PREFIX/backup-status/complete" "$WORK_DIR/backup" || fail "no backup-status/complete: the backup never completed"
  s3_get "$SNAPSHOT_PREFIX/data/manifest.jsonl" "$WORK_DIR/backup.jsonl" || fail "cannot download data/manifest.jsonl"
  log "restoring notebook $NOTEBOOK ($VOLUME) from s3://$BUCKET/$SNAPSHOT_PREFIX/"
  root="$(realpath -e -- "$VOLUME")" || fail "no volume at $VOLUME"
  # The notebook is InService while the copy runs: only root may pass the 700 parent of the write path.
  { install -d -m 700 -- "${WRITE_PATH%/*}" && mkdir -p -- "$WRITE_PATH"; } || fail "cannot create $WRITE_PATH"
  try "cannot mount the volume at $WRITE_PATH" mount --bind "$root" "$WRITE_PATH"
  freeze "$root"
  VOLUME="$WRITE_PATH"
  run_copy restore_volume
}

on_exit
main
