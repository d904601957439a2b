/**
 * A byte-for-byte reproducible .zip writer: the same entries always give the same bytes, on any
 * machine with the same zlib, whatever the clock, umask or file system says.
 *
 * Zip tools commonly stamp file modification times and the modes of the build machine into every
 * entry; the Lambda `source_code_hash` then changes from one checkout or machine to the next and
 * plans show code updates nobody made. Here every entry has the same DOS timestamp
 * (1980-01-01 00:00, the earliest a zip can hold), mode 0644, no extra fields, and the entries are
 * sorted by name. The deflate stream itself is as stable as the zlib build (`process.versions.zlib`):
 * identical on one build, possibly different on a Node linked against another zlib.
 * Format: PKWARE APPNOTE 6.3.10, sections 4.3.7 (local header), 4.3.12 (central directory),
 * 4.3.16 (end of central directory). https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** 1980-01-01 in MS-DOS date format: (year - 1980) << 9 | month << 5 | day. */
const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
const DOS_TIME_MIDNIGHT = 0;
/** Version 2.0: deflate. */
const VERSION_NEEDED = 20;
/** Made by UNIX (3) so that the external attributes carry a POSIX mode. */
const VERSION_MADE_BY = (3 << 8) | VERSION_NEEDED;
/** `-rw-r--r--`, a regular file: Lambda only has to read it. */
const EXTERNAL_ATTRIBUTES = (0o100644 << 16) >>> 0;
const METHOD_DEFLATE = 8;
/** Entry names we write: a flat folder, no traversal, no absolute paths, ASCII only (no UTF-8 flag needed). */
export const ZIP_ENTRY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
/** Without zip64 extensions a zip holds fewer than 65 535 entries of less than 4 GiB. */
const MAX_ENTRIES = 0xffff;
const MAX_SIZE = 0xffffffff;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, the polynomial zip uses). */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A zip of the given files (name → content), deflated, in name order (code-unit order, not locale
 * order, so the result does not depend on the machine's language).
 */
export function deterministicZip(files: Readonly<Record<string, string | Uint8Array>>): Buffer {
  const names = Object.keys(files).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const problems = names.filter((name) => !ZIP_ENTRY_NAME_PATTERN.test(name));
  if (problems.length > 0) {
    throw new Error(`zip entry names must match ${ZIP_ENTRY_NAME_PATTERN.source} (received ${problems.map((n) => JSON.stringify(n)).join(', ')}).`);
  }
  if (names.length > MAX_ENTRIES) throw new Error(`a zip without zip64 holds at most ${MAX_ENTRIES} entries (received ${names.length}).`);

  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    const content = files[name]!;
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const compressed = deflateRawSync(data, { level: 9 });
    if (data.length > MAX_SIZE || compressed.length > MAX_SIZE) throw new Error(`zip entry ${name} is larger than 4 GiB.`);
    const nameBytes = Buffer.from(name, 'ascii');
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(0, 6); // general purpose flags: none
    local.writeUInt16LE(METHOD_DEFLATE, 8);
    local.writeUInt16LE(DOS_TIME_MIDNIGHT, 10);
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, nameBytes, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(VERSION_MADE_BY, 4);
    central.writeUInt16LE(VERSION_NEEDED, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(METHOD_DEFLATE, 10);
    central.writeUInt16LE(DOS_TIME_MIDNIGHT, 12);
    central.writeUInt16LE(DOS_DATE_1980_01_01, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(0, 30); // extra field length
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk number start
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + compressed.length;
    if (offset > MAX_SIZE) throw new Error('zip is larger than 4 GiB.');
  }

  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4); // this disk
  end.writeUInt16LE(0, 6); // disk with the central directory
  end.writeUInt16LE(names.length, 8);
  end.writeUInt16LE(names.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20); // comment length
  return Buffer.concat([...locals, centralDirectory, end]);
}

/**
 * The files of a zip this module wrote (name → content), checking each CRC: lets tests and reviewers
 * read a package back without an unzip tool. Reads the central directory; stored and deflated
 * entries only, no zip64.
 */
export function readZip(zip: Buffer): Record<string, Buffer> {
  const endOffset = zip.length - 22;
  if (endOffset < 0 || zip.readUInt32LE(endOffset) !== 0x06054b50) throw new Error('not a zip without comment: no end of central directory record at the end.');
  const count = zip.readUInt16LE(endOffset + 10);
  let cursor = zip.readUInt32LE(endOffset + 16);
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(cursor) !== 0x02014b50) throw new Error(`central directory entry ${i} has a bad signature.`);
    const method = zip.readUInt16LE(cursor + 10);
    const crc = zip.readUInt32LE(cursor + 16);
    const compressedSize = zip.readUInt32LE(cursor + 20);
    const nameLength = zip.readUInt16LE(cursor + 28);
    const extraLength = zip.readUInt16LE(cursor + 30);
    const commentLength = zip.readUInt16LE(cursor + 32);
    const localOffset = zip.readUInt32LE(cursor + 42);
    const name = zip.toString('utf8', cursor + 46, cursor + 46 + nameLength);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === METHOD_DEFLATE ? inflateRawSync(raw) : method === 0 ? Buffer.from(raw) : undefined;
    if (data === undefined) throw new Error(`${name}: compression method ${method} is not supported.`);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch.`);
    Object.defineProperty(files, name, { value: data, enumerable: true });
    cursor += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}
