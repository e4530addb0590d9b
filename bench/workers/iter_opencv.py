"""The same training input loop in OpenCV, in one process: shuffled order
through the .idx, cv2.imdecode, random 224x224 crop, random mirror, BGR to RGB,
(x - mean) / std as float32 CHW, stacked into batches of 64. Prints one JSON
object: per epoch, images and seconds.

usage: iter_opencv.py REC IDX EPOCHS"""
import json
import random
import sys
import time

import cv2
import numpy as np

from iter_common import MEAN, STD, read_image, read_index

cv2.setNumThreads(1)


def main():
    rec, idx, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    offsets = read_index(idx)
    mean = np.array(MEAN, dtype=np.float32)[:, None, None]
    std = np.array(STD, dtype=np.float32)[:, None, None]
    rng = random.Random(0)
    out = []
    with open(rec, "rb") as f:
        for _ in range(epochs):
            t = time.perf_counter()
            order = list(range(len(offsets)))
            rng.shuffle(order)
            n = 0
            for b in range(0, len(order), 64):
                batch = np.empty((len(order[b : b + 64]), 3, 224, 224), dtype=np.float32)
                labels = np.empty(len(batch), dtype=np.float32)
                for k, i in enumerate(order[b : b + 64]):
                    image, labels[k] = read_image(f, offsets[i])
                    img = cv2.imdecode(np.frombuffer(image, dtype=np.uint8), cv2.IMREAD_COLOR)
                    y = rng.randint(0, img.shape[0] - 224)
                    x = rng.randint(0, img.shape[1] - 224)
                    img = img[y : y + 224, x : x + 224]
                    if rng.random() < 0.5:
                        img = img[:, ::-1]
                    batch[k] = (img[:, :, ::-1].transpose(2, 0, 1).astype(np.float32) - mean) / std
                n += len(batch)
            out.append({"images": n, "seconds": time.perf_counter() - t})
    print(json.dumps({"epochs": out, "opencv": cv2.__version__}))


if __name__ == "__main__":
    main()
