/** What a request knows that the changes it causes should carry. */
export interface RequestMetadata {
  /** W3C trace context of the request (the `traceparent` header), propagated into its events. */
  readonly traceparent?: string;
}
