/**
 * Every error the runtime throws is a `ProtonatsError`; what a NATS failure caused carries it
 * as `cause`. The tree, as in Python's `protonats._errors`:
 *
 *     ProtonatsError
 *     ├── EmitError                 emitting failed, or was refused before sending
 *     │   ├── MessageTypeError      the message is not of the event's schema
 *     │   ├── MessageTooLargeError  payload + headers over limits.messageSize / max_payload
 *     │   └── BatchEmitError        some messages of an emitMany were not stored
 *     ├── StreamError               the event's stream cannot be used
 *     │   ├── NoStreamError         it does not exist: register the registry first
 *     │   └── StreamMismatchError   it was made for another event or schema
 *     ├── ConsumeError              creating or reading the consumer, or settling, failed
 *     └── DecodeError               a delivered payload is not a message of the schema
 */

/** The root of every error `@protonats/runtime` throws. */
export class ProtonatsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class EmitError extends ProtonatsError {}

export class MessageTypeError extends EmitError {}

export class MessageTooLargeError extends EmitError {
  constructor(
    message: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(message);
  }
}

export class BatchEmitError extends EmitError {
  constructor(
    message: string,
    /** Index in the batch -> why that message was not stored. */
    readonly failures: ReadonlyMap<number, unknown>,
    /** The ack of every message, `undefined` for the failed ones. */
    readonly acks: ReadonlyArray<{ stream: string; seq: number; duplicate: boolean } | undefined>,
  ) {
    super(message);
  }
}

export class StreamError extends ProtonatsError {
  constructor(
    message: string,
    readonly event: string,
    readonly stream: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class NoStreamError extends StreamError {}

export class StreamMismatchError extends StreamError {}

export class ConsumeError extends ProtonatsError {}

export class DecodeError extends ProtonatsError {
  constructor(
    message: string,
    readonly event: string,
    /** The payload as delivered. */
    readonly data: Uint8Array,
    readonly seq: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
