import * as fs from "fs";
import * as path from "path";
import { unifiedDiff } from "../../cli/plan/textDiff";
import { CRED_PROXY_SIDECAR_TYPE } from "../../components/credProxySidecar/component";
import { RouteKind } from "../../components/manifest/types";
import { AUTH_SCHEMES } from "../../components/routes/kinds";
import { RouteAuthScheme } from "../../components/routes/types";
import { hostSchema, pluginPackageName, renderSchema, SCHEMA_SNAPSHOT } from "../../scripts/packageSchema";
import { requirePluginLayout, ROOT } from "./helpers/pluginHost";

interface Property {
    type?: string;
    $ref?: string;
    items?: Property;
    additionalProperties?: Property;
    plain?: boolean;
    description?: string;
}
interface ObjectType {
    type: string;
    properties?: Record<string, Property>;
    required?: string[];
    enum?: Array<{ name: string; value: string; description?: string }>;
}
interface Schema {
    name: string;
    version: string;
    resources: Record<
        string,
        ObjectType & { isComponent: boolean; inputProperties: Record<string, Property>; requiredInputs: string[]; description?: string }
    >;
    types: Record<string, ObjectType>;
    dependencies: unknown[];
}

const ref = (name: string) => `#/types/cred-proxy:index:${name}`;

/** A property's type in short: `string`, `number`, `#Name`, `array<...>`, `map<...>`. */
function shape(p: Property): string {
    if (p.$ref !== undefined) {
        return p.$ref.replace("#/types/cred-proxy:index:", "#");
    }
    if (p.type === "array" && p.items) {
        return `array<${shape(p.items)}>`;
    }
    if (p.type === "object" && p.additionalProperties) {
        return `map<${shape(p.additionalProperties)}>`;
    }
    return String(p.type);
}

const snapshot = (): Schema => JSON.parse(fs.readFileSync(path.join(ROOT, SCHEMA_SNAPSHOT), "utf8"));

describe("the multi-language schema", () => {
    test("the committed snapshot is what the plugin host generates from the sources", async () => {
        requirePluginLayout();
        const fresh = renderSchema(await hostSchema(ROOT));
        const committed = fs.readFileSync(path.join(ROOT, SCHEMA_SNAPSHOT), "utf8");
        const diff = unifiedDiff(committed, fresh, { before: SCHEMA_SNAPSHOT, after: "generated" });
        if (diff !== "") {
            throw new Error(`${SCHEMA_SNAPSHOT} is out of date; run \`npm run schema:update\` and review:\n${diff}`);
        }
    }, 120_000);

    test("names the package and the resource as package.json and the component do", () => {
        const schema = snapshot();
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        expect(schema.name).toBe(pluginPackageName(pkg.name));
        expect(schema.version).toBe(pkg.version);
        expect(Object.keys(schema.resources)).toEqual([CRED_PROXY_SIDECAR_TYPE]);
        expect(CRED_PROXY_SIDECAR_TYPE).toBe(`${schema.name}:index:CredProxySidecar`);
        expect(schema.resources[CRED_PROXY_SIDECAR_TYPE].isComponent).toBe(true);
        expect(schema.resources[CRED_PROXY_SIDECAR_TYPE].description).toMatch(/^A bottle's credential proxy/);
    });

    test("every input, with its type; what decides the resources is plain (not an Input)", () => {
        const resource = snapshot().resources[CRED_PROXY_SIDECAR_TYPE];
        const inputs = Object.entries(resource.inputProperties).map(([name, p]) => [name, shape(p), p.plain ? "plain" : "input"]);
        expect(inputs).toEqual([
            ["bottle", "#BottleManifest", "plain"],
            ["image", "string", "input"],
            ["tokenValues", "map<string>", "plain"],
            ["port", "number", "plain"],
            ["slug", "string", "plain"],
            ["internalNetworkName", "string", "input"],
            ["egressNetworkName", "string", "input"],
            ["memoryMb", "number", "plain"],
            ["maxProcesses", "number", "plain"],
        ]);
        expect(resource.requiredInputs).toEqual(["bottle", "image"]);
        // The map's keys are known when the program runs; its values may be outputs (secrets).
        expect(resource.inputProperties.tokenValues.additionalProperties?.plain).toBeUndefined();
    });

    test("every output, with its type; routesFile (a TypeScript getter) is not one", () => {
        const resource = snapshot().resources[CRED_PROXY_SIDECAR_TYPE];
        const outputs = Object.entries(resource.properties ?? {}).map(([name, p]) => [name, shape(p)]);
        expect(outputs).toEqual([
            ["routes", "array<#CredProxyRoute>"],
            ["tokenEnvMap", "map<string>"],
            ["internalNetworkName", "string"],
            ["egressNetworkName", "string"],
            ["containerName", "string"],
            ["proxyUrl", "string"],
            ["agentRoutes", "array<#CredProxyAgentRoute>"],
            ["agentEnvironment", "map<string>"],
        ]);
        expect(resource.required).toEqual(outputs.map(([name]) => name).sort());
    });

    test("the object and enum types, with the planning core's kinds and schemes", () => {
        const types = snapshot().types;
        const fields = (name: string) => Object.entries(types[`cred-proxy:index:${name}`].properties ?? {}).map(([k, p]) => [k, shape(p)]);
        expect(Object.keys(types).sort()).toEqual(
            ["BottleManifest", "BottleToken", "CredProxyAgentRoute", "CredProxyRoute", "RouteAuthScheme", "RouteKind"].map(
                (n) => `cred-proxy:index:${n}`,
            ),
        );
        expect(fields("BottleManifest")).toEqual([["tokens", "array<#BottleToken>"]]);
        expect(fields("BottleToken")).toEqual([
            ["Kind", "string"],
            ["TokenRef", "string"],
            ["Url", "string"],
            ["Auth", "string"],
            ["Access", "string"],
            ["Header", "string"],
            ["Scheme", "string"],
            ["User", "string"],
        ]);
        expect(types["cred-proxy:index:BottleToken"].required).toEqual(["Kind", "TokenRef"]);
        expect(fields("CredProxyRoute")).toEqual([
            ["kind", "#RouteKind"],
            ["path", "string"],
            ["upstream", "string"],
            ["authScheme", "#RouteAuthScheme"],
            ["tokenEnv", "string"],
            ["tokenRef", "string"],
            ["authHeader", "string"],
            ["authUser", "string"],
            ["readOnly", "boolean"],
        ]);
        expect(fields("CredProxyAgentRoute")).toEqual([
            ["kind", "#RouteKind"],
            ["path", "string"],
            ["url", "string"],
        ]);
        expect(types["cred-proxy:index:RouteKind"].enum?.map((e) => e.value)).toEqual(Object.values(RouteKind));
        expect(types["cred-proxy:index:RouteAuthScheme"].enum?.map((e) => e.value)).toEqual(Object.values(RouteAuthScheme));
        // Every kind's default scheme, and the schemes of the routes that override it, are in the enum.
        expect(Object.values(RouteAuthScheme)).toEqual(expect.arrayContaining([...Object.values(AUTH_SCHEMES), "Basic", "none"]));
    });

    test("every input, output and type property is documented", () => {
        const schema = snapshot();
        const resource = schema.resources[CRED_PROXY_SIDECAR_TYPE];
        const described = [
            ...Object.entries(resource.inputProperties).map(([k, p]) => [`input ${k}`, p.description]),
            ...Object.entries(resource.properties ?? {}).map(([k, p]) => [`output ${k}`, p.description]),
            ...Object.entries(schema.types).flatMap(([t, type]) => [
                ...Object.entries(type.properties ?? {}).map(([k, p]) => [`${t}.${k}`, p.description]),
                ...(type.enum ?? []).map((e) => [`${t}.${e.name}`, e.description]),
            ]),
        ];
        const undocumented = described.filter(([, d]) => typeof d !== "string" || d.trim().length < 10 || d.includes("[object Object]"));
        expect(undocumented).toEqual([]);
    });

    test("references only its own types and Pulumi's: no other package (such as docker) to install", () => {
        const schema = snapshot();
        expect(schema.dependencies).toEqual([]);
        const refs = JSON.stringify(schema).match(/"\$ref":"[^"]*"/g) ?? [];
        expect(refs.filter((r) => !r.startsWith('"$ref":"#/types/cred-proxy:index:'))).toEqual([]);
        expect(refs).toContain(`"$ref":"${ref("BottleManifest")}"`);
    });

    test("the package name derivation matches the Node.js plugin host's", () => {
        expect(pluginPackageName("cred-proxy")).toBe("cred-proxy");
        expect(pluginPackageName("@acme/cred-proxy")).toBe("cred-proxy");
        expect(pluginPackageName("cred.proxy")).toBe("cred-proxy");
    });
});
