// Deliberately broken variants of the component's security properties. Each one must make the
// named test files fail; one that passes means the suite no longer guards that property.
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
];
