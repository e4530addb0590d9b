"""Runs a command, prints {"seconds", "peakRssMiB", "stdout"}: wall time from
start to exit, and the peak RSS of the command's process (RUSAGE_CHILDREN)."""
import json
import resource
import subprocess
import sys
import time

t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - t
if r.returncode != 0:
    sys.stderr.write(r.stderr)
    sys.exit(r.returncode)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peakRssMiB": rss, "stdout": r.stdout}))
