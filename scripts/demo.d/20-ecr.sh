# Scene: push an image to ECR without a Docker daemon (ecrPush).
# moto plays ECR's API; Debian's docker-registry plays the registry, with basic auth whose user AWS and password are
# exactly what moto's GetAuthorizationToken hands out — so the token the step fetches is what lets it push.
scene "ecrPush: build a small image archive (what docker save writes)"
ecr_dir="$work/ecr"
mkdir -p "$ecr_dir"
python3 - "$ecr_dir/myapp.tar" <<'PY'
import hashlib, io, json, os, sys, tarfile
def layer(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for name, data in files.items():
            i = tarfile.TarInfo(name); i.size = len(data); i.mtime = 0
            t.addfile(i, io.BytesIO(data))
    return b.getvalue()
layers = [layer({"etc/os-release": b"NAME=demo\n"}), layer({"app/server.bin": os.urandom(3 << 20)})]
diff_ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/app/server.bin"]},
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
with tarfile.open(sys.argv[1], "w") as t:
    def add(name, data):
        i = tarfile.TarInfo(name); i.size = len(data); i.mtime = 0
        t.addfile(i, io.BytesIO(data))
    cfg = hashlib.sha256(config).hexdigest() + ".json"
    add(cfg, config)
    names = []
    for d, l in zip(diff_ids, layers):
        names.append(d[7:] + "/layer.tar"); add(names[-1], l)
    add("manifest.json", json.dumps([{"Config": cfg, "RepoTags": ["myapp:1.0.0"], "Layers": names}]).encode())
PY
ls -l "$ecr_dir/myapp.tar"

registry_port=$(free_port)
htpasswd -Bbn AWS 123456789012-auth-token >"$ecr_dir/htpasswd" 2>/dev/null
cat >"$ecr_dir/registry.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $ecr_dir/data}}
http: {addr: "127.0.0.1:$registry_port", secret: demo-only}
auth: {htpasswd: {realm: demo, path: $ecr_dir/htpasswd}}
YML
docker-registry serve "$ecr_dir/registry.yml" >"$ecr_dir/registry.log" 2>&1 &
registry_pid=$!
pids+=("$registry_pid")
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$registry_port/v2/" || true)
  [ "$code" = 401 ] && break
  sleep 0.1
done
echo "== docker-registry (standing in for ECR's registry, basic auth) on port $registry_port"

scene "Push it: create the repository (immutable tags, scan on push), upload, tag"
aws-deploy ecr-push --source "docker-archive:$ecr_dir/myapp.tar" --repository demo/myapp --tags 1.0.0 \
  --create-repository --tag-mutability IMMUTABLE --scan-on-push --registry-url "http://127.0.0.1:$registry_port"

scene "Push it again: the tag already points to this digest, nothing is uploaded"
aws-deploy ecr-push --source "docker-archive:$ecr_dir/myapp.tar" --repository demo/myapp --tags 1.0.0 \
  --registry-url "http://127.0.0.1:$registry_port"

kill "$registry_pid" 2>/dev/null || true
wait "$registry_pid" 2>/dev/null || true
