import { spawn, type ChildProcessByStdio } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Readable } from "stream";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { ConstructRequest, ConstructResponse, GetSchemaRequest } from "@pulumi/pulumi/proto/provider_pb";
import { requireBuiltDist } from "../../helpers/dist";

export const ROOT = path.resolve(__dirname, "../../..");

/**
 * What `pulumi package add <this repository>` needs before it can ask the plugin for its schema:
 * the compiled package (`main`, built by `npm install` through `prepare`) and a TypeScript entry the
 * analyzer finds next to package.json. package.json `main`/`exports` name dist/*.js, which the
 * analyzer maps to dist/*.ts (there are none), so it falls back to index.ts, which must be part of
 * tsconfig.json's program. Fails with what to do when one is missing.
 */
export function requirePluginLayout(): void {
    const problems: string[] = [];
    if (!fs.existsSync(path.join(ROOT, "PulumiPlugin.yaml"))) {
        problems.push("PulumiPlugin.yaml is missing");
    }
    try {
        requireBuiltDist();
    } catch (err) {
        problems.push((err as Error).message);
    }
    if (!fs.existsSync(path.join(ROOT, "index.ts"))) {
        problems.push("index.ts is missing at the package root (the analyzer's entry point; see docs/multi-language.md)");
    }
    const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")) as { include?: string[]; files?: string[] };
    if (![...(tsconfig.include ?? []), ...(tsconfig.files ?? [])].includes("index.ts")) {
        problems.push('tsconfig.json does not list "index.ts" in "include", so the analyzer\'s program does not contain it');
    }
    if (problems.length > 0) {
        throw new Error(`the repository is not a plugin package Pulumi can analyse yet:\n  - ${problems.join("\n  - ")}`);
    }
}

/** A plugin process as the engine starts it, and a client of its ResourceProvider service. */
export interface PluginHost {
    client: ResourceProviderClient;
    /** What the plugin wrote to stderr so far. */
    stderr(): string;
    stop(): Promise<void>;
}

/**
 * Starts this repository as `pulumi-language-nodejs` runs a source-based plugin (its RunPlugin):
 * `node <@pulumi/pulumi/cmd/run-plugin, resolved from the plugin folder> <plugin folder> [engine]`,
 * in the user's working directory (here an empty folder) and with the environment the CLI passes.
 * Like every plugin, it prints the port of its gRPC server on the first line of stdout.
 */
export async function startPluginHost(options: { env: Record<string, string>; engineAddress?: string }): Promise<PluginHost> {
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [ROOT] });
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "cred-proxy-plugin-pwd-"));
    const args = [runPlugin, ROOT, ...(options.engineAddress ? [options.engineAddress] : [])];
    const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, args, {
        cwd,
        env: options.env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill();
        }
        await exited;
        fs.rmSync(cwd, { recursive: true, force: true });
    };
    try {
        const port = await firstLine(child, () => stderr);
        if (!/^\d+$/.test(port)) {
            throw new Error(`the plugin's first line of output is not a port: ${JSON.stringify(port)}\n${stderr}`);
        }
        const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return {
            client,
            stderr: () => stderr,
            stop: async () => {
                client.close();
                await stop();
            },
        };
    } catch (err) {
        await stop();
        throw err;
    }
}

function firstLine(child: ChildProcessByStdio<null, Readable, Readable>, stderr: () => string): Promise<string> {
    return new Promise((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`the plugin printed no port within 60s\n${stderr()}`)), 60_000);
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
            out += chunk;
            const newline = out.indexOf("\n");
            if (newline >= 0) {
                clearTimeout(timer);
                resolve(out.slice(0, newline).trim());
            }
        });
        child.once("exit", (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`the plugin exited (${code ?? signal}) before printing its port\n${stderr()}`));
        });
    });
}

/** GetSchema, version 0: what `pulumi package add` asks before generating an SDK. */
export function getSchema(client: ResourceProviderClient): Promise<string> {
    const request = new GetSchemaRequest();
    request.setVersion(0);
    return new Promise((resolve, reject) =>
        client.getSchema(request, (err, response) => (err ? reject(err) : resolve(response.getSchema()))),
    );
}

export function getPluginVersion(client: ResourceProviderClient): Promise<string> {
    return new Promise((resolve, reject) =>
        client.getPluginInfo(new Empty(), (err, response) => (err ? reject(err) : resolve(response.getVersion()))),
    );
}

export function construct(client: ResourceProviderClient, request: ConstructRequest): Promise<ConstructResponse> {
    return new Promise((resolve, reject) => client.construct(request, (err, response) => (err ? reject(err) : resolve(response))));
}
