#!/usr/bin/env bash
# Starts each local service the service-backed tests use, if it is not already answering.
# The commands are the ones this machine kind uses to start them before a session.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local name=$1 port=$2
  for _ in $(seq 1 60); do port_open "$port" && return 0; sleep 1; done
  echo "start-services: $name did not come up on port $port" >&2
  return 1
}

start() {
  local name=$1 port=$2; shift 2
  if port_open "$port"; then echo "start-services: $name up on $port"; return 0; fi
  echo "start-services: starting $name"
  "$@" || echo "start-services: starting $name failed" >&2
  wait_port "$name" "$port" && echo "start-services: $name up on $port"
}

status=0
start postgresql 5432 pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql 2>/dev/null | head -n1)" main start || status=1
start mariadb 3306 start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || status=1
start redis 6379 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || status=1
start rabbitmq 5672 rabbitmq-server -detached || status=1
start nats 4222 start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || status=1
start mosquitto 1883 mosquitto -d -c /etc/mosquitto/mosquitto.conf || status=1
# A missing service is not fatal here: the suites that need it fail with its name under CI=true.
exit 0
