/** The end-to-end helpers: the engines, offline images, runs and their helper containers, probes. */
export * from "./engine";
export * from "./pulumiCli";
export * from "./images";
export * from "./containers";
export * from "./run";
export * from "./probes";
export * from "./testCa";
export * from "./fakeUpstreams";
export { mustSucceed, runChecked, runCommand, type CommandResult } from "../../helpers/commands";
