/**
 * The wire contract, as Python's `protonats/_wire.py` states it: the header names every
 * protonats message carries, in the order Python's emit writes them, and the CloudEvents
 * binary-mode encoding. A test keeps these names equal to `_wire.py`'s.
 */

export const CONTENT_TYPE = "Content-Type";
export const SCHEMA = "Protonats-Schema";
export const EXPECTED_STREAM = "Nats-Expected-Stream";
export const MSG_ID = "Nats-Msg-Id";
export const TRACE_ID = "Protonats-Trace-Id";
export const TTL = "Nats-TTL";
export const BATCH_ID = "Nats-Batch-Id";
export const BATCH_SEQUENCE = "Nats-Batch-Sequence";
export const BATCH_COMMIT = "Nats-Batch-Commit";
export const TRACEPARENT = "traceparent";
export const CLOUDEVENTS_PREFIX = "ce-";
/** Headers protonats sets itself; user headers may not override them. */
export const RESERVED: ReadonlySet<string> = new Set([
  CONTENT_TYPE,
  SCHEMA,
  EXPECTED_STREAM,
  MSG_ID,
  TRACE_ID,
  TTL,
  BATCH_ID,
  BATCH_SEQUENCE,
  BATCH_COMMIT,
]);
/** nats-server's default `max_payload` (1 MiB), when the connection does not say. */
export const DEFAULT_MAX_PAYLOAD = 1 << 20;

/** The most bytes of headers JetStream stores with a message (64 KiB or more: error 10097). */
export const MAX_HEADER_SIZE = 64 * 1024 - 1;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const LONE_SURROGATE = /\p{Surrogate}/u; // a pair is one code point: only lone ones match

/** Why `value` would not arrive as given in a header (a uid included), or `null`: the rules
 * of Python's `_wire.header_value_problem`, so both languages refuse the same values. */
export function headerValueProblem(value: unknown): string | null {
  if (typeof value !== "string") return `it is ${typeof value}, not a string`;
  if (LONE_SURROGATE.test(value)) {
    return "it is not valid Unicode (a lone surrogate), so it cannot be sent as UTF-8";
  }
  if (value.includes("\r") || value.includes("\n")) {
    return "it contains CR or LF, which a header cannot carry";
  }
  const control = CONTROL.exec(value);
  if (control !== null) return `it contains the control character ${JSON.stringify(control[0])}`;
  if (value !== value.trim()) return "it starts or ends with whitespace, which the client strips";
  return null;
}

/** Why `name` cannot be a header name as given, or `null`. */
export function headerNameProblem(name: string): string | null {
  return TOKEN.test(name) ? null : "a header name is letters, digits and !#$%&'*+-.^_`|~ only";
}

const HEX = "0123456789ABCDEF";

/** A CloudEvents attribute as its header value (HTTP binding percent-encoding, as Python). */
export function percentEncode(value: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    const safe = byte >= 0x21 && byte <= 0x7e && byte !== 0x22 && byte !== 0x25;
    out += safe ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** The attribute of a CloudEvents header value (inverse of `percentEncode`). */
export function percentDecode(value: string): string {
  return value.includes("%") ? decodeURIComponent(value) : value;
}

/** `2024-05-01T10:00:00.123000Z`: RFC 3339 in UTC with microseconds, as Python writes it. */
export function rfc3339(moment: Date): string {
  return moment.toISOString().replace("Z", "000Z");
}

/** The `Nats-TTL` value of `seconds`: whole seconds (`60`), else a Go duration (`1.5s`). */
export function ttlValue(seconds: number): string {
  return Number.isInteger(seconds) ? String(seconds) : `${seconds}s`;
}

/** CloudEvents 1.0 binary-mode attributes of one message of `event` (not yet encoded). */
export function cloudevents(
  event: string,
  source: string,
  uid: string | undefined,
): Record<string, string> {
  return {
    "ce-specversion": "1.0",
    "ce-id": uid ?? crypto.randomUUID().replaceAll("-", ""),
    "ce-type": event,
    "ce-source": source,
    "ce-time": rfc3339(new Date()),
  };
}

/** Bytes the headers take on the wire: `NATS/1.0\r\n`, `name: value\r\n` each, `\r\n`. */
export function headerSize(headers: ReadonlyArray<readonly [string, string]>): number {
  const encoder = new TextEncoder();
  let size = 12;
  for (const [name, value] of headers) {
    size += 4 + encoder.encode(name).length + encoder.encode(value).length;
  }
  return size;
}

/** Headers as a plain object, `ce-*` values percent-decoded (what the emitter meant). */
export function decodeHeaders(
  entries: Iterable<readonly [string, string]>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    out[name] = name.toLowerCase().startsWith(CLOUDEVENTS_PREFIX) ? percentDecode(value) : value;
  }
  return out;
}
