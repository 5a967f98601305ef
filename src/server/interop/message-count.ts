// Counts the messages a protobuf body would decode into, without decoding it: the OTLP and Loki
// doors refuse a body of millions of empty messages (two bytes each as sent, a JavaScript object
// each once decoded) before protobufjs builds them (see body.ts BYTES_PER_OBJECT).
import protobuf from 'protobufjs';
import { LogpipeError } from '../../shared/errors.js';
import { objectBudget, tooManyObjects } from '../body.js';

/** Nesting followed at most; a deeper body is left for the decoder to refuse. */
const MAX_DEPTH = 100;

/**
 * Throws 413 when `data`, read as a `type`, holds more messages than objectBudget allows.
 * One pass over the wire format with the schema: a length-delimited field whose type is a
 * message is counted and entered, every other field skipped. A malformed body stops the count
 * quietly: the decoder then says what is wrong with it.
 */
export function checkProtobufMessages(type: protobuf.Type, data: Uint8Array): void {
  const max = objectBudget(data.length);
  // Each message but the outermost takes at least two bytes (tag and length).
  if (data.length / 2 <= max) return;
  const r = protobuf.Reader.create(data);
  let n = 0;
  const walk = (t: protobuf.Type, end: number, depth: number): void => {
    while (r.pos < end) {
      const tag = r.uint32();
      const wire = tag & 7;
      const sub = wire === 2 ? t.fieldsById[tag >>> 3]?.resolvedType : undefined;
      if (sub instanceof protobuf.Type && depth < MAX_DEPTH) {
        const len = r.uint32();
        const subEnd = r.pos + len;
        if (subEnd > end) return;
        if (++n > max) throw tooManyObjects(data.length, 'protobuf messages');
        walk(sub, subEnd, depth + 1);
        r.pos = subEnd;
      } else {
        r.skipType(wire);
      }
    }
  };
  try {
    walk(type, data.length, 0);
  } catch (err) {
    if (err instanceof LogpipeError) throw err;
  }
}
