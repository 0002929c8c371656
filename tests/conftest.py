import os

# Keep numba's threads within the 2-core machines tests run on.
os.environ.setdefault("NUMBA_NUM_THREADS", "2")
