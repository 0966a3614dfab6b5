/** `emit` and `emitMany`: validated, acknowledged publishing with Python's exact headers. */

import { isMessage, toBinary } from "@bufbuild/protobuf";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";

import { BatchEmitError, EmitError, MessageTooLargeError, MessageTypeError } from "./errors.js";
import type { Event } from "./event.js";
import { checkStream } from "./stream.js";
import * as wire from "./wire.js";
import { headerValueProblem } from "./wire.js";

/** The server stored the message as `seq` in `stream`; `duplicate`: a message with the same
 * uid was stored within the stream's duplicate window, and this one was not stored again. */
export interface Ack {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
}

export interface EmitOptions {
  /** Sent as `Nats-Msg-Id`: a retried emit with the same uid is stored once. */
  uid?: string;
  /** Extra headers (not the ones protonats sets: `wire.RESERVED`). */
  headers?: Readonly<Record<string, string>>;
  /** The W3C trace context of the span that emits (the `traceparent` header). */
  traceparent?: string;
  /** Sent as `Protonats-Trace-Id`, for correlating messages across services. */
  traceId?: string;
  /** Seconds the server keeps this message (`Nats-TTL`; events with `allowTtl` or
   * `limits.messageTtl`, which is sent on every message otherwise). */
  ttl?: number;
  /** Adds the CloudEvents 1.0 binary-mode headers (`ce-*`) with this `source`. */
  cloudeventsSource?: string;
  /** Milliseconds to wait for the server's ack (default 5000, as Python's `ack_timeout`). */
  timeoutMs?: number;
}

export interface EmitManyOptions extends Omit<EmitOptions, "uid"> {
  /** One uid per message, in order. */
  uids?: readonly string[];
  /** Messages in flight at once, waiting for their acks (default 256). */
  window?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_WINDOW = 256;

/** The message's headers, in the order Python's emit writes them. */
export function emitHeaders(
  event: Event,
  options: Omit<EmitOptions, "timeoutMs"> = {},
): Array<[string, string]> {
  const out = new Map<string, string>([
    [wire.CONTENT_TYPE, event.contentType],
    [wire.SCHEMA, event.schemaName],
    [wire.EXPECTED_STREAM, event.stream],
  ]);
  const defaultTtl = event.limits["messageTtl"];
  if (defaultTtl != null) out.set(wire.TTL, wire.ttlValue(defaultTtl));
  checkHeaders(event, options);
  if (options.traceparent !== undefined) out.set(wire.TRACEPARENT, options.traceparent);
  if (options.headers) {
    const clash = Object.keys(options.headers).filter((name) => wire.RESERVED.has(name));
    if (clash.length > 0) {
      throw new EmitError(
        `event "${event.name}": headers ${JSON.stringify(clash.sort())} are set by protonats; ` +
          "use uid for Nats-Msg-Id and traceId for the trace header",
      );
    }
    for (const [name, value] of Object.entries(options.headers)) out.set(name, value);
  }
  if (options.uid !== undefined) out.set(wire.MSG_ID, options.uid);
  if (options.traceId !== undefined) out.set(wire.TRACE_ID, options.traceId);
  if (options.cloudeventsSource !== undefined) {
    const attributes = wire.cloudevents(event.name, options.cloudeventsSource, options.uid);
    for (const [name, value] of Object.entries(attributes)) {
      if (!out.has(name)) out.set(name, value);
    }
  }
  if (options.ttl !== undefined) out.set(wire.TTL, wire.ttlValue(checkTtl(event, options.ttl)));
  return [...out].map(([name, value]) => [
    name,
    name.toLowerCase().startsWith(wire.CLOUDEVENTS_PREFIX) ? wire.percentEncode(value) : value,
  ]);
}

/** Refuse a uid or header that would not arrive as given (Python's `_headers.py` rules). */
function checkHeaders(event: Event, options: Omit<EmitOptions, "timeoutMs">): void {
  const refuse = (what: string, value: unknown, problem: string): never => {
    throw new EmitError(
      `event "${event.name}": ${what} ${JSON.stringify(value)} would not arrive as given: ` +
        `${problem}. Nothing was sent`,
    );
  };
  if (options.uid !== undefined) {
    const problem =
      headerValueProblem(options.uid) ??
      (options.uid === "" ? "an empty uid is no uid to the server (nothing would be deduplicated)" : null);
    if (problem !== null) refuse("uid", options.uid, problem);
  }
  const given: Array<[string, unknown]> = Object.entries(options.headers ?? {});
  if (options.traceparent !== undefined) given.push([wire.TRACEPARENT, options.traceparent]);
  if (options.traceId !== undefined) given.push([wire.TRACE_ID, options.traceId]);
  for (const [name, value] of given) {
    const problem = wire.headerNameProblem(name) ?? headerValueProblem(value);
    if (problem !== null) refuse(`header ${JSON.stringify(name)} value`, value, problem);
  }
}

function checkTtl(event: Event, ttl: number): number {
  const refuse = (why: string): never => {
    throw new EmitError(`event "${event.name}": ${why}; nothing was sent`);
  };
  if (!Number.isFinite(ttl)) refuse(`ttl must be a number of seconds, got ${ttl}`);
  if (!(event.flags["allowTtl"] || event.limits["messageTtl"] != null)) {
    refuse("ttl needs the event declared with allow_ttl (or limits.message_ttl) and registered since");
  }
  if (ttl < 1) refuse(`ttl must be at least 1 s (the server refuses shorter ones), got ${ttl}`);
  const age = event.limits["age"];
  if (age != null && ttl > age) refuse(`ttl ${ttl} s is longer than limits.age ${age} s`);
  return ttl;
}

/** Validate and encode one message: its type, then its size with its headers. */
export function encode<Desc extends DescMessage>(
  js: JetStreamClient,
  event: Event<Desc>,
  message: MessageShape<Desc>,
  headers: ReadonlyArray<readonly [string, string]>,
): Uint8Array {
  if (!isMessage(message, event.schema)) {
    const got = isMessage(message) ? message.$typeName : typeof message;
    throw new MessageTypeError(
      `event "${event.name}" takes ${event.schema.typeName} messages, got ${got}; nothing ` +
        `was sent. Build one with create(${event.schema.name}Schema, {...})`,
    );
  }
  const payload = toBinary(event.schema, message);
  const limit = maxSize(js, event);
  const headerBytes = wire.headerSize(headers);
  if (headerBytes > wire.MAX_HEADER_SIZE) {
    throw new EmitError(
      `event "${event.name}": ${headerBytes} bytes of headers (the uid included) are over the ` +
        `${wire.MAX_HEADER_SIZE} bytes JetStream stores with a message; nothing was sent`,
    );
  }
  const size = payload.length + headerBytes;
  if (size > limit) {
    throw new MessageTooLargeError(
      `event "${event.name}": payload of ${payload.length} bytes plus ` +
        `${size - payload.length} bytes of headers is over the limit of ${limit} ` +
        "(limits.messageSize or the server's max_payload); nothing was sent. Send less, " +
        "or raise max_message_size in the event's option",
      size,
      limit,
    );
  }
  return payload;
}

function maxSize(js: JetStreamClient, event: Event): number {
  // The client keeps its connection in `nc` (public in nats.js, not in the type).
  const info = (js as { nc?: { info?: { max_payload?: number } } }).nc?.info;
  const serverMax = info?.max_payload ?? wire.DEFAULT_MAX_PAYLOAD;
  const declared = event.limits["messageSize"];
  return declared != null ? Math.min(declared, serverMax) : serverMax;
}

/** The same error, saying which message of a batch it is about. */
function atIndex(error: unknown, index: number): unknown {
  const where = ` (message #${index} of the batch; nothing was sent)`;
  if (error instanceof MessageTooLargeError) {
    return new MessageTooLargeError(error.message + where, error.size, error.limit);
  }
  if (error instanceof MessageTypeError) return new MessageTypeError(error.message + where);
  if (error instanceof EmitError) return new EmitError(error.message + where);
  return error;
}

async function publish(
  js: JetStreamClient,
  event: Event,
  payload: Uint8Array,
  headerList: ReadonlyArray<readonly [string, string]>,
  timeout: number,
): Promise<Ack> {
  const h = natsHeaders();
  for (const [name, value] of headerList) h.set(name, value);
  try {
    const ack = await js.publish(event.subject, payload, { headers: h, timeout });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  } catch (error) {
    throw new EmitError(`event "${event.name}": the message was not stored: ${String(error)}`, {
      cause: error,
    });
  }
}

/**
 * Publish `message` and wait until the event's stream has stored it; resolve to the ack.
 * Checks the message type and size, then the stream (once per client), before sending.
 */
export async function emit<Desc extends DescMessage>(
  js: JetStreamClient,
  event: Event<Desc>,
  message: MessageShape<Desc>,
  options: EmitOptions = {},
): Promise<Ack> {
  const headerList = emitHeaders(event, options);
  const payload = encode(js, event, message, headerList);
  await checkStream(js, event);
  return publish(js, event, payload, headerList, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/**
 * Publish a batch, at most `window` acks pending at once; resolve to every ack in input
 * order. Every message is validated before the first is sent. If some are not stored, throws
 * `BatchEmitError` with the failures by index and the acks of the others.
 */
export async function emitMany<Desc extends DescMessage>(
  js: JetStreamClient,
  event: Event<Desc>,
  messages: ReadonlyArray<MessageShape<Desc>>,
  options: EmitManyOptions = {},
): Promise<Ack[]> {
  const { uids, window = DEFAULT_WINDOW, ...rest } = options;
  if (uids !== undefined && uids.length !== messages.length) {
    throw new EmitError(
      `event "${event.name}": ${uids.length} uids for ${messages.length} messages; ` +
        "nothing was sent",
    );
  }
  if (!Number.isInteger(window) || window < 1) {
    throw new EmitError(`event "${event.name}": window must be a positive integer, got ${window}`);
  }
  const batch = messages.map((message, index) => {
    try {
      const headerList = emitHeaders(event, { ...rest, uid: uids?.[index] });
      return { payload: encode(js, event, message, headerList), headerList };
    } catch (error) {
      throw atIndex(error, index);
    }
  });
  await checkStream(js, event);
  const timeout = rest.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const acks: Array<Ack | undefined> = new Array<Ack | undefined>(batch.length).fill(undefined);
  const failures = new Map<number, unknown>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batch.length) {
      const index = next++;
      const { payload, headerList } = batch[index]!;
      try {
        acks[index] = await publish(js, event, payload, headerList, timeout);
      } catch (error) {
        failures.set(index, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, batch.length) }, worker));
  if (failures.size > 0) {
    const shown = [...failures].slice(0, 3).map(([i, e]) => `#${i}: ${String(e)}`);
    throw new BatchEmitError(
      `event "${event.name}": ${failures.size} of ${batch.length} messages were not stored: ` +
        shown.join(", ") +
        (failures.size > 3 ? ` (and ${failures.size - 3} more)` : "") +
        "; retry them with the same uids within the stream's duplicate window to store " +
        "each once",
      failures,
      acks,
    );
  }
  return acks as Ack[];
}
