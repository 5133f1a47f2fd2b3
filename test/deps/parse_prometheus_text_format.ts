/**
 * @module A Prometheus text parser for the `/metrics` tests, pinned here so that the harness
 * never embeds or fetches it.
 */
export { default } from "npm:parse-prometheus-text-format@1.1.1";
