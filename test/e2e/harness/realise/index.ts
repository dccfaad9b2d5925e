/**
 * THE REALISER: turns the resources a Pulumi program registered under the mock runtime into real
 * networks and containers on a Docker engine, the way @pulumi/docker 5.2 creates them, so the
 * end-to-end suite tests exactly what the program declared without a Pulumi engine, state or
 * provider binary.
 *
 * Input: `{ type, name, inputs, id?, deleteBeforeReplace? }` per resource, `inputs` being what
 * the program passed to the provider (camelCase keys, secrets possibly wrapped; see
 * `unwrapSecrets`), `id` the id the mock returned (so a container may refer to a network by it).
 *
 * One concern per file:
 * - `wire.ts`: Pulumi's wire values (secrets, unknowns), resource types, the harness's labels;
 * - `vocabulary.ts`: every input key mapped or deliberately ignored (anything else throws);
 * - `inputs.ts`: typed readers naming the offending path, durations, labels, auto-names;
 * - `network.ts`, `container.ts`, `uploads.ts`: plans (engine options) per resource kind;
 * - `plan.ts`: `plan()`, validating a whole list before anything is created;
 * - `create.ts`: creating planned resources in the provider's order;
 * - `replace.ts`: realising again: keep what is unchanged, replace a changed container;
 * - `run.ts`: `E2eRun` (realise, helper containers, images, teardown);
 * - `cleanup.ts`: removal by id and label, and the sweep of dead runs' leftovers.
 */
export { CONTAINER_KEYS_UPDATED_IN_PLACE, IGNORED_CONTAINER_KEYS, IGNORED_NETWORK_KEYS, SUPPORTED_CONTAINER_KEYS, SUPPORTED_NETWORK_KEYS } from "./vocabulary";
export { CONTAINER_TYPE, HOST_LABEL, NETWORK_TYPE, PID_LABEL, RESOURCE_LABEL, RUN_LABEL, unwrapSecrets } from "./wire";
export type { RegisteredResource } from "./wire";
export { parseGoDuration } from "./inputs";
export type { NetworkPlan } from "./network";
export type { ContainerPlan, NetworkAttachment } from "./container";
export { uploadTar } from "./uploads";
export type { UploadPlan } from "./uploads";
export { plan } from "./plan";
export type { Plan, PlanOptions } from "./plan";
export type { RealisedContainer, RealisedNetwork } from "./create";
export { canonical, changedKeys } from "./replace";
export type { RealiseAction } from "./replace";
export { E2eRun } from "./run";
export type { Realised, RunContainerSpec } from "./run";
export { sweepLeftovers } from "./cleanup";
export type { Labelled } from "./cleanup";
