// A Node service of the example registry, driven by tests/test_typescript.py: every call
// prints JSON lines. `tsc --strict` compiles it against the generated `shop-events` package.
//
//   node service.js consume URL CONSUMER COUNT [IDLE_MS]
//                                                up to COUNT deliveries of every event, acked
//   node service.js emit URL < requests.json     [{event, json, uid?, headers?, ...}] -> acks
//   node service.js emit-many URL EVENT N        N messages of EVENT through emitMany
//   node service.js refuse URL EVENT             what emit and consume say about EVENT
//   node service.js undecodable URL EVENT NAME   reads one message that does not decode
import { fromJson, toJson } from "@bufbuild/protobuf";
import type { JsonValue } from "@bufbuild/protobuf";
import { jetstream } from "@nats-io/jetstream";
import type { JetStreamClient } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { consume, DecodeError, emit, emitMany, ProtonatsError } from "@protonats/runtime";
import type { Event } from "@protonats/runtime";
import { EVENTS } from "shop-events";

interface Request {
  event: string;
  json: JsonValue;
  uid?: string;
  headers?: Record<string, string>;
  traceparent?: string;
  traceId?: string;
  cloudeventsSource?: string;
}

function find(name: string): Event {
  const event = EVENTS.find((e) => e.name === name);
  if (event === undefined) throw new Error(`no event ${name} in shop-events`);
  return event;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function consumeAll(
  js: JetStreamClient,
  consumer: string,
  count: number,
  idleMs: number | undefined,
): Promise<void> {
  for (const event of EVENTS as readonly Event[]) {
    let seen = 0;
    for await (const delivery of consume(js, event, consumer, { batch: 10, idleMs })) {
      console.log(
        JSON.stringify({
          event: event.name,
          seq: delivery.seq,
          typeName: delivery.data.$typeName,
          json: toJson(event.schema, delivery.data),
          headers: delivery.headers,
        }),
      );
      await delivery.ack();
      if (++seen >= count) break;
    }
  }
}

async function emitRequests(js: JetStreamClient): Promise<void> {
  const requests = JSON.parse(await readStdin()) as Request[];
  for (const request of requests) {
    const event = find(request.event);
    const message = fromJson(event.schema, request.json);
    const { event: _name, json: _json, ...options } = request;
    const ack = await emit(js, event, message, options);
    console.log(JSON.stringify(ack));
  }
}

async function refuse(js: JetStreamClient, name: string): Promise<void> {
  const event = find(name);
  const outcome = async (run: () => Promise<unknown>): Promise<Record<string, string>> => {
    try {
      await run();
      return { error: "" };
    } catch (error) {
      const root = error instanceof ProtonatsError ? "ProtonatsError" : "other";
      return { error: (error as Error).name, root, message: (error as Error).message };
    }
  };
  const message = fromJson(event.schema, {});
  console.log(JSON.stringify({ call: "emit", ...(await outcome(() => emit(js, event, message))) }));
  const reading = async (): Promise<void> => {
    for await (const delivery of consume(js, event, "refused")) {
      void delivery;
      break;
    }
  };
  console.log(JSON.stringify({ call: "consume", ...(await outcome(reading)) }));
  const wrong = fromJson(EVENTS.find((e) => e.name !== name)!.schema, {});
  const typed = outcome(() => emit(js, event, wrong as never));
  console.log(JSON.stringify({ call: "emit-wrong-type", ...(await typed) }));
  const size = (event.limits["messageSize"] ?? 1 << 20) + 1;
  const huge = fromJson(event.schema, { userId: "x".repeat(size) });
  const large = outcome(() => emit(js, event, huge));
  console.log(JSON.stringify({ call: "emit-too-large", ...(await large) }));
  const clash = outcome(() => emit(js, event, message, { headers: { "Nats-Msg-Id": "x" } }));
  console.log(JSON.stringify({ call: "emit-reserved-header", ...(await clash) }));
  const spaced = outcome(() => emit(js, event, message, { uid: "order-1 " }));
  console.log(JSON.stringify({ call: "emit-bad-uid", ...(await spaced) }));
}

async function undecodable(js: JetStreamClient, name: string, consumer: string): Promise<void> {
  for await (const delivery of consume(js, find(name), consumer)) {
    try {
      void delivery.data;
      console.log(JSON.stringify({ error: "" }));
    } catch (error) {
      const { name: kind, message } = error as Error;
      const raw = error instanceof DecodeError ? Buffer.from(error.data).toString("hex") : "";
      console.log(JSON.stringify({ error: kind, message, raw, seq: delivery.seq }));
      await delivery.term();
    }
    break;
  }
}

async function main(): Promise<void> {
  const [command, url, ...rest] = process.argv.slice(2);
  const nc = await connect({ servers: url! });
  const js = jetstream(nc);
  try {
    if (command === "consume") {
      const idleMs = rest[2] === undefined ? undefined : Number(rest[2]);
      await consumeAll(js, rest[0]!, Number(rest[1]), idleMs);
    }
    else if (command === "emit") await emitRequests(js);
    else if (command === "emit-many") {
      const event = find(rest[0]!);
      const messages = Array.from({ length: Number(rest[1]) }, () => fromJson(event.schema, {}));
      const acks = await emitMany(js, event, messages, { window: 8 });
      console.log(JSON.stringify(acks));
    } else if (command === "refuse") await refuse(js, rest[0]!);
    else if (command === "undecodable") await undecodable(js, rest[0]!, rest[1]!);
    else throw new Error(`unknown command ${command}`);
  } finally {
    await nc.close();
  }
}

await main();
