/** The check at start: the event's stream exists and was made for this event (by Python). */

import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { JetStreamClient, StreamInfo } from "@nats-io/jetstream";

import { NoStreamError, StreamMismatchError } from "./errors.js";
import type { Event } from "./event.js";

/** Stream metadata keys `protonats register` stamps (Python's `jetstream/_config.py`). */
export const META_EVENT = "protonats.event";
export const META_SCHEMA = "protonats.schema";
export const META_VERSION = "protonats.version";

const REGISTER_FIRST =
  "register the registry's streams first, from Python: run `protonats register` " +
  "or `await EVENTS.connect(url).register()`";

const checked = new WeakMap<JetStreamClient, Map<string, Promise<StreamInfo>>>();

/**
 * The event's stream, checked once per JetStream client: it must exist and carry the
 * metadata `protonats register` writes for this event and schema. Throws `NoStreamError` or
 * `StreamMismatchError` otherwise (a failed check is tried again next time).
 */
export function checkStream(js: JetStreamClient, event: Event): Promise<StreamInfo> {
  let streams = checked.get(js);
  if (streams === undefined) {
    streams = new Map();
    checked.set(js, streams);
  }
  const cache = streams;
  const key = `${event.stream}\u0000${event.name}\u0000${event.schemaName}`;
  let found = cache.get(key);
  if (found === undefined) {
    found = lookUp(js, event);
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  return found;
}

async function lookUp(js: JetStreamClient, event: Event): Promise<StreamInfo> {
  const stream = event.stream;
  let info: StreamInfo;
  try {
    const jsm = await js.jetstreamManager();
    info = await jsm.streams.info(stream);
  } catch (error) {
    const missing =
      error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
    throw new NoStreamError(
      missing
        ? `event "${event.name}": stream "${stream}" does not exist; ${REGISTER_FIRST}`
        : `event "${event.name}": cannot look up stream "${stream}": ${String(error)}`,
      event.name,
      stream,
      { cause: error },
    );
  }
  const metadata = info.config.metadata ?? {};
  const owner = metadata[META_EVENT];
  if (owner !== event.name) {
    const who = owner ? `protonats event "${owner}"` : "something other than protonats";
    throw new StreamMismatchError(
      `event "${event.name}": stream "${stream}" was made by ${who}, not for this event; ` +
        `refusing to use it. Delete or rename that stream, then ${REGISTER_FIRST}`,
      event.name,
      stream,
    );
  }
  const schema = metadata[META_SCHEMA];
  if (schema !== event.schemaName) {
    throw new StreamMismatchError(
      `event "${event.name}": stream "${stream}" was registered for schema "${schema}", ` +
        `this registry has "${event.schemaName}"; use the registry version that registered ` +
        `it (${metadata[META_VERSION] ?? "unknown"}), or ${REGISTER_FIRST}`,
      event.name,
      stream,
    );
  }
  return info;
}
