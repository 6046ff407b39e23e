#!/usr/bin/env bash
# compose/: no Docker engine runs here, so the file is checked as a file:
# it parses, has the six lab nodes on 7001-7006 plus the two scaling nodes,
# and every node loads the cluster config.
. "$(dirname "$0")/lib.sh"
require_cmd python3
python3 -c 'import yaml' 2>/dev/null || skip_all "python3 has no yaml module"
f=$ROOT/compose/docker-compose.yml
ok "docker-compose.yml parses" python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$f"
is "$(python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
print(" ".join(sorted(s for s in d["services"] if s.startswith("redis-"))))' "$f")" \
	"redis-1 redis-2 redis-3 redis-4 redis-5 redis-6 redis-7 redis-8" "eight nodes"
is "$(python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
print(" ".join(d["services"]["redis-%d" % i]["command"][5] for i in range(1, 9)))' "$f")" \
	"7001 7002 7003 7004 7005 7006 7007 7008" "on ports 7001-7008"
like "$(cat "$ROOT/compose/redis.conf")" "cluster-enabled yes" "nodes run in cluster mode"
# The config is one a real redis-server accepts.
if command -v redis-server >/dev/null 2>&1; then
	ok "redis-server accepts compose/redis.conf" sh -c \
		"redis-server '$ROOT/compose/redis.conf' --port 15190 --dir '$T' --bind 127.0.0.1 --daemonize yes --pidfile '$T/c.pid' && sleep 0.3 && redis-cli -p 15190 CLUSTER INFO | grep -q cluster_enabled:1 || redis-cli -p 15190 INFO cluster | grep -q cluster_enabled:1"
	kill "$(cat "$T/c.pid" 2>/dev/null)" 2>/dev/null
fi
done_testing
