"""The arithmetic ops stand on: periodic-affine sizes, size sets, dims, and the op API."""
