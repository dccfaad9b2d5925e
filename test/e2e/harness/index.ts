/** The end-to-end harness: engine detection, offline images, the realiser and container helpers. */
export * from "./engine";
export * from "./images";
export * from "./containers";
export * from "./realise";
export * from "./probes";
export * from "./testCa";
export * from "./fakeUpstreams";
export * from "./distBuild";
