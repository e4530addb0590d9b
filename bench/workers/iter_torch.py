"""PyTorch's DataLoader over the same .rec, as a PyTorch user would write it: a
map-style Dataset reading records through the .idx, PIL decode, torchvision's
RandomCrop(224) + RandomHorizontalFlip + ToTensor + Normalize, shuffled,
batch 64, `workers` worker processes. Prints one JSON object: per epoch,
images and seconds.

usage: iter_torch.py REC IDX WORKERS EPOCHS"""
import io
import json
import sys
import time

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from iter_common import MEAN, STD, read_image, read_index


class RecDataset(Dataset):
    def __init__(self, rec, idx):
        self.rec = rec
        self.offsets = read_index(idx)
        self.file = None
        self.transform = transforms.Compose(
            [
                transforms.RandomCrop(224),
                transforms.RandomHorizontalFlip(),
                transforms.ToTensor(),
                transforms.Normalize([m / 255 for m in MEAN], [s / 255 for s in STD]),
            ]
        )

    def __len__(self):
        return len(self.offsets)

    def __getitem__(self, i):
        if self.file is None:  # one handle per worker process
            self.file = open(self.rec, "rb")
        image, label = read_image(self.file, self.offsets[i])
        img = Image.open(io.BytesIO(image)).convert("RGB")
        return self.transform(img), label


def main():
    rec, idx, workers, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(1)
    loader = DataLoader(RecDataset(rec, idx), batch_size=64, shuffle=True, num_workers=workers, persistent_workers=True)
    out = []
    for _ in range(epochs):
        t = time.perf_counter()
        n = 0
        for data, label in loader:
            n += data.shape[0]
        out.append({"images": n, "seconds": time.perf_counter() - t})
    print(json.dumps({"epochs": out, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
