import { goDuration } from "../../../components/credProxySidecar/containerArgs";

// Docker reports durations the way Go's time.Duration prints them; the provider compares them as
// strings, so the declared value must be spelled the same or every preview shows a change.
test.each([
    [0, "0s"],
    [0.5, "500ms"],
    [0.25, "250ms"],
    [1, "1s"],
    [59, "59s"],
    [90, "1m30s"],
    [330, "5m30s"],
    [3600, "1h0m0s"],
    [3725, "1h2m5s"],
])("%d s is written %s, as Go writes it", (seconds, written) => {
    expect(goDuration(seconds)).toBe(written);
});
