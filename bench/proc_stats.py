"""What /proc says of a running process, for the whole-process benchmarks in bench/.

    from proc_stats import schedstat_ns, voluntary_switches, status_kib, fds_and_watches

Every figure is read at the moment of the call; threads that exit meanwhile are skipped.
"""

import os


def schedstat_ns(pid):
    """Nanoseconds every live thread of `pid` has run (the first field of its schedstat): exact
    CPU time, not 10 ms clock ticks."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def voluntary_switches(pid):
    """Voluntary context switches of every live thread: how often one went to sleep and woke."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches"):
                        total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def status_kib(pid, key):
    """A kB field of /proc/PID/status ("VmRSS:", "VmHWM:"), or -1 when it has none."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return -1


def fds_and_watches(pid):
    """Open descriptors, and the inotify watches held through them."""
    fds = watches = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        fds += 1
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:inotify":
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    watches += sum(1 for line in f if line.startswith("inotify wd:"))
        except OSError:
            pass
    return fds, watches
