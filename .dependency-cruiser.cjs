/**
 * The architecture, enforced: the domain depends on nothing but itself (and small pure
 * libraries); adapters and the API layer depend on the domain, never the other way round.
 * Run by `npm run lint`.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "domain-imports-no-framework",
      comment: "src/domain holds the rules; GraphQL, Pothos, MikroORM, SQL and Redis stay in adapters.",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { path: "^(node_modules/)?(graphql|graphql-yoga|graphql-ws|ioredis|kysely|pg|dataloader|@pothos/[^/]+|@mikro-orm/[^/]+)(/|$)" },
    },
    {
      name: "domain-imports-no-outer-layer",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { path: "^src/(?!domain/)" },
    },
    {
      name: "schema-does-no-sql",
      comment: "Resolvers call services and loaders, never the ORM or SQL.",
      severity: "error",
      from: { path: "^src/schema/" },
      to: { path: "^(src/infra/|(node_modules/)?(@mikro-orm/[^/]+|kysely|pg)(/|$))" },
    },
    {
      name: "loaders-use-services-only",
      severity: "error",
      from: { path: "^src/loaders/" },
      to: { path: "^(src/(infra|schema)/|(node_modules/)?(@mikro-orm/[^/]+|kysely|pg)(/|$))" },
    },
    { name: "no-circular", severity: "error", from: { path: "^src/" }, to: { circular: true } },
    { name: "not-to-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
  },
};
