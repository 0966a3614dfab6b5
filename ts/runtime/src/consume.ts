/** `consume`: a durable pull consumer of one event as an async iterable of typed deliveries. */

import { fromBinary } from "@bufbuild/protobuf";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
} from "@nats-io/jetstream";
import type { ConsumerConfig, ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";

import { ConsumeError, DecodeError } from "./errors.js";
import type { Event } from "./event.js";
import { checkStream } from "./stream.js";
import * as wire from "./wire.js";

export interface ConsumeOptions {
  /** Messages pulled per request (default 100, as Python). */
  batch?: number;
  /** Milliseconds the server waits for an ack before it redelivers (default 30000). */
  ackWaitMs?: number;
  /** Deliveries of one message before the server gives up on it (default: no limit). */
  maxDeliver?: number;
  /** Messages delivered but not acked at once (default: the server's, 1000). */
  maxAckPending?: number;
  /** End the iteration after this many milliseconds without a message (default: never),
   * as Python's `idle_timeout`. */
  idleMs?: number;
}

/** One message of an event as the consumer received it. */
export class Delivery<Desc extends DescMessage = DescMessage> {
  #data: MessageShape<Desc> | undefined;

  constructor(
    readonly event: Event<Desc>,
    /** The nats.js message, for what this class does not cover. */
    readonly msg: JsMsg,
  ) {}

  /** The decoded message; a payload that does not decode throws `DecodeError` here, and the
   * message stays unacked, so nothing is lost. */
  get data(): MessageShape<Desc> {
    if (this.#data === undefined) this.#data = decode(this.event, this.msg);
    return this.#data;
  }

  /** The headers; CloudEvents `ce-*` values percent-decoded. */
  get headers(): Record<string, string> {
    const entries: Array<[string, string]> = [];
    for (const [name, values] of this.msg.headers ?? []) {
      entries.push([name, values[values.length - 1] ?? ""]);
    }
    return wire.decodeHeaders(entries);
  }

  /** Sequence of the message in the event's stream. */
  get seq(): number {
    return this.msg.seq;
  }

  /** Done with it: resolves when the server has the ack. */
  async ack(): Promise<void> {
    await this.settle(() => this.msg.ackAck(), "ack");
  }

  /** Not now: redeliver after `delayMs` milliseconds (at once when not given). */
  async nak(delayMs?: number): Promise<void> {
    await this.settle(() => this.msg.nak(delayMs), "nak");
  }

  /** Never: the server does not deliver it again. */
  async term(): Promise<void> {
    await this.settle(() => this.msg.term(), "term");
  }

  private async settle(call: () => unknown, what: string): Promise<void> {
    try {
      await call();
    } catch (error) {
      throw new ConsumeError(
        `event "${this.event.name}": cannot ${what} message #${this.seq}: ${String(error)}`,
        { cause: error },
      );
    }
  }
}

function decode<Desc extends DescMessage>(event: Event<Desc>, msg: JsMsg): MessageShape<Desc> {
  const contentType = msg.headers?.get(wire.CONTENT_TYPE);
  if (contentType && contentType !== event.contentType) {
    throw new DecodeError(
      `event "${event.name}": message #${msg.seq} is ${contentType}, not ${event.contentType}`,
      event.name,
      msg.data,
      msg.seq,
    );
  }
  try {
    return fromBinary(event.schema, msg.data);
  } catch (error) {
    throw new DecodeError(
      `event "${event.name}": message #${msg.seq} is not a ${event.schemaName}: ${String(error)}`,
      event.name,
      msg.data,
      msg.seq,
      { cause: error },
    );
  }
}

/** The consumer config Python's `consume` creates (`ConsumerOptions.config`). */
export function consumerConfig(
  event: Event,
  name: string,
  options: ConsumeOptions = {},
): Partial<ConsumerConfig> {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
    throw new ConsumeError(
      `consumer name "${name}" for event "${event.name}" must be 1-255 letters, digits, ` +
        "'-' or '_'",
    );
  }
  const config: Partial<ConsumerConfig> = {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: event.subject,
    ack_wait: nanos(options.ackWaitMs ?? 30_000),
  };
  if (options.maxDeliver !== undefined) config.max_deliver = options.maxDeliver;
  if (options.maxAckPending !== undefined) config.max_ack_pending = options.maxAckPending;
  return config;
}

/**
 * The event's messages through the durable pull consumer `consumer`, created if missing (as
 * Python creates it) and resumed where it left off. Checks the stream first. Ends when the
 * loop stops (`break`) or the connection closes.
 */
export async function* consume<Desc extends DescMessage>(
  js: JetStreamClient,
  event: Event<Desc>,
  consumer: string,
  options: ConsumeOptions = {},
): AsyncGenerator<Delivery<Desc>, void, undefined> {
  const config = consumerConfig(event, consumer, options);
  await checkStream(js, event);
  let messages: ConsumerMessages;
  try {
    const jsm = await js.jetstreamManager();
    try {
      await jsm.consumers.info(event.stream, consumer);
    } catch (error) {
      const missing =
        error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound;
      if (!missing) throw error;
      await jsm.consumers.add(event.stream, config);
    }
    const pull = await js.consumers.get(event.stream, consumer);
    messages = await pull.consume({ max_messages: options.batch ?? 100 });
  } catch (error) {
    throw new ConsumeError(
      `event "${event.name}": cannot consume through "${consumer}": ${String(error)}`,
      { cause: error },
    );
  }
  const incoming = messages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await nextOrIdle(incoming, options.idleMs);
      if (next === IDLE || next.done) return;
      yield new Delivery(event, next.value);
    }
  } finally {
    // close() ends the iterator, which must be let finish (return) for close to resolve.
    const closing = messages.close();
    await incoming.return?.();
    await closing;
  }
}

const IDLE = Symbol("idle");

/** The next message, or `IDLE` when none came within `idleMs` (never, when undefined). */
async function nextOrIdle(
  incoming: AsyncIterator<JsMsg>,
  idleMs: number | undefined,
): Promise<IteratorResult<JsMsg> | typeof IDLE> {
  if (idleMs === undefined) return incoming.next();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<typeof IDLE>((resolve) => {
    timer = setTimeout(() => resolve(IDLE), idleMs);
  });
  try {
    return await Promise.race([incoming.next(), idle]);
  } finally {
    clearTimeout(timer);
  }
}
