"""Shared by the iterator benchmark's Python workers: the .idx, one record by
offset (single-chunk records, as im2rec writes JPEGs), the header, and the
normalisation constants every side uses."""
import struct

MAGIC = 0xCED7230A
MEAN = (123.68, 116.28, 103.53)
STD = (58.4, 57.12, 57.38)


def read_index(path):
    with open(path) as f:
        return [int(line.split()[1]) for line in f if line.strip()]


def read_image(f, offset):
    """The encoded image and scalar label of the record at `offset`."""
    f.seek(offset)
    magic, lrec = struct.unpack("<II", f.read(8))
    assert magic == MAGIC and lrec >> 29 == 0, "multi-part record at %d" % offset
    payload = f.read(lrec & ((1 << 29) - 1))
    flag, label = struct.unpack_from("<If", payload, 0)
    return payload[24 + 4 * flag :], label
