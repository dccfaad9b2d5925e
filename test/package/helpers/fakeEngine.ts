import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import { GetRootResourceResponse, LogSeverity, SetRootResourceResponse, type LogRequest } from "@pulumi/pulumi/proto/engine_pb";
import { ResourceMonitorService } from "@pulumi/pulumi/proto/resource_grpc_pb";
import {
    RegisterResourceResponse,
    SupportsFeatureResponse,
    type RegisterResourceOutputsRequest,
    type RegisterResourceRequest,
    type SupportsFeatureRequest,
} from "@pulumi/pulumi/proto/resource_pb";

/** A resource registration as the monitor received it from the plugin. */
export interface Registration {
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    urn: string;
    /** The inputs, as sent on the wire (secrets as `{ 4dabf1...: 1b4706..., value }`). */
    inputs: Record<string, unknown>;
}

/** What the engine side saw during one Construct. */
export interface EngineRecord {
    registrations: Registration[];
    /** `registerOutputs` of each component, by URN, as sent on the wire. */
    outputs: Map<string, Record<string, unknown>>;
    /** Messages the plugin logged to the engine (what `pulumi up` shows), debug ones aside. */
    logs: string[];
    /**
     * Debug messages, shown only with `pulumi up --debug` or `-v`. The Node.js SDK logs every
     * RegisterResource response there, secret outputs included: that is Pulumi's, for any Node.js
     * program, and why real tokens and `--debug` do not mix.
     */
    debugLogs: string[];
}

/** Features the fake monitor claims; the SDK asks before it serializes secrets, references or output values. */
const FEATURES = new Set(["secrets", "resourceReferences", "outputValues", "deletedWith", "aliasSpecs"]);

/**
 * The engine's side of a Construct call: the engine service (logs, root resource) and the resource
 * monitor the plugin registers the component and its children with, on one gRPC server. The monitor
 * answers as a preview or an update would for new resources: it echoes inputs as outputs and, for
 * custom resources, gives an ID (none in a preview).
 */
export class FakeEngine {
    /** What the engine side saw since the last `reset()`; a reset starts a new record. */
    record: EngineRecord = { registrations: [], outputs: new Map(), logs: [], debugLogs: [] };
    private readonly server = new grpc.Server();
    private port = 0;

    constructor(
        private readonly project: string,
        private readonly stack: string,
        private readonly dryRun: () => boolean,
    ) {
        this.server.addService(EngineService, {
            log: (call: grpc.ServerUnaryCall<LogRequest, Empty>, callback: grpc.sendUnaryData<Empty>) => {
                const to = call.request.getSeverity() === LogSeverity.DEBUG ? this.record.debugLogs : this.record.logs;
                to.push(call.request.getMessage());
                callback(null, new Empty());
            },
            getRootResource: (_call: unknown, callback: grpc.sendUnaryData<GetRootResourceResponse>) => {
                callback(null, new GetRootResourceResponse());
            },
            setRootResource: (_call: unknown, callback: grpc.sendUnaryData<SetRootResourceResponse>) => {
                callback(null, new SetRootResourceResponse());
            },
        });
        this.server.addService(ResourceMonitorService, {
            supportsFeature: (
                call: grpc.ServerUnaryCall<SupportsFeatureRequest, SupportsFeatureResponse>,
                callback: grpc.sendUnaryData<SupportsFeatureResponse>,
            ) => {
                callback(null, new SupportsFeatureResponse().setHassupport(FEATURES.has(call.request.getId())));
            },
            registerResource: (
                call: grpc.ServerUnaryCall<RegisterResourceRequest, RegisterResourceResponse>,
                callback: grpc.sendUnaryData<RegisterResourceResponse>,
            ) => {
                const req = call.request;
                const urn = `urn:pulumi:${this.stack}::${this.project}::${req.getType()}::${req.getName()}`;
                const inputs = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
                this.record.registrations.push({
                    type: req.getType(),
                    name: req.getName(),
                    custom: req.getCustom(),
                    parent: req.getParent(),
                    urn,
                    inputs,
                });
                const response = new RegisterResourceResponse().setUrn(urn).setObject(Struct.fromJavaScript(inputs as never));
                if (req.getCustom()) {
                    response.setId(this.dryRun() ? "" : `${req.getName()}-id`);
                }
                callback(null, response);
            },
            registerResourceOutputs: (
                call: grpc.ServerUnaryCall<RegisterResourceOutputsRequest, Empty>,
                callback: grpc.sendUnaryData<Empty>,
            ) => {
                this.record.outputs.set(
                    call.request.getUrn(),
                    (call.request.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>,
                );
                callback(null, new Empty());
            },
        });
    }

    /** `127.0.0.1:<port>`: both the engine address (a plugin argument) and the monitor endpoint. */
    get address(): string {
        return `127.0.0.1:${this.port}`;
    }

    async start(): Promise<void> {
        this.port = await new Promise<number>((resolve, reject) =>
            this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
                err ? reject(err) : resolve(port),
            ),
        );
    }

    reset(): void {
        this.record = { registrations: [], outputs: new Map(), logs: [], debugLogs: [] };
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
    }
}
