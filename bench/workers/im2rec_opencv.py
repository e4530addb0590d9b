"""The work of MXNet's im2rec.py --resize N --quality Q, done with OpenCV
(Debian python3-opencv): read the file, decode, shorter edge to N (linear),
JPEG encode, pack the 24-byte header, append a RecordIO record and its .idx
line. With `procs` > 1, worker processes encode and the main process writes
in list order, as im2rec.py's multiprocessing mode does.
argv: list root out.rec procs resize quality. Prints {"images", "peakRssMiB"}."""
import json
import multiprocessing as mp
import os
import resource
import struct
import sys

import cv2
import numpy as np

MAGIC = 0xCED7230A
MAGIC_BYTES = struct.pack("<I", MAGIC)
ARGS = {}


def encode(item):
    """Returns (index, record payload or None, pid, this process's peak RSS so far)."""
    idx, s = encode_one(item)
    return idx, s, os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def encode_one(item):
    idx, label, rel = item
    with open(os.path.join(ARGS["root"], rel), "rb") as f:
        data = f.read()
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        return idx, None
    r = ARGS["resize"]
    h, w = img.shape[:2]
    size = (r, h * r // w) if h > w else (w * r // h, r)
    img = cv2.resize(img, size)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, ARGS["quality"]])
    return idx, struct.pack("<IfQQ", 0, label, idx, 0) + buf.tobytes()


def write_record(f, data):
    """dmlc RecordIOWriter framing: split where the magic sits at an aligned offset."""
    n, dptr, parts = len(data), 0, []
    i = data.find(MAGIC_BYTES)
    while i != -1 and i + 4 <= (n & ~3):
        if i % 4 == 0:
            parts.append(data[dptr:i])
            dptr = i + 4
        i = data.find(MAGIC_BYTES, i + 1)
    for k, part in enumerate(parts):
        f.write(struct.pack("<II", MAGIC, ((1 if k == 0 else 2) << 29) | len(part)))
        f.write(part)
    last = data[dptr:]
    f.write(struct.pack("<II", MAGIC, ((3 if parts else 0) << 29) | len(last)))
    f.write(last)
    f.write(b"\0" * ((4 - len(last) % 4) % 4))


def init(args):
    ARGS.update(args)
    cv2.setNumThreads(1)


def main():
    lst, root, out, procs, resize, quality = sys.argv[1:7]
    args = {"root": root, "resize": int(resize), "quality": int(quality)}
    items = []
    with open(lst) as f:
        for line in f:
            fields = line.strip().split("\t")
            items.append((int(fields[0]), float(fields[1]), fields[-1]))
    init(args)
    count = 0
    worker_rss = {}
    with open(out, "wb") as rec, open(out[:-4] + ".idx", "w") as idx:
        def put(res):
            nonlocal count
            i, s, pid, rss = res
            worker_rss[pid] = rss
            if s is None:
                return
            idx.write("%d\t%d\n" % (i, rec.tell()))
            write_record(rec, s)
            count += 1

        if int(procs) == 1:
            for item in items:
                put(encode(item))
        else:
            with mp.Pool(int(procs), initializer=init, initargs=(args,)) as pool:
                for res in pool.imap(encode, items, chunksize=16):
                    put(res)
    # The writer plus every worker process (with one process, the writer is the worker).
    worker_rss.pop(os.getpid(), None)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + sum(worker_rss.values())
    print(json.dumps({"images": count, "peakRssMiB": rss}))


if __name__ == "__main__":
    main()
