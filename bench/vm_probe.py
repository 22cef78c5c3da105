"""
The part of the benchmarks that runs inside a lab node, under the node's
Salt Python (``/opt/salt/bin/python``). bench/drbdha_bench.py sends this
file's text with ``python -c`` through ``test/lab/lab exec``; it prints one
line ``BENCH-RESULT {json}`` at the end (and keeps the same JSON in
``args["out"]`` after every measurement, in case the host loses the call).

It builds the same in-process minion ``salt-call`` uses (``SMinion``, with
the minion's config, pillar from the lab master and the master's file
server) once, outside any timed region, and then times single calls of
``state.apply`` / ``drbdha.status`` around the function call itself: no
process start, no master round trip for the job, no output formatting.
Between calls the loader's ``__context__`` is emptied, which is what a
minion job starts with (each job is a fresh process).

Instruments, all passive:
- ``drbdha_command_log`` (the modules' own JSON-lines log): the commands the
  formula's modules ran during a call, read from the byte offset before it.
- ``subprocess.Popen`` is wrapped to record every process the call spawned,
  including those of Salt's own modules (pkg, service, file) that the
  command log does not see.
- ``RemoteClient._channel_send`` and ``RemotePillar.compile_pillar`` are
  wrapped to time every request the call makes to the master (file server,
  pillar): the round trips outside the states. ``salt.crypt.PrivateKey`` is
  wrapped to time each load of the minion's RSA key those requests make.
- ``/proc/self/clear_refs`` <- 5 resets this process's peak RSS (VmHWM)
  before a call; VmHWM after it is the peak during the call (exact).
- A sampler thread (every ``sample_interval`` s, default 0.2) adds up VmRSS
  over the process and its live children and keeps each child's VmHWM
  (rusage cannot be used: a forked child's ru_maxrss includes the parent's
  pages from before exec). Its CPU time is reported with each call.

Modes (argv[1]; argv[2] is a JSON object of arguments):
  apply   {"sls": {"formula": "drbdha", "nop": "bench.nop.n27",
                   "tree": "bench.tree.node_1"}, "runs": 5,
           "warmup": true, "log": PATH, "out": PATH}
  status  {"order": ["cold", "bare", "warm"], "bare": [[argv...], ...] | null,
           "log": PATH, "out": PATH}
Stdlib + salt only; Python 3.11.
"""

import json
import os
import subprocess
import sys
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else ""
ARGS = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
BARE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "LANG": "C"}

# ------------------------------------------------------------ instruments --
SPAWNED = []  # {"argv", "pid", "started"} of every Popen in this process
_orig_popen_init = subprocess.Popen.__init__


def _popen_init(self, *args, **kwargs):
    started = time.monotonic()
    _orig_popen_init(self, *args, **kwargs)
    argv = args[0] if args else kwargs.get("args")
    argv = [str(a) for a in argv] if isinstance(argv, (list, tuple)) else [str(argv)]
    SPAWNED.append({"argv": argv, "pid": self.pid, "started": started})


subprocess.Popen.__init__ = _popen_init

MASTER_REQUESTS = []  # {"kind", "cmd", "path", "found", "in_state", "seconds"} of every request to the master
KEY_LOADS = []  # {"in_state", "seconds"} of every load of the minion's RSA private key
IN_STATE = [0]  # > 0 while a state function runs (salt.state.State.call)


def time_master_requests():
    """
    Record every file-server request (``RemoteClient._channel_send``: each SLS,
    map and template looked up, hashed or fetched, and each miss) and every
    pillar compile (``RemotePillar.compile_pillar``) the process makes, and
    whether a state was running (a template fetched by file.managed) or not (the
    SLS tree being found and rendered, the pillar). Also every load of the
    minion's RSA private key (``salt.crypt.PrivateKey``: parsing the PEM, which
    ``cryptography`` validates), which requests to the master make.
    """
    import salt.crypt
    import salt.fileclient
    import salt.pillar
    import salt.state

    send = salt.fileclient.RemoteClient._channel_send
    compile_pillar = salt.pillar.RemotePillar.compile_pillar
    call_state = salt.state.State.call

    def counted_call(self, *args, **kwargs):
        IN_STATE[0] += 1
        try:
            return call_state(self, *args, **kwargs)
        finally:
            IN_STATE[0] -= 1

    def record(kind, cmd, path, reply, started):
        MASTER_REQUESTS.append({"kind": kind, "cmd": cmd, "path": path, "found": bool(reply),
                                "in_state": IN_STATE[0] > 0, "seconds": round(time.monotonic() - started, 4)})
        return reply

    def timed_send(self, load, raw=False):
        started = time.monotonic()
        return record("file", load.get("cmd"), load.get("path"), send(self, load, raw=raw), started)

    def timed_pillar(self, *args, **kwargs):
        started = time.monotonic()
        return record("pillar", "_pillar", None, compile_pillar(self, *args, **kwargs), started)

    load_key = salt.crypt.PrivateKey.__init__

    def timed_key(self, *args, **kwargs):
        started = time.monotonic()
        try:
            return load_key(self, *args, **kwargs)
        finally:
            KEY_LOADS.append({"in_state": IN_STATE[0] > 0, "seconds": round(time.monotonic() - started, 4)})

    salt.crypt.PrivateKey.__init__ = timed_key
    salt.fileclient.RemoteClient._channel_send = timed_send
    salt.pillar.RemotePillar.compile_pillar = timed_pillar
    salt.state.State.call = counted_call


def _read(path, mode="r"):
    try:
        with open(path, mode) as handle:
            return handle.read()
    except OSError:
        return None


def descendants(pid):
    """PIDs below ``pid`` (from /proc/PID/task/TID/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            tids = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tids:
            text = _read(f"/proc/{current}/task/{tid}/children") or ""
            for child in text.split():
                found.append(int(child))
                todo.append(int(child))
    return found


class TreeSampler:
    """
    Samples this process's tree every ``interval`` s in a thread: the largest
    sum of VmRSS over the tree, and each child's VmHWM. A child not yet past
    exec (its command line still ours) is skipped: it shares our pages.
    Its own CPU time is kept, to show what it cost.
    """

    def __init__(self, interval):
        import threading

        self.interval = interval
        self.own_cmdline = _read("/proc/self/cmdline", "rb")
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.tree_peak = 0
        self.child_hwm = {}
        self.samples = 0
        self.cpu = 0.0

    def _sample(self):
        total = memory().get("VmRSS", 0)
        for pid in descendants(os.getpid()):
            if _read(f"/proc/{pid}/cmdline", "rb") in (self.own_cmdline, None, b""):
                continue
            mem = memory(pid)
            total += mem.get("VmRSS", 0)
            cmd = (_read(f"/proc/{pid}/cmdline", "rb") or b"").split(b"\0")[:3]
            key = (pid, b" ".join(cmd).decode(errors="replace"))
            self.child_hwm[key] = max(self.child_hwm.get(key, 0), mem.get("VmHWM", 0))
        self.tree_peak = max(self.tree_peak, total)
        self.samples += 1

    def _loop(self):
        started = time.thread_time()
        while not self.stop_event.is_set():
            self._sample()
            self.stop_event.wait(self.interval)
        self.cpu = time.thread_time() - started

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()
        return False

    def report(self):
        largest = max(self.child_hwm.items(), key=lambda kv: kv[1], default=((None, None), 0))
        return {
            "tree_peak_sampled_kib": self.tree_peak,
            "largest_child_hwm_kib": largest[1],
            "largest_child": largest[0][1],
            "children_sampled": len(self.child_hwm),
            "samples": self.samples,
            "sampler_cpu_s": round(self.cpu, 4),
        }


def reset_peak():
    """Reset this process's VmHWM to its current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def memory(pid="self"):
    """VmRSS and VmHWM (KiB) of a process."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    found[key] = int(value.split()[0])
    except OSError:
        pass
    return found


def daemon_memory():
    """RSS of every salt-minion daemon process (the resident minion, for context)."""
    procs = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmd = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if "salt-minion" in cmd:
            procs.append({"pid": int(entry), "cmd": cmd[:120], **memory(entry)})
    return procs


def log_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def log_since(path, offset):
    """The command-log lines appended after byte ``offset``."""
    lines = []
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            for raw in handle.read().decode("utf-8", errors="replace").splitlines():
                if raw.strip():
                    try:
                        lines.append(json.loads(raw))
                    except ValueError:
                        lines.append({"unparsed": raw})
    except OSError:
        pass
    return lines


# ------------------------------------------------------------------ salt --
def make_minion():
    import salt._logging
    import salt.config
    import salt.minion

    time_master_requests()
    opts = salt.config.minion_config(ARGS.get("config", "/etc/salt/minion"))
    # Log as salt-call and the daemon do (the lab minion logs INFO to its log file).
    salt._logging.set_logging_options_dict(opts)
    salt._logging.setup_logging()
    context = {}
    started = time.monotonic()
    minion = salt.minion.SMinion(opts, context=context)
    return opts, minion, context, time.monotonic() - started


def extmods(opts):
    """sha256 (12 hex) of the synced custom modules: which formula code was measured."""
    import hashlib

    root = opts.get("extension_modules") or ""
    found = {}
    for sub in ("modules", "states", "utils"):
        folder = os.path.join(root, sub)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as handle:
                    found[f"{sub}/{name}"] = hashlib.sha256(handle.read()).hexdigest()[:12]
    return found


def summarize_state_return(ret):
    """Counts, changes and per-state durations of a state.apply return."""
    if not isinstance(ret, dict):
        return {"error": ret if isinstance(ret, list) else repr(ret)[:2000], "n_states": 0, "converged": False}
    states, results, changed = [], {"true": 0, "false": 0, "none": 0}, []
    for key, item in ret.items():
        if not isinstance(item, dict):
            continue
        result = item.get("result")
        results["true" if result is True else "false" if result is False else "none"] += 1
        if item.get("changes"):
            changed.append(item.get("__id__", key))
        states.append(
            {
                "key": key,
                "id": item.get("__id__"),
                "fun": "{}.{}".format(key.split("_|-")[0], key.split("_|-")[-1]) if "_|-" in key else key,
                "duration_ms": item.get("duration"),
                "run_num": item.get("__run_num__"),
                "result": result,
                "comment": str(item.get("comment", ""))[:300] if result is not True else "",
            }
        )
    states.sort(key=lambda s: s["run_num"] if s["run_num"] is not None else 1e9)
    return {
        "n_states": len(states),
        "results": results,
        "changed": changed,
        "converged": results["false"] == 0 and results["none"] == 0 and not changed,
        "state_ms_sum": round(sum(s["duration_ms"] or 0 for s in states), 3),
        "states": states,
    }


def measured(minion, context, log_path, fun, *args):
    """Call one function, timed, with its commands, subprocesses and peak memory."""
    context.clear()
    mark, request_mark, key_mark = len(SPAWNED), len(MASTER_REQUESTS), len(KEY_LOADS)
    offset = log_size(log_path)
    peak_reset = reset_peak()
    before = memory()
    error = None
    with TreeSampler(float(ARGS.get("sample_interval", 0.2))) as sampler:
        started = time.monotonic()
        try:
            ret = minion.functions[fun](*args)
        except Exception as exc:  # noqa: BLE001 - reported, the run goes on
            ret, error = None, f"{type(exc).__name__}: {exc}"
        seconds = time.monotonic() - started
    after = memory()
    spawned = [item["argv"] for item in SPAWNED[mark:]]
    return ret, {
        "fun": fun,
        "args": list(args),
        "seconds": round(seconds, 4),
        "error": error,
        "commands": log_since(log_path, offset),
        "spawned": spawned,
        "master_requests": MASTER_REQUESTS[request_mark:],
        "key_loads": KEY_LOADS[key_mark:],
        "memory": {
            "peak_reset": peak_reset,
            "rss_before_kib": before.get("VmRSS"),
            "rss_after_kib": after.get("VmRSS"),
            "process_peak_kib": after.get("VmHWM") if peak_reset else None,
            **sampler.report(),
        },
    }


def run_bare(argvs):
    """Run each command directly (same environment as the modules' cmd.run_all), timed."""
    timed = []
    for argv in argvs:
        started = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, env=BARE_ENV, check=False)
        seconds = time.monotonic() - started
        timed.append({"argv": argv, "seconds": round(seconds, 4), "retcode": proc.returncode})
    return {"seconds": round(sum(t["seconds"] for t in timed), 4), "commands": timed}


# ----------------------------------------------------------------- modes --
def save(result):
    out = ARGS.get("out")
    if out:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out + ".tmp", "w") as handle:
            json.dump(result, handle)
        os.replace(out + ".tmp", out)


def mode_apply(result):
    opts, minion, context, init_s = make_minion()
    log_path = ARGS.get("log") or opts.get("drbdha_command_log")
    result.update(init_seconds=round(init_s, 3), command_log=log_path, calls=[], extmods=extmods(opts))
    if not opts.get("drbdha_command_log"):
        result["warnings"].append("drbdha_command_log is not set in the minion config: commands are not logged")
    sls = ARGS["sls"]
    names = list(sls)
    plan = []
    if ARGS.get("warmup", True):
        plan += [("warmup", 0, which) for which in names]
    for run in range(1, int(ARGS.get("runs", 5)) + 1):
        # forwards, then backwards (ABBA), so a drift in host load hits all alike
        order = names if run % 2 else names[::-1]
        plan += [("run", run, which) for which in order]
    for phase, run, which in plan:
        ret, call = measured(minion, context, log_path, "state.apply", sls[which])
        call.update(phase=phase, run=run, which=which, sls=sls[which], state=summarize_state_return(ret))
        result["calls"].append(call)
        save(result)
    result["daemon_memory"] = daemon_memory()


def mode_status(result):
    opts, minion, context, init_s = make_minion()
    log_path = ARGS.get("log") or opts.get("drbdha_command_log")
    result.update(init_seconds=round(init_s, 3), command_log=log_path, steps=[], extmods=extmods(opts))
    bare = ARGS.get("bare")
    for step in ARGS.get("order", ["cold", "bare", "warm"]):
        if step in ("cold", "warm"):
            ret, call = measured(minion, context, log_path, "drbdha.status")
            call.update(step=step, verdict=(ret or {}).get("verdict"), reasons=(ret or {}).get("reasons"))
            result["steps"].append(call)
            if bare is None:
                bare = [c["argv"] for c in call["commands"] if "argv" in c]
                result["bare_discovered"] = bare
        elif step == "bare":
            if bare is None:
                raise SystemExit("status: no bare command list (give one, or run cold first)")
            result["steps"].append({"step": "bare", **run_bare(bare)})
        save(result)
    result["daemon_memory"] = daemon_memory()


def main():
    result = {"mode": MODE, "args": ARGS, "pid": os.getpid(), "warnings": [], "started": time.time()}
    try:
        if MODE == "apply":
            mode_apply(result)
        elif MODE == "status":
            mode_status(result)
        else:
            raise SystemExit(f"unknown mode {MODE!r}")
        result["ok"] = True
    except BaseException as exc:  # noqa: BLE001 - always print what was measured
        result["ok"] = False
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["finished"] = time.time()
    save(result)
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()
    # The in-process minion may hold non-daemon threads (its master channel).
    os._exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
