"""Reference batches for ImageRecordIter tests: what MXNet's ImageRecordIter
computes for centre-crop, no-augmentation settings, written with OpenCV the
way MXNet's C++ does it (iter_image_recordio_2.cc + image_aug_default.cc):

  decode (cv2.imdecode, BGR) -> shorter edge to `resize` (cv2.resize,
  INTER_LINEAR, sizes floored) -> centre crop ((rows - H) / 2, (cols - W) / 2,
  integer division) -> BGR to RGB -> (x - mean) * scale / std, CHW float32.

Reads the .rec in file order (plain Python RecordIO parsing), writes the
float32 tensor of every record, NCHW, to stdout.

usage: iter_opencv.py REC CHANNELS HEIGHT WIDTH RESIZE MEAN_R MEAN_G MEAN_B STD_R STD_G STD_B SCALE
"""
import struct
import sys

import cv2
import numpy as np

MAGIC = 0xCED7230A


def records(path):
    data = open(path, "rb").read()
    pos = 0
    while pos < len(data):
        payload = b""
        while True:
            magic, lrec = struct.unpack_from("<II", data, pos)
            assert magic == MAGIC, "bad magic at %d" % pos
            cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)
            payload += data[pos + 8 : pos + 8 + length]
            pos += 8 + ((length + 3) & ~3)
            if cflag in (0, 3):
                break
            payload += struct.pack("<I", MAGIC)
        yield payload


def main():
    rec = sys.argv[1]
    c, h, w, resize = (int(v) for v in sys.argv[2:6])
    mean = np.array([float(v) for v in sys.argv[6:9]], dtype=np.float32)
    std = np.array([float(v) for v in sys.argv[9:12]], dtype=np.float32)
    scale = np.float32(sys.argv[12])
    out = sys.stdout.buffer
    for payload in records(rec):
        flag = struct.unpack_from("<I", payload, 0)[0]
        img = cv2.imdecode(np.frombuffer(payload[24 + 4 * flag :], dtype=np.uint8), 0 if c == 1 else 1)
        if resize > 0:
            rows, cols = img.shape[:2]
            if rows > cols:
                size = (resize, resize * rows // cols)
            else:
                size = (resize * cols // rows, resize)
            img = cv2.resize(img, size, interpolation=cv2.INTER_LINEAR)
        rows, cols = img.shape[:2]
        y, x = (rows - h) // 2, (cols - w) // 2
        img = img[y : y + h, x : x + w]
        if c == 1:
            chw = img[np.newaxis, :, :].astype(np.float32)
        else:
            chw = img[:, :, ::-1].transpose(2, 0, 1).astype(np.float32)
        chw = (chw - mean[:c, None, None]) * scale / std[:c, None, None]
        out.write(np.ascontiguousarray(chw, dtype=np.float32).tobytes())


if __name__ == "__main__":
    main()
