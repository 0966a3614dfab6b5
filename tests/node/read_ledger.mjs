// A Node.js service that knows nothing of protonats' Python code or .proto files: it reads an
// event's entry from the schema ledger (JetStream KV bucket "protonats-registry"), builds the
// message type from the entry's descriptor set alone, and decodes the event's last message.
//
//   node read_ledger.mjs NATS_URL EVENT   -> one JSON line: {entry, headers, message, json}
import { connect } from "nats";
import protobuf from "protobufjs";
import "protobufjs/ext/descriptor.js"; // adds Root.fromDescriptor
import protojson from "protobufjs/ext/protojson.js";

const [url, event] = process.argv.slice(2);
const nc = await connect({ servers: url });
try {
  const js = nc.jetstream();
  const kv = await js.views.kv("protonats-registry", { bindOnly: true });
  const found = await kv.get(event);
  if (!found) throw new Error(`event ${event} is not in the ledger`);
  const entry = found.json();

  const jsm = await nc.jetstreamManager();
  const stored = await jsm.streams.getMessage(entry.stream, { last_by_subj: entry.subject });
  const headers = {};
  for (const [name, values] of stored.header ?? []) headers[name] = values.join(",");

  let message = null;
  let json = null;
  if (entry.schema.content_type === "application/protobuf") {
    const root = protobuf.Root.fromDescriptor(Buffer.from(entry.schema.descriptor_set, "base64"));
    const type = root.lookupType(entry.schema.name);
    const decoded = type.decode(stored.data);
    message = type.toObject(decoded, { longs: String, enums: String });
    json = protojson.toJson(type, decoded);
  } else {
    json = JSON.parse(new TextDecoder().decode(stored.data));
  }
  console.log(JSON.stringify({ entry, headers, message, json }));
} finally {
  await nc.close();
}
