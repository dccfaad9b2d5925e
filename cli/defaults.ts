/** The proxy image a plan (and a new stack) uses unless told otherwise: the tag the README builds. */
export const DEFAULT_IMAGE = "cred-proxy:latest";
