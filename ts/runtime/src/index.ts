/**
 * `@protonats/runtime`: typed JetStream events for Node.js, from a protonats registry's npm
 * package (`buf generate` writes its `events.ts`), on the wire exactly as the Python runtime.
 */

export { consume, consumerConfig, Delivery } from "./consume.js";
export type { ConsumeOptions } from "./consume.js";
export { emit, emitHeaders, emitMany } from "./emit.js";
export type { Ack, EmitManyOptions, EmitOptions } from "./emit.js";
export {
  BatchEmitError,
  ConsumeError,
  DecodeError,
  EmitError,
  MessageTooLargeError,
  MessageTypeError,
  NoStreamError,
  ProtonatsError,
  StreamError,
  StreamMismatchError,
} from "./errors.js";
export type { Event } from "./event.js";
export { checkStream, META_EVENT, META_SCHEMA, META_VERSION } from "./stream.js";
export * as wire from "./wire.js";
