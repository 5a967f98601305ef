// Types for snappyjs (pure-JS snappy block format), which ships none.
declare module 'snappyjs' {
  /** Decompresses a snappy block; throws when the declared length exceeds maxLength or the data is corrupt. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
  /** Compresses into one snappy block. */
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
}
