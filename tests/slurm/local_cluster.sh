#!/usr/bin/env bash
# A throw-away single-node SLURM cluster on this machine, for the SLURM tests (tests/slurm/).
#
#   tests/slurm/local_cluster.sh up      install (Debian packages, once), configure, start
#   tests/slurm/local_cluster.sh down    cancel all jobs, stop what `up` started, restore /etc
#   tests/slurm/local_cluster.sh status  daemons, sinfo, squeue
#
# Needs root and apt (Debian/Ubuntu); no systemd: the daemons are started by hand. One node,
# `localhost`, in one partition, `debug`, with fake GPUs as a generic resource (gres), so jobs
# that ask for `--gpus=1` are scheduled and get CUDA_VISIBLE_DEVICES as on a real GPU node.
# There is no accounting database (no slurmdbd): `sacct` does not work here, so Snakemake's SLURM
# executor must poll with `squeue` (profile: `slurm-status-command: squeue`), which sees finished
# jobs for MinJobAge seconds.
#
# `up` is idempotent: with the cluster already running on the same configuration it changes
# nothing; with another configuration (e.g. SLURM_CI_GPUS=0) it restarts with a clean state.
# `down` leaves the machine as it found it, except for the installed packages.
#
# Settings (environment):
#   SLURM_CI_GPUS  fake GPUs on the node; 0: a node without GPUs       (default 1)
#   SLURM_CI_CPUS  CPUs the node advertises (may exceed the real ones)  (default: nproc)
#   SLURM_CI_MEM   memory (MB) the node advertises; not enforced here   (default: 90% of RAM)
#   SLURM_CI_VAR   state, logs, pid files and fake devices             (default: $TMPDIR/slurm-ci)
set -euo pipefail

ACTION=${1:-}
VAR=${SLURM_CI_VAR:-${TMPDIR:-/tmp}/slurm-ci}
GPUS=${SLURM_CI_GPUS:-1}
CPUS=${SLURM_CI_CPUS:-$(nproc)}
MEM=${SLURM_CI_MEM:-$(awk '/^MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)}
# Debian's SLURM reads /etc/slurm. SLURM_CONF cannot point elsewhere: the executor's job step
# plugin drops SLURM_* variables before it calls `srun` inside a job.
ETC=/etc/slurm
CONFIGS=(slurm.conf gres.conf)
# Written into every file this script installs, so that `down` removes only its own files.
MARK="# written by powerhungry tests/slurm/local_cluster.sh"
NODE=localhost
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
unset SLURM_CONF

log() { echo "[local_cluster] $*" >&2; }
fail() {
  log "$*"
  exit 1
}

# retry <seconds> <command...>: run the command every 0.2 s until it succeeds or time is up.
retry() {
  local tries=$(($1 * 5)) i
  shift
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop <pidfile>...: SIGTERM, then SIGKILL after 10 s.
stop() {
  local file pid
  for file in "$@"; do
    running "$file" || continue
    pid=$(cat "$file")
    kill "$pid" 2>/dev/null || true
    retry 10 sh -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
  done
}

install_packages() {
  local missing=() pair
  for pair in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || fail "SLURM is not installed and there is no apt-get"
  log "installing ${missing[*]}"
  # The packages' install scripts must not start the daemons through /etc/init.d: `up` starts
  # them itself, with its own configuration. policy-rc.d exit 101 forbids it for this install.
  local policy=/usr/sbin/policy-rc.d ours=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    ours=1
  fi
  local status=0
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null || status=$?
  if [ "$ours" = 1 ]; then rm -f "$policy"; fi
  [ "$status" = 0 ] || fail "apt-get could not install ${missing[*]}"
}

munge_works() { munge -n </dev/null | unmunge >/dev/null; }

start_munge() {
  if munge_works 2>/dev/null; then return 0; fi
  install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
  install -d -o munge -g munge -m 0711 /var/lib/munge
  install -d -o munge -g munge -m 0755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  # --force: start even over a stale socket left by a killed run.
  runuser -u munge -- /usr/sbin/munged --force
  touch "$VAR/munged.ours" # `down` stops munged only if `up` started it
  retry 10 munge_works || fail "munged did not start"
}

# Fake GPU devices: gres.conf wants a device file per GPU (a regular file is rejected); a copy of
# /dev/null (char device 1,3) named nvidiaN will do. Without the right to mknod (some containers)
# existing char devices stand in.
gpu_files() {
  local spare=(/dev/null /dev/zero /dev/full /dev/urandom) files=() g
  mkdir -p "$VAR/dev"
  for ((g = 0; g < GPUS; g++)); do
    [ -c "$VAR/dev/nvidia$g" ] || mknod "$VAR/dev/nvidia$g" c 1 3 2>/dev/null || true
    if [ -c "$VAR/dev/nvidia$g" ]; then
      files+=("$VAR/dev/nvidia$g")
    elif [ "$g" -lt ${#spare[@]} ]; then
      files+=("${spare[$g]}")
    else
      fail "cannot create device files for $GPUS fake GPUs (mknod not permitted)"
    fi
  done
  (
    IFS=,
    echo "${files[*]}"
  )
}

# Renders the configuration into $VAR/new/; `up` installs it into /etc/slurm when it changed.
render_config() {
  local new=$VAR/new gres_types="" node_gres="" files
  rm -rf "$new"
  mkdir -p "$new"
  if [ "$GPUS" -gt 0 ]; then
    gres_types="GresTypes=gpu"
    node_gres=" Gres=gpu:$GPUS"
    files=$(gpu_files)
    printf '%s\nAutoDetect=off\nNodeName=%s Name=gpu File=%s\n' \
      "$MARK" "$NODE" "$files" >"$new/gres.conf"
  fi
  cat >"$new/slurm.conf" <<EOF
$MARK
ClusterName=ci
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$VAR/ctld
SlurmdSpoolDir=$VAR/d
SlurmctldPidFile=$VAR/run/slurmctld.pid
SlurmdPidFile=$VAR/run/slurmd.pid
SlurmctldLogFile=$VAR/log/slurmctld.log
SlurmdLogFile=$VAR/log/slurmd.log
# No cgroups or systemd needed: processes are tracked by parent id, nothing is confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# No accounting database: sacct does not work, squeue is the only job status source.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Finished jobs stay visible to squeue and scontrol for an hour, long enough for the executor's
# status polls (it wants MinJobAge >= 3 x its first-poll delay) and for the tests' checks.
MinJobAge=3600
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=100
ReturnToService=2
SlurmdTimeout=300
InactiveLimit=0
KillWait=5
# Trust the node line below, not the probed hardware: CPUs and memory may exceed the real ones.
SlurmdParameters=config_overrides
$gres_types
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM$node_gres State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

config_installed() {
  local file
  for file in "${CONFIGS[@]}"; do
    if [ -e "$VAR/new/$file" ]; then
      cmp -s "$VAR/new/$file" "$ETC/$file" || return 1
    elif [ -e "$ETC/$file" ]; then
      return 1
    fi
  done
}

# Installs the rendered files; another configuration found there is kept as FILE.orig for `down`.
install_config() {
  local file
  mkdir -p "$ETC"
  for file in "${CONFIGS[@]}"; do
    if [ -e "$ETC/$file" ] && ! grep -qF "$MARK" "$ETC/$file"; then
      log "keeping the existing $ETC/$file as $ETC/$file.orig until 'down'"
      mv -f "$ETC/$file" "$ETC/$file.orig"
    fi
    rm -f "$ETC/$file"
    if [ -e "$VAR/new/$file" ]; then cp "$VAR/new/$file" "$ETC/$file"; fi
  done
}

controller_up() { scontrol ping | grep -q UP; }
daemons_running() { running "$VAR/run/slurmctld.pid" && running "$VAR/run/slurmd.pid"; }
node_ready() { sinfo -h -n "$NODE" -o %T | grep -qE '^(idle|mixed|allocated)$'; }

up() {
  [ "$(id -u)" = 0 ] || fail "must run as root"
  install_packages
  mkdir -p "$VAR"
  start_munge
  render_config
  if daemons_running && config_installed && controller_up 2>/dev/null; then
    log "already running with this configuration"
  else
    stop "$VAR/run/slurmd.pid" "$VAR/run/slurmctld.pid"
    rm -rf "$VAR"/{ctld,d,run}
    mkdir -p "$VAR"/{ctld,d,log,run}
    install_config
    slurmctld -c # -c: a clean state, no jobs from an earlier run
    retry 20 controller_up || {
      tail -20 "$VAR/log/slurmctld.log" >&2
      fail "slurmctld did not start"
    }
    slurmd -N "$NODE"
  fi
  if ! retry 30 node_ready; then
    scontrol update nodename="$NODE" state=resume 2>/dev/null || true
    retry 10 node_ready || {
      sinfo -R >&2 || true
      tail -20 "$VAR/log/slurmd.log" >&2
      fail "node $NODE did not become ready"
    }
  fi
  log "up: $(sinfo -h -o 'partition %P, node %N, %c CPUs, %m MB, gres %G, %T')"
}

down() {
  if [ -e "$ETC/slurm.conf" ] && command -v scancel >/dev/null && controller_up 2>/dev/null; then
    scancel --full --user root 2>/dev/null || true
    # shellcheck disable=SC2016
    retry 10 sh -c '[ -z "$(squeue -h -t PD,R,CG)" ]' || log "jobs still ending; stopping anyway"
  fi
  stop "$VAR/run/slurmd.pid" "$VAR/run/slurmctld.pid"
  if [ -e "$VAR/munged.ours" ]; then stop /run/munge/munged.pid; fi
  local file
  for file in "${CONFIGS[@]}"; do
    if [ -e "$ETC/$file" ] && grep -qF "$MARK" "$ETC/$file"; then rm -f "$ETC/$file"; fi
    if [ -e "$ETC/$file.orig" ]; then mv -f "$ETC/$file.orig" "$ETC/$file"; fi
  done
  rm -rf "$VAR"
  log "down"
}

status() {
  local daemon
  for daemon in slurmctld slurmd; do
    if running "$VAR/run/$daemon.pid"; then
      echo "$daemon: running (pid $(cat "$VAR/run/$daemon.pid"))"
    else
      echo "$daemon: not running"
    fi
  done
  if munge_works 2>/dev/null; then echo "munged: running"; else echo "munged: not running"; fi
  sinfo 2>&1 || true
  squeue 2>&1 || true
}

case "$ACTION" in
up) up ;;
down) down ;;
status) status ;;
*)
  echo "usage: $0 up|down|status" >&2
  exit 2
  ;;
esac
