// Deliberately broken variants of security properties of the component and the sidecar server.
// Each one must make the named test files fail; one that passes means the suite no longer
// guards that property.
module.exports = [
    {
        name: "token values from the host environment passed in plaintext",
        file: "components/credProxySidecar/tokenEnvs.ts",
        find: "return pulumi.secret(`${slot}=${hostValues[slot]}`);",
        replace: "return pulumi.output(`${slot}=${hostValues[slot]}`);",
        tests: ["test/component"],
    },
    {
        name: "routes file uploaded 0600 but owned by root",
        file: "components/credProxySidecar/containerArgs.ts",
        find: "owner: String(PROXY_UID),",
        replace: "owner: \"0\",",
        tests: ["test/component"],
    },
    {
        name: "internal network created without the internal flag",
        file: "components/credProxySidecar/networks.ts",
        find: "internal: true,",
        replace: "internal: false,",
        tests: ["test/component"],
    },
    {
        name: "component args (manifest, token values) sent to the engine",
        file: "components/credProxySidecar/component.ts",
        find: "super(CRED_PROXY_SIDECAR_TYPE, name, {}, opts);",
        replace: "super(CRED_PROXY_SIDECAR_TYPE, name, args, opts);",
        tests: ["test/component"],
    },
    {
        name: "capabilities kept",
        file: "components/credProxySidecar/containerArgs.ts",
        find: 'capabilities: { drops: ["ALL"] },',
        replace: "capabilities: {},",
        tests: ["test/component"],
    },
    {
        name: "proxy alias on the egress network too",
        file: "components/credProxySidecar/containerArgs.ts",
        find: "{ name: inputs.egressNetworkName },",
        replace: "{ name: inputs.egressNetworkName, aliases: [PROXY_ALIAS] },",
        tests: ["test/component"],
    },
    {
        name: "internal network bridge keeps an address on the host",
        file: "components/credProxySidecar/networks.ts",
        find: 'options: { "com.docker.network.bridge.inhibit_ipv4": "true" },',
        replace: "",
        tests: ["test/component"],
    },
    {
        name: "sidecar: undici's pool lets NODE_TLS_REJECT_UNAUTHORIZED=0 switch verification off",
        file: "sidecar/upstreamPool.ts",
        find: "connect: { timeout: this.timeouts.connectTimeoutMs, rejectUnauthorized: true },",
        replace: "connect: { timeout: this.timeouts.connectTimeoutMs },",
        tests: ["test/sidecar/tls.test.ts"],
    },
    {
        name: "sidecar: Node's https agent lets NODE_TLS_REJECT_UNAUTHORIZED=0 switch verification off",
        file: "sidecar/upstreamPool.ts",
        find: "new https.Agent({ ...options, rejectUnauthorized: true })",
        replace: "new https.Agent({ ...options })",
        tests: ["test/sidecar/tls.test.ts"],
    },
    {
        name: "sidecar: the agent's own Authorization reaches the upstream",
        file: "sidecar/headers.ts",
        find: 'const AGENT_ONLY = new Set(["authorization", ',
        replace: "const AGENT_ONLY = new Set([",
        tests: ["test/sidecar/credentials.test.ts"],
    },
    {
        name: "sidecar: a bodiless POST is replayed on a dropped pooled connection",
        file: "sidecar/forwardWhole.ts",
        find: 'const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "DELETE"]);',
        replace: 'const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "DELETE", "POST"]);',
        tests: ["test/sidecar/failures.test.ts"],
    },
];
