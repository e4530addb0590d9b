"""The list code of MXNet 1.x tools/im2rec.py (list_image, make_list, write_list),
reduced to what runs without MXNet: one chunk, recursive. The reference that
`im2rec --list` is compared with, in the tests and in the benchmark.
argv: root prefix train_ratio test_ratio
One addition: a folder named `loop` is not entered (the tests put a symlink
loop there, which os.walk would follow until the path is too long)."""
import os
import random
import sys


def list_image(root, exts):
    i = 0
    cat = {}
    for path, dirs, files in os.walk(root, followlinks=True):
        if os.path.basename(path) == 'loop':
            dirs[:] = []
            continue
        dirs.sort()
        files.sort()
        for fname in files:
            fpath = os.path.join(path, fname)
            suffix = os.path.splitext(fname)[1].lower()
            if os.path.isfile(fpath) and (suffix in exts):
                if path not in cat:
                    cat[path] = len(cat)
                yield (i, os.path.relpath(fpath, root), cat[path])
                i += 1


def write_list(path_out, image_list):
    with open(path_out, 'w') as fout:
        for item in image_list:
            line = '%d\t' % item[0]
            for j in item[2:]:
                line += '%f\t' % j
            line += '%s\n' % item[1]
            fout.write(line)


def main():
    root, prefix, train_ratio, test_ratio = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    image_list = list(list_image(root, ['.jpeg', '.jpg', '.png']))
    random.seed(100)
    random.shuffle(image_list)
    chunk_size = len(image_list)
    sep = int(chunk_size * train_ratio)
    sep_test = int(chunk_size * test_ratio)
    if train_ratio == 1.0:
        write_list(prefix + '.lst', image_list)
    else:
        if test_ratio:
            write_list(prefix + '_test.lst', image_list[:sep_test])
        if train_ratio + test_ratio < 1.0:
            write_list(prefix + '_val.lst', image_list[sep_test + sep:])
        write_list(prefix + '_train.lst', image_list[sep_test:sep_test + sep])


if __name__ == '__main__':
    main()
