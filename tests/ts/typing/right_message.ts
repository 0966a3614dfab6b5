// Must compile: the message type the event declares, its fields typed.
import { create } from "@bufbuild/protobuf";
import type { JetStreamClient } from "@nats-io/jetstream";
import { consume, emit } from "@protonats/runtime";
import { USER_REGISTERED, UserRegisteredSchema } from "shop-events";

export async function right(js: JetStreamClient): Promise<string> {
  const ack = await emit(js, USER_REGISTERED, create(UserRegisteredSchema, { userId: "u-1" }));
  for await (const delivery of consume(js, USER_REGISTERED, "typed")) {
    const userId: string = delivery.data.userId;
    await delivery.ack();
    return `${ack.seq} ${userId}`;
  }
  return "";
}
