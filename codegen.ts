import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Generates typed documents for the operations the tests send: write them with the `graphql()`
 * function from tests/generated, and results and variables are typed against schema.graphql.
 * `npm run codegen` prints schema.graphql from the Pothos schema first, then runs this.
 */
const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["tests/**/*.ts", "!tests/generated/**"],
  ignoreNoDocuments: true,
  generates: {
    "tests/generated/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: "string" },
        enumsAsTypes: true,
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
      },
    },
  },
};

export default config;
