# Common part of the lifecycle scripts: see lifecycle/README.md. bash 4.2, python 3.7 (Amazon Linux 2).
set -euo pipefail

# Bucket names have no underscore: the placeholder is easy to spot.
BUCKET="${BACKUP_BUCKET:-__BACKUP_BUCKET__}"
METADATA_FILE="${RESOURCE_METADATA:-/opt/ml/metadata/resource-metadata.json}"
VOLUME="${SAGEMAKER_VOLUME:-/home/ec2-user/SageMaker}"
FOREGROUND="${BACKUP_FOREGROUND:-0}"
WORK_DIR="" HANDED_OFF=0 MARKER="" REASON="" FROZEN=""

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() {
  REASON="$*"
  log "ERROR: $*"
  exit 1
}

s3_get() { aws s3 cp "s3://$BUCKET/$1" "$2" --only-show-errors; }
s3_put() { aws s3 cp "$1" "s3://$BUCKET/$2" --only-show-errors; }

# Sets NOTEBOOK and NOTEBOOK_PREFIX (roles/<role id>:SageMaker/<notebook>).
discover_notebook() {
  local metadata caller
  [[ "$BUCKET" != *_* ]] || fail "bucket placeholder not substituted: deploy through lifecycle-scripts.ts"
  metadata="$(python3 - "$METADATA_FILE" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(m["ResourceName"] + "\t" + (m.get("ResourceArn", "") + ":::").split(":")[3])
PY
  )" || fail "cannot read the notebook name from $METADATA_FILE"
  NOTEBOOK="${metadata%%$'\t'*}"
  [[ "$NOTEBOOK" =~ ^[A-Za-z0-9-]+$ ]] || fail "unexpected notebook name $NOTEBOOK"
  # In a private subnet STS is reachable only at its regional endpoint.
  if [[ -z "${AWS_REGION:-}${AWS_DEFAULT_REGION:-}" && -n "${metadata#*$'\t'}" ]]; then
    export AWS_DEFAULT_REGION="${metadata#*$'\t'}"
  fi
  caller="$(aws sts get-caller-identity --query UserId --output text)" || fail "cannot get the role id from STS"
  # The bucket policy lets the role write only under its aws:userid.
  [[ "$caller" =~ ^[A-Za-z0-9]+:SageMaker$ ]] || fail "caller $caller is not a SageMaker role session"
  NOTEBOOK_PREFIX="roles/$caller/$NOTEBOOK"
}

# Reads $1-request.json: sets SNAPSHOT_PREFIX, ATTEMPT (a restore's own id) and MARKER (the status prefix).
read_request() {
  local request="$1-request.json" parsed found
  s3_get "$NOTEBOOK_PREFIX/$request" "$WORK_DIR/request" || fail "cannot download s3://$BUCKET/$NOTEBOOK_PREFIX/$request"
  parsed="$(python3 - "$WORK_DIR/request" "$NOTEBOOK_PREFIX/" "$1" <<'PY'
import json, re, sys
r, n = json.load(open(sys.argv[1])), sys.argv[2]
p = r.get("snapshotPrefix") if isinstance(r, dict) else None
s = p[len(n):] if isinstance(p, str) and p.startswith(n) else ""
a = r.get("attempt", "") if sys.argv[3] == "restore" else "-"
if r.get("version") != 2 or s in ("", ".", "..") or "/" in s or not (isinstance(a, str) and re.fullmatch("[A-Za-z0-9_-]{1,80}", a)):
	sys.exit('expected {"version": 2, "snapshotPrefix": "%s<snapshot id>"%s}' % (n, ', "attempt": "<id>"' * (a != "-")))
print(a + "\t" + p)
PY
  )" || fail "$request is not a valid request"
  # The attempt is [A-Za-z0-9_-], so the first tab ends it.
  ATTEMPT="${parsed%%$'\t'*}" SNAPSHOT_PREFIX="${parsed#*$'\t'}"
  # A restore may be retried (each attempt has its own status); a backup is done once per snapshot.
  local marker="$SNAPSHOT_PREFIX/backup-status"
  [[ "$1" != restore ]] || marker="$SNAPSHOT_PREFIX/restores/$ATTEMPT/status"
  # Scripts cannot delete: a second status, or an archive replaced under a complete one, would mislead.
  # Listed, not read: the role may list its own prefix, and reading a missing key would be refused (403).
  # MARKER stays unset until then, so a refusal writes no status of its own.
  found="$(aws s3api list-objects-v2 --bucket "$BUCKET" --prefix "$marker/" --query 'Contents[].Key' --output text)" ||
    fail "cannot list s3://$BUCKET/$marker/"
  if [[ "$found" != None ]]; then
    # Restarted after its backup completed: the volume must stay the copy until the workflow stops it.
    if [[ "$1" == backup && "$found" == */complete ]]; then freeze "$(realpath -e -- "$VOLUME")" && FROZEN=""; fi
    fail "${marker#"$SNAPSHOT_PREFIX/"}/${found##*/} already exists"
  fi
  MARKER="$marker"
}

# H hashes and counts what passes through. scan walks the volume: put(entry, stat, H over a file or None)
# must read a file to its end. done writes manifest.jsonl and summary.
IFS= read -r -d '' PY_WALK <<'PY' || true
import hashlib, json, os, stat, sys
E = "surrogateescape"
sys.setrecursionlimit(10000)
class H:
	def __init__(s, f):
		s.f, s.h, s.n = f, hashlib.sha256(), 0
	def read(s, k=-1):
		b = s.f.read(k)
		s.write(b, 0)
		return b
	def write(s, b, w=1):
		s.h.update(b)
		s.n += len(b)
		w and s.f.write(b)
def scan(root, put):
	es, skipped = [], []
	def go(d, r):
		for n in sorted(os.listdir(d)):
			p, q = d + b"/" + n, r + n
			if q == b"lost+found":
				continue
			st = os.lstat(p)
			e = {"path": q.decode("utf-8", E), "mode": st.st_mode & 0o1777, "bytes": 0}
			if stat.S_ISDIR(st.st_mode):
				e["type"] = "directory"
			elif stat.S_ISLNK(st.st_mode):
				e["type"], e["target"] = "symlink", os.readlink(p).decode("utf-8", E)
			elif stat.S_ISREG(st.st_mode):
				e["type"] = "file"
				with open(os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK), "rb") as f:
					a, h = os.fstat(f.fileno()), H(f)
					put(e, a, h)
					b = os.fstat(f.fileno())
				# The notebook is in service: a file changing while read would be torn.
				if (a.st_ino, a.st_size, a.st_mtime_ns, h.n) != (st.st_ino, b.st_size, b.st_mtime_ns, b.st_size):
					sys.exit("%r changed while read" % e["path"])
				e["bytes"], e["sha256"] = h.n, h.h.hexdigest()
			else:
				skipped.append(e["path"])
				print("skipped %r: not a file, directory or symlink" % e["path"], file=sys.stderr)
				continue
			if e["type"] != "file":
				put(e, st, None)
			es.append(e)
			if e["type"] == "directory":
				go(p, q + b"/")
	go(os.fsencode(root), b"")
	return es, len(skipped)
def done(es, skipped, n, sha, out):
	es.sort(key=lambda e: e["path"])
	m = "".join(json.dumps(e, ensure_ascii=True, sort_keys=True, separators=(",", ":")) + "\n" for e in es).encode()
	open(out + "/manifest.jsonl", "wb").write(m)
	c = lambda t: sum(1 for e in es if e["type"] == t)
	s = {"entries": len(es), "files": c("file"), "directories": c("directory"), "symlinks": c("symlink"),
         "skipped": skipped, "totalBytes": sum(e["bytes"] for e in es), "archiveBytes": n,
         "archiveSha256": sha, "manifestSha256": hashlib.sha256(m).hexdigest()}
	open(out + "/summary", "w").write(json.dumps(s, separators=(",", ":"))[1:-1])
PY

# Runs "${@:2}"; if it fails, its first error lines end the reason $1.
try() {
  local rc=0
  "${@:2}" 2>"$WORK_DIR/err" || rc=$?
  cat "$WORK_DIR/err" >&2
  ((rc == 0)) || fail "$1: $(grep -v -e '^ ' -e '^Traceback' -e '^skipped ' "$WORK_DIR/err" | head -n 2 | tr '\n' ' ')"
}

# Makes the volume $1 read-only to everyone from now until the notebook stops (a stop clears mounts), so no
# write after the copy listed it can be lost unseen: users get "Read-only file system" instead.
freeze() {
  try "cannot make the volume read-only" mount --bind "$1" "$1"
  FROZEN="$1"
  try "cannot make the volume read-only" mount -o remount,bind,ro "$1"
  log "$1 is read-only until the notebook stops"
}

# Lifts the freeze if this run failed ($1 not 0): a complete backup keeps it, as the copy must stay the
# volume until the stop. A remount, not umount, which a kernel or shell using the volume would make fail.
thaw() {
  if (($1 != 0)) && [[ -n "$FROZEN" ]]; then
    if mount -o remount,bind,rw "$FROZEN"; then log "$FROZEN is writable again"; else log "cannot make $FROZEN writable again"; fi
  fi
}

# Uploads the manifest ($1), then the complete status LAST.
complete() {
  try "cannot upload $1" s3_put "$WORK_DIR/manifest.jsonl" "$1"
  printf '{"version":2,"notebookName":"%s","completedAt":"%s",%s}' "$NOTEBOOK" \
    "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$(cat "$WORK_DIR/summary")" >"$WORK_DIR/complete"
  try "cannot upload $MARKER/complete" s3_put "$WORK_DIR/complete" "$MARKER/complete"
  log "complete: $(cat "$WORK_DIR/summary")"
}

# Runs on every exit, of the launcher and of the background copy.
finish() {
  local status=$? text
  # First, so that users may write again however long the failed status takes. A launcher that handed off
  # leaves the freeze to the copy.
  if [[ "$HANDED_OFF" != 1 ]]; then thaw "$status"; fi
  if ((status != 0)); then
    log "FAILED (exit $status)"
    if [[ -n "$MARKER" ]]; then
      # ASCII (so UTF-8), at most 1024 bytes.
      text="$(printf %s "${REASON:-exit $status}" | LC_ALL=C tr -c '\40-\176' ' ')"
      printf '%s\n' "${text:0:1023}" >"$WORK_DIR/failed"
      s3_put "$WORK_DIR/failed" "$MARKER/failed" || log "cannot upload $MARKER/failed"
    fi
  fi
  if [[ "$HANDED_OFF" != 1 && -n "$WORK_DIR" ]]; then rm -rf -- "$WORK_DIR"; fi
  # A failing lifecycle script leaves the notebook Failed, where its configuration cannot be changed.
  # So only a foreground run asked for the copy's status (tests, manual runs) exits with it.
  if [[ "$FOREGROUND" != 1 || "${BACKUP_EXIT_STATUS:-}" != copy ]]; then exit 0; fi
}

# finish on every exit. A signal becomes an exit with its status: in the EXIT trap of a signalled bash, $?
# is the last command's (often 0), and finish must see a failure to lift the freeze and write failed.
on_exit() {
  trap finish EXIT
  trap 'signalled SIGHUP 129' HUP
  trap 'signalled SIGINT 130' INT
  trap 'signalled SIGTERM 143' TERM
}
signalled() {
  REASON="stopped by $1"
  exit "$2"
}

# Runs the copy ($1), detached unless FOREGROUND: it outlives the 5-minute limit, and logs to a file so as
# not to hold open this script's output, which SageMaker reads to the end.
run_copy() {
  if [[ "$FOREGROUND" == 1 ]]; then
    "$1"
    return
  fi
  HANDED_OFF=1
  export BUCKET VOLUME NOTEBOOK SNAPSHOT_PREFIX ATTEMPT WORK_DIR FOREGROUND MARKER LOG_FILE FROZEN "${!PY_@}"
  HANDED_OFF=0 setsid nohup bash -euo pipefail -c "$(declare -f); on_exit; $1" \
    </dev/null >>"$LOG_FILE" 2>&1 &
  log "copy running in the background (pid $!), log: $LOG_FILE"
}

# ---- end of the common part ----
