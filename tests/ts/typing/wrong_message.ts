// Must NOT compile: an OrderCreated emitted as a user-registered event (tsc --strict refuses it).
import { create } from "@bufbuild/protobuf";
import type { JetStreamClient } from "@nats-io/jetstream";
import { emit } from "@protonats/runtime";
import { OrderCreatedSchema, USER_REGISTERED } from "shop-events";

export async function wrong(js: JetStreamClient): Promise<void> {
  await emit(js, USER_REGISTERED, create(OrderCreatedSchema, { orderId: "o-1" }));
}
