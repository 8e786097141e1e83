# Makes the NumPy fixtures NpyInteropTest reads. Run from this directory with NumPy 1.24
# (Debian 12's python3-numpy): /usr/bin/python3 make_fixtures.py
# Values are np.arange(n) reshaped, offset and cast, so the test can rebuild them in Java.
import numpy as np
from numpy.lib import format as fmt

def arr(dtype, shape, offset=0):
    n = int(np.prod(shape, dtype=np.int64))
    return (np.arange(n) + offset).astype(dtype).reshape(shape)

# One file per dtype, written by np.save (format 1.0): values arange(n) + offset.
np.save('f4_2x3.npy', arr('<f4', (2, 3), 0.5))
np.save('f8_scalar.npy', np.float64(-2.25))
np.save('u1_4.npy', arr('|u1', (4,), 253))     # 253, 254, 255, 0 (wraps)
np.save('i1_2x2.npy', arr('|i1', (2, 2), -2))
np.save('i2_3.npy', arr('<i2', (3,), -1))
np.save('u2_3.npy', arr('<u2', (3,), 65534))    # 65534, 65535, 0
np.save('i4_3.npy', arr('<i4', (3,), -1))
np.save('u4_2.npy', arr('<u4', (2,), 4294967295))  # 4294967295, 0
np.save('i8_2x1x2.npy', arr('<i8', (2, 1, 2), -(2**40)))
np.save('f4_0x3.npy', arr('<f4', (0, 3)))
np.save('f8_1x1x1x1.npy', arr('<f8', (1, 1, 1, 1), 7))

# Format versions 2.0 and 3.0 of the same 2 x 3 float32 array.
for v in [(2, 0), (3, 0)]:
    with open('f4_2x3_v%d.npy' % v[0], 'wb') as f:
        fmt.write_array(f, arr('<f4', (2, 3), 0.5), version=v)

# Refused: column-major and big-endian data.
np.save('fortran.npy', np.asfortranarray(arr('<f4', (2, 3))))
np.save('bigendian.npy', arr('>f4', (3,)))

# Archives: stored (np.savez) and deflated (np.savez_compressed).
np.savez('stored.npz', weight=arr('<f4', (3, 2), 0.5), bias=arr('<f8', (2,)), labels=arr('|u1', (5,)))
np.savez_compressed('deflated.npz', weight=arr('<f4', (3, 2), 0.5), bias=arr('<f8', (2,)), labels=arr('|u1', (5,)))
