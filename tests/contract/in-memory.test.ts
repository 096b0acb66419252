import { createInMemoryStore } from "../support/in-memory-store.ts";
import { describeRepositoryContract } from "./repository-contract.ts";

describeRepositoryContract("in-memory fakes", () => {
  const store = createInMemoryStore();
  return {
    repositories: () => store.repositories,
    unitOfWork: store.unitOfWork,
    reset: async () => Object.values(store.tables).forEach((table) => table.clear()),
  };
});
