import * as pulumi from "@pulumi/pulumi";

/**
 * Pulumi's mock runtime with a recorder: every resource registration is kept exactly as the
 * engine received it. The offline plan evaluates the component with it, and the tests use it to
 * assert what the component declares (test/helpers/pulumiMocks.ts re-exports this module).
 */

/** How the mock runtime marks a secret input: `{ [SECRET_SIG]: SECRET_SIG_VALUE, value }`. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** A resource as the engine received it: type, name and inputs exactly as sent. */
export interface RegisteredResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** URN of the parent resource ("" for none), read off the registration request. */
    parent: string;
    /** The `deleteBeforeReplace` option as the engine received it. */
    deleteBeforeReplace: boolean;
}

/** The part of the gRPC RegisterResourceRequest the recorder reads. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDeletebeforereplace(): boolean;
}

export interface MockOptions {
    project?: string;
    stack?: string;
    /** Networks that `docker.getNetwork` finds, with their `internal` flag. */
    existingNetworks?: Record<string, { internal: boolean }>;
}

/**
 * Installs Pulumi's mock runtime and records every resource registration. Must run before any
 * resource is constructed. Networks and containers echo their `name` input as the engine would.
 * Calling it again starts a fresh recording against a fresh mock monitor.
 */
export function installMocks(options: MockOptions = {}): RegisteredResource[] {
    const registered: RegisteredResource[] = [];
    const requests = new Map<string, { parent: string; deleteBeforeReplace: boolean }>();
    void pulumi.runtime.setMocks(
        {
            newResource(args) {
                const request = requests.get(`${args.type}::${args.name}`) ?? { parent: "", deleteBeforeReplace: false };
                registered.push({ type: args.type, name: args.name, inputs: args.inputs, ...request });
                const state = { ...args.inputs, name: args.inputs.name ?? args.name };
                return { id: `${args.name}-id`, state };
            },
            call(args) {
                if (args.token === "docker:index/getNetwork:getNetwork") {
                    const found = options.existingNetworks?.[args.inputs.name];
                    if (!found) {
                        throw new Error(`network ${args.inputs.name} not found`);
                    }
                    return { id: `${args.inputs.name}-id`, name: args.inputs.name, internal: found.internal, driver: "bridge" };
                }
                throw new Error(`unexpected call ${args.token}`);
            },
        },
        options.project ?? "cred-proxy",
        options.stack ?? "test",
        false,
    );
    // Mocks do not pass resource options to newResource; read them off the request instead.
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: unknown): unknown };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        requests.set(`${req.getType()}::${req.getName()}`, { parent: req.getParent(), deleteBeforeReplace: req.getDeletebeforereplace() });
        return register(req, cb);
    };
    return registered;
}

/** Resolves an output's value under the mock runtime. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Lets pending registrations reach the mock monitor. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
        await new Promise((r) => setImmediate(r));
    }
}

export function isSecretWrapper(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE;
}
