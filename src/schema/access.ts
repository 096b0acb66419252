/**
 * Root fields an anonymous caller may use are marked where they are declared, with
 * `extensions: openToAnonymous`; every other root field needs a token (plugins/anonymous-gate.ts
 * refuses it before anything runs). Who may see and change what is decided in the services.
 */
export const openToAnonymous = { openToAnonymous: true } as const;

export const isOpenToAnonymous = (field: { readonly extensions?: Readonly<Record<string, unknown>> | null } | undefined): boolean =>
  field?.extensions?.openToAnonymous === true;
