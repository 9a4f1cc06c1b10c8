"""A throwaway one-node Slurm cluster on localhost for tests: munged, MariaDB, slurmdbd, slurmctld and slurmd
with generated configs and keys in one temp dir; /etc/slurm and /etc/munge are neither used nor changed.

Debian's slurm-wlm 22.05 without cgroups (a container may have none to give): proctrack/linuxproc,
task/none. `sacct` in 22.05 refuses to work without slurmdbd ("accounting storage is disabled"), so
the cluster has one, over a MariaDB server (mariadb-server-core only: one binary, an empty data dir,
--skip-grant-tables, on 127.0.0.1 for the test's life) -- the lightest setup in which sacct lists jobs.
Every daemon runs in the foreground as a child of this process: stopping them is stopping our children.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
from pathlib import Path

PACKAGES = ("slurm-wlm", "munge", "slurmdbd", "mariadb-server-core")
BINARIES = ("munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd", "sbatch", "srun", "sacct", "sacctmgr", "squeue")
SBIN = ("/usr/sbin", "/sbin")


class Unavailable(RuntimeError):
    """Slurm cannot be installed or started here; the message says why (the test skips with it)."""


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def ensure_installed(timeout: int = 900) -> None:
    """Install PACKAGES with apt when a binary is missing; only root may, anyone else gets the reason."""
    missing = [b for b in BINARIES if _which(b) is None]
    if not missing:
        return
    why = f"Slurm binaries missing ({', '.join(missing)})"
    if os.geteuid() != 0:
        raise Unavailable(f"{why} and not root, so cannot `apt-get install {' '.join(PACKAGES)}`")
    if shutil.which("apt-get") is None:
        raise Unavailable(f"{why} and no apt-get to install {' '.join(PACKAGES)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES]
    out = ""
    for cmds in ([install], [["apt-get", "update"], install]):  # retry with fresh lists
        try:
            procs = [subprocess.run(c, env=env, capture_output=True, text=True, timeout=timeout) for c in cmds]
        except subprocess.TimeoutExpired as err:
            raise Unavailable(f"{why}; `{' '.join(err.cmd)}` timed out after {timeout} s") from err
        out = "\n".join(p.stdout + p.stderr for p in procs)
        if procs[-1].returncode == 0 and all(_which(b) for b in BINARIES):
            return
    raise Unavailable(f"{why}; `{' '.join(install)}` failed:\n{_tail(out)}")


def _user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def _free_ports(n: int) -> list[int]:
    """n distinct ports free right now (all bound at once, so none repeats)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _mem_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


SLURM_CONF = """\
ClusterName=mtseqtest
SlurmctldHost=localhost
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser={user}
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={root}/munge/munge.socket
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort={dbd_port}
AccountingStoragePass={root}/munge/munge.socket
AccountingStoreFlags=job_comment
AccountingStorageTRES=gres/gpu
JobCompType=jobcomp/filetxt
JobCompLoc={root}/log/jobcomp.txt
GresTypes=gpu
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=3600
InactiveLimit=0
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_mb} Gres=gpu:{gpu_model}:{gpus} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


GRES_CONF = "Name=gpu Type={gpu_model} File={root}/dev/gpu[0-{last_gpu}]\n"

SLURMDBD_CONF = """\
AuthType=auth/munge
AuthInfo=socket={root}/munge/munge.socket
DbdHost=localhost
DbdPort={dbd_port}
SlurmUser={user}
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={db_port}
StorageUser={user}
StorageLoc=slurm_acct_db
PidFile={root}/slurmdbd.pid
LogFile={root}/log/slurmdbd.log
"""


class SlurmCluster:
    """One node (`localhost`, all CPUs, ``gpus`` GPUs that are only names) in one partition (`debug`).

    Clients (sbatch, sacct, snakemake) find it through ``env`` (SLURM_CONF).
    """

    def __init__(self, root: Path, gpus: int = 2, gpu_model: str = "fake"):
        self.root = Path(root)
        self.gpus, self.gpu_model = gpus, gpu_model
        self.conf = self.root / "slurm.conf"
        outer = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SBATCH_", "SRUN_"))}
        self.env = dict(outer, SLURM_CONF=str(self.conf))  # none of an outer cluster's (if run in a job)
        self.env["PATH"] = os.pathsep.join([str(self.root / "bin"), self.env.get("PATH", ""), *SBIN])
        self.procs: list[subprocess.Popen] = []

    def log(self, name: str) -> str:
        path = self.root / "log" / name
        return path.read_text(errors="replace") if path.exists() else ""

    def run(self, *cmd: str, timeout: int = 30) -> subprocess.CompletedProcess:
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)

    def start(self, timeout: float = 60) -> None:
        """Start munged, mariadbd, slurmdbd, slurmctld, slurmd; Unavailable (all stopped again) if one fails."""
        if os.geteuid() != 0:
            raise Unavailable("slurmd must run as root to start jobs; not root here")
        try:
            self._start(timeout)
        except Unavailable:
            raise
        except Exception as err:
            self.stop()
            raise Unavailable(f"cannot start the cluster: {err!r}") from err

    def _start(self, timeout: float) -> None:
        for d in ("munge", "state", "spool", "log", "db"):
            (self.root / d).mkdir(parents=True, exist_ok=True, mode=0o700)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        ports = dict(zip(("ctld_port", "slurmd_port", "dbd_port", "db_port"), _free_ports(4)))
        fill = dict(root=self.root, user=_user(), cpus=os.cpu_count() or 1, mem_mb=_mem_mb(), **ports)
        fill.update(gpus=self.gpus, gpu_model=self.gpu_model)
        self.conf.write_text(SLURM_CONF.format(**fill))
        (self.root / "gres.conf").write_text(GRES_CONF.format(last_gpu=self.gpus - 1, **fill))
        self._fake_gpus()
        self._srun_shim()
        dbd_conf = self.root / "slurmdbd.conf"  # found beside $SLURM_CONF; slurmdbd wants it private
        dbd_conf.write_text(SLURMDBD_CONF.format(**fill))
        dbd_conf.chmod(0o600)
        m = self.root / "munge"
        self._spawn(
            "munged", "--foreground", "--force", f"--socket={m}/munge.socket", f"--key-file={key}",
            f"--pid-file={m}/munged.pid", f"--seed-file={m}/munged.seed", f"--log-file={self.root}/log/munged.log",
        )  # fmt: skip
        self._wait(lambda: (m / "munge.socket").exists(), timeout, "munged did not open its socket", "munged.log")
        db = self.root / "db"
        self._spawn(
            "mariadbd", "--no-defaults", f"--datadir={db}", f"--socket={db}/mysqld.sock", f"--pid-file={db}/pid",
            f"--port={ports['db_port']}", "--bind-address=127.0.0.1", "--skip-grant-tables", f"--user={_user()}",
            "--innodb-buffer-pool-size=16M", "--skip-log-bin", f"--log-error={self.root}/log/mariadbd.log",
        )  # fmt: skip
        self._wait(lambda: _listening(ports["db_port"]), timeout, "mariadbd not up", "mariadbd.log")
        self._spawn("slurmdbd", "-D")
        self._wait(lambda: _listening(ports["dbd_port"]), timeout, "slurmdbd not up", "slurmdbd.log")
        self._spawn("slurmctld", "-D", "-f", str(self.conf))
        self._wait(lambda: self.run("scontrol", "ping").returncode == 0, timeout, "slurmctld not up", "slurmctld.log")
        self._spawn("slurmd", "-D", "-N", "localhost", "-f", str(self.conf))
        self._wait(self._node_idle, timeout, "the node did not become idle", "slurmd.log")

    def _srun_shim(self) -> None:
        """An `srun` on PATH that restores SLURM_CONF: the plugin's job step drops every SLURM_* variable
        before calling srun, which a real cluster survives by its config in /etc/slurm; we leave /etc alone."""
        shim = self.root / "bin" / "srun"
        shim.parent.mkdir(exist_ok=True)
        shim.write_text(f'#!/bin/sh\nSLURM_CONF={self.conf} exec {_which("srun")} "$@"\n')
        shim.chmod(0o755)

    def _fake_gpus(self) -> None:
        """GPU device files for gres.conf: /dev/null's device number (a plain file where mknod is refused).

        slurmd counts GPUs by their File= entries (Count= alone reports none); nothing opens them.
        """
        (self.root / "dev").mkdir(exist_ok=True)
        for i in range(self.gpus):
            path = self.root / "dev" / f"gpu{i}"
            try:
                os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
            except OSError:
                path.touch()

    def _node_idle(self) -> bool:
        out = self.run("sinfo", "-h", "-N", "-o", "%T").stdout.strip()
        return out.startswith("idle")

    def _spawn(self, *cmd: str) -> None:
        with open(self.root / "log" / f"{cmd[0]}.stdout", "w") as out:  # the daemon keeps its own copy
            proc = subprocess.Popen([_which(cmd[0]) or cmd[0], *cmd[1:]], env=self.env, stdout=out, stderr=out)
        self.procs.append(proc)

    def _wait(self, ready, timeout: float, what: str, log: str) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if ready():
                return
            dead = [p for p in self.procs if p.poll() is not None]
            if dead:
                break
            time.sleep(0.5)
        daemon = log.split(".")[0]
        detail = _tail(self.log(log) + "\n" + self.log(f"{daemon}.stdout"))
        self.stop()
        raise Unavailable(f"{what} within {timeout:.0f} s; {log}:\n{detail}")

    def sacct(self, *args: str) -> list[dict[str, str]]:
        """Jobs as ``sacct --parsable2`` rows, one dict each (header names as keys)."""
        proc = self.run("sacct", "--parsable2", "--allusers", "--starttime", "now-1day", *args)
        if proc.returncode != 0:
            raise AssertionError(f"sacct failed: {proc.stderr}")
        header, *rows = proc.stdout.strip().splitlines()
        names = header.split("|")
        return [dict(zip(names, row.split("|"))) for row in rows]

    def stop(self) -> None:
        """Cancel what is left, then stop the daemons this object started, newest first."""
        if self.procs and all(p.poll() is None for p in self.procs):
            self.run("scancel", "--full", "--user", _user())
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.procs.clear()
