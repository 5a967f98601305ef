// Returns off-heap garbage to the system while the collector reads at full speed.
//
// Why: batch bodies, gzip output and socket writes live in ArrayBuffers outside V8's heap.
// V8 frees them only when a garbage collection runs, and it starts one for off-heap memory
// only after about 64 MB more of it has piled up; the JS heap itself stays small (under 10 MB)
// so nothing else triggers a collection. When this was written, reading a 330 MB file at full
// speed took RSS to 126 MB without it and 76-79 MB with it. Measured again after the later
// memory work (docs/benchmarks.md, "Forced garbage collection while reading"): it still lowers
// the peak in every run, but by 3-6 MB (3-5%) only. Setting the V8 flag at run time is what
// Node's documentation warns against; it is kept until that trade is made again.
import v8 from 'node:v8';
import vm from 'node:vm';

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;
let gc: GcFunction | null | undefined;

/** Runs a full garbage collection if the runtime lets us; a no-op otherwise. */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as GcFunction;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
