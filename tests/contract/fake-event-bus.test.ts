import { createFakeEventBus } from "../support/fake-event-bus.ts";
import { describeEventBusContract } from "./event-bus-contract.ts";

describeEventBusContract("fake event bus", async () => {
  const bus = createFakeEventBus();
  return {
    bus,
    publish: async (events) => events.forEach((event) => bus.push(event)),
    reconnect: async () => {
      bus.goDown();
      bus.reconnect();
    },
    close: async () => {},
  };
});
