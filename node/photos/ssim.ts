/**
 * SSIM on luma, fast enough to run inside the photo pipeline's quality search.
 *
 * SSIM is the mean structural similarity of Wang, Bovik, Sheikh & Simoncelli,
 * "Image quality assessment: from error visibility to structural similarity",
 * IEEE TIP 13(4), 2004, eq. 13, with their constants K1 = 0.01, K2 = 0.03 and
 * L = 255. Like ssim.js's default ("weber") algorithm, each window is an 11×11
 * box (uniform weights) rather than the paper's Gaussian, and the mean is taken
 * over every window that fits inside the image ("valid"). Unlike ssim.js's
 * default we do NOT downsample: its Matlab-style rule shrinks a 1280 px photo
 * by 4 before comparing, which averages JPEG's 8×8 block artefacts away: a
 * quality-60 encode of the shared photos scores 0.980–0.998 that way and
 * 0.941–0.968 at full resolution. We want the artefacts counted.
 *
 * ssim.js itself is the reference the tests compare this against; it is not
 * used here because a 1.2 MP comparison takes it ~0.3–0.5 s on this x86
 * machine (this code: ~40 ms CPU), i.e. most of a Raspberry Pi's 3 s budget.
 */

/**
 * ITU-R BT.601 luma, which is what JPEG codes as Y (JFIF 1.02 section 7), in
 * the 16-bit fixed point of libjpeg's jccolor.c (FIX(0.299) = 19595, …).
 */
export function lumaOf(pixels: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n);
  if (channels < 3) {
    for (let i = 0; i < n; i++) out[i] = pixels[i * channels]!;
    return out;
  }
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    out[i] = (19595 * pixels[j]! + 38470 * pixels[j + 1]! + 7471 * pixels[j + 2]! + 32768) >> 16;
  }
  return out;
}

export const SSIM_WINDOW = 11;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

/**
 * Mean SSIM of two equally sized 8-bit luma planes. Sliding sums keep memory
 * at a few rows' worth (a Pi has little), and the cost linear in pixels: the
 * column sums over the last 11 rows are updated by one row in and one row out,
 * then slid across the row.
 */
export function ssimLuma(a: Uint8Array, b: Uint8Array, width: number, height: number, win = SSIM_WINDOW): number {
  if (a.length !== width * height || b.length !== width * height) throw new RangeError('ssimLuma: planes do not match the size given');
  if (width < win || height < win) throw new RangeError(`ssimLuma: image smaller than the ${win}×${win} window`);
  // Integer sums are exact: a window holds at most 121 × 255² < 2^31.
  const cols = [new Int32Array(width), new Int32Array(width), new Int32Array(width), new Int32Array(width), new Int32Array(width)] as const;
  for (let y = 0; y < win - 1; y++) slideColumns(cols, a, b, y * width, -1, width);
  let total = 0;
  for (let top = 0; top + win <= height; top++) {
    slideColumns(cols, a, b, (top + win - 1) * width, top > 0 ? (top - 1) * width : -1, width);
    total += rowOfWindows(cols, width, win);
  }
  return total / ((width - win + 1) * (height - win + 1));
}

type Columns = readonly [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];

/** Adds the row starting at `inAt` to the column sums and takes away the one at `outAt` (if ≥ 0). */
function slideColumns(cols: Columns, a: Uint8Array, b: Uint8Array, inAt: number, outAt: number, width: number): void {
  const [cA, cB, cAA, cBB, cAB] = cols;
  for (let x = 0; x < width; x++) {
    const va = a[inAt + x]!;
    const vb = b[inAt + x]!;
    cA[x]! += va; cB[x]! += vb; cAA[x]! += va * va; cBB[x]! += vb * vb; cAB[x]! += va * vb;
  }
  if (outAt < 0) return;
  for (let x = 0; x < width; x++) {
    const va = a[outAt + x]!;
    const vb = b[outAt + x]!;
    cA[x]! -= va; cB[x]! -= vb; cAA[x]! -= va * va; cBB[x]! -= vb * vb; cAB[x]! -= va * vb;
  }
}

/** Sum of SSIM over the windows of one band of rows, sliding across the column sums (eq. 13 of Wang et al.). */
function rowOfWindows(cols: Columns, width: number, win: number): number {
  const [cA, cB, cAA, cBB, cAB] = cols;
  const inv = 1 / (win * win);
  let sA = 0, sB = 0, sAA = 0, sBB = 0, sAB = 0;
  for (let x = 0; x < win - 1; x++) {
    sA += cA[x]!; sB += cB[x]!; sAA += cAA[x]!; sBB += cBB[x]!; sAB += cAB[x]!;
  }
  let total = 0;
  for (let x = win - 1; x < width; x++) {
    sA += cA[x]!; sB += cB[x]!; sAA += cAA[x]!; sBB += cBB[x]!; sAB += cAB[x]!;
    const mA = sA * inv;
    const mB = sB * inv;
    const mAB = mA * mB;
    const mAA = mA * mA;
    const mBB = mB * mB;
    total += ((2 * mAB + C1) * (2 * (sAB * inv - mAB) + C2)) / ((mAA + mBB + C1) * (sAA * inv - mAA + sBB * inv - mBB + C2));
    const o = x - win + 1;
    sA -= cA[o]!; sB -= cB[o]!; sAA -= cAA[o]!; sBB -= cBB[o]!; sAB -= cAB[o]!;
  }
  return total;
}
