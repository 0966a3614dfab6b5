/** The shape of an event constant: what `buf generate` writes into a registry's `events.ts`. */

import type { DescMessage } from "@bufbuild/protobuf";

/**
 * An event of a protonats registry: its name, subject and stream (all the event name), the
 * protobuf-es schema of its messages and the stream's limits and policies, the same values
 * the Python constant of the same name holds. Limits are in the Python `Limits` units
 * (seconds, bytes, counts), keyed by their Python keyword in camelCase (`duplicateWindow`);
 * `null` is unset (JetStream's default).
 */
export interface Event<Desc extends DescMessage = DescMessage> {
  readonly name: string;
  readonly subject: string;
  readonly stream: string;
  readonly schema: Desc;
  /** The schema's full name, sent as the `Protonats-Schema` header: `shop.v1.UserRegistered`. */
  readonly schemaName: string;
  readonly contentType: string;
  readonly description: string | null;
  readonly limits: Readonly<Record<string, number | null>>;
  readonly policies: Readonly<Record<string, string>>;
  /** The stream features declared on: `allowTtl`, `allowAtomic`, `allowDelay`, ... */
  readonly flags: Readonly<Record<string, boolean>>;
}
