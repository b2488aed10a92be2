/**
 * @module store/simd/dot-module
 * The bytes of a tiny WebAssembly module that scores many vectors against
 * one query with 128-bit SIMD (f32x4), assembled here by hand: no compiler,
 * nothing fetched, nothing native. `dot-module.wat` beside this file is the
 * same module as text, for review; the test compiles these bytes and checks
 * them against the plain-JS dot product.
 *
 * The module imports its memory (`env.memory`) and exports two functions,
 * all pointers byte offsets into that memory, vectors packed `dims` f32s each:
 *
 * - `scores(query, slab, count, dims, out)`: `out[i] = query · slab[i]` for
 *   `i < count`;
 * - `scoresAt(query, slab, slots, count, dims, out)`: `out[i] = query ·
 *   slab[slots[i]]` for `i < count`, `slots` an i32 array (a filtered scan).
 *
 * Each dot product runs four f32x4 accumulators over 16 floats at a time,
 * then one over 4 at a time, then a scalar tail (any `dims`).
 */

const enum Op {
  Block = 0x02,
  Loop = 0x03,
  End = 0x0b,
  Br = 0x0c,
  BrIf = 0x0d,
  LocalGet = 0x20,
  LocalSet = 0x21,
  LocalTee = 0x22,
  I32Load = 0x28,
  F32Load = 0x2a,
  F32Store = 0x38,
  I32Const = 0x41,
  I32GeU = 0x4f,
  I32Add = 0x6a,
  I32Mul = 0x6c,
  I32And = 0x71,
  I32Shl = 0x74,
  F32Add = 0x92,
  F32Mul = 0x94,
  SimdPrefix = 0xfd,
}

/** SIMD opcodes (after the 0xfd prefix, LEB128-encoded). */
const enum Simd {
  V128Load = 0x00,
  V128Const = 0x0c,
  F32x4ExtractLane = 0x1f,
  F32x4Add = 0xe4,
  F32x4Mul = 0xe6,
}

const enum Type {
  I32 = 0x7f,
  F32 = 0x7d,
  V128 = 0x7b,
  Func = 0x60,
  Empty = 0x40,
}

/** Unsigned LEB128. */
function u32(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128 (for `i32.const`). */
function s32(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

const name = (text: string) => [...u32(text.length), ...new TextEncoder().encode(text)];
const vector = (items: number[][]) => [...u32(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...u32(body.length), ...body];

/** Instruction helpers; each returns its bytes. */
const get = (local: number) => [Op.LocalGet, ...u32(local)];
const set = (local: number) => [Op.LocalSet, ...u32(local)];
const tee = (local: number) => [Op.LocalTee, ...u32(local)];
const i32 = (value: number) => [Op.I32Const, ...s32(value)];
const simd = (op: Simd) => [Op.SimdPrefix, ...u32(op)];
/** A memarg: alignment as log2, then a constant offset added to the address. */
const memarg = (alignLog2: number, offset: number) => [...u32(alignLog2), ...u32(offset)];
const v128Load = (offset: number) => [...simd(Simd.V128Load), ...memarg(4, offset)];
const zero = [...simd(Simd.V128Const), ...new Array<number>(16).fill(0)];
/** `block (loop (br_if 1 (i32.ge_u index limit)) body... (br 0))` */
const whileBelow = (index: number, limit: number, body: number[]) => [
  Op.Block,
  Type.Empty,
  Op.Loop,
  Type.Empty,
  ...get(index),
  ...get(limit),
  Op.I32GeU,
  Op.BrIf,
  1,
  ...body,
  Op.Br,
  0,
  Op.End,
  Op.End,
];

/**
 * One function body. Parameters: query, slab, [slots,] count, dims, out. `rowAddress` pushes the
 * byte address of row `index`'s vector (`slots[index]`'s with slots).
 */
function scoringBody(withSlots: boolean): number[] {
  const [query, slab] = [0, 1];
  const slots = withSlots ? 2 : -1;
  const count = withSlots ? 3 : 2;
  const dims = count + 1;
  const out = dims + 1;
  // Locals after the parameters.
  const index = out + 1; // i32: row counter
  const row = index + 1; // i32: address of the row's vector
  const offset = row + 1; // i32: byte offset within a vector
  const bytes = offset + 1; // i32: dims * 4
  const end16 = bytes + 1; // i32: bytes rounded down to 64 (16 floats)
  const end4 = end16 + 1; // i32: bytes rounded down to 16 (4 floats)
  const sum = end4 + 1; // f32
  const acc = [sum + 1, sum + 2, sum + 3, sum + 4]; // v128 × 4
  const locals = [
    [...u32(6), Type.I32],
    [...u32(1), Type.F32],
    [...u32(4), Type.V128],
  ];
  const rowAddress = withSlots
    ? [
        ...get(slab),
        ...get(slots),
        ...get(index),
        ...i32(2),
        Op.I32Shl,
        Op.I32Add,
        Op.I32Load,
        ...memarg(2, 0),
        ...get(bytes),
        Op.I32Mul,
        Op.I32Add,
      ]
    : [...get(slab), ...get(index), ...get(bytes), Op.I32Mul, Op.I32Add];
  const lane = (accumulator: number, which: number) => [...get(accumulator), ...simd(Simd.F32x4ExtractLane), which];
  const add = (left: number, right: number) => [...get(left), ...get(right), ...simd(Simd.F32x4Add), ...set(left)];
  const perRow = [
    ...rowAddress,
    ...set(row),
    ...acc.flatMap((accumulator) => [...zero, ...set(accumulator)]),
    ...i32(0),
    ...set(offset),
    ...whileBelow(offset, end16, [
      ...fmaBlock(query, row, offset, acc),
      ...get(offset),
      ...i32(64),
      Op.I32Add,
      ...set(offset),
    ]),
    ...whileBelow(offset, end4, [
      ...fmaStep(query, row, offset, acc[0], 0),
      ...get(offset),
      ...i32(16),
      Op.I32Add,
      ...set(offset),
    ]),
    ...add(acc[0], acc[1]),
    ...add(acc[2], acc[3]),
    ...add(acc[0], acc[2]),
    ...lane(acc[0], 0),
    ...lane(acc[0], 1),
    Op.F32Add,
    ...lane(acc[0], 2),
    ...lane(acc[0], 3),
    Op.F32Add,
    Op.F32Add,
    ...set(sum),
    ...whileBelow(offset, bytes, [
      ...get(sum),
      ...get(query),
      ...get(offset),
      Op.I32Add,
      Op.F32Load,
      ...memarg(2, 0),
      ...get(row),
      ...get(offset),
      Op.I32Add,
      Op.F32Load,
      ...memarg(2, 0),
      Op.F32Mul,
      Op.F32Add,
      ...set(sum),
      ...get(offset),
      ...i32(4),
      Op.I32Add,
      ...set(offset),
    ]),
    ...get(out),
    ...get(index),
    ...i32(2),
    Op.I32Shl,
    Op.I32Add,
    ...get(sum),
    Op.F32Store,
    ...memarg(2, 0),
    ...get(index),
    ...i32(1),
    Op.I32Add,
    ...set(index),
  ];
  const code = [
    ...get(dims),
    ...i32(2),
    Op.I32Shl,
    ...tee(bytes),
    ...i32(-64),
    Op.I32And,
    ...set(end16),
    ...get(bytes),
    ...i32(-16),
    Op.I32And,
    ...set(end4),
    ...i32(0),
    ...set(index),
    ...whileBelow(index, count, perRow),
    Op.End,
  ];
  const body = [...vector(locals), ...code];
  return [...u32(body.length), ...body];
}

/** `acc[k] += query[offset + 4k..] * row[offset + 4k..]` for k = 0..3 (16 floats). */
function fmaBlock(query: number, row: number, offset: number, acc: number[]): number[] {
  return acc.flatMap((accumulator, k) => fmaStep(query, row, offset, accumulator, 16 * k));
}

function fmaStep(query: number, row: number, offset: number, accumulator: number, constant: number): number[] {
  return [
    ...get(accumulator),
    ...get(query),
    ...get(offset),
    Op.I32Add,
    ...v128Load(constant),
    ...get(row),
    ...get(offset),
    Op.I32Add,
    ...v128Load(constant),
    ...simd(Simd.F32x4Mul),
    ...simd(Simd.F32x4Add),
    ...set(accumulator),
  ];
}

/** Assembles the module (see the module comment and `dot-module.wat`). */
export function dotModuleBytes(): Uint8Array<ArrayBuffer> {
  const scoresType = [Type.Func, ...vector([[Type.I32], [Type.I32], [Type.I32], [Type.I32], [Type.I32]]), 0];
  const scoresAtType = [
    Type.Func,
    ...vector([[Type.I32], [Type.I32], [Type.I32], [Type.I32], [Type.I32], [Type.I32]]),
    0,
  ];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d, // "\0asm"
    0x01,
    0x00,
    0x00,
    0x00, // version 1
    ...section(1, vector([scoresType, scoresAtType])),
    // import "env" "memory" (memory 1): kind 2, limits flag 0 (no maximum), minimum 1 page.
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, ...u32(1)]])),
    ...section(3, vector([u32(0), u32(1)])),
    ...section(
      7,
      vector([
        [...name('scores'), 0x00, ...u32(0)],
        [...name('scoresAt'), 0x00, ...u32(1)],
      ]),
    ),
    ...section(10, vector([scoringBody(false), scoringBody(true)])),
  ];
  return new Uint8Array(bytes);
}
