# Differential peer: decode every output script of a raw block with the
# reference `base58` and `bech32` (BIP 173/350 reference code) packages and
# print one address per output ("-" when the script has no address form).
import sys
import base58
import bech32

data = open(sys.argv[1], "rb").read()
pos = 80

def varint():
    global pos
    n = data[pos]
    pos += 1
    if n < 0xfd:
        return n
    size = {0xfd: 2, 0xfe: 4, 0xff: 8}[n]
    v = int.from_bytes(data[pos:pos + size], "little")
    pos += size
    return v

def address(s):
    if len(s) == 25 and s[:3] == b"\x76\xa9\x14" and s[23:] == b"\x88\xac":
        return base58.b58encode_check(b"\x00" + s[3:23]).decode()
    if len(s) == 23 and s[:2] == b"\xa9\x14" and s[22:] == b"\x87":
        return base58.b58encode_check(b"\x05" + s[2:22]).decode()
    if len(s) >= 4 and (s[0] == 0 or 0x51 <= s[0] <= 0x60) and s[1] == len(s) - 2 and 2 <= s[1] <= 40:
        ver = 0 if s[0] == 0 else s[0] - 0x50
        return bech32.encode("bc", ver, list(s[2:])) or "-"
    return "-"

for _ in range(varint()):
    pos += 4
    segwit = data[pos] == 0
    if segwit:
        pos += 2
    n_in = varint()
    for _ in range(n_in):
        pos += 36
        n = varint()  # read first: `pos += varint()` would use the old pos
        pos += n + 4
    for _ in range(varint()):
        pos += 8
        n = varint()
        print(address(data[pos:pos + n]))
        pos += n
    if segwit:
        for _ in range(n_in):
            for _ in range(varint()):
                n = varint()
                pos += n
    pos += 4
assert pos == len(data), (pos, len(data))
