#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Regenerates the edge-case blobs of of-glue/src/test/resources/libfdt/ from base.dts there.

Usage: make_edge_blobs.py DIR   (needs dtc; DIR is that resources folder)

Every blob is base.dtb (compiled from the project's own base.dts) with one edit; the verdicts of
libfdt 1.6.1 and of the Java reader are in DIR/verdicts.tsv (checked by LibfdtAgreementTest).
"""
import os
import struct
import subprocess
import sys


def u32(b, off):
    return struct.unpack_from(">I", b, off)[0]


def put(b, off, v):
    struct.pack_into(">I", b, off, v)


def shifted(b, field, gap):
    """Inserts gap zero bytes in front of the block whose offset is in header field 8/12/16."""
    at = u32(b, field)
    out = bytearray(b[:at]) + bytearray(gap) + bytearray(b[at:])
    put(out, 4, len(out))
    for f in (8, 12, 16):
        if u32(out, f) >= at:
            put(out, f, u32(out, f) + gap)
    return out


def main():
    d = sys.argv[1]
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", os.path.join(d, "base.dtb"),
                    os.path.join(d, "base.dts")], check=True)
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-V3", "-o",
                    os.path.join(d, "v3-dtc.dtb"), os.path.join(d, "base.dts")], check=True)
    with open(os.path.join(d, "base.dtb"), "rb") as f:
        b = f.read()
    off_struct, off_strings, off_rsv, size_struct = u32(b, 8), u32(b, 12), u32(b, 16), u32(b, 36)
    blobs = {}

    c = bytearray(b)
    put(c, 20, 16)
    put(c, 24, 17)
    blobs["v16-claims-v17"] = c  # version 16, last_comp_version 17

    blobs["rsvmap-misaligned"] = shifted(b, 16, 4)  # reservation block at 44 (4 mod 8)
    blobs["struct-misaligned"] = shifted(b, 8, 2)  # structure block at 2 mod 4

    c = bytearray(b)
    put(c, off_rsv + 16 + 4, 0xDEAD0000)  # terminator (0xdead0000, 0): address set, size 0
    blobs["rsvmap-size0-terminator"] = c

    end = off_struct + size_struct - 4  # the END token, after the root's END_NODE
    assert u32(b, end) == 9 and u32(b, end - 4) == 2
    c = bytearray(b[:end]) + struct.pack(">I", 4) + bytearray(b[end:])  # NOP before END
    put(c, 4, len(c))
    put(c, 12, off_strings + 4)
    put(c, 36, size_struct + 4)
    blobs["nop-after-root"] = c

    i = b.index(b"node@1000\0")  # 10 bytes + 2 padding -> an empty name (4 bytes)
    c = bytearray(b[:i]) + bytearray(4) + bytearray(b[i + 12:])
    put(c, 4, len(c))
    put(c, 12, off_strings - 8)
    put(c, 36, size_struct - 8)
    blobs["empty-child-name"] = c

    for name, data in blobs.items():
        with open(os.path.join(d, name + ".dtb"), "wb") as f:
            f.write(bytes(data))


if __name__ == "__main__":
    main()
