"""OpenCV (Debian python3-opencv, libjpeg-turbo inside) on the work list: the
per-image work of MXNet's im2rec.py and of a cv2-based training loader.
`cores` worker processes, as im2rec.py's multiprocessing does; each takes an
equal share and waits at a barrier so that all start together.
argv: mode listFile trials cores. Prints {"imagesPerSec", "peakRssMiB"}."""
import json
import multiprocessing as mp
import resource
import statistics
import sys
import time

import cv2
import numpy as np

MEAN = np.array([123.68, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)


def crop_for(i, width, height):
    s = (i * 2654435761 + 12345) & 0xFFFFFFFF

    def nxt():
        nonlocal s
        s = (s * 1103515245 + 12345) & 0xFFFFFFFF
        return s / 4294967296

    short = min(width, height)
    side = max(1, int(short * (0.5 + 0.5 * nxt())))
    x = int(nxt() * (width - side + 1))
    y = int(nxt() * (height - side + 1))
    return x, y, side, nxt() < 0.5


def work(mode, items, start):
    if mode == "decode":
        for _, b, w, h in items:
            cv2.imdecode(b, cv2.IMREAD_COLOR)
    elif mode == "transcode":
        for _, b, w, h in items:
            img = cv2.imdecode(b, cv2.IMREAD_COLOR)
            h, w = img.shape[:2]
            size = (256, h * 256 // w) if h > w else (w * 256 // h, 256)
            img = cv2.resize(img, size)  # INTER_LINEAR, as im2rec.py
            cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    else:
        for i, b, w, h in items:
            x, y, side, mirror = crop_for(i + start, w, h)
            img = cv2.imdecode(b, cv2.IMREAD_COLOR)[y : y + side, x : x + side]
            img = cv2.resize(img, (224, 224))
            if mirror:
                img = cv2.flip(img, 1)
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).astype(np.float32)
            np.ascontiguousarray(((img - MEAN) / STD).transpose(2, 0, 1))


def worker(mode, items, start, trials, barrier, out):
    cv2.setNumThreads(1)
    times = []
    for _ in range(trials):
        barrier.wait()
        t = time.perf_counter()
        work(mode, items, start)
        times.append(time.perf_counter() - t)
    out.put((times, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main():
    mode, list_file, trials, cores = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    items = []
    with open(list_file) as f:
        for i, line in enumerate(f.read().strip().split("\n")):
            path, w, h = line.split("\t")
            with open(path, "rb") as g:
                items.append((i, np.frombuffer(g.read(), np.uint8), int(w), int(h)))
    share = (len(items) + cores - 1) // cores
    barrier, out = mp.Barrier(cores), mp.Queue()
    procs = [
        mp.Process(target=worker, args=(mode, items[k * share : (k + 1) * share], k * share, trials, barrier, out))
        for k in range(cores)
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    # A trial ends when the slowest worker ends.
    walls = [max(r[0][t] for r in results) for t in range(trials)]
    rss = sum(r[1] for r in results)
    print(json.dumps({"imagesPerSec": len(items) / statistics.median(walls), "peakRssMiB": rss}))


if __name__ == "__main__":
    main()
